"""The forms of a manager's changes to the tree: a unit's name, `can_admit` and area flags, and a
place, each from a date. They check the shape of what is typed; `org.services` checks the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ranks.core.errors import DomainError
from ranks.core.forms import DayField
from ranks.org.models import PlaceKind
from ranks.org.tree import AREA_FLAGS
from ranks.reports.labels import area_flag_label


def _flag_choices() -> list[tuple[str, str]]:
    return [(key, area_flag_label(key)) for key in AREA_FLAGS]


class _DatedChange(forms.Form):
    on = DayField(
        label=_("In effect from"),
        help_text=_(
            "The day the change takes effect. The form of the unit in force that day ends the "
            "day before; on its first day, that form is corrected instead."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))


class UnitEditForm(_DatedChange):
    name = forms.CharField(
        label=pgettext_lazy("unit or place", "Name"),
        max_length=200,
        error_messages={"required": _("A unit needs a name.")},
    )
    can_admit = forms.BooleanField(
        label=_("Decides admissions"),
        required=False,
        help_text=_("This committee is authorised to decide admissions."),
    )
    area_flags = forms.MultipleChoiceField(
        label=_("Area"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_flags"].choices = _flag_choices()


class PlaceEditForm(_DatedChange):
    name = forms.CharField(
        label=pgettext_lazy("unit or place", "Name"),
        max_length=200,
        error_messages={"required": _("A place needs a name.")},
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=PlaceKind.choices)
    unit_code = forms.CharField(
        label=_("Unit code"),
        max_length=60,
        help_text=_("The commune-level or grassroots unit the place belongs to."),
    )
    cell_codes = forms.MultipleChoiceField(
        label=_("Cells based there"), required=False, widget=forms.CheckboxSelectMultiple
    )
    area_flags = forms.MultipleChoiceField(
        label=_("Area"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, cells=(), **kwargs):
        """`cells`: (code, name) of the cells the place may be based at."""
        super().__init__(*args, **kwargs)
        self.fields["cell_codes"].choices = list(cells)
        self.fields["area_flags"].choices = _flag_choices()
        self.fields["on"].help_text = _(
            "The day the change takes effect. The form of the place in force that day ends the "
            "day before; on its first day, that form is corrected instead."
        )
