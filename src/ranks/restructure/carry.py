"""What a restructure carries besides the tree (read only): the member postings, candidates in
progress and secondments of the cells that close, the grants on the units that close, and the
handovers of the candidates whose competent committee changes. `restructure_apply` writes what
this finds; the preview lists it."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ranks.access.models import Grant
from ranks.access.scope import Scope
from ranks.coverage.models import Secondment
from ranks.org import tree
from ranks.org.models import Unit, UnitVersion
from ranks.org.selectors import competent_committees, unit_ancestries, unit_subtree_ids
from ranks.people.models import Person, PersonPlace, Posting
from ranks.pipeline.models import Candidate
from ranks.restructure.plan import GRANT_KEY, PERSON_KEY, Plan, assign_people, written

CLOSED_STAGES = ("official", "removed")
CLOSED_SIDES = ("withdrawn", "ineligible")


@dataclass
class Moves:
    """The records a restructure moves, each with where it goes (a unit), and what blocks them.

    `grants`: each grant on a unit that closes with its successor, or None where it stays (a
    split source's grant not mapped, or a user who already holds a grant at the successor)."""

    postings: list[tuple[Posting, Unit]] = field(default_factory=list)
    staying: list[Posting] = field(default_factory=list)  # in cells that move with the tree
    candidates: list[tuple[Candidate, Unit]] = field(default_factory=list)
    candidates_staying: list[Candidate] = field(default_factory=list)
    secondments: list[tuple[Secondment, Unit]] = field(default_factory=list)
    grants: list[tuple[Grant, Unit | None]] = field(default_factory=list)
    # (candidate, committee competent the day before, committee competent from the date)
    handovers: list[tuple[Candidate, Unit | None, Unit | None]] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    unassigned: list[Person] = field(default_factory=list)
    # Carried secondments whose new row would repeat the unique key (person, cell, first day):
    # the person already has one starting in the target cell on the date, or two are carried
    # into the same cell (from two sources of a merge).
    # (the carried secondment, its target cell, whether the one in the way is already recorded)
    clashes: list[tuple[Secondment, Unit, bool]] = field(default_factory=list)

    def person_ids(self) -> set[int]:
        return (
            {p.person_id for p, _t in self.postings}
            | {c.person_id for c, _t in self.candidates}
            | {s.person_id for s, _t in self.secondments}
        )


def in_progress(candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
    return candidates.exclude(stage_now__in=CLOSED_STAGES).exclude(side_now__in=CLOSED_SIDES)


def _places_of_people(person_ids: set[int], on: dt.date) -> dict[int, list[str]]:
    """Each person's places on the date: where they live, then where they work (their dated
    periods, else the places on their record)."""
    found: dict[int, list[str]] = defaultdict(list)
    periods = (
        PersonPlace.objects.valid_on(on)
        .filter(person_id__in=person_ids)
        .order_by("person_id", "-role", "valid_from")  # residence before workplace
        .values_list("person_id", "place__code")
    )
    for person_id, code in periods:
        found[person_id].append(code)
    for person in Person.objects.filter(pk__in=person_ids - set(found)).select_related(
        "residence_place", "workplace_place"
    ):
        for place in (person.residence_place, person.workplace_place):
            if place is not None:
                found[person.pk].append(place.code)
    return found


def _after_chains(
    cells: set[int], plan: Plan, units: dict[str, Unit], on: dt.date
) -> dict[int, list[tuple[str, bool]]]:
    """For each cell: the units above it from the date once the plan is applied, nearest first,
    each with whether it may admit (a moved unit keeps its own). Two queries."""
    moved = {step.code: step.parent for step in plan.units}
    starts = set(cells) | {units[p].pk for p in moved.values() if p and p in units}
    chains = unit_ancestries([Unit(pk=pk) for pk in starts], on)
    info: dict[int, UnitVersion] = {}
    for chain in chains.values():
        for link in chain:
            info[link.unit_id] = link
    closing = set(plan.closes)
    found = {}
    for cell in cells:
        above: list[tuple[str, bool]] = []
        version: UnitVersion | None = info.get(cell)
        seen = {cell}
        while version is not None:
            code = version.unit.code
            parent_code = moved.get(code)
            parent_id = (
                units[parent_code].pk
                if parent_code in units
                else (None if code in moved else version.parent_id)
            )
            if parent_id is None or parent_id in seen:
                break
            seen.add(parent_id)
            version = info.get(parent_id)
            if version is None or version.unit.code in closing:
                break
            above.append((version.unit.code, version.can_admit))
        found[cell] = above
    return found


def restructure_moves(*, plan: Plan, units: dict[str, Unit]) -> Moves:
    """What the plan moves beyond the tree, and what blocks it: every record, whatever the
    actor sees (the preview names only those they see). `units`: the units named by the request
    and the plan's steps, by code."""
    request, on = plan.request, plan.request.on
    moves = Moves()
    carries = {c.source: c for c in plan.carries}
    cells = [units[code] for code in carries if code in units]
    cell_ids = [c.pk for c in cells]
    split = request.kind == "split"

    postings = list(
        Posting.objects.valid_on(on)
        .filter(cell_id__in=cell_ids)
        .select_related("person", "cell")
        .order_by("cell__code", "person__search_name", "pk")
    )
    candidates = list(
        in_progress(Candidate.objects.filter(cell_id__in=cell_ids))
        .select_related("person", "cell")
        .order_by("cell__code", "person__search_name", "pk")
    )
    secondments = list(
        Secondment.objects.filter(cell_id__in=cell_ids, from_date__lte=on)
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=on))
        .select_related("person", "cell")
        .order_by("cell__code", "person__search_name", "pk")
    )
    for code, what in [
        *(
            (c, _("member postings"))
            for c in Posting.objects.filter(cell_id__in=cell_ids, valid_from__gte=on)
            .values_list("cell__code", flat=True)
            .distinct()
        ),
        *(
            (c, _("secondments"))
            for c in Secondment.objects.filter(cell_id__in=cell_ids, from_date__gte=on)
            .values_list("cell__code", flat=True)
            .distinct()
        ),
    ]:
        moves.blockers.append(
            _("%(code)s has %(what)s that start on %(day)s or later; a cell that closes cannot "
              "carry them.")
            % {"code": code, "what": what, "day": written(on)}
        )  # fmt: skip
    people = {p.person_id for p in postings} | {c.person_id for c in candidates}
    people |= {s.person_id for s in secondments}
    assigned: dict[int, Unit] = {}
    if split and people:
        by_pid = {p.pk: p for p in Person.objects.filter(pk__in=people)}
        places = _places_of_people(people, on)
        wanted = {by_pid[pk].person_id: places.get(pk, []) for pk in people}
        mapping = {k: v for k, v in request.mapping.items() if v in units}
        targets, unassigned = assign_people(wanted, mapping)
        pk_of = {p.person_id: pk for pk, p in by_pid.items()}
        assigned = {pk_of[pid]: units[code] for pid, code in targets.items()}
        moves.unassigned = sorted(
            (by_pid[pk_of[pid]] for pid in unassigned), key=lambda p: (p.search_name, p.pk)
        )
    persons_named = {k[len(PERSON_KEY) :] for k in request.mapping if k.startswith(PERSON_KEY)}
    known = set(Person.objects.filter(pk__in=people).values_list("person_id", flat=True))
    for person_id in sorted(persons_named - known):
        moves.blockers.append(
            _("%(code)s is not a person of %(source)s on that date.")
            % {"code": PERSON_KEY + person_id, "source": ", ".join(request.sources)}
        )

    def target_of(cell_code: str, person_id: int) -> Unit | None:
        carry = carries[cell_code]
        if carry.target is not None:
            return units.get(carry.target)
        return assigned.get(person_id) if split else None

    without: set[str] = set()
    for posting in postings:
        target = target_of(posting.cell.code, posting.person_id)
        if target is not None:
            moves.postings.append((posting, target))
        elif not split:
            without.add(posting.cell.code)
    for candidate in candidates:
        target = target_of(candidate.cell.code, candidate.person_id)
        if target is not None:
            moves.candidates.append((candidate, target))
        elif not split:
            without.add(candidate.cell.code)
    for secondment in secondments:
        target = target_of(secondment.cell.code, secondment.person_id)
        if target is not None:
            moves.secondments.append((secondment, target))
        elif not split:
            without.add(secondment.cell.code)
    if moves.secondments:
        starting = set(
            Secondment.objects.filter(
                from_date=on,
                cell_id__in={t.pk for _s, t in moves.secondments},
                person_id__in={s.person_id for s, _t in moves.secondments},
            ).values_list("person_id", "cell_id")
        )
        carried_to = Counter((s.person_id, t.pk) for s, t in moves.secondments)
        named: set[tuple[int, int]] = set()
        for secondment, target in moves.secondments:
            pair = (secondment.person_id, target.pk)
            if (pair in starting or carried_to[pair] > 1) and pair not in named:
                named.add(pair)
                moves.clashes.append((secondment, target, pair in starting))
    for code in sorted(without):
        moves.blockers.append(
            _(
                "%(code)s still has members, candidates in progress or secondments on that date "
                "and no successor is named to take them."
            )
            % {"code": code}
        )

    # Grants on the units that close: to the one successor, or as the split's mapping says.
    closing = [units[code] for code in plan.closes if code in units]
    grants = list(
        Grant.objects.filter(unit__in=closing)
        .select_related("unit", "user")
        .order_by("unit__code", "pk")
    )
    successor = (
        units.get(request.targets[0])
        if request.kind in ("merge", "dissolve") and request.targets
        else None
    )
    mapped = {k[len(GRANT_KEY) :]: v for k, v in request.mapping.items() if k.startswith(GRANT_KEY)}
    for key in sorted(set(mapped) - {str(g.pk) for g in grants}):
        moves.blockers.append(
            _("%(code)s is not a grant on %(source)s.")
            % {"code": GRANT_KEY + key, "source": ", ".join(request.sources)}
        )
    chosen = {g.pk: successor or units.get(mapped.get(str(g.pk), "")) for g in grants}
    held = set(
        Grant.objects.filter(unit__in=[u for u in chosen.values() if u is not None]).values_list(
            "user_id", "unit_id"
        )
    )
    for grant in grants:
        target = chosen[grant.pk]
        if target is not None and (grant.user_id, target.pk) in held:
            target = None  # the user already holds a grant there: this one stays
        moves.grants.append((grant, target))

    # Handovers: every candidate in progress below the sources whose competent committee
    # changes, carried or not, who entered the source list before the date (a later one's
    # dossier starts with the committee of the new tree: nothing is handed over).
    roots = [units[code].pk for code in request.sources if code in units]
    below = unit_subtree_ids(roots, on) if roots else []
    carried = {c.pk: t for c, t in moves.candidates}
    moves.candidates_staying = list(
        in_progress(Candidate.objects.filter(cell_id__in=below).exclude(cell_id__in=cell_ids))
        .select_related("person", "cell")
        .order_by("cell__code", "person__search_name", "pk")
    )
    everyone = [
        c for c in [c for c, _t in moves.candidates] + moves.candidates_staying if c.added_on < on
    ]
    if everyone and (plan.units or carried):
        new_cell = {c.pk: carried[c.pk].pk if c.pk in carried else c.cell_id for c in everyone}
        before = competent_committees([c.cell for c in everyone], on - dt.timedelta(days=1))
        after = _after_chains(set(new_cell.values()), plan, units, on)
        codes = {code for chain in after.values() for code, _a in chain}
        by_code = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        for candidate in everyone:
            was = before.get(candidate.cell_id)
            found = tree.competent(after.get(new_cell[candidate.pk], []))
            now = by_code.get(found) if found else None
            if (was.unit_id if was else None) != (now.pk if now else None):
                moves.handovers.append((candidate, was.unit if was else None, now))
    moves.staying = list(
        Posting.objects.valid_on(on)
        .filter(cell_id__in=below)
        .exclude(cell_id__in=cell_ids)
        .select_related("person", "cell")
        .order_by("cell__code", "person__search_name", "pk")
    )
    return moves


def visible_people(scope: Scope, person_ids: set[int]) -> set[int]:
    """Those of `person_ids` (person pks) that `scope` sees: one query."""
    if scope.full:
        return set(person_ids)
    return set(scope.people(Person.objects.filter(pk__in=person_ids)).values_list("pk", flat=True))
