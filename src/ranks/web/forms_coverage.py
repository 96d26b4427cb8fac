"""Forms of the secondment pages: they check the shape of the input; the services check the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ranks.core.errors import DomainError
from ranks.core.forms import DayField
from ranks.coverage.models import SecondmentRole


class SecondmentForm(forms.Form):
    person_id = forms.CharField(
        label=_("Person ID of the seconded member"),
        max_length=64,
        help_text=_("A party member, often from elsewhere: a border guard, a commune official."),
    )
    cell_code = forms.ChoiceField(label=_("Cell"))
    role = forms.ChoiceField(label=_("Role"), choices=SecondmentRole.choices)
    from_date = DayField(label=_("From"))
    to_date = DayField(label=_("To"), required=False, help_text=_("Empty while it lasts."))
    home_unit_code = forms.CharField(
        label=_("Code of the home unit"), max_length=64, required=False
    )

    def __init__(self, *args, cells: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell_code"].choices = [(code, f"{name} ({code})") for code, name in cells]
        if len(cells) == 1:
            self.fields["cell_code"].initial = cells[0][0]

    def add_domain_error(self, error: DomainError) -> None:
        """The service's message next to the field it names, else at the top of the form."""
        self.add_error(error.field if error.field in self.fields else None, str(error.message))


class SecondmentEndForm(forms.Form):
    secondment = forms.IntegerField(widget=forms.HiddenInput)
    on = DayField(label=_("Last day"))
