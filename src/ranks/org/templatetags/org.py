"""Template helpers of the tree's pages: what the user may change, for the links to the forms."""

from django import template

from ranks.access.requests import manager_covers

register = template.Library()


@register.simple_tag(takes_context=True)
def may_manage_at(context, unit) -> bool:
    """Whether the user holds the manager role over `unit`: edit its name, flags and places,
    and grant roles there."""
    request = context.get("request")
    return request is not None and manager_covers(request, unit)
