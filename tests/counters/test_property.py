"""Random sequences of the changes that move the counters: after each sequence they equal a
recount from the records (hypothesis chooses the sequences and shrinks a failing one)."""

import datetime as dt
import io

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranks.core.actor import SYSTEM
from ranks.core.errors import DomainError
from ranks.interchange.engine import run_import
from ranks.org.services import place_version_save, unit_move
from ranks.people.models import Membership
from ranks.people.services import (
    membership_admit,
    membership_correct,
    membership_leave,
    membership_transfer,
    person_save,
)
from ranks.targets.recount import verify
from tests.interchange.helpers import csv_bytes

CELLS = ["C1-A", "C1-B", "C2-A"]
FIRST = dt.date(2019, 1, 1)
days = st.integers(min_value=0, max_value=6 * 365).map(lambda n: FIRST + dt.timedelta(days=n))
people = st.integers(min_value=0, max_value=5)
pick = st.integers(min_value=0, max_value=20)

operations = st.one_of(
    st.tuples(st.just("admit"), people, st.sampled_from(CELLS), days),
    st.tuples(st.just("transfer"), pick, st.sampled_from(CELLS), days),
    st.tuples(st.just("leave"), pick, days),
    st.tuples(st.just("correct"), pick, days),
    st.tuples(
        st.just("person"),
        people,
        st.sampled_from(["farmer", "worker", "student"]),
        st.sampled_from(["male", "female"]),
        st.sampled_from(["Không", "Phật giáo", "KHÔNG"]),
    ),
    st.tuples(st.just("move"), st.sampled_from(["D1", "D2"]), days),
    st.tuples(st.just("relink"), st.sampled_from(CELLS), st.sampled_from(["village", "school"])),
    st.tuples(st.just("import"), people, st.sampled_from(CELLS), days),
)


class Rollback(Exception):
    pass


def person(n: int):
    return person_save(
        actor=SYSTEM,
        person_id=f"H-{n}",
        full_name=f"Hà Thị {n}",
        birth_date=dt.date(1990 + n, 3, 3),
        gender="female",
        occupation="farmer",
    )


def memberships(n: int) -> Membership | None:
    found = list(Membership.objects.order_by("pk"))
    return found[n % len(found)] if found else None


def apply(op) -> None:
    kind, *args = op
    if kind == "admit":
        n, cell, day = args
        membership_admit(
            actor=SYSTEM, person=person(n), cell_code=cell, admission_decision_date=day
        )
    elif kind == "transfer":
        n, cell, day = args
        if (m := memberships(n)) is not None:
            membership_transfer(actor=SYSTEM, membership=m, to_cell_code=cell, on=day)
    elif kind == "leave":
        n, day = args
        if (m := memberships(n)) is not None:
            membership_leave(actor=SYSTEM, membership=m, on=day, reason="death")
    elif kind == "correct":
        n, day = args
        if (m := memberships(n)) is not None:
            membership_correct(actor=SYSTEM, membership=m, admission_decision_date=day)
    elif kind == "person":
        n, occupation, gender, religion = args
        person(n)
        person_save(
            actor=SYSTEM, person_id=f"H-{n}", occupation=occupation, gender=gender,
            religion=religion,
        )  # fmt: skip
    elif kind == "move":
        parent, day = args
        unit_move(actor=SYSTEM, code="C2", new_parent_code=parent, on=day)
    elif kind == "relink":
        cell, kind_of_place = args
        place_version_save(
            actor=SYSTEM, code=f"X-{cell}", name="Nơi thử", kind=kind_of_place,
            unit_code="C2", cell_codes=[cell], valid_from=dt.date(2000, 1, 1),
        )  # fmt: skip
    elif kind == "import":
        n, cell, day = args
        person(n)
        data = csv_bytes(
            [["person_id", "cell_code", "admission_decision_date"], [f"H-{n}", cell, day]]
        )
        result = run_import(actor=SYSTEM, kind="members", stream=io.BytesIO(data), filename="m.csv")
        if not result.ok:
            raise DomainError("refused")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operations, min_size=1, max_size=8))
def test_counters_equal_a_recount_after_any_sequence_of_changes(world, sequence):
    try:
        with transaction.atomic():
            for op in sequence:
                try:
                    with transaction.atomic():
                        apply(op)
                except DomainError:
                    pass  # refused: nothing changed
            assert verify() == []
            raise Rollback
    except Rollback:
        pass
