"""Template helpers of the import and export pages: the menu's Import, what to export, kind titles."""

from django import template

from ranks.access.requests import scope_of
from ranks.interchange.exporters import EXPORTERS
from ranks.interchange.schema import KIND_ORDER, KINDS

register = template.Library()


@register.simple_tag(takes_context=True)
def may_import(context) -> bool:
    """Importing needs the officer role at some unit (the scope is cached for the request)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    return not scope_of(request, role="officer").empty


@register.simple_tag
def export_kinds() -> list[tuple[str, str]]:
    return [(key, str(KINDS[key].title)) for key in KIND_ORDER if key in EXPORTERS]


@register.filter
def kind_title(key: str) -> str:
    """The title of a kind of records, or its key for a kind Ranks no longer knows."""
    return str(KINDS[key].title) if key in KINDS else key
