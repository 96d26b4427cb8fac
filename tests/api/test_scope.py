"""Two officers of two communes: each other's units and people answer 404 like missing ones, and
no list holds the other's objects."""

import pytest

from tests.api.conftest import bearer

OTHER = {
    "alice": {"units": ["C2", "C2-A", "D2"], "people": ["P-LAN"], "names": ["Nguyễn Văn Lan"]},
    "bob": {
        "units": ["C1", "C1-A", "C1-B", "N1", "D1"],
        "people": ["P-AN", "P-DUNG"],
        "names": ["Nguyễn Văn An", "Đặng Thị Dung"],
    },
}
OWN = {"alice": "C1-A", "bob": "C2-A"}
DAYS = ["", "?on=2024-01-01", "?on=2026-01-01"]


def every_page(client, url, headers):
    """The rows of every cursor page of `url`."""
    rows = []
    while url:
        body = client.get(url, **headers).json()
        rows += body["results"]
        url = body["next"]
    return rows


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_the_others_units_are_missing(client, world, tokens, username):
    headers = bearer(tokens[username])
    missing = client.get("/api/v1/units/NO-SUCH/", **headers)
    for code in OTHER[username]["units"]:
        for path in (f"/api/v1/units/{code}/", f"/api/v1/units/{code}/subtree/"):
            for day in DAYS:
                response = client.get(path + day, **headers)
                assert response.status_code == 404, path + day
                assert response.json() == missing.json()
    for day in DAYS:
        assert client.get(f"/api/v1/units/{OWN[username]}/{day}", **headers).status_code == 200


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_lists_hold_only_ones_own(client, world, tokens, username):
    headers = bearer(tokens[username])
    for day in DAYS:
        sep = "&" if day else "?"
        rows = every_page(client, f"/api/v1/units/{day}{sep}page_size=1", headers)
        codes = {row["code"] for row in rows}
        assert codes and not codes & set(OTHER[username]["units"]), day
        for code in OTHER[username]["units"]:
            below = client.get(f"/api/v1/units/?parent={code}{day and '&' + day[1:]}", **headers)
            assert below.json()["results"] == []
    for query in ("nguyen", "dang", "van", "P-LAN", "P-AN", "thi"):
        people = client.get(f"/api/v1/people/?q={query}", **headers).json()["results"]
        ids = {p["person_id"] for p in people}
        assert not ids & set(OTHER[username]["people"]), query


def test_subtree_and_children(client, world, tokens):
    headers = bearer(tokens["alice"])
    subtree = every_page(client, "/api/v1/units/C1/subtree/?on=2024-01-01&page_size=2", headers)
    assert [row["code"] for row in subtree] == ["C1", "C1-A", "C1-B"]
    children = client.get("/api/v1/units/?parent=C1&on=2024-01-01", **headers).json()
    assert [row["code"] for row in children["results"]] == ["C1-A", "C1-B"]
    assert children["results"][0]["parent"] == "C1"
    after = client.get("/api/v1/units/?parent=N1&on=2026-01-01", **headers).json()
    assert [row["code"] for row in after["results"]] == ["C1-A", "C1-B"]


def test_a_unit_with_its_versions(client, world, tokens):
    body = client.get("/api/v1/units/C1-A/?on=2024-01-01", **bearer(tokens["alice"])).json()
    assert body["code"] == "C1-A" and body["on"] == "2024-01-01"
    assert body["current"]["parent"] == "C1"
    assert [v["parent"] for v in body["versions"]][-1] == "N1"


def test_people_search_ignores_diacritics(client, world, tokens):
    found = client.get("/api/v1/people/?q=dang thi", **bearer(tokens["alice"])).json()
    assert [p["full_name"] for p in found["results"]] == ["Đặng Thị Dung"]
    assert "ethnicity" not in str(found)
