"""Forms of the people pages: they check the shape of the input; the services check the rest and
refuse with the messages of the imports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ranks.core.errors import DomainError
from ranks.core.forms import DayField
from ranks.people.models import (
    SENSITIVE_FIELDS,
    AbsenceWhere,
    EducationGeneral,
    EducationProfessional,
    Gender,
    LeftReason,
    Occupation,
)
from ranks.people.selectors import PLACES_OFFERED_LIMIT


class OfferedChoiceField(forms.ChoiceField):
    """A list to choose from; a value not offered is left to the service, which refuses it with
    the message an import gives."""

    def valid_value(self, value: Any) -> bool:
        return True


def _choices(model_choices: Any, *, blank: str = "—") -> list[tuple[str, str]]:
    return [("", blank), *model_choices.choices]


def _text(label: Any, *, required: bool = False, max_length: int = 200, **attrs: Any) -> Any:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.TextInput(attrs=attrs)
    )


class DomainErrorsMixin:
    def add_domain_error(self, error: DomainError) -> None:
        """The service's message next to the field it names, else at the top of the form."""
        aliases = getattr(self, "FIELD_ALIASES", {})
        name = aliases.get(error.field, error.field)
        field = name if name in self.fields else None  # type: ignore[attr-defined]
        self.add_error(field, str(error.message))  # type: ignore[attr-defined]


class PersonForm(DomainErrorsMixin, forms.Form):
    """A person's facts and where they live and work; the sensitive fields only when asked for
    under the sensitive grant, the identifier only for a new person."""

    FIELD_ALIASES = {"cell_code": "residence_place_code"}

    person_id = _text(_("Identifier"), required=True, max_length=40, autocomplete="off")
    full_name = _text(_("Full name"), required=True, autocomplete="off")
    birth_date = DayField(label=_("Birth date"))
    gender = OfferedChoiceField(label=_("Gender"), required=False, choices=_choices(Gender))
    occupation = OfferedChoiceField(
        label=_("Occupation"), required=False, choices=_choices(Occupation)
    )
    education_general = OfferedChoiceField(
        label=_("General education"), required=False, choices=_choices(EducationGeneral)
    )
    education_professional = OfferedChoiceField(
        label=_("Professional education"), required=False, choices=_choices(EducationProfessional)
    )
    youth_union = forms.BooleanField(label=_("Youth Union member"), required=False)
    attributes_from = DayField(
        label=_("These hold since"),
        required=False,
        help_text=_(
            "From when the occupation, education, Youth Union membership, ethnicity and religion "
            "given hold, if they changed (empty: today; for a new person, the birth date). A "
            "date before an admission changes how that admission is counted."
        ),
    )
    phone = _text(_("Phone"), max_length=20, inputmode="tel", autocomplete="off")
    residence_place_code = OfferedChoiceField(label=_("Lives at"), required=False)
    workplace_place_code = OfferedChoiceField(label=_("Works at"), required=False)
    places_from = DayField(
        label=_("Moved there on"),
        required=False,
        help_text=_("When the residence or workplace changed (empty: today)."),
    )
    ethnicity = _text(_("Ethnicity"), max_length=60)
    religion = _text(_("Religion"), max_length=60)
    national_id = _text(_("National ID"), max_length=20, inputmode="numeric", autocomplete="off")

    def __init__(
        self,
        *args: Any,
        new: bool,
        sensitive: bool,
        places: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.new = new
        if not new:
            del self.fields["person_id"]
        if not sensitive:
            for name in SENSITIVE_FIELDS:
                del self.fields[name]
        offered = [("", "—"), *((code, f"{name} ({code})") for code, name in places)]
        initial = self.initial
        for name in ("residence_place_code", "workplace_place_code"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            if len(places) >= PLACES_OFFERED_LIMIT:  # too many to list: the code is typed
                field.widget = forms.TextInput(attrs={"autocomplete": "off"})
                field.help_text = _("The place's code.")
                continue
            current = initial.get(name) or ""
            extra = [(current, current)] if current and current not in dict(offered) else []
            field.choices = [*offered, *extra]

    def place_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("residence_place_code", "workplace_place_code", "places_from")]

    def sensitive_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in SENSITIVE_FIELDS if n in self.fields]

    def fact_fields(self) -> list[forms.BoundField]:
        skip = {"residence_place_code", "workplace_place_code", "places_from", *SENSITIVE_FIELDS}
        return [self[n] for n in self.fields if n not in skip]

    def person_fields(self) -> dict[str, Any]:
        """The keyword arguments of `person_save` besides the actor, the identifier and places."""
        data = self.cleaned_data
        skip = {"person_id", "residence_place_code", "workplace_place_code", "places_from"}
        return {name: data[name] for name in self.fields if name not in skip}


class TransferForm(DomainErrorsMixin, forms.Form):
    """A member's transfer to another cell from a date."""

    FIELD_ALIASES = {"on": "date"}

    date = DayField(label=_("Transferred on"))
    cell_code = OfferedChoiceField(label=_("To the cell"), required=False)
    cell_code_other = _text(
        _("Or another cell's code"), max_length=40, autocomplete="off", autocapitalize="characters"
    )

    def __init__(self, *args: Any, cells: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = self.fields["cell_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *((code, f"{name} ({code})") for code, name in cells)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = (data.get("cell_code_other") or "").strip() or (data.get("cell_code") or "")
        if not code:
            self.add_error("cell_code", _("Choose the cell the member moves to."))
        data["to_cell_code"] = code
        return data


class LeaveForm(DomainErrorsMixin, forms.Form):
    """A member leaves: death, removal or transfer out of the system, on a date."""

    FIELD_ALIASES = {"left_date": "date", "left_reason": "reason"}

    date = DayField(label=_("Left on"))
    reason = OfferedChoiceField(label=_("Reason"), choices=_choices(LeftReason))


def _note() -> forms.CharField:
    return forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AbsenceForm(DomainErrorsMixin, forms.Form):
    """A member starts working away: from when, where, how contact is kept."""

    started_on = DayField(label=_("Working away from"))
    where_kind = OfferedChoiceField(label=_("Working away in"), choices=_choices(AbsenceWhere))
    where = _text(
        _("Where"),
        required=True,
        autocomplete="off",
        placeholder=_("e.g. Bình Dương, Hàn Quốc, the company's name"),
    )
    contact = _text(
        _("How contact is kept"),
        autocomplete="off",
        placeholder=_("e.g. phone, Zalo"),
    )
    note = _note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of `absence_start` besides the actor and the person."""
        data = self.cleaned_data
        return {
            "started_on": data["started_on"],
            "where_kind": data["where_kind"],
            "where": data["where"].strip(),
            "contact": data["contact"].strip(),
            "note": data["note"].strip(),
        }


class ReturnForm(DomainErrorsMixin, forms.Form):
    """A member working away is back."""

    ended_on = DayField(label=_("Back on"))
    note = _note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of `absence_return` besides the actor and the person."""
        data = self.cleaned_data
        return {"ended_on": data["ended_on"], "note": data["note"].strip()}


class AbsenceCommentForm(DomainErrorsMixin, forms.Form):
    """The yearly comment on a member working away (R15): when, from whom, what it says."""

    on = DayField(label=_("Comment dated"))
    by_cell = _text(
        _("From (the cell or organisation where the member lives)"),
        required=True,
        autocomplete="off",
        placeholder=_("e.g. the cell of residential group 3, Dĩ An ward, Bình Dương"),
    )
    text = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of `absence_comment` besides the actor and the person."""
        data = self.cleaned_data
        return {"on": data["on"], "by_cell": data["by_cell"].strip(), "text": data["text"].strip()}
