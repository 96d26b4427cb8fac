"""Restructures through the API: those that touched a unit, the latest first, a page at a time,
and one restructure with what it did; its page's access (every unit it names), 404 outside it
like a missing one."""

import datetime as dt

import pytest

from ranks.core.actor import SYSTEM
from ranks.org.selectors import unit_version_on
from ranks.restructure.display import restructure_steps
from ranks.restructure.services import restructure_apply, restructure_undo
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def acts(world):
    """A rename of C2 (bob's commune), later undone; a move of C2-A below N1 (named: C2-A, which
    bob sees, and N1, which he does not)."""
    renamed = restructure_apply(
        actor=SYSTEM,
        kind="rename",
        on=dt.date(2024, 1, 1),
        sources=["C2"],
        name="Đảng bộ xã Hai Mới",
        reason="Đổi tên",
        document="Quyết định số 12-QĐ/HU",
    )
    restructure_undo(actor=SYSTEM, restructure_id=renamed.pk)
    moved = restructure_apply(
        actor=SYSTEM,
        kind="move",
        on=dt.date(2026, 3, 1),
        sources=["C2-A"],
        targets=["N1"],
        document="Quyết định số 20-QĐ/HU",
    )
    return {"renamed": renamed, "moved": moved}


def test_a_units_restructures_are_listed_latest_first(client, world, tokens, acts):
    headers = bearer(tokens["bob"])
    body = client.get("/api/v1/units/C2-A/restructures/", **headers).json()
    moved = acts["moved"]
    assert [row["id"] for row in body["results"]] == [moved.pk]
    row = body["results"][0]
    assert row["kind"] == "move"
    assert row["effective_on"] == "2026-03-01"
    assert (row["sources"], row["targets"]) == (["C2-A"], ["N1"])
    assert row["document"] == "Quyết định số 20-QĐ/HU"
    assert row["status"] == "applied"
    # bob does not see N1, so he may not read the restructure whole, as on its page.
    assert row["visible"] is False
    assert client.get(f"/api/v1/restructures/{moved.pk}/", **headers).status_code == 404

    c2 = client.get("/api/v1/units/C2/restructures/?page_size=1", **headers).json()
    renamed = acts["renamed"]
    assert [row["id"] for row in c2["results"]] == [renamed.pk]
    assert c2["results"][0]["status"] == "undone"
    assert c2["results"][0]["undone_by"] == SYSTEM.name
    assert c2["results"][0]["visible"] is True
    assert c2["next"] is None


def test_pages_follow_the_cursor(client, world, tokens, acts):
    for year in (2021, 2022, 2023):
        restructure_apply(
            actor=SYSTEM,
            kind="rename",
            on=dt.date(year, 1, 1),
            sources=["C2"],
            name=f"Đảng bộ xã Hai {year}",
        )
    headers = bearer(tokens["bob"])
    url, days = "/api/v1/units/C2/restructures/?page_size=2", []
    while url:
        body = client.get(url, **headers).json()
        days += [row["effective_on"] for row in body["results"]]
        url = body["next"]
    assert days == ["2024-01-01", "2023-01-01", "2022-01-01", "2021-01-01"]


def test_one_restructure_says_what_it_did(client, world, tokens, acts):
    moved = acts["moved"]
    headers = bearer(tokens["alice"])
    body = client.get(f"/api/v1/restructures/{moved.pk}/", **headers).json()
    steps = restructure_steps(moved)
    assert [u["code"] for u in body["units"]] == [u.code for u in steps.units] == ["C2-A"]
    unit = body["units"][0]
    version = unit_version_on(world.units["C2-A"], dt.date(2026, 3, 1))
    assert (unit["parent"], unit["was_parent"]) == ("N1", "C2")
    assert unit["name"] == unit["was_name"] == version.name
    assert body["closed"] == [] and body["places"] == []
    assert body["applied_by"] == SYSTEM.name

    listed = client.get("/api/v1/units/N1/restructures/", **headers).json()["results"]
    assert [(r["id"], r["visible"]) for r in listed] == [(moved.pk, True)]


def test_outside_the_scope_is_a_missing_one(client, world, tokens, acts):
    headers = bearer(tokens["alice"])
    renamed = acts["renamed"]
    missing = client.get("/api/v1/restructures/999999/", **headers)
    hidden = client.get(f"/api/v1/restructures/{renamed.pk}/", **headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert client.get("/api/v1/units/C2/restructures/", **headers).status_code == 404


def test_words_in_the_language_asked_for(client, world, tokens, acts):
    headers = bearer(tokens["bob"])
    vi = client.get("/api/v1/units/C2/restructures/", **headers).json()["results"][0]
    en = client.get("/api/v1/units/C2/restructures/", HTTP_ACCEPT_LANGUAGE="en", **headers).json()[
        "results"
    ][0]
    assert (vi["kind_label"], en["kind_label"]) == ("đổi tên", "rename")
