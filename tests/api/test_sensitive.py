"""Sensitive fields: absent without the grant or the asking; present with both, the read logged."""

from django.core.files.uploadedfile import SimpleUploadedFile

from ranks.core.models import AuditEntry
from ranks.people.models import Person
from tests.api.conftest import bearer
from tests.interchange.helpers import csv_bytes
from tests.people import test_national_id_at_rest as AT_REST

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


def test_an_import_through_the_api_stores_ciphertext(client, world, tokens):
    """The national ID at rest (tests/people/test_national_id_at_rest.py), written by the API."""
    file = SimpleUploadedFile("p.csv", csv_bytes(AT_REST.PEOPLE), content_type="text/csv")
    response = client.post(
        "/api/v1/imports/", {"kind": "people", "file": file}, **bearer(tokens["alice"])
    )
    assert response.status_code == 201, response.content
    done = client.post(response.json()["links"]["confirm"], **bearer(tokens["alice"]))
    assert done.json()["status"] == "done", done.content
    AT_REST.assert_at_rest("P-IMP1", "030200000123")
    assert AT_REST.stored("P-IMP2") == ""
    assert Person.objects.get(person_id="P-IMP2").national_id == ""
