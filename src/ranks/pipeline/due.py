"""What is due in a unit's subtree on a date: the deadlines the rules engine finds for every
candidate there, overdue ones first.

From `rules.due` (R4, R5, R8, R9, R11) the findings with status warning or blocked; overdue are
the blocked ones and those past their deadline within its extension (R8, R11). From `rules.evaluate` a candidate turning 18 within 6 months (R1, before the cell
resolution), a probation ending within 30 days (R10), and, before the cell resolution, an
assigned introducer who left the unit or the party, or is not an official member (R6). Paused,
withdrawn, ineligible and handed-over candidates have nothing due. `due_list` adds the party
members working away whose yearly comment (R15) is due within the warning window or overdue
(`coverage.away`); they are the items of `kind` "member".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ranks.access.scope import Scope
from ranks.coverage.away import members_away
from ranks.org import sql
from ranks.org.models import Unit
from ranks.org.selectors import unit_names_on
from ranks.pipeline.facts_from_records import EVENT_PREFETCH, pipeline_facts
from ranks.pipeline.findings_text import finding_citation, finding_message
from ranks.pipeline.models import Candidate
from ranks.pipeline.rules import BLOCKED, WARNING, Finding, due, evaluate, state_on

# A candidate this many days or fewer from the 18th-birthday month is listed (R1).
TURNING_18_WITHIN_DAYS = 183
# A probation ending this many days or fewer after the date is listed (R10).
PROBATION_ENDING_WITHIN_DAYS = 30
# R6 findings that mean an assigned introducer can no longer introduce.
INTRODUCER_GONE = {"introducer_left", "introducer_probationary"}


@dataclass(frozen=True)
class DueItem:
    person_id: str
    full_name: str
    cell_code: str
    cell_name: str
    rule: str
    status: str  # the finding's: "warning" (due soon, or upcoming) or "blocked" (too late)
    date: dt.date | None
    message: str
    # Past its deadline: blocked, or within an extension that needs reasons (R8, R11).
    overdue: bool
    # The rule's document and clause as the engine keeps them, and in words (`finding_citation`).
    document: str = ""
    clause: str = ""
    citation: str = ""
    kind: str = "candidate"  # or "member": a party member working away (R15)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "person_id": self.person_id,
            "full_name": self.full_name,
            "cell_code": self.cell_code,
            "cell_name": self.cell_name,
            "rule": self.rule,
            "status": self.status,
            "overdue": self.overdue,
            "date": self.date.isoformat() if self.date else None,
            "message": self.message,
        }


def _stopped(candidate: Candidate, on: dt.date) -> bool:
    """Paused, withdrawn, found ineligible or handed over: nothing is due until that ends."""
    return state_on(((e.stage, e.date) for e in candidate.events.all()), on).stopped


def _overdue(status: str, finding: Finding, on: dt.date) -> bool:
    deadline = finding.params.get("deadline")
    return status == BLOCKED or (isinstance(deadline, dt.date) and on > deadline)


def _findings(candidate: Candidate, on: dt.date) -> list[tuple[str, Finding]]:
    """(status in the list, finding) for what is due for one candidate."""
    # Neither the deadlines nor R1 and R10 read the area flags: skip the ancestry query.
    facts = pipeline_facts(candidate, on, area_flags=frozenset())
    found: list[tuple[str, Finding]] = [
        (f.status, f) for f in due(facts, on) if f.status in (WARNING, BLOCKED)
    ]
    for f in evaluate(facts, on):
        if (
            f.rule == "R1"
            and f.status == BLOCKED
            and facts.vote is None
            and f.date is not None
            and (f.date - on).days <= TURNING_18_WITHIN_DAYS
        ):
            found.append((WARNING, f))  # upcoming, not overdue
        elif f.code in INTRODUCER_GONE and facts.vote is None:
            found.append((BLOCKED, f))
        elif (
            f.code == "probation_running"
            and f.date is not None
            and (f.date - on).days <= PROBATION_ENDING_WITHIN_DAYS
        ):
            found.append((WARNING, f))
    return found


def due_candidates(*, scope: Scope, unit: Unit, on: dt.date) -> QuerySet[Candidate]:
    """The candidacies whose cell is in `unit`'s subtree on `on` and in `scope`, with what
    `due_items` reads (unordered: the caller orders, and may take a slice of them)."""
    in_scope = scope.units(
        Candidate.objects.filter(cell_id__in=RawSQL(*sql.subtree_on_ids([unit.pk], on))), "cell"
    )
    return in_scope.select_related("person", "cell").prefetch_related(*EVENT_PREFETCH)


def _deadlines_of(candidate: Candidate, on: dt.date, rule: str) -> list[tuple[str, Finding]]:
    """Every deadline of `rule` for one candidate, far ones (status ok) included."""
    facts = pipeline_facts(candidate, on, area_flags=frozenset())
    return [(f.status, f) for f in due(facts, on) if f.rule == rule]


def due_items(
    candidates: Iterable[Candidate], on: dt.date, *, rule: str | None = None
) -> list[DueItem]:
    """What is due on `on` for these candidacies (read by `due_candidates`), overdue first, then
    by date: one query more, for the cells' names. With `rule`, every deadline of that rule,
    however far (the files awaiting a committee's decision, R8)."""
    candidates = list(candidates)
    if not candidates:
        return []
    names = unit_names_on(unit_ids={c.cell_id for c in candidates}, day=on)
    items = []
    for candidate in candidates:
        if _stopped(candidate, on):
            continue
        found = _deadlines_of(candidate, on, rule) if rule else _findings(candidate, on)
        for status, finding in found:
            items.append(
                DueItem(
                    person_id=candidate.person.person_id,
                    full_name=candidate.person.full_name,
                    cell_code=candidate.cell.code,
                    cell_name=names.get(candidate.cell_id, candidate.cell.code),
                    rule=finding.rule,
                    status=status,
                    date=finding.date,
                    message=finding_message(finding),
                    overdue=_overdue(status, finding, on),
                    document=finding.document,
                    clause=finding.clause,
                    citation=finding_citation(finding),
                )
            )
    items.sort(
        key=lambda i: (not i.overdue, i.date or dt.date.max, i.full_name, i.person_id, i.rule)
    )
    return items


def due_within(items: Iterable[DueItem], on: dt.date, days: int) -> list[DueItem]:
    """The items overdue, undated, or dated no later than `days` days after `on`."""
    last = on + dt.timedelta(days=days)
    return [i for i in items if i.overdue or i.date is None or i.date <= last]


def members_due(*, unit: Unit, on: dt.date) -> list[DueItem]:
    """The yearly comments (R15) on the party members working away from `unit`'s cells on `on`
    that fall due within the warning window or are overdue. The unit is in the caller's scope,
    and a grant covers the unit's whole subtree. One query, three when someone is due."""
    due_now = [m for m in members_away(unit, on) if m.finding.status in (WARNING, BLOCKED)]
    names = unit_names_on(unit_ids={m.cell_id for m in due_now}, day=on) if due_now else {}
    return [
        DueItem(
            person_id=m.person_id,
            full_name=m.full_name,
            cell_code=m.cell_code,
            cell_name=names.get(m.cell_id, m.cell_code),
            rule=m.finding.rule,
            status=m.finding.status,
            date=m.finding.date,
            message=finding_message(m.finding),
            overdue=_overdue(m.finding.status, m.finding, on),
            document=m.finding.document,
            clause=m.finding.clause,
            citation=finding_citation(m.finding),
            kind="member",
        )
        for m in due_now
    ]


def due_list(*, scope: Scope, unit: Unit, on: dt.date) -> list[DueItem]:
    """What is due on `on` for the candidates whose cell is in `unit`'s subtree on that date and
    in `scope`, and for the members working away there (`members_due`), overdue first, then by
    date: a fixed number of queries, however many candidates."""
    items = due_items(due_candidates(scope=scope, unit=unit, on=on).order_by("id"), on)
    items += members_due(unit=unit, on=on)
    items.sort(
        key=lambda i: (not i.overdue, i.date or dt.date.max, i.full_name, i.person_id, i.rule)
    )
    return items
