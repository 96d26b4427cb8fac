"""Recording a batch of stage events at once: `stage_event_save` for many events.

The records the rules read (the candidacies, their events and introducers, the introducers' and
the candidates' memberships and postings, the cells' ancestry) are loaded for the whole batch in
a fixed number of queries (`load`) and kept in memory, where each event is checked through the
same functions as `stage_event_save`, in the order given, and applied with what it changes beyond
itself (membership, cell) exactly as `_follow` does it, so that a later event of the batch sees
it. `write` then writes everything with bulk statements and `changes` are the audit entries the
row-by-row path would have written, in its order. The official members the batch's votes count
are read for all of them in one query (`load_counts`, `facts_from_records.official_counts`).

Every event is its own, as in `stage_event_save`: a row identical to a recorded event changes
nothing (an import read again), a row that would change one is refused with the way to correct it.

Two rare steps read the database for their own row: the cell that takes a handed-over candidate
(`_receiving_cell`, two queries) and the candidacy it moves (two queries, and one for the new
cell's ancestry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ranks.core import bulk
from ranks.core.actor import Actor
from ranks.core.audit import Change, snapshot
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.org.models import Unit
from ranks.people.models import LeftReason, Membership, Person, Posting
from ranks.people.services import _check_dates, cell_check
from ranks.pipeline import rules
from ranks.pipeline.facts_from_records import (
    BatchRecords,
    Ref,
    ancestry_versions,
    competent_on,
    official_counts,
    pipeline_facts,
    versions_on,
)
from ranks.pipeline.findings_text import format_day
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.services import (
    _candidate_state,
    _event_state,
    _receiving_cell,
    ceremony_decision,
    event_apply,
    event_change,
    event_check_fit,
    event_check_input,
    event_exists_refusal,
    event_refusal,
    mentor_ids_wanted,
    mentors_check,
    same_event,
    vote_members,
    vote_rule,
)

_EVENT_FIELDS = StageEvent._meta.concrete_fields
_EVENT_INDEX = {f.attname: i for i, f in enumerate(_EVENT_FIELDS)}
_EVENT_DEFAULTS = tuple(f.get_default() for f in _EVENT_FIELDS)


def new_event(**values: Any) -> StageEvent:
    """`StageEvent(**values)`, built with positional arguments: Django's fast path, where keyword
    arguments cost more than the rest of a row's checks."""
    args = list(_EVENT_DEFAULTS)
    for attname, value in values.items():
        args[_EVENT_INDEX[attname]] = value
    return StageEvent(*args)


def _official(
    admitted: dt.date, official: dt.date | None, left: dt.date | None, day: dt.date
) -> bool:
    """`people.status.status_on(...) == OFFICIAL`, on a membership's dates."""
    return (
        admitted <= day
        and official is not None
        and official <= day
        and (left is None or left > day)
    )


class BatchPerson:
    """What the rules read of a person (`candidate_facts`)."""

    __slots__ = ("pk", "person_id", "birth_date", "education_general", "youth_union")

    def __init__(
        self,
        pk: int,
        person_id: str,
        birth_date: dt.date,
        education_general: str,
        youth_union: bool,
    ) -> None:
        self.pk, self.person_id, self.birth_date = pk, person_id, birth_date
        self.education_general, self.youth_union = education_general, youth_union


class BatchCandidate:
    """A candidacy as `pipeline_facts` reads it, and its current cell."""

    __slots__ = ("pk", "person", "cell_id", "cell_code", "instance")

    def __init__(self, pk: int, person: BatchPerson, cell_id: int, cell_code: str) -> None:
        self.pk, self.person, self.cell_id, self.cell_code = pk, person, cell_id, cell_code
        self.instance: Candidate | None = None  # loaded when a handover moves it


class EventBatch:
    def __init__(self, actor: Actor, now: dt.date) -> None:
        self.actor, self.now = actor, now
        self.records = BatchRecords()
        self.people: dict[str, BatchPerson] = {}
        self.candidates: dict[str, BatchCandidate] = {}
        # The audited state of each new admission decision, by the event's id().
        self.decision_states: dict[int, dict[str, Any]] = {}
        self.units: dict[str, Unit] = {}
        self.new_events: list[StageEvent] = []
        self.counted: set[int] = set()  # the people (pks) of the new events
        self.classes: set[int] = set()  # those of the new classes passed
        self.new_memberships: list[Membership] = []
        self.changed_memberships: dict[int, Membership] = {}
        self.new_postings: list[Posting] = []
        self.changed_postings: dict[int, Posting] = {}
        self.deleted_postings: set[int] = set()
        self.moved: dict[int, Candidate] = {}
        self.changes: list[Change] = []
        self.counts: dict[tuple[int, dt.date], int] = {}
        # Memberships the batch recognised or ended, with their official and leaving dates
        # before: the counts of official members read them (`official_count`).
        self.memberships_was: dict[int, tuple[Membership, dt.date | None, dt.date | None]] = {}
        self._ids_to_fill: list[tuple[dict, Membership]] = []

    # Loading

    def load(self, person_ids: set[str], introducer_ids: set[str], unit_codes: set[str]) -> None:
        """The people, candidacies and units the batch names, and the records of the
        candidacies: eight queries (fewer when there is nothing to look for)."""
        wanted = person_ids | introducer_ids
        for pk, person_id, birth, education, youth in Person.objects.filter(
            person_id__in=wanted
        ).values_list("pk", "person_id", "birth_date", "education_general", "youth_union"):
            self.people[person_id] = BatchPerson(pk, person_id, birth, education, youth)
        for pk, person_id, cell_id, cell_code in Candidate.objects.filter(
            person__person_id__in=person_ids
        ).values_list("pk", "person__person_id", "cell_id", "cell__code"):
            self.candidates[person_id] = BatchCandidate(
                pk, self.people[person_id], cell_id, cell_code
            )
        if unit_codes:
            self.units = {u.code: u for u in Unit.objects.filter(code__in=unit_codes)}
        candidates = self.candidates.values()
        self.records.load(
            [c.pk for c in candidates],
            [c.person.pk for c in candidates]
            + [self.people[p].pk for p in introducer_ids if p in self.people],
            [c.cell_id for c in candidates] + [u.pk for u in self.units.values()],
        )

    def event_of(self, candidate: BatchCandidate, stage: str, date: dt.date) -> StageEvent | None:
        return next(
            (
                e
                for e in self.records.events.get(candidate.pk, ())
                if e.stage == stage and e.date == date
            ),
            None,
        )

    def introducer_ids(self, event: StageEvent) -> list[str]:
        return [p.person_id for p in self.records.introducers(event)]

    def handed_over(self, candidate: BatchCandidate, date: dt.date) -> StageEvent | None:
        """The latest handover of the candidacy up to `date`."""
        handed = [
            e
            for e in self.records.events.get(candidate.pk, ())
            if e.stage == Stage.HANDED_OVER and e.date <= date
        ]
        return max(handed, key=lambda e: (e.date, e.pk or 0)) if handed else None

    # Recording one event (stage_event_save)

    def save(
        self,
        *,
        person_id: str,
        stage: str,
        date: dt.date,
        detail: str = "",
        class_name: str = "",
        certificate_no: str = "",
        introducer_person_ids: Sequence[str] = (),
        youth_union_resolution: bool = False,
        votes_for: int | None = None,
        official_members: int | None = None,
        authority: str = "",
        decision_no: str = "",
        received_on: dt.date | None = None,
        to_unit_code: str | None = None,
        location: str = "",
        exception_approved_by: str = "",
        exception_document: str = "",
    ) -> str:
        """`stage_event_save` against the batch's records: created, updated or unchanged, or a
        DomainError with the same message. Nothing is applied unless every check passes."""
        introducer_ids = mentor_ids_wanted(introducer_person_ids)
        approved_by, document = event_check_input(
            stage=stage, date=date, introducer_ids=introducer_ids,
            youth_union_resolution=youth_union_resolution, votes_for=votes_for,
            official_members=official_members, received_on=received_on,
            to_unit_code=to_unit_code, location=location,
            exception_approved_by=exception_approved_by,
            exception_document=exception_document, now=self.now,
        )  # fmt: skip
        person = self.people.get(person_id)
        if person is None:
            raise DomainError(
                _("Unknown person: %(person_id)s.") % {"person_id": person_id}, field="person_id"
            )
        candidate = self.candidates.get(person_id)
        if candidate is None:
            raise DomainError(
                _("%(person_id)s is not a candidate: add them to the source list first.")
                % {"person_id": person_id},
                field="person_id",
            )
        events = self.records.events.setdefault(candidate.pk, [])
        existing = next((e for e in events if e.stage == stage and e.date == date), None)
        excepted = None
        if stage == Stage.CELL_RESOLUTION:
            if official_members is None or existing is None:
                official_members, excepted = vote_members(
                    counted=self.official_count(candidate.cell_id, date),
                    official_members=official_members, votes_for=votes_for,
                    approved_by=approved_by, date=date, rule=vote_rule(events, date),
                )  # fmt: skip
        to_unit = None
        if to_unit_code:
            to_unit = self.units.get(to_unit_code)
            if to_unit is None:
                raise DomainError(
                    _("Unknown unit code: %(code)s.") % {"code": to_unit_code},
                    field="to_unit_code",
                )
        introducers = self._introducers(introducer_ids, person, date) if introducer_ids else []
        new = new_event(
            candidate_id=candidate.pk, stage=stage, date=date, recorded_by=self.actor.name
        )
        event_apply(
            new, detail=detail, class_name=class_name, certificate_no=certificate_no,
            youth_union_resolution=youth_union_resolution, votes_for=votes_for,
            official_members=official_members, authority=authority, decision_no=decision_no,
            received_on=received_on, to_unit=to_unit, location=location,
            approved_by=approved_by, document=document,
        )  # fmt: skip
        after = _event_state(new, [p.person_id for p in introducers])
        if existing is not None:
            recorded = _event_state(existing, self.introducer_ids(existing))
            if same_event(recorded, after):
                return "unchanged"
            raise event_exists_refusal(existing)
        event_check_fit(events, stage, date)
        receiving = None
        if stage == Stage.HANDOVER_ACCEPTED:
            receiving = _receiving_cell(candidate, events, to_unit_code or "", date)  # type: ignore[arg-type]  # it reads nothing of the candidate
        records = self.records
        records.by_event[id(new)] = introducers
        try:
            facts_after = None
            if stage in rules.CHECKED_STAGES:  # as stage_event_save: no facts for the others
                facts_before = pipeline_facts(candidate, date, events=events, records=records)
                facts_after = pipeline_facts(
                    candidate, date, events=[*events, new], records=records
                )
                event_refusal(facts_before, facts_after, stage, date, approved_by, after, excepted)
            follow = self._follow(candidate, new, [*events, new], facts_after, receiving)
        except BaseException:
            del records.by_event[id(new)]
            raise
        events.append(new)
        self.new_events.append(new)
        self.counted.add(candidate.person.pk)
        if stage == Stage.CLASS_PASSED:
            self.classes.add(candidate.person.pk)
        if stage == Stage.ADMISSION_DECISION:
            self.decision_states[id(new)] = after  # its committee is named at `write`
        self.changes.append(event_change(person_id, None, after))
        self.changes.extend(follow)
        return "created"

    # The official members a cell resolution counts (`facts_from_records.official_counts`)

    def load_counts(self, pairs: set[tuple[int, dt.date]]) -> None:
        """The official members of each (cell id, day) the batch's votes ask: one query."""
        self.counts.update(official_counts(pairs - set(self.counts)))

    def official_count(self, cell_id: int, day: dt.date) -> int:
        """The records' figure on `day`, with what the batch changed before this row (a
        recognition makes a member official, a removal ends a membership)."""
        if (cell_id, day) not in self.counts:  # a cell the batch moved a candidate to
            self.load_counts({(cell_id, day)})
        count = self.counts[(cell_id, day)]
        for membership, official_was, left_was in self.memberships_was.values():
            was = _official(membership.admission_decision_date, official_was, left_was, day)
            now = _official(
                membership.admission_decision_date,
                membership.official_date,
                membership.left_date,
                day,
            )
            if was == now:
                continue
            postings = self.records.person_postings.get(membership.person_id, ())
            if any(
                p.membership is membership
                and p.cell_id == cell_id
                and p.valid_from <= day
                and (p.valid_to is None or p.valid_to >= day)
                for p in postings
            ):
                count += 1 if now else -1
        return count

    def _introducers(self, ids: list[str], person: BatchPerson, date: dt.date) -> list[Ref]:
        """`services._introducers`: known people, not the candidate, party members on the day."""
        found = {p: Ref(self.people[p].pk, p) for p in ids if p in self.people}
        people: list[Ref] = mentors_check(ids, found, person.person_id, "introducer_person_ids")  # type: ignore[arg-type, assignment]  # it hands back what `found` holds (typed as Person)
        outside = [
            p.person_id
            for p in people
            if not any(
                m.admission_decision_date <= date and (m.left_date is None or m.left_date > date)
                for m in self.records.memberships.get(p.pk, ())
            )
        ]
        if outside:
            raise DomainError(
                _("%(people)s is not a party member on %(date)s.")
                % {"people": ", ".join(outside), "date": format_day(date)},
                field="introducer_person_ids",
            )
        return people

    # What a new event changes beyond itself (services._follow), checked before it is applied.

    def _follow(
        self,
        candidate: BatchCandidate,
        event: StageEvent,
        events: list[StageEvent],
        facts: rules.Pipeline | None,
        receiving: Unit | None,
    ) -> list[Change]:
        person = candidate.person
        memberships = self.records.memberships.setdefault(person.pk, [])
        if event.stage == Stage.CEREMONY:
            assert facts is not None  # a checked stage: its facts were read
            decided_on, decision_no = ceremony_decision(events, facts)
            if any(m.admission_decision_date == decided_on for m in memberships):
                return []
            return self._admit(candidate, memberships, decided_on, decision_no, event.date)
        if event.stage == Stage.OFFICIAL:
            assert facts is not None  # a checked stage: its facts were read
            membership = next((m for m in memberships if m.left_date is None), None)
            official_on = rules.official_date(facts)
            if membership is None or not official_on or membership.official_date == official_on:
                return []
            # membership_recognise
            _check_dates(membership.admission_decision_date, membership.ceremony_date, official_on)
            before = self._snapshot(membership)
            self._was(membership)
            membership.official_date = official_on
            self._changed(membership)
            return [
                Change(
                    "ranks.people.membership.recognised",
                    "person",
                    person.person_id,
                    before,
                    self._snapshot(membership),
                )  # fmt: skip
            ]
        if event.stage == Stage.REMOVED:
            membership = next((m for m in memberships if m.left_date is None), None)
            if membership is None:
                return []
            return self._leave(person, membership, event.date, LeftReason.REMOVAL)
        if event.stage == Stage.HANDOVER_ACCEPTED and receiving is not None:
            return self._move(candidate, receiving)
        return []

    def _admit(
        self,
        candidate: BatchCandidate,
        memberships: list[Membership],
        decided_on: dt.date,
        decision_no: str,
        ceremony_on: dt.date,
    ) -> list[Change]:
        """membership_admit: the membership and its first posting to the candidate's cell."""
        person = candidate.person
        _check_dates(decided_on, ceremony_on, None)
        versions = versions_on(self.records.versions, candidate.cell_id, decided_on)
        cell_check(
            candidate.cell_code, decided_on, (versions[0][4], versions[0][5]) if versions else None
        )
        if any(m.left_date is None or m.left_date >= decided_on for m in memberships):
            raise DomainError(
                _("This person is already a party member on that date."), field="person_id"
            )
        membership = Membership(
            person_id=person.pk,
            admission_decision_date=decided_on,
            admission_decision_no=decision_no,
            ceremony_date=ceremony_on,
            official_date=None,
        )
        posting = Posting(
            membership=membership,
            person_id=person.pk,
            cell_id=candidate.cell_id,
            valid_from=decided_on,
        )
        memberships.append(membership)
        memberships.sort(key=lambda m: m.admission_decision_date)
        self.records.person_postings.setdefault(person.pk, []).append(posting)
        self.new_memberships.append(membership)
        self.new_postings.append(posting)
        after = {**self._snapshot(membership), "cell": candidate.cell_code}
        return [Change("ranks.people.membership.admitted", "person", person.person_id, None, after)]

    def _leave(
        self, person: BatchPerson, membership: Membership, on: dt.date, reason: str
    ) -> list[Change]:
        """membership_leave: the membership and its postings end on `on`."""
        if on < membership.admission_decision_date:
            raise DomainError(
                _("Leaving is dated before the admission decision."), field="left_date"
            )
        if on > self.now:
            raise DomainError(_("The leaving date is in the future."), field="left_date")
        before = self._snapshot(membership)
        self._was(membership)
        membership.left_date, membership.left_reason = on, reason
        self._changed(membership)
        postings = self.records.person_postings.get(person.pk, [])
        for posting in [p for p in postings if p.membership is membership]:
            if posting.valid_from > on:
                postings.remove(posting)
                if posting.pk is None:
                    self.new_postings.remove(posting)
                else:
                    self.deleted_postings.add(posting.pk)
                    self.changed_postings.pop(posting.pk, None)
            elif posting.valid_to is None or posting.valid_to > on:
                posting.valid_to = on
                if posting.pk is not None:
                    self.changed_postings[posting.pk] = posting
        return [
            Change(
                "ranks.people.membership.ended",
                "person",
                person.person_id,
                before,
                self._snapshot(membership),
            )  # fmt: skip
        ]

    def _move(self, candidate: BatchCandidate, cell: Unit) -> list[Change]:
        """A handover accepted moves the candidate to the receiving cell (rare: read here)."""
        instance = candidate.instance
        if instance is None:
            instance = Candidate.objects.select_related("person", "cell").get(pk=candidate.pk)
            candidate.instance = instance
        mentors = list(instance.mentors.values_list("person_id", flat=True))
        before = _candidate_state(instance, mentors)
        instance.cell = cell
        candidate.cell_id, candidate.cell_code = cell.pk, cell.code
        self.moved[instance.pk] = instance
        if cell.pk not in self.records.versions:
            self.records.versions.update(ancestry_versions([cell.pk]))
            self.records.forget_flags()
        return [
            Change(
                "ranks.pipeline.candidate.moved",
                "candidate",
                candidate.person.person_id,
                before,
                _candidate_state(instance, before["mentors"]),
            )  # fmt: skip
        ]

    def _snapshot(self, membership: Membership) -> dict[str, Any]:
        state = snapshot(membership)
        if membership.pk is None:
            self._ids_to_fill.append((state, membership))
        return state

    def _was(self, membership: Membership) -> None:
        self.memberships_was.setdefault(
            id(membership), (membership, membership.official_date, membership.left_date)
        )

    def _changed(self, membership: Membership) -> None:
        if membership.pk is not None:
            self.changed_memberships[membership.pk] = membership

    # Writing

    def write(self) -> None:
        """Everything the batch recorded, with bulk statements; then the audit entries are
        complete (`changes`)."""
        now = timezone.now()
        for event in self.new_events:
            event.recorded_at = now
        # New events and handovers move the candidates by stage; handovers and new classes
        # passed the pipeline's counts (of the other events, it counts none).
        moved = {c.person_id for c in self.moved.values()}
        counted, classes = self.counted | moved, self.classes | moved
        with moving(candidacies=sorted(counted), pipeline=sorted(classes)):
            self._write()

    def _decision_committees(self) -> None:
        """Each new admission decision is recorded for the committee competent on its day (R18,
        as `services.decision_committee` does with no committee named), walked over the cells'
        ancestry the batch loaded (`competent_on`), and audited with its code: one query for
        the codes, whatever the number of decisions. An import or API call that needs another
        committee records the decision on the page, as an exception with its reason."""
        cell_of = {c.pk: c.cell_id for c in self.candidates.values()}
        chosen: dict[int, int] = {}
        for event in self.new_events:
            if event.stage == Stage.ADMISSION_DECISION and event.committee_id is None:
                committee = competent_on(
                    self.records.versions, cell_of[event.candidate_id], event.date
                )
                if committee is not None:
                    chosen[id(event)] = event.committee_id = committee
        if not chosen:
            return
        codes = dict(Unit.objects.filter(pk__in=set(chosen.values())).values_list("pk", "code"))
        for key, committee in chosen.items():
            state = self.decision_states.get(key)
            if state is not None:  # audited as the row-by-row path does
                state["committee_code"] = codes[committee]
                state["committee_exception"] = ""

    def _write(self) -> None:
        self._decision_committees()
        bulk.insert(StageEvent, self.new_events)
        through = StageEvent.introducers.through
        bulk.insert(
            through,
            [
                through(stageevent_id=event.pk, person_id=person.pk)
                for event in self.new_events
                for person in self.records.introducers(event)
            ],
        )
        members = {m.person_id for m in self.new_memberships}
        members |= {m.person_id for m in self.changed_memberships.values()}
        with moving(persons=sorted(members)):
            bulk.insert(Membership, self.new_memberships)
            for posting in self.new_postings:
                posting.membership_id = posting.membership.pk
            bulk.insert(Posting, self.new_postings)
            bulk.update(
                Membership,
                list(self.changed_memberships.values()),
                ["official_date", "left_date", "left_reason"],
            )
            if self.deleted_postings:
                Posting.objects.filter(pk__in=self.deleted_postings).delete()
            bulk.update(Posting, list(self.changed_postings.values()), ["valid_to"])
        bulk.update(Candidate, list(self.moved.values()), ["cell"])
        for state, membership in self._ids_to_fill:
            state["id"] = membership.pk
