"""The outbox on the device, in headless Chromium: a record the server refuses stays with the
rule's message and citation until corrected or discarded; a record whose candidate changed on the
server meanwhile is held as a conflict with both versions, not written over; a record waiting more
than 7 days is flagged; signing out leaves nothing on the device."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.pipeline.models import StageEvent
from ranks.pipeline.services import stage_event_save
from tests.offline.device import Connection, kept_urls, sign_in, wait_kept
from tests.offline.test_offline_day import record_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def go_offline_at_record_page(page, base):
    sign_in(page, base)
    page.goto(f"{base}/units/C1-A/candidates/")
    wait_kept(page, ["/units/C1-A/record/", "/outbox/"])
    connection = Connection(page.context)
    connection.cut()
    page.goto(f"{base}/units/C1-A/record/")
    return connection


def test_a_refused_record_stays_with_its_reason_until_corrected(page, live_server, cell):
    base = live_server.url
    connection = go_offline_at_record_page(page, base)
    # One introducer where two are needed: the server refuses it under R6.
    record_step(page, "P-Q2", "introducers_assigned", {}, checks=cell["introducers"][:1])
    page.goto(f"{base}/outbox/")
    connection.restore()
    item = page.locator("[data-test=outbox-item]")
    expect(item).to_have_attribute("data-state", "refused")
    expect(item.locator("[data-test=outbox-message]")).to_be_visible()
    rules = item.locator("[data-test=outbox-rules]")
    expect(rules).to_contain_text("R6")
    expect(rules).to_contain_text("§3.1 294-QĐ/TW")  # the citation
    expect(rules).to_contain_text("cần 2 người")  # the rule's message, in Vietnamese
    assert not StageEvent.objects.filter(stage="introducers_assigned").exists()
    # It stays across a reload and is still counted in the header.
    page.reload()
    expect(page.locator("[data-test=outbox-item][data-state=refused]")).to_have_count(1)
    expect(page.locator("[data-test=outbox-count] b")).to_have_text("1")
    # Corrected on the recording page (both introducers), it is sent and recorded once.
    page.click("[data-test=outbox-edit]")
    first, second = cell["introducers"]
    boxes = "input[name='introducers_assigned-introducer_person_ids']"
    expect(page.locator(f"{boxes}[value='{first}']")).to_be_checked()
    expect(page.locator(f"{boxes}[value='{second}']")).not_to_be_checked()
    page.locator(f"{boxes}[value='{second}']").check()
    page.click("[data-test=offline-save-event]")
    # Online, it is sent at once: nothing is left waiting in the header.
    expect(page.locator("[data-test=outbox-count]")).to_be_hidden()
    page.goto(f"{base}/outbox/")
    expect(page.locator("[data-test=outbox-item][data-state=synced]")).to_have_count(1)
    expect(page.locator("[data-test=outbox-item]")).to_have_count(1)
    event = StageEvent.objects.get(stage="introducers_assigned")
    assert sorted(p.person_id for p in event.introducers.all()) == sorted([first, second])


def test_a_refused_record_can_be_discarded(page, live_server, cell):
    base = live_server.url
    connection = go_offline_at_record_page(page, base)
    record_step(page, "P-Q2", "introducers_assigned", {}, checks=cell["introducers"][:1])
    page.goto(f"{base}/outbox/")
    connection.restore()
    expect(page.locator("[data-test=outbox-item]")).to_have_attribute("data-state", "refused")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=discard]")
    expect(page.locator("[data-test=outbox-item]")).to_have_count(0)
    expect(page.locator("[data-test=outbox-empty]")).to_be_visible()


def test_a_conflict_is_shown_with_both_versions_and_not_written_over(page, live_server, cell):
    base = live_server.url
    connection = go_offline_at_record_page(page, base)
    record_step(
        page, "P-Q1", "class_passed", {"class_name": "Lớp của bí thư", "certificate_no": "B-1"}
    )
    record_step(page, "P-Q1", "introducers_assigned", {}, checks=cell["introducers"])
    # Meanwhile another officer records the same candidate's class on the server.
    stage_event_save(
        actor=SYSTEM,
        person_id="P-Q1",
        stage="class_passed",
        date=dt.date.today(),
        class_name="Lớp của huyện",
        certificate_no="H-9",
    )
    page.goto(f"{base}/outbox/")
    connection.restore()
    items = page.locator("[data-test=outbox-item]")
    expect(items.nth(0)).to_have_attribute("data-state", "conflict")
    # The step that follows it waits for it.
    expect(items.nth(1)).to_have_attribute("data-state", "held")
    conflict = items.nth(0).locator("[data-test=conflict]")
    expect(conflict.locator("[data-test=conflict-yours]")).to_contain_text("Giàng A Páo")
    expect(conflict.locator("[data-test=conflict-server]")).to_contain_text("system")
    classes = StageEvent.objects.filter(candidate__person__person_id="P-Q1", stage="class_passed")
    assert list(classes.values_list("class_name", flat=True)) == ["Lớp của huyện"]
    # The secretary keeps the server's class: it goes. The introducers, recorded on the same
    # old copy, are then a conflict of their own; the secretary keeps those, and they are sent.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=keep-server]")
    page.click("[data-test=sync-now]")
    expect(items).to_have_count(1)
    expect(items.nth(0)).to_have_attribute("data-state", "conflict")
    page.click("[data-test=keep-mine]")
    expect(page.locator("[data-test=outbox-item][data-state=synced]")).to_have_count(1)
    assert list(classes.values_list("class_name", flat=True)) == ["Lớp của huyện"]
    assert (
        StageEvent.objects.filter(
            candidate__person__person_id="P-Q1", stage="introducers_assigned"
        ).count()
        == 1
    )


def test_a_record_waiting_more_than_7_days_is_flagged(page, live_server, cell):
    base = live_server.url
    page.clock.install(time=dt.datetime.now() - dt.timedelta(days=8))
    connection = go_offline_at_record_page(page, base)
    record_step(page, "P-Q3", "class_passed", {"class_name": "Lớp 1", "certificate_no": "C-3"})
    page.clock.fast_forward(8 * 24 * 3600 * 1000)
    page.goto(f"{base}/outbox/")
    expect(page.locator("[data-test=outbox-old]")).to_be_visible()
    expect(page.locator("[data-test=outbox-count]")).to_have_class("outbox-count flagged")
    assert connection.offline


def test_signing_out_warns_of_unsent_records_and_leaves_nothing(page, live_server, cell):
    base = live_server.url
    connection = go_offline_at_record_page(page, base)
    record_step(page, "P-Q3", "class_passed", {"class_name": "Lớp 1", "certificate_no": "C-3"})
    # Online again, but the record does not get through before the secretary signs out.
    page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    connection.restore()
    # Refused first: the warning is answered "no", and everything stays.
    messages = []

    def refuse(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    page.click("form.logout button")
    page.wait_for_timeout(1000)
    assert len(messages) == 1 and "1 " in messages[0]
    assert kept_urls(page)
    # Then accepted: signed out, and the device keeps neither pages nor outbox nor worker.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form.logout button")
    page.wait_for_url("**/accounts/login/**")
    assert kept_urls(page) == []
    left = page.evaluate(
        """async () => ({
            databases: (await indexedDB.databases()).map(d => d.name),
            workers: (await navigator.serviceWorker.getRegistrations()).length,
            caches: await caches.keys(),
        })"""
    )
    assert left == {"databases": [], "workers": 0, "caches": []}
    assert not StageEvent.objects.filter(stage="class_passed").exists()
    # Offline now, the cell's pages no longer open from the device.
    connection.cut()
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
        page.goto(f"{base}/units/C1-A/candidates/")


def test_a_member_working_away_and_back_recorded_offline(page, live_server, cell):
    from ranks.people.models import Absence

    base = live_server.url
    connection = go_offline_at_record_page(page, base)
    form = page.locator("[data-test=offline-absence-form]")
    form.locator("select[name=member]").select_option("P-AN")
    form.locator("[name=away-where_kind]").select_option("province")
    form.locator("[name=away-where]").fill("Bình Dương")
    form.locator("[name=away-contact]").fill("Zalo 0912 345 678")
    page.click("[data-test=offline-save-absence]")
    expect(page.locator("[data-test=record-saved]")).to_be_visible()
    # Back the same day, recorded on the same device: it follows the first record.
    form.locator("select[name=absence_kind]").select_option("return")
    page.click("[data-test=offline-save-absence]")
    expect(page.locator("[data-test=outbox-count] b")).to_have_text("2")
    assert not Absence.objects.exists()
    page.goto(f"{base}/outbox/")
    connection.restore()
    expect(page.locator("[data-test=outbox-item][data-state=synced]")).to_have_count(2)
    absence = Absence.objects.get()
    assert (absence.person.person_id, absence.where, absence.contact) == (
        "P-AN",
        "Bình Dương",
        "Zalo 0912 345 678",
    )
    assert absence.ended_on == absence.started_on
    assert AuditEntry.objects.filter(channel="offline", action="sync").count() == 2
