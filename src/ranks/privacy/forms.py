"""The forms of a person's requests about their data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ranks.core.forms import DayField
from ranks.people.forms import DomainErrorsMixin
from ranks.privacy.models import RequestKind, RequestStatus


class RequestForm(DomainErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("The person asks"), choices=RequestKind.choices)
    received_on = DayField(label=_("Received on"))
    unit = forms.CharField(
        label=_("Received by (unit code)"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    detail = forms.CharField(
        label=_("What the person asks, in their words"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class AnswerForm(DomainErrorsMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (RequestStatus.ANSWERED, RequestStatus.ANSWERED.label),
            (RequestStatus.REFUSED, RequestStatus.REFUSED.label),
        ],  # fmt: skip
        widget=forms.RadioSelect,
    )
    answered_on = DayField(label=_("Answered on"))
    answer = forms.CharField(
        label=_("The answer given, or the reason for refusing"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
