"""Importing candidates (the source list) and their stage events."""

from __future__ import annotations

from functools import partial

from django.utils.translation import gettext as _

from ranks.core import bulk
from ranks.core.audit import audit_record_many
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.interchange.engine import Context, Reject, Row, run_row
from ranks.interchange.handlers.base import Handler, write_and_tell
from ranks.people.models import Person
from ranks.pipeline.event_batch import EventBatch
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.services import (
    _candidate_state,
    candidate_apply,
    candidate_change,
    candidate_check_input,
    candidate_check_person,
    candidate_save,
    cell_found,
    cells_on,
    mentor_ids_wanted,
    mentors_check,
    stage_event_save,
)

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
    """Candidacies a batch at a time: seven queries to check a batch, bulk statements to write it.

    The checks are those of `candidate_save`, through the same functions, in the same order as
    `CandidatesRowHandler` meets them; rows of a file are independent (one per person)."""

    batch_size = 1000

    def handle(self, rows: list[Row]) -> None:
        ctx = self.ctx
        ids = {row.values["person_id"] for row in rows}
        existing = {
            c.person.person_id: c
            for c in Candidate.objects.filter(person__person_id__in=ids).select_related(
                "person", "cell"
            )
        }
        current_mentors: dict[int, list[str]] = {}
        for candidate_id, mentor in (
            Candidate.mentors.through.objects.filter(
                candidate__in=[c.pk for c in existing.values()]
            )
            .values_list("candidate_id", "person__person_id")
            .order_by("candidate_id", "person__person_id")
        ):
            current_mentors.setdefault(candidate_id, []).append(mentor)
        wanted_people = set(ids)
        for row in rows:
            c = existing.get(row.values["person_id"])
            if "mentor_person_ids" in row.values or c is None:
                wanted_people.update(row.values.get("mentor_person_ids") or [])
            else:
                wanted_people.update(current_mentors.get(c.pk, []))
        people = {p.person_id: p for p in Person.objects.filter(person_id__in=wanted_people)}
        visible = self.visible_people(wanted_people)
        codes = {row.values["cell_code"] for row in rows} | {c.cell.code for c in existing.values()}
        units_visible = self.visible_units(codes)
        cells = cells_on((row.values["cell_code"], row.values["added_on"]) for row in rows)

        creates: list[tuple[Candidate, list[str]]] = []
        updates: list[tuple[Candidate, dict, list[str]]] = []
        for row in rows:
            try:
                done = self.prepare(
                    row, existing, current_mentors, people, visible, units_visible, cells
                )
            except Reject as reject:
                ctx.error(row, reject.column, reject.message)
                continue
            except DomainError as error:
                ctx.error(row, error.field or "person_id", str(error))
                continue
            candidate, before, mentor_ids = done
            if before is None:
                creates.append((candidate, mentor_ids))
                ctx.outcome("created")
            elif before != _candidate_state(candidate, mentor_ids):
                updates.append((candidate, before, mentor_ids))
                ctx.outcome("updated")
            else:
                ctx.outcome("unchanged")
        if not ctx.result.ok:
            return  # the import will be rolled back: save the work
        # A source group moves the composition of the people's admissions.
        regrouped = [c.person_id for c, _ in creates if c.source_group] + [
            c.person_id for c, before, _ in updates if before["source_group"] != c.source_group
        ]
        # The cell and the day added move the pipeline's counts.
        counted = [c.person_id for c, _ in creates] + [
            c.person_id
            for c, before, _ in updates
            if (before["cell_id"], before["added_on"]) != (c.cell_id, c.added_on.isoformat())
        ]
        with moving(persons=regrouped, candidacies=counted, presence=False):
            self.write(creates, updates, people)
        # In the order of the rows, as the row-by-row import records them.
        changes = {c.person.person_id: candidate_change(c, None, ids) for c, ids in creates}
        changes.update({c.person.person_id: candidate_change(c, b, ids) for c, b, ids in updates})
        audit_record_many(
            ctx.actor,
            [changes[r.values["person_id"]] for r in rows if r.values["person_id"] in changes],
        )

    @staticmethod
    def write(creates, updates, people) -> None:
        bulk.insert(Candidate, [c for c, _ in creates])
        bulk.update(
            Candidate, [c for c, _, _ in updates], ["cell", "added_on", "source_group", "note"]
        )
        through = Candidate.mentors.through
        moved = {c.pk for c, before, ids in updates if before["mentors"] != sorted(ids)}
        if moved:
            through.objects.filter(candidate_id__in=moved).delete()
        links = [
            through(candidate_id=c.pk, person_id=people[m].pk) for c, ids in creates for m in ids
        ] + [
            through(candidate_id=c.pk, person_id=people[m].pk)
            for c, before, ids in updates
            if c.pk in moved
            for m in ids
        ]
        bulk.insert(through, links)

    def prepare(self, row, existing, current_mentors, people, visible, units_visible, cells):
        values = row.values
        person_id = values["person_id"]

        def person_seen(code: str, column: str) -> Person:
            person = people.get(code)
            if person is None or (visible is not None and code not in visible):
                raise Reject(column, _("Unknown person: %(code)s.") % {"code": code})
            return person

        def cell_seen(code: str) -> None:
            if units_visible is not None and code not in units_visible:
                raise Reject("cell_code", _("Unknown cell code: %(code)s.") % {"code": code})

        person = person_seen(person_id, "person_id")
        cell_seen(values["cell_code"])
        candidate = existing.get(person_id)
        if candidate is not None:
            cell_seen(candidate.cell.code)
        source_group = values.get("source_group")
        mentors = values.get("mentor_person_ids")
        if candidate is not None:
            if "source_group" not in values:
                source_group = candidate.source_group
            if "mentor_person_ids" not in values:
                mentors = current_mentors.get(candidate.pk, [])
        for mentor in mentors or []:
            person_seen(mentor, "mentor_person_ids")
        # What candidate_save checks, in its order.
        candidate_check_input(source_group or "", values["added_on"])
        candidate_check_person(person, values["added_on"])
        cell = cell_found(cells[(values["cell_code"], values["added_on"])])
        wanted = mentor_ids_wanted(mentors or [])
        mentor_ids = [
            m.person_id for m in mentors_check(wanted, people, person_id, "mentor_person_ids")
        ]
        before = None
        if candidate is not None:
            before = _candidate_state(candidate, current_mentors.get(candidate.pk, []))
            note = candidate.note
        else:
            candidate = Candidate(person=person)
            note = ""
        candidate_apply(candidate, cell, values["added_on"], source_group or "", note)
        return candidate, before, mentor_ids


class CandidatesRowHandler(Handler):
    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, partial(self.write, row))

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


def event_order(row: Row) -> tuple:
    """Each person's events in date order, and on one day in the order of §5: the rules are
    checked against what was recorded before."""
    return (row.values["person_id"], row.values["date"], STAGE_ORDER[row.values["stage"]])


STAGE_ORDER = {stage: i for i, stage in enumerate(Stage.values)}


def event_fields(values: dict, existing: StageEvent | None, to_unit_code, introducer_ids) -> dict:
    """The arguments of `stage_event_save` for a row: a column missing from the file leaves the
    event's value as it is (`to_unit_code` and `introducer_ids` of the existing event)."""
    fields = {}
    for key in EVENT_FIELDS:
        if key in values:
            value = values[key]
            if key in TEXT_FIELDS:
                value = "" if value is None else value
            elif key == "introducer_person_ids":
                value = value or []
            elif key == "youth_union_resolution":
                value = bool(value)
            fields[key] = value
        elif existing is not None and key == "to_unit_code":
            fields[key] = to_unit_code
        elif existing is not None and key == "introducer_person_ids":
            fields[key] = introducer_ids
        elif existing is not None:
            fields[key] = getattr(existing, key)
    return fields


class PersonBatches(Handler):
    """Batches in which every person's rows that stand together in the file are together.

    The engine cuts the file every `batch_size` rows; the rows of the last person of a batch are
    carried over into the next one, so that a person's events are put in order (`event_order`)
    even when they straddle the cut. A file lists each person's rows together (Ranks' exports
    do); rows of one person further apart are applied in the order of their batches. Memory
    holds a batch and one person's rows more."""

    batch_size = 2000
    most_carried = 20_000  # one person's rows beyond this are not held back any longer

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.carried: list[Row] = []

    def handle(self, rows: list[Row]) -> None:
        rows = self.carried + rows
        last = rows[-1].values["person_id"]
        cut = len(rows)
        while cut > 0 and rows[cut - 1].values["person_id"] == last:
            cut -= 1
        if cut == 0 and len(rows) <= self.most_carried:
            self.carried = rows
            return
        if cut == 0:
            cut = len(rows)
        self.carried = rows[cut:]
        self.process(sorted(rows[:cut], key=event_order))

    def finish(self) -> None:
        rows, self.carried = self.carried, []
        if rows:
            self.process(sorted(rows, key=event_order))

    def process(self, rows: list[Row]) -> None:
        raise NotImplementedError


class EventsHandler(PersonBatches):
    """Stage events a batch at a time: the records the rules read are loaded for the whole batch
    in a fixed number of queries (`EventBatch`), each event is checked in the order of the row
    path through the same functions, and the batch is written with bulk statements."""

    def process(self, rows: list[Row]) -> None:
        ctx = self.ctx
        person_ids = {row.values["person_id"] for row in rows}
        introducer_ids = {p for row in rows for p in row.values.get("introducer_person_ids") or []}
        codes = {row.values["to_unit_code"] for row in rows if row.values.get("to_unit_code")}
        batch = EventBatch(ctx.actor, today())
        batch.load(person_ids, introducer_ids, codes)
        # The official members the batch's votes count, for all of them at once.
        batch.load_counts(
            {
                (batch.candidates[row.values["person_id"]].cell_id, row.values["date"])
                for row in rows
                if row.values["stage"] == Stage.CELL_RESOLUTION
                and row.values["person_id"] in batch.candidates
            }
        )
        visible = self.visible_people(person_ids | introducer_ids)
        units_visible = self.visible_units(codes | {c.cell_code for c in batch.candidates.values()})
        for row in rows:
            try:
                outcome = self.write(row, batch, visible, units_visible)
            except Reject as reject:
                ctx.error(row, reject.column, reject.message)
                continue
            except DomainError as error:
                ctx.error(row, error.field or ctx.kind.key_columns[0], str(error))
                continue
            ctx.outcome(outcome)
        # Written even when a row was refused, as the row path writes the good rows before the
        # import rolls back: the next batches are then checked against the same records.
        batch.write()
        audit_record_many(ctx.actor, batch.changes)

    def write(self, row: Row, batch: EventBatch, visible, units_visible) -> str:
        values = row.values
        person_id = values["person_id"]

        def person_seen(code: str, column: str) -> None:
            if code not in batch.people or (visible is not None and code not in visible):
                raise Reject(column, _("Unknown person: %(code)s.") % {"code": code})

        if values["stage"] in ANSWERS_TO_HANDOVER:
            candidate = self._handed_to_me(row, batch)
        else:
            person_seen(person_id, "person_id")
            candidate = batch.candidates.get(person_id)
            if candidate is not None:
                # Visible through its current cell only, as in the row path.
                code = candidate.cell_code
                if units_visible is not None and code not in units_visible:
                    raise Reject("person_id", _("Unknown cell code: %(code)s.") % {"code": code})
        to_unit = values.get("to_unit_code")
        if to_unit and values["stage"] != "handed_over":
            # A handover names the receiving unit, which is usually outside the sender's units.
            if to_unit not in batch.units or (
                units_visible is not None and to_unit not in units_visible
            ):
                raise Reject("to_unit_code", _("Unknown unit code: %(code)s.") % {"code": to_unit})
        existing = None
        if candidate is not None:
            existing = batch.event_of(candidate, values["stage"], values["date"])
        for introducer in values.get("introducer_person_ids") or []:
            person_seen(introducer, "introducer_person_ids")
        fields = event_fields(
            values,
            existing,
            existing.to_unit.code
            if existing is not None and existing.to_unit is not None
            else None,
            batch.introducer_ids(existing) if existing is not None else [],
        )
        return batch.save(person_id=person_id, stage=values["stage"], date=values["date"], **fields)

    def _handed_to_me(self, row: Row, batch: EventBatch):
        """`EventsRowHandler._handed_to_me` on the batch's records (one query for the scope)."""
        unknown = Reject(
            "person_id", _("Unknown person: %(code)s.") % {"code": row.values["person_id"]}
        )
        candidate = batch.candidates.get(row.values["person_id"])
        if candidate is None:
            raise unknown
        handed = batch.handed_over(candidate, row.values["date"])
        if handed is None or handed.to_unit_id is None:
            raise unknown
        if not self.ctx.scope.covers(handed.to_unit_id):
            raise unknown
        return candidate


class EventsRowHandler(PersonBatches):
    """One event at a time through `stage_event_save`: the reference for `EventsHandler`."""

    def process(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, partial(self.write, row))

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
        if not self.ctx.scope.covers(handed.to_unit_id):
            raise unknown
        return candidate.person, candidate

    def write(self, row: Row) -> str:
        candidate: Candidate | None
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
        fields = event_fields(
            row.values,
            existing,
            existing.to_unit.code if existing is not None and existing.to_unit else None,
            [p.person_id for p in existing.introducers.all()] if existing is not None else [],
        )
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
