"""The tree walk over unit versions read from the database, on any date: what figures roll up.

`org.tree.Tree` is pure: the tree of one date, built from `tree.Version`s and keyed by code.
`VersionTree` holds the versions of some units as read (model rows, or `VersionShown` values),
every date at once, keyed by unit id, and finds the tree of a date as it walks it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models.expressions import RawSQL

from ranks.core.collation import sort_key
from ranks.org import sql
from ranks.org.models import UnitVersion
from ranks.org.tree import in_force


class VersionLike(Protocol):
    """A unit's version as the tree walks it: a model instance, or `VersionShown`."""

    @property
    def unit_id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def valid_from(self) -> dt.date | None: ...
    @property
    def valid_to(self) -> dt.date | None: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> Any: ...
    @property
    def kind(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class UnitCode:
    code: str


@dataclass(frozen=True, slots=True)
class KindShown:
    key: str
    order: int
    holds_members: bool


@dataclass(frozen=True, slots=True)
class VersionShown:
    """What the figures need of a unit's version, read as plain values: a province's children
    are hundreds of versions, and model instances cost more than the query that reads them."""

    unit_id: int
    parent_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    name: str
    unit: UnitCode
    kind: KindShown


_SHOWN_FIELDS = (
    "unit_id", "parent_id", "valid_from", "valid_to", "name", "unit__code",
    "kind__key", "kind__order", "kind__holds_members",
)  # fmt: skip


def _versions_shown(rows: Iterable[tuple[Any, ...]]) -> list[VersionShown]:
    kinds: dict[tuple[Any, ...], KindShown] = {}
    found = []
    for unit_id, parent_id, vf, vt, name, code, *kind in rows:
        shared = kinds.get(tuple(kind))
        if shared is None:
            shared = kinds[tuple(kind)] = KindShown(*kind)
        found.append(VersionShown(unit_id, parent_id, vf, vt, name, UnitCode(code), shared))
    return found


class VersionTree:
    """The versions of every unit ever below some roots, to walk up or down on any date (unlike
    `org.tree.Tree`, which is one date's tree of pure `tree.Version`s by code)."""

    def __init__(self, versions: Iterable[VersionLike]):
        self.by_unit: dict[int, list[Any]] = defaultdict(list)
        self._chains: dict[tuple[int, dt.date], list[int]] = {}
        for v in versions:
            self.by_unit[v.unit_id].append(v)

    @classmethod
    def below(cls, root_ids: list[int]) -> VersionTree:
        """One query: the versions of the units ever below the roots (and the roots')."""
        ids = RawSQL(*sql.subtree_ever_ids(root_ids))
        versions = UnitVersion.objects.filter(unit_id__in=ids).select_related("unit", "kind")
        return cls(versions)

    @classmethod
    def levels(cls, root_id: int, day: dt.date, depth: int) -> VersionTree:
        """The versions valid on `day` of the root and of the units within `depth` levels below
        it, as `VersionShown` values: one query a level."""
        versions = UnitVersion.objects.valid_on(day)
        level = _versions_shown(versions.filter(unit_id=root_id).values_list(*_SHOWN_FIELDS))
        found = list(level)
        for _level in range(depth):
            ids = [v.unit_id for v in level]
            if not ids:
                break
            level = _versions_shown(versions.filter(parent_id__in=ids).values_list(*_SHOWN_FIELDS))
            found += level
        return cls(found)

    def version(self, unit_id: int, day: dt.date) -> UnitVersion | None:
        for v in self.by_unit.get(unit_id, ()):
            if in_force(v.valid_from, v.valid_to, day):
                return v
        return None

    def chain(self, unit_id: int, day: dt.date) -> list[int]:
        """The unit and every unit above it on `day` that this tree holds (cached)."""
        key = (unit_id, day)
        cached = self._chains.get(key)
        if cached is None:
            cached = self._chains[key] = self._chain(unit_id, day)
        return cached

    def _chain(self, unit_id: int, day: dt.date) -> list[int]:
        found: list[int] = []
        current: int | None = unit_id
        while current is not None and len(found) < 64:
            v = self.version(current, day)
            if v is None:
                break
            found.append(current)
            current = v.parent_id
        return found

    def subtree(self, root_id: int, day: dt.date) -> list[tuple[UnitVersion, int]]:
        """(version, depth) of the root and every unit below it on `day`, parents first."""
        children: dict[int, list[UnitVersion]] = defaultdict(list)
        for unit_id in self.by_unit:
            v = self.version(unit_id, day)
            if v is not None and v.parent_id is not None:
                children[v.parent_id].append(v)
        root = self.version(root_id, day)
        if root is None:
            return []
        found: list[tuple[UnitVersion, int]] = []
        stack = [(root, 0)]
        while stack:  # depth first: each unit followed by the units below it
            version, depth = stack.pop()
            found.append((version, depth))
            kids = sorted(
                children.get(version.unit_id, ()), key=lambda v: (v.kind.order, sort_key(v.name))
            )
            stack += [(k, depth + 1) for k in reversed(kids)]
        return found
