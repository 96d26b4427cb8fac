"""In headless Chromium: the coverage page draws its trend chart and its map, at a desktop's width
and a phone's, without scrolling sideways."""

import datetime as dt

import pytest

from ranks.core.actor import SYSTEM
from ranks.org.services import unit_version_save
from tests.targets.test_browser import fits_the_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = dt.date
ON = "2024-06-01"


@pytest.fixture
def named(world):
    """The small world with a real province and communes, so that the map can place them."""
    unit_version_save(
        actor=SYSTEM, code="P", name="Đảng bộ tỉnh Hải Dương", kind="provincial_committee",
        valid_from=D(2000, 1, 1), valid_to=D(2025, 6, 30),
    )  # fmt: skip
    for code, name, parent in (
        ("C1", "Đảng bộ xã Phạm Kha", "D1"),
        ("C2", "Đảng bộ xã Ngô Quyền", "D2"),
    ):
        unit_version_save(
            actor=SYSTEM, code=code, name=name, kind="grassroots_committee", parent_code=parent,
            valid_from=D(2000, 1, 1), valid_to=D(2025, 6, 30) if code == "C1" else None,
        )  # fmt: skip
    return world


def drawn(page, name: str) -> dict:
    svg = page.locator(f"[data-test={name}]")
    assert svg.is_visible(), name
    box = svg.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0, name
    return box


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_trend_and_the_map_are_drawn_and_fit(page, live_server, named, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    sign_in(page, live_server, username="vera")
    page.goto(f"{live_server.url}/units/P/coverage/?on={ON}")
    trend = drawn(page, "trend-svg")
    for line in ("trend-total", "trend-without-members", "trend-without-cell"):
        d = page.locator(f"[data-test={line}]").get_attribute("d")
        assert d and d.startswith("M") and " L" in d, line
    path = page.locator("[data-test=trend-without-members]").bounding_box()
    assert (
        path["x"] >= trend["x"] - 1 and path["x"] + path["width"] <= trend["x"] + trend["width"] + 1
    )
    box = drawn(page, "map-svg")
    circles = page.locator("[data-test=map-svg] circle.commune")
    assert circles.count() == 2
    for n in range(2):
        c = circles.nth(n).bounding_box()
        assert c["width"] > 0 and c["height"] > 0
        assert box["x"] - 1 <= c["x"] and c["x"] + c["width"] <= box["x"] + box["width"] + 1
    # Each circle says its figures to a hover or a screen reader.
    titles = circles.locator("title").evaluate_all("els => els.map(e => e.textContent)")
    assert any("Phạm Kha" in t and "50" in t for t in titles), titles
    assert page.locator("[data-test=map-legend]").is_visible()
    assert fits_the_screen(page)
    if size[0] < 600:
        assert box["width"] > 300 and trend["width"] > 300
    page.goto(f"{live_server.url}/units/P/cells/?on={ON}")
    assert page.locator("[data-test=cell-C2-A]").is_visible()
    assert fits_the_screen(page)
