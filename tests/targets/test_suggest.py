"""A suggested split of a unit's target among the units below it: the weights read from the
counters with their reasons, `ranks targets suggest`, the allocation page's "Suggest" action, and
the suggestion kept with the revisions when the manager saves it."""

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.org.models import Unit
from ranks.org.services import place_version_save
from ranks.people.models import Posting
from ranks.people.services import person_save
from ranks.pipeline.services import candidate_save
from ranks.targets import suggest as suggest_module
from ranks.targets.models import Target, TargetRevision
from ranks.targets.services import target_set
from ranks.targets.split import largest_remainder_split, split_beyond
from ranks.targets.suggest import allocation_suggested
from tests.factories import make_user
from tests.targets.province import PROVINCE, admit_in_bulk, build_province, child_code

YEAR = today().year
JAN_1 = dt.date(YEAR, 1, 1)
CHILDREN = 4
TARGET = 10
URL = f"/units/{PROVINCE}/targets/{YEAR}/admissions/"
# Admitted to each child's cell the year before last and last year: members on 1 January are
# both, last year's admissions the second.
BEFORE = {1: 0, 2: 10, 3: 10, 4: 0}
LAST_YEAR = {1: 12, 2: 8, 3: 0, 4: 0}


@pytest.fixture
def province(db):
    build_province(year=YEAR, children=CHILDREN, targets=False)
    for n in range(1, CHILDREN + 1):
        cell = f"{child_code(n)}-A"
        if BEFORE[n]:
            admit_in_bulk(
                cell, BEFORE[n], first_day=dt.date(YEAR - 2, 2, 1),
                last_day=dt.date(YEAR - 2, 11, 1), prefix=f"O{n}",
            )  # fmt: skip
        if LAST_YEAR[n]:
            admit_in_bulk(
                cell, LAST_YEAR[n], first_day=dt.date(YEAR - 1, 2, 1),
                last_day=dt.date(YEAR - 1, 11, 1), prefix=f"L{n}",
            )  # fmt: skip
    target_set(actor=SYSTEM, unit_code=PROVINCE, year=YEAR, metric="admissions", value=TARGET)
    make_user("minh")  # manager of the province
    make_user("thu")  # viewer of the province
    make_user("lan")  # manager of one commune only
    grant_role(actor=SYSTEM, username="minh", role="manager", unit_code=PROVINCE)
    grant_role(actor=SYSTEM, username="thu", role="viewer", unit_code=PROVINCE)
    grant_role(actor=SYSTEM, username="lan", role="manager", unit_code=child_code(1))
    return Unit.objects.get(code=PROVINCE)


@pytest.fixture(autouse=True)
def english():
    """The reasons as an English reader sees them (the pages and commands choose the language)."""
    with translation.override("en"):
        yield


def members_recounted() -> list[int]:
    """Members on 1 January below each child, counted from the postings (not the counters)."""
    return [
        Posting.objects.filter(
            cell__code=f"{child_code(n)}-A", membership__admission_decision_date__lt=JAN_1
        ).count()
        for n in range(1, CHILDREN + 1)
    ]


def admitted_last_year() -> list[int]:
    return [
        Posting.objects.filter(
            cell__code=f"{child_code(n)}-A",
            membership__admission_decision_date__year=YEAR - 1,
        ).count()
        for n in range(1, CHILDREN + 1)
    ]


def run(*args):
    out = io.StringIO()
    call_command("targets", "suggest", *args, "--lang", "en", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_members_on_1_january_split_the_target_with_reasons(province):
    s = allocation_suggested(unit=province, year=YEAR, metric="admissions", weight="members")
    members = members_recounted()
    assert [p.weight for p in s.parts] == members
    assert [p.value for p in s.parts] == largest_remainder_split(TARGET, members)
    assert sum(p.value for p in s.parts) == TARGET
    first = s.parts[0]
    assert first.reason == (
        f"{members[0]} of {sum(members)} members on {JAN_1:%d/%m/%Y} → {first.value}"
    )


def test_the_norm_weight_follows_the_rules_in_force(province):
    """Before Resolution 21-NQ/TW (2022) no norm stood: that weight is refused, worded, and the
    others still split the figure."""
    target_set(actor=SYSTEM, unit_code=PROVINCE, year=2021, metric="admissions", value=TARGET)
    with pytest.raises(DomainError, match="No admission norm was in force on 01/01/2021"):
        allocation_suggested(unit=province, year=2021, metric="admissions", weight="norm")
    by_members = allocation_suggested(
        unit=province, year=2021, metric="admissions", weight="members"
    )
    assert sum(p.value for p in by_members.parts) == TARGET


def test_last_years_admissions_and_the_norm(province):
    last = admitted_last_year()
    s = allocation_suggested(
        unit=province, year=YEAR, metric="admissions", weight="last_admissions"
    )
    assert [p.value for p in s.parts] == largest_remainder_split(TARGET, last)
    assert s.parts[0].reason.startswith(f"{last[0]} of {sum(last)} admissions in {YEAR - 1} →")
    # The norm is the default for admissions: 3.5 % of the members on 1 January.
    norm = allocation_suggested(unit=province, year=YEAR, metric="admissions")
    members = members_recounted()
    assert norm.weight == "norm"
    assert [p.value for p in norm.parts] == largest_remainder_split(TARGET, members)
    # 3.5 %: the middle of R16's 3–4 % in force that year (the dated rules).
    assert [p.weight for p in norm.parts] == [m * 35 / 1000 for m in members]
    assert norm.parts[1].reason.startswith(
        f"3.5% of {members[1]} members on {JAN_1:%d/%m/%Y} = 0.63 (of 1.4) →"
    )


def test_candidates_in_the_pipeline(province):
    for n, count in ((1, 1), (3, 3)):
        for i in range(count):
            person_save(
                actor=SYSTEM, person_id=f"Q{n}-{i}", full_name="Lò Văn Pọm",
                birth_date=dt.date(2003, 5, 5), education_general="upper_secondary",
            )  # fmt: skip
            candidate_save(
                actor=SYSTEM, person_id=f"Q{n}-{i}", cell_code=f"{child_code(n)}-A",
                added_on=dt.date(YEAR - 1, 6, 1),
            )  # fmt: skip
    s = allocation_suggested(unit=province, year=YEAR, metric="admissions", weight="candidates")
    assert [p.weight for p in s.parts] == [1, 0, 3, 0]
    assert [p.value for p in s.parts] == largest_remainder_split(TARGET, [1, 0, 3, 0])
    assert "3 of 4 candidates in the pipeline on" in s.parts[2].reason


def test_blank_places_for_the_coverage_metrics(province):
    # HD-01: a village with its cell and one without; HD-02: three villages without a cell;
    # HD-04: one village with its cell.
    places = [(1, True), (1, False), (2, False), (2, False), (2, False), (4, True)]
    for i, (n, with_cell) in enumerate(places):
        place_version_save(
            actor=SYSTEM, code=f"V{i}", name=f"Thôn {i}", kind="village",
            unit_code=child_code(n), cell_codes=[f"{child_code(n)}-A"] if with_cell else [],
            valid_from=dt.date(2000, 1, 1),
        )  # fmt: skip
    target_set(actor=SYSTEM, unit_code=PROVINCE, year=YEAR, metric="places_with_cell", value=6)
    s = allocation_suggested(unit=province, year=YEAR, metric="places_with_cell")
    covered = [sum(1 for m, c in places if m == n and c) for n in range(1, CHILDREN + 1)]
    blank = [sum(1 for m, c in places if m == n and not c) for n in range(1, CHILDREN + 1)]
    assert s.weight == "blank_places"
    assert [p.value for p in s.parts] == split_beyond(6, covered, blank)
    assert sum(p.value for p in s.parts) == 6
    assert s.parts[1].reason.startswith(f"0 places with a cell and 3 of {sum(blank)} without")


def test_zero_weights_and_ties_still_sum_to_the_target(province):
    # Nobody was admitted below anyone before the year before last: all weights 0.
    target_set(actor=SYSTEM, unit_code=PROVINCE, year=YEAR - 2, metric="admissions", value=7)
    s = allocation_suggested(unit=province, year=YEAR - 2, metric="admissions", weight="members")
    assert [p.value for p in s.parts] == [2, 2, 2, 1] and s.equal
    assert all(p.reason.endswith("(no unit below has any: split equally)") for p in s.parts)
    # Ties: HD-02 and HD-03 have 10 members each on 1 January of last year, 1 to split between
    # them and the larger weights first, then the first in the order shown.
    target_set(actor=SYSTEM, unit_code=PROVINCE, year=YEAR - 1, metric="admissions", value=1)
    s = allocation_suggested(unit=province, year=YEAR - 1, metric="admissions", weight="members")
    assert [p.value for p in s.parts] == [0, 1, 0, 0]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    total=st.integers(min_value=0, max_value=3000),
    counts=st.lists(st.integers(min_value=0, max_value=40), min_size=CHILDREN, max_size=CHILDREN),
    weight=st.sampled_from(["members", "norm", "last_admissions"]),
)
def test_any_counts_give_whole_parts_summing_to_the_target(
    province, monkeypatch, total, counts, weight
):
    """Through the selector, whatever the counters say (zeros and ties included)."""
    ids = list(
        Unit.objects.filter(code__in=[child_code(n) for n in range(1, CHILDREN + 1)])
        .order_by("code")
        .values_list("pk", flat=True)
    )
    by_id = dict(zip(ids, counts, strict=True))
    monkeypatch.setattr(suggest_module, "members_on", lambda _ids, _day: by_id)
    monkeypatch.setattr(suggest_module, "admitted_between", lambda _ids, _a, _b: by_id)
    Target.objects.filter(unit=province, year=YEAR, metric="admissions").update(value=total)
    s = allocation_suggested(unit=province, year=YEAR, metric="admissions", weight=weight)
    assert sum(p.value for p in s.parts) == total
    assert all(isinstance(p.value, int) and p.value >= 0 for p in s.parts)
    if any(counts):
        assert all(p.value == 0 for p, n in zip(s.parts, counts, strict=True) if n == 0)


def test_the_cost_grows_with_the_units_not_the_members(province):
    """As many queries for a province of four communes as for a commune of one cell."""
    target_set(actor=SYSTEM, unit_code=child_code(2), year=YEAR, metric="admissions", value=3)
    for weight in ("members", "candidates", "last_admissions", "blank_places"):
        counted = []
        for code in (PROVINCE, child_code(2)):
            unit = Unit.objects.get(code=code)
            with CaptureQueriesContext(connection) as queries:
                allocation_suggested(unit=unit, year=YEAR, metric="admissions", weight=weight)
            counted.append(len(queries))
        assert counted[0] == counted[1] <= 8, weight


def test_refusals_are_worded(province):
    with pytest.raises(DomainError, match="no 2000 target for admissions of women to split"):
        allocation_suggested(unit=province, year=2000, metric="admissions_women")
    with pytest.raises(DomainError, match="Unknown weight: size"):
        allocation_suggested(unit=province, year=YEAR, metric="admissions", weight="size")
    cell = Unit.objects.get(code=f"{child_code(1)}-A")
    target_set(actor=SYSTEM, unit_code=cell.code, year=YEAR, metric="admissions", value=2)
    with pytest.raises(DomainError, match="has no units below"):
        allocation_suggested(unit=cell, year=YEAR, metric="admissions")


# ranks targets suggest


def test_the_command_prints_json_per_child(province):
    rows = json.loads(run("--unit", PROVINCE, "--year", str(YEAR), "--weight", "members",
                          "--format", "json"))  # fmt: skip
    members = members_recounted()
    assert [r["code"] for r in rows] == [child_code(n) for n in range(1, CHILDREN + 1)]
    assert [r["value"] for r in rows] == largest_remainder_split(TARGET, members)
    assert [r["weight"] for r in rows] == members
    assert rows[0]["name"] == "Đảng bộ xã 01"
    assert rows[0]["reason"] == (
        f"{members[0]} of {sum(members)} members on {JAN_1:%d/%m/%Y} → {rows[0]['value']}"
    )
    # As the manager of the province: the same.
    assert json.loads(run("--unit", PROVINCE, "--year", str(YEAR), "--weight", "members",
                          "--format", "json", "--as", "minh")) == rows  # fmt: skip


def test_the_command_in_text_and_in_vietnamese(province):
    lines = run("--unit", PROVINCE, "--year", str(YEAR)).splitlines()
    assert (
        lines[0]
        == f"{PROVINCE} {YEAR} admissions = {TARGET}, split by the 3–4 % norm (3.5 % of members):"
    )
    assert len(lines) == 1 + CHILDREN and lines[1].startswith(f"{child_code(1)}  Đảng bộ xã 01  ")
    out = io.StringIO()
    call_command("targets", "suggest", "--unit", PROVINCE, "--year", str(YEAR), "--weight",
                 "members", "--lang", "vi", stdout=out)  # fmt: skip
    assert f"đảng viên ngày {JAN_1:%d/%m/%Y}" in out.getvalue()


@pytest.mark.parametrize("code", [PROVINCE, child_code(2), "NOPE"])
def test_the_command_outside_the_scope_is_unknown(province, code):
    with pytest.raises(CommandError) as error:
        run("--unit", code, "--year", str(YEAR), "--as", "lan")
    assert error.value.returncode == 2 and str(error.value) == f"Unknown unit code: {code}."


def test_the_command_refuses_a_unit_without_a_target(province):
    with pytest.raises(CommandError) as error:
        run("--unit", PROVINCE, "--year", str(YEAR), "--metric", "admissions_women")
    assert "has no" in str(error.value) and error.value.returncode == 2


# The allocation page


def signed_in(client, username, language="en"):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def test_suggest_fills_the_form_and_shows_each_reason(client, province):
    s = allocation_suggested(unit=province, year=YEAR, metric="admissions", weight="members")
    text = signed_in(client, "minh").get(URL + "?suggest=members").content.decode()
    for part in s.parts:
        field = text[text.index(f'name="child-{part.code}"') - 200 :][:400]
        assert f'value="{part.value}"' in field
        assert f'data-test="reason-{part.code}">Suggested {part.value}: {part.reason}' in text
    assert 'name="suggested_weight" value="members"' in text
    assert f'data-test="allocation-sum">{TARGET}<' in text and "Allocated exactly" in text
    # Without the action: the stored figures (none) and no reasons.
    plain = client.get(URL).content.decode()
    assert 'data-test="reason-' not in plain and 'name="suggested_weight" id' in plain


def test_saving_a_suggestion_records_it_with_each_revision(client, province):
    s = allocation_suggested(unit=province, year=YEAR, metric="admissions", weight="members")
    values = {f"child-{p.code}": str(p.value) for p in s.parts}
    changed = s.parts[0].code
    values[f"child-{changed}"] = str(s.parts[0].value + 1)  # the manager changes one
    signed_in(client, "minh")
    response = client.post(
        URL, {**values, "reason": "Nghị quyết 07", "suggested_weight": "members"}
    )
    assert response.status_code == 302
    revisions = {
        r.target.unit.code: r
        for r in TargetRevision.objects.filter(target__year=YEAR).select_related("target__unit")
        if r.target.unit.code != PROVINCE
    }
    for part in s.parts:
        if part.value or part.code == changed:
            r = revisions[part.code]
            assert (r.suggested_weight, r.suggested_value) == ("members", part.value)
            assert r.reason == "Nghị quyết 07"
    assert revisions[changed].new_value == s.parts[0].value + 1
    entry = AuditEntry.objects.filter(object_id=f"{changed}/{YEAR}/admissions").last()
    assert entry.after["suggested"] == {"weight": "members", "value": s.parts[0].value}
    history = client.get(URL).content.decode()
    assert (
        f'data-test="suggested-{changed}">changed from {s.parts[0].value} suggested by members '
        "on 1 January<" in history
    )
    adopted = next(p for p in s.parts[1:] if p.value)
    assert (
        f'data-test="suggested-{adopted.code}">as suggested by members on 1 January '
        f"({adopted.value})<" in history
    )
    # And on the targets page of the unit below.
    own = client.get(f"/units/{changed}/targets/").content.decode()
    assert f'data-test="suggested-{changed}">changed from {s.parts[0].value} suggested' in own


def test_a_split_typed_by_hand_records_no_suggestion(client, province):
    signed_in(client, "minh")
    client.post(URL, {f"child-{child_code(1)}": "4", "reason": "", "suggested_weight": ""})
    r = TargetRevision.objects.get(target__unit__code=child_code(1))
    assert (r.suggested_weight, r.suggested_value) == ("", None)
    assert 'data-test="suggested-' not in client.get(URL).content.decode()


def test_a_viewer_sees_the_suggestion_read_only(client, province):
    text = signed_in(client, "thu").get(URL + "?suggest=").content.decode()
    assert 'data-test="reason-HD-01"' in text and 'name="child-HD-01"' not in text


def test_outside_the_scope_the_suggestion_is_404(client, province):
    signed_in(client, "lan")
    assert client.get(URL + "?suggest=members").status_code == 404
    assert client.post(URL, {"child-HD-01": "5", "suggested_weight": "members"}).status_code == 404
    assert not TargetRevision.objects.filter(target__unit__code="HD-01").exists()


def test_a_bad_weight_is_told_and_changes_nothing(client, province):
    text = signed_in(client, "minh", "vi").get(URL + "?suggest=size").content.decode()
    assert 'data-test="suggest-error"' in text and "size" in text
    before = TargetRevision.objects.count()
    response = client.post(URL, {"child-HD-01": "5", "suggested_weight": "size"})
    assert response.status_code == 200 and TargetRevision.objects.count() == before
    assert 'data-test="form-error"' in response.content.decode()


def test_the_suggestion_adds_a_few_queries_to_the_page(client, province):
    """The page's own figures are not read again: only the weight's counters."""
    signed_in(client, "minh")
    with CaptureQueriesContext(connection) as plain:
        client.get(URL)
    for weight in ("members", "candidates", "last_admissions", "norm", "blank_places"):
        with CaptureQueriesContext(connection) as suggested:
            assert client.get(f"{URL}?suggest={weight}").status_code == 200
        assert len(suggested) - len(plain) <= 2, weight
