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
