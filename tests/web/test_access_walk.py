"""Walk every URL name as officers of two different communes: neither reaches the other's data.

Pages with parameters are filled with the other commune's unit codes and person ids, and must
answer 404 exactly like a missing object; pages without parameters must not show the other's
names. A new URL name without a rule here fails the test, so no page escapes the walk.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

# What each URL parameter is filled with, per target: the other commune's objects (their
# candidates are made by the `candidates` fixture).
OTHER = {
    "alice": {
        "code": ["C2", "C2-A"],
        "person_id": ["P-LAN", "P-WALK-B"],
        "place": ["V2"],
        "names": ["Nguyễn Văn Lan", "Đảng bộ xã Hai", "Chi bộ bản Nà", "Lường Văn Bốn"],
    },
    "bob": {
        "code": ["C1", "C1-A", "C1-B", "N1"],
        "person_id": ["P-AN", "P-DUNG", "P-WALK-A"],
        "place": ["V1", "S1"],
        "names": [
            "Nguyễn Văn An",
            "Đặng Thị Dung",
            "Chi bộ thôn Đông",
            "Đảng bộ xã Mới",
            "Lò Văn Một",
        ],
    },
}
OWN = {
    "alice": {"code": "C1-A", "person_id": "P-AN", "place": "V1"},
    "bob": {"code": "C2-A", "person_id": "P-LAN", "place": "V2"},
}
# Pages of a candidacy: the own page is that of one's own candidate.
CANDIDATE_PAGES = {
    "candidate",
    "candidate_event",
    "candidate_event_correct",
    "api_event_record",
    "api_event_correct",
    "api_candidate",
    "api_candidate_eligibility",
}
OWN_CANDIDATE = {"alice": "P-WALK-A", "bob": "P-WALK-B"}
# An `event_id` is an event of the candidate the page names (of the other's candidate when the
# person is no candidate): the `candidates` fixture records one for each.
EVENT_PARAMS = {"event_id"}
# Parameters that choose a kind of record, a stage, a file format, a report, a year or a metric,
# not whose data: the same for both.
SHARED = {
    "kind": "people",
    "fmt": "csv",
    "stage": "class_passed",
    "report": "progress",
    "year": str(dt.date.today().year),
    "metric": "admissions",
}
# Pages whose shared parameters take other values.
SHARED_FOR = {"unit_coverage_report": {"report": "cells"}}
OTHER_USER = {"alice": "bob", "bob": "alice"}
# Query strings a page reads besides ?on= and ?show=sensitive: tried on the other's objects too.
PAGE_QUERIES = {
    "unit_coverage": ["?blank=both", "?blank=any&page=2"],
    "unit_cells": ["?flag=below_minimum&sort=official&dir=desc"],
    "unit_funnel": ["?from=2000-01-01&to=2030-12-31&group=worker", "?from=01/01/2020&page=2"],
    "unit_funnel_report": ["?from=2000-01-01&to=2030-12-31&group=youth_union"],
    "unit_secondments": ["?show=all"],
    "unit_away": ["?on=2025-06-01&page=2", "?on=2026-06-01"],
    "unit_away_report": ["?on=2025-06-01"],
    "unit_members": ["?q=nguyen&status=official&year=2010", "?cell=C2-A&page=2", "?q=P-LAN"],
    "unit_members_export": ["?q=P-AN&status=official", "?cell=C1-A"],
    "api_unit_register_export": ["?q=P-AN&status=official", "?cell=C1-A"],
    "person_edit": ["?show=sensitive"],
    "api_unit_members": ["?q=nguyen&status=official&year=2010", "?cell=C2-A", "?q=P-LAN"],
    "api_unit_transfers": ["?from=2000-01-01&to=2030-12-31", "?direction=in", "?direction=out"],
    "api_unit_leavings": ["?from=2000-01-01&to=2030-12-31&reason=death"],
    "api_figures_progress": ["?depth=0&metric=admissions_women", "?on=2024-12-31&depth=1"],
    "api_figures_composition": ["?from=2024-01-01&to=2024-12-31&show=sensitive"],
    "api_figures_ratio": ["?year=2024"],
    "api_figures_coverage": ["?which=both&page_size=1", "?on=2024-06-01&cursor=bz0x"],
    "api_figures_cells": ["?flag=below_minimum&page_size=1", "?on=2024-06-01&cursor=bz0x"],
    "api_unit_candidates": [
        "?stage=source_list",
        "?status=active&source_group=other&page_size=1",
        "?on=2024-01-01&status=active",
    ],
    "api_unit_due": ["?within=30", "?on=2024-01-01&page_size=1"],
    "unit_decisions": ["?on=2025-07-15", "?on=2025-06-30&page=2"],
    # A suggested split of the other's target reads the counters below it: 404 as well.
    "unit_allocation": ["?suggest=members", "?suggest="],
    "api_unit_target": ["?suggest=members", "?suggest=blank_places"],
}
# API writes that take only POST: a GET answers 405 for anybody; a POST of the other's object
# answers 404, and of one's own anything but 404 (the walk's own import is done: 409).
POST_ONLY = {"api_import_confirm"}
# Pages that record with POST: the other's answer 404 there as well.
POST_PAGES = {
    "unit_secondments",
    "candidate_new",
    "person_new",
    "person_edit",
    "member_transfer",
    "member_leave",
    "member_away",
    "member_return",
    "member_away_comment",
    "api_member_absences",
    "api_person_attributes",
    "unit_edit",
    "place_edit",
    "unit_grants",
    "restructure_new",
    "restructure",
    "api_unit_target",
    "api_unit_target_allocate",
    "api_unit_candidates",
    "person_data",
    "data_request_answer",
    *POST_ONLY,
}
# The API's writes (POST only; GET answers 405 whatever the object): a POST on the other's object
# answers 404 like a missing one; on one's own it reaches the body's check (400 for an empty one).
API_WRITES = {
    "api_event_record",
    "api_event_correct",
    "api_member_transfer",
    "api_member_leave",
    "api_member_absence_return",
    "api_member_absence_comment",
}
# Pages for managers only: an officer's own unit answers 403 there (the refusal page), not 200.
MANAGER_PAGES = {"unit_edit", "place_edit", "unit_grants", "restructure_new"}
# A person's whole record and their requests: for managers with the sensitive grant only. To
# anyone else, their own people included, they answer 404 like a missing person.
PRIVACY_PAGES = {"person_data", "person_data_file", "data_request_answer", "unit_data_requests"}
# API addresses that take no GET: one's own answers 405 (the other's 404, like a missing one).
WRITE_ONLY = {"api_unit_target_allocate"}
# Parameterless pages, with query strings that would list people or units if access leaked.
PLAIN_QUERIES = {
    "tree": [
        "?depth=4",
        "?on=2024-01-01&depth=4",
        "?on=2026-01-01&depth=4",
        # The units below one unit, a page at a time: the other's answer 404.
        *(
            f"?unit={code}{on}"
            for code in ("P", "D1", "D2", "C1", "C2", "N1")
            for on in ("", "&on=2024-01-01")
        ),
        "?unit=P&page=2",
    ],
    "search": [
        "?q=nguyen",
        "?q=dang",
        "?q=chi+bo",
        "?q=C2",
        "?q=N1",
        "?q=xa",
        "?q=P-AN",
        "?q=P-LAN",
    ],
    "import_start": [""],
    # The API (with the session): lists and search hold only one's own; the schema and its
    # pages hold no data; the tokens page only one's own tokens.
    "api_units": [
        "",
        "?on=2024-01-01",
        "?on=2026-01-01",
        *(
            f"?parent={code}&on={on}"
            for code in ("P", "D1", "D2", "C1", "C2", "N1")
            for on in ("2024-01-01", "2026-01-01")
        ),
        "?kind=cell",
        "?kind=cell,grassroots_committee&on=2024-01-01",
        "?kind=commune_committee,grassroots_committee&on=2026-01-01",
    ],
    "api_people": [
        "?q=nguyen",
        "?q=dang",
        "?q=P-AN",
        "?q=P-LAN",
        "?q=P-AN&show=sensitive",
        "?q=P-LAN&show=sensitive",
    ],
    "api_places": [
        "",
        "?on=2024-01-01",
        "?on=2026-01-01",
        "?kind=village&on=2024-01-01",
        *(
            f"?unit={code}&on={on}"
            for code in ("P", "D1", "D2", "C1", "C2", "N1", "C1-A", "C2-A")
            for on in ("2024-01-01", "2026-01-01")
        ),
    ],
    "api_imports": None,  # POST only: an upload (tests/api/test_files.py checks its scope)
    "api_schema": [""],
    "api_docs": [""],
    "api_redoc": [""],
    "account_tokens": [""],
    "home": [""],
    "healthz": [""],
    "readyz": [""],
    "manifest": ["", "?lang=en"],
    "login": [""],
    "logout": None,  # POST only; signs out
    # The installed app: its worker, the outbox and the "no connection" page hold no data (the
    # device fills the outbox in).
    "service_worker": [""],
    "outbox": [""],
    "offline_unavailable": [""],
}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if getattr(p, "namespace", None) == "admin" or str(p.pattern).startswith("admin"):
                continue
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            yield p.name, prefix + str(p.pattern)


def ranks_urls():
    return sorted(set(walk(get_resolver().url_patterns)))


def fill(route: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)


@pytest.fixture
def import_jobs(world):
    """An import by each user: the other's must answer 404."""
    from ranks.interchange.models import ImportJob

    return {
        name: str(
            ImportJob.objects.create(
                user=world.users[name], kind="people", filename="x.csv", status="done", result={}
            ).pk
        )
        for name in OTHER_USER
    }


@pytest.fixture
def restructures(world):
    """A restructure in each commune (a rename of one of its cells): the other's must answer
    404."""
    from ranks.core.actor import SYSTEM
    from ranks.restructure.services import restructure_apply

    return {
        name: str(
            restructure_apply(
                actor=SYSTEM,
                kind="rename",
                on=dt.date(2026, 1, 1),
                sources=[cell],
                name=f"Chi bộ đổi tên {name}",
            ).pk
        )
        for name, cell in (("alice", "C1-B"), ("bob", "C2-A"))
    }


@pytest.fixture
def data_requests(world):
    """A request about their data by a person of each commune: the other's must answer 404."""
    from ranks.core.actor import SYSTEM
    from ranks.org.models import Unit
    from ranks.people.models import Person
    from ranks.privacy.services import data_request_record

    return {
        name: str(
            data_request_record(
                actor=SYSTEM,
                person=Person.objects.get(person_id=person_id),
                unit=Unit.objects.get(code=cell),
                kind="access",
                received_on=dt.date(2026, 1, 5),
            ).pk
        )
        for name, person_id, cell in (("alice", "P-AN", "C1-A"), ("bob", "P-LAN", "C2-A"))
    }


@pytest.fixture
def candidates(world):
    """A candidate in each commune, living in its village."""
    import datetime as dt

    from ranks.core.actor import SYSTEM
    from ranks.people.services import person_save
    from ranks.pipeline.services import candidate_save, stage_event_save

    for person_id, name, place, cell in (
        ("P-WALK-A", "Lò Văn Một", "V1", "C1-A"),
        ("P-WALK-B", "Lường Văn Bốn", "V2", "C2-A"),
    ):
        person_save(
            actor=SYSTEM,
            person_id=person_id,
            full_name=name,
            birth_date=dt.date(2000, 1, 1),
            residence_place_code=place,
        )
        candidate_save(
            actor=SYSTEM, person_id=person_id, cell_code=cell, added_on=dt.date(2024, 1, 1)
        )
    return {
        person_id: str(
            stage_event_save(
                actor=SYSTEM, person_id=person_id, stage="source_list", date=dt.date(2024, 1, 1)
            ).pk
        )
        for person_id in ("P-WALK-A", "P-WALK-B")
    }


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_no_page_reaches_the_other_commune(
    client, world, import_jobs, candidates, restructures, data_requests, username
):
    client.force_login(get_user_model().objects.get(username=username))
    other = {
        **OTHER[username],
        "job_id": [import_jobs[OTHER_USER[username]]],
        "restructure_id": [restructures[OTHER_USER[username]]],
        "pk": [data_requests[OTHER_USER[username]]],
    }
    own_values = {
        **OWN[username],
        "job_id": import_jobs[username],
        "restructure_id": restructures[username],
        "pk": data_requests[username],
    }
    checked = 0
    for name, route in ranks_urls():
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if name == "set_language":
            continue
        shared = {**SHARED, **SHARED_FOR.get(name, {})}
        if params:
            owned = [p for p in params if p not in SHARED and p not in EVENT_PARAMS]
            unknown = [p for p in owned if p not in other]
            assert not unknown, (
                f"URL {name} has parameters {unknown} that the access walk does not fill"
            )
            if not owned:  # the same for everybody allowed, e.g. an import template
                assert client.get(fill(route, shared)).status_code == 200, route
                checked += 1
                continue
            key = owned[0]
            if name in API_WRITES:
                mine = OWN_CANDIDATE[username] if name in CANDIDATE_PAGES else own_values[key]
                for value in [*other[key], mine]:
                    event = candidates.get(value, candidates[OWN_CANDIDATE[OTHER_USER[username]]])
                    url = fill(route, {**shared, key: value, "event_id": event})
                    response = client.post(url, {}, content_type="application/json")
                    expected = 400 if value == mine else 404
                    assert response.status_code == expected, f"{username} posted {url}"
                    checked += 1
                continue
            for value in other[key]:
                event = candidates.get(value, candidates[OWN_CANDIDATE[OTHER_USER[username]]])
                url = fill(route, {**shared, key: value, "event_id": event})
                queries = ("", "?on=2024-01-01", "?on=2026-01-01", "?show=sensitive")
                for query in (*queries, *PAGE_QUERIES.get(name, ())):
                    response = client.get(url + query)
                    assert response.status_code == (405 if name in POST_ONLY else 404), (
                        f"{username} reached {url}{query}: {response.status_code}"
                    )
                    checked += 1
                if name in POST_PAGES:
                    assert client.post(url, {}).status_code == 404, f"{username} posted {url}"
            # The same page of one's own object works, so the 404 above is about access.
            mine = own_values[key]
            if name in CANDIDATE_PAGES:
                mine = OWN_CANDIDATE[username]
            own = fill(
                route, {**shared, key: mine, "event_id": candidates[OWN_CANDIDATE[username]]}
            )
            if name in POST_ONLY:
                assert client.post(own, {}).status_code != 404, own
                continue
            expected = 405 if name in WRITE_ONLY else 403 if name in MANAGER_PAGES else 200
            if name in PRIVACY_PAGES:
                expected = 404  # an officer without the manager role and sensitive grant
            assert client.get(own).status_code == expected, own
        else:
            assert name in PLAIN_QUERIES, f"URL {name} ({route}) has no rule in the access walk"
            for query in PLAIN_QUERIES[name] or []:
                response = client.get("/" + route + query, follow=True)
                text = response.content.decode()
                for foreign in other["names"]:
                    assert foreign not in text, f"{username} saw {foreign!r} on /{route}{query}"
                checked += 1
    assert checked > 20


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_managers_reach_only_their_own_manager_pages(client, world, username):
    """Made managers of their communes, each reaches the manager pages of their own units and
    still gets 404 for the other's."""
    from ranks.access.services import grant_role
    from ranks.core.actor import SYSTEM

    for code in {"alice": ["C1", "N1"], "bob": ["C2"]}[username]:
        grant_role(actor=SYSTEM, username=username, role="manager", unit_code=code, sensitive=True)
    client.force_login(get_user_model().objects.get(username=username))
    routes = dict(ranks_urls())
    for name in sorted(MANAGER_PAGES):
        key = re.findall(r"<(?:\w+:)?(\w+)>", routes[name])[0]
        for value in OTHER[username][key]:
            url = fill(routes[name], {key: value})
            assert client.get(url).status_code == 404, url
            assert client.post(url, {}).status_code == 404, url
        own = fill(routes[name], {key: OWN[username][key]})
        assert client.get(own).status_code == 200, own


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_managers_with_the_sensitive_grant_reach_their_own_peoples_data_only(
    client, world, data_requests, username
):
    from ranks.access.services import grant_role
    from ranks.core.actor import SYSTEM

    for code in {"alice": ["C1", "N1"], "bob": ["C2"]}[username]:
        grant_role(actor=SYSTEM, username=username, role="manager", unit_code=code, sensitive=True)
    client.force_login(get_user_model().objects.get(username=username))
    routes = dict(ranks_urls())
    values = {**OTHER[username], "pk": [data_requests[OTHER_USER[username]]]}
    own_values = {**OWN[username], "pk": data_requests[username]}
    for name in sorted(PRIVACY_PAGES):
        key = re.findall(r"<(?:\w+:)?(\w+)>", routes[name])[0]
        for value in values[key]:
            url = fill(routes[name], {key: value})
            assert client.get(url).status_code == 404, url
        own = fill(routes[name], {key: own_values[key]})
        assert client.get(own).status_code == 200, own


def test_not_allowed_and_missing_look_the_same(client, world):
    client.force_login(get_user_model().objects.get(username="alice"))
    forbidden = client.get("/units/C2/")
    missing = client.get("/units/NO-SUCH-UNIT/")
    assert forbidden.status_code == missing.status_code == 404
    # The pages differ only in the address they echo back (the language switch returns there).
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|data-rendered-at="[^"]+"')
    forbidden_page = token.sub(b"", forbidden.content).replace(b"/units/C2/", b"/units/X/")
    missing_page = token.sub(b"", missing.content).replace(b"/units/NO-SUCH-UNIT/", b"/units/X/")
    assert forbidden_page == missing_page


def test_pages_need_a_sign_in(client, world):
    for url in ("/tree/", "/units/C1/", "/people/P-AN/", "/search/?q=an"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url


def test_admin_is_for_superusers_only(client, world):
    client.force_login(get_user_model().objects.get(username="vera"))
    assert client.get("/admin/").status_code == 302
    client.logout()
    client.force_login(get_user_model().objects.get(username="root"))
    assert client.get("/admin/").status_code == 200
