"""`{% person_data_link person %}`: the way to a person's whole record, for those who may see it."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ranks.access.requests import actor_of
from ranks.people.models import Person
from ranks.privacy.access import privacy_scope

register = template.Library()


@register.simple_tag(takes_context=True)
def person_data_link(context, person) -> str:
    request = context.get("request")
    if request is None:
        return ""
    scope = privacy_scope(actor_of(request))
    if not scope.people(Person.objects.filter(pk=person.pk)).exists():
        return ""
    return format_html(
        '<p><a href="{}" data-test="person-data">{}</a></p>',
        reverse("person_data", args=[person.person_id]),
        _("Personal data and the person's requests"),
    )
