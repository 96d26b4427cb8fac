"""A finding's message in the active language: the engine's template, translated and filled in.

The templates of `rules.messages` are msgids of the catalogue. Dates print as DD/MM/YYYY; the
codes the engine puts in its parameters (education levels, stages, dossier document names) print
as their translated labels.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext, gettext_lazy, ngettext

from ranks.people.models import EducationGeneral
from ranks.pipeline.models import Stage
from ranks.pipeline.rules import TEMPLATES, Finding

# Documents whose name the rules keep in English; the others are cited by their number.
RULE_DOCUMENTS = {"Charter": gettext_lazy("Party Charter")}

DOCUMENT_NAMES = {
    "application": gettext_lazy("application"),
    "background declaration": gettext_lazy("background declaration"),
}

# Parameter → the labels of its codes; a code without a label prints as it is.
_LABELS: dict[str, dict[str, Any]] = {
    "education": dict(EducationGeneral.choices),
    "required": dict(EducationGeneral.choices),
    "stage": dict(Stage.choices),
    "name": DOCUMENT_NAMES,
}


# Ages the rules count in months, said in years (and months, when there are some).
AGE_PARAMS = frozenset({"age_months", "min_months", "max_months"})


def age_in_years(months: int, *, whole: bool = False) -> str:
    """An age counted in months, in words: "26 years"; a limit that is not whole years keeps its
    months ("17 years 6 months"), a person's age (`whole`) is their full years."""
    years, rest = divmod(months, 12)
    said = ngettext("%(years)s year", "%(years)s years", years) % {"years": years}
    if rest and not whole:
        said += " " + ngettext("%(months)s month", "%(months)s months", rest) % {"months": rest}
    return said


def format_day(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _param(key: str, value: Any) -> Any:
    if key in AGE_PARAMS and isinstance(value, int):
        return age_in_years(value, whole=key == "age_months")
    if isinstance(value, dt.date):
        return format_day(value)
    if isinstance(value, str) and value in _LABELS.get(key, {}):
        return str(_LABELS[key][value])
    return value


def finding_message(finding: Finding) -> str:
    """The finding's message in the active language."""
    params = {key: _param(key, value) for key, value in finding.params.items()}
    message = gettext(TEMPLATES[finding.code]) % params
    # A label that opens the sentence ("application is valid…") starts with a capital.
    return message[:1].upper() + message[1:]


def finding_citation(finding: Finding) -> str:
    """The document and clause, the document's name in the active language where it has one."""
    document = RULE_DOCUMENTS.get(finding.document, finding.document)
    return f"{document} {finding.clause}"
