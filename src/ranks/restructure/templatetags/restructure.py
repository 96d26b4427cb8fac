"""The restructures a unit's page lists: the latest that touched the unit (the page has
already found the unit within the user's scope)."""

from django import template

from ranks.restructure.selectors import restructures_touching

register = template.Library()

# A unit's page lists at most this many; `ranks restructure list --unit CODE` lists them all.
SHOWN = 20


@register.simple_tag
def restructures_of(unit):
    return restructures_touching(unit, limit=SHOWN)
