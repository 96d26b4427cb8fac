"""Importing units: one row per period of a unit, parents before children, loops refused.

`UnitsHandler` (every import) checks a batch of rows with a few queries and writes it with bulk
statements; `UnitsRowHandler` (`ranks import --row-by-row`) writes one row at a time through
`unit_version_save`. Both call the same checks of `ranks.org.services`, report the same errors
and record the same audit entries.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from ranks.core import bulk
from ranks.core.audit import Change, audit_record_many, snapshot
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.interchange.engine import Context, Reject, Row, run_row
from ranks.interchange.handlers.base import Handler, write_and_tell
from ranks.org import services
from ranks.org.models import Unit, UnitKind, UnitVersion
from ranks.org.tree import parent_first


def _loop_message(loop: list[str]) -> str:
    return _("The parent links of these rows form a loop: %(loop)s.") % {"loop": " → ".join(loop)}


def _fields(row: Row, existing: UnitVersion | None, parent_code: str | None) -> dict[str, Any]:
    """What the row asks for; columns the file does not have keep what the database has."""
    fields = {
        "name": row.values["name"],
        "kind": row.values["kind"],
        "parent_code": parent_code,
        "valid_to": row.values.get("valid_to"),
        "can_admit": bool(row.values.get("can_admit")),
        "area_flags": row.values.get("area_flags") or [],
        "admin_code": row.values.get("admin_code") or "",
        "latitude": None,
        "longitude": None,
    }
    if existing:
        for key, current in (
            ("valid_to", existing.valid_to),
            ("can_admit", existing.can_admit),
            ("area_flags", existing.area_flags),
        ):
            if key not in row.values:
                fields[key] = current
        if "admin_code" not in row.values:
            fields["admin_code"] = existing.admin_code
        fields["latitude"] = existing.latitude
        fields["longitude"] = existing.longitude
    return fields


def _parent_of(row: Row, stored_parent: str | None, existing) -> tuple[str | None, bool]:
    """The parent the row gives (a file without the column keeps the stored one), and whether
    it is the one this period already has: that one may stay even outside the user's units (a
    commune's officer re-imports her commune's row, whose parent is the district above her)."""
    parent_code = row.values.get("parent_code")
    if existing and "parent_code" not in row.values:
        parent_code = stored_parent
    return parent_code, existing is not None and parent_code == stored_parent


def _as_reject(error: DomainError) -> Reject | DomainError:
    if error.field == "parent":  # the services' name for the parent_code column
        return Reject("parent_code", str(error))
    return error


class UnitsRowHandler(Handler):
    """One row at a time through `unit_version_save` (the reference path)."""

    load_all = True
    batch_size = 200

    def order(self, rows: list[Row]) -> list[Row]:
        """Rows whose parent is in the file come after the rows of that parent; loops are errors."""
        by_code: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_code[row.values["code"]].append(row)
        codes, loops, _broken = parent_first(
            {code: [r.values.get("parent_code") for r in rs] for code, rs in by_code.items()}
        )
        for loop in loops:
            for looped in set(loop):
                for row in by_code[looped]:
                    self.ctx.error(row, "parent_code", _loop_message(loop))
        ordered: list[Row] = []
        for code in codes:
            ordered.extend(
                sorted(
                    by_code[code],
                    key=lambda r: (
                        r.values.get("valid_from") is not None,
                        r.values.get("valid_from"),
                    ),
                )
            )
        return ordered

    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, partial(self.write, row))

    def write(self, row: Row) -> str:
        code = row.values["code"]
        existing = (
            UnitVersion.objects.filter(unit__code=code, valid_from=row.values.get("valid_from"))
            .select_related("kind", "parent")
            .first()
        )
        stored_parent = existing.parent.code if existing and existing.parent else None
        parent_code, kept = _parent_of(row, stored_parent, existing)
        visible = self.ctx.scope.unit(code) is not None
        self.own_code(Unit, code, visible)
        fields = _fields(row, existing, parent_code)
        start = row.values.get("valid_from")
        if parent_code and not kept:
            parent = self.unit_in_scope(
                parent_code,
                "parent_code",
                _("Unknown parent code: %(code)s.") % {"code": parent_code},
            )
            try:
                services.check_parent_during(
                    parent_code, parent.versions.all(), start, fields["valid_to"]
                )
            except DomainError as error:
                raise _as_reject(error) from error
        elif not parent_code and not kept and not self.ctx.scope.full:
            raise Reject(
                "parent_code", _("Only a user with full access may import a unit without a parent.")
            )
        try:
            return write_and_tell(
                existing is not None,
                lambda: services.unit_version_save(
                    actor=self.ctx.actor, code=code, valid_from=start, **fields
                ),
            )
        except DomainError as error:
            raise _as_reject(error) from error


@dataclass
class _Period:
    """A period of a code for the overlap check: stored, or accepted earlier in the round."""

    pk: int
    valid_from: dt.date | None
    valid_to: dt.date | None


@dataclass
class _State:
    """What the database holds about the codes of some rows (one round of checks)."""

    units: dict[str, int]  # code → Unit pk
    visible: set[str] | None  # codes in the user's units (None: all)
    versions: dict[tuple[str, dt.date | None], UnitVersion]
    periods: dict[str, dict[int, _Period]]  # code → version pk → period
    accepted: set[str] = field(default_factory=set)  # codes with a row accepted this round

    def seen(self, code: str) -> bool:
        if self.visible is None:
            return code in self.units or code in self.accepted
        return code in self.units and code in self.visible


@dataclass
class _Plan:
    """An accepted row: the version it writes, and the state before."""

    row: Row
    code: str
    existing: UnitVersion | None
    fields: dict[str, Any]
    before: dict[str, Any] | None = None
    version: UnitVersion | None = None
    changed: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


_WAIT = object()  # the parent has rows in this round, still to be checked
_DEFER = object()  # the parent is not (yet) there: try again at the end of the import

VERSION_FIELDS = [
    "name",
    "kind",
    "parent",
    "valid_to",
    "can_admit",
    "area_flags",
    "admin_code",
    "latitude",
    "longitude",
]


class UnitsHandler(Handler):
    """Set-based: a batch is checked with a fixed number of queries and written with bulk
    statements. Rows stream in file order; a row whose parent is in the same batch waits for the
    parent's rows (a few rounds per batch, as deep as the tree in the batch), and a row whose
    parent is neither in the database nor seen yet is kept aside and tried again at the end of the
    import (memory grows with rows out of order only). A loop is found after each round is
    written, by one query that walks up from every version written."""

    batch_size = 5000

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.deferred: list[Row] = []
        self._kinds: dict[str, UnitKind] | None = None
        self._new_pk = itertools.count(-1, -1)

    @property
    def kinds(self) -> dict[str, UnitKind]:
        if self._kinds is None:
            self._kinds = {k.key: k for k in UnitKind.objects.all()}
        return self._kinds

    def handle(self, rows: list[Row]) -> None:
        self.deferred.extend(self.rounds(rows, final=False))

    def finish(self) -> None:
        """Rows kept aside: those whose parent came later go in, the others are errors."""
        rows, self.deferred = self.deferred, []
        while rows:  # a pass per level of rows that came before their parents
            left: list[Row] = []
            for i in range(0, len(rows), self.batch_size):
                left.extend(self.rounds(rows[i : i + self.batch_size], final=False))
            if len(left) == len(rows):
                break
            rows = left
        if not rows:
            return
        # What is left cannot go in. Rows whose parent links loop are named with the loop (the
        # rows below a loop need no message of their own); every other row gets its error.
        by_code: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_code[row.values["code"]].append(row)
        _codes, loops, broken = parent_first(
            {code: [r.values.get("parent_code") for r in rs] for code, rs in by_code.items()}
        )
        for loop in loops:
            for looped in set(loop):
                for row in by_code[looped]:
                    self.ctx.error(row, "parent_code", _loop_message(loop))
        rest = [row for row in rows if row.values["code"] not in broken]
        for i in range(0, len(rest), self.batch_size):
            self.rounds(rest[i : i + self.batch_size], final=True)

    def rounds(self, rows: list[Row], final: bool) -> list[Row]:
        """Check and write `rows` in rounds; return the rows that could not be decided."""
        pending = rows
        kept_aside: list[Row] = []
        while pending:
            decided, waiting, deferred = self.round(pending, final)
            kept_aside.extend(deferred)
            if not decided:
                return kept_aside + waiting  # no progress: they wait for each other
            pending = waiting
        return kept_aside

    def round(self, rows: list[Row], final: bool) -> tuple[int, list[Row], list[Row]]:
        ctx = self.ctx
        state = self.load(rows)
        undecided = Counter(row.values["code"] for row in rows)
        plans: list[_Plan] = []
        waiting: list[Row] = []
        deferred: list[Row] = []
        decided = 0
        for row in rows:
            try:
                plan = self.check(row, state, undecided, final)
            except Reject as reject:
                ctx.error(row, reject.column, reject.message)
                decided += 1
                continue
            except DomainError as error:
                ctx.error(row, error.field or "code", str(error))
                decided += 1
                continue
            finally:
                undecided[row.values["code"]] -= 1
            if plan is _WAIT:
                undecided[row.values["code"]] += 1  # still to come
                waiting.append(row)
            elif plan is _DEFER:
                deferred.append(row)
            else:
                plans.append(plan)
                decided += 1
        self.write(plans, state)
        return decided + len(deferred), waiting, deferred

    def load(self, rows: list[Row]) -> _State:
        """Three queries (four with a limited scope) for the codes the rows name."""
        codes = {row.values["code"] for row in rows}
        codes |= {row.values["parent_code"] for row in rows if row.values.get("parent_code")}
        units = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
        visible = None
        if not self.ctx.scope.full:
            visible = set(
                self.ctx.scope.units(Unit.objects.filter(code__in=list(units))).values_list(
                    "code", flat=True
                )
            )
        versions: dict[tuple[str, dt.date | None], UnitVersion] = {}
        periods: dict[str, dict[int, _Period]] = defaultdict(dict)
        query = UnitVersion.objects.filter(unit_id__in=list(units.values())).annotate(
            _code=F("unit__code"), _parent_code=F("parent__code")
        )
        for version in query:
            versions[(version._code, version.valid_from)] = version
            if version.parent_id is not None:  # a stored parent a row without the column keeps
                units.setdefault(version._parent_code, version.parent_id)
            periods[version._code][version.pk] = _Period(
                version.pk, version.valid_from, version.valid_to
            )
        return _State(units, visible, versions, periods)

    def check(self, row: Row, state: _State, undecided: Counter, final: bool):
        """The checks of the row path, in the same order, on the loaded state."""
        ctx = self.ctx
        code = row.values["code"]
        start = row.values.get("valid_from")
        existing = state.versions.get((code, start))
        stored_parent = existing._parent_code if existing else None  # type: ignore[attr-defined]  # annotated by load()
        parent_code, kept = _parent_of(row, stored_parent, existing)
        if not ctx.scope.full and code in state.units and not state.seen(code):
            raise Reject(
                "code",
                _("This code is already used outside your units: %(code)s.") % {"code": code},
            )
        fields = _fields(row, existing, parent_code)
        if parent_code and not kept:
            if parent_code != code and (
                undecided[parent_code] > 0
                or (state.visible is not None and parent_code in state.accepted)
            ):
                # The parent's rows come first (in a later round when the parent's rows come
                # later in the batch; with a limited scope, once they are written, so that the
                # scope query sees them).
                return _WAIT
            if not state.seen(parent_code):
                if not final:
                    return _DEFER
                raise Reject(
                    "parent_code", _("Unknown parent code: %(code)s.") % {"code": parent_code}
                )
            try:
                services.check_parent_during(
                    parent_code,
                    state.periods[parent_code].values(),
                    start,
                    fields["valid_to"],
                )
            except DomainError as error:
                if not final:
                    return _DEFER  # the parent's period may come later in the file
                raise _as_reject(error) from error
        elif not parent_code and not kept and not ctx.scope.full:
            raise Reject(
                "parent_code", _("Only a user with full access may import a unit without a parent.")
            )
        # What unit_version_save checks, in its order.
        services.check_unit_text(code, fields["name"])
        services.check_period(start, fields["valid_to"])
        kind = services.unit_kind(fields["kind"], self.kinds)
        flags = services.clean_flags(fields["area_flags"])
        if parent_code and parent_code not in state.units and parent_code not in state.accepted:
            raise Reject("parent_code", _("Unknown parent code: %(code)s.") % {"code": parent_code})
        periods = state.periods[code]
        services.check_no_overlap(
            periods.values(),
            start,
            fields["valid_to"],
            exclude_pk=existing.pk if existing else None,
        )
        if parent_code and parent_code == code and code in state.units:
            raise _as_reject(services.self_parent_error())
        # Accepted: later rows of this round see its period.
        key = existing.pk if existing else next(self._new_pk)
        periods[key] = _Period(key, start, fields["valid_to"])
        state.accepted.add(code)
        plan = _Plan(row=row, code=code, existing=existing, fields=fields)
        plan.extra = {"kind": kind, "flags": flags}
        return plan

    def write(self, plans: list[_Plan], state: _State) -> None:
        """Write the accepted rows; rows whose parent links loop are errors, and the rest is
        written again without them."""
        while True:
            try:
                with transaction.atomic():
                    looped = self._write(plans, state)
                    if looped:
                        raise _Looped(looped)
                break
            except _Looped as error:
                for plan in error.plans:
                    self.ctx.error(
                        plan.row,
                        "parent_code",
                        str(services.cycle_error(plan.row.values.get("valid_from"))),
                    )
                bad = {id(p) for p in error.plans}
                plans = [p for p in plans if id(p) not in bad]
        changes = []
        for plan in plans:
            if not plan.changed:
                self.ctx.outcome("unchanged")
                continue
            assert plan.version is not None  # _write made one for every plan
            created = plan.existing is None
            changes.append(
                Change(
                    "ranks.org.unit.version_created"
                    if created
                    else "ranks.org.unit.version_updated",
                    "unit",
                    plan.code,
                    plan.before,
                    snapshot(plan.version),
                )
            )
            self.ctx.outcome("created" if created else "updated")
        audit_record_many(self.ctx.actor, changes)

    def _write(self, plans: list[_Plan], state: _State) -> list[_Plan]:
        units = dict(state.units)
        new_units: dict[str, Unit] = {}
        for plan in plans:
            if plan.code not in units and plan.code not in new_units:
                new_units[plan.code] = Unit(code=plan.code)  # the pk is set by the insert below
        bulk.insert(Unit, list(new_units.values()))
        for unit in new_units.values():
            units[unit.code] = unit.pk

        creates: list[UnitVersion] = []
        updates: list[UnitVersion] = []
        # The units whose place in the tree or whose area flags change: what is counted above
        # their cells, and the coverage of their places by flag, move.
        moved: list[int] = []
        for plan in plans:
            f = plan.fields
            existing = plan.existing
            if existing is not None:
                plan.before = snapshot(existing)
                version = UnitVersion(**{a: getattr(existing, a) for a in _ATTNAMES})
                version._state.adding = False
            else:
                version = UnitVersion(
                    unit_id=units[plan.code], valid_from=plan.row.values.get("valid_from")
                )
            version.name = f["name"].strip()
            version.kind = plan.extra["kind"]
            version.parent_id = units[f["parent_code"]] if f["parent_code"] else None
            version.valid_to = f["valid_to"]
            version.can_admit = f["can_admit"]
            version.area_flags = plan.extra["flags"]
            version.admin_code = f["admin_code"]
            version.latitude = f["latitude"]
            version.longitude = f["longitude"]
            plan.version = version
            if existing is not None:
                assert plan.before is not None  # taken above
                after = snapshot(version)
                plan.changed = {k: v for k, v in plan.before.items() if k != "id"} != {
                    k: v for k, v in after.items() if k != "id"
                }
                if plan.changed:
                    updates.append(version)
            else:
                creates.append(version)
            if (existing is None and plan.code in state.units) or (
                existing is not None
                and plan.changed
                and (existing.parent_id, existing.valid_to, existing.area_flags)
                != (version.parent_id, version.valid_to, version.area_flags)
            ):
                moved.append(version.unit_id)
        with moving(units=moved):
            bulk.insert(UnitVersion, creates)
            bulk.update(UnitVersion, updates, VERSION_FIELDS)
            # Only a unit that was there before this round can have something below it to loop
            # through: a unit created now has no children yet. A loop is refused before the
            # counters walk up the tree it makes.
            written = {
                v.pk: p
                for p in plans
                if p.changed
                and (v := p.version) is not None
                and v.parent_id is not None
                and p.code in state.units
            }
            looped = services.versions_below_themselves(list(written))
            if looped:
                raise _Looped([written[pk] for pk in sorted(looped)])
        state.units.update(units)
        return []


_ATTNAMES = [f.attname for f in UnitVersion._meta.concrete_fields]


class _Looped(Exception):
    def __init__(self, plans: list[_Plan]):
        super().__init__("parent links loop")
        self.plans = plans
