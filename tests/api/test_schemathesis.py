"""Schemathesis against the live schema (generated from the code, as /api/v1/schema/ serves it),
every operation, through the WSGI app: no server error, and every answer (status, content type,
body) conforms to the schema. As alice (officer at C1 and N1, with the sensitive grant), by her
token."""

import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from ranks.api.services import token_create
from ranks.core.actor import SYSTEM
from ranks.wsgi import application

# The schemathesis loader from a pytest fixture (`from_fixture`) needs a pytest older than ours;
# the schema needs no database, so it is loaded when the module is.
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
)


def _uncompressed(app):
    """Schemathesis' WSGI transport asks for gzip as `requests` does, but reads the body as it
    comes, where a real client undoes the compression (`CompressionMiddleware`): ask for none."""

    def wsgi(environ, start_response):
        environ.pop("HTTP_ACCEPT_ENCODING", None)
        return app(environ, start_response)

    return wsgi


schema.app = _uncompressed(application)


@pytest.fixture
def alice_token(world):
    """Alice's token; the WSGI app, like Django's test client, keeps the test's connection open
    (it would close it at the end of each request, and the test's transaction with it)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield token_create(actor=SYSTEM, username="alice", name="schemathesis")[1]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation(case, alice_token):
    from ranks.api.models import IdempotentRequest

    # Each example is another request: an Idempotency-Key an earlier example used for another
    # body is rightly refused (422), which is not what a positive example tests.
    IdempotentRequest.objects.all().delete()
    offline_consistent(case)
    period_consistent(case)
    case.call_and_validate(headers={"Authorization": f"Bearer {alice_token}"})


def period_consistent(case):
    """What the schema cannot say of a period: `from` is not after `to` (a later start is refused
    with its message). A generated period is made so."""
    import datetime as dt

    query = case.query or {}
    try:
        start = dt.date.fromisoformat(str(query["from"]))
        end = dt.date.fromisoformat(str(query["to"]))
    except (KeyError, ValueError):
        return
    if start > end:
        query["from"], query["to"] = query["to"], query["from"]


def offline_consistent(case):
    """What the schema cannot say of a record made offline (docs/api/offline.md): with
    `Ranks-Channel: offline`, `Ranks-Recorded-At` is required and not in the future, and the
    `Idempotency-Key` is required and at most 120 characters (tests/api/test_sync.py checks the
    refusals). A generated record made offline is made so."""
    import datetime as dt

    from django.utils import timezone

    headers = case.headers or {}
    if headers.get("Ranks-Channel") != "offline":
        return
    headers["Ranks-Recorded-At"] = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    headers["Idempotency-Key"] = (headers.get("Idempotency-Key") or "device-record")[:120]


def test_stateful_links(alice_token):
    """The schema's links walked as a state machine: values from one answer (a unit's code, a
    candidate's id, a job's id) fed into the operations they lead to, every answer checked."""

    from ranks.api.models import IdempotentRequest

    class WithToken(schema.as_state_machine()):
        def before_call(self, case):
            # As in `test_every_operation`: each step is another request.
            IdempotentRequest.objects.all().delete()
            offline_consistent(case)
            period_consistent(case)

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {alice_token}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # As `call_and_validate` does: the checks know which headers carried the token.
            case.validate_response(response, headers=kwargs.get("headers"), transport_kwargs=kwargs)

    WithToken.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
