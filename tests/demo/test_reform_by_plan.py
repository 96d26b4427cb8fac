"""The demo reaches its tree of 2026 by applying the reform's plan to its tree of 2024: the same
tree, the same figures as a tree written with both periods by hand, and exact counters."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from ranks.core.actor import SYSTEM
from ranks.core.audit import audit_verify
from ranks.demo import writer
from ranks.demo.generator import REFORM, Sizes, build_plan
from ranks.demo.targets import write_targets
from ranks.org.kinds import ensure_unit_kinds
from ranks.org.models import PlaceVersion, UnitKind, UnitVersion
from ranks.restructure.models import Restructure
from ranks.targets.recount import verify

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
SIZES = Sizes(members=400, villages_per_commune=1, non_members=60)
UNITS = ("HP", "HD", "HD-H300", "HD-KCQ")


def build(monkeypatch, *, by_plan: bool):
    """The demo of Hải Dương, its tree reached by the reform's plan or written by hand."""
    ensure_unit_kinds(UnitKind)
    plan = build_plan("Hải Dương", seed=2025, sizes=SIZES, today=TODAY)
    with monkeypatch.context() as m:
        m.setattr(writer, "today", lambda: TODAY)
        if not by_plan:  # the demo before its tree was reached by the plan
            m.setattr(writer, "_tree_of_2024", lambda p: p)
            m.setattr(writer, "_apply_reform", lambda p, actor: 0)
        writer.write_plan(plan, SYSTEM)
        write_targets(actor=SYSTEM, today=TODAY, seed=2025)
    return plan


def report(*args: str) -> str:
    out = StringIO()
    call_command("report", *args, "--format", "json", "--lang", "en", stdout=out)
    return out.getvalue()


PERIODS = [
    (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    (dt.date(2025, 1, 1), dt.date(2025, 6, 30)),
    (REFORM, dt.date(2025, 12, 31)),
    (dt.date(2026, 1, 1), TODAY),
]


def figures() -> dict[tuple, str]:
    """Progress, composition, coverage and cells of the provinces, a district, the bloc and a
    new commune, in each period of 2024, 2025 and 2026 in which they stand."""
    new_commune = (
        UnitVersion.objects.filter(unit__code__startswith="HP-N").order_by("unit__code").first()
    )
    assert new_commune is not None
    found = {}
    for unit in (*UNITS, new_commune.unit.code):
        for start, end in PERIODS:
            standing = UnitVersion.objects.filter(unit__code=unit)
            if not (standing.valid_on(start).exists() and standing.valid_on(end).exists()):
                continue
            on, dates = end.isoformat(), ["--from", start.isoformat(), "--to", end.isoformat()]
            for kind in ("progress", "coverage", "cells"):
                found[(kind, unit, on)] = report(kind, "--unit", unit, "--on", on)
            found[("composition", unit, on)] = report("composition", "--unit", unit, *dates)
    assert len(found) >= 4 * 10
    return found


def tree() -> tuple[list, list]:
    units = sorted(
        UnitVersion.objects.values_list(
            "unit__code", "name", "kind__key", "parent__code", "valid_from", "valid_to",
            "can_admit", "area_flags", "admin_code", "latitude", "longitude",
        )
    )  # fmt: skip
    places = sorted(
        (
            pv.place.code,
            pv.name,
            pv.kind,
            pv.unit.code,
            pv.valid_from,
            pv.valid_to,
            tuple(sorted(c.code for c in pv.cells.all())),
        )  # fmt: skip
        for pv in PlaceVersion.objects.select_related("place", "unit").prefetch_related("cells")
    )
    return units, places


def test_the_reform_s_plan_gives_the_tree_and_figures_written_by_hand(monkeypatch):
    build(monkeypatch, by_plan=False)
    by_hand = tree(), figures()
    writer.flush(SYSTEM)

    plan = build(monkeypatch, by_plan=True)
    assert (tree(), figures()) == by_hand
    assert verify() == []
    assert audit_verify() is None
    # Each restructure of the reform is one recorded act, with the decision that made it.
    done = Restructure.objects.all()
    assert {r.effective_on for r in done} == {REFORM}
    assert {r.document for r in done} == {writer.REFORM_DOCUMENT}
    kinds = {r.kind for r in done}
    assert {"merge", "split", "move", "dissolve"} <= kinds
    # The agencies' committees move to the new province under their new names, in one act each.
    moved = {r.source_codes[0]: r.params["name"] for r in done if r.kind == "move"}
    renamed = {
        u.code: u.versions[-1].name
        for u in plan.units
        if len(u.versions) > 1 and u.versions[-1].name != u.versions[-2].name
    }
    assert moved == renamed and set(moved) == {"HD-KCQ", "HD-CA"}
