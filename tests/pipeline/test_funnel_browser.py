"""In headless Chromium on a phone-sized screen: an officer opens the pipeline funnel of their
commune, reads the chart and its table, narrows it to a source group and a period, and downloads
it; the page fits the screen."""

import pytest

from tests.pipeline.test_browser import fits_the_screen, sign_in
from tests.pipeline.test_funnel import (
    END,
    HISTORY,
    START,
    record_history,
    recount,
    stuck_expected,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(world):
    record_history()
    return world


def test_an_officer_reads_the_funnel_on_a_phone(page, live_server, history):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/units/N1/")
    page.click("[data-test=funnel-link]")
    page.wait_for_url("**/units/N1/funnel/**")
    assert page.locator("h1").inner_text() == "Phễu phát triển đảng viên"
    page.fill("input[name=from]", START.isoformat())
    page.fill("input[name=to]", END.isoformat())
    page.click("[data-test=funnel-filters] button[type=submit]")
    page.wait_for_url("**to=2026-06-30**")
    chart = page.locator("[data-test=funnel-chart] svg")
    assert chart.get_attribute("role") == "img"
    assert chart.locator("title").text_content() == "Số quần chúng vào từng bước"
    figures = chart.locator("text.figure").all_text_contents()
    assert figures == [str(v[0]) for v in recount().values()]
    expected = recount()
    cells = page.locator("[data-test=stage-source_list] td").all_inner_texts()
    assert cells[0] == str(expected["source_list"][0])
    assert cells[1] == str(expected["source_list"][1])
    stuck = page.locator("[data-test=stuck] tbody tr")
    assert stuck.count() == len(stuck_expected())
    assert fits_the_screen(page)

    page.select_option("select[name=group]", "worker")
    page.click("[data-test=funnel-filters] button[type=submit]")
    page.wait_for_url("**group=worker**")
    cells = page.locator("[data-test=stage-source_list] td").all_inner_texts()
    assert cells[0] == str(recount({"worker"})["source_list"][0])
    assert page.locator("[data-test=stuck] tbody tr").count() == len(
        [p for p in stuck_expected() if HISTORY[p][1] == "worker"]
    )
    assert fits_the_screen(page)

    with page.expect_download() as download:
        page.click("[data-test=report-funnel-xlsx]")
    assert download.value.suggested_filename.startswith("N1-funnel-")
