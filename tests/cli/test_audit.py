"""`ranks audit`: verify the chain; show entries to full-access operators only."""

import pytest
from django.db import connection

from ranks.core.models import AuditEntry
from tests.cli.helpers import ranks, ranks_fails


def test_verify_counts_the_entries_of_an_intact_log(world):
    count = AuditEntry.objects.count()
    head = AuditEntry.objects.order_by("seq").last()
    assert ranks("audit", "verify") == [
        f"The audit log is intact: {count} entries checked.",
        f"Newest entry {head.seq}, hash {head.hash}: keep it outside the database to compare later.",
    ]


def test_verify_of_an_empty_log(db):
    assert ranks("audit", "verify") == ["The audit log is intact: 0 entries checked."]


def test_verify_exits_1_naming_the_entry_altered(world):
    seq = AuditEntry.objects.get(object_type="grant", object_id="vera@P").seq
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET actor = %s WHERE seq = %s", ["mallory", seq])
    assert ranks_fails("audit", "verify") == (
        1,
        f"The audit log is broken at entry {seq}: altered: its content or its link to the entry "
        "before does not match.",
    )


def test_show_lists_the_newest_entries_oldest_first(world):
    newest = AuditEntry.objects.order_by("-seq")[:2]
    lines = ranks("audit", "show", "--limit", "2")
    assert [line.split("\t")[0] for line in lines] == [str(e.seq) for e in reversed(newest)]
    seq, at, actor, action, obj = lines[-1].split("\t")
    assert (actor, action, obj) == ("system", "ranks.access.grant.saved", "grant:vera@P")
    assert len(at) == len("2025-07-01 08:00:00")


def test_show_filters_by_object(world):
    lines = ranks("audit", "show", "--object-type", "unit", "--object-id", "C1-A")
    assert [line.split("\t")[3] for line in lines] == [
        "ranks.org.unit.version_created",
        "ranks.org.unit.version_closed",
        "ranks.org.unit.version_created",
    ]
    assert ranks("audit", "show", "--object-type", "unit", "--object-id", "NOPE") == [
        "No audit entries."
    ]


def test_show_with_verbosity_2_prints_before_and_after(world):
    lines = ranks("audit", "show", "--object-id", "C1", "--limit", "1", "-v", "2")
    assert lines[0].split("\t")[3] == "ranks.org.unit.closed"
    assert lines[1].startswith("\tbefore: {") and '"valid_to": null' in lines[1]
    assert lines[2].startswith("\tafter: {") and '"valid_to": "2025-06-30"' in lines[2]


def test_show_is_for_a_superuser_with_as(world):
    assert ranks("audit", "show", "--as", "root", "--limit", "1")[0].endswith("grant:vera@P")


@pytest.mark.parametrize("user", ["alice", "vera"])
def test_show_refuses_a_user_without_full_access(world, user):
    assert ranks_fails("audit", "show", "--as", user) == (
        2,
        "Reading the audit log needs full access: run without --as, or as a superuser.",
    )


def test_show_refuses_a_bad_limit(world):
    assert ranks_fails("audit", "show", "--limit", "0") == (2, "The limit must be 1 or more.")
