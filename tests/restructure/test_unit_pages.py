"""The pages of the units a restructure touched list it; a unit's page finds them through the
index of the units touched, and only within the user's scope."""

import datetime as dt

from django.contrib.auth import get_user_model

from ranks.access.scope import Scope, scope_for
from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM, Actor
from ranks.restructure.models import RestructureUnit
from ranks.restructure.selectors import restructures_of_unit
from ranks.restructure.services import restructure_apply, restructure_undo
from tests.factories import make_user

User = get_user_model()

REFORM = dt.date(2025, 7, 1)


def merge():
    return restructure_apply(
        actor=SYSTEM,
        kind="merge",
        on=REFORM,
        sources=["C2"],
        targets=["N1"],
        reason="Sáp nhập",
        document="Quyết định số 123-QĐ/TU",
    )


def test_the_units_touched_list_the_restructure(client, world):
    done = merge()
    touched = set(
        RestructureUnit.objects.filter(restructure=done).values_list("unit__code", flat=True)
    )
    # The source, the target and the cell it moved.
    assert touched == {"C2", "N1", "C2-A"}
    client.force_login(world.users["alice"])  # officer at C1 and N1
    page = client.get("/units/N1/").content.decode()
    assert 'data-test="restructures"' in page
    assert "Hợp nhất: C2 → N1 (Quyết định số 123-QĐ/TU)" in page
    # A unit it did not touch lists nothing.
    assert 'data-test="restructures"' not in client.get("/units/C1-B/").content.decode()
    restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    undone = client.get("/units/N1/").content.decode()
    assert "Hợp nhất: C2 → N1 (Quyết định số 123-QĐ/TU) · đã hoàn tác" in undone


def test_outside_the_scope_nothing_is_listed(world):
    merge()
    # Bob's grant on C2 went to its successor N1 with the merge; a viewer of C2 alone:
    make_user("carl")
    grant_role(actor=SYSTEM, username="carl", role="viewer", unit_code="C2")
    assert restructures_of_unit(scope=Scope(full=True), code="C2-A")
    carl = Actor.for_user(User.objects.get(username="carl"))
    assert restructures_of_unit(scope=scope_for(carl), code="C1-A") is None
