"""`ranks grant`: roles at units, given and taken back by full-access operators or managers."""

import pytest
from django.contrib.auth import get_user_model

from ranks.access.models import Grant
from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.models import AuditEntry
from ranks.org.models import Unit
from tests.cli.helpers import ranks, ranks_fails
from tests.factories import make_user


def grants_of(username):
    return sorted(
        (g.unit.code, g.role, g.sensitive) for g in Grant.objects.filter(user__username=username)
    )


def test_an_operator_grants_a_role_that_opens_the_subtree(world):
    make_user("carol")
    assert ranks("grant", "carol", "viewer", "D2") == ["carol is now viewer at D2."]
    assert grants_of("carol") == [("D2", "viewer", False)]
    scope = scope_for(Actor.for_user(get_user_model().objects.get(username="carol")))
    assert sorted(u.code for u in scope.units(Unit.objects.all())) == ["C2", "C2-A", "D2"]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_id, entry.actor[:3]) == (
        "ranks.access.grant.saved",
        "carol@D2",
        "os:",
    )


def test_a_sensitive_grant_and_a_change_of_role(world):
    assert ranks("grant", "bob", "manager", "C2", "--sensitive") == [
        "bob is now manager at C2, with sensitive data."
    ]
    assert grants_of("bob") == [("C2", "manager", True)]


def test_revoke_and_list(world):
    assert ranks("grant", "--list") == [
        "alice\tofficer\tC1\tsensitive",
        "alice\tofficer\tN1\tsensitive",
        "bob\tofficer\tC2",
        "vera\tviewer\tP",
    ]
    assert ranks("grant", "--list", "alice") == [
        "alice\tofficer\tC1\tsensitive",
        "alice\tofficer\tN1\tsensitive",
    ]
    assert ranks("grant", "--revoke", "alice", "C1") == ["Revoked the grant of alice at C1."]
    assert grants_of("alice") == [("N1", "officer", True)]
    assert ranks("grant", "--list", "root") == ["No grants."]


def test_a_manager_grants_within_their_subtree(world):
    ranks("grant", "bob", "manager", "C2")
    make_user("carol")
    assert ranks("grant", "--as", "bob", "carol", "officer", "C2-A") == [
        "carol is now officer at C2-A."
    ]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.actor, entry.channel) == ("bob", "cli")
    assert ranks("grant", "--as", "bob", "--list") == ["bob\tmanager\tC2", "carol\tofficer\tC2-A"]
    assert ranks("grant", "--as", "bob", "--revoke", "carol", "C2-A") == [
        "Revoked the grant of carol at C2-A."
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["alice", "viewer", "C2-A"], "Unknown unit code: C2-A."),
        (["--revoke", "bob", "C2"], "Unknown unit code: C2."),
    ],
)
def test_an_officer_cannot_grant_and_the_unit_reads_as_unknown(world, args, message):
    assert ranks_fails("grant", "--as", "bob", *args) == (2, message)
    assert grants_of("alice") == [("C1", "officer", True), ("N1", "officer", True)]
    assert grants_of("bob") == [("C2", "officer", False)]


def test_a_manager_elsewhere_gets_the_same_message_as_for_a_missing_unit(world):
    ranks("grant", "bob", "manager", "C2")
    outside = ranks_fails("grant", "--as", "bob", "bob", "manager", "C1")
    missing = ranks_fails("grant", "--as", "bob", "bob", "manager", "NOPE")
    assert outside == (2, "Unknown unit code: C1.")
    assert missing == (2, "Unknown unit code: NOPE.")
    assert grants_of("bob") == [("C2", "manager", False)]
    assert ranks("grant", "--as", "bob", "--list", "alice") == ["No grants."]


def test_sensitive_access_is_given_only_by_a_manager_who_has_it(world):
    ranks("grant", "bob", "manager", "C2")
    make_user("carol")
    assert ranks_fails("grant", "--as", "bob", "carol", "viewer", "C2-A", "--sensitive") == (
        2,
        "Only a manager who may see sensitive data at C2-A can grant it.",
    )
    assert grants_of("carol") == []
    ranks("grant", "bob", "manager", "C2", "--sensitive")
    assert ranks("grant", "--as", "bob", "carol", "viewer", "C2-A", "--sensitive") == [
        "carol is now viewer at C2-A, with sensitive data."
    ]


USAGE = (
    "Write: grant USERNAME ROLE UNIT_CODE, grant --revoke USERNAME UNIT_CODE, "
    "or grant --list [USERNAME]."
)


@pytest.mark.parametrize(
    "args, message",
    [
        (["alice", "chief", "C1"], "Unknown role: chief. Allowed: viewer, officer, manager."),
        (["nobody", "viewer", "C1"], "Unknown user: nobody."),
        (["alice", "viewer", "NOPE"], "Unknown unit code: NOPE."),
        (["--revoke", "vera", "C1"], "No such grant."),
        (["--list", "nobody"], "Unknown user: nobody."),
        (["alice", "viewer"], USAGE),
        ([], USAGE),
        (["--revoke", "alice"], USAGE),
        (["--list", "alice", "bob"], USAGE),
    ],
)
def test_bad_input_exits_2_with_a_message_and_changes_nothing(world, args, message):
    count = AuditEntry.objects.count()
    assert ranks_fails("grant", *args) == (2, message)
    assert AuditEntry.objects.count() == count


def test_a_manager_cannot_change_their_own_grants(world):
    ranks("grant", "bob", "manager", "C2")
    message = (2, "You cannot change your own grants; a manager above you can.")
    assert ranks_fails("grant", "--as", "bob", "bob", "viewer", "C2-A") == message
    assert ranks_fails("grant", "--as", "bob", "--revoke", "bob", "C2") == message
    assert grants_of("bob") == [("C2", "manager", False)]
