"""The plan of a restructure from the tree of its date: pure, no Django import.

Facts in (the versions of the units and places it touches), steps and blockers out. A blocker is
a key and its parameters; the selectors word it in the user's language. The past is never
rewritten: a unit or place changes by a new version from the effective date, and a source closes
the day before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ranks.org.tree import Version

KINDS = ("merge", "split", "move", "rename", "dissolve", "change_kind")
# Mapping keys of a split that name a record rather than a unit or place: `person:P-12=Y`
# assigns a person of the source cell, `grant:7=Y` moves a grant on the source.
PERSON_KEY = "person:"
GRANT_KEY = "grant:"
RECORD_KEYS = (PERSON_KEY, GRANT_KEY)


@dataclass(frozen=True)
class PlaceVersionFact:
    code: str
    unit: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class Request:
    kind: str
    on: dt.date
    sources: tuple[str, ...]
    targets: tuple[str, ...] = ()
    name: str = ""
    kind_key: str = ""
    # A split: the target of each child unit and place of the source.
    mapping: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Facts:
    """What the tree says around the request, read by the selector.

    `versions`: every version of each source, target and child of a source on the date.
    `children`: the units below each source on the date. `places`: every version of each place
    that belongs to a source on the date, by place code. `ancestors`: the units above each target
    on the date. `kinds`: the known unit kinds and whether each keeps members. `linked`: the
    places linked to each source that keeps members (a cell) on the date, which a split of the
    cell may map to assign the people who live or work there."""

    versions: Mapping[str, Sequence[Version]]
    children: Mapping[str, Sequence[str]]
    places: Mapping[str, Sequence[PlaceVersionFact]]
    ancestors: Mapping[str, Sequence[str]]
    kinds: Mapping[str, bool]
    linked: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Blocker:
    key: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitStep:
    """From the date, the unit has a new version with this parent, name and kind."""

    code: str
    parent: str | None
    name: str
    kind: str
    was_parent: str | None
    was_name: str
    was_kind: str


@dataclass(frozen=True)
class PlaceStep:
    """From the date, the place belongs to `unit`, and each cell of `cells` it is linked to (a
    cell that closes) is replaced by the cell that takes its people: (closed cell, successor).
    A place whose cell alone changes keeps its unit (`unit == was_unit`)."""

    code: str
    unit: str
    was_unit: str
    cells: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Carry:
    """A source that closes while it keeps members: its postings, candidates in progress and
    secondments go to `target` from the date; to the targets of the split by assignment when
    `target` is None in a split; nowhere in a dissolution without successor (then it must hold
    none)."""

    source: str
    target: str | None


@dataclass
class Plan:
    request: Request
    units: list[UnitStep] = field(default_factory=list)
    places: list[PlaceStep] = field(default_factory=list)
    closes: list[str] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    carries: list[Carry] = field(default_factory=list)
    # Units whose change of kind changes whether they keep members: allowed only when they
    # hold no posting, candidate or secondment on the date (the selector checks).
    flips: list[str] = field(default_factory=list)
    # Places linked to a cell that closes: place code → {closed cell: the cell that takes it}.
    relinks: dict[str, dict[str, str]] = field(default_factory=dict)

    def block(self, key: str, **params: object) -> None:
        blocker = Blocker(key, {k: str(v) for k, v in params.items()})
        if blocker not in self.blockers:
            self.blockers.append(blocker)


def written(day: dt.date | None) -> str:
    """A date in a message, as dates are written in Vietnam (in both languages): DD/MM/YYYY."""
    return day.strftime("%d/%m/%Y") if day else "…"


def version_on(versions: Sequence[Version], day: dt.date) -> Version | None:
    return next((v for v in versions if v.valid_on(day)), None)


def _changeable(plan: Plan, facts: Facts, code: str) -> Version | None:
    """The version of `code` in force on the date, if a new version can start then: it must be
    in force, not start on the date itself, and have no later version (those would keep the old
    parent, or be rewritten)."""
    on = plan.request.on
    versions = facts.versions.get(code, ())
    current = version_on(versions, on)
    if current is None:
        plan.block("not_in_force", code=code, day=on)
        return None
    if current.valid_from == on:
        plan.block("starts_on_date", code=code, day=on)
        return None
    later = [v for v in versions if v.valid_from is not None and v.valid_from > on]
    if later:
        plan.block("later_versions", code=code, day=later[0].valid_from)
        return None
    return current


def _target(plan: Plan, facts: Facts, code: str) -> Version | None:
    """A target must be in force on the date and stay open: the units moved under it would
    otherwise hang below a closed unit."""
    on = plan.request.on
    versions = facts.versions.get(code, ())
    current = version_on(versions, on)
    if current is None:
        plan.block("target_not_in_force", code=code, day=on)
        return None
    last = max(versions, key=lambda v: v.start)
    if last.valid_to is not None:
        plan.block("target_closes", code=code, day=last.valid_to)
    return current


def _keeps_members(facts: Facts, version: Version) -> bool:
    return facts.kinds.get(version.kind, False)


def _reparent(plan: Plan, facts: Facts, code: str, parent: str, name: str = "") -> None:
    """From the date, `code` hangs below `parent` (and bears `name`, if given)."""
    current = _changeable(plan, facts, code)
    if current is None:
        return
    if code == parent or code in facts.ancestors.get(parent, ()):
        plan.block("cycle", code=code, parent=parent)
        return
    plan.units.append(
        UnitStep(
            code=code,
            parent=parent,
            name=name or current.name,
            kind=current.kind,
            was_parent=current.parent,
            was_name=current.name,
            was_kind=current.kind,
        )
    )


def _changeable_place(plan: Plan, facts: Facts, code: str) -> PlaceVersionFact | None:
    """The version of the place in force on the date, if a new version can start then."""
    on = plan.request.on
    versions = facts.places.get(code, ())
    current = next((v for v in versions if v.valid_on(on)), None)
    if current is None:  # read from the tree of the date, so always there
        return None
    if current.valid_from == on:
        plan.block("place_starts_on_date", code=code, day=on)
        return None
    later = [v for v in versions if v.valid_from is not None and v.valid_from > on]
    if later:
        plan.block("place_later_versions", code=code, day=later[0].valid_from)
        return None
    return current


def _move_place(plan: Plan, facts: Facts, code: str, unit: str) -> None:
    current = _changeable_place(plan, facts, code)
    if current is not None:
        plan.places.append(PlaceStep(code=code, unit=unit, was_unit=current.unit))


def _keeps_members_on(facts: Facts, code: str, day: dt.date) -> bool:
    version = version_on(facts.versions.get(code, ()), day)
    return version is not None and _keeps_members(facts, version)


def _close(
    plan: Plan, facts: Facts, code: str, successors: Sequence[str] = (), split: bool = False
) -> Version | None:
    """Close `code` the day before the date; a source that keeps members carries its people to
    its successor (or, in a split, to the targets by assignment), which must keep members too."""
    on = plan.request.on
    if _keeps_members_on(facts, code, on):
        for target in successors:
            if not _keeps_members_on(facts, target, on):
                plan.block("target_keeps_no_members", code=code, target=target)
                return None
    current = _changeable(plan, facts, code)
    if current is None:
        return None
    plan.closes.append(code)
    if _keeps_members(facts, current):
        plan.carries.append(Carry(code, successors[0] if successors and not split else None))
        # The places linked to the cell are linked, from the date, to the cell that takes its
        # people: the successor, or in a split the target the map sends the place to (a place
        # the map does not name keeps its link).
        for place in facts.linked.get(code, ()):
            if split:
                goes = plan.request.mapping.get(place)
            else:
                goes = successors[0] if successors else None
            if goes is not None and goes in successors:
                plan.relinks.setdefault(place, {})[code] = goes
    return current


def _relink(plan: Plan, facts: Facts) -> None:
    """Put the new links of the places linked to a cell that closes into the plan's place steps:
    on the new version of a place that moves, or on a new version of its own."""
    if not plan.relinks:
        return
    steps = {s.code: s for s in plan.places}
    for code, links in sorted(plan.relinks.items()):
        cells = tuple(sorted(links.items()))
        step = steps.get(code)
        if step is not None:
            steps[code] = PlaceStep(step.code, step.unit, step.was_unit, cells)
            continue
        current = _changeable_place(plan, facts, code)
        if current is not None:
            steps[code] = PlaceStep(code, current.unit, current.unit, cells)
    plan.places = list(steps.values())


def _places_of(facts: Facts, source: str, on: dt.date) -> list[str]:
    return sorted(
        code
        for code, versions in facts.places.items()
        if any(v.valid_on(on) and v.unit == source for v in versions)
    )


def _count(plan: Plan, what: str, found: int, least: int, most: int | None) -> bool:
    if found < least or (most is not None and found > most):
        plan.block(f"{what}_count", found=found, least=least, most=most if most else "…")
        return False
    return True


def _merge_into(plan: Plan, facts: Facts, target: str) -> None:
    req = plan.request
    if target in req.sources:
        plan.block("target_is_source", code=target)
        return
    if _target(plan, facts, target) is None:
        return
    for source in req.sources:
        if source in facts.ancestors.get(target, ()):
            plan.block("cycle", code=source, parent=target)
            continue
        if _close(plan, facts, source, (target,)) is None:
            continue
        for child in facts.children.get(source, ()):
            if child not in req.sources:  # a source below another closes with the rest
                _reparent(plan, facts, child, target)
        for place in _places_of(facts, source, req.on):
            _move_place(plan, facts, place, target)


def _split(plan: Plan, facts: Facts) -> None:
    req = plan.request
    source = req.sources[0]
    for target in req.targets:
        if target == source:
            plan.block("target_is_source", code=target)
            return
        if source in facts.ancestors.get(target, ()):
            plan.block("cycle", code=source, parent=target)
            return
        _target(plan, facts, target)
    if _close(plan, facts, source, req.targets, split=True) is None:
        return
    children = list(facts.children.get(source, ()))
    places = _places_of(facts, source, req.on)
    known = set(children) | set(places) | set(facts.linked.get(source, ()))
    for code in sorted(set(req.mapping) - known):
        if not code.startswith(RECORD_KEYS):  # the selector checks the records named
            plan.block("mapping_unknown", code=code, source=source)
    for code, target in sorted(req.mapping.items()):
        if target not in req.targets:
            plan.block("mapping_not_target", code=code, target=target)
    for child in children:
        if child not in req.mapping:
            plan.block("unassigned", code=child)
        elif req.mapping[child] in req.targets:
            _reparent(plan, facts, child, req.mapping[child])
    for place in places:
        if place not in req.mapping:
            plan.block("unassigned", code=place)
        elif req.mapping[place] in req.targets:
            _move_place(plan, facts, place, req.mapping[place])


def _renew(plan: Plan, facts: Facts, code: str, *, name: str = "", kind: str = "") -> None:
    current = _changeable(plan, facts, code)
    if current is None:
        return
    if kind:
        if kind not in facts.kinds:
            plan.block("unknown_kind", kind=kind)
            return
        if kind == current.kind:
            plan.block("nothing_changes", code=code)
            return
        if facts.kinds[kind] != _keeps_members(facts, current):
            plan.flips.append(code)
    if name and name == current.name and not kind:
        plan.block("nothing_changes", code=code)
        return
    plan.units.append(
        UnitStep(
            code=code,
            parent=current.parent,
            name=name or current.name,
            kind=kind or current.kind,
            was_parent=current.parent,
            was_name=current.name,
            was_kind=current.kind,
        )
    )


def make_plan(request: Request, facts: Facts) -> Plan:
    """The steps of `request` on the tree of its date, and everything that blocks it."""
    plan = Plan(request)
    kind, sources, targets = request.kind, request.sources, request.targets
    if kind not in KINDS:
        plan.block("unknown_restructure_kind", kind=kind)
        return plan
    if len(set(sources)) != len(sources):
        plan.block("repeated_source")
        return plan
    if kind == "merge":
        if _count(plan, "source", len(sources), 1, None) & _count(
            plan, "target", len(targets), 1, 1
        ):
            _merge_into(plan, facts, targets[0])
    elif kind == "dissolve":
        if _count(plan, "source", len(sources), 1, None) & _count(
            plan, "target", len(targets), 0, 1
        ):
            if targets:
                _merge_into(plan, facts, targets[0])
            else:
                for source in sources:
                    below = list(facts.children.get(source, ())) + _places_of(
                        facts, source, request.on
                    )
                    if below:
                        plan.block("no_successor", code=source, below=", ".join(below))
                    else:
                        _close(plan, facts, source)
    elif kind == "split":
        if _count(plan, "source", len(sources), 1, 1) & _count(
            plan, "target", len(targets), 2, None
        ):
            _split(plan, facts)
    elif kind == "move":
        # A move may carry a new name on the same date: then it moves one unit.
        name = request.name.strip()
        if _count(plan, "source", len(sources), 1, 1 if name else None) & _count(
            plan, "target", len(targets), 1, 1
        ) and _target(plan, facts, targets[0]):
            for source in sources:
                _reparent(plan, facts, source, targets[0], name)
    elif kind == "rename":
        if not request.name.strip():
            plan.block("name_missing")
        elif _count(plan, "source", len(sources), 1, 1) & _count(
            plan, "target", len(targets), 0, 0
        ):
            _renew(plan, facts, sources[0], name=request.name.strip())
    elif kind == "change_kind":
        if not request.kind_key:
            plan.block("kind_missing")
        elif _count(plan, "source", len(sources), 1, 1) & _count(
            plan, "target", len(targets), 0, 0
        ):
            _renew(plan, facts, sources[0], kind=request.kind_key, name=request.name.strip())
    _relink(plan, facts)
    return plan


def assign_people(
    places: Mapping[str, Sequence[str]], mapping: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """The target of each person of a cell that a split closes, and those left unassigned.

    `places`: each person's places on the date (where they live, then where they work);
    `mapping`: the split's mapping. An entry `person:ID` names the person's target; otherwise
    the first of their places that the mapping names decides."""
    assigned: dict[str, str] = {}
    unassigned: list[str] = []
    for person, theirs in sorted(places.items()):
        target = mapping.get(PERSON_KEY + person) or next(
            (mapping[p] for p in theirs if p in mapping), None
        )
        if target is None:
            unassigned.append(person)
        else:
            assigned[person] = target
    return assigned, unassigned
