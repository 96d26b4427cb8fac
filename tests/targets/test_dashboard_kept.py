"""The dashboard's body is counted once and kept (in the server process's memory) under the
generations of the figures and of the tree: the next reader gets it without counting again, and
any change of what it shows (an admission, a date moved within its month, a target, a unit's name,
a counter written by hand) is seen at the next request, on both databases."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.org.services import unit_change
from ranks.people.models import Membership
from ranks.people.services import membership_correct
from ranks.pipeline.services import candidate_save
from ranks.targets.services import target_set
from tests.factories import make_user
from tests.targets import test_dashboard
from tests.targets.test_dashboard import ON, YEAR, admit, figure, signed_in

n1 = test_dashboard.n1

URL = f"/units/N1/dashboard/{ON}"


def read(client, url=URL):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def main(text: str) -> str:
    """The page without what each response makes afresh (the language form's CSRF token)."""
    return text[text.index("<main") : text.index("</main>")]


def test_the_next_reader_gets_the_same_body_without_counting_again(client, n1):
    signed_in(client, "alice")
    first, counted = read(client)
    again, kept = read(client)
    assert main(again) == main(first)
    assert figure(again, "actual") == "3" and figure(again, "target") == "12"
    assert kept < counted / 2
    # Other query strings are other bodies: another date, another metric.
    other, _ = read(client, f"/units/N1/dashboard/?on={YEAR}-03-01")
    assert figure(other, "actual") == "1"


def test_each_change_of_what_it_shows_is_seen_at_the_next_request(client, n1):
    signed_in(client, "alice")
    read(client)
    admit("P-D5", dt.date(YEAR, 6, 29))
    text, _ = read(client)
    assert figure(text, "actual") == "4"
    # On 25 June, P-D5 is not counted yet; moved to 24 June, within its month, they are: the
    # month's counter is the same, the figure on the day is not.
    on_25 = f"/units/N1/dashboard/?on={YEAR}-06-25"
    text, _ = read(client, on_25)
    assert figure(text, "actual") == "3"
    membership_correct(
        actor=SYSTEM,
        membership=Membership.objects.get(person__person_id="P-D5"),
        admission_decision_date=dt.date(YEAR, 6, 24),
    )
    text, _ = read(client, on_25)
    assert figure(text, "actual") == "4"
    target_set(actor=SYSTEM, unit_code="N1", year=YEAR, metric="admissions", value=20)
    text, _ = read(client)
    assert figure(text, "target") == "20"
    unit_change(actor=SYSTEM, code="N1", on=dt.date(2025, 7, 1), name="Đảng bộ xã Mới",
                can_admit=True, area_flags=[])  # fmt: skip
    text, _ = read(client)
    assert "Đảng bộ xã Mới" in text


@pytest.mark.counters_unchecked  # a counter changed by hand, to show that no writer is needed
def test_a_counter_written_by_hand_is_seen_too(client, n1):
    signed_in(client, "alice")
    text, _ = read(client)
    assert figure(text, "actual") == "3"
    february = dt.date(YEAR, 2, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE counters_admissioncount SET admissions = admissions + 10 WHERE month = %s",
            [february.isoformat() if connection.vendor == "sqlite" else february],
        )
        assert cursor.rowcount >= 1
    text, _ = read(client)
    assert figure(text, "actual") == "13"


def test_a_source_list_entry_keeps_the_admissions_but_not_the_pipelines_figures(client, n1):
    signed_in(client, "alice")
    pipeline = f"/units/N1/dashboard/{ON}&metric=source_entries"
    _text, counted = read(client)
    before, _ = read(client, pipeline)
    from ranks.people.services import person_save

    person_save(actor=SYSTEM, person_id="P-NEW", full_name="Lò Văn Mới",
                birth_date=dt.date(2002, 1, 1))  # fmt: skip
    candidate_save(actor=SYSTEM, person_id="P-NEW", cell_code="C1-A",
                   added_on=dt.date(YEAR, 6, 1), new=True)  # fmt: skip
    _text, kept = read(client)
    assert kept < counted / 2
    after, _ = read(client, pipeline)
    assert int(figure(after, "actual")) == int(figure(before, "actual")) + 1


def test_a_body_is_not_shared_across_what_users_may_do(client, n1):
    """Alice (sensitive grant) is offered ethnicity and religion; Nora, a viewer of the same
    unit without it, reading after her, is told she is not."""
    make_user("nora")
    grant_role(actor=SYSTEM, username="nora", role="viewer", unit_code="N1")
    text, _ = read(signed_in(client, "alice"))
    assert 'data-test="show-sensitive"' in text
    text, _ = read(signed_in(client, "nora"))
    assert 'data-test="show-sensitive"' not in text and 'data-test="sensitive-hidden"' in text
    assert figure(text, "actual") == "3"
