"""In headless Chromium at 360 px: a manager prepares a merge from the unit's page, previews it,
applies it and undoes it; no page scrolls sideways."""

import datetime as dt

import pytest

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.org.models import Unit
from ranks.org.selectors import unit_subtree
from ranks.restructure.models import Restructure
from tests.access.test_browser import fits, sign_in
from tests.factories import REFORM, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def parent_of(code: str, day: dt.date) -> str | None:
    version = unit_subtree(Unit.objects.get(code=code), day).get(unit__code=code)
    return version.parent.code if version.parent else None


def test_preview_apply_and_undo_a_merge_on_a_phone(browser, live_server, world):
    make_user("minh")
    for code in ("C2", "N1"):
        grant_role(actor=SYSTEM, username="minh", role="manager", unit_code=code)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server.url, "minh")
        page.goto(f"{live_server.url}/units/C2/")
        page.click("[data-test=restructure-link]")
        page.wait_for_url("**/units/C2/restructures/new/**")
        assert page.locator("h1").inner_text() == "Chuẩn bị sắp xếp tổ chức"
        assert fits(page)
        # The script shows only the fields of the kind chosen.
        page.select_option("select[name=kind]", "rename")
        assert page.locator("[data-test=field-name]").is_visible()
        assert not page.locator("[data-test=field-targets]").is_visible()
        page.select_option("select[name=kind]", "merge")
        assert page.locator("[data-test=field-targets]").is_visible()
        assert not page.locator("[data-test=field-mapping]").is_visible()
        page.fill("input[name=on]", REFORM.isoformat())
        page.fill("input[name=sources]", "C2")
        page.fill("input[name=targets]", "N1")
        page.fill("input[name=document]", "Quyết định số 123-QĐ/TU")
        page.click("[data-test=preview]")
        page.wait_for_load_state()
        assert page.locator("[data-test=no-blockers]").is_visible()
        assert page.locator("[data-test=step-C2-A]").is_visible()
        assert page.locator("[data-test=closes-C2]").is_visible()
        assert page.locator("#id_sources").input_value() == "C2"
        assert fits(page)
        assert parent_of("C2-A", REFORM) == "C2"  # a preview writes nothing

        page.check("[data-test=confirm]")
        page.click("[data-test=apply]")
        page.wait_for_url("**/restructures/*/")
        done = Restructure.objects.get()
        assert page.locator("[data-test=messages]").inner_text() == "Đã áp dụng việc sắp xếp."
        assert page.locator("[data-test=document]").inner_text() == "Quyết định số 123-QĐ/TU"
        assert parent_of("C2-A", REFORM) == "N1"
        assert fits(page)

        page.goto(f"{live_server.url}/units/N1/")
        page.click("[data-test=restructures] > summary")
        page.click(f"[data-test=restructure-{done.pk}] a")
        page.wait_for_url(f"**/restructures/{done.pk}/")
        page.click("[data-test=undo]")
        page.wait_for_load_state()
        assert page.locator("[data-test=messages]").inner_text() == "Đã hoàn tác việc sắp xếp."
        assert not page.locator("[data-test=undo]").count()
        assert parent_of("C2-A", REFORM) == "C2"
        assert fits(page)
    finally:
        context.close()
