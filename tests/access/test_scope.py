"""A grant covers its unit's subtree, over the periods units were in it, and nothing else."""

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.org.models import Place, Unit
from ranks.people.models import Person


def codes(qs, attr="code"):
    return sorted(getattr(o, attr) for o in qs)


def test_officer_of_a_commune_sees_its_cells_and_people_only(world):
    scope = scope_for(Actor.for_user(world.users["bob"]))
    assert codes(scope.units(Unit.objects.all())) == ["C2", "C2-A"]
    assert codes(scope.people(Person.objects.all()), "person_id") == ["P-LAN"]
    assert codes(scope.places(Place.objects.all())) == ["V2"]


def test_new_commune_sees_cells_moved_into_it_by_the_reform(world):
    scope = scope_for(Actor.for_user(world.users["alice"]))
    assert codes(scope.units(Unit.objects.all())) == ["C1", "C1-A", "C1-B", "N1"]
    assert codes(scope.people(Person.objects.all()), "person_id") == ["P-AN", "P-DUNG"]


def test_province_viewer_sees_its_history_but_not_the_new_commune(world):
    scope = scope_for(Actor.for_user(world.users["vera"]))
    # N1 was never below P: it opened after P closed.
    assert "N1" not in codes(scope.units(Unit.objects.all()))
    assert {"P", "D1", "D2", "C1", "C2", "C1-A", "C1-B", "C2-A"} == set(
        codes(scope.units(Unit.objects.all()))
    )


def test_sensitive_scope_needs_the_sensitive_grant(world):
    assert scope_for(Actor.for_user(world.users["bob"]), sensitive=True).empty
    assert not scope_for(Actor.for_user(world.users["alice"]), sensitive=True).empty


def test_manager_scope_is_empty_for_an_officer(world):
    assert scope_for(Actor.for_user(world.users["alice"]), role="manager").empty


def test_superuser_has_full_scope(world):
    assert scope_for(Actor.for_user(world.users["root"])).full


def _moves(actor):
    """R and S two roots; M moved from R to S in 2010; A below M throughout; B opened below A in
    2012 (so never below R, though A and M once were); C below A in 2005–2008 (below R then),
    directly below S from 2009."""
    import datetime as dt

    from ranks.org.services import unit_version_save

    def save(code, parent, start, end=None, kind="grassroots_committee"):
        unit_version_save(
            actor=actor, code=code, name=f"Đảng bộ {code}", kind=kind, parent_code=parent,
            valid_from=dt.date(*start), valid_to=dt.date(*end) if end else None,
        )  # fmt: skip

    save("R", None, (2000, 1, 1), kind="provincial_committee")
    save("S", None, (2000, 1, 1), kind="provincial_committee")
    save("M", "R", (2000, 1, 1), (2009, 12, 31), kind="district_committee")
    save("M", "S", (2010, 1, 1), kind="district_committee")
    save("A", "M", (2000, 1, 1))
    save("B", "A", (2012, 1, 1), kind="cell")
    save("C", "A", (2005, 1, 1), (2008, 12, 31), kind="cell")
    save("C", "S", (2009, 1, 1), kind="cell")


def test_covers_walks_up_with_the_periods_and_agrees_with_the_subtree(db):
    """One unit asked about (a page's 404 check) is found by walking up from it, not by listing
    the granted subtree; both give the same answer, periods included: B opened below A after M
    (above A) left R, so R does not cover B, though A and M were once below R."""
    from ranks.access.scope import Scope
    from ranks.core.actor import SYSTEM
    from ranks.org.kinds import ensure_unit_kinds
    from ranks.org.models import UnitKind

    ensure_unit_kinds(UnitKind)
    _moves(SYSTEM)
    ids = dict(Unit.objects.values_list("code", "pk"))
    expected = {
        "R": {"R", "M", "A", "C"},
        "S": {"S", "M", "A", "B", "C"},
        "M": {"M", "A", "B", "C"},
        "B": {"B"},
    }
    for roots in (["R"], ["S"], ["M"], ["R", "S"], ["B"], ["A", "C"]):
        scope = Scope(full=False, root_ids=tuple(ids[r] for r in roots))
        listed = set(codes(scope.units(Unit.objects.all())))
        walked = {code for code, pk in ids.items() if pk in scope.covered_ids(ids.values())}
        assert walked == listed
        assert {code for code in ids if scope.covers(ids[code])} == listed
        assert {code for code in ids if scope.unit(code) is not None} == listed
        if len(roots) == 1 and roots[0] in expected:
            assert listed == expected[roots[0]]
    assert Scope(full=False).covered_ids(ids.values()) == set()
    assert Scope(full=True).covered_ids([*ids.values(), 10**9]) == set(ids.values())
    assert Scope(full=True).unit("NO-SUCH") is None
