"""Two communes record admissions at the same moment: neither waits longer than the other's
transaction, neither fails, and both are counted (PostgreSQL: SQLite has one writer)."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from ranks.access.scope import Scope
from ranks.core.actor import SYSTEM
from ranks.org.models import Unit
from ranks.people.services import membership_admit, person_save
from ranks.targets.progress import progress
from ranks.targets.recount import verify
from tests.factories import build_world

HOLD = 1.0  # seconds the first commune keeps its transaction open


def admit(person_id: str, cell: str) -> None:
    person = person_save(
        actor=SYSTEM, person_id=person_id, full_name="Vi Văn Tùng", birth_date=dt.date(2001, 1, 1)
    )
    membership_admit(
        actor=SYSTEM, person=person, cell_code=cell, admission_decision_date=dt.date(2024, 5, 5)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_communes_admitting_at_once_wait_no_longer_than_a_transaction():
    build_world()
    started = threading.Event()
    failures: list[BaseException] = []
    times: dict[str, float] = {}

    def first():
        try:
            with transaction.atomic():
                admit("W-1", "C1-A")
                started.set()
                time.sleep(HOLD)
            times["first_committed"] = time.perf_counter()
        except BaseException as error:  # reported by the test thread
            failures.append(error)
            started.set()
        finally:
            connection.close()

    def second():
        try:
            started.wait(10)
            times["second_started"] = time.perf_counter()
            with transaction.atomic():
                admit("W-2", "C2-A")
            times["second_done"] = time.perf_counter()
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failures
    waited = times["second_done"] - times["second_started"]
    assert waited < HOLD + 2.0  # at most the first one's transaction, and its own
    assert times["second_done"] >= times["first_committed"] - 0.05 or waited < HOLD
    figures = progress(
        scope=Scope(full=True),
        unit=Unit.objects.get(code="P"),
        on=dt.date(2024, 12, 31),
        depth=1,
    )
    assert sorted((r.code, r.actual) for r in figures.children) == [("D1", 1), ("D2", 1)]
    assert verify() == []
