"""Sensitive fields: absent without the grant or the asking; present with both, the read logged."""

from ranks.core.models import AuditEntry
from tests.api.conftest import bearer

READS = "ranks.people.person.sensitive_read"


def test_absent_unless_asked(client, world, tokens):
    body = client.get("/api/v1/people/?q=P-AN", **bearer(tokens["alice"])).json()
    assert body["results"][0]["person_id"] == "P-AN"
    assert "sensitive" not in body["results"][0]
    assert not AuditEntry.objects.filter(action=READS).exists()


def test_present_with_the_grant_and_logged(client, world, tokens):
    body = client.get("/api/v1/people/?q=P-AN&show=sensitive", **bearer(tokens["alice"])).json()
    assert body["results"][0]["sensitive"] == {
        "ethnicity": "Kinh",
        "religion": "Không",
        "national_id": "030090000001",
    }
    entry = AuditEntry.objects.get(action=READS)
    assert entry.object_id == "P-AN" and entry.actor == "alice" and entry.channel == "api"


def test_absent_without_the_grant(client, world, tokens):
    body = client.get("/api/v1/people/?q=P-LAN&show=sensitive", **bearer(tokens["bob"])).json()
    assert body["results"][0]["person_id"] == "P-LAN"
    assert "sensitive" not in body["results"][0]
    assert not AuditEntry.objects.filter(action=READS).exists()
