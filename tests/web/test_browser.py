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


def test_pages_run_under_the_content_security_policy(page, live_server, world):
    """No inline script or style: the pages, the API reference and a running import's page (its
    script now a file) work under the policy, and nothing is blocked (the `page` fixture fails a
    test on any CSP report in the console)."""
    from ranks.interchange.models import ImportJob

    job = ImportJob.objects.create(
        user=world.users["alice"], kind="people", filename="x.csv", status="checking"
    )
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    for path in ("/tree/", "/units/C1/", "/account/tokens/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Ranks API")
    # Redoc always shows its maker's logo from their site: the policy refusing it is what keeps
    # the page from reaching outside (the page works without it).
    redocly_logo = "https://cdn.redoc.ly/"
    page.csp_expected.append(redocly_logo)
    page.set_viewport_size({"width": 1280, "height": 900})  # its menu and search, on a desk
    page.goto(f"{live_server.url}/api/v1/redoc/")
    expect(page.locator("h1").first).to_contain_text("Ranks API")
    page.fill("input.search-input", "units")
    # Found by the search worker.
    expect(page.get_by_role("menuitem", name="units_subtree")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    # The import's page follows the job from its own script file: it reloads when the job moves on.
    page.goto(f"{live_server.url}/imports/{job.pk}/")
    expect(page.locator("[data-test=status]")).to_have_attribute("data-status", "checking")
    ImportJob.objects.filter(pk=job.pk).update(status="failed", result={})
    expect(page.locator("[data-test=status]")).to_have_attribute("data-status", "failed")
    assert [redocly_logo in b for b in page.csp_blocked] == [True]
