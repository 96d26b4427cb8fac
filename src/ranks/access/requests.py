"""What the signed-in user may see, for views: their scope, and what is fetched through it (404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models.expressions import Expression
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from ranks.access.backends import grants_read_with
from ranks.access.models import Grant
from ranks.access.scope import Scope, scope_for
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.dates import parse_date
from ranks.org.models import Place, Unit
from ranks.org.selectors import UnitClosure, unit_closure, unit_highest_on, unit_tops_on
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
            # Read once per request, whatever the roles a page asks about: with the user when
            # the session's user was read (`backends.UserWithGrantsBackend`), else here.
            if "grants" not in cache:
                read = grants_read_with(request.user)
                cache["grants"] = (
                    read if read is not None else list(Grant.objects.filter(user=request.user))
                )
            grants = cache["grants"]
        cache[key] = scope_for(actor, role=role, sensitive=sensitive, grants=grants)
    return cache[key]


def unit_or_404(
    request: HttpRequest,
    code: str,
    *,
    role: str = "viewer",
    annotations: Mapping[str, Expression] | None = None,
) -> Unit:
    """The unit of `code` if the user holds `role` over it, else 404 as if it were missing; with
    `annotations` read on its row."""
    unit = scope_of(request, role=role).unit(code, annotations)
    if unit is None:
        raise Http404(_("No such unit."))
    return unit


def unit_in_scope(request: HttpRequest, code: str, *, role: str = "viewer") -> Unit | None:
    """The unit of `code` if the user holds `role` over it, else None (a form's answer to a code
    typed in a field: unknown, like a missing one)."""
    unit: Unit | None = scope_of(request, role=role).unit(code)
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


def structure_of(request: HttpRequest) -> tuple[dt.date | None, str | None]:
    """The date of the structure the figures are restated in (?structure_on=), None when blank
    (as it was); and a message when it was not a date (then shown as it was)."""
    raw = (request.GET.get("structure_on") or "").strip()
    if not raw:
        return None, None
    day = parse_date(raw)
    if day is None:
        return None, _(
            "“%(value)s” is not a date; the figures are shown as they were. Write it as DD/MM/YYYY."
        ) % {"value": raw}
    return day, None


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


@dataclass(frozen=True)
class Landing:
    """Where a user starts after signing in. `unit`: the unit of their widest current grant (the
    highest in today's tree), whose dashboard they open, or its own page for a cell; `closed`:
    when every grant is on a unit that has closed, each such unit with its successors."""

    unit: Unit | None = None
    holds_members: bool = False
    closed: list[UnitClosure] = field(default_factory=list)


def home_unit(request: HttpRequest) -> Landing:
    """The landing of the signed-in user. Full access: the top unit of today's tree if there is
    one (the country, or the demo's province), else nowhere (the tree)."""
    day = today()
    if actor_of(request).has_full_access:
        tops = unit_tops_on(day=day)
        if len(tops) == 1:
            return Landing(unit=tops[0].unit, holds_members=tops[0].kind.holds_members)
        return Landing()
    user = request.user
    assert user.is_authenticated  # the home page needs a login
    unit_ids = list(Grant.objects.filter(user=user).values_list("unit_id", flat=True))
    widest = unit_highest_on(unit_ids=unit_ids, day=day)
    if widest is not None:
        return Landing(unit=widest.unit, holds_members=widest.kind.holds_members)
    closures = (unit_closure(unit=unit, day=day) for unit in Unit.objects.filter(pk__in=unit_ids))
    return Landing(
        closed=sorted((c for c in closures if c), key=lambda c: -c.closed_on.toordinal())
    )


def units_covered(request: HttpRequest, unit_ids: Iterable[int]) -> set[int]:
    """Which of the units the user may see: one walk up the tree from them."""
    return scope_of(request).covered_ids(unit_ids)


KEEP_HEADER = "Ranks-Offline"


def keep_offline(request: HttpRequest, response: HttpResponse, cell: Unit | None) -> HttpResponse:
    """Mark a page of `cell` as one the installed app keeps for use without a connection: the
    service worker (`ranks.offline`) stores only pages so marked. A page is kept when it shows
    today (no other date asked), the unit holds members (a cell) and the user is an officer
    there by a grant of their own (full access keeps nothing: the device holds the user's own
    cells only)."""
    if cell is None or request.method != "GET" or response.status_code != 200:
        return response
    if request.GET.get("on") and parse_date(request.GET["on"]) != today():
        return response
    scope = scope_of(request, role="officer")
    if scope.full or not scope.covers(cell.pk):
        return response
    response[KEEP_HEADER] = "keep"
    response["Cache-Control"] = "private, no-cache"
    return response
