"""The health checks: /healthz says the process answers (no database, no session); /readyz says
the database answers and every migration is applied, 503 with the reason otherwise. And the
security headers every page carries (docs/deploy.md)."""

import json
from unittest import mock

from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from tests.factories import PASSWORD

CSP = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "manifest-src 'self'",
    "worker-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
)


def test_healthz_answers_without_the_database_or_the_session(
    client, world, django_assert_num_queries
):
    client.force_login(world.users["alice"])  # a probe that carries a session cookie
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
    assert "Cookie" not in response.get("Vary", "") and not response.cookies
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_ready_when_the_database_answers_and_is_migrated(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert client.head("/readyz").status_code == 200


def test_readyz_is_unready_while_a_migration_is_not_applied(client, db):
    # The database forgets one applied migration, as one the new code brings would be.
    app, name = sorted(MigrationLoader(connection).graph.leaf_nodes())[0]
    MigrationRecorder(connection).record_unapplied(app, name)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unready",
        "reason": f"1 migration(s) not applied, the first {app}.{name}",
    }


def test_readyz_is_unready_when_the_database_does_not_answer(client, db):
    refused = OperationalError("connection refused")
    with mock.patch.object(connection, "ensure_connection", side_effect=refused):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unready",
        "reason": "database unavailable: OperationalError",
    }


def test_pages_carry_the_security_headers(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert sorted(response["Content-Security-Policy"].split("; ")) == sorted(CSP)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_session_lasts_a_working_day(client, world):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["max-age"] == 8 * 60 * 60 and session["httponly"]
