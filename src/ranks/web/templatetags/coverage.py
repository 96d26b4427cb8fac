"""Template helpers of the coverage pages: translated labels of place kinds and roles."""

from django import template

from ranks.coverage.models import SecondmentRole
from ranks.reports.labels import place_kind_label

register = template.Library()

ROLES = dict(SecondmentRole.choices)


@register.filter
def place_kind(key: str) -> str:
    return place_kind_label(key)


@register.filter
def role_label(key: str) -> str:
    return str(ROLES.get(key, key))
