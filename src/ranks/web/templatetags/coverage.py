"""Template helpers of the coverage pages: translated labels of place kinds and roles."""

from django import template

from ranks.coverage.models import SecondmentRole
from ranks.org.models import PlaceKind

register = template.Library()

PLACE_KINDS = dict(PlaceKind.choices)
ROLES = dict(SecondmentRole.choices)


@register.filter
def place_kind(key: str) -> str:
    return str(PLACE_KINDS.get(key, key))


@register.filter
def role_label(key: str) -> str:
    return str(ROLES.get(key, key))
