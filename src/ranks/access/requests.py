"""What the signed-in user may see, for views: their scope, and what is fetched through it (404)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from ranks.access.models import Grant
from ranks.access.scope import Scope, scope_for
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.dates import parse_date
from ranks.org.models import Place, Unit
from ranks.people.models import Person


def actor_of(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def scope_of(request: HttpRequest, *, role: str = "viewer", sensitive: bool = False) -> Scope:
    cache = request.__dict__.setdefault("_ranks_scopes", {})
    key = (role, sensitive)
    if key not in cache:
        actor = actor_of(request)
        grants = None
        if not actor.has_full_access and request.user.is_authenticated:
            # Read once per request, whatever the roles a page asks about.
            if "grants" not in cache:
                cache["grants"] = list(Grant.objects.filter(user=request.user))
            grants = cache["grants"]
        cache[key] = scope_for(actor, role=role, sensitive=sensitive, grants=grants)
    return cache[key]


def unit_or_404(request: HttpRequest, code: str, *, role: str = "viewer") -> Unit:
    """The unit of `code` if the user holds `role` over it, else 404 as if it were missing."""
    unit = scope_of(request, role=role).units(Unit.objects.filter(code=code)).first()
    if unit is None:
        raise Http404(_("No such unit."))
    return unit


def unit_in_scope(request: HttpRequest, code: str, *, role: str = "viewer") -> Unit | None:
    """The unit of `code` if the user holds `role` over it, else None (a form's answer to a code
    typed in a field: unknown, like a missing one)."""
    unit: Unit | None = scope_of(request, role=role).units(Unit.objects.filter(code=code)).first()
    return unit


def place_or_404(request: HttpRequest, code: str) -> Place:
    """The place of `code` if some version of it belongs to a unit the user sees, else 404."""
    place = scope_of(request).places(Place.objects.filter(code=code)).first()
    if place is None:
        raise Http404(_("No such place."))
    return place


def manager_covers_place(request: HttpRequest, place: Place) -> bool:
    """Whether the user may change `place`: the manager role over a unit it belongs to."""
    return scope_of(request, role="manager").places(Place.objects.filter(pk=place.pk)).exists()


def person_or_404(request: HttpRequest, person_id: str) -> Person:
    person = scope_of(request).people(Person.objects.filter(person_id=person_id)).first()
    if person is None:
        raise Http404(_("No such person."))
    return person


def day_of(request: HttpRequest) -> tuple[dt.date, str | None]:
    """The date asked for with ?on=, else today; and a message when ?on= was not a date."""
    raw = request.GET.get("on")
    day = parse_date(raw)
    if raw and day is None:
        return today(), _("“%(value)s” is not a date; showing today. Write it as DD/MM/YYYY.") % {
            "value": raw
        }
    return day or today(), None


def officer_covers(request: HttpRequest, unit: Unit) -> bool:
    """Whether the user may record for `unit` and the units below it."""
    return scope_of(request, role="officer").covers(unit.pk)


def manager_covers(request: HttpRequest, unit: Unit | None) -> bool:
    """Whether the user may set and split targets of `unit` (the manager role over it); None, a
    unit above the top of the tree, only for full access."""
    scope = scope_of(request, role="manager")
    if unit is None:
        return scope.full
    return scope.covers(unit.pk)


def sensitive_covers(request: HttpRequest, unit: Unit) -> bool:
    """Whether the user's sensitive grant covers `unit`: ethnicity and religion, as counts."""
    return scope_of(request, sensitive=True).covers(unit.pk)


def sensitive_covers_person(request: HttpRequest, person: Person) -> bool:
    """Whether the user's sensitive grant covers `person`: their ethnicity, religion and ID."""
    return scope_of(request, sensitive=True).people(Person.objects.filter(pk=person.pk)).exists()


def home_unit(request: HttpRequest) -> Unit | None:
    """The committee a user's grants are all at, if one: their natural landing is its dashboard.
    Users with grants at several units, at a cell, or with full access start from the tree."""
    if actor_of(request).has_full_access:
        return None
    user = request.user
    assert user.is_authenticated  # the home page needs a login
    grants = list(Grant.objects.filter(user=user).select_related("unit")[:2])
    if len(grants) != 1:
        return None
    unit = grants[0].unit
    committee = unit.versions.valid_on(today()).filter(kind__holds_members=False).exists()
    return unit if committee else None
