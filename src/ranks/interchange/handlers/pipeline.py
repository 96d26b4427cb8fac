"""Importing candidates (the source list) and their stage events."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ranks.interchange.engine import Reject, Row, run_row
from ranks.interchange.handlers.base import Handler, write_and_tell
from ranks.org.models import Unit
from ranks.people.models import Person
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.services import candidate_save, stage_event_save

EVENT_FIELDS = (
    "detail",
    "certificate_no",
    "votes_for",
    "official_members",
    "decision_no",
    "received_on",
    "to_unit_code",
    "class_name",
    "introducer_person_ids",
    "youth_union_resolution",
    "authority",
    "location",
    "exception_approved_by",
    "exception_document",
)
ANSWERS_TO_HANDOVER = {Stage.HANDOVER_ACCEPTED, Stage.HANDOVER_REFUSED}
TEXT_FIELDS = {
    "detail",
    "certificate_no",
    "decision_no",
    "class_name",
    "authority",
    "location",
    "exception_approved_by",
    "exception_document",
}


class CandidatesHandler(Handler):
    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, lambda row=row: self.write(row))

    def write(self, row: Row) -> str:
        person = self.person_in_scope(row.values["person_id"])
        self.cell_in_scope(row.values["cell_code"])
        existing = Candidate.objects.filter(person=person).prefetch_related("mentors").first()
        if existing is not None:
            # Visible through its current cell only: a candidacy of another unit reads as unknown.
            self.cell_in_scope(existing.cell.code)
        source_group = row.values.get("source_group")
        mentors = row.values.get("mentor_person_ids")
        if existing is not None:
            if "source_group" not in row.values:
                source_group = existing.source_group
            if "mentor_person_ids" not in row.values:
                mentors = [m.person_id for m in existing.mentors.all()]
        for mentor in mentors or []:
            self.person_in_scope(mentor, "mentor_person_ids")
        return write_and_tell(
            existing is not None,
            lambda: candidate_save(
                actor=self.ctx.actor,
                person_id=person.person_id,
                cell_code=row.values["cell_code"],
                added_on=row.values["added_on"],
                source_group=source_group or "",
                mentor_person_ids=mentors or [],
                note=existing.note if existing else "",
            ),
        )


class EventsHandler(Handler):
    def handle(self, rows: list[Row]) -> None:
        # Each person's events in date order, and on one day in the order of §5: the rules are
        # checked against what was recorded before.
        order = {stage: i for i, stage in enumerate(Stage.values)}
        for row in sorted(
            rows,
            key=lambda r: (r.values["person_id"], r.values["date"], order[r.values["stage"]]),
        ):
            run_row(self.ctx, row, lambda row=row: self.write(row))

    def _handed_to_me(self, row: Row) -> tuple[Person, Candidate]:
        """The receiving unit answers a handover of a candidate who is not yet its own: the
        candidacy is visible to it through the unit it was handed to."""
        unknown = Reject(
            "person_id", _("Unknown person: %(code)s.") % {"code": row.values["person_id"]}
        )
        candidate = (
            Candidate.objects.filter(person__person_id=row.values["person_id"])
            .select_related("person", "cell")
            .first()
        )
        if candidate is None:
            raise unknown
        handed = (
            candidate.events.filter(stage=Stage.HANDED_OVER, date__lte=row.values["date"])
            .order_by("-date", "-id")
            .first()
        )
        if handed is None or handed.to_unit_id is None:
            raise unknown
        if not self.ctx.scope.units(Unit.objects.filter(pk=handed.to_unit_id)).exists():
            raise unknown
        return candidate.person, candidate

    def write(self, row: Row) -> str:
        if row.values["stage"] in ANSWERS_TO_HANDOVER:
            person, candidate = self._handed_to_me(row)
        else:
            person = self.person_in_scope(row.values["person_id"])
            candidate = Candidate.objects.filter(person=person).select_related("cell").first()
            if candidate is not None:
                self.cell_in_scope(candidate.cell.code, "person_id")
        to_unit = row.values.get("to_unit_code")
        if to_unit and row.values["stage"] != "handed_over":
            # A handover names the receiving unit, which is usually outside the sender's units.
            self.unit_in_scope(to_unit, "to_unit_code")
        existing = None
        if candidate is not None:
            existing = (
                StageEvent.objects.filter(
                    candidate=candidate, stage=row.values["stage"], date=row.values["date"]
                )
                .select_related("to_unit")
                .first()
            )
        for introducer in row.values.get("introducer_person_ids") or []:
            self.person_in_scope(introducer, "introducer_person_ids")
        fields = {}
        for key in EVENT_FIELDS:
            if key in row.values:
                value = row.values[key]
                if key in TEXT_FIELDS:
                    value = "" if value is None else value
                elif key == "introducer_person_ids":
                    value = value or []
                elif key == "youth_union_resolution":
                    value = bool(value)
                fields[key] = value
            elif existing is not None and key == "to_unit_code":
                fields[key] = existing.to_unit.code if existing.to_unit else None
            elif existing is not None and key == "introducer_person_ids":
                fields[key] = [p.person_id for p in existing.introducers.all()]
            elif existing is not None:
                fields[key] = getattr(existing, key)
        return write_and_tell(
            existing is not None,
            lambda: stage_event_save(
                actor=self.ctx.actor,
                person_id=person.person_id,
                stage=row.values["stage"],
                date=row.values["date"],
                **fields,
            ),
        )
