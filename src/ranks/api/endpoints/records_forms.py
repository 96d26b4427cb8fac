"""From the JSON of the pipeline's writes to the pages' forms and services, and back: the body
checked for its types, the form filled as a POST fills it, its messages per field as the API names
them; the candidacy added, with a new person first when asked (the page "Add a person")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from rest_framework import exceptions

from ranks.access.requests import scope_of
from ranks.api.common import api_actor
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.people.forms import PersonForm
from ranks.people.selectors import person_exists, place_code_covered, places_offered
from ranks.people.services import person_save
from ranks.pipeline.access import CandidateAccess
from ranks.pipeline.forms import CandidateForm, CorrectionForm
from ranks.pipeline.selectors import candidate_choices, event_choices
from ranks.pipeline.services import candidate_save
from ranks.pipeline.stages import Stage

if TYPE_CHECKING:
    from ranks.pipeline.models import Candidate

# The page's free-text fields of more people: the API takes one list, named after the list.
API_FIELD = {"introducer_other": "introducer_person_ids", "mentor_other": "mentor_person_ids"}


def checked_body(request, serializer) -> dict[str, Any]:
    """The body checked for its types (the schema's); the form checks the rest."""
    checked = serializer(data=request.data)
    if not checked.is_valid():
        raise exceptions.ValidationError(_dotted(checked.errors))
    return dict(checked.validated_data)


def _dotted(errors: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Errors of a nested object named `object.field`, as the others are named by field."""
    flat: dict[str, Any] = {}
    for name, value in errors.items():
        if isinstance(value, dict):
            flat.update(_dotted(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def form_data(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the page's form takes them from a POST: null is an empty field."""
    return {name: "" if value is None else value for name, value in values.items()}


def form_invalid(form, prefix: str = "") -> exceptions.ValidationError:
    """The form's messages, per field as the API names them (after `prefix`)."""
    details: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = "non_field_errors" if name == "__all__" else API_FIELD.get(name, name)
        if prefix:
            key = prefix.rstrip(".") if name == "__all__" else prefix + key
        details.setdefault(key, []).extend(str(m) for m in messages)
    return exceptions.ValidationError(details)


def _empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == []


def service_arguments(form, body: dict[str, Any]) -> dict[str, Any]:
    """The service's arguments from the valid form. A field the stage does not take is refused:
    its page has no such field, and the value would be lost."""
    foreign = [
        name for name, value in body.items() if name not in form.fields and not _empty(value)
    ]
    if foreign:
        label = Stage(form.stage).label
        message = _("Not asked for this stage (%(stage)s).") % {"stage": label}
        raise exceptions.ValidationError({name: [message] for name in foreign})
    if not form.is_valid():
        raise form_invalid(form)
    return form.service_arguments()


def correction_form(request, seen: CandidateAccess, event, body: dict[str, Any]) -> CorrectionForm:
    """The page's correction form, filled with the recorded event and the fields given."""
    day = body.get("date") or event.date
    offered = event_choices(
        candidate=seen.candidate,
        stage=event.stage,
        day=day,
        officer=scope_of(request, role="officer"),
        handover=None,
    )
    cells = offered.cells
    if event.to_unit is not None and event.stage == Stage.HANDOVER_ACCEPTED:
        cells = [(event.to_unit.code, event.to_unit.code)]
    introducers = [p.person_id for p in event.introducers.all()]
    recorded = CorrectionForm.initial_of(event, introducers, set(introducers))
    return CorrectionForm(
        event.stage,
        {**form_data(recorded), **form_data(body)},
        members=offered.members,
        cells=cells,
    )


def candidate_add(request, unit, body: dict[str, Any]) -> Candidate:
    """The candidacy of the body added as the page "Add to the source list" adds one."""
    offered = candidate_choices(officer=scope_of(request, role="officer"), unit=unit, day=today())
    data = form_data(body)
    if "cell_code" not in data and len(offered.cells) == 1:
        data["cell_code"] = offered.cells[0][0]  # what the page fills in
    form = CandidateForm(data, cells=offered.cells, members=offered.members)
    if not (form.is_valid() and form.people_known(scope_of(request))):
        raise form_invalid(form)
    cleaned = form.cleaned_data
    return candidate_save(
        actor=api_actor(request),
        person_id=cleaned["person_id"].strip(),
        cell_code=cleaned["cell_code"],
        added_on=cleaned["added_on"],
        source_group=cleaned["source_group"],
        mentor_person_ids=form.mentor_ids(),
        note=cleaned["note"],
        new=True,
    )


def person_add(request, unit, person_id: str, values: dict[str, Any]) -> None:
    """A person not yet known added as the page "Add a person" adds one (its form without the
    sensitive fields, the places it offers, its checks and messages); errors under
    `person.<field>`."""
    person_id = person_id.strip()
    if person_exists(person_id=person_id):
        raise exceptions.ValidationError(
            {
                "person_id": [
                    _("There is already a person with the identifier %(person_id)s.")
                    % {"person_id": person_id}
                ]
            }
        )
    officer = scope_of(request, role="officer")
    places = places_offered(scope=officer, unit=unit, day=today())
    form = PersonForm(
        {**form_data(values), "person_id": person_id}, new=True, sensitive=False, places=places
    )
    if not form.is_valid():
        raise form_invalid(form, prefix="person.")
    data = form.cleaned_data
    errors: dict[str, list[str]] = {}
    for name in ("residence_place_code", "workplace_place_code"):
        code = data.get(name) or ""
        if code and not place_code_covered(scope=officer, code=code):
            errors[f"person.{name}"] = [_("Unknown place code: %(code)s.") % {"code": code}]
    if not errors and not officer.full:
        if not (data.get("residence_place_code") or data.get("workplace_place_code")):
            errors["person.residence_place_code"] = [
                _("Choose where the person lives or works, in your units.")
            ]
    if errors:
        raise exceptions.ValidationError(errors)
    try:
        person_save(
            actor=api_actor(request),
            person_id=person_id,
            residence_place_code=data["residence_place_code"] or None,
            workplace_place_code=data["workplace_place_code"] or None,
            places_from=data["places_from"],
            **form.person_fields(),
        )
    except DomainError as error:
        field = PersonForm.FIELD_ALIASES.get(error.field or "", error.field)
        key = f"person.{field}" if field in form.fields else "person"
        raise exceptions.ValidationError({key: [str(error.message)]}) from error
