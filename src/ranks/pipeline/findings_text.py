"""A finding's message in the active language: the engine's template, translated and filled in.

The templates of `rules.messages` are msgids of the catalogue. Dates print as DD/MM/YYYY; the
codes the engine puts in its parameters (education levels, stages, dossier document names) print
as their translated labels.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

from ranks.people.models import EducationGeneral
from ranks.pipeline.models import Stage
from ranks.pipeline.rules import TEMPLATES, Finding

# Documents whose name the rules keep in English; the others are cited by their number.
RULE_DOCUMENTS = {
    "Charter": gettext_lazy("Party Charter"),
    "21-NQ/TW": gettext_lazy("Resolution 21-NQ/TW"),
}

# The names of the rules (docs/rules.md), shown beside their code: "R7 – vote of the cell (two thirds)".
RULE_NAMES = {
    "R1": gettext_lazy("minimum age"),
    "R2": gettext_lazy("maximum age"),
    "R3": gettext_lazy("education"),
    "R4": gettext_lazy("certificate of the party awareness class"),
    "R5": gettext_lazy("dossier documents still valid"),
    "R6": gettext_lazy("introducers"),
    "R7": gettext_lazy("vote of the cell (two thirds)"),
    "R8": gettext_lazy("admission decision in time"),
    "R9": gettext_lazy("admission ceremony in time"),
    "R10": gettext_lazy("probation"),
    "R11": gettext_lazy("official recognition"),
    "R12": gettext_lazy("not recognised: removal"),
    "R13": gettext_lazy("party age from the admission decision"),
    "R14": gettext_lazy("size of a cell"),
    "R15": gettext_lazy("comment on a member working away"),
    "R16": gettext_lazy("yearly admission norm"),
    "R17": gettext_lazy("villages and residential groups covered"),
    "R18": gettext_lazy("decision by the competent committee"),
}

# Why a committee is the competent one (R18), as `rules.wrong_committee` gives it.
COMPETENT_WHY = {
    "authorised": gettext_lazy("the grassroots committee is authorised to admit"),
    "not_authorised": gettext_lazy(
        "the grassroots committee is not authorised; the committee directly above it decides"
    ),
}

# A clause the rules keep in English ("Art. 4.3"), in the active language ("Điều 4.3").
_ARTICLE = re.compile(r"^Art\. (?P<number>\S+)$")

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
    "why": COMPETENT_WHY,
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
    if key == "education" and not value:  # none recorded: say so, not a blank
        return gettext("not recorded")
    return value


def finding_message(finding: Finding) -> str:
    """The finding's message in the active language."""
    params = {key: _param(key, value) for key, value in finding.params.items()}
    message = gettext(TEMPLATES[finding.code]) % params
    # A label that opens the sentence ("application is valid…") starts with a capital.
    return message[:1].upper() + message[1:]


def clause_text(clause: str) -> str:
    """A clause in the active language: "Art. 4.3" reads "Điều 4.3" in Vietnamese; "§1.2"
    stays as it is."""
    match = _ARTICLE.match(clause)
    if match:
        return gettext("Art. %(number)s") % {"number": match["number"]}
    return clause


def citation_text(document: str, clause: str) -> str:
    """The document and clause in the active language: "Party Charter Art. 4.3" in English,
    "Điều 4.3 Điều lệ Đảng" in Vietnamese (which names the clause first)."""
    return pgettext("a rule's citation", "%(document)s %(clause)s") % {
        "document": RULE_DOCUMENTS.get(document, document),
        "clause": clause_text(clause),
    }


def finding_citation(finding: Finding) -> str:
    """The document and clause, in the active language where they have words."""
    return citation_text(finding.document, finding.clause)


def rule_name(rule: str) -> str:
    """The name of a rule in the active language ("" for a code without one)."""
    return str(RULE_NAMES.get(rule, ""))


def rule_citation(rule: str, document: str, clause: str) -> str:
    """A rule's code and name with its document: "R16 – yearly admission norm (Resolution
    21-NQ/TW §II.2)"."""
    return pgettext("a rule with its citation", "%(rule)s (%(citation)s)") % {
        "rule": rule_title(rule),
        "citation": citation_text(document, clause),
    }


def rule_title(rule: str) -> str:
    """A rule's code with its name beside it: "R7 – vote of the cell (two thirds)"."""
    name = rule_name(rule)
    return f"{rule} – {name}" if name else rule
