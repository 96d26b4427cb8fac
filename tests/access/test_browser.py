"""In headless Chromium at 360 px: a manager grants a role on the grants page, and the new user
then signs in and sees the unit; no page scrolls sideways."""

import pytest

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from tests.factories import PASSWORD, make_user

MESSAGE = "carol nay có vai trò cán bộ tại C1-A."

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_manager_grants_a_role_and_the_new_user_sees_the_unit(browser, live_server, world):
    make_user("minh")
    make_user("carol")
    grant_role(actor=SYSTEM, username="minh", role="manager", unit_code="N1", sensitive=True)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server.url, "minh")
        page.goto(f"{live_server.url}/units/N1/")
        page.click("[data-test=grants-link]")
        page.wait_for_url("**/units/N1/grants/")
        assert page.locator("h1").inner_text() == "Phân quyền"
        assert fits(page)
        page.fill("input[name=username]", "carol")
        page.fill("input[name=unit_code]", "C1-A")
        page.select_option("select[name=role]", "officer")
        page.click("[data-test=grant]")
        page.wait_for_load_state()
        assert page.locator("[data-test=messages]").inner_text() == MESSAGE
        assert page.locator("[data-test=grant-carol-C1-A]").is_visible()
        assert fits(page)
        # The manager's other forms fit the phone too.
        page.goto(f"{live_server.url}/units/N1/")
        page.click("[data-test=edit-unit]")
        assert page.locator("h1").inner_text() == "Sửa tổ chức đảng" and fits(page)
        page.goto(f"{live_server.url}/units/N1/")
        page.click("[data-test=places] > summary")  # the places fold on a phone
        page.click("[data-test=edit-place-V1]")
        assert page.locator("h1").inner_text() == "Sửa địa bàn" and fits(page)
        # Carol signs in on a device of her own: minh's tabs and their late answers (which set
        # a cookie of their own) stay on his.
        context.close()
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, live_server.url, "carol")
        page.goto(f"{live_server.url}/units/C1-A/")
        assert page.locator("h1").inner_text() == "Chi bộ thôn Đông"
        assert fits(page)
        # Only the cell, not the commune above it.
        assert page.goto(f"{live_server.url}/units/N1/").status == 404
    finally:
        context.close()
