"""In headless Chromium: a manager sets a congress term's target on its page, on a phone and a
desktop, and the term's line shows on the dashboard."""

import datetime as dt

import pytest

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from tests.factories import PASSWORD, make_user
from tests.targets.province import PROVINCE, admit_in_bulk, build_province, child_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = today().year
ADMITTED = 30


@pytest.fixture
def province(db):
    build_province(year=YEAR)
    admit_in_bulk(
        f"{child_code(1)}-A", ADMITTED, first_day=dt.date(YEAR, 1, 5), last_day=dt.date(YEAR, 6, 30)
    )
    make_user("minh")
    grant_role(actor=SYSTEM, username="minh", role="manager", unit_code=PROVINCE)
    return PROVINCE


def sign_in(page, live_server, username="minh"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_a_manager_sets_a_term_and_sees_it_on_the_dashboard(page, live_server, province, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/units/{PROVINCE}/targets/")
    page.click("[data-test=terms-link]")
    assert page.url.endswith(f"/units/{PROVINCE}/targets/terms/")
    page.fill("input[name=starts_on]", f"{YEAR - 1}-01-01")
    page.fill("input[name=ends_on]", f"{YEAR + 3}-12-31")
    page.fill("input[name=value]", "500")
    page.fill("textarea[name=reason]", "Nghị quyết Đại hội")
    page.click("[data-test=save-term]")
    page.wait_for_load_state()
    line = page.locator(f"[data-test=term-admissions-{YEAR - 1}] [data-test=term-line]")
    assert line.inner_text().endswith(f"{ADMITTED}/500")  # the page speaks Vietnamese
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto(f"{live_server.url}/units/{PROVINCE}/dashboard/?on={YEAR}-06-30")
    assert page.locator("[data-test=dashboard-terms] [data-test=term-line]").inner_text() == (
        f"Nhiệm kỳ {YEAR - 1}–{YEAR + 3}: {ADMITTED}/500"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
