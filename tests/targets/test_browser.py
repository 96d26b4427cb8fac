"""In headless Chromium: the dashboard's chart is drawn and fits a phone as well as a desktop, and
the allocation screen's sum follows what the manager types."""

import datetime as dt

import pytest

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.targets.services import target_set
from tests.factories import PASSWORD, make_user
from tests.targets.province import PROVINCE, admit_in_bulk, build_province, child_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = today().year
MID_YEAR = dt.date(YEAR, 6, 30)


@pytest.fixture
def province(db):
    build_province(year=YEAR)
    for n in (1, 2, 3):
        admit_in_bulk(
            f"{child_code(n)}-A", 40 * n, first_day=dt.date(YEAR, 1, 5), last_day=MID_YEAR
        )
    target_set(actor=SYSTEM, unit_code=PROVINCE, year=YEAR, metric="admissions_women", value=500)
    make_user("minh")
    grant_role(actor=SYSTEM, username="minh", role="manager", unit_code=PROVINCE)
    return PROVINCE


def sign_in(page, live_server, username="minh"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def chart_is_drawn(page) -> None:
    svg = page.locator("[data-test=chart-svg]")
    assert svg.is_visible()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    for name in ("chart-actual", "chart-expected"):
        d = page.locator(f"[data-test={name}]").get_attribute("d")
        assert d and d.startswith("M") and " L" in d, name
    # The lines lie inside the drawing.
    actual = page.locator("[data-test=chart-actual]").bounding_box()
    assert actual["width"] > 0 and actual["x"] >= box["x"] - 1
    assert actual["x"] + actual["width"] <= box["x"] + box["width"] + 1
    assert page.locator("[data-test=chart-svg] title").count() == 1
    # The forecast's range: a whisker at year end, inside the drawing, and its words beside it.
    whisker = page.locator("[data-test=chart-forecast]").bounding_box()
    assert whisker is not None and whisker["height"] > 0
    assert box["x"] <= whisker["x"] and whisker["x"] + whisker["width"] <= box["x"] + box["width"]
    assert box["y"] <= whisker["y"] and whisker["y"] + whisker["height"] <= box["y"] + box["height"]
    assert page.locator("[data-test=forecast]").is_visible()
    low = int(page.locator("[data-test=forecast-low]").inner_text().replace(".", ""))
    high = int(page.locator("[data-test=forecast-high]").inner_text().replace(".", ""))
    assert (
        low <= int(page.locator("[data-test=forecast-point]").inner_text().replace(".", "")) <= high
    )


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_chart_is_drawn_and_fits(page, live_server, province, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    sign_in(page, live_server)
    # A committee user with one grant lands on the dashboard of that committee.
    assert page.url.startswith(f"{live_server.url}/units/{PROVINCE}/dashboard/")
    page.goto(f"{live_server.url}/units/{PROVINCE}/dashboard/?on={MID_YEAR.isoformat()}")
    chart_is_drawn(page)
    assert page.locator("[data-test=actual]").inner_text() == "240"
    assert fits_the_screen(page)
    if size[0] < 600:
        # The chart takes the width of the phone; the units below are cards.
        box = page.locator("[data-test=chart-svg]").bounding_box()
        assert box["width"] > 300
        row = page.locator(f"[data-test=child-{child_code(3)}]").bounding_box()
        assert row["width"] <= 390
    # Sorting by gap in the page (the script) matches the server's order.
    page.click("[data-test=sort-gap]")
    assert "sort=gap" in page.url
    in_page = page.locator("table[data-test=children] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.test)"
    )
    page.reload()
    from_server = page.locator("table[data-test=children] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.test)"
    )
    assert in_page == from_server and len(in_page) == 15


def test_typing_a_figure_updates_the_sum(page, live_server, province):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/units/{PROVINCE}/targets/{YEAR}/admissions/")
    balance = page.locator("[data-test=allocation-balance]")
    assert page.locator("[data-test=allocation-sum]").inner_text() == "2233"
    assert "33" in page.locator("[data-test=allocation-verdict]").inner_text()
    assert "over" in balance.get_attribute("class")
    assert fits_the_screen(page)
    # 3 → 36 for the sixth commune: 2,266, over by 66.
    page.fill(f"input[name=child-{child_code(6)}]", "36")
    assert page.locator("[data-test=allocation-sum]").inner_text() == "2266"
    assert "66" in page.locator("[data-test=allocation-verdict]").inner_text()
    # 280 → 214 for the first: exactly 2,200.
    page.fill(f"input[name=child-{child_code(1)}]", "214")
    assert page.locator("[data-test=allocation-sum]").inner_text() == "2200"
    assert "exact" in balance.get_attribute("class")
    # Under by 14 after clearing a figure of 14… typed as 0 instead.
    page.fill(f"input[name=child-{child_code(5)}]", "16")
    assert "under" in balance.get_attribute("class")
    assert "14" in page.locator("[data-test=allocation-verdict]").inner_text()
    # Saved, the page shows what the script showed.
    page.fill("textarea[name=reason]", "Cân đối lại")
    page.click("[data-test=save]")
    page.wait_for_load_state()
    assert page.locator("[data-test=allocation-sum]").inner_text() == "2186"
    assert page.locator("[data-test=messages]").is_visible()


@pytest.fixture
def small_province(db):
    """Three communes with 12, 18 and 10 members on 1 January, and a target of 10 to split."""
    build_province(year=YEAR, children=3, targets=False)
    for n, count in ((1, 12), (2, 18), (3, 10)):
        admit_in_bulk(
            f"{child_code(n)}-A", count, first_day=dt.date(YEAR - 1, 2, 1),
            last_day=dt.date(YEAR - 1, 10, 1),
        )  # fmt: skip
    target_set(actor=SYSTEM, unit_code=PROVINCE, year=YEAR, metric="admissions", value=10)
    make_user("minh")
    grant_role(actor=SYSTEM, username="minh", role="manager", unit_code=PROVINCE)
    return PROVINCE


def test_a_suggested_split_is_shown_adopted_and_kept(page, live_server, small_province):
    from ranks.org.models import Unit
    from ranks.targets.split import largest_remainder_split
    from ranks.targets.suggest import allocation_suggested

    expected = allocation_suggested(
        unit=Unit.objects.get(code=PROVINCE), year=YEAR, metric="admissions", weight="members"
    )
    assert [p.value for p in expected.parts] == largest_remainder_split(10, [12, 18, 10])
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/units/{PROVINCE}/targets/{YEAR}/admissions/")
    assert page.locator("[data-test=allocation-sum]").inner_text() == "0"
    page.select_option("#suggest-weight", "members")
    page.click("[data-test=suggest]")
    page.wait_for_load_state()
    assert page.locator("[data-test=suggestion]").is_visible()
    for part in expected.parts:
        assert page.input_value(f"input[name=child-{part.code}]") == str(part.value)
        reason = page.locator(f"[data-test=reason-{part.code}]")
        assert reason.is_visible()
        # "12/40 đảng viên ngày 01/01/… → 3": what it got and why.
        assert f"{part.weight}/40" in reason.inner_text()
        assert reason.inner_text().endswith(f"→ {part.value}")
    assert page.locator("[data-test=allocation-sum]").inner_text() == "10"
    assert "exact" in page.locator("[data-test=allocation-balance]").get_attribute("class")
    assert fits_the_screen(page)
    # The manager changes one figure (2 of the third commune's to the first) and saves.
    first, _second, third = expected.parts
    page.fill(f"input[name=child-{first.code}]", str(first.value + 2))
    page.fill(f"input[name=child-{third.code}]", str(third.value - 2))
    page.fill("textarea[name=reason]", "Nghị quyết 07")
    page.click("[data-test=save]")
    page.wait_for_load_state()
    assert page.locator("[data-test=messages]").is_visible()
    history = page.locator("[data-test=revisions]")
    assert history.is_visible()
    for part in expected.parts:
        kept = history.locator(f"[data-test=suggested-{part.code}]")
        assert kept.is_visible() and str(part.value) in kept.inner_text()
    assert page.input_value(f"input[name=child-{first.code}]") == str(first.value + 2)
