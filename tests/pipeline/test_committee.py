"""The competent committee decides (R18): who it is on a date, across a `can_admit` change and
the 2025 reform; a decision recorded for another unit is refused with the rule's citation unless
it is an exception (audited, shown); the files awaiting a committee's decision, on its page and
in `ranks due --decisions`; who may record the decision; 404 outside the user's units."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import translation

from ranks.access.scope import Scope
from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.org.models import Unit
from ranks.org.selectors import competent_for
from ranks.org.services import unit_change
from ranks.pipeline.findings_text import citation_text, format_day
from ranks.pipeline.models import StageEvent
from ranks.pipeline.rules import add_working_days, rules_on
from ranks.pipeline.selectors import candidate_committee, decisions_awaiting
from ranks.pipeline.services import stage_event_save
from tests.factories import LAST_OLD_DAY, REFORM, make_user
from tests.pipeline.test_due import candidate, committee, resolution

D = dt.date
FULL = Scope(full=True)
BEFORE = D(2025, 3, 3)  # a vote before the reform: D1 decides for C1-A (C1 may not admit)
AFTER = D(2025, 7, 14)  # a vote after it: N1 decides for C1-A (N1 may admit)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def competent_code(cell: str, day: dt.date) -> tuple[str, bool]:
    found = competent_for([Unit.objects.get(code=cell)], day)[Unit.objects.get(code=cell).pk]
    assert found is not None
    return found.code, found.authorised


def signed_in(client, user):
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


def voted(person_id: str, name: str, day: dt.date) -> str:
    candidate(person_id, name)
    resolution(person_id, day)
    committee(person_id, day + dt.timedelta(days=7))
    return person_id


def test_the_competent_committee_follows_the_reform(world):
    assert competent_code("C1-A", LAST_OLD_DAY) == ("D1", False)
    assert competent_code("C1-A", REFORM) == ("N1", True)
    assert competent_code("C2-A", LAST_OLD_DAY) == ("D2", False)


def test_the_competent_committee_follows_a_can_admit_change(world, client):
    unit_change(
        actor=SYSTEM, code="C1", on=D(2024, 1, 1), name="Đảng bộ xã Một", can_admit=True,
        area_flags=[],
    )  # fmt: skip
    assert competent_code("C1-A", D(2023, 12, 31)) == ("D1", False)
    assert competent_code("C1-A", D(2024, 1, 1)) == ("C1", True)
    assert competent_code("C1-A", REFORM) == ("N1", True)
    # The change is in the unit's history, as its audit keeps it.
    assert AuditEntry.objects.filter(object_id="C1", after__can_admit=True).exists()
    signed_in(client, world.users["alice"])
    text = client.get("/units/C1/?on=2024-06-01").content.decode()
    assert (
        '<time>01/01/2024</time> admission authority changed: <span data-test="can-admit-change">decides admissions'
        in text
    )


def test_a_decision_names_the_competent_committee_by_default(world):
    pid = voted("P-MOT", "Lò Văn Một", BEFORE)
    event = stage_event_save(
        actor=SYSTEM, person_id=pid, stage="admission_decision", date=D(2025, 3, 24),
        decision_no="QĐ-1",
    )  # fmt: skip
    assert event.committee.code == "D1" and event.committee_exception == ""


def test_a_decision_by_another_unit_is_refused_with_the_rule(world):
    pid = voted("P-HAI", "Lò Văn Hai", BEFORE)
    with pytest.raises(DomainError) as error:
        stage_event_save(
            actor=SYSTEM, person_id=pid, stage="admission_decision", date=D(2025, 3, 24),
            committee_code="C1",
        )  # fmt: skip
    cited = rules_on(D(2025, 3, 24)).source("decision_committee")
    guidance = rules_on(D(2025, 3, 24)).source("decision_committee_guidance")
    assert (cited.document, cited.clause) == ("232-QĐ/TW", "§3.5")
    citation = citation_text(cited.document, cited.clause)
    assert str(error.value) == (
        f"Refused: R18 – decision by the competent committee ({citation}): The admission "
        "decision belongs to Đảng bộ huyện Một (D1), the competent committee on 24/03/2025 "
        "(the grassroots committee is not authorised; the committee directly above it decides; "
        f"guidance {guidance.citation}), not to Đảng bộ xã Một (C1). To record it anyway, mark "
        "it as an exception and give the reason."
    )
    assert error.value.rules[0]["rule"] == "R18"
    assert not StageEvent.objects.filter(stage="admission_decision").exists()


def test_the_refusal_speaks_vietnamese(world):
    pid = voted("P-BA", "Lò Văn Ba", BEFORE)
    with translation.override("vi"), pytest.raises(DomainError) as error:
        stage_event_save(
            actor=SYSTEM, person_id=pid, stage="admission_decision", date=D(2025, 3, 24),
            committee_code="C1",
        )  # fmt: skip
    message = str(error.value)
    assert message.startswith("Không ghi nhận được: R18 – quyết định của cấp ủy có thẩm quyền")
    assert "§3.5 232-QĐ/TW" in message and "Đảng bộ huyện Một (D1)" in message
    assert "đảng ủy cơ sở chưa được ủy quyền kết nạp" in message
    assert "Đảng bộ xã Một (C1)" in message


def test_a_decision_by_another_unit_is_kept_as_an_audited_exception(world, client):
    pid = voted("P-BON", "Lò Văn Bốn", BEFORE)
    reason = "Huyện ủy ủy quyền bằng văn bản số 12-CV/HU"
    event = stage_event_save(
        actor=SYSTEM, person_id=pid, stage="admission_decision", date=D(2025, 3, 24),
        committee_code="C1", committee_exception=reason,
    )  # fmt: skip
    assert (event.committee.code, event.committee_exception) == ("C1", reason)
    entry = AuditEntry.objects.filter(object_id=pid, action="ranks.pipeline.event.created").last()
    assert entry.after["committee_code"] == "C1"
    assert entry.after["committee_exception"] == reason
    assert entry.after["exception_for"] == ["R18"]
    signed_in(client, make_user("root-c", superuser=True))
    page = client.get(f"/candidates/{pid}/?on=2025-04-01").content
    text = page.decode()
    assert 'data-test="decision-committee">Đảng bộ xã Một <code>C1</code>' in text
    assert reason in text


def test_files_awaiting_the_committee_and_the_change_of_committee(world):
    early = voted("P-SOM", "Lò Văn Sớm", D(2025, 6, 2))  # under D1, waits past the reform
    late = voted("P-MUON", "Lò Văn Muộn", AFTER)
    on = D(2025, 8, 1)  # both within the 60 working days of R8
    files = decisions_awaiting(scope=FULL, unit=Unit.objects.get(code="N1"), on=on)
    # Nearest deadline first: the earlier vote.
    assert [f.item.person_id for f in files] == [early, late]
    deadline = add_working_days(D(2025, 6, 2), 60)
    assert files[0].item.date == deadline and files[0].item.rule == "R8"
    change = files[0].change
    assert change is not None and change.since == REFORM
    assert (change.now.code, change.was.code) == ("N1", "D1")
    assert files[1].change is None
    # Before the reform the same early file awaited D1, not N1.
    assert decisions_awaiting(scope=FULL, unit=Unit.objects.get(code="N1"), on=D(2025, 6, 20)) == []
    (waiting,) = decisions_awaiting(scope=FULL, unit=Unit.objects.get(code="D1"), on=D(2025, 6, 20))
    assert waiting.item.person_id == early
    # Once decided, it leaves the list.
    stage_event_save(actor=SYSTEM, person_id=late, stage="admission_decision", date=on)
    assert [
        f.item.person_id
        for f in decisions_awaiting(scope=FULL, unit=Unit.objects.get(code="N1"), on=on)
    ] == [early]
    # The candidate's page says it too.
    said = candidate_committee(StageEvent.objects.get(pk=_vote(early)).candidate, on)
    assert said.change is not None and said.change.was.code == "D1"


def _vote(person_id: str) -> int:
    return StageEvent.objects.get(
        candidate__person__person_id=person_id, stage="cell_resolution"
    ).pk


def test_ranks_due_decisions(world):
    early = voted("P-SOM", "Lò Văn Sớm", D(2025, 6, 2))
    out = io.StringIO()
    call_command(
        "due", "--unit", "N1", "--decisions", "--on", "2025-08-01", "--format", "json", stdout=out
    )
    (row,) = json.loads(out.getvalue())
    assert (row["person_id"], row["rule"], row["committee_since"], row["committee_was"]) == (
        early, "R8", "2025-07-01", "D1",
    )  # fmt: skip
    assert row["date"] == add_working_days(D(2025, 6, 2), 60).isoformat()
    out = io.StringIO()
    call_command("due", "--unit", "N1", "--decisions", "--on", "2025-08-01", stdout=out)
    assert out.getvalue().split("  ")[:4] == [
        "due",
        format_day(add_working_days(D(2025, 6, 2), 60)),
        "R8",
        early,
    ]
    assert "committee since 01/07/2025 (was D1)" in out.getvalue()
    # Outside the actor's units: like an unknown unit.
    with pytest.raises(Exception) as error:
        call_command("due", "--unit", "N1", "--decisions", "--as", "bob", stdout=io.StringIO())
    assert "Unknown unit code: N1." in str(error.value)


def test_the_decisions_page_and_its_scope(world, client):
    early = voted("P-SOM", "Lò Văn Sớm", D(2025, 6, 2))
    signed_in(client, world.users["alice"])
    page = client.get("/units/N1/decisions/?on=2025-08-01")
    text = page.content.decode()
    assert page.status_code == 200
    assert f'data-test="decision-{early}"' in text and "Lò Văn Sớm" in text
    assert "since 01/07/2025 with Đảng bộ xã Mới (N1) (was Đảng bộ huyện Một, D1)" in text
    client.force_login(world.users["bob"])
    assert client.get("/units/N1/decisions/?on=2025-10-01").status_code == 404


def test_an_officer_of_the_competent_committee_records_the_decision(world, client):
    pid = voted("P-NAM", "Lò Văn Năm", AFTER)
    make_user("ngoc")
    grant_role(actor=SYSTEM, username="ngoc", role="officer", unit_code="N1")
    client.force_login(world.users["root"].__class__.objects.get(username="ngoc"))
    form = client.get(f"/candidates/{pid}/events/admission_decision/?on=2025-10-01")
    assert form.status_code == 200
    assert 'value="N1"' in form.content.decode()
    day = D(2025, 10, 1)
    response = client.post(
        f"/candidates/{pid}/events/admission_decision/",
        {"date": day.isoformat(), "committee_code": "N1", "decision_no": "12-QĐ/ĐU"},
    )
    assert response.status_code == 302
    assert StageEvent.objects.get(stage="admission_decision").committee.code == "N1"
    # An officer elsewhere: the form is as missing as the candidate.
    client.force_login(world.users["bob"])
    assert client.get(f"/candidates/{pid}/events/admission_decision/").status_code == 404


def test_the_form_asks_a_reason_for_an_exception(world, client):
    pid = voted("P-SAU", "Lò Văn Sáu", AFTER)
    signed_in(client, world.users["alice"])
    url = f"/candidates/{pid}/events/admission_decision/"
    data = {"date": "2025-10-01", "committee_code": "C1-A", "committee_is_exception": "on"}
    text = client.post(url, data).content.decode()
    assert "Say why the decision is recorded for another committee." in text
    data.pop("committee_is_exception")
    text = client.post(url, data).content.decode()
    assert "Refused: R18" in text
    assert not StageEvent.objects.filter(stage="admission_decision").exists()


def test_the_migration_names_the_committee_competent_on_the_decision_day(world):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("ranks.pipeline.migrations.0005_decision_committee")
    before = voted("P-CU", "Lò Văn Cũ", BEFORE)
    after = voted("P-MOI", "Lò Văn Mới", AFTER)
    for pid, day in ((before, D(2025, 3, 24)), (after, D(2025, 7, 28))):
        stage_event_save(actor=SYSTEM, person_id=pid, stage="admission_decision", date=day)
    # Decisions recorded before the committee was kept: the authority only.
    StageEvent.objects.filter(stage="admission_decision").update(committee=None)
    migration.competent_on_decision_day(apps, None)
    named = dict(
        StageEvent.objects.filter(stage="admission_decision").values_list(
            "candidate__person__person_id", "committee__code"
        )
    )
    assert named == {before: "D1", after: "N1"}


def test_the_api_gives_the_decisions_committee_and_records_the_competent_one(world, client):
    from ranks.api.services import token_create

    pid = voted("P-API", "Lò Văn Api", AFTER)
    secret = token_create(actor=SYSTEM, username="alice", name="alice's script")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    response = client.post(
        f"/api/v1/candidates/{pid}/events/",
        {"stage": "admission_decision", "date": "2025-07-28", "decision_no": "7-QĐ/ĐU"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code in (200, 201), response.content
    events = client.get(f"/api/v1/candidates/{pid}/?on=2025-08-01", **auth).json()["events"]
    (decision,) = [e for e in events if e["stage"] == "admission_decision"]
    assert decision["committee"] == {"code": "N1", "name": "Đảng bộ xã Mới"}
    assert decision["committee_exception"] == ""


@pytest.mark.parametrize("count", [1, 12])
def test_the_decisions_list_costs_the_cells_not_the_candidates(
    world, django_assert_max_num_queries, count
):
    for n in range(count):
        pid = candidate(f"P-Q{n:02}", f"Người {n}", cell="C1-A" if n % 2 else "C1-B")
        resolution(pid, D(2025, 6, 2) + dt.timedelta(days=n))  # some under D1, waiting past it
    unit = Unit.objects.get(code="N1")
    # candidates, events, introducers' postings…, the competent committee (2), its changes (5),
    # the cells' names.
    with django_assert_max_num_queries(DECISIONS_QUERIES):
        files = decisions_awaiting(scope=FULL, unit=unit, on=D(2025, 8, 1))
    assert len(files) == count


DECISIONS_QUERIES = 15


def test_a_decision_corrected_to_another_committee_needs_the_exception(world):
    from ranks.pipeline.services import stage_event_correct

    pid = voted("P-SUA", "Lò Văn Sửa", BEFORE)
    day = D(2025, 3, 24)
    event = stage_event_save(actor=SYSTEM, person_id=pid, stage="admission_decision", date=day)
    with pytest.raises(DomainError) as error:
        stage_event_correct(
            actor=SYSTEM, person_id=pid, event_id=event.pk, reason="Sai cấp", date=day,
            committee_code="C1",
        )  # fmt: skip
    assert error.value.rules[0]["rule"] == "R18"
    stage_event_correct(
        actor=SYSTEM, person_id=pid, event_id=event.pk, reason="Sai cấp", date=day,
        committee_code="C1", committee_exception="Ủy quyền riêng",
    )  # fmt: skip
    event.refresh_from_db()
    assert (event.committee.code, event.committee_exception) == ("C1", "Ủy quyền riêng")
    entry = AuditEntry.objects.filter(action="ranks.pipeline.event.corrected").last()
    assert (entry.before["committee_code"], entry.after["committee_code"]) == ("D1", "C1")
    assert entry.after["exception_for"] == ["R18"]
