"""In headless Chromium at 360 px: a cell secretary finds a member in the register, transfers
them to another cell, and adds a new person with where they live; no page scrolls sideways."""

import pytest

from ranks.people.models import Person, Posting
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


def test_a_secretary_transfers_a_member_and_adds_a_person_on_a_phone(narrow, live_server, world):
    page = narrow
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard/")  # a commune's officer lands on its dashboard

    page.goto(f"{live_server.url}/units/N1/members/")
    assert page.locator("[data-test=total]").inner_text() == "2 đảng viên"
    assert fits_the_screen(page)
    page.fill("input[name=q]", "nguyen van an")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**q=nguyen+van+an**")
    page.click("[data-test=row-P-AN] a")
    page.wait_for_url("**/people/P-AN/**")
    assert fits_the_screen(page)

    page.click("[data-test=transfer]")
    page.wait_for_url("**/people/P-AN/transfer/")
    assert fits_the_screen(page)
    page.fill("input[name=date]", "2026-10-01")
    page.select_option("select[name=cell_code]", "C1-B")
    page.click("[data-test=save]")
    page.wait_for_url(f"{live_server.url}/people/P-AN/")
    assert "01/10/2026" in page.locator("[data-test=messages]").inner_text()
    assert fits_the_screen(page)
    assert Posting.objects.get(person__person_id="P-AN", valid_to=None).cell.code == "C1-B"

    page.goto(f"{live_server.url}/units/N1/members/")
    page.click("[data-test=add-person]")
    page.wait_for_url("**/units/N1/people/new/")
    assert fits_the_screen(page)
    page.fill("input[name=person_id]", "P-HOA")
    page.fill("input[name=full_name]", "Lò Thị Hoa")
    page.fill("input[name=birth_date]", "2001-04-05")
    page.select_option("select[name=gender]", "female")
    page.select_option("select[name=residence_place_code]", "V1")
    page.click("[data-test=save]")
    page.wait_for_url(f"{live_server.url}/people/P-HOA/")
    assert page.locator("h1").inner_text() == "Lò Thị Hoa"
    assert "Thôn Đông" in page.locator("[data-test=place-periods]").inner_text()
    assert fits_the_screen(page)
    assert Person.objects.get(person_id="P-HOA").residence_place.code == "V1"
