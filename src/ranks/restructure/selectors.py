"""Reads for restructures: the facts a plan is made from, what it carries, the wording of
blockers, the handovers on a candidate's page, and the restructures that touched a unit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from ranks.access.scope import Scope
from ranks.coverage.models import Secondment
from ranks.org.models import PlaceVersion, Unit, UnitKind, UnitVersion
from ranks.org.selectors import unit_ancestry
from ranks.org.tree import Version
from ranks.people.models import Posting
from ranks.pipeline.models import Candidate
from ranks.restructure.carry import CLOSED_SIDES as CLOSED_SIDES
from ranks.restructure.carry import CLOSED_STAGES as CLOSED_STAGES
from ranks.restructure.carry import Moves, in_progress, restructure_moves, visible_people
from ranks.restructure.models import Handover, Restructure
from ranks.restructure.plan import Facts, PlaceVersionFact, Plan, Request, make_plan, written
from ranks.restructure.targets import TargetCarry, TargetValues, targets_carry

LISTED = 10  # rows shown of each thing carried; the count says how many in all


def restructure_facts(request: Request) -> Facts:
    """The versions around the request on its date: a few queries, whatever the size of the tree."""
    on = request.on
    named = set(request.sources) | set(request.targets) | set(request.mapping.values())
    children: dict[str, list[str]] = defaultdict(list)
    below = (
        UnitVersion.objects.valid_on(on)
        .filter(parent__code__in=request.sources)
        .values_list("unit__code", "parent__code")
        .order_by("unit__code")
    )
    for child, parent in below:
        children[parent].append(child)
    codes = named | {c for cs in children.values() for c in cs}
    versions: dict[str, list[Version]] = defaultdict(list)
    rows = (
        UnitVersion.objects.filter(unit__code__in=codes)
        .select_related("unit", "kind", "parent")
        .order_by("unit__code", "valid_from")
    )
    for v in rows:
        versions[v.unit.code].append(
            v.as_tree_version(parent_code=v.parent.code if v.parent else None)
        )
    # The places of the sources, and those linked to a source that keeps members (a cell):
    # from the date they are linked to the cell that takes its people.
    linked: dict[str, list[str]] = defaultdict(list)
    linked_ids: set[int] = set()
    for place_id, place, cell in (
        PlaceVersion.cells.through.objects.filter(
            placeversion__in=PlaceVersion.objects.valid_on(on), unit__code__in=request.sources
        )
        .order_by("placeversion__place__code")
        .values_list("placeversion__place_id", "placeversion__place__code", "unit__code")
    ):
        linked[cell].append(place)
        linked_ids.add(place_id)
    place_ids = set(
        PlaceVersion.objects.valid_on(on)
        .filter(unit__code__in=request.sources)
        .values_list("place_id", flat=True)
    )
    places: dict[str, list[PlaceVersionFact]] = defaultdict(list)
    for code, unit, start, end in (
        PlaceVersion.objects.filter(place_id__in=place_ids | linked_ids)
        .order_by("place__code", "valid_from")
        .values_list("place__code", "unit__code", "valid_from", "valid_to")
    ):
        places[code].append(PlaceVersionFact(code, unit, start, end))
    ancestors = {}
    for target in Unit.objects.filter(code__in=request.targets):
        ancestors[target.code] = [v.unit.code for v in unit_ancestry(target, on)]
    kinds = dict(UnitKind.objects.values_list("key", "holds_members"))
    return Facts(
        versions=versions,
        children=children,
        places=places,
        ancestors=ancestors,
        kinds=kinds,
        linked=linked,
    )


def blocker_text(key: str, params: dict[str, str]) -> str:
    texts = {
        "unknown_restructure_kind": _("Unknown kind of restructure: %(kind)s."),
        "repeated_source": _("A source is named twice."),
        "source_count": _(
            "This kind of restructure needs from %(least)s to %(most)s sources; %(found)s given."
        ),
        "target_count": _(
            "This kind of restructure needs from %(least)s to %(most)s targets; %(found)s given."
        ),
        "not_in_force": _("%(code)s is not in force on %(day)s."),
        "starts_on_date": _(
            "%(code)s already starts a period on %(day)s; a restructure on that date would "
            "rewrite it."
        ),
        "later_versions": _(
            "%(code)s has a later version from %(day)s; restructure on that date or after it."
        ),
        "target_not_in_force": _(
            "The target %(code)s is not in force on %(day)s; create it from that date first."
        ),
        "target_closes": _("The target %(code)s closes on %(day)s; it cannot receive units."),
        "target_is_source": _("%(code)s is both a source and a target."),
        "cycle": _("%(code)s would be put below itself under %(parent)s."),
        "target_keeps_no_members": _(
            "%(code)s keeps members and %(target)s does not: the members, candidates and "
            "secondments of %(code)s can only go to a unit that keeps members."
        ),
        "kind_members_not_carried": _(
            "Changing %(code)s to %(kind)s changes whether it keeps members; it still has "
            "%(found)s on that date: transfer or end them first."
        ),
        "place_starts_on_date": _(
            "The place %(code)s already starts a period on %(day)s; a restructure on that date "
            "would rewrite it."
        ),
        "place_later_versions": _(
            "The place %(code)s has a later version from %(day)s; restructure on that date or "
            "after it."
        ),
        "mapping_unknown": _("%(code)s is not a unit or place of %(source)s on that date."),
        "mapping_not_target": _("%(code)s is assigned to %(target)s, which is not a target."),
        "unassigned": _("%(code)s is not assigned to any target of the split."),
        "no_successor": _(
            "%(code)s still has units or places below it (%(below)s) and no successor is named."
        ),
        "unknown_kind": _("Unknown unit kind: %(kind)s."),
        "nothing_changes": _("Nothing about %(code)s would change."),
        "name_missing": _("A rename needs the new name."),
        "kind_missing": _("A change of kind needs the new kind."),
    }
    return texts[key] % {k: _day_written(v) if k == "day" else v for k, v in params.items()}


def _day_written(value: str) -> str:
    """A date of a blocker (kept as YYYY-MM-DD in the plan) as dates are written: DD/MM/YYYY."""
    try:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


@dataclass
class Carried:
    """Records the restructure carries (or leaves for a decision): how many, and the first few
    rows, each saying where the record goes."""

    label: str
    count: int
    rows: list[str] = field(default_factory=list)


@dataclass
class Preview:
    plan: Plan
    blockers: list[str]
    carried: list[Carried]
    targets: TargetCarry | None = None  # what apply does to targets (`restructure.targets`)

    @property
    def ok(self) -> bool:
        return not self.blockers


def plan_units(request: Request, plan: Plan) -> dict[str, Unit]:
    """The units the request and its plan name, by code: one query."""
    codes = set(request.sources) | set(request.targets) | set(request.mapping.values())
    codes |= {s.parent for s in plan.units if s.parent} | set(plan.closes)
    return {u.code: u for u in Unit.objects.filter(code__in=codes)}


def _flip_blockers(plan: Plan, units: dict[str, Unit]) -> list[str]:
    """A change of kind that changes whether the unit keeps members: refused while it holds a
    posting, a candidate in progress or a secondment on the date."""
    on, found = plan.request.on, []
    for code in plan.flips:
        unit = units.get(code)
        if unit is None:
            continue
        held = [
            (Posting.objects.valid_on(on).filter(cell=unit).count(), _("member postings")),
            (in_progress(Candidate.objects.filter(cell=unit)).count(), _("candidates")),
            (
                Secondment.objects.filter(cell=unit, from_date__lte=on)
                .filter(Q(to_date__isnull=True) | Q(to_date__gte=on))
                .count(),
                _("secondments"),
            ),
        ]
        if any(n for n, _w in held):
            what = ", ".join(f"{n} {w}" for n, w in held if n)
            found.append(
                blocker_text(
                    "kind_members_not_carried",
                    {"code": code, "kind": plan.request.kind_key, "found": what},
                )
            )
    return found


def _code(unit: Unit | None) -> str:
    return unit.code if unit is not None else "—"


def restructure_carried(
    *, request: Request, scope: Scope, plan: Plan, moves: Moves
) -> tuple[list[Carried], list[str]]:
    """What the restructure carries, as the actor may see it (the counts are of every record;
    the rows name only the people `scope` sees), and the blockers among it: people a split
    leaves unassigned."""
    everyone = {p.person_id for p in moves.staying} | moves.person_ids()
    everyone |= {c.person_id for c in moves.candidates_staying}
    everyone |= {c.person_id for c, _f, _t in moves.handovers}
    everyone |= {p.pk for p in moves.unassigned}
    everyone |= {s.person_id for s, _t, _r in moves.clashes}
    seen = visible_people(scope, everyone)

    def rows(items: list[tuple[int, str]]) -> list[str]:
        return [text for person_id, text in items if person_id in seen][:LISTED]

    postings = [(p.person_id, f"{p.person.full_name} @ {p.cell.code}") for p in moves.staying]
    postings += [
        (p.person_id, f"{p.person.full_name} @ {p.cell.code} → {t.code}") for p, t in moves.postings
    ]
    candidates = [
        (c.person_id, f"{c.person.full_name} @ {c.cell.code} ({c.stage_now})")
        for c in moves.candidates_staying
    ]
    candidates += [
        (c.person_id, f"{c.person.full_name} @ {c.cell.code} → {t.code} ({c.stage_now})")
        for c, t in moves.candidates
    ]
    grants = [
        f"#{g.pk} {g.user.get_username()} {g.role} @ {g.unit.code} → {t.code}"
        if t is not None
        else _("#%(id)s %(user)s %(role)s @ %(unit)s: stays, for a decision")
        % {"id": g.pk, "user": g.user.get_username(), "role": g.role, "unit": g.unit.code}
        for g, t in moves.grants
    ]
    secondments = [
        (s.person_id, f"{s.person.full_name} @ {s.cell.code} → {t.code} ({s.role})")
        for s, t in moves.secondments
    ]
    handovers = [
        (c.person_id, f"{c.person.full_name} @ {c.cell.code}: {_code(f)} → {_code(t)}")
        for c, f, t in moves.handovers
    ]
    carried = [
        Carried(
            _(
                "member postings in the cells below the sources: each stays in its cell, which "
                "moves with the tree, or goes to the cell shown from the date"
            ),
            len(postings),
            rows(postings),
        ),
        Carried(
            _(
                "candidates in progress: each keeps its stage, history and deadlines, in its cell "
                "or in the cell shown"
            ),
            len(candidates),
            rows(candidates),
        ),
        Carried(
            _(
                "grants on the units that close: each goes to the unit shown, or stays (it still "
                "covers the closed unit's past subtree) for a decision (--map grant:ID=TARGET)"
            ),
            len(grants),
            grants[:LISTED],
        ),
        Carried(
            _("secondments in the cells that close: each continues in the cell shown"),
            len(secondments),
            rows(secondments),
        ),
        Carried(
            _(
                "handovers: candidates whose competent committee changes (from the committee the "
                "day before to the one from the date)"
            ),
            len(handovers),
            rows(handovers),
        ),
    ]
    blockers = list(moves.blockers)
    hidden = 0
    for person in moves.unassigned:
        if person.pk in seen:
            blockers.append(
                _(
                    "%(name)s (%(person_id)s) is not assigned to any target of the split: map a "
                    "place where they live or work, or person:%(person_id)s=TARGET."
                )
                % {"name": person.full_name, "person_id": person.person_id}
            )
        else:
            hidden += 1
    if hidden:
        blockers.append(
            _("%(count)s other people are not assigned to any target of the split.")
            % {"count": hidden}
        )
    hidden = 0
    for secondment, target, recorded in moves.clashes:
        if secondment.person_id in seen:
            blockers.append(
                (
                    _(
                        "%(name)s (%(person_id)s) already has a secondment in %(target)s from "
                        "%(day)s: the secondment carried from %(code)s cannot start there the "
                        "same day. End or correct one of them first."
                    )
                    if recorded
                    else _(
                        "%(name)s (%(person_id)s) has secondments in two cells that close into "
                        "%(target)s on %(day)s (one in %(code)s): only one can continue there. "
                        "End one of them first."
                    )
                )
                % {
                    "name": secondment.person.full_name,
                    "person_id": secondment.person.person_id,
                    "target": target.code,
                    "day": written(request.on),
                    "code": secondment.cell.code,
                }
            )
        else:
            hidden += 1
    if hidden:
        blockers.append(
            _("%(count)s other people would have two secondments in one cell starting on %(day)s.")
            % {"count": hidden, "day": written(request.on)}
        )
    return carried, blockers


def restructure_plan_and_moves(
    *,
    request: Request,
    scope: Scope,
    split_weight: str = "members",
    target_values: TargetValues | None = None,
) -> tuple[Preview, Moves, dict[str, Unit]]:
    """The preview, and every record it moves (whatever `scope` sees), for apply."""
    plan = make_plan(request, restructure_facts(request))
    blockers = [blocker_text(b.key, dict(b.params)) for b in plan.blockers]
    units = plan_units(request, plan)
    moves = restructure_moves(plan=plan, units=units)
    carried, more = restructure_carried(request=request, scope=scope, plan=plan, moves=moves)
    more += _flip_blockers(plan, units)
    targets = targets_carry(plan=plan, split_weight=split_weight, target_values=target_values)
    more += targets.blockers
    carried.append(targets_carried(targets, request.on))
    preview = Preview(
        plan=plan,
        blockers=blockers + [b for b in more if b not in blockers],
        carried=carried,
        targets=targets,
    )
    return preview, moves, units


def restructure_preview_of(
    *,
    request: Request,
    scope: Scope,
    split_weight: str = "members",
    target_values: TargetValues | None = None,
) -> Preview:
    """The plan, its blockers worded, and what it carries (`split_weight` and `target_values`:
    the targets of a split, `restructure.targets`)."""
    return restructure_plan_and_moves(
        request=request, scope=scope, split_weight=split_weight, target_values=target_values
    )[0]


def targets_carried(carry: TargetCarry, on: dt.date) -> Carried:
    """The preview's rows of the targets a restructure carries."""
    return Carried(
        _("targets of the year and later on the sources, carried (merged by sum, or split)"),
        len(carry.handed),
        carry.rows(on),
    )


@dataclass(frozen=True)
class HandoverLine:
    """A handover of a candidate's dossier by a restructure, as the candidate's page says it."""

    on: dt.date
    from_name: str
    to_name: str
    document: str
    kind: str


def candidate_handovers(candidate_id: int) -> list[HandoverLine]:
    """The handovers restructures recorded for a candidate that stand (not undone), with the
    committees' names on the date: two queries, whatever their number."""
    found = list(
        Handover.objects.filter(candidate_id=candidate_id)
        .select_related("restructure", "from_unit", "to_unit")
        .order_by("on", "pk")
    )
    if not found:
        return []
    ids = {h.from_unit_id for h in found} | {h.to_unit_id for h in found}
    versions = list(UnitVersion.objects.filter(unit_id__in=[i for i in ids if i is not None]))

    def name(unit: Unit | None, day: dt.date) -> str:
        if unit is None:
            return "—"
        mine = sorted(
            (v for v in versions if v.unit_id == unit.pk),
            key=lambda v: v.valid_from or dt.date.min,
        )
        began = [v for v in mine if (v.valid_from or dt.date.min) <= day]
        chosen = began[-1] if began else mine[0] if mine else None
        return chosen.name if chosen else unit.code

    return [
        HandoverLine(
            on=h.on,
            from_name=name(h.from_unit, h.on - dt.timedelta(days=1)),
            to_name=name(h.to_unit, h.on),
            document=h.restructure.document,
            kind=h.restructure.get_kind_display(),
        )
        for h in found
    ]


def restructures_touching(unit: Unit, limit: int | None = None) -> list[Restructure]:
    """The restructures that touched `unit` (as a source, a target, a child a split mapped or a
    unit moved), newest first, at most `limit`: one query through the index of
    `RestructureUnit`, whatever the number of restructures in the country. The caller has
    checked that the user sees the unit."""
    found = Restructure.objects.filter(units__unit=unit).order_by("-effective_on", "-id")
    return list(found[:limit] if limit else found)


def restructures_of_unit(*, scope: Scope, code: str) -> list[Restructure] | None:
    """`restructures_touching` the unit of `code`; None when the unit is unknown or outside
    `scope`."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not scope.covers(unit.pk):
        return None
    return restructures_touching(unit)
