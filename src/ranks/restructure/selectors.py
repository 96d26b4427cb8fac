"""Reads for restructures: the facts a plan is made from, what a later slice will carry, the
wording of blockers, and the restructures that touched a unit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ranks.access.models import Grant
from ranks.access.scope import Scope
from ranks.coverage.models import Secondment
from ranks.org.models import PlaceVersion, Unit, UnitKind, UnitVersion
from ranks.org.selectors import unit_ancestry, unit_subtree_ids
from ranks.org.tree import Version
from ranks.people.models import Posting
from ranks.pipeline.models import Candidate
from ranks.restructure.models import Restructure
from ranks.restructure.plan import Facts, PlaceVersionFact, Plan, Request, make_plan
from ranks.restructure.targets import TargetCarry, TargetValues, targets_carry

LISTED = 10  # rows shown of each thing carried later; the count says how many in all
CLOSED_STAGES = ("official", "removed")
CLOSED_SIDES = ("withdrawn", "ineligible")


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
    place_ids = (
        PlaceVersion.objects.valid_on(on)
        .filter(unit__code__in=request.sources)
        .values_list("place_id", flat=True)
    )
    places: dict[str, list[PlaceVersionFact]] = defaultdict(list)
    for code, unit, start, end in (
        PlaceVersion.objects.filter(place_id__in=list(place_ids))
        .order_by("place__code", "valid_from")
        .values_list("place__code", "unit__code", "valid_from", "valid_to")
    ):
        places[code].append(PlaceVersionFact(code, unit, start, end))
    ancestors = {}
    for target in Unit.objects.filter(code__in=request.targets):
        ancestors[target.code] = [v.unit.code for v in unit_ancestry(target, on)]
    kinds = dict(UnitKind.objects.values_list("key", "holds_members"))
    return Facts(
        versions=versions, children=children, places=places, ancestors=ancestors, kinds=kinds
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
        "members_not_carried": _(
            "%(code)s keeps members: their postings, candidates and secondments are not yet "
            "carried by a restructure; transfer them first."
        ),
        "kind_members_not_carried": _(
            "Changing %(code)s to %(kind)s changes whether it keeps members; that is not yet "
            "carried by a restructure."
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
    return texts[key] % params


@dataclass
class Carried:
    """Records that a later slice will carry: how many, and the first few."""

    label: str
    count: int
    rows: list[str] = field(default_factory=list)
    # Carried by this restructure (its targets), not left for a later slice.
    carries: bool = False


@dataclass
class Preview:
    plan: Plan
    blockers: list[str]
    carried: list[Carried]
    targets: TargetCarry | None = None  # what apply does to targets (`restructure.targets`)

    @property
    def ok(self) -> bool:
        return not self.blockers


def _cells_below(codes: tuple[str, ...], day: dt.date) -> list[int]:
    roots = list(Unit.objects.filter(code__in=codes).values_list("pk", flat=True))
    if not roots:
        return []
    return unit_subtree_ids(roots, day)


def restructure_carried(
    *, request: Request, scope: Scope, closes: list[str]
) -> tuple[list[Carried], list[str]]:
    """What the sources hold that a later slice will carry (read only), and the blockers among
    them (none yet: the targets are carried, `restructure.targets`)."""
    on = request.on
    below = _cells_below(request.sources, on)
    postings = scope.people(
        Posting.objects.valid_on(on).filter(cell_id__in=below), path="person_id"
    ).select_related("person", "cell")
    candidates = scope.people(
        Candidate.objects.filter(cell_id__in=below)
        .exclude(stage_now__in=CLOSED_STAGES)
        .exclude(side_now__in=CLOSED_SIDES),
        path="person_id",
    ).select_related("person", "cell")
    grants = Grant.objects.filter(unit__code__in=request.sources).select_related("unit", "user")
    secondments = scope.people(
        Secondment.objects.filter(cell_id__in=below)
        .filter(from_date__lte=on)
        .exclude(to_date__lt=on),
        path="person_id",
    ).select_related("person", "cell")
    carried = [
        Carried(
            _("member postings in the cells below the sources"),
            postings.count(),
            [f"{p.person.full_name} @ {p.cell.code}" for p in postings[:LISTED]],
        ),
        Carried(
            _("candidates in progress"),
            candidates.count(),
            [f"{c.person.full_name} @ {c.cell.code} ({c.stage_now})" for c in candidates[:LISTED]],
        ),
        Carried(
            _("grants on the sources"),
            grants.count(),
            [f"{g.user.get_username()} {g.role} @ {g.unit.code}" for g in grants[:LISTED]],
        ),
        Carried(
            _("secondments in the cells below the sources"),
            secondments.count(),
            [f"{s.person.full_name} @ {s.cell.code} ({s.role})" for s in secondments[:LISTED]],
        ),
    ]
    blockers: list[str] = []
    return carried, blockers


def restructure_preview_of(
    *,
    request: Request,
    scope: Scope,
    split_weight: str = "members",
    target_values: TargetValues | None = None,
) -> Preview:
    """The plan, its blockers worded, the targets it carries and what a later slice will carry."""
    plan = make_plan(request, restructure_facts(request))
    blockers = [blocker_text(b.key, dict(b.params)) for b in plan.blockers]
    carried, more = restructure_carried(request=request, scope=scope, closes=plan.closes)
    targets = targets_carry(plan=plan, split_weight=split_weight, target_values=target_values)
    more += targets.blockers
    carried.append(targets_carried(targets, request.on))
    return Preview(
        plan=plan,
        blockers=blockers + [b for b in more if b not in blockers],
        carried=carried,
        targets=targets,
    )


def targets_carried(carry: TargetCarry, on: dt.date) -> Carried:
    """The preview's rows of the targets a restructure carries."""
    return Carried(
        _("targets of the year and later on the sources, carried (merged by sum, or split)"),
        len(carry.handed),
        carry.rows(on),
        carries=True,
    )


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
