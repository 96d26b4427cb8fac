"""The tree's endpoints as a client sees them: places on a date (by unit and kind, a page at a
time), one place with its versions, a unit's history with its successors; each within scope,
404 outside it like a missing one."""

import datetime as dt

import pytest

from ranks.core.actor import SYSTEM
from ranks.org.models import Place, Unit
from ranks.org.selectors import (
    place_versions,
    places_of_units_on,
    unit_closure,
    unit_history,
)
from ranks.org.services import place_version_save, unit_change
from tests.api.conftest import bearer
from tests.factories import LAST_OLD_DAY, REFORM

DAYS = ["2024-01-01", "2026-01-01"]
OTHERS_PLACES = {"alice": ["V2"], "bob": ["V1", "S1"]}


def every_page(client, url, headers):
    rows = []
    while url:
        body = client.get(url, **headers).json()
        rows += body["results"]
        url = body["next"]
    return rows


def test_places_of_a_unit_are_those_of_its_page(client, world, tokens):
    headers = bearer(tokens["alice"])
    day = dt.date(2024, 1, 1)
    rows = every_page(client, f"/api/v1/places/?unit=C1&on={day}&page_size=1", headers)
    shown = places_of_units_on([world.units["C1"].pk], day)
    assert [row["code"] for row in rows] == sorted(v.place.code for v in shown) == ["S1", "V1"]
    village = next(row for row in rows if row["code"] == "V1")
    assert village == {
        "code": "V1",
        "name": "Thôn Đông",
        "kind": "village",
        "unit": "C1",
        "cells": ["C1-A"],
        "area_flags": [],
        "valid_from": "2000-01-01",
        "valid_to": LAST_OLD_DAY.isoformat(),
    }


def test_a_units_places_include_those_of_the_units_below(client, world, tokens):
    place_version_save(
        actor=SYSTEM,
        code="M1",
        name="Trạm y tế thôn Đông",
        kind="medical_station",
        unit_code="C1-A",
        valid_from=dt.date(2010, 1, 1),
    )
    headers = bearer(tokens["alice"])
    below = client.get("/api/v1/places/?unit=C1&on=2024-01-01", **headers).json()
    assert [row["code"] for row in below["results"]] == ["M1", "S1", "V1"]
    only_cell = client.get("/api/v1/places/?unit=C1-A&on=2024-01-01", **headers).json()
    assert [row["code"] for row in only_cell["results"]] == ["M1"]
    # After the reform the cell hangs below N1: its station is one of N1's places then.
    after = client.get("/api/v1/places/?unit=N1&on=2026-01-01", **headers).json()
    assert [row["code"] for row in after["results"]] == ["M1", "V1"]


def test_places_by_kind(client, world, tokens):
    headers = bearer(tokens["alice"])
    schools = client.get("/api/v1/places/?kind=school&on=2024-01-01", **headers).json()
    assert [row["code"] for row in schools["results"]] == ["S1"]
    villages = client.get("/api/v1/places/?kind=village&on=2024-01-01", **headers).json()
    assert [row["code"] for row in villages["results"]] == ["V1"]


def test_places_follow_the_tree_of_the_date(client, world, tokens):
    headers = bearer(tokens["alice"])
    before = client.get("/api/v1/places/?on=2024-01-01", **headers).json()
    after = client.get("/api/v1/places/?on=2026-01-01", **headers).json()
    assert [(r["code"], r["unit"]) for r in before["results"]] == [("S1", "C1"), ("V1", "C1")]
    # S1 stays with C1, which closed with the reform: no unit in force holds it then.
    assert [(r["code"], r["unit"]) for r in after["results"]] == [("V1", "N1")]


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_the_others_places_are_missing(client, world, tokens, username):
    headers = bearer(tokens[username])
    missing = client.get("/api/v1/places/NO-SUCH/", **headers)
    assert missing.status_code == 404
    for code in OTHERS_PLACES[username]:
        for day in ["", *(f"?on={d}" for d in DAYS)]:
            response = client.get(f"/api/v1/places/{code}/{day}", **headers)
            assert response.status_code == 404
            assert response.json() == missing.json()
    for day in ["", *DAYS]:
        rows = every_page(client, f"/api/v1/places/?on={day or '2025-01-01'}&page_size=1", headers)
        codes = {row["code"] for row in rows}
        assert codes and not codes & set(OTHERS_PLACES[username])


def test_a_unit_filter_outside_scope_is_missing(client, world, tokens):
    headers = bearer(tokens["alice"])
    missing = client.get("/api/v1/places/?unit=NO-SUCH", **headers)
    assert missing.status_code == 404
    assert missing.json()["message"] == "Không có tổ chức đảng này."
    for code in ("C2", "C2-A", "D2"):
        response = client.get(f"/api/v1/places/?unit={code}&on=2024-01-01", **headers)
        assert response.status_code == 404 and response.json() == missing.json()


@pytest.mark.parametrize(
    "query, field",
    [("kind=", "kind"), ("kind=castle", "kind"), ("unit=", "unit"), ("on=31/12/2024", "on")],
)
def test_places_refuse_bad_values_naming_them(client, world, tokens, query, field):
    response = client.get(f"/api/v1/places/?{query}", **bearer(tokens["alice"]))
    assert response.status_code == 400
    assert list(response.json()["details"]) == [field]


def test_a_place_with_its_versions(client, world, tokens):
    body = client.get("/api/v1/places/V1/?on=2024-01-01", **bearer(tokens["alice"])).json()
    versions = place_versions(Place.objects.get(code="V1"))
    assert [(v["unit"], v["valid_from"], v["valid_to"]) for v in body["versions"]] == [
        (
            v.unit.code,
            v.valid_from and v.valid_from.isoformat(),
            v.valid_to and v.valid_to.isoformat(),
        )
        for v in versions
    ]
    assert body["current"]["unit"] == "C1" and body["current"]["cells"] == ["C1-A"]
    assert body["closed_on"] is None
    later = client.get("/api/v1/places/V1/?on=2026-01-01", **bearer(tokens["alice"])).json()
    assert later["current"]["unit"] == "N1"
    before = client.get("/api/v1/places/V1/?on=1999-01-01", **bearer(tokens["alice"])).json()
    assert before["current"] is None


def test_a_place_that_closed(client, world, tokens):
    place_version_save(
        actor=SYSTEM,
        code="E1",
        name="Hợp tác xã Đông",
        kind="cooperative",
        unit_code="C1",
        valid_from=dt.date(2005, 1, 1),
        valid_to=dt.date(2020, 12, 31),
    )
    body = client.get("/api/v1/places/E1/?on=2024-01-01", **bearer(tokens["alice"])).json()
    assert body["closed_on"] == "2020-12-31" and body["current"] is None
    assert body["versions"][0]["kind"] == "cooperative"
    # Bob never saw its unit: missing for him.
    assert client.get("/api/v1/places/E1/", **bearer(tokens["bob"])).status_code == 404


def test_a_units_history_is_its_pages(client, world, tokens):
    body = client.get("/api/v1/units/C1-A/history/", **bearer(tokens["alice"])).json()
    events = unit_history(Unit.objects.get(code="C1-A"))
    assert [(e["day"], e["what"], e["before"], e["after"]) for e in body["events"]] == [
        (e.day and e.day.isoformat(), e.what, e.before, e.after) for e in events
    ]
    moved = body["events"][-1]
    assert moved == {
        "day": REFORM.isoformat(),
        "what": "moved",
        "label": "chuyển trực thuộc",
        "before": "Đảng bộ xã Một",
        "after": "Đảng bộ xã Mới",
        "before_code": "C1",
        "after_code": "N1",
    }
    assert body["closed_on"] is None and body["successors"] == []


def test_a_history_in_english(client, world, tokens):
    body = client.get(
        "/api/v1/units/C1-A/history/", HTTP_ACCEPT_LANGUAGE="en", **bearer(tokens["alice"])
    ).json()
    assert [e["label"] for e in body["events"]] == ["opened", "moved"]


def test_a_change_of_admission_authority_is_an_event(client, world, tokens):
    unit_change(
        actor=SYSTEM,
        code="N1",
        on=dt.date(2026, 3, 1),
        name="Đảng bộ xã Mới",
        can_admit=False,
        area_flags=[],
    )
    body = client.get(
        "/api/v1/units/N1/history/", HTTP_ACCEPT_LANGUAGE="en", **bearer(tokens["alice"])
    ).json()
    assert body["events"][-1] == {
        "day": "2026-03-01",
        "what": "can_admit_changed",
        "label": "admission authority changed",
        "before": "true",
        "after": "false",
        "before_code": None,
        "after_code": None,
    }
    # The unit's page does not list it: its history stays as it was.
    assert [e.what for e in unit_history(Unit.objects.get(code="N1"))] == ["opened"]


def test_a_closed_unit_names_its_successors(client, world, tokens):
    body = client.get("/api/v1/units/C1/history/", **bearer(tokens["alice"])).json()
    closure = unit_closure(unit=Unit.objects.get(code="C1"), day=dt.date.max)
    assert body["closed_on"] == closure.closed_on.isoformat() == LAST_OLD_DAY.isoformat()
    assert [e["what"] for e in body["events"]] == ["opened", "closed"]
    assert body["successors"] == [
        {"code": s.unit.code, "name": s.name, "kind": s.kind.key, "visible": True}
        for s in closure.successors
    ]
    assert [s["code"] for s in body["successors"]] == ["N1"]


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_the_others_history_is_missing(client, world, tokens, username):
    headers = bearer(tokens[username])
    others = {"alice": ["C2", "C2-A", "D2"], "bob": ["C1", "C1-A", "N1", "D1"]}[username]
    missing = client.get("/api/v1/units/NO-SUCH/history/", **headers)
    for code in others:
        response = client.get(f"/api/v1/units/{code}/history/", **headers)
        assert response.status_code == 404 and response.json() == missing.json()
    own = {"alice": "C1-A", "bob": "C2-A"}[username]
    assert client.get(f"/api/v1/units/{own}/history/", **headers).status_code == 200


def test_a_page_of_places_costs_the_same_however_many(
    client, world, tokens, django_assert_max_num_queries
):
    for n in range(30):
        place_version_save(
            actor=SYSTEM,
            code=f"G{n:02d}",
            name=f"Tổ {n}",
            kind="residential_group",
            unit_code="N1",
            cell_codes=["C1-A"],
            valid_from=REFORM,
        )
    headers = bearer(tokens["alice"])
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/places/?on=2026-01-01&page_size=20", **headers).json()
    assert len(body["results"]) == 20 and body["next"]


@pytest.mark.parametrize("kinds", ["cell", "cell,grassroots_committee", "commune_committee"])
@pytest.mark.parametrize("day", DAYS)
def test_units_and_a_subtree_by_kind(client, world, tokens, kinds, day):
    headers = bearer(tokens["alice"])
    wanted = kinds.split(",")
    for path in ("/api/v1/units/", "/api/v1/units/C1-A/subtree/", "/api/v1/units/N1/subtree/"):
        if "N1" in path and day < REFORM.isoformat():
            continue  # N1 begins with the reform
        every = every_page(client, f"{path}?on={day}", headers)
        some = every_page(client, f"{path}?on={day}&kind={kinds}&page_size=1", headers)
        assert some == [row for row in every if row["kind"] in wanted], path
    cells = client.get(f"/api/v1/units/?on={day}&kind=cell", **headers).json()["results"]
    assert [row["code"] for row in cells] == ["C1-A", "C1-B"]


def test_a_kind_no_unit_has_matches_nothing(client, world, tokens):
    body = client.get("/api/v1/units/?kind=no_such_kind", **bearer(tokens["alice"])).json()
    assert body["results"] == []


@pytest.mark.parametrize("kind", ["", "Cell", "cell,", "cell;drop", "a" * 41])
def test_a_kind_that_is_no_key_is_refused(client, world, tokens, kind):
    for path in ("/api/v1/units/", "/api/v1/units/C1/subtree/"):
        response = client.get(f"{path}?kind={kind}", **bearer(tokens["alice"]))
        assert response.status_code == 400
        assert list(response.json()["details"]) == ["kind"]
