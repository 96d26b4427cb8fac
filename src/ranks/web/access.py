"""What the signed-in user may see, for views: scope, and objects fetched through it (404 if not)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from ranks.access.scope import Scope, scope_for
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.dates import parse_date
from ranks.org.models import Unit
from ranks.people.models import Person


def actor_of(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def scope_of(request: HttpRequest, *, role: str = "viewer", sensitive: bool = False) -> Scope:
    cache = request.__dict__.setdefault("_ranks_scopes", {})
    key = (role, sensitive)
    if key not in cache:
        cache[key] = scope_for(actor_of(request), role=role, sensitive=sensitive)
    return cache[key]


def unit_or_404(request: HttpRequest, code: str) -> Unit:
    unit = scope_of(request).units(Unit.objects.filter(code=code)).first()
    if unit is None:
        raise Http404(_("No such unit."))
    return unit


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
