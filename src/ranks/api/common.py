"""What every endpoint of the API shares: the error responses in the schema, the date and page
parameters, the cursor over codes, the strict query check, the unit found within scope, and the
actor a write is audited under (channel `api`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import CursorPagination

from ranks.access.requests import sensitive_covers_person, unit_or_404
from ranks.api import serializers as s
from ranks.api.sync import channel_of
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.people.services import person_sensitive_read

if TYPE_CHECKING:
    from ranks.people.models import Person

ERRORS = {code: s.ErrorSerializer for code in (400, 401, 403, 404, 429)}
ON = OpenApiParameter(
    "on", OpenApiTypes.DATE, description="The date (YYYY-MM-DD); today if not given."
)


class ByCode(CursorPagination):
    """Pages of 50 (`page_size` up to 200), by unit code; `cursor` and `page_size` are checked and
    documented with the list's other parameters (`PageQuery`)."""

    ordering = "code"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_schema_operation_parameters(self, view):
        return []


# Text typed into a parameter: no control characters (PostgreSQL takes no NUL in a string).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def text_field(max_length: int, **kwargs) -> serializers.RegexField:
    return serializers.RegexField(PRINTABLE, min_length=1, max_length=max_length, **kwargs)


class OnDay(serializers.Serializer):
    on = serializers.DateField(
        required=False, help_text="The date (YYYY-MM-DD); today if not given."
    )


class PageQuery(OnDay):
    # A cursor is DRF's URL-safe base64 of the position; one that does not decode answers 404.
    cursor = serializers.RegexField(
        r"^[A-Za-z0-9_=-]+$",
        max_length=1000,
        required=False,
        help_text="The page after or before: `next`, `previous`.",
    )
    page_size = serializers.IntegerField(
        min_value=1, max_value=200, required=False, help_text="Rows a page (50 if not given)."
    )


class UnitKinds(serializers.RegexField):
    """Keys of unit kinds, comma-separated (`cell,grassroots_cell`), as a list. Kinds are data: a
    key no kind has matches nothing, like a parent no unit has."""

    def __init__(self, **kwargs):
        super().__init__(
            r"^[a-z0-9_]{1,40}(,[a-z0-9_]{1,40}){0,19}$",
            max_length=830,
            help_text="Only units of these kinds: their keys, comma-separated "
            "(e.g. `cell,grassroots_cell`).",
            **kwargs,
        )

    def run_validation(self, data=serializers.empty):
        return super().run_validation(data).split(",")


class SubtreeQuery(PageQuery):
    kind = UnitKinds(required=False)


class UnitsQuery(SubtreeQuery):
    parent = text_field(
        60, required=False, help_text="Only the units directly below this one (its code)."
    )


def query_of(request, serializer=OnDay):
    """The query string checked by `serializer`; an empty value is a value (refused where the
    schema refuses it), not a missing one."""
    checked = serializer(data=request.query_params.dict())
    checked.is_valid(raise_exception=True)
    return checked.validated_data


def day_of(request):
    return query_of(request).get("on") or today()


def unit_of(request, code):
    if "\x00" in code:  # no unit has it, and PostgreSQL takes no NUL in a string
        raise Http404(_("No such unit."))
    return unit_or_404(request, code)


def api_actor(request) -> Actor:
    """The actor a write is audited under: channel `api`, or `offline` for a record made on a
    device and synced (`ranks.api.sync`)."""
    return Actor.for_user(request.user, channel=channel_of(request))


def sensitive_of(request, person: Person) -> dict[str, str] | None:
    """The person's ethnicity, religion and national ID if the user's sensitive grant covers
    them, the read written to the audit log (channel `api`) as the person page writes it; else
    None, and nothing logged."""
    if not sensitive_covers_person(request, person):
        return None
    return person_sensitive_read(actor=api_actor(request), person=person)


def open_view(view):
    """An API view: it authenticates itself (token or session), so the shell's sign-in redirect
    is not for it."""
    return login_not_required(view)
