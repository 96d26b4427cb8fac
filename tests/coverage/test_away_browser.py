"""In headless Chromium at 360 px: a cell secretary records the yearly comment on a member working
away, sees the next deadline on the member's page, then finds the member on the commune's list of
those working away; no page scrolls sideways."""

import datetime as dt

import pytest

from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.people.absences import absence_start
from ranks.people.models import AbsenceComment
from ranks.pipeline.rules import add_months
from ranks.pipeline.rules.calendar import next_working_day
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def narrow(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_secretary_records_the_yearly_comment_and_lists_those_away(narrow, live_server, world):
    started = today() - dt.timedelta(days=200)
    absence_start(
        actor=SYSTEM, person_id="P-AN", started_on=started, where_kind="country",
        where="Hàn Quốc",
    )  # fmt: skip
    commented = today() - dt.timedelta(days=3)
    page = narrow
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard/")

    page.goto(f"{live_server.url}/people/P-AN/")
    first = next_working_day(add_months(started, 12))
    assert f"{first:%d/%m/%Y}" in page.locator("[data-test=comment-due]").inner_text()
    page.click("[data-test=record-comment]")
    page.wait_for_url("**/people/P-AN/away/comment/")
    assert fits_the_screen(page)
    page.fill("input[name=on]", commented.isoformat())
    page.fill("input[name=by_cell]", "Chi bộ Hội người Việt tại Ansan")
    page.fill("textarea[name=text]", "Giữ liên lạc đều, chấp hành tốt.")
    page.click("[data-test=save]")
    page.wait_for_url(f"{live_server.url}/people/P-AN/")
    assert f"{commented:%d/%m/%Y}" in page.locator("[data-test=messages]").inner_text()
    assert (
        "Chi bộ Hội người Việt tại Ansan"
        in page.locator("[data-test=absence-comment]").inner_text()
    )
    following = next_working_day(add_months(commented, 12))
    assert f"{following:%d/%m/%Y}" in page.locator("[data-test=comment-due]").inner_text()
    assert fits_the_screen(page)
    assert AbsenceComment.objects.get().on == commented

    page.goto(f"{live_server.url}/units/N1/cells/")
    page.click("[data-test=away-link]")
    page.wait_for_url("**/units/N1/away/**")
    row = page.locator("[data-test=away-P-AN]").inner_text()
    assert "Hàn Quốc" in row and f"{commented:%d/%m/%Y}" in row and f"{following:%d/%m/%Y}" in row
    assert "1" in page.locator("[data-test=away-count-C1-A]").inner_text()
    assert fits_the_screen(page)
