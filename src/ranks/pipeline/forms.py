"""Forms of the pipeline pages: they check the shape of the input; the services check the rules."""

from __future__ import annotations

import re
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ranks.access.scope import Scope
from ranks.core.errors import DomainError
from ranks.core.forms import DayField
from ranks.people.selectors import person_ids_visible
from ranks.pipeline.stages import SourceGroup, Stage

# The fields each stage's form asks for, besides the date, the detail and the exception.
STAGE_FIELDS: dict[str, tuple[str, ...]] = {
    Stage.CLASS_PASSED: ("class_name", "certificate_no"),
    Stage.INTRODUCERS_ASSIGNED: (
        "introducer_person_ids",
        "introducer_other",
        "youth_union_resolution",
    ),
    Stage.CELL_RESOLUTION: ("votes_for", "official_members"),
    Stage.COMMITTEE_RESOLUTION: ("authority", "decision_no"),
    # The committee decides (R18): the competent one is offered; another only as an exception.
    Stage.ADMISSION_DECISION: (
        "committee_code",
        "decision_no",
        "received_on",
        "committee_is_exception",
        "committee_exception",
    ),
    Stage.WORKING_AWAY: ("location",),
    Stage.HANDED_OVER: ("to_unit_code",),
    Stage.HANDOVER_ACCEPTED: ("to_unit_code",),
}
COMMON_FIELDS = ("date", "detail")
EXCEPTION_FIELDS = ("exception_approved_by", "exception_document")
IDS_SPLIT = re.compile(r"[\s,;]+")


class AnyPeopleField(forms.MultipleChoiceField):
    """Checkboxes of the people offered; an identifier not offered is left to the service."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value) -> bool:
        return True


def split_ids(text: str) -> list[str]:
    return [p for p in IDS_SPLIT.split(text or "") if p]


def _text(label, *, required: bool = False, max_length: int = 200, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
    )


def _number(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=100000,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class EventForm(forms.Form):
    """One stage event: only the fields of its stage are kept (`STAGE_FIELDS`)."""

    extra: tuple[str, ...] = ()  # fields of a subclass kept whatever the stage

    date = DayField(label=_("Date"))
    class_name = _text(_("Awareness class"))
    certificate_no = _text(_("Certificate number"), max_length=60)
    introducer_person_ids = AnyPeopleField(
        label=_("Introducers (official members of the cell)"), required=False
    )
    introducer_other = _text(
        _("Other introducers: person identifiers"),
        max_length=400,
        autocomplete="off",
    )
    youth_union_resolution = forms.BooleanField(
        label=_("The Youth Union executive committee's resolution introduces the candidate"),
        required=False,
    )
    votes_for = _number(_("Votes for"))
    official_members = _number(_("Official members of the cell"))
    authority = _text(_("Decided by"))
    committee_code = _text(_("Committee that decided (code)"), max_length=60, autocomplete="off")
    committee_is_exception = forms.BooleanField(
        label=_("Recorded for another committee than the competent one, as an exception"),
        required=False,
    )
    committee_exception = forms.CharField(
        label=_("Why another committee decided"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decision_no = _text(_("Decision number"), max_length=60)
    received_on = DayField(label=_("Date the cell received the decision"), required=False)
    to_unit_code = _text(_("Receiving unit (code)"), max_length=40, autocomplete="off")
    location = _text(_("Where the candidate went"))
    detail = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    exception_approved_by = _text(_("Exception approved by"))
    exception_document = _text(_("Document approving the exception"))

    def __init__(self, stage: str, *args, members=(), cells=(), **kwargs):
        """`members`: (person_id, name) of the cell's official members, offered as introducers;
        `cells`: (code, name) of the cells that may take a handed-over candidate."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.stage = stage
        wanted = {*COMMON_FIELDS, *STAGE_FIELDS.get(stage, ()), *EXCEPTION_FIELDS, *self.extra}
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if "introducer_person_ids" in self.fields:
            introducers = cast(forms.MultipleChoiceField, self.fields["introducer_person_ids"])
            introducers.choices = [(pid, f"{name} ({pid})") for pid, name in members]
        if stage == Stage.CELL_RESOLUTION:
            # Blank official members: the figure of the records (`services.vote_members`).
            self.fields["votes_for"].required = True
        if stage == Stage.WORKING_AWAY:
            self.fields["location"].required = True
        if stage == Stage.HANDED_OVER:
            self.fields["to_unit_code"].required = True
        if stage == Stage.HANDOVER_ACCEPTED:
            self.fields["to_unit_code"] = forms.ChoiceField(
                label=_("Cell that takes the candidate"),
                choices=[("", "—"), *((code, f"{name} ({code})") for code, name in cells)],
            )

    def clean(self):
        data = super().clean()
        if (
            data.get("committee_is_exception")
            and not (data.get("committee_exception") or "").strip()
        ):
            self.add_error(
                "committee_exception", _("Say why the decision is recorded for another committee.")
            )
        return data

    def main_fields(self):
        return [self[name] for name in self.fields if name not in EXCEPTION_FIELDS]

    def exception_fields(self):
        return [self[name] for name in EXCEPTION_FIELDS]

    def service_arguments(self) -> dict:
        """The keyword arguments of `stage_event_save` besides actor, person and stage."""
        data = self.cleaned_data
        arguments = {
            name: data[name]
            for name in self.fields
            if name not in ("introducer_person_ids", "introducer_other")
        }
        if "introducer_person_ids" in self.fields:
            chosen = [*data.get("introducer_person_ids", []), *split_ids(data["introducer_other"])]
            arguments["introducer_person_ids"] = list(dict.fromkeys(chosen))
        if "to_unit_code" in arguments:
            arguments["to_unit_code"] = arguments["to_unit_code"].strip() or None
        if "committee_is_exception" in arguments and not arguments.pop("committee_is_exception"):
            arguments["committee_exception"] = ""
        return arguments

    def add_domain_error(self, error: DomainError) -> None:
        """The service's message next to the field it names (its fields are named alike), else
        at the top of the form: a rule's refusal names the stage."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))

    @property
    def exception_open(self) -> bool:
        """Show the exception's fields: they are filled in, have an error, or a rule refused."""
        if not self.is_bound:
            return False
        if any(self.data.get(name) for name in EXCEPTION_FIELDS):
            return True
        return any(name in self.errors for name in EXCEPTION_FIELDS) or bool(
            self.non_field_errors()
        )


class CorrectionForm(EventForm):
    """A recorded event corrected: its fields, and why (required)."""

    extra = ("reason",)

    reason = forms.CharField(
        label=_("Why is it corrected?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_arguments(self) -> dict:
        """The keyword arguments of `stage_event_correct` besides actor, person and event."""
        arguments = super().service_arguments()
        arguments["reason"] = arguments.pop("reason", "")
        return arguments

    @staticmethod
    def initial_of(event, introducers: list[str], offered: set[str]) -> dict:
        """The form's values from the recorded event; introducers not offered as checkboxes go
        to the free field."""
        return {
            "date": event.date,
            "detail": event.detail,
            "class_name": event.class_name,
            "certificate_no": event.certificate_no,
            "introducer_person_ids": [p for p in introducers if p in offered],
            "introducer_other": " ".join(p for p in introducers if p not in offered),
            "youth_union_resolution": event.youth_union_resolution,
            "votes_for": event.votes_for,
            "official_members": event.official_members,
            "authority": event.authority,
            "decision_no": event.decision_no,
            "received_on": event.received_on,
            "to_unit_code": event.to_unit.code if event.to_unit_id else "",
            "location": event.location,
            "exception_approved_by": event.exception_approved_by,
            "exception_document": event.exception_document,
            "committee_code": event.committee.code if event.committee_id else "",
            "committee_is_exception": bool(event.committee_exception),
            "committee_exception": event.committee_exception,
        }


class CandidateForm(forms.Form):
    """A person added to a cell's source list."""

    person_id = _text(_("Person identifier"), required=True, max_length=40, autocomplete="off")
    cell_code = forms.ChoiceField(label=_("Cell"))
    added_on = DayField(label=_("Date added to the source list"))
    source_group = forms.ChoiceField(
        label=_("Source group"), required=False, choices=[("", "—"), *SourceGroup.choices]
    )
    mentor_person_ids = AnyPeopleField(label=_("Members in charge (mentors)"), required=False)
    mentor_other = _text(
        _("Other members in charge: person identifiers"), max_length=400, autocomplete="off"
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, cells=(), members=(), **kwargs):
        """`cells`: (code, name) of the cells the user may add to; `members`: (person_id, name)
        of their members, offered as mentors."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["cell_code"].choices = [(code, f"{name} ({code})") for code, name in cells]
        self.fields["mentor_person_ids"].choices = [
            (pid, f"{name} ({pid})") for pid, name in members
        ]

    def mentor_ids(self) -> list[str]:
        data = self.cleaned_data
        return list(
            dict.fromkeys(
                [*data.get("mentor_person_ids", []), *split_ids(data.get("mentor_other", ""))]
            )
        )

    def people_known(self, scope: Scope) -> bool:
        """Whether the person and the mentors of a valid form are people `scope` sees; if not,
        the form has the error. The page and the API check it here, before the service."""
        data = self.cleaned_data
        person_id = data["person_id"].strip()
        mentor_ids = self.mentor_ids()
        visible = person_ids_visible(scope=scope, person_ids=[person_id, *mentor_ids])
        unknown_mentors = [m for m in mentor_ids if m not in visible]
        if person_id not in visible:
            self.add_error(
                "person_id", _("Unknown person: %(person_id)s.") % {"person_id": person_id}
            )
        elif unknown_mentors:
            self.add_error(
                "mentor_other",
                _("Unknown person: %(person_id)s.") % {"person_id": ", ".join(unknown_mentors)},
            )
        return self.is_valid()

    def add_domain_error(self, error: DomainError) -> None:
        field = {"mentor_person_ids": "mentor_other"}.get(error.field or "", error.field)
        self.add_error(field if field in self.fields else None, str(error.message))
