"""Who may read a person's whole record and their requests: the manager role with the
sensitive grant over the person (anyone else: unknown, as a missing person is)."""

from __future__ import annotations

from ranks.access.scope import Scope, scope_for
from ranks.core.actor import Actor
from ranks.org.models import Unit
from ranks.people.models import Person


def privacy_scope(actor: Actor) -> Scope:
    return scope_for(actor, role="manager", sensitive=True)


def person_for_privacy(actor: Actor, person_id: str) -> Person | None:
    return privacy_scope(actor).people(Person.objects.filter(person_id=person_id)).first()


def unit_for_privacy(actor: Actor, code: str) -> Unit | None:
    unit: Unit | None = privacy_scope(actor).unit(code)
    return unit
