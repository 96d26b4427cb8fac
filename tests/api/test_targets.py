"""Targets through the API: read, set, allocate — the allocation page's figures, role checks and
refusals, audited with the channel `api`, idempotent, within scope.

In the `world`, N1 (no parent) has C1-A and C1-B directly below it today; C1 had them on
1 January 2024. Alice is an officer of C1 and N1, made a manager of N1 where a test needs it."""

import datetime as dt
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from ranks.access.services import grant_role
from ranks.api.services import token_create
from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.targets.metrics import Metric
from ranks.targets.models import Target, TargetRevision
from ranks.targets.selectors import allocation_on, allocation_revisions
from ranks.targets.services import allocation_day, target_check, target_set
from ranks.targets.suggest import allocation_suggested
from ranks.targets.views.allocation import allocation_balance
from tests.api.conftest import bearer

YEAR = today().year
LIST = "/api/v1/units/{code}/targets/"
ONE = "/api/v1/units/{code}/targets/{year}/{metric}/"
ALLOCATE = ONE + "allocate/"
PAGE = "/units/{code}/targets/{year}/{metric}/"


def en(secret: str, **extra) -> dict[str, str]:
    return {**bearer(secret), "HTTP_ACCEPT_LANGUAGE": "en", **extra}


def seed():
    """N1's admissions this year: 10, split 4 and 3 (under-allocated by 3)."""
    for code, value in (("N1", 10), ("C1-A", 4), ("C1-B", 3)):
        target_set(
            actor=SYSTEM, unit_code=code, year=YEAR, metric="admissions", value=value,
            reason="Nghị quyết 01",
        )  # fmt: skip


def manager(username="alice", codes=("N1",)):
    for code in codes:
        grant_role(actor=SYSTEM, username=username, role="manager", unit_code=code)


def value_of(code: str, year: int = YEAR, metric: str = "admissions") -> int | None:
    found = Target.objects.filter(unit__code=code, year=year, metric=metric).first()
    return found.value if found else None


def page_row(world, code, year, metric):
    """What the allocation page's selector reads, as the API is to answer it."""
    unit = world.units[code]
    allocation = allocation_on(unit=unit, day=allocation_day(year), year=year, metric=metric)
    allocated = sum(v or 0 for _c, _n, v in allocation.children)
    value = allocation.unit_value
    with translation.override("en"):
        balance = allocation_balance(value, allocated)
    return allocation, {
        "value": value,
        "children": [{"code": c, "name": n, "value": v} for c, n, v in allocation.children],
        "allocated": allocated,
        "remainder": None if value is None else value - allocated,
        "balance": balance,
        "exists_on_day": allocation.version is not None,
        "day": allocation_day(year).isoformat(),
    }


def picked(row: dict) -> dict:
    return {key: row[key] for key in ("value", "children", "allocated", "remainder", "balance",
                                      "exists_on_day", "day")}  # fmt: skip


# --- reads ------------------------------------------------------------------------------------


def test_the_list_is_what_the_page_reads(client, world, tokens):
    seed()
    body = client.get(LIST.format(code="N1"), **en(tokens["alice"])).json()
    assert body["unit"] == "N1" and body["year"] == YEAR
    assert [row["metric"] for row in body["results"]] == list(Metric.values)
    for row in body["results"]:
        _allocation, expected = page_row(world, "N1", YEAR, row["metric"])
        assert picked(row) == expected, row["metric"]
    admissions = body["results"][0]
    assert admissions["value"] == 10 and admissions["remainder"] == 3
    assert admissions["balance"]["text"] == "Under-allocated by 3"
    assert admissions["set_by"] == "system" and admissions["set_at"]
    assert admissions["metric_label"] == "admissions"
    # An officer sees; only a manager may change.
    assert (admissions["may_allocate"], admissions["may_set"]) == (False, False)
    assert body["results"][1]["value"] is None and body["results"][1]["balance"]["kind"] == "none"


def test_the_list_of_one_metric_and_a_past_year(client, world, tokens):
    target_set(actor=SYSTEM, unit_code="C1-A", year=2024, metric="admissions_women", value=2)
    url = LIST.format(code="C1") + "?year=2024&metric=admissions_women"
    body = client.get(url, **en(tokens["alice"])).json()
    assert [row["metric"] for row in body["results"]] == ["admissions_women"]
    row = body["results"][0]
    # 2024 is split on the tree of 1 January 2024, when C1 still had its cells.
    assert row["day"] == "2024-01-01" and row["exists_on_day"]
    assert picked(row) == page_row(world, "C1", 2024, "admissions_women")[1]
    assert [c["code"] for c in row["children"]] == ["C1-A", "C1-B"]
    assert row["children"][0]["value"] == 2


def test_one_allocation_with_its_revisions(client, world, tokens):
    seed()
    target_set(actor=SYSTEM, unit_code="C1-A", year=YEAR, metric="admissions", value=5,
               reason="Điều chỉnh")  # fmt: skip
    url = ONE.format(code="N1", year=YEAR, metric="admissions")
    row = client.get(url, **en(tokens["alice"])).json()
    allocation, expected = page_row(world, "N1", YEAR, "admissions")
    assert picked(row) == expected
    revisions = allocation_revisions(allocation=allocation, year=YEAR, metric="admissions")
    assert [(r["unit"], r["old_value"], r["new_value"], r["by"], r["reason"])
            for r in row["revisions"]] == [
        (r.target.unit.code, r.old_value, r.new_value, r.by, r.reason) for r in revisions
    ]  # fmt: skip
    assert row["revisions"][0]["old_value"] == 4 and row["revisions"][0]["reason"] == "Điều chỉnh"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (LIST.format(code="N1") + "?year=1800", "year"),
        (LIST.format(code="N1") + "?year=", "year"),
        (LIST.format(code="N1") + "?metric=nonsense", "metric"),
        (LIST.format(code="N1") + "?colour=red", None),
        (ONE.format(code="N1", year="20x6", metric="admissions"), "year"),
        (ONE.format(code="N1", year=YEAR, metric="nonsense"), "metric"),
    ],
)
def test_a_bad_year_or_metric_is_a_400_naming_it(client, world, tokens, url, field):
    response = client.get(url, **en(tokens["alice"]))
    if field is None:  # an unknown parameter is ignored, as the other reads do
        assert response.status_code == 200
        return
    assert response.status_code == 400, url
    assert response.json()["code"] == "invalid" and field in response.json()["details"]


# --- scope and role ---------------------------------------------------------------------------


def every_address(code):
    return [
        ("get", LIST.format(code=code), None),
        ("get", LIST.format(code=code) + f"?year={YEAR}&metric=admissions", None),
        ("get", ONE.format(code=code, year=YEAR, metric="admissions"), None),
        ("put", ONE.format(code=code, year=YEAR, metric="admissions"), {"value": 1}),
        ("post", ALLOCATE.format(code=code, year=YEAR, metric="admissions"), {"children": []}),
        ("get", ALLOCATE.format(code=code, year=YEAR, metric="admissions"), None),
        ("post", ONE.format(code=code, year=YEAR, metric="admissions"), {}),
    ]


def test_bob_finds_none_of_alices_units(client, world, tokens):
    seed()
    manager("bob", ["C2"])
    headers = en(tokens["bob"])
    missing = client.get(LIST.format(code="NO-SUCH"), **headers).json()
    for code in ("N1", "C1", "C1-A", "D1"):
        for method, url, body in every_address(code):
            response = getattr(client, method)(
                url, body, content_type="application/json", **headers
            )
            assert response.status_code == 404, (method, url)
            assert response.json() == missing
    assert value_of("C1-A") == 4 and TargetRevision.objects.count() == 3
    # His own commune answers.
    assert client.get(LIST.format(code="C2"), **headers).status_code == 200
    # A method an address does not take, on one's own unit: 405.
    own = ALLOCATE.format(code="C2", year=YEAR, metric="admissions")
    assert client.get(own, **headers).status_code == 405


def test_an_officer_may_read_but_not_set_or_allocate(client, world, tokens):
    seed()
    headers = en(tokens["alice"])
    before = (AuditEntry.objects.count(), TargetRevision.objects.count())
    put = client.put(
        ONE.format(code="C1-A", year=YEAR, metric="admissions"),
        {"value": 9},
        content_type="application/json",
        **headers,
    )
    post = client.post(
        ALLOCATE.format(code="N1", year=YEAR, metric="admissions"),
        {"children": [{"code": "C1-A", "value": 9}]},
        content_type="application/json",
        **headers,
    )
    for response in (put, post):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        # The allocation page's words.
        assert response.json()["message"] == (
            "Setting and splitting targets needs the manager role for this unit."
        )
    assert (AuditEntry.objects.count(), TargetRevision.objects.count()) == before
    assert value_of("C1-A") == 4


def test_a_read_only_token_cannot_write(client, world):
    seed()
    manager()
    secret = token_create(actor=SYSTEM, username="alice", name="ro", read_only=True)[1]
    for method, url, body in every_address("N1")[3:5]:
        response = getattr(client, method)(url, body, content_type="application/json", **en(secret))
        assert response.status_code == 403 and response.json()["code"] == "read_only_token"
    assert client.get(LIST.format(code="N1"), **en(secret)).status_code == 200
    assert value_of("N1") == 10


# --- writes -----------------------------------------------------------------------------------


def test_allocating_writes_targets_revisions_and_audit_with_channel_api(client, world, tokens):
    seed()
    manager()
    before = AuditEntry.objects.count()
    response = client.post(
        ALLOCATE.format(code="N1", year=YEAR, metric="admissions"),
        {"children": [{"code": "C1-B", "value": 3}, {"code": "C1-A", "value": 6}],
         "reason": "Nghị quyết 05"},
        content_type="application/json",
        **en(tokens["alice"]),
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    # Only C1-A changed: 3 was C1-B's target already.
    assert body["changed"] == ["C1-A"] and body["message"] == "Saved: 1 targets changed."
    assert picked(body) == page_row(world, "N1", YEAR, "admissions")[1]
    assert body["allocated"] == 9 and body["remainder"] == 1 and body["may_allocate"] is True
    assert value_of("C1-A") == 6 and value_of("C1-B") == 3
    revision = TargetRevision.objects.filter(target__unit__code="C1-A").last()
    assert (revision.old_value, revision.new_value, revision.by, revision.reason) == (
        4, 6, "alice", "Nghị quyết 05",
    )  # fmt: skip
    entries = list(AuditEntry.objects.order_by("seq")[before:])
    assert [(e.action, e.object_id, e.actor, e.channel) for e in entries] == [
        ("ranks.targets.target.set", f"C1-A/{YEAR}/admissions", "alice", "api")
    ]
    # Nothing to change: said as the page says it.
    again = client.post(
        ALLOCATE.format(code="N1", year=YEAR, metric="admissions"),
        {"children": [{"code": "C1-A", "value": 6}]},
        content_type="application/json",
        **en(tokens["alice"]),
    ).json()
    assert again["changed"] == [] and again["message"] == "Nothing changed."


def test_setting_the_units_own_target_needs_the_manager_role_over_its_parent(client, world, tokens):
    seed()
    manager()
    headers = en(tokens["alice"])
    before = AuditEntry.objects.count()
    # C1-A's parent today is N1, which alice manages.
    response = client.put(
        ONE.format(code="C1-A", year=YEAR, metric="admissions"),
        {"value": 7, "reason": "Bổ sung"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["value"] == 7 and body["set_by"] == "alice" and body["changed"] == ["C1-A"]
    assert (body["may_allocate"], body["may_set"]) == (True, True)
    assert [(e.object_id, e.channel, e.after) for e in AuditEntry.objects.order_by("seq")[before:]] == [
        (f"C1-A/{YEAR}/admissions", "api", {"value": 7, "reason": "Bổ sung"})
    ]  # fmt: skip
    # N1 has no parent: only full access sets its own figure, as on the page.
    assert client.get(LIST.format(code="N1"), **headers).json()["results"][0]["may_set"] is False
    for method, url, body in (
        ("put", ONE.format(code="N1", year=YEAR, metric="admissions"), {"value": 99}),
        ("post", ALLOCATE.format(code="N1", year=YEAR, metric="admissions"),
         {"children": [{"code": "C1-A", "value": 1}], "unit_value": 99}),
    ):  # fmt: skip
        response = getattr(client, method)(url, body, content_type="application/json", **headers)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert value_of("N1") == 10 and value_of("C1-A") == 7
    # A superuser may, in one transaction with the split.
    root = token_create(actor=SYSTEM, username="root", name="root")[1]
    response = client.post(
        ALLOCATE.format(code="N1", year=YEAR, metric="admissions"),
        {"children": [{"code": "C1-A", "value": 8}], "unit_value": 11},
        content_type="application/json",
        **en(root),
    )
    assert response.status_code == 200 and response.json()["changed"] == ["N1", "C1-A"]
    assert value_of("N1") == 11 and value_of("C1-A") == 8


def test_an_idempotency_key_retry_records_once(client, world, tokens):
    seed()
    manager()
    url = ALLOCATE.format(code="N1", year=YEAR, metric="admissions")
    body = {"children": [{"code": "C1-A", "value": 5}], "reason": "Lần một"}
    headers = en(tokens["alice"], HTTP_IDEMPOTENCY_KEY="4b7c0f2e-targets")
    before = (AuditEntry.objects.count(), TargetRevision.objects.count())
    first = client.post(url, body, content_type="application/json", **headers)
    second = client.post(url, body, content_type="application/json", **headers)
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert (AuditEntry.objects.count(), TargetRevision.objects.count()) == (
        before[0] + 1,
        before[1] + 1,
    )
    # The same key for another write is refused; a PUT retried is recorded once too.
    other = client.post(url, {**body, "reason": "Lần hai"}, content_type="application/json",
                        **headers)  # fmt: skip
    assert other.status_code == 422
    put = ONE.format(code="C1-B", year=YEAR, metric="admissions")
    put_headers = en(tokens["alice"], HTTP_IDEMPOTENCY_KEY="put-once")
    for _ in range(2):
        assert client.put(put, {"value": 2}, content_type="application/json",
                          **put_headers).status_code == 200  # fmt: skip
    assert TargetRevision.objects.filter(target__unit__code="C1-B").count() == 2  # seed + one


# --- refusals, message for message with the page ----------------------------------------------


def signed_in(username, language):
    page = Client()
    page.force_login(get_user_model().objects.get(username=username))
    page.post("/i18n/setlang/", {"language": language, "next": "/"})
    return page


def page_errors(response) -> list[str]:
    """The messages the allocation page shows for a refused save."""
    text = response.content.decode()
    assert response.status_code == 200 and 'data-test="form-error"' in text
    found = re.findall(r'<div class="(?:notice error|field-error)"[^>]*>(.*?)</div>', text, re.S)
    return [html.unescape(m) for block in found for m in re.findall(r"<p>(.*?)</p>", block)]


@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_unit_not_directly_below_is_refused_as_the_page_refuses_it(
    client, world, tokens, language
):
    seed()
    manager()
    before = (AuditEntry.objects.count(), TargetRevision.objects.count())
    page = signed_in("alice", language).post(
        PAGE.format(code="N1", year=YEAR, metric="admissions"),
        {"child-C1-A": "1", "child-C2": "5", "reason": "x"},
    )
    response = client.post(
        ALLOCATE.format(code="N1", year=YEAR, metric="admissions"),
        {"children": [{"code": "C1-A", "value": 1}, {"code": "C2", "value": 5}], "reason": "x"},
        content_type="application/json",
        **bearer(tokens["alice"]),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "C2" in body["message"]
    assert page_errors(page) == [body["message"]]
    assert body["details"] == {"values": [body["message"]]}
    assert (AuditEntry.objects.count(), TargetRevision.objects.count()) == before
    assert value_of("C1-A") == 4  # all or nothing


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("bad", [-5, 99_999_999_999])
def test_a_bad_number_gets_the_pages_message(client, world, tokens, language, bad):
    seed()
    manager()
    page = signed_in("alice", language).post(
        PAGE.format(code="N1", year=YEAR, metric="admissions"),
        {"child-C1-A": "1", "child-C1-B": str(bad)},
    )
    response = client.post(
        ALLOCATE.format(code="N1", year=YEAR, metric="admissions"),
        {"children": [{"code": "C1-A", "value": 1}, {"code": "C1-B", "value": bad}]},
        content_type="application/json",
        **bearer(tokens["alice"]),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    # The second child's figure, with the message the page gives its field.
    assert response.json()["details"] == {"children": {"1": {"value": page_errors(page)}}}
    assert len(page_errors(page)) == 1
    assert value_of("C1-A") == 4 and value_of("C1-B") == 3


def test_a_year_too_far_ahead_is_refused_with_the_services_message(client, world, tokens):
    manager(codes=("N1",))
    far = YEAR + 12
    response = client.put(
        ONE.format(code="C1-A", year=far, metric="admissions"),
        {"value": 1},
        content_type="application/json",
        **en(tokens["alice"]),
    )
    with translation.override("en"), pytest.raises(DomainError) as refused:
        target_check(far, "admissions", 1)
    assert response.status_code == 400
    assert response.json()["message"] == refused.value.message
    assert response.json()["details"] == {"year": [refused.value.message]}
    assert value_of("C1-A", far) is None


def test_a_unit_given_twice_or_a_null_value_is_refused(client, world, tokens):
    seed()
    manager()
    url = ALLOCATE.format(code="N1", year=YEAR, metric="admissions")
    twice = client.post(
        url,
        {"children": [{"code": "C1-A", "value": 1}, {"code": "C1-A", "value": 2}]},
        content_type="application/json",
        **bearer(tokens["alice"]),
        HTTP_ACCEPT_LANGUAGE="vi",
    ).json()
    assert twice["details"] == {"children": ["Mỗi tổ chức chỉ được ghi một lần: C1-A."]}
    emptied = client.post(
        url,
        {"children": [{"code": "C1-A", "value": None}]},
        content_type="application/json",
        **en(tokens["alice"]),
    ).json()
    assert emptied["details"]["children"]["0"]["value"] == [
        "A target cannot be removed here; enter 0 instead."
    ]
    assert value_of("C1-A") == 4


def test_a_unit_that_did_not_exist_on_the_day_has_nothing_to_split(client, world, tokens):
    """C1 closed on 30 June 2025: this year it has no units below, and none can be given."""
    root = token_create(actor=SYSTEM, username="root", name="root")[1]
    row = client.get(ONE.format(code="C1", year=YEAR, metric="admissions"), **en(root)).json()
    assert row["exists_on_day"] is False and row["children"] == []
    assert row["day"] == allocation_day(YEAR).isoformat() == today().isoformat()
    response = client.post(
        ALLOCATE.format(code="C1", year=YEAR, metric="admissions"),
        {"children": [{"code": "C1-A", "value": 1}]},
        content_type="application/json",
        **en(root),
    )
    assert response.status_code == 400 and "Not directly below C1" in response.json()["message"]
    assert dt.date.fromisoformat(row["day"]).year == YEAR


def test_the_list_costs_the_same_for_one_metric_or_all(client, world, tokens):
    """Three reads of the targets whatever the number of metrics, and no more for more units
    below: the rows shown, not a walk."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed()
    headers = en(tokens["alice"])
    client.get(LIST.format(code="N1"), **headers)  # the token's last use is written once a minute

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **headers).status_code == 200
        return len(queries)

    one = count(LIST.format(code="N1") + "?metric=admissions")
    assert count(LIST.format(code="N1")) == one
    # A past year on C1 (two units below) costs what this year's on N1 does.
    assert count(LIST.format(code="C1") + "?year=2024") == one
    # A unit that did not exist on the day: its name read once, not once per metric.
    gone = count(LIST.format(code="C1") + "?metric=admissions")
    assert count(LIST.format(code="C1")) == gone


# --- a suggested split ------------------------------------------------------------------------


def test_a_suggested_split_is_what_the_page_suggests(client, world, tokens):
    seed()
    url = ONE.format(code="N1", year=YEAR, metric="admissions")
    plain = client.get(url, **en(tokens["alice"])).json()
    assert plain["suggestion"] is None
    body = client.get(url + "?suggest=members", **en(tokens["alice"])).json()
    with translation.override("en"):
        expected = allocation_suggested(
            unit=world.units["N1"], year=YEAR, metric="admissions", weight="members"
        )
    suggestion = body["suggestion"]
    assert suggestion["weight"] == "members" and suggestion["value"] == 10
    assert suggestion["parts"] == [p.as_dict() for p in expected.parts]
    assert sum(p["value"] for p in suggestion["parts"]) == 10
    # Empty: the metric's default, the norm for admissions.
    assert (
        client.get(url + "?suggest=", **en(tokens["alice"])).json()["suggestion"]["weight"]
        == "norm"
    )


def test_a_suggestion_with_nothing_to_split_or_a_bad_weight_is_a_400(client, world, tokens):
    url = ONE.format(code="N1", year=YEAR, metric="admissions_women") + "?suggest=members"
    response = client.get(url, **en(tokens["alice"]))
    assert response.status_code == 400
    assert response.json()["message"] == (
        f"N1 has no {YEAR} target for admissions of women to split."
    )
    bad = client.get(url.replace("members", "size"), **en(tokens["alice"]))
    assert bad.status_code == 400 and "suggest" in bad.json()["details"]


def test_bob_gets_no_suggestion_for_alices_unit(client, world, tokens):
    seed()
    url = ONE.format(code="N1", year=YEAR, metric="admissions") + "?suggest=members"
    assert client.get(url, **en(tokens["bob"])).status_code == 404


def test_an_allocation_from_a_suggestion_keeps_it_with_the_revisions(client, world, tokens):
    seed()
    manager()
    with translation.override("en"):
        suggested = allocation_suggested(
            unit=world.units["N1"], year=YEAR, metric="admissions", weight="members"
        ).values()
    response = client.post(
        ALLOCATE.format(code="N1", year=YEAR, metric="admissions"),
        {"children": [{"code": "C1-A", "value": suggested["C1-A"] + 1},
                      {"code": "C1-B", "value": suggested["C1-B"] - 1 if suggested["C1-B"] else 0}],
         "reason": "Nghị quyết 07", "suggested_weight": "members"},
        content_type="application/json",
        **en(tokens["alice"]),
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    kept = {
        r["unit"]: (r["suggested_weight"], r["suggested_value"])
        for r in response.json()["revisions"]
        if r["reason"] == "Nghị quyết 07"
    }
    assert kept["C1-A"] == ("members", suggested["C1-A"])
    revision = TargetRevision.objects.filter(target__unit__code="C1-A").last()
    assert (revision.suggested_weight, revision.suggested_value) == ("members", suggested["C1-A"])
