"""The signed-in user's grants come on the user's own row, read for each request
(`access.backends.UserWithGrantsBackend`): one round trip fewer on every page, and still a grant
given or taken away shows at the user's next request."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ranks.access.services import grant_role, revoke_role
from ranks.core.actor import SYSTEM
from tests.factories import PASSWORD, make_user


@pytest.fixture
def lan(world):
    make_user("lan")
    grant_role(actor=SYSTEM, username="lan", role="viewer", unit_code="C1")
    return world


def signed_in(client, username):
    # Through the sign-in form, as a user signs in.
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_grant_taken_away_or_given_shows_at_the_next_request(client, lan):
    signed_in(client, "lan")
    assert client.get("/units/C1/").status_code == 200
    assert client.get("/units/C2/").status_code == 404
    revoke_role(actor=SYSTEM, username="lan", unit_code="C1")
    grant_role(actor=SYSTEM, username="lan", role="viewer", unit_code="C2")
    assert client.get("/units/C1/").status_code == 404
    assert client.get("/units/C2/").status_code == 200


def test_the_grants_are_read_with_the_user(client, lan):
    signed_in(client, "lan")
    client.get("/units/C1/dashboard/")  # the body counted once; kept for the next request
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/units/C1/dashboard/").status_code == 200
    grants = [q["sql"] for q in queries.captured_queries if "access_grant" in q["sql"]]
    assert len(grants) == 1 and "auth_user" in grants[0]
    # The session, the user with their grants, the unit with the figures' generations (read
    # apart, with the transaction's own triggers fired first, inside a test's transaction on
    # PostgreSQL: `counters.selectors.generations`).
    apart = ("SET CONSTRAINTS", "SELECT (SELECT generation FROM restructure_treegeneration")
    trips = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(apart)]
    assert len(trips) == 3, trips


def test_an_inactive_user_is_signed_out(client, lan):
    signed_in(client, "lan")
    get_user_model().objects.filter(username="lan").update(is_active=False)
    response = client.get("/units/C1/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
