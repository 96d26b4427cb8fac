"""The grant form: who, where, which role, and whether with sensitive data. The rules of who may
grant what are `access.services`'; this checks the shape."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ranks.access.models import Role
from ranks.core.errors import DomainError


class GrantForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    unit_code = forms.CharField(
        label=_("Unit code"),
        max_length=60,
        help_text=_("A unit within your own units; the role covers the units below it too."),
    )
    role = forms.ChoiceField(label=pgettext_lazy("access", "Role"), choices=Role.choices)
    sensitive = forms.BooleanField(
        label=_("With sensitive data"),
        required=False,
        help_text=_(
            "Also shows religion, ethnicity and national ID, each read logged. Only a manager "
            "who has it may give it."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))
