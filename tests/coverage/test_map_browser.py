"""In headless Chromium at a phone's 360 px: the coverage map's communes are numbered and listed,
a tap on a commune's circle or its row opens the commune, and nothing scrolls sideways."""

import pytest

from tests.coverage.test_map_page import named  # noqa: F401  (the fixture)
from tests.targets.test_browser import fits_the_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ON = "2024-06-01"
SHOTS = None  # a directory to save screenshots in while working on the layout


def test_a_tap_on_a_commune_opens_it_at_360_px(page, live_server, named):  # noqa: F811
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, username="vera")
    page.goto(f"{live_server.url}/units/P/coverage/?on={ON}")
    assert fits_the_screen(page)
    # The list is there without hovering: every commune, the blank one first and marked.
    rows = page.locator("[data-test=map-list] li")
    assert rows.count() == 4
    assert rows.first.get_attribute("data-status") == "all"
    assert page.locator("[data-test=map-row-C3] [data-test=all-blank-commune]").is_visible()
    label = page.locator("[data-test=map-label-C1]")
    assert label.is_visible() and label.text_content() == "2"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/map-360.png", full_page=True)
    # A tap on Phạm Kha's circle opens Phạm Kha.
    page.locator("[data-test=map-link-C1]").scroll_into_view_if_needed()
    box = page.locator("[data-test=map-C1]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/units/C1/coverage/?on={ON}")
    assert "Phạm Kha" in page.locator("h1").text_content()
    # Back, and a tap on Tứ Cường's row opens Tứ Cường.
    page.go_back()
    page.locator("[data-test=map-row-C3] a").click()
    page.wait_for_url(f"**/units/C3/coverage/?on={ON}")
    assert "Tứ Cường" in page.locator("h1").text_content()
    assert fits_the_screen(page)


def test_the_map_and_its_list_side_by_side_on_a_desktop(page, live_server, named):  # noqa: F811
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, username="vera")
    page.goto(f"{live_server.url}/units/P/coverage/?on={ON}")
    svg = page.locator("[data-test=map-svg]").bounding_box()
    listing = page.locator("[data-test=map-list]").bounding_box()
    assert listing["x"] >= svg["x"] + svg["width"] - 1  # beside the map, not under it
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/map-desktop.png", full_page=True)
    assert fits_the_screen(page)
