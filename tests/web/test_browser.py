"""In headless Chromium: sign in, switch language, open a unit page, on a phone-sized screen."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_switch_language_and_open_a_unit(page, live_server, world):
    page.goto(f"{live_server.url}/tree/")
    # Not signed in: the login page, in Vietnamese.
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/tree/")
    assert page.locator("h1").inner_text() == "Cây tổ chức"
    page.click("[data-test=lang-en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Organisation tree"
    page.click("text=Đảng bộ xã Mới")
    page.wait_for_url("**/units/N1/**")
    assert page.locator("h1").inner_text() == "Đảng bộ xã Mới"
    assert page.locator("[data-test=official]").inner_text() == "1"
    assert page.locator("text=Units below").is_visible()
    # The page fits a phone: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    # English is kept on the next page.
    page.click("text=Chi bộ thôn Đông")
    page.wait_for_url("**/units/C1-A/**")
    expect(page.locator("#members-heading")).to_contain_text("Members")
