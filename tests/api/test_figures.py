"""The figures through the API are the reports' datasets: each answer equals what `ranks report
KIND --format json` writes for the same unit, user and arguments (coverage's places without
members or a cell and the cells' health a page at a time, the pages together equal to the
report's list). Outside the user's units: 404 like a missing unit. Queries checked strictly;
messages in the language asked."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.people.services import membership_admit, person_save
from ranks.pipeline.services import candidate_save
from ranks.targets.services import target_set
from tests.api.conftest import bearer
from tests.api.test_schemathesis import alice_token, schema  # noqa: F401 (a fixture)

SENSITIVE_READ = "ranks.reports.composition.sensitive_read"
KINDS = ("progress", "composition", "ratio", "coverage", "cells")
LINKS = ("next", "previous")


def admit(person_id: str, name: str, cell: str, day: dt.date, **person) -> None:
    saved = person_save(
        actor=SYSTEM,
        person_id=person_id,
        full_name=name,
        birth_date=person.pop("birth_date", dt.date(1998, 4, 1)),
        **person,
    )
    membership_admit(
        actor=SYSTEM,
        person=saved,
        cell_code=cell,
        admission_decision_date=day,
        ceremony_date=day + dt.timedelta(days=10),
    )


@pytest.fixture
def figures(world, tokens):
    """Admissions in 2024 in both communes, targets for C1 and C2, a candidate in C1-A."""
    admit(
        "P-HOA",
        "Trần Thị Hoa",
        "C1-A",
        dt.date(2024, 3, 5),
        gender="female",
        occupation="farmer",
        ethnicity="Tày",
        residence_place_code="V1",
    )
    admit(
        "P-BINH",
        "Lê Văn Bình",
        "C1-B",
        dt.date(2024, 9, 20),
        gender="male",
        occupation="worker",
        birth_date=dt.date(1960, 1, 1),
    )
    admit("P-MAI", "Lò Thị Mai", "C2-A", dt.date(2024, 6, 1), gender="female", ethnicity="Thái")
    for unit, value in (("C1", 4), ("C1-A", 1), ("C2", 2)):
        target_set(actor=SYSTEM, unit_code=unit, year=2024, metric="admissions", value=value)
    person_save(
        actor=SYSTEM, person_id="P-NAM", full_name="Hà Văn Nam", birth_date=dt.date(2001, 1, 1)
    )
    candidate_save(actor=SYSTEM, person_id="P-NAM", cell_code="C1-A", added_on=dt.date(2024, 2, 1))
    return tokens


def report(kind: str, unit: str, user: str, *args: str, lang: str = "vi") -> dict:
    """The report as `ranks report` writes it for `user`, as JSON."""
    out = io.StringIO()
    call_command(
        "report", kind, "--unit", unit, "--as", user, "--format", "json", *args, "--lang", lang,
        stdout=out,
    )  # fmt: skip
    return json.loads(out.getvalue())


def get(client, token: str, url: str, lang: str | None = None):
    headers = bearer(token)
    if lang:
        headers["HTTP_ACCEPT_LANGUAGE"] = lang
    return client.get(url, **headers)


def figures_of(client, token: str, url: str, lang: str | None = None) -> dict:
    response = get(client, token, url, lang)
    assert response.status_code == 200, (url, response.content)
    return response.json()


def every_page(client, token: str, url: str, key: str) -> list[dict]:
    rows: list[dict] = []
    while url:
        body = figures_of(client, token, url)
        rows += body[key]
        url = body["next"]
    return rows


# --- each dataset is the report's -------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "query", "args"),
    [
        ("C1", "?on=2024-12-31", ["--on", "2024-12-31"]),
        ("C1", "?on=2024-10-01&depth=0", ["--on", "2024-10-01", "--depth", "0"]),
        ("C1-A", "?on=2024-06-30&metric=admissions_women", ["--on", "2024-06-30", "--metric", "admissions_women"]),
        ("N1", "?on=2026-01-01&metric=places_with_members", ["--on", "2026-01-01", "--metric", "places_with_members"]),
    ],
)  # fmt: skip
def test_progress_is_the_report(client, figures, unit, query, args):
    body = figures_of(client, figures["alice"], f"/api/v1/units/{unit}/figures/progress/{query}")
    assert body == report("progress", unit, "alice", *args)
    assert body["rows"][0]["code"] == unit


def test_progress_counts_the_admissions_to_date(client, figures):
    body = figures_of(client, figures["alice"], "/api/v1/units/C1/figures/progress/?on=2024-12-31")
    rows = {row["code"]: row for row in body["rows"]}
    assert (rows["C1"]["target"], rows["C1"]["actual"], rows["C1"]["percent"]) == (4, 2, 50.0)
    assert rows["C1-A"]["actual"] == 1 and rows["C1-A"]["parent_code"] == "C1"
    assert "C2" not in rows


def test_progress_today_by_default(client, figures):
    body = figures_of(client, figures["bob"], "/api/v1/units/C2/figures/progress/")
    assert body == report("progress", "C2", "bob")


@pytest.mark.parametrize(
    ("unit", "query", "args"),
    [
        ("C1", "?from=2024-01-01&to=2024-12-31", ["--from", "2024-01-01", "--to", "2024-12-31"]),
        ("C1", "?to=2024-06-30", ["--to", "2024-06-30"]),
        ("C1-A", "?from=2024-03-01&to=2024-03-31", ["--from", "2024-03-01", "--to", "2024-03-31"]),
    ],
)
def test_composition_is_the_report(client, figures, unit, query, args):
    plain = figures_of(
        client, figures["alice"], f"/api/v1/units/{unit}/figures/composition/{query}"
    )
    # Without ?show=sensitive: the report of a user without the sensitive grant (vera, at P).
    assert plain == report("composition", unit, "vera", *args)
    assert "ethnicity" not in plain["by"]
    assert not AuditEntry.objects.filter(action=SENSITIVE_READ).exists()
    shown = figures_of(
        client, figures["alice"], f"/api/v1/units/{unit}/figures/composition/{query}&show=sensitive"
    )
    # With it, alice's own report (which reads the sensitive dimensions under her grant).
    assert shown == report("composition", unit, "alice", *args)
    assert "ethnicity" in shown["by"] and "religion" in shown["by"]
    api_reads = AuditEntry.objects.filter(action=SENSITIVE_READ, channel="api")
    assert [(e.actor, e.object_id) for e in api_reads] == [("alice", unit)]


def test_composition_counts_the_period(client, figures):
    body = figures_of(
        client, figures["alice"], "/api/v1/units/C1/figures/composition/?from=2024-01-01&to=2024-12-31&show=sensitive"
    )  # fmt: skip
    assert body["total"] == 2
    assert body["by"]["occupation"] == {"farmer": 1, "worker": 1}
    assert body["by"]["ethnicity"]["Tày"] == 1


def test_sensitive_composition_needs_the_grant(client, figures):
    body = figures_of(
        client, figures["bob"], "/api/v1/units/C2/figures/composition/?from=2024-01-01&to=2024-12-31&show=sensitive"
    )  # fmt: skip
    assert body == report("composition", "C2", "bob", "--from", "2024-01-01", "--to", "2024-12-31")
    assert body["total"] == 1 and "ethnicity" not in body["by"]
    assert not AuditEntry.objects.filter(action=SENSITIVE_READ).exists()


@pytest.mark.parametrize(
    ("unit", "year"), [("C1", 2024), ("C1-A", 2024), ("N1", 2026), ("C1-B", 2025)]
)
def test_ratio_is_the_report(client, figures, unit, year):
    body = figures_of(client, figures["alice"], f"/api/v1/units/{unit}/figures/ratio/?year={year}")
    assert body == report("ratio", unit, "alice", "--year", str(year))
    assert body["ratio"]["code"] == unit


def test_ratio_siblings_are_only_ones_own(client, figures):
    body = figures_of(client, figures["alice"], "/api/v1/units/C1/figures/ratio/?year=2024")
    assert [row["code"] for row in body["siblings"]] == ["C1"]
    assert {row["code"] for row in body["children"]} == {"C1-A", "C1-B"}


@pytest.mark.parametrize(
    ("unit", "on"), [("C1", "2024-06-01"), ("N1", "2026-01-01"), ("C2", "2024-06-01")]
)
def test_coverage_is_the_report(client, figures, unit, on):
    user = "bob" if unit == "C2" else "alice"
    expected = report("coverage", unit, user, "--on", on)
    url = f"/api/v1/units/{unit}/figures/coverage/?on={on}"
    body = figures_of(client, figures[user], url + "&page_size=200")
    assert set(body) == set(expected) | set(LINKS)
    assert {k: v for k, v in body.items() if k not in LINKS} == expected
    assert body["next"] is None and body["previous"] is None
    # A page at a time, the pages together are the report's list.
    assert every_page(client, figures[user], url + "&page_size=1", "blank") == expected["blank"]


def test_coverage_lists_which_places(client, figures):
    expected = report("coverage", "C1", "alice", "--on", "2024-06-01")["blank"]
    assert expected, "the small world has places without a member or a cell"
    url = "/api/v1/units/C1/figures/coverage/?on=2024-06-01&which="
    for which, test in (
        ("members", lambda b: not b["has_members"]),
        ("cell", lambda b: not b["has_cell"]),
        ("both", lambda b: not b["has_members"] and not b["has_cell"]),
        ("any", lambda b: True),
    ):
        body = figures_of(client, figures["alice"], url + which)
        assert body["blank"] == [b for b in expected if test(b)], which


@pytest.mark.parametrize(
    ("unit", "on"), [("C1", "2024-12-31"), ("N1", "2026-01-01"), ("C1-A", "2024-06-01")]
)
def test_cells_are_the_report(client, figures, unit, on):
    expected = report("cells", unit, "alice", "--on", on)
    url = f"/api/v1/units/{unit}/figures/cells/?on={on}"
    body = figures_of(client, figures["alice"], url)
    assert set(body) == set(expected) | set(LINKS)
    assert {k: v for k, v in body.items() if k not in LINKS} == expected
    assert every_page(client, figures["alice"], url + "&page_size=1", "cells") == expected["cells"]


def test_cells_by_finding(client, figures):
    expected = report("cells", "C1", "alice", "--on", "2024-12-31")["cells"]
    for flag in ("below_minimum", "no_successor", "committee_due"):
        body = figures_of(
            client, figures["alice"], f"/api/v1/units/C1/figures/cells/?on=2024-12-31&flag={flag}"
        )
        assert body["cells"] == [c for c in expected if flag in c["flags"]], flag
    cells = {c["code"]: c for c in expected}
    assert "no_successor" not in cells["C1-A"]["flags"] and "no_successor" in cells["C1-B"]["flags"]


def test_pages_link_both_ways(client, figures):
    first = figures_of(
        client, figures["alice"], "/api/v1/units/C1/figures/cells/?on=2024-12-31&page_size=1"
    )
    assert first["previous"] is None and first["next"]
    second = figures_of(client, figures["alice"], first["next"])
    assert second["next"] is None and second["previous"]
    assert figures_of(client, figures["alice"], second["previous"]) == first


# --- scope ------------------------------------------------------------------------------------

OTHERS = {"alice": ["C2", "C2-A", "D2", "P"], "bob": ["C1", "C1-A", "C1-B", "N1", "D1", "P"]}


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_the_others_figures_are_missing(client, figures, username):
    token = figures[username]
    missing = get(client, token, "/api/v1/units/NO-SUCH/figures/progress/")
    assert missing.status_code == 404
    for code in OTHERS[username]:
        for kind in KINDS:
            for query in ("", "?on=2024-06-01", "?show=sensitive", "?metric=bogus&year=x"):
                response = get(client, token, f"/api/v1/units/{code}/figures/{kind}/{query}")
                assert response.status_code == 404, (username, code, kind, query)
                assert response.json() == missing.json()
    assert not AuditEntry.objects.filter(action=SENSITIVE_READ).exists()


def test_bob_sees_his_own(client, figures):
    for kind in KINDS:
        assert get(client, figures["bob"], f"/api/v1/units/C2-A/figures/{kind}/").status_code == 200


def test_a_read_only_token_reads_the_figures(client, figures):
    from ranks.api.services import token_create

    secret = token_create(actor=SYSTEM, username="alice", name="read", read_only=True)[1]
    body = figures_of(client, secret, "/api/v1/units/C1/figures/ratio/?year=2024")
    assert body == report("ratio", "C1", "alice", "--year", "2024")
    response = client.post("/api/v1/units/C1/figures/ratio/", **bearer(secret))
    assert response.status_code == 403 and response.json()["code"] == "read_only_token"
    response = client.post("/api/v1/units/C1/figures/ratio/", **bearer(figures["alice"]))
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_no_credentials(client, figures):
    response = client.get("/api/v1/units/C1/figures/progress/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


# --- strict queries, messages in the language asked --------------------------------------------


@pytest.mark.parametrize(
    ("kind", "query", "field"),
    [
        ("progress", "?metric=bogus", "metric"),
        ("progress", "?metric=", "metric"),
        ("progress", "?depth=-1", "depth"),
        ("progress", "?depth=x", "depth"),
        ("progress", "?on=2024-13-01", "on"),
        ("progress", "?on=", "on"),
        ("progress", "?on=1900-01-01", "on"),
        ("composition", "?from=31/12/2024", "from"),
        ("composition", "?show=all", "show"),
        ("composition", "?to=2024-01-01%00", "to"),
        ("ratio", "?year=20x4", "year"),
        ("ratio", "?year=1200", "year"),
        ("coverage", "?which=none", "which"),
        ("coverage", "?page_size=0", "page_size"),
        ("cells", "?flag=bogus", "flag"),
        ("cells", "?page_size=201", "page_size"),
        ("cells", "?cursor=%01", "cursor"),
    ],
)
def test_queries_are_checked(client, figures, kind, query, field):
    response = get(client, figures["alice"], f"/api/v1/units/C1/figures/{kind}/{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and list(body["details"]) == [field]


def test_a_cursor_that_does_not_decode_is_missing(client, figures):
    for cursor in ("bm90LWFuLW9mZnNldA", "o=1", "bz0tMQ=="):
        response = get(client, figures["alice"], f"/api/v1/units/C1/figures/cells/?cursor={cursor}")
        assert response.status_code == 404, cursor


def test_the_date_range_in_the_languages(client, figures):
    url = "/api/v1/units/C1/figures/progress/?on=1900-01-01"
    english = get(client, figures["alice"], url, "en").json()["details"]["on"]
    vietnamese = get(client, figures["alice"], url, "vi").json()["details"]["on"]
    assert english == ["A date from 1930-01-01 to 2100-12-31."]
    assert vietnamese != english and "1930-01-01" in vietnamese[0]


@pytest.mark.parametrize(
    ("url", "field", "english", "vietnamese"),
    [
        (
            "/api/v1/units/C1/figures/progress/?on=2026-01-01",
            "on",
            "C1 does not exist on 01/01/2026.",
            "C1 không tồn tại vào ngày 01/01/2026.",
        ),
        (
            "/api/v1/units/N1/figures/ratio/?year=2024",
            "year",
            "N1 does not exist in 2024.",
            "N1 không tồn tại trong năm 2024.",
        ),
        (
            "/api/v1/units/C1/figures/composition/?from=2024-06-01&to=2024-01-01",
            "to",
            "The end of the period is before its start.",
            "Ngày kết thúc kỳ báo cáo trước ngày bắt đầu.",
        ),
    ],
)
def test_refusals_in_the_language_asked(client, figures, url, field, english, vietnamese):
    for lang, message in (("en", english), ("vi", vietnamese), (None, vietnamese)):
        response = get(client, figures["alice"], url, lang)
        assert response.status_code == 400
        assert response.json() == {
            "code": "invalid",
            "message": message,
            "details": {field: [message]},
        }


@pytest.mark.parametrize("kind", KINDS)
def test_the_datasets_hold_codes_not_words(client, figures, kind):
    """The reports' datasets name statuses, dimensions, kinds and findings by code, the same in
    any language (their tables and PDFs carry the words): English and Vietnamese answers agree,
    and equal the report written in English."""
    url = f"/api/v1/units/C1/figures/{kind}/?" + ("year=2024" if kind == "ratio" else "")
    if kind == "composition":
        url += "from=2024-01-01&to=2024-12-31"
    elif kind != "ratio":
        url += "on=2024-12-31"
    english = figures_of(client, figures["alice"], url, "en")
    assert english == figures_of(client, figures["alice"], url, "vi")
    args = {
        "ratio": ["--year", "2024"],
        "composition": ["--from", "2024-01-01", "--to", "2024-12-31"],
    }.get(kind, ["--on", "2024-12-31"])
    written = report(kind, "C1", "vera" if kind == "composition" else "alice", *args, lang="en")
    assert {k: v for k, v in english.items() if k not in LINKS} == written


# --- the answers are what the schema documents ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "query"),
    [
        ("progress", {"on": "2024-12-31"}),
        ("progress", {"on": "2024-12-31", "metric": "places_with_cell", "depth": 1}),
        ("composition", {"from": "2024-01-01", "to": "2024-12-31", "show": "sensitive"}),
        ("ratio", {"year": 2024}),
        ("coverage", {"on": "2024-06-01", "page_size": 1}),
        ("cells", {"on": "2024-12-31", "page_size": 1}),
    ],
)
def test_answers_conform_to_the_schema(figures, alice_token, kind, query):  # noqa: F811
    operation = schema[f"/api/v1/units/{{code}}/figures/{kind}/"]["GET"]
    case = operation.Case(path_parameters={"code": "C1"}, query=query)
    response = case.call_and_validate(headers={"Authorization": f"Bearer {alice_token}"})
    assert response.status_code == 200


def test_above_the_list_limit_coverage_lists_no_places(client, figures, monkeypatch):
    """As the coverage page: above `LIST_LIMIT` places, the figures without the list."""
    from ranks.api.endpoints import figures as endpoint

    expected = report("coverage", "C1", "alice", "--on", "2024-06-01")
    monkeypatch.setattr(endpoint, "LIST_LIMIT", 0)
    body = figures_of(client, figures["alice"], "/api/v1/units/C1/figures/coverage/?on=2024-06-01")
    assert body["blank"] is None and body["next"] is None
    assert {k: v for k, v in body.items() if k not in (*LINKS, "blank")} == {
        k: v for k, v in expected.items() if k != "blank"
    }


def test_above_the_records_limit_cells_are_read_from_the_counters(client, figures, monkeypatch):
    """As the cells page: above `RECORDS_LIMIT` members the cells come from their counters,
    the records read for the page's cells alone; the figures are the report's."""
    from ranks.coverage import selectors

    expected = report("cells", "C1", "alice", "--on", "2024-12-31")["cells"]
    monkeypatch.setattr(selectors, "RECORDS_LIMIT", 0)
    url = "/api/v1/units/C1/figures/cells/?on=2024-12-31&page_size=1"
    found = every_page(client, figures["alice"], url, "cells")
    assert sorted(found, key=lambda c: c["code"]) == sorted(expected, key=lambda c: c["code"])
