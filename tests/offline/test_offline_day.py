"""A cell secretary's day on a phone with the connection cut: in headless Chromium on a
phone-sized screen, the cell's pages open from the device, three steps and a new candidate are
recorded offline, wait on the device across a reload, and are sent once each when the connection
returns an hour later by the test's clock; sent again, they are still recorded once."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from ranks.core.models import AuditEntry
from ranks.pipeline.models import Candidate, StageEvent
from tests.offline.device import Connection, kept_urls, sign_in, wait_kept

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def record_step(page, person_id: str, stage: str, fields: dict[str, str], checks=()) -> None:
    form = page.locator("[data-test=offline-event-form]")
    form.locator("select[name=candidate]").select_option(person_id)
    form.locator("select[name=stage]").select_option(stage)
    for name, value in fields.items():
        form.locator(f"[name='{stage}-{name}']").fill(value)
    for value in checks:
        form.locator(f"input[name='{stage}-introducer_person_ids'][value='{value}']").check()
    page.click("[data-test=offline-save-event]")
    expect(page.locator("[data-test=record-saved]")).to_be_visible()


def outbox_states(page) -> list[str]:
    return page.locator("[data-test=outbox-item]").evaluate_all(
        "items => items.map(i => i.dataset.state)"
    )


def test_a_day_offline_then_synced_once(page, live_server, cell):
    base = live_server.url
    # The device's clock: the connection is cut an hour ago and comes back now.
    started = dt.datetime.now() - dt.timedelta(hours=1, minutes=2)
    page.clock.install(time=started)
    sign_in(page, base)
    # Online, the secretary opens the cell's source list: the device keeps it and its pages.
    page.goto(f"{base}/units/C1-A/candidates/")
    wait_kept(
        page,
        [
            "/units/C1-A/candidates/",
            "/units/C1-A/record/",
            "/candidates/P-Q0/",
            "/units/C1-A/members/",
            "/outbox/",
        ],
    )
    connection = Connection(page.context)
    connection.cut()

    # With no connection, the source list, a candidate's page and the members open, "as of".
    page.goto(f"{base}/units/C1-A/candidates/")
    expect(page.locator("[data-test=as-of]")).to_be_visible()
    expect(page.locator("[data-test=row-P-Q0]")).to_be_visible()
    page.goto(f"{base}/candidates/P-Q0/")
    expect(page.locator("h1")).to_contain_text("Lò Thị Mai")
    expect(page.locator("[data-test=as-of]")).to_be_visible()
    page.goto(f"{base}/units/C1-A/members/")
    expect(page.locator("[data-test=as-of]")).to_be_visible()
    expect(page.get_by_text("Nguyễn Văn An").first).to_be_visible()

    # Three steps and a new candidate, recorded offline.
    page.goto(f"{base}/units/C1-A/record/")
    record_step(
        page,
        "P-Q0",
        "class_passed",
        {"class_name": "Lớp cảm tình Đảng 2026", "certificate_no": "CN-01"},
    )
    record_step(
        page,
        "P-Q1",
        "class_passed",
        {"class_name": "Lớp cảm tình Đảng 2026", "certificate_no": "CN-02"},
    )
    record_step(page, "P-Q0", "introducers_assigned", {}, checks=cell["introducers"])
    form = page.locator("[data-test=offline-candidate-form]")
    form.locator("[name=new-person_id]").fill("P-NEW1")
    form.locator("[name=person-full_name]").fill("Hờ Thị Sua")
    form.locator("[name=person-birth_date]").fill("2003-04-05")
    form.locator("[name=person-residence_place_code]").select_option("V1")
    form.locator("[name=new-source_group]").select_option("youth_union")
    page.click("[data-test=offline-save-candidate]")
    expect(page.locator("[data-test=outbox-count] b")).to_have_text("4")

    # Reloaded offline, they are still there, waiting.
    page.reload()
    expect(page.locator("[data-test=outbox-count] b")).to_have_text("4")
    page.goto(f"{base}/outbox/")
    expect(page.locator("[data-test=outbox-item]")).to_have_count(4)
    assert outbox_states(page) == ["waiting"] * 4
    labels = page.locator("[data-test=outbox-label]").all_inner_texts()
    assert labels[0].startswith("Lò Thị Mai")
    assert labels[3].startswith("Hờ Thị Sua")
    assert StageEvent.objects.filter(stage="class_passed").count() == 0
    assert not Candidate.objects.filter(person__person_id="P-NEW1").exists()

    # An hour later the connection returns: everything is sent, in order, once.
    page.clock.fast_forward("01:00:00")
    connection.restore()
    expect(page.locator("[data-test=outbox-item][data-state=synced]")).to_have_count(4)
    expect(page.locator("[data-test=outbox-count]")).to_be_hidden()
    q0 = StageEvent.objects.filter(candidate__person__person_id="P-Q0")
    assert q0.filter(stage="class_passed").count() == 1
    assert q0.filter(stage="introducers_assigned").count() == 1
    assert (
        StageEvent.objects.filter(candidate__person__person_id="P-Q1", stage="class_passed").count()
        == 1
    )
    new = Candidate.objects.get(person__person_id="P-NEW1")
    assert new.cell.code == "C1-A" and new.person.full_name == "Hờ Thị Sua"
    # Audited as offline, with the time recorded on the device and the time it arrived.
    synced = AuditEntry.objects.filter(action="sync", channel="offline").order_by("seq")
    assert synced.count() == 4
    first = synced.first().after
    recorded = dt.datetime.fromisoformat(first["recorded_at"].replace("Z", "+00:00"))
    arrived = dt.datetime.fromisoformat(first["arrived_at"].replace("Z", "+00:00"))
    assert dt.timedelta(minutes=55) < arrived - recorded < dt.timedelta(minutes=70)
    assert (
        AuditEntry.objects.filter(channel="offline", action="ranks.pipeline.event.created").count()
        == 3
    )

    # The same records sent again (as if the answers had been lost): still recorded once.
    page.evaluate(
        """async () => {
            const rows = await window.RanksOffline.all();
            for (const row of rows) { row.state = "waiting"; await window.RanksOffline.put(row); }
            await window.RanksOffline.sync();
        }"""
    )
    expect(page.locator("[data-test=outbox-item][data-state=synced]")).to_have_count(4)
    assert q0.filter(stage="class_passed").count() == 1
    assert q0.filter(stage="introducers_assigned").count() == 1
    assert Candidate.objects.filter(person__person_id="P-NEW1").count() == 1
    assert AuditEntry.objects.filter(action="sync").count() == 4
    assert sorted(kept_urls(page))  # the device still holds the cell's pages
