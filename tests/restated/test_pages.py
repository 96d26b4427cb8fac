"""The dashboard, coverage and cells pages take "Cơ cấu tổ chức tại ngày" (?structure_on=): a
line says the figures are restated; the figures shown are the restated ones; blank is as it
was; a bad date is told in Vietnamese and the page shows the figures as they were; an outsider
gets 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model

from ranks.access.scope import scope_for
from ranks.core.actor import SYSTEM
from ranks.targets.progress import progress
from tests.restated import recount

RESTATED = "Số liệu được tính lại theo cơ cấu tổ chức tại ngày 30/06/2026"


def login(client, username: str):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def text_of(response) -> str:
    return response.content.decode()


def figure(html: str, test: str) -> str:
    found = re.search(rf'data-test="{test}"[^>]*>([^<]*)<', html)
    assert found, test
    return found.group(1).strip()


def test_the_dashboard_restated(client, restructured):
    login(client, "prov")
    url = "/units/N/dashboard/?on=2024-12-31&structure_on=2026-06-30"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    html = text_of(response)
    assert RESTATED in html
    assert "Cơ cấu tổ chức tại ngày" in html
    expected = recount.admitted(
        "N", dt.date(2024, 1, 1), dt.date(2024, 12, 31), dt.date(2026, 6, 30)
    )
    assert figure(html, "actual") == str(expected) == "5"
    assert 'name="structure_on" value="2026-06-30"' in html
    # The downloads carry the structure.
    assert "structure_on=2026-06-30" in html
    report = client.get("/units/N/reports/progress.csv?on=2024-12-31&structure_on=2026-06-30")
    assert report.status_code == 200


def test_the_dashboard_as_it_was(client, restructured):
    login(client, "prov")
    html = text_of(client.get("/units/P/dashboard/?on=2024-12-31", HTTP_ACCEPT_LANGUAGE="vi"))
    assert RESTATED[:30] not in html
    plain = progress(
        scope=scope_for(SYSTEM), unit=restructured.units["P"], on=dt.date(2024, 12, 31)
    )
    assert figure(html, "actual") == str(plain.unit.actual)


def test_a_bad_structure_date(client, restructured):
    login(client, "prov")
    html = text_of(
        client.get(
            "/units/P/dashboard/?on=2024-12-31&structure_on=31-31-2024", HTTP_ACCEPT_LANGUAGE="vi"
        )
    )
    assert "không phải là ngày" in html
    assert RESTATED[:30] not in html
    # A unit not in that structure: said, as for a date it did not exist.
    html = text_of(
        client.get(
            "/units/D1/dashboard/?on=2026-12-31&structure_on=2026-01-01", HTTP_ACCEPT_LANGUAGE="vi"
        )
    )
    assert 'data-test="missing"' in html


@pytest.mark.parametrize("page", ["coverage", "cells"])
def test_coverage_and_cells_restated(client, restructured, page):
    login(client, "prov")
    url = f"/units/D1/{page}/?on=2026-06-01&structure_on=2024-06-30"
    html = text_of(client.get(url, HTTP_ACCEPT_LANGUAGE="vi"))
    assert "Số liệu được tính lại theo cơ cấu tổ chức tại ngày 30/06/2024" in html
    if page == "cells":
        # The cells of 2026 that were D1's in 2024, under their 2024 communes.
        for code in ("C1-A", "C1-B", "C2-A"):
            assert f'data-test="cell-{code}"' in html
        assert 'data-test="cell-N-B"' not in html and 'data-test="cell-C3-A"' not in html
        assert "Đảng bộ xã Một" in html
    else:
        from tests.restated.test_coverage_cells import expected_coverage

        counts = expected_coverage("D1", dt.date(2026, 6, 1), dt.date(2024, 6, 30))
        assert figure(html, "places") == str(counts.total) != "0"
    download = client.get(f"/units/D1/coverage/{page}.json?on=2026-06-01&structure_on=2024-06-30")
    assert download.status_code == 200
    assert download.json()["structure_on"] == "2024-06-30"
    gone = text_of(client.get(f"/units/D1/{page}/?on=2026-06-01&structure_on=2026-01-01"))
    assert 'data-test="missing"' in gone


@pytest.mark.parametrize("page", ["dashboard", "coverage", "cells"])
def test_an_outsider_gets_404(client, restructured, page):
    login(client, "third")
    response = client.get(f"/units/N/{page}/?structure_on=2024-06-30")
    assert response.status_code == 404
