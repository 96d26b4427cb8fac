"""The restructures a unit's page lists: the latest that touched the unit (the page has
already found the unit within the user's scope), and which of them the user may open."""

from django import template

from ranks.access.requests import scope_of
from ranks.restructure.display import restructures_seen_ids
from ranks.restructure.selectors import restructures_touching

register = template.Library()

# A unit's page lists at most this many; `ranks restructure list --unit CODE` lists them all.
SHOWN = 20


@register.simple_tag
def restructures_of(unit):
    return restructures_touching(unit, limit=SHOWN)


@register.simple_tag(takes_context=True)
def restructures_seen(context, acts) -> set[int]:
    """The ids of `acts` whose page the user may open (every unit each names in their scope)."""
    request = context.get("request")
    if request is None:
        return set()
    return restructures_seen_ids(scope=scope_of(request), restructures=acts)
