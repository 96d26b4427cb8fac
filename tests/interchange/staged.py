"""What the tests of the staged imports share: the marks, the settings that force the staged path
on small files or turn it off, and what an import did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils.translation import override

from ranks.core.models import AuditEntry
from tests.interchange.helpers import run

MARKS = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the staged path is PostgreSQL's (COPY)"
    ),
]
STAGED = override_settings(RANKS_STAGED_MIN_BYTES=0, RANKS_STAGED_IMPORTS=True)
ORDINARY = override_settings(RANKS_STAGED_IMPORTS=False)


def last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def outcome(
    kind: str,
    data: bytes,
    *,
    state: Callable[[], Any],
    audit_since: Callable[[int], Any],
    keep: bool = False,
) -> dict:
    """Import `data` and say what happened: whether it was staged, the errors, the counts, the
    database's `state()`, and the audit entries (an ordinary import's as `audit_since` reads
    them, a staged import's as they are); unless `keep`, forget it afterwards."""
    with transaction.atomic():
        seq = last_seq()
        with override("en"):
            result = run(kind, data)
        staged = result.staged
        seen = {
            "staged": staged,
            "errors": [(e.row, e.column, e.value, e.reason) for e in result.errors],
            "counts": (result.rows, result.created, result.updated, result.unchanged),
            "state": state(),
            "audit": (list(AuditEntry.objects.filter(seq__gt=seq)) if staged else audit_since(seq)),
        }
        transaction.set_rollback(not keep)
    return seen
