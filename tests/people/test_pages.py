"""What a person's page shows: their facts, their memberships, and sensitive data under a grant."""

import datetime as dt

from django.contrib.auth import get_user_model

from ranks.core.models import AuditEntry


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_sensitive_fields_need_their_grant_and_each_read_is_logged(client, world):
    signed_in(client, "bob")
    text = client.get("/people/P-LAN/?show=sensitive").content.decode()
    assert "030088000002" not in text and "Thái" not in text
    signed_in(client, "alice")
    assert "030090000001" not in client.get("/people/P-AN/").content.decode()
    reads = AuditEntry.objects.filter(action="ranks.people.person.sensitive_read").count()
    text = client.get("/people/P-AN/?show=sensitive").content.decode()
    assert "030090000001" in text
    entry = AuditEntry.objects.filter(action="ranks.people.person.sensitive_read").last()
    assert (
        AuditEntry.objects.filter(action="ranks.people.person.sensitive_read").count() == reads + 1
    )
    assert (entry.actor, entry.object_id) == ("alice", "P-AN")


def test_person_page_queries_do_not_grow_with_the_postings(
    client, world, django_assert_max_num_queries
):
    from ranks.core.actor import SYSTEM
    from ranks.people.services import membership_transfer

    signed_in(client, "alice")
    with django_assert_max_num_queries(17):  # with the places and the actions
        client.get("/people/P-AN/")
    with django_assert_max_num_queries(22):  # and the reading written to the audit log
        client.get("/people/P-AN/?show=sensitive")
    membership = world.people["an"].memberships.get()
    for i in range(10):
        membership_transfer(
            actor=SYSTEM,
            membership=membership,
            to_cell_code="C1-B" if i % 2 == 0 else "C1-A",
            on=dt.date(2025, 8, 1) + dt.timedelta(days=30 * i),
        )
    with django_assert_max_num_queries(17):  # with the places and the actions
        text = client.get("/people/P-AN/").content.decode()
    assert text.count("Chi bộ trường") >= 5
