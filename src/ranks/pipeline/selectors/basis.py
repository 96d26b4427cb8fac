"""The basis of a candidacy: a short digest of what another officer's step changes (its events,
its cell, where it stands). A device keeps the basis of the copy it recorded on; the API refuses a
record whose basis is no longer the candidacy's (`ranks.api.sync`)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ranks.pipeline.models import Candidate, StageEvent

# Every field of an event a correction can change, besides its stage and date.
EVENT_FIELDS = (
    "id",
    "stage",
    "date",
    "detail",
    "class_name",
    "certificate_no",
    "youth_union_resolution",
    "votes_for",
    "official_members",
    "authority",
    "decision_no",
    "received_on",
    "to_unit_id",
    "location",
    "exception_approved_by",
    "exception_document",
)
BASIS_LENGTH = 16


def _digest(
    head: tuple[Any, ...], events: list[tuple[Any, ...]], introducers: dict[int, list[int]]
) -> str:
    rows = [[*event, sorted(introducers.get(event[0], []))] for event in sorted(events)]
    text = json.dumps([list(head), rows], default=str, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()[:BASIS_LENGTH]


def _events_of(
    candidate_ids: list[int],
) -> tuple[dict[int, list[tuple[Any, ...]]], dict[int, list[int]]]:
    """Two queries: the events of the candidacies, and their introducers."""
    events: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in StageEvent.objects.filter(candidate_id__in=candidate_ids).values_list(
        "candidate_id", *EVENT_FIELDS
    ):
        events[row[0]].append(row[1:])
    through = StageEvent.introducers.through
    introducers: dict[int, list[int]] = defaultdict(list)
    for event_id, person_id in through.objects.filter(
        stageevent__candidate_id__in=candidate_ids
    ).values_list("stageevent_id", "person_id"):
        introducers[event_id].append(person_id)
    return events, introducers


def _prefetched(candidate: Candidate) -> tuple[list[tuple[Any, ...]], dict[int, list[int]]] | None:
    """The events and introducers prefetched with the candidacy (`EVENT_PREFETCH`), if both are."""
    events = getattr(candidate, "_prefetched_objects_cache", {}).get("events")
    if events is None:
        return None
    rows, introducers = [], {}
    for event in events:
        if "introducers" not in getattr(event, "_prefetched_objects_cache", {}):
            return None
        rows.append(tuple(getattr(event, name) for name in EVENT_FIELDS))
        introducers[event.pk] = [p.pk for p in event.introducers.all()]
    return rows, introducers


def candidate_basis(candidate: Candidate) -> str:
    """The basis of one candidacy as read: from its events and introducers if they were
    prefetched with it (no query), else as stored now (two queries)."""
    head = (candidate.cell_id, candidate.stage_now, candidate.side_now)
    prefetched = _prefetched(candidate)
    if prefetched is not None:
        return _digest(head, *prefetched)
    events, introducers = _events_of([candidate.pk])
    return _digest(head, events.get(candidate.pk, []), introducers)


def candidate_bases(candidate_ids: Iterable[int]) -> dict[int, str]:
    """The basis of each candidacy of `candidate_ids` (three queries, whatever their number);
    an id no candidacy has is left out."""
    ids = list(dict.fromkeys(candidate_ids))
    if not ids:
        return {}
    heads = {
        pk: (cell_id, stage, side)
        for pk, cell_id, stage, side in Candidate.objects.filter(pk__in=ids).values_list(
            "pk", "cell_id", "stage_now", "side_now"
        )
    }
    events, introducers = _events_of(list(heads))
    return {pk: _digest(head, events.get(pk, []), introducers) for pk, head in heads.items()}


def candidate_recent_events(candidate: Candidate, *, limit: int = 5) -> list[StageEvent]:
    """The events of the candidacy recorded last, the latest first (one query)."""
    return list(
        StageEvent.objects.filter(candidate=candidate).order_by("-recorded_at", "-id")[:limit]
    )
