"""A whole province through both import paths: the demo's export of every kind, imported into an
empty database row by row through the services and then set-based, gives the same records (the
same rows of every table, the same exports as the files imported) and the same audit trail.

The tests of each kind (`test_bulk_*.py`) compare before and after of every audit entry on
generated files; this one checks that the kinds fit together on a real province, in the order a
user loads them.
"""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from ranks.access.scope import scope_for
from ranks.core.actor import SYSTEM
from ranks.core.audit import audit_verify
from ranks.core.models import AuditEntry
from ranks.coverage import recount as coverage_recount
from ranks.demo.writer import flush
from ranks.interchange.engine import run_import
from ranks.interchange.exporters import export_kind, write_csv
from ranks.interchange.schema import KIND_ORDER
from ranks.org.models import Unit
from ranks.targets import recount
from tests.interchange.helpers import db_counts

pytestmark = pytest.mark.django_db

SMALL = {"members": 300, "villages_per_commune": 1, "non_members": 60}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast):
        with transaction.atomic():
            call_command("demo", stdout=StringIO(), lang="en", **SMALL)
            yield
            transaction.set_rollback(True)


def export_all() -> dict[str, str]:
    files = {}
    for kind in KIND_ORDER:
        buffer = io.StringIO()
        rows = export_kind(
            actor=SYSTEM, kind=kind, scope=scope_for(SYSTEM), root=None, sensitive=True
        )
        write_csv(rows, buffer)
        files[kind] = buffer.getvalue()
    return files


def load_all(files: dict[str, str], *, row_by_row: bool) -> dict:
    """Empty the database, import every kind in order; what a user would see of it."""
    flush(SYSTEM)
    outcomes = {}
    for kind in KIND_ORDER:
        result = run_import(
            actor=SYSTEM,
            kind=kind,
            stream=io.BytesIO(files[kind].encode("utf-8")),
            filename=f"{kind}.csv",
            row_by_row=row_by_row,
        )
        assert result.ok, (kind, result.errors[:5])
        outcomes[kind] = (result.rows, result.created, result.updated, result.unchanged)
    # The counters' delta rows are as many as the transactions that wrote them (a row at a time
    # on one path, a batch at a time on the other): their sums by unit and month are compared.
    counts = {
        k: v
        for k, v in db_counts().items()
        if k
        not in {
            "auth.User",
            "counters.AdmissionCount",
            "counters.CompositionCount",
            "counters.CoverageCount",
            "counters.PipelineCount",
            "counters.StageCount",
        }
    }
    codes = dict(Unit.objects.values_list("pk", "code"))
    counts["counted"] = sorted((codes[u], m, v) for (u, m), v in recount.counted().items())
    counts["covered"] = sorted((codes[u], d, v) for (u, d), v in coverage_recount.counted().items())
    counts["pipeline"] = sorted(
        (codes[u], d, v) for (u, d), v in recount.pipeline_counted().items()
    )
    counts["stages"] = sorted((codes[u], d, v) for (u, d), v in recount.stage_counted().items())
    trail = list(
        AuditEntry.objects.order_by("seq").values_list("action", "object_type", "object_id")
    )
    assert audit_verify() is None
    return {"outcomes": outcomes, "counts": counts, "exports": export_all(), "audit": trail}


def in_savepoint(work):
    """Run `work` and undo what it wrote, so the next path starts from the same demo."""
    with transaction.atomic():
        state = work()
        transaction.set_rollback(True)
    return state


def test_the_demo_province_loads_the_same_row_by_row_and_set_based(demo):
    files = export_all()
    assert all(files[kind].count("\n") > 1 for kind in KIND_ORDER if kind != "secondments")
    rows = in_savepoint(lambda: load_all(files, row_by_row=True))
    bulk = in_savepoint(lambda: load_all(files, row_by_row=False))
    assert bulk["outcomes"] == rows["outcomes"]
    assert bulk["counts"] == rows["counts"]
    # The same entries; a units file is written in file order set-based, parents first row by row.
    assert sorted(bulk["audit"]) == sorted(rows["audit"])
    assert bulk["exports"] == rows["exports"]
    # An export re-imports to the same state: the files come back as they went in.
    assert bulk["exports"] == files


def test_the_demo_province_imported_again_changes_nothing(demo):
    files = export_all()

    def twice():
        load_all(files, row_by_row=False)
        before = AuditEntry.objects.count()
        for kind in KIND_ORDER:
            result = run_import(
                actor=SYSTEM,
                kind=kind,
                stream=io.BytesIO(files[kind].encode("utf-8")),
                filename=f"{kind}.csv",
            )
            assert (result.ok, result.created, result.updated) == (True, 0, 0), kind
        return before, AuditEntry.objects.count(), export_all()

    before, after, exports = in_savepoint(twice)
    assert after == before
    assert exports == files
