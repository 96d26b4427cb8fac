"""The read-replica router (`ranks.core.replica`), against a second database alias.

The alias `replica` is added for these tests only, as a second connection to the test database
(what `DATABASE_REPLICA_URL` makes in production). The tests commit (transaction=True), so the
second connection sees what the first wrote, and which connection served a read is what each
connection's own log of queries shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ranks.access.models import Grant
from ranks.access.services import grant_role
from ranks.api.services import token_create
from ranks.core import replica
from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.core.models import ReadPin
from ranks.org.models import Unit
from tests.factories import build_world

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

YEAR = today().year
DASHBOARD = "/units/N1/dashboard/"
PROGRESS = "/api/v1/units/N1/figures/progress/"
TARGET = f"/api/v1/units/C1-A/targets/{YEAR}/admissions/"


@pytest.fixture
def second_alias(settings):
    """`replica`: another connection to the test database, known to the router (made here
    rather than in the settings, so that the other tests run without it)."""
    conf = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
    wrapper = load_backend(conf["ENGINE"]).DatabaseWrapper(conf, alias=replica.REPLICA)
    setattr(connections._connections, replica.REPLICA, wrapper)
    settings.DATABASES = {**settings.DATABASES, replica.REPLICA: conf}
    try:
        yield wrapper
    finally:
        wrapper.close()
        delattr(connections._connections, replica.REPLICA)


@pytest.fixture
def province(transactional_db, second_alias):
    world = build_world()
    grant_role(actor=SYSTEM, username="alice", role="manager", unit_code="N1")
    return world


def on_each(call):
    """Run `call()`; what it returned and the queries each connection ran meanwhile."""
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary:
        with CaptureQueriesContext(connections[replica.REPLICA]) as second:
            result = call()
    return result, [q["sql"] for q in primary], [q["sql"] for q in second]


def test_without_a_replica_everything_reads_the_primary(db):
    assert not replica.configured()
    with replica.replica_reads():
        assert replica.read_alias() == DEFAULT_DB_ALIAS
        assert connections[DEFAULT_DB_ALIAS] is replica.read_connection()


def test_the_dashboard_reads_the_replica_until_its_user_writes(province, client):
    client.force_login(User.objects.get(username="alice"))

    page, primary, second = on_each(lambda: client.get(DASHBOARD))
    assert page.status_code == 200
    assert "N1" in page.content.decode()
    # The figures came from the replica; who alice is and what she may read, from the primary.
    assert any("counters_" in sql or "org_unit" in sql for sql in second)
    assert not any("access_grant" in sql or "django_session" in sql for sql in second)
    assert any("access_grant" in sql for sql in primary)

    # Alice sets a target: the write and every read of that request are on the primary...
    put, primary, second = on_each(
        lambda: client.put(TARGET, {"value": 4}, content_type="application/json")
    )
    assert put.status_code == 200, put.content
    assert second == []
    pin = ReadPin.objects.get(user__username="alice")
    assert pin.until > timezone.now()

    # ...and so is her next page, which shows what she just set.
    page, primary, second = on_each(lambda: client.get(DASHBOARD))
    assert page.status_code == 200
    assert second == []

    # Bob, who wrote nothing, still reads the replica.
    other = client.__class__()
    other.force_login(User.objects.get(username="bob"))
    page, _primary, second = on_each(lambda: other.get("/units/C2/dashboard/"))
    assert page.status_code == 200
    assert second

    # Once the pin has passed, alice reads the replica again.
    ReadPin.objects.filter(user__username="alice").update(
        until=timezone.now() - dt.timedelta(seconds=1)
    )
    page, _primary, second = on_each(lambda: client.get(DASHBOARD))
    assert page.status_code == 200
    assert second


def test_an_api_client_is_pinned_after_its_write_too(province, client):
    secret = token_create(actor=SYSTEM, username="alice", name="script")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    answer, _primary, second = on_each(lambda: client.get(PROGRESS, **auth))
    assert answer.status_code == 200
    assert second, "the figures of the API read the replica"

    put, _primary, second = on_each(
        lambda: client.put(TARGET, {"value": 5}, content_type="application/json", **auth)
    )
    assert put.status_code == 200, put.content
    assert second == []

    answer, _primary, second = on_each(lambda: client.get(PROGRESS, **auth))
    assert answer.status_code == 200
    assert second == []


def test_reads_that_must_be_current_stay_on_the_primary(province):
    with replica.replica_reads():
        # Inside the primary's transaction a read must see its own writes.
        with transaction.atomic():
            assert replica.read_alias() == DEFAULT_DB_ALIAS
            assert Unit.objects.all().db == DEFAULT_DB_ALIAS
        assert Unit.objects.all().db == replica.REPLICA
        # Who may read what is never read from a copy that lags.
        assert Grant.objects.all().db == DEFAULT_DB_ALIAS
        assert ReadPin.objects.all().db == DEFAULT_DB_ALIAS
        # Nor the queue of jobs, which workers take from.
        assert DBTaskResult.objects.all().db == DEFAULT_DB_ALIAS
    # Outside a report or a dashboard, everything reads the primary.
    assert Unit.objects.all().db == DEFAULT_DB_ALIAS


def test_writes_and_migrations_go_to_the_primary_only(province):
    router = replica.ReplicaRouter()
    with replica.replica_reads():
        assert router.db_for_write(Unit) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "org")
    assert not router.allow_migrate(replica.REPLICA, "org")


def test_the_report_command_reads_the_replica(province, capsys):
    from django.core.management import call_command

    _out, _primary, second = on_each(
        lambda: call_command("report", "progress", "--unit", "N1", "--format", "json")
    )
    assert second
    assert '"unit": "N1"' in capsys.readouterr().out
