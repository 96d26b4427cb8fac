"""In headless Chromium on a phone-sized screen: an officer records a class and a vote through the
forms and sees them on the timeline; the source list and its board fit the screen."""

import datetime as dt

import pytest

from ranks.core.actor import SYSTEM
from ranks.people.services import person_save
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.factories import PASSWORD, add_introducers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = dt.date


@pytest.fixture
def mai(world):
    """A candidate of C1-A with every step of the dossier but the awareness class."""
    person_save(
        actor=SYSTEM,
        person_id="P-MAI",
        full_name="Lò Thị Mai",
        birth_date=D(1998, 4, 5),
        education_general="upper_secondary",
        residence_place_code="V1",
    )
    candidate_save(
        actor=SYSTEM,
        person_id="P-MAI",
        cell_code="C1-A",
        added_on=D(2026, 1, 5),
        source_group="youth_union",
        mentor_person_ids=["P-AN"],
    )
    introducers = add_introducers("C1-A")
    for stage, day, extra in (
        ("source_list", D(2026, 1, 5), {}),
        ("introducers_assigned", D(2026, 2, 2), {"introducer_person_ids": introducers}),
        ("dossier_prepared", D(2026, 3, 2), {}),
        ("background_verified", D(2026, 4, 1), {}),
        ("comments_collected", D(2026, 5, 4), {}),
    ):
        stage_event_save(actor=SYSTEM, person_id="P-MAI", stage=stage, date=day, **extra)
    for n in range(6):
        person_save(
            actor=SYSTEM,
            person_id=f"P-X{n}",
            full_name=f"Nguyễn Thị Phương Thảo Xuân {n}",
            birth_date=D(2000, 1, 1),
            residence_place_code="V1",
        )
        candidate_save(
            actor=SYSTEM,
            person_id=f"P-X{n}",
            cell_code="C1-A",
            added_on=D(2026, 1, 5),
            source_group="returning_graduate",
            mentor_person_ids=["P-AN", "P-GT1"],
        )
    return "P-MAI"


def sign_in(page, live_server, username="alice"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    # A user starts on the dashboard of their widest current grant.
    page.wait_for_url("**/dashboard/")


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_officer_records_a_class_and_a_vote_on_a_phone(page, live_server, mai):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/candidates/P-MAI/")
    assert page.locator("h1").inner_text() == "Lò Thị Mai"
    assert fits_the_screen(page)

    page.click("[data-test=next-class_passed] a")
    page.wait_for_url("**/events/class_passed/**")
    assert fits_the_screen(page)
    page.fill("input[name=date]", "2026-06-01")
    page.fill("input[name=class_name]", "Lớp bồi dưỡng 6/2026")
    page.fill("input[name=certificate_no]", "GCN-0601")
    page.click("[data-test=save]")
    page.wait_for_url(f"{live_server.url}/candidates/P-MAI/")
    assert page.locator("[data-test=messages]").is_visible()
    event = page.locator("[data-test=event-class_passed]")
    assert "GCN-0601" in event.inner_text() and "01/06/2026" in event.inner_text()

    page.click("[data-test=next-cell_resolution] a")
    page.wait_for_url("**/events/cell_resolution/**")
    # The official members of the cell are counted for the officer: An and the two introducers.
    assert page.input_value("input[name=official_members]") == "3"
    page.fill("input[name=date]", "2026-07-01")
    page.fill("input[name=votes_for]", "3")
    page.click("[data-test=save]")
    page.wait_for_url(f"{live_server.url}/candidates/P-MAI/")
    vote = page.locator("[data-test=event-cell_resolution]")
    assert "01/07/2026" in vote.inner_text()
    assert (
        page.locator("[data-test=event-cell_resolution] [data-test=votes]")
        .inner_text()
        .startswith("3")
    )
    assert page.locator("[data-test=next-committee_resolution]").is_visible()
    assert fits_the_screen(page)


def test_a_refused_vote_shows_the_rule_and_keeps_the_input(page, live_server, mai):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/candidates/P-MAI/events/cell_resolution/")
    page.fill("input[name=date]", "2026-07-01")
    page.fill("input[name=votes_for]", "3")
    page.click("[data-test=save]")
    error = page.locator("[data-test=form-error]")
    assert "R4" in error.inner_text()
    assert page.input_value("input[name=votes_for]") == "3"
    # The exception's fields open for the approver and the document.
    assert page.locator("input[name=exception_approved_by]").is_visible()


def test_the_source_list_and_board_fit_a_phone(page, live_server, mai):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/units/C1-A/candidates/")
    rows = page.locator("table[data-test=candidates] tbody tr")
    assert rows.count() == 7
    assert fits_the_screen(page)
    # Each row is a card: the cells stack, each with its label.
    first = page.locator("[data-test=row-P-MAI]")
    box = first.bounding_box()
    assert box is not None and box["width"] <= 390
    assert first.locator("td").nth(1).is_visible()
    page.click("[data-test=view-board]")
    page.wait_for_url("**view=board**")
    assert fits_the_screen(page)
    columns = page.locator(".board .column")
    assert columns.count() == 13
    # Stacked: the columns sit one under the other, each the width of the screen.
    a, b = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
    assert a["x"] == b["x"] and b["y"] > a["y"]
    assert page.locator("[data-test=card-P-MAI]").is_visible()
    # Filters by state on the board.
    page.select_option("select[name=group]", "youth_union")
    page.click("form[data-test=filters] button[type=submit]")
    page.wait_for_url("**group=youth_union**")
    assert page.locator(".board .card").count() == 1


def test_a_vote_that_fails_then_passes_and_a_correction_on_a_phone(page, live_server, mai):
    """The failed vote shows as failed with what the cell can do; a second vote on a later day is
    kept beside it; a mistyped figure is corrected with a reason."""
    stage_event_save(
        actor=SYSTEM, person_id="P-MAI", stage="class_passed", date=D(2026, 6, 1),
        certificate_no="GCN-0601",
    )  # fmt: skip
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/candidates/P-MAI/events/cell_resolution/")
    assert page.locator("[data-test=counted]").inner_text().startswith("Theo dữ liệu: ngày")
    page.fill("input[name=date]", "2026-07-01")
    page.fill("input[name=votes_for]", "1")
    page.click("[data-test=save]")
    page.wait_for_url(f"{live_server.url}/candidates/P-MAI/")
    assert page.locator("[data-test=vote-failed]").first.inner_text() == (
        "biểu quyết không đạt (1/3, cần 2)"
    )
    assert "có thể xem xét lại" in page.locator("[data-test=vote-follows]").inner_text()
    assert fits_the_screen(page)
    page.click("[data-test=next-cell_resolution] a")
    page.wait_for_url("**/events/cell_resolution/**")
    page.fill("input[name=date]", "2026-08-03")
    page.fill("input[name=votes_for]", "2")
    page.click("[data-test=save]")
    page.wait_for_url(f"{live_server.url}/candidates/P-MAI/")
    assert page.locator("[data-test=vote-failed]").count() == 0
    assert page.locator("[data-test=event-cell_resolution]").count() == 2
    # The second vote was 3 for, not 2: corrected, with the reason.
    page.locator("[data-test=event-cell_resolution]").nth(1).locator(
        "a", has_text="Đính chính"
    ).click()
    page.wait_for_url("**/correct/")
    assert fits_the_screen(page)
    page.fill("input[name=votes_for]", "3")
    page.fill("textarea[name=reason]", "Mistyped: 3 voted for.")
    page.click("[data-test=save]")
    page.wait_for_url(f"{live_server.url}/candidates/P-MAI/")
    votes = page.locator("[data-test=event-cell_resolution] [data-test=votes]")
    assert votes.nth(1).inner_text().startswith("3")
