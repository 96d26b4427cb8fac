"""The rules engine's facts about one candidacy, read from the records as they stood on a date.

The person gives the birth date, education and Youth Union membership; the cell's ancestry on
the date gives the inherited area flags; the stage events up to the date give the rest. Where a
stage was recorded more than once (a class retaken, a vote held again) the latest event counts.

Introducers are those of the latest `introducers_assigned` event; one who was not on the first
such event is a replacement (R6 then asks no 12 months of them). An introducer's months with the
candidate count from the start of their posting in the candidate's cell, and end when that
posting or their membership ends; they are probationary until their official date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ranks.org import sql, tree
from ranks.org.models import UnitVersion
from ranks.pipeline import rules
from ranks.pipeline.models import Candidate, Stage, StageEvent

# What `pipeline_facts` reads through the candidate: prefetch it.
EVENT_PREFETCH = ("events", "events__introducers__postings__membership")

# The documents a prepared dossier holds (R5); their names are keys that findings_text translates.
DOSSIER_DOCUMENTS = ("application", "background declaration")


class PersonFacts(Protocol):
    """What the facts read of a person: a `Person`, or an import's `BatchPerson`."""

    @property
    def birth_date(self) -> dt.date: ...
    @property
    def education_general(self) -> str: ...
    @property
    def youth_union(self) -> bool: ...


class Candidacy(Protocol):
    """What the facts read of a candidacy: a `Candidate`, or an import's `BatchCandidate`
    (which comes with its events)."""

    @property
    def cell_id(self) -> int: ...
    @property
    def person(self) -> PersonFacts: ...


class Records:
    """Where `pipeline_facts` reads what lies beyond the events: each event's introducers, each
    introducer's postings (with their memberships) and the area flags a cell inherits on a day.

    This default reads the relations prefetched with `EVENT_PREFETCH` and the cell's ancestry (one
    query). `BatchRecords` serves the same from data loaded for many candidates at once, so that
    one candidate and a batch of them go through the same code."""

    def introducers(self, event: StageEvent) -> Sequence[Any]:
        """The event's introducers: objects with `pk` and `person_id`."""
        return list(event.introducers.all())

    def postings(self, person: Any) -> Sequence[Any]:
        """The introducer's postings, each with its `membership`."""
        return list(person.postings.all())

    def area_flags(self, candidate: Candidacy, on: dt.date) -> frozenset[str]:
        cell_id = candidate.cell_id
        return flags_on(ancestry_versions([cell_id]), cell_id, on)


PREFETCHED = Records()


def ancestry_versions(unit_ids: Iterable[int]) -> dict[int, list[tuple]]:
    """Every version of the units and of every unit ever above them, by unit: (valid_from,
    valid_to, parent_id, area_flags, name, holds_members, can_admit). One query, whatever their
    number."""
    ids = sorted(set(unit_ids))
    versions: dict[int, list[tuple]] = {}
    if not ids:
        return versions
    up = (
        f"WITH RECURSIVE up(unit_id) AS (SELECT u.id FROM org_unit u WHERE u.id IN"
        f" ({', '.join(['%s'] * len(ids))}) UNION SELECT v.parent_id FROM up"
        f" {sql.versions_of('up.unit_id')} WHERE v.parent_id IS NOT NULL) SELECT unit_id FROM up"
    )
    for unit_id, *version in UnitVersion.objects.filter(
        unit_id__in=RawSQL(sql.first(up), ids)
    ).values_list(
        "unit_id",
        "valid_from",
        "valid_to",
        "parent_id",
        "area_flags",
        "name",
        "kind__holds_members",
        "can_admit",
    ):
        versions.setdefault(unit_id, []).append(tuple(version))
    return versions


def versions_on(versions: dict[int, list[tuple]], unit_id: int, day: dt.date) -> list[tuple]:
    return [
        v
        for v in versions.get(unit_id, ())
        if (v[0] is None or v[0] <= day) and (v[1] is None or v[1] >= day)
    ]


def competent_on(versions: dict[int, list[tuple]], cell_id: int, day: dt.date) -> int | None:
    """The id of the committee competent on `day` for the cell's admissions (R18,
    `org.tree.competent`), walked over `ancestry_versions` as `org.selectors.competent_for`
    reads it from the database: no query."""
    above: list[tuple[int, bool]] = []
    unit: int | None = cell_id
    seen: set[int] = set()
    while unit is not None and unit not in seen and len(seen) <= 64:
        seen.add(unit)
        version = next(iter(versions_on(versions, unit, day)), None)
        if version is None:
            break
        if unit != cell_id:
            above.append((unit, bool(version[6])))
        unit = version[2]
    found = tree.competent([(str(u), admits) for u, admits in above])
    return int(found) if found is not None else None


def flags_on(versions: dict[int, list[tuple]], unit_id: int, day: dt.date) -> frozenset[str]:
    """The area flags the unit inherits on `day`: those of its version and of the versions above it
    on that day (`org.selectors.unit_ancestry`, walked over `ancestry_versions`)."""
    flags: set[str] = set()
    seen: set[int] = set()
    level = {unit_id}
    depth = 0
    while level and depth <= 64:
        above: set[int] = set()
        for unit in level - seen:
            seen.add(unit)
            for version in versions_on(versions, unit, day):
                flags.update(version[3] or ())
                if version[2] is not None:
                    above.add(version[2])
        level = above
        depth += 1
    return frozenset(flags)


def official_counts(pairs: Iterable[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], int]:
    """How many official members the records show in each cell on each day, for (cell id, day)
    pairs: members with a posting in the cell that day whose membership is official that day
    (`people.status.status_on`, as `people.selectors.cell_members_on` reads them). The figure a
    cell resolution counts (R7, R11, R12). One query, whatever the number of pairs; its cost
    grows with the members of the cells asked, never with those of the units above them."""
    wanted = sorted(set(pairs))
    found = dict.fromkeys(wanted, 0)
    if not wanted:
        return found
    postgres = connection.vendor == "postgresql"
    first = "(CAST(%s AS integer), CAST(%s AS date))" if postgres else "(%s, %s)"
    rows = ", ".join([first, *["(%s, %s)"] * (len(wanted) - 1)])
    text = (
        f"WITH asked(cell_id, day) AS (VALUES {rows})"
        " SELECT a.cell_id, a.day, COUNT(DISTINCT p.person_id) FROM asked a"
        " JOIN people_posting p ON p.cell_id = a.cell_id"
        " AND p.valid_from <= a.day AND (p.valid_to IS NULL OR p.valid_to >= a.day)"
        " JOIN people_membership m ON m.id = p.membership_id"
        " AND m.official_date IS NOT NULL AND m.official_date <= a.day"
        " AND m.admission_decision_date <= a.day"
        " AND (m.left_date IS NULL OR m.left_date > a.day)"
        " GROUP BY a.cell_id, a.day"
    )
    params: list[Any] = []
    for cell_id, day in wanted:
        params += [cell_id, day if postgres else day.isoformat()]
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        for cell_id, day, count in cursor.fetchall():
            if isinstance(day, str):
                day = dt.date.fromisoformat(day)
            found[(cell_id, day)] = count
    return found


def _latest(events: Iterable[StageEvent], stage: str) -> StageEvent | None:
    found = [e for e in events if e.stage == stage]
    return max(found, key=lambda e: (e.date, e.pk or 0)) if found else None


def _day(event: StageEvent | None) -> dt.date | None:
    return event.date if event is not None else None


def _vote(event: StageEvent | None) -> rules.Vote | None:
    if event is None or event.votes_for is None or event.official_members is None:
        return None
    return rules.Vote(
        on=event.date, votes_for=event.votes_for, official_members=event.official_members
    )


def _received(event: StageEvent, on: dt.date) -> dt.date | None:
    """The day the cell received the decision, if it had by `on`."""
    received = event.received_on
    return received if received is not None and received <= on else None


def _introducer(
    all_postings: Sequence[Any], cell_id: int, on: dt.date, replacement: bool
) -> rules.Introducer:
    """R6's facts about one introducer, from all their postings with their memberships."""
    postings = sorted(
        (p for p in all_postings if p.cell_id == cell_id and p.valid_from <= on),
        key=lambda p: p.valid_from,
    )
    posting = postings[-1] if postings else None
    membership = posting.membership if posting is not None else None
    if membership is None:
        memberships = sorted(
            (p.membership for p in all_postings if p.membership.admission_decision_date <= on),
            key=lambda m: m.admission_decision_date,
        )
        membership = memberships[-1] if memberships else None
    left: list[dt.date] = []
    if posting is not None and posting.valid_to is not None:
        left.append(posting.valid_to + dt.timedelta(days=1))
    if membership is not None and membership.left_date is not None:
        left.append(membership.left_date)
    official = membership.official_date if membership is not None else None
    return rules.Introducer(
        official_since=official,
        probationary=membership is not None and official is None,
        joined_unit_on=posting.valid_from if posting is not None else None,
        left_on=min(left) if left else None,
        replacement=replacement,
    )


def _introducers(events: list[StageEvent], cell_id: int, on: dt.date, records: Records) -> tuple:
    assigned = sorted(
        (e for e in events if e.stage == Stage.INTRODUCERS_ASSIGNED),
        key=lambda e: (e.date, e.pk or 0),
    )
    if not assigned:
        return ()
    first = {p.pk for p in records.introducers(assigned[0])}
    latest = assigned[-1]
    found = [
        _introducer(records.postings(p), cell_id, on, replacement=p.pk not in first)
        for p in sorted(records.introducers(latest), key=lambda p: p.person_id)
    ]
    if latest.youth_union_resolution:
        found.append(rules.Introducer(youth_union_resolution=True))
    return tuple(found)


def _away_since(events: list[StageEvent], on: dt.date) -> dt.date | None:
    state = rules.state_on(((e.stage, e.date) for e in events), on)
    return state.side_since if state.side == Stage.WORKING_AWAY else None


def candidate_facts(
    candidate: Candidacy,
    on: dt.date,
    area_flags: frozenset[str] | None = None,
    consent: bool = False,
    records: Records = PREFETCHED,
) -> rules.Candidate:
    """The person's facts and the area flags the candidate's cell inherits on `on` (one query,
    unless `area_flags` are given)."""
    person = candidate.person
    flags = area_flags if area_flags is not None else records.area_flags(candidate, on)
    return rules.Candidate(
        birth_date=person.birth_date,
        # Blank means not recorded: the engine then finds the education insufficient (R3).
        education_general=person.education_general,
        area_flags=frozenset(flags),
        is_youth_union=person.youth_union,
        # An admission vote recorded as an exception carries the provincial-level consent and
        # the place condition of R2 and R3.
        village_elder_consent=consent,
        over_60_consent=consent,
        no_member_or_org_where_lives=consent,
    )


def pipeline_facts(
    candidate: Candidacy,
    on: dt.date,
    area_flags: frozenset[str] | None = None,
    events: Iterable[StageEvent] | None = None,
    records: Records = PREFETCHED,
) -> rules.Pipeline:
    """Everything the records say about the candidacy up to and including `on`.

    Reads `candidate.events.all()` (unless `events` are given) and, through `records`, the
    introducers and their postings (prefetch `EVENT_PREFETCH`) and the cell's area flags (one
    query more, unless `area_flags` are given); `candidate.person` should be selected with the
    candidate. `BatchRecords` gives the same for a batch of candidates without a query.
    """
    if events is None:
        assert isinstance(candidate, Candidate)  # one held in memory comes with its events
        events = candidate.events.all()
    events = [e for e in events if e.date <= on]

    certificate = _latest(events, Stage.CLASS_PASSED)
    dossier = _latest(events, Stage.DOSSIER_PREPARED)
    ceremony = _latest(events, Stage.CEREMONY)
    decision = _latest(events, Stage.ADMISSION_DECISION)

    # A cell resolution after the ceremony is the vote on recognition (R11), not on admission.
    resolutions = [e for e in events if e.stage == Stage.CELL_RESOLUTION]
    admission_votes = [e for e in resolutions if ceremony is None or e.date <= ceremony.date]
    recognition_votes = [e for e in resolutions if ceremony is not None and e.date > ceremony.date]

    documents: tuple[rules.Document, ...] = ()
    if dossier is not None:
        documents = tuple(
            rules.Document(name=name, dated=dossier.date) for name in DOSSIER_DOCUMENTS
        )

    admission_vote = _latest(admission_votes, Stage.CELL_RESOLUTION)
    consent = admission_vote is not None and bool(admission_vote.exception_document)
    return rules.Pipeline(
        candidate=candidate_facts(candidate, on, area_flags, consent, records),
        certificate=rules.Certificate(issued_on=certificate.date) if certificate else None,
        documents=documents,
        introducers=_introducers(events, candidate.cell_id, on, records),
        source_listed_on=_day(_latest(events, Stage.SOURCE_LIST)),
        background_verified_on=_day(_latest(events, Stage.BACKGROUND_VERIFIED)),
        comments_collected_on=_day(_latest(events, Stage.COMMENTS_COLLECTED)),
        vote=_vote(admission_vote),
        committee_resolution_on=_day(_latest(events, Stage.COMMITTEE_RESOLUTION)),
        decision=(
            rules.Decision(on=decision.date, received_on=_received(decision, on))
            if decision is not None
            else None
        ),
        ceremony=rules.Ceremony(on=ceremony.date) if ceremony is not None else None,
        recognition_vote=_vote(_latest(recognition_votes, Stage.CELL_RESOLUTION)),
        recognition_decided_on=_day(_latest(events, Stage.OFFICIAL)),
        removed_on=_day(_latest(events, Stage.REMOVED)),
        recognition_votes=tuple(
            v
            for v in (
                _vote(e) for e in sorted(recognition_votes, key=lambda e: (e.date, e.pk or 0))
            )
            if v is not None
        ),
        away_since=_away_since(events, on),
    )


def vote_outcome(events: Iterable[StageEvent], on: dt.date) -> rules.VoteOutcome | None:
    """The outcome of the latest cell vote up to `on` (`rules.latest_vote`), from the events
    alone: a vote after the ceremony is on recognition. Reads the stage, date and figures."""
    events = [e for e in events if e.date <= on]
    ceremony = _latest(events, Stage.CEREMONY)
    resolutions = sorted(
        (e for e in events if e.stage == Stage.CELL_RESOLUTION), key=lambda e: (e.date, e.pk or 0)
    )
    admission = [e for e in resolutions if ceremony is None or e.date <= ceremony.date]
    recognition = [e for e in resolutions if ceremony is not None and e.date > ceremony.date]
    return rules.latest_vote(
        _vote(admission[-1]) if admission else None,
        tuple(v for v in (_vote(e) for e in recognition) if v is not None),
    )


def candidate_for_facts(queryset: QuerySet[Candidate], person_id: str) -> Candidate | None:
    """The candidacy of `person_id` in `queryset`, with what `pipeline_facts` reads: one query
    and one for the events."""
    return (
        queryset.filter(person__person_id=person_id)
        .select_related("person", "cell")
        .prefetch_related(*EVENT_PREFETCH)
        .first()
    )


class Ref:
    """A person as `pipeline_facts` reads an introducer: the key and the identifier."""

    __slots__ = ("pk", "person_id")

    def __init__(self, pk: int, person_id: str):
        self.pk, self.person_id = pk, person_id


class BatchRecords(Records):
    """`Records` for a batch of candidates, loaded in a fixed number of queries (`load`) and held
    in memory, where a set-based import also applies what the batch's events change: new events
    and their introducers, new and changed memberships and postings."""

    def __init__(self) -> None:
        self.events: dict[int, list[StageEvent]] = {}  # candidate id → events, as `events.all()`
        self.by_event: dict[int, list[Ref]] = {}  # id(event) → its introducers
        self.memberships: dict[int, list] = {}  # person pk → memberships, as `memberships.all()`
        self.person_postings: dict[int, list] = {}  # person pk → postings with their membership
        self.versions: dict[int, list[tuple]] = {}  # `ancestry_versions` of the cells
        self._flags: dict[tuple[int, dt.date], frozenset[str]] = {}

    def introducers(self, event: StageEvent) -> Sequence[Ref]:
        return self.by_event.get(id(event), ())

    def postings(self, person: Any) -> Sequence[Any]:
        return self.person_postings.get(person.pk, ())

    def area_flags(self, candidate: Candidacy, on: dt.date) -> frozenset[str]:
        key = (candidate.cell_id, on)
        if key not in self._flags:
            self._flags[key] = flags_on(self.versions, candidate.cell_id, on)
        return self._flags[key]

    def forget_flags(self) -> None:
        """After `versions` gained units (a candidate moved to a cell not loaded)."""
        self._flags.clear()

    def load(
        self, candidate_ids: Iterable[int], person_ids: Iterable[int], cell_ids: Iterable[int]
    ) -> None:
        """The events of the candidates with their introducers, the memberships and postings of
        `person_ids` and of every introducer, the ancestry of `cell_ids`: five queries."""
        events = list(
            StageEvent.objects.filter(candidate_id__in=set(candidate_ids))
            .select_related("to_unit")
            .order_by("date", "id")
        )
        by_pk = {}
        for event in events:
            self.events.setdefault(event.candidate_id, []).append(event)
            self.by_event[id(event)] = []
            by_pk[event.pk] = event
        people = set(person_ids)
        for event_id, pk, person_id in (
            StageEvent.introducers.through.objects.filter(stageevent_id__in=by_pk)
            .values_list("stageevent_id", "person_id", "person__person_id")
            .order_by("person__person_id")
        ):
            self.by_event[id(by_pk[event_id])].append(Ref(pk, person_id))
            people.add(pk)
        self.load_members(people)
        self.versions.update(ancestry_versions(cell_ids))

    def load_members(self, people: Iterable[int]) -> None:
        """The memberships and postings of these people (two queries)."""
        from ranks.people.models import Membership, Posting

        people = set(people) - set(self.memberships)
        if not people:
            return
        memberships = {}
        for pk in people:
            self.memberships[pk] = []
            self.person_postings[pk] = []
        for membership in Membership.objects.filter(person_id__in=people).order_by(
            "admission_decision_date", "id"
        ):
            memberships[membership.pk] = membership
            self.memberships[membership.person_id].append(membership)
        for posting in Posting.objects.filter(person_id__in=people).order_by("valid_from", "id"):
            posting.membership = memberships[posting.membership_id]
            self.person_postings[posting.person_id].append(posting)
