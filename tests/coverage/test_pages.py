"""Coverage, cell health and secondments in the browser's pages: the figures of the small world on
a date, the trend and the map, the blank list's filter, the cells' sorting and flag filter, a
cell's secondments and who would remain, recording and ending a secondment, access, and query
counts that do not grow with the places or cells."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model

from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.coverage.models import Secondment
from ranks.coverage.services import secondment_save
from ranks.org.services import place_version_save, unit_version_save
from ranks.people.services import membership_admit, person_save
from tests.factories import add_introducers

D = dt.date
ON = "?on=2024-06-01"


def signed_in(client, username, language="en"):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def figure(text: str, name: str) -> str:
    found = re.search(rf'data-test="{name}"[^>]*>([^<]*)<', text)
    assert found, name
    return found.group(1).strip()


def rows(text: str, prefix: str) -> list[str]:
    return re.findall(rf'data-test="{prefix}-([\w-]+)"', text)


def guard():
    """A border guard, an official member of C1's post cell C1-BP (as in test_health)."""
    person = person_save(
        actor=SYSTEM, person_id="P-BP", full_name="Vì Văn Biên", birth_date=D(1990, 2, 2),
        residence_place_code="V2",
    )  # fmt: skip
    unit_version_save(
        actor=SYSTEM, code="C1-BP", name="Chi bộ Đồn Biên phòng", kind="cell", parent_code="C1",
        valid_from=D(2000, 1, 1),
    )  # fmt: skip
    membership_admit(
        actor=SYSTEM, person=person, cell_code="C1-BP",
        admission_decision_date=D(2012, 1, 1), ceremony_date=D(2012, 1, 10),
        official_date=D(2013, 1, 10),
    )  # fmt: skip


def second(**more):
    """The guard seconded as secretary to C2-A since 2022."""
    return secondment_save(
        actor=SYSTEM, person_id="P-BP", cell_code="C2-A", role="secretary",
        from_date=D(2022, 1, 1), **more,
    )  # fmt: skip


# --- coverage --------------------------------------------------------------------------------


def test_the_coverage_of_the_province_on_a_date(client, world):
    text = signed_in(client, "vera").get("/units/P/coverage/" + ON).content.decode()
    assert (figure(text, "places"), figure(text, "without-members")) == ("3", "1")
    assert figure(text, "without-cell") == "0"
    # S1, the school, is the blank one; its commune is named.
    assert rows(text, "blank") == ["S1"]
    assert "Trường Tiểu học Một" in text and "Đảng bộ xã Một" in text
    # By kind and by area.
    by_kind = text[text.index('data-test="by-kind"') : text.index('data-test="by-flag"')]
    assert re.search(r"school</th><td class=\"num\">1</td><td class=\"num\">1</td>", by_kind)
    assert 'data-test="flag-mountainous"' in text


def test_the_blank_list_filters(client, world):
    signed_in(client, "vera")
    assert rows(client.get("/units/P/coverage/" + ON + "&blank=members").content.decode(),
                "blank") == ["S1"]  # fmt: skip
    text = client.get("/units/P/coverage/" + ON + "&blank=cell").content.decode()
    assert rows(text, "blank") == [] and 'data-test="no-blank"' in text
    assert rows(client.get("/units/P/coverage/" + ON + "&blank=both").content.decode(),
                "blank") == []  # fmt: skip
    # An unknown filter shows every blank place.
    assert rows(client.get("/units/P/coverage/" + ON + "&blank=x").content.decode(),
                "blank") == ["S1"]  # fmt: skip


def test_a_unit_with_very_many_places_sends_to_the_units_below(client, world, monkeypatch):
    """Above `LIST_LIMIT` places the page shows the figures and the units below, each linked to
    its own page with its map and list, instead of a pass over every place."""
    from ranks.coverage import selectors

    monkeypatch.setattr(selectors, "LIST_LIMIT", 2)
    text = signed_in(client, "vera").get("/units/P/coverage/" + ON).content.decode()
    assert (figure(text, "places"), figure(text, "without-members")) == ("3", "1")
    assert 'data-test="blanks"' not in text and 'data-test="map"' not in text
    below = text[text.index('data-test="by-child"') :]
    assert sorted(rows(below, "child")) == ["D1", "D2"]  # in the order of their names
    assert 'href="/units/D1/coverage/?on=2024-06-01"' in below
    assert re.search(r'child-D1">.*?<td class="num">2</td><td class="num">1</td>', below, re.S)
    # Two places or fewer: the page of the unit below lists and maps them.
    text = client.get("/units/D1/coverage/" + ON).content.decode()
    assert rows(text, "blank") == ["S1"] and 'data-test="by-child"' not in text


def test_the_trend_has_a_line_per_figure_and_a_row_per_year(client, world):
    text = signed_in(client, "vera").get("/units/P/coverage/" + ON).content.decode()
    years = rows(text, "trend")
    trend_years = [y for y in years if y.isdigit()]
    # From the earliest data (2000, when the places open) to the date asked for.
    assert trend_years[0] == "2000" and trend_years[-1] == "2024"
    assert len(trend_years) == 25
    row = re.search(r'data-test="trend-2024"><th scope="row">01/06/2024</th>(.*?)</tr>', text)
    assert re.findall(r">(\d+)<", row.group(1)) == ["3", "1", "0"]
    # Until 2015 nobody was a member: the three places had none.
    row = re.search(r'data-test="trend-2009">.*?</th>(.*?)</tr>', text)
    assert re.findall(r">(\d+)<", row.group(1)) == ["3", "3", "0"]
    for line in ("trend-total", "trend-without-members", "trend-without-cell"):
        d = re.search(rf'data-test="{line}" d="([^"]*)"', text).group(1)
        assert d.startswith("M") and d.count(" L") == 24, line
    # The chart shows each year, labelled, and a point on each line for every year of data.
    chart = text[
        text.index('data-test="trend-svg"') : text.index("</svg>", text.index("trend-svg"))
    ]
    labels = re.findall(r'data-test="trend-year"[^>]*>(\d+)<', chart)
    assert labels == [str(y) for y in range(2000, 2025)]
    assert chart.count('data-test="trend-dot"') == 3 * 25


def test_the_map_places_communes_named_like_the_demo(client, world):
    # The world's names are invented, so the map says it cannot place them ...
    text = signed_in(client, "vera").get("/units/P/coverage/" + ON).content.decode()
    assert 'data-test="map-empty"' in text
    missing = text[text.index('data-test="map-missing"') :]
    assert "Đảng bộ xã Một" in missing and "Đảng bộ xã Hai" in missing
    # ... until the province and its communes carry real names.
    unit_version_save(
        actor=SYSTEM, code="P", name="Đảng bộ tỉnh Hải Dương", kind="provincial_committee",
        valid_from=D(2000, 1, 1), valid_to=D(2025, 6, 30),
    )  # fmt: skip
    unit_version_save(
        actor=SYSTEM, code="C1", name="Đảng bộ xã Phạm Kha", kind="grassroots_committee",
        parent_code="D1", valid_from=D(2000, 1, 1), valid_to=D(2025, 6, 30),
    )  # fmt: skip
    text = client.get("/units/P/coverage/" + ON).content.decode()
    circle = re.search(r'<circle class="commune[^"]*" data-test="map-C1"[^>]*>(.*?)</circle>', text)
    assert circle, "C1 is on the map"
    # Two places, S1 blank: half of them, in the title for hover and screen readers.
    assert "Đảng bộ xã Phạm Kha: 1 of 2 places blank (50.0 %)" in circle.group(1)
    missing = text[text.index('data-test="map-missing"') :]
    missing = missing[: missing.index("</p>")]
    assert "Đảng bộ xã Hai" in missing and "Phạm Kha" not in missing


def test_recorded_coordinates_place_a_unit(client, world):
    unit_version_save(
        actor=SYSTEM, code="C2", name="Đảng bộ xã Hai", kind="grassroots_committee",
        parent_code="D2", valid_from=D(2000, 1, 1), latitude=21.3, longitude=103.9,
    )  # fmt: skip
    text = signed_in(client, "bob").get("/units/C2/coverage/" + ON).content.decode()
    assert 'data-test="map-C2"' in text and 'data-test="map-missing"' not in text


# --- cell health ------------------------------------------------------------------------------


def test_the_cell_table_shows_the_flags_of_a_weak_village_cell(client, world):
    text = signed_in(client, "vera").get("/units/P/cells/" + ON).content.decode()
    assert set(rows(text, "cell")) == {"C1-A", "C1-B", "C2-A"}
    row = text[text.index('data-test="cell-C2-A"') :]
    row = row[: row.index("</tr>")]
    assert re.findall(r'data-flag="(\w+)"', row) == [
        "below_minimum",
        "no_admission_5_years",
        "no_successor",
    ]
    assert "below 3 official members <small>(R14 – size of a cell)</small>" in row


def test_the_cell_table_sorts_and_filters(client, world):
    signed_in(client, "vera")
    add_introducers("C2-A", ids=("P-GT3", "P-GT4"))  # C2-A: 3 official members
    text = client.get("/units/P/cells/" + ON + "&sort=official&dir=desc").content.decode()
    assert rows(text, "cell")[0] == "C2-A"
    assert 'aria-sort="descending"' in text
    text = client.get("/units/P/cells/" + ON + "&sort=official&dir=asc").content.decode()
    assert rows(text, "cell")[-1] == "C2-A"
    text = client.get("/units/P/cells/" + ON + "&sort=name&dir=asc").content.decode()
    assert rows(text, "cell") == ["C2-A", "C1-A", "C1-B"]  # bản Nà, thôn Đông, trường
    # Never admitted sorts last whichever the direction.
    text = client.get("/units/P/cells/" + ON + "&sort=years&dir=desc").content.decode()
    assert rows(text, "cell")[-1] == "C1-B"
    text = client.get("/units/P/cells/" + ON + "&flag=below_minimum").content.decode()
    assert set(rows(text, "cell")) == {"C1-A", "C1-B"}
    text = client.get("/units/P/cells/" + ON + "&flag=committee_due").content.decode()
    assert rows(text, "cell") == [] and 'data-test="no-cells"' in text
    # Unknown values fall back to the defaults.
    assert client.get("/units/P/cells/?sort=x&dir=y&flag=z").status_code == 200


def test_the_cell_page_shows_its_secondments_and_who_would_remain(client, world):
    add_introducers("C2-A", ids=("P-GT3",))
    guard()
    second(home_unit_code="C1-BP")
    text = signed_in(client, "bob").get("/units/C2-A/" + ON).content.decode()
    assert 'data-test="cell-health"' in text
    assert figure(text, "health-official") == "3"
    assert 'data-test="seconded-P-BP"' in text and "Vì Văn Biên" in text and "C1-BP" in text
    assert re.search(r'data-test="would-remain" data-official="2" data-stands="no"', text)
    assert "2 official members would remain." in text
    # The rule with its name beside its code.
    assert "below 3 official members (R14 – size of a cell)." in text
    remaining = text[text.index('data-test="remaining"') :]
    remaining = remaining[: remaining.index("</ul>")]
    assert "Nguyễn Văn Lan" in remaining and "Vì Văn Biên" not in remaining
    assert 'data-flag="stands_only_by_secondment"' in text
    # A committee's page has no such section.
    assert 'data-test="cell-health"' not in client.get("/units/C2/" + ON).content.decode()


# --- secondments ------------------------------------------------------------------------------


def form_data(**more):
    data = {
        "person_id": "P-BP",
        "cell_code": "C2-A",
        "role": "secretary",
        "from_date": "2022-01-01",
        "to_date": "",
        "home_unit_code": "C1-BP",
    }
    return {**data, **more}


def test_an_officer_records_and_ends_a_secondment(client, world):
    guard()
    signed_in(client, "bob")
    before = AuditEntry.objects.count()
    response = client.post("/units/C2/secondments/" + ON, form_data())
    assert response.status_code == 302
    s = Secondment.objects.get()
    assert (s.person.person_id, s.cell.code, s.role, s.home_unit.code) == (
        "P-BP", "C2-A", "secretary", "C1-BP",
    )  # fmt: skip
    assert AuditEntry.objects.filter(action="ranks.coverage.secondment.created").count() == 1
    text = client.get("/units/C2/secondments/" + ON).content.decode()
    assert 'data-test="secondment-P-BP"' in text and "Vì Văn Biên" in text
    response = client.post(
        "/units/C2/secondments/" + ON, {"action": "end", "secondment": s.pk, "on": "2024-03-31"}
    )
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.to_date == D(2024, 3, 31)
    assert AuditEntry.objects.filter(action="ranks.coverage.secondment.ended").count() == 1
    assert AuditEntry.objects.count() == before + 2
    # Ended before the date: gone from the current list, there with ?show=all.
    text = client.get("/units/C2/secondments/" + ON).content.decode()
    assert 'data-test="secondment-P-BP"' not in text
    text = client.get("/units/C2/secondments/" + ON + "&show=all").content.decode()
    assert 'data-test="secondment-P-BP"' in text


@pytest.mark.parametrize(
    "bad, field, message",
    [
        ({"person_id": "P-NOBODY"}, "person_id", "is not a party member on 01/01/2022"),
        ({"to_date": "2021-01-01"}, "to_date", "The end date is before the start date."),
        ({"home_unit_code": "NO-SUCH"}, "home_unit_code", "Unknown unit code: NO-SUCH."),
        ({"from_date": "31/02/2022"}, "from_date", "Not a date"),
        ({"cell_code": "C1-A"}, "cell_code", "Select a valid choice"),
        ({"role": "boss"}, "role", "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_writes_nothing(
    client, world, bad, field, message
):
    guard()
    signed_in(client, "bob")
    before = AuditEntry.objects.count()
    response = client.post("/units/C2/secondments/" + ON, form_data(**bad))
    assert response.status_code == 200
    text = response.content.decode()
    block = text[text.index(f'data-test="field-{field}"') :]
    block = block[: block.index("</div>\n</div>") if "</div>\n</div>" in block else 2000]
    assert "field-error" in block and message in block
    assert Secondment.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_ending_before_the_start_is_refused(client, world):
    guard()
    signed_in(client, "bob")
    client.post("/units/C2/secondments/" + ON, form_data())
    s = Secondment.objects.get()
    response = client.post(
        "/units/C2/secondments/" + ON, {"action": "end", "secondment": s.pk, "on": "2021-12-31"}
    )
    assert response.status_code == 200
    assert 'data-test="end-error"' in response.content.decode()
    s.refresh_from_db()
    assert s.to_date is None


def test_a_viewer_reads_but_may_not_record(client, world):
    guard()
    signed_in(client, "vera")
    text = client.get("/units/C2/secondments/" + ON).content.decode()
    assert 'data-test="secondment-form"' not in text
    assert client.post("/units/C2/secondments/" + ON, form_data()).status_code == 403
    s = second()
    response = client.post(
        "/units/C2/secondments/", {"action": "end", "secondment": s.pk, "on": "2024-01-01"}
    )
    assert response.status_code == 403
    assert Secondment.objects.get().to_date is None


def test_an_officer_of_another_commune_gets_404(client, world):
    guard()
    signed_in(client, "alice")
    assert client.post("/units/C2/secondments/", form_data()).status_code == 404
    # Nor can alice second someone to C2-A through her own commune's page.
    response = client.post("/units/C1/secondments/" + ON, form_data())
    assert response.status_code == 200 and Secondment.objects.count() == 0
    s = second()
    response = client.post(
        "/units/C1/secondments/" + ON, {"action": "end", "secondment": s.pk, "on": "2024-01-01"}
    )
    assert response.status_code == 404
    assert Secondment.objects.get().to_date is None


# --- access -----------------------------------------------------------------------------------

PAGES = ("coverage", "cells", "secondments")


@pytest.mark.parametrize(
    "username, own, foreign, foreign_codes",
    [
        ("alice", "C1", ["Bản Nà", "Chi bộ bản Nà", "Đảng bộ xã Hai"], ["V2", "C2-A"]),
        (
            "bob",
            "C2",
            ["Thôn Đông", "Trường Tiểu học Một", "Chi bộ thôn Đông"],
            ["V1", "S1", "C1-A"],
        ),
    ],
)
def test_no_place_or_cell_outside_the_users_subtree(
    client, world, username, own, foreign, foreign_codes
):
    signed_in(client, username)
    for page in PAGES:
        for query in ("", ON, "?on=2026-01-01", ON + "&blank=any&show=all"):
            response = client.get(f"/units/{own}/{page}/{query}")
            assert response.status_code == 200, (page, query)
            text = response.content.decode()
            for name in foreign:
                assert name not in text, (page, query, name)
            for code in foreign_codes:
                assert f'data-test="blank-{code}"' not in text
                assert f'data-test="cell-{code}"' not in text
                assert f'data-test="map-{code}"' not in text
        other = "C2" if own == "C1" else "C1"
        assert client.get(f"/units/{other}/{page}/").status_code == 404
        assert client.get(f"/units/P/{page}/").status_code == 404
    # The trend counts only the user's own places: one village for bob, a village and a school
    # for alice.
    text = client.get(f"/units/{own}/coverage/{ON}").content.decode()
    row = re.search(r'data-test="trend-2020">.*?</th>(.*?)</tr>', text)
    assert re.findall(r">(\d+)<", row.group(1))[0] == ("2" if own == "C1" else "1")


# --- query counts -----------------------------------------------------------------------------


def grow(n: int) -> None:
    """n more cells with a village each, and a member in every other village."""
    for i in range(n):
        unit_version_save(
            actor=SYSTEM, code=f"C2-Z{i}", name=f"Chi bộ bản {i}", kind="cell",
            parent_code="C2", valid_from=D(2000, 1, 1),
        )  # fmt: skip
        place_version_save(
            actor=SYSTEM, code=f"VZ{i}", name=f"Bản {i}", kind="village", unit_code="C2",
            cell_codes=[f"C2-Z{i}"] if i % 2 else [], valid_from=D(2000, 1, 1),
        )  # fmt: skip


# What each page reads now, on the small world and on it with 12 more cells and villages.
# coverage: one of them orders the map's communes by their names in Vietnamese order.
CEILINGS = {"coverage": 20, "cells": 13, "secondments": 8}


@pytest.mark.parametrize("n", [0, 12])
@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_places_or_cells(
    client, world, django_assert_max_num_queries, n, page
):
    grow(n)
    guard()
    second(home_unit_code="C1-BP")
    signed_in(client, "vera")
    with django_assert_max_num_queries(CEILINGS[page]):
        response = client.get(f"/units/P/{page}/{ON}&show=all")
    assert response.status_code == 200


def test_the_cell_page_queries_do_not_grow(client, world, django_assert_max_num_queries):
    guard()
    for n in range(6):
        add_introducers("C2-A", ids=(f"P-Q{n}",))
    signed_in(client, "bob")
    with django_assert_max_num_queries(27):
        assert client.get("/units/C2-A/" + ON).status_code == 200


# --- downloads --------------------------------------------------------------------------------


@pytest.mark.parametrize("report", ["coverage", "cells"])
def test_the_pages_link_their_reports(client, world, report):
    signed_in(client, "bob")
    page = "coverage" if report == "coverage" else "cells"
    text = client.get(f"/units/C2/{page}/{ON}").content.decode()
    assert f'data-test="report-{report}-xlsx"' in text
    response = client.get(f"/units/C2/coverage/{report}.csv{ON}")
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert ("C2-A" in body) if report == "cells" else ("village,1,0" in body)
    assert "Thôn Đông" not in body and "Chi bộ thôn Đông" not in body
    assert client.get(f"/units/C2/coverage/{report}.exe").status_code == 404
    assert client.get(f"/units/C1/coverage/{report}.csv").status_code == 404
