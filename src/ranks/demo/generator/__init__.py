"""Pure: the plan of a demo province built on Vietnam's real administrative units.

`build_plan("Hải Dương", seed=2025, sizes=Sizes(), today=...)` reads the province's districts
and communes from `vietnamadminunits`, invents villages, cells, people, memberships and
candidates with seeded randomness, and returns plain data (`Plan`) for a writer to store. The
province is a parameter: any of the 63 provinces before the 2025 reform works, so the same
generator can build the national data set from the same real units.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from ranks.demo.generator.candidates import plan_candidates
from ranks.demo.generator.people import PeoplePlanner
from ranks.demo.generator.plan import LAST_OLD_DAY, REFORM, TREE_START, Plan, Sizes
from ranks.demo.generator.regions import area_flags
from ranks.demo.generator.structure import plan_structure
from ranks.org.adminunits import (
    UnknownProvince,
    find_province,
    load_province,
    official_province_codes,
    old_province_names,
)

__all__ = [
    "LAST_OLD_DAY",
    "REFORM",
    "TREE_START",
    "Plan",
    "Sizes",
    "UnknownProvince",
    "build_plan",
    "find_province",
    "old_province_names",
]


def build_plan(
    province: str,
    *,
    seed: int,
    sizes: Sizes,
    today: dt.date,
    id_province_codes: Sequence[str] | None = None,
) -> Plan:
    """Everything the demo of `province` holds; the same arguments give the same plan.

    The memberships are the `sizes.members` members, then those of the candidates whose
    ceremony made them probationary members. National IDs begin with the province's official
    code, or for one person in ten with one of `id_province_codes` (default: any of the 63,
    people born elsewhere); the national data set passes the province's own code alone, so that
    IDs planned one province at a time never collide."""
    old, new = load_province(find_province(province))
    structure = plan_structure(old, new, sizes, random.Random(f"{seed}:structure:{old.key}"))
    planner = PeoplePlanner(
        province_short=old.short,
        province_code=old.code,
        unit_code=old.unit_code,
        all_province_codes=(
            official_province_codes() if id_province_codes is None else id_province_codes
        ),
        flags=frozenset(area_flags(old.short)),
        seed=seed,
        today=today,
        sizes=sizes,
    )
    planner.plan_members(structure.seats)
    planner.plan_non_members(structure.homes)
    candidates, admitted = plan_candidates(
        seed=seed,
        today=today,
        seats=structure.seats,
        people=planner.people,
        memberships=planner.memberships,
        units=structure.units,
    )
    return Plan(
        province=old.short,
        new_province=new.short,
        seed=seed,
        units=structure.units,
        places=structure.places,
        people=planner.people,
        memberships=[*planner.memberships, *admitted],
        logins=structure.logins,
        candidates=candidates,
    )
