"""The form of a restructure on its page: what is typed, checked for shape; the plan and the
services check the rest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ranks.core.errors import DomainError
from ranks.core.forms import DayField
from ranks.restructure.models import RestructureKind
from ranks.restructure.targets import parse_target_value

SEPARATORS = re.compile(r"[\s,;]+")

# The kinds each optional field serves: the page's script shows a field only for them (without
# the script every field shows, and the help says which kinds use it).
FIELD_KINDS = {
    "targets": ("merge", "split", "move", "dissolve"),
    "mapping": ("split",),
    "split_weight": ("split",),
    "target_values": ("split",),
    "name": ("rename", "change_kind"),
    "kind_key": ("change_kind",),
}


def codes_of(text: str) -> list[str]:
    """Codes typed one per line, or separated by commas or spaces."""
    return [c for c in SEPARATORS.split(text or "") if c]


class RestructureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of restructure"), choices=RestructureKind.choices)
    on = DayField(
        label=_("In effect from"),
        help_text=_(
            "The day the new structure takes effect; the sources close the day before. The "
            "structure of earlier dates stays as it was."
        ),
    )
    sources = forms.CharField(
        label=_("Source units"),
        max_length=4000,
        help_text=_(
            "Unit codes, separated by commas. Merge, dissolve and move: one or more; split, "
            "rename and change of kind: exactly one."
        ),
        error_messages={"required": _("Name at least one source unit.")},
    )
    targets = forms.CharField(
        label=_("Target units"),
        max_length=4000,
        required=False,
        help_text=_(
            "Unit codes. Merge: the unit that receives them; split: two or more; move: the new "
            "parent; dissolve: the successor, if any. None for a rename or a change of kind."
        ),
    )
    name = forms.CharField(
        label=_("New name"),
        max_length=200,
        required=False,
        help_text=_("Rename, and optionally a change of kind."),
    )
    kind_key = forms.ChoiceField(
        label=_("New kind of unit"),
        required=False,
        help_text=_("Change of kind only."),
    )
    mapping = forms.CharField(
        label=_("Where each unit and place goes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Split only: one line per unit or place of the source, as CODE=TARGET (for example "
            "C1-A=N1)."
        ),
    )
    split_weight = forms.ChoiceField(
        label=_("Suggested split of the targets by"),
        choices=[
            ("members", _("members on 1 January of the effective year")),
            ("last_admissions", _("admissions of the year before")),
        ],
        initial="members",
        required=False,
        help_text=_(
            "Split only: each target of the source is divided among the targets in proportion "
            "to what the mapping gives each of them."
        ),
    )
    target_values = forms.CharField(
        label=_("Parts of the targets you change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Split only, optional: one line per part, as YEAR:METRIC:TARGET=N (for example "
            "2026:admissions:N1=5); the other parts keep their suggestion."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    document = forms.CharField(
        label=_("Deciding document"),
        max_length=200,
        required=False,
        help_text=_("For example: Quyết định số 123-QĐ/TU."),
    )

    def __init__(self, *args, kinds: Sequence[tuple[str, str]] = (), datalist: str = "", **kwargs):
        """`kinds`: (key, label) of the unit kinds; `datalist`: the id of the list of units the
        code fields suggest."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        kind_key = self.fields["kind_key"]
        assert isinstance(kind_key, forms.ChoiceField)
        kind_key.choices = [("", "—"), *kinds]
        if datalist:
            for name in ("sources", "targets"):
                self.fields[name].widget.attrs.update(list=datalist, autocomplete="off")

    def clean_sources(self) -> list[str]:
        return codes_of(self.cleaned_data["sources"])

    def clean_targets(self) -> list[str]:
        return codes_of(self.cleaned_data["targets"])

    def clean_mapping(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for number, line in enumerate((self.cleaned_data["mapping"] or "").splitlines(), 1):
            for part in (p.strip() for p in line.split(",")):
                if not part:
                    continue
                code, sep, target = (s.strip() for s in part.partition("="))
                if not sep or not code or not target:
                    raise forms.ValidationError(
                        _("Line %(number)s: write CODE=TARGET, for example C1-A=N1.")
                        % {"number": number}
                    )
                mapping[code] = target
        return mapping

    def clean_split_weight(self) -> str:
        return self.cleaned_data["split_weight"] or "members"

    def clean_target_values(self) -> dict[tuple[int, str, str], int]:
        values: dict[tuple[int, str, str], int] = {}
        for number, line in enumerate((self.cleaned_data["target_values"] or "").splitlines(), 1):
            if not line.strip():
                continue
            parsed = parse_target_value(line.strip())
            if parsed is None:
                raise forms.ValidationError(
                    _(
                        "Line %(number)s: write YEAR:METRIC:TARGET=N, for example 2026:admissions:N1=5."
                    )
                    % {"number": number}
                )
            values[parsed[0]] = parsed[1]
        return values

    def params(self) -> dict[str, Any]:
        """What the services take, from the cleaned form."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "on": data["on"],
            "sources": data["sources"],
            "targets": data["targets"],
            "name": data["name"],
            "kind_key": data["kind_key"],
            "mapping": data["mapping"],
            "split_weight": data["split_weight"],
            "target_values": data["target_values"],
        }

    def named(self) -> list[tuple[str, str]]:
        """(field, code) of each unit named as a source or a target (the manager must cover
        each of them)."""
        data = self.cleaned_data
        return [
            *(("sources", c) for c in data.get("sources", [])),
            *(("targets", c) for c in data.get("targets", [])),
            *(("mapping", c) for c in dict.fromkeys(data.get("mapping", {}).values())),
        ]

    def add_domain_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))
