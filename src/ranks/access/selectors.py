"""Reads of the access app: the grants at a unit and below it."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ranks.access.models import Grant
from ranks.access.scope import Scope
from ranks.org import sql
from ranks.org.models import Unit


def grants_at_and_below(*, unit: Unit, scope: Scope) -> QuerySet[Grant]:
    """The grants at `unit` and at every unit ever below it that `scope` covers, by unit code and
    user name: a query to paginate (its cost grows with the grants shown, not the members)."""
    below = Grant.objects.filter(unit_id__in=RawSQL(*sql.subtree_ever_ids([unit.pk])))
    found: QuerySet[Grant] = scope.units(below, "unit")
    return found.select_related("user", "unit").order_by("unit__code", "user__username")
