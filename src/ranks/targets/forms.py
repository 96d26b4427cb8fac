"""The allocation form: one number per child unit, the unit's own figure when the user may set it,
and a reason. It checks the shape of the numbers; `target_allocate` checks the rest. And the form
of a congress term's target."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from ranks.core.forms import DayField
from ranks.targets.metrics import TERM_METRICS, Metric

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CHILD_PREFIX = "child-"
MAX_VALUE = 10_000_000  # more admissions than the country has members: a typing slip


def _number_field(label: StrOrPromise, *, current: int | None) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_VALUE,
        error_messages={
            "invalid": _("Enter a whole number, 0 or more."),
            "min_value": _("Enter a whole number, 0 or more."),
            "max_value": _("This number is too large."),
        },
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
        initial=current,
    )


class AllocationForm(forms.Form):
    """`children`: (code, name, current value or None) of each unit below on the allocation day;
    `unit_current`: the unit's own target, its field present only when `may_set_unit`."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with every change, e.g. the number of the resolution."),
    )
    # What the suggested split the figures came from went by (`targets.suggest`), if any: the
    # view works the suggestion out again from it and records it with the revisions.
    suggested_weight = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args, children, unit_current: int | None, may_set_unit: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.children = children
        self.current = {code: value for code, _name, value in children}
        self.unit_current = unit_current
        if may_set_unit:
            self.fields["unit_value"] = _number_field(
                _("Target of this unit"), current=unit_current
            )
        for code, name, value in children:
            self.fields[CHILD_PREFIX + code] = _number_field(name, current=value)
        self.order_fields(["unit_value", *(CHILD_PREFIX + c for c, _n, _v in children), "reason"])

    def child_fields(self):
        return [(code, self[CHILD_PREFIX + code]) for code, _name, _value in self.children]

    def strangers(self) -> list[str]:
        """Codes posted as children that are not children on the day: left to the service, which
        refuses them."""
        if not self.is_bound:
            return []
        return sorted(
            key[len(CHILD_PREFIX) :]
            for key in self.data
            if key.startswith(CHILD_PREFIX) and key not in self.fields
        )

    def clean(self):
        data = super().clean()
        for code, _name, current in self.children:
            key = CHILD_PREFIX + code
            posted = key in self.data  # a field left out of the POST is left as it is
            if posted and data.get(key) is None and current is not None and key not in self.errors:
                self.add_error(key, _("A target cannot be removed here; enter 0 instead."))
        if (
            "unit_value" in self.fields
            and "unit_value" in self.data
            and data.get("unit_value") is None
            and self.unit_current is not None
            and "unit_value" not in self.errors
        ):
            self.add_error("unit_value", _("A target cannot be removed here; enter 0 instead."))
        return data

    def values(self) -> dict[str, int]:
        """Child code → the number typed, for the children given one (valid forms only)."""
        found = {
            code: self.cleaned_data[CHILD_PREFIX + code]
            for code, _name, _value in self.children
            if self.cleaned_data.get(CHILD_PREFIX + code) is not None
        }
        for code in self.strangers():
            raw = self.data.get(CHILD_PREFIX + code, "").strip()
            found[code] = int(raw) if raw.isdigit() else 0
        return found

    def unit_value(self) -> int | None:
        return self.cleaned_data.get("unit_value") if "unit_value" in self.fields else None

    def typed(self, key: str, fallback: int | None) -> int | None:
        """The number in a field as typed (bound) or stored (unbound), None if not a number."""
        if not self.is_bound:
            return fallback
        raw = (self.data.get(key) or "").strip()
        return int(raw) if raw.isdigit() else None


class TermTargetForm(forms.Form):
    """A target for a congress term: its first and last days, the metric, the figure, a reason.
    It checks the shape; `term_target_set` checks the rest (the order of the days, overlaps)."""

    starts_on = DayField(label=_("First day of the term"))
    ends_on = DayField(label=_("Last day of the term"))
    metric = forms.ChoiceField(label=_("Metric"))
    value = forms.IntegerField(
        label=_("Target for the term"),
        min_value=0,
        max_value=MAX_VALUE,
        error_messages={
            "invalid": _("Enter a whole number, 0 or more."),
            "min_value": _("Enter a whole number, 0 or more."),
            "max_value": _("This number is too large."),
        },
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with every change, e.g. the number of the congress resolution."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [(m, Metric(m).label) for m in TERM_METRICS]
