"""In headless Chromium: a commune committee's officer opens the files awaiting its decision,
records a decision for another unit, is refused with R18, and records it as an exception with
its reason, which the candidate's page then shows."""

import datetime as dt

import pytest

from tests.pipeline.test_browser import sign_in
from tests.pipeline.test_due import candidate, committee, resolution

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting(world):
    pid = candidate("P-CHO", "Lường Văn Chờ")
    resolution(pid, dt.date(2026, 11, 2))
    committee(pid, dt.date(2026, 11, 9))
    return pid


def test_a_committee_officer_decides_from_its_list(page, live_server, waiting):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/units/N1/decisions/?on=2026-11-20")
    row = page.locator(f"[data-test=decision-{waiting}]")
    assert "R8" in row.inner_text()
    row.locator("[data-test=decision-candidate]").click()
    page.wait_for_url(f"**/candidates/{waiting}/**")
    assert "N1" in page.locator("[data-test=competent-committee]").inner_text()

    page.goto(f"{live_server.url}/candidates/{waiting}/events/admission_decision/")
    assert page.input_value("input[name=committee_code]") == "N1"
    page.fill("input[name=date]", "2026-11-20")
    page.fill("input[name=committee_code]", "C1-A")
    page.click("[data-test=save]")
    assert "R18" in page.locator("main").inner_text()
    page.check("input[name=committee_is_exception]")
    page.fill("textarea[name=committee_exception]", "Đảng ủy xã ủy quyền bằng văn bản 3-CV/ĐU")
    page.click("[data-test=save]")
    page.wait_for_url(f"{live_server.url}/candidates/{waiting}/")
    decided = page.locator("[data-test=event-admission_decision]")
    assert "C1-A" in decided.locator("[data-test=decision-committee]").inner_text()
    assert "3-CV/ĐU" in decided.locator("[data-test=committee-exception]").inner_text()
