"""A person's dated attributes through the API: read with their dates (ethnicity and religion
under the sensitive grant, logged) and changed from a day, refused where the pages refuse."""

from __future__ import annotations

import datetime as dt

from ranks.core.models import AuditEntry
from ranks.counters.models import AdmissionCount
from ranks.people.models import Person
from tests.api.conftest import bearer

READS = "ranks.people.person.sensitive_read"
URL = "/api/v1/people/{}/attributes/"


def _farmers(code: str, month: dt.date) -> int:
    rows = AdmissionCount.objects.filter(unit__code=code, month=month)
    return sum(r.farmers for r in rows)


def test_a_change_from_a_day_is_recorded_and_read_back_with_its_dates(client, world, tokens):
    an = world.people["an"]
    membership = an.memberships.get()
    decided = membership.admission_decision_date
    cell = membership.postings.get(valid_from=decided).cell.code
    born = an.birth_date.isoformat()
    answer = client.post(
        URL.format("P-AN"),
        {"occupation": "farmer", "attributes_from": born},
        content_type="application/json",
        **bearer(tokens["alice"]),
    )
    assert answer.status_code == 200, answer.content
    month = decided.replace(day=1)
    assert _farmers(cell, month) == 1
    # Later than the decision: the admission stays a farmer's.
    later = (decided + dt.timedelta(days=400)).isoformat()
    body = client.post(
        URL.format("P-AN"),
        {"occupation": "civil_servant", "attributes_from": later},
        content_type="application/json",
        **bearer(tokens["alice"]),
    ).json()
    assert [(r["valid_from"], r["valid_to"], r["occupation"]) for r in body["results"]] == [
        (later, None, "civil_servant"),
        (born, (decided + dt.timedelta(days=399)).isoformat(), "farmer"),
    ]
    assert "religion" not in body["results"][0]
    assert _farmers(cell, month) == 1
    assert Person.objects.get(person_id="P-AN").occupation == "civil_servant"
    # Sensitive history: with the grant and asked for, logged with the channel.
    body = client.get(URL.format("P-AN") + "?show=sensitive", **bearer(tokens["alice"])).json()
    assert [r["religion"] for r in body["results"]] == ["Không", "Không"]
    entry = AuditEntry.objects.get(action=READS)
    assert (entry.actor, entry.channel, entry.after["history"]) == (
        "alice",
        "api",
        ["ethnicity", "religion"],
    )


def test_refusals_change_nothing(client, world, tokens):
    before = list(Person.objects.get(person_id="P-AN").attribute_periods.values())
    post = {"content_type": "application/json", "HTTP_ACCEPT_LANGUAGE": "en"}
    # Bob sees no P-AN: as if there were none.
    answer = client.post(
        URL.format("P-AN"),
        {"occupation": "worker", "attributes_from": "2024-01-01"},
        **post,
        **bearer(tokens["bob"]),
    )
    assert answer.status_code == 404
    # Before the birth date: the service's message.
    answer = client.post(
        URL.format("P-AN"),
        {"occupation": "worker", "attributes_from": "1980-01-01"},
        **post,
        **bearer(tokens["alice"]),
    )
    assert answer.status_code == 400
    assert "before the birth date" in answer.content.decode()
    # Bob may change Lan (he covers V2) but not her religion: no sensitive grant.
    answer = client.post(
        URL.format("P-LAN"),
        {"religion": "Công giáo", "attributes_from": "2024-01-01"},
        **post,
        **bearer(tokens["bob"]),
    )
    assert answer.status_code == 403
    assert "no grant to see ethnicity, religion" in answer.content.decode()
    body = client.get(URL.format("P-LAN") + "?show=sensitive", **bearer(tokens["bob"])).json()
    assert "religion" not in body["results"][0]
    assert not AuditEntry.objects.filter(action=READS).exists()
    assert list(Person.objects.get(person_id="P-AN").attribute_periods.values()) == before
