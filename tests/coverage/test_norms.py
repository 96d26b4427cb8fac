"""The planning norms (R16, R17) on a unit's pages, reports and API: cited from 21-NQ/TW by date,
and how far the unit stands from each at the pace of its own years."""

import datetime as dt
import io
import json
import math
from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from ranks.core.actor import SYSTEM
from ranks.org.services import place_version_save
from ranks.people.services import membership_admit, person_save

D = dt.date
ON = D(2026, 6, 30)
# Five villages of commune C2 with no member at the end of 2023; a person living in each of the
# first three is admitted on these days (the others never).
VILLAGES = ("W1", "W2", "W3", "W4", "W5")
ADMITTED = {"W1": D(2024, 5, 1), "W2": D(2025, 5, 1), "W3": D(2026, 3, 1)}


@pytest.fixture
def villages(world):
    for code in VILLAGES:
        place_version_save(
            actor=SYSTEM, code=code, name=f"Thôn {code}", kind="village", unit_code="C2",
            valid_from=D(2000, 1, 1),
        )  # fmt: skip
    for code, day in ADMITTED.items():
        person = person_save(
            actor=SYSTEM, person_id=f"P-{code}", full_name=f"Lò Văn {code}",
            birth_date=D(1995, 1, 1), residence_place_code=code,
        )  # fmt: skip
        membership_admit(
            actor=SYSTEM, person=person, cell_code="C2-A", admission_decision_date=day,
            ceremony_date=day + dt.timedelta(days=10),
        )  # fmt: skip
    return world


def without_members(day: dt.date) -> int:
    return sum(1 for code in VILLAGES if code not in ADMITTED or ADMITTED[code] > day)


def signed_in(client, username, language="en"):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def report(*args: str) -> dict:
    out = io.StringIO()
    call_command("report", *args, "--format", "json", "--lang", "en", stdout=out)
    return json.loads(out.getvalue())


def test_the_coverage_page_says_when_each_norm_would_be_reached(villages, client):
    short = without_members(ON)
    pace = Fraction(without_members(D(2023, 12, 31)) - short, 3)
    reached = ON.year + math.ceil(short / pace)
    page = signed_in(client, "bob").get(f"/units/C2/coverage/?on={ON}").content.decode()
    assert (
        f"{short} villages without party members; at the pace of the last 3 years "
        f"({pace} a year), reached in {reached} — the norm asked every village to have members "
        "by 2025."
    ) in page
    assert 'data-test="norm-members" data-status="late"' in page
    # No village got a cell: no fewer without one than 3 years ago.
    cells = len(VILLAGES)
    assert (
        f"{cells} villages or residential groups without a cell, no fewer than 3 years ago: at "
        "this pace never reached — the norm asks every village and residential group to have a "
        "cell by 2030."
    ) in page
    assert "R17 – villages and residential groups covered (Resolution 21-NQ/TW §II.2)" in page


def test_the_page_speaks_vietnamese(villages, client):
    page = signed_in(client, "bob", "vi").get(f"/units/C2/coverage/?on={ON}").content.decode()
    assert "So với mục tiêu của Nghị quyết" in page
    assert f"Còn {without_members(ON)} thôn chưa có đảng viên; với tốc độ 3 năm qua" in page
    assert "§II.2 Nghị quyết số 21-NQ/TW" in page


def test_no_norm_before_the_resolution(villages, client):
    page = signed_in(client, "bob").get("/units/C2/coverage/?on=2021-12-31").content.decode()
    assert 'data-test="norms"' not in page
    assert report("coverage", "--unit", "C2", "--on", "2021-12-31")["norms"] == []


def test_the_coverage_report_and_the_api_carry_the_standing(villages, client):
    data = report("coverage", "--unit", "C2", "--on", ON.isoformat())
    members, cell = data["norms"]
    short = without_members(ON)
    assert (members["rule"], members["what"], members["year"], members["document"]) == (
        "R17", "members", 2025, "21-NQ/TW"
    )  # fmt: skip
    assert (members["short"], members["places"]) == (short, len(VILLAGES) + 1)  # V2 has Lan
    assert (members["status"], cell["status"], cell["short"]) == ("late", "stalled", 5)
    api = signed_in(client, "bob").get(f"/api/v1/units/C2/figures/coverage/?on={ON}").json()
    assert api["norms"] == data["norms"]


def test_the_ratio_cites_r16_and_says_how_far(villages, client):
    page = signed_in(client, "bob").get(f"/units/C2/dashboard/?on={ON}").content.decode()
    assert (
        "The norm: admissions each year of 3–4 % of the members at its start (R16 – yearly "
        "admission norm (Resolution 21-NQ/TW §II.2))."
    ) in page
    assert 'data-test="ratio-standing"' in page
    data = report("ratio", "--unit", "C2", "--year", "2026")
    assert data["norm"] == {
        "rule": "R16", "low": 3.0, "high": 4.0, "document": "21-NQ/TW", "clause": "§II.2"
    }  # fmt: skip


def test_a_year_before_the_resolution_has_no_norm(villages, client):
    data = report("ratio", "--unit", "C2", "--year", "2021")
    assert data["norm"] is None and data["ratio"]["within_norm"] is None
    page = signed_in(client, "bob").get("/units/C2/dashboard/?on=2021-06-30").content.decode()
    assert "No admission norm was in force in 2021." in page
    assert 'data-test="ratio-standing"' not in page


def test_the_ratio_standing_counts_the_admissions_short(world, client):
    # C2 on 1 January 2026: Lan alone. 3 % of one member is one admission: none yet.
    page = signed_in(client, "bob").get(f"/units/C2/dashboard/?on={ON}").content.decode()
    assert "1 admission short of 3 % of the members (1 of 1)." in page
    # No admission yet this year: the projection to its end is none either.
    assert "At the current pace the year ends with 0 admissions, 0.00 %: below the norm." in page
    assert 'class="norm status-late" data-test="ratio-standing"' in page


def test_the_ratio_standing_with_admissions_on_pace(villages, client):
    # C2 on 1 January 2026: Lan, and the people of W1 and W2; W3's was admitted in March 2026.
    page = signed_in(client, "bob").get(f"/units/C2/dashboard/?on={ON}").content.decode()
    assert "3 % of the members is reached (1 needed, 3 members)." in page
    assert 'class="norm status-met" data-test="ratio-standing"' in page
