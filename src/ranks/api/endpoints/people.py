"""A person: who they are (the sensitive fields with their grant), their memberships with their
postings, transfers and leaving."""

from __future__ import annotations

from django.http import Http404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ranks.access.requests import person_or_404, scope_of, sensitive_covers_person
from ranks.api.common import (
    ERRORS,
    ON,
    api_actor,
    day_of,
    open_view,
    query_of,
    sensitive_of,
)
from ranks.api.endpoints import people_serializers as ps
from ranks.core.clock import today
from ranks.people.models import DATED_FIELDS
from ranks.people.selectors import (
    member_current_of,
    membership_transfers,
    person_attribute_periods,
    person_covered,
    person_memberships_on,
    person_place_periods,
)
from ranks.people.services import SENSITIVE_DATED, person_save, person_sensitive_read
from ranks.people.status import age_on
from ranks.pipeline.selectors.candidate import candidacy_visible


def person_of(request, person_id: str):
    """The person if the user sees them, else 404 (as for a missing one)."""
    if "\x00" in person_id:  # nobody has it, and PostgreSQL takes no NUL in a string
        raise Http404(_("No such person."))
    return person_or_404(request, person_id)


class PersonDetail(GenericAPIView):
    serializer_class = ps.PersonDetailSerializer
    pagination_class = None

    @extend_schema(
        operation_id="people_retrieve",
        parameters=[ps.PersonQuery],
        responses={200: ps.PersonDetailSerializer, **ERRORS},
    )
    def get(self, request, person_id):
        """A person as their page shows them on a date: who they are, where they lived and
        worked, the cell they belong to, whether they are a candidate. With ?show=sensitive and
        a sensitive grant covering them, their ethnicity, religion and national ID, the read
        written to the audit log (channel `api`)."""
        person = person_of(request, person_id)
        query = query_of(request, ps.PersonQuery)
        day = query.get("on") or today()
        memberships = person_memberships_on(person=person, day=day)
        row = ps.PersonDetailSerializer(
            {
                "person_id": person.person_id,
                "full_name": person.full_name,
                "birth_date": person.birth_date,
                "gender": person.gender,
                "on": day,
                "age": age_on(person.birth_date, day),
                "occupation": person.occupation,
                "education_general": person.education_general,
                "education_professional": person.education_professional,
                "youth_union": person.youth_union,
                "phone": person.phone,
                "places": person_place_periods(person=person),
                "current": member_current_of(memberships, day),
                "candidate": candidacy_visible(scope=scope_of(request), person=person),
            }
        ).data
        # As the people search reads them: asked for, under a grant covering the person, logged.
        sensitive = sensitive_of(request, person) if query.get("show") == "sensitive" else None
        if sensitive is not None:
            row["sensitive"] = sensitive
        return Response(row)


class PersonMemberships(GenericAPIView):
    serializer_class = ps.MembershipsSerializer
    pagination_class = None

    @extend_schema(
        operation_id="people_memberships",
        parameters=[ON],
        responses={200: ps.MembershipsSerializer, **ERRORS},
    )
    def get(self, request, person_id):
        """A person's party memberships, oldest first, as their page shows them: the admission
        decision, ceremony and official dates, leaving with its reason, the status and party age
        on the date; each with its postings to cells (from, to) and its transfers between
        them."""
        person = person_of(request, person_id)
        day = day_of(request)
        memberships = person_memberships_on(person=person, day=day)
        data = {
            "person_id": person.person_id,
            "on": day,
            "results": [
                {
                    **{
                        field: getattr(m.membership, field)
                        for field in (
                            "admission_decision_date",
                            "admission_decision_no",
                            "ceremony_date",
                            "official_date",
                            "left_date",
                        )
                    },
                    "left_reason": m.membership.left_reason or None,
                    "status": m.status,
                    "party_age": {"years": m.party_age[0], "months": m.party_age[1]},
                    "postings": m.stints,
                    "transfers": membership_transfers(m.stints),
                }
                for m in memberships
            ],
        }
        return Response(ps.MembershipsSerializer(data).data)


def _attributes(request, person, sensitive: bool) -> Response:
    """The person's periods, newest first; ethnicity and religion only when `sensitive` (the
    caller has checked the grant), the read written to the audit log."""
    if sensitive:
        read = person_sensitive_read(actor=api_actor(request), person=person, with_history=True)
        extra = {h["valid_from"]: h for h in read["history"]}
    results = []
    for period in person_attribute_periods(person=person):
        row = {"valid_from": period.valid_from, "valid_to": period.valid_to}
        row.update({f: getattr(period, f) for f in DATED_FIELDS if f not in SENSITIVE_DATED})
        if sensitive:
            row.update({f: extra[period.valid_from][f] for f in SENSITIVE_DATED})
        results.append(row)
    data = {"person_id": person.person_id, "results": results}
    return Response(ps.AttributesSerializer(data).data)


class PersonAttributes(GenericAPIView):
    serializer_class = ps.AttributesSerializer
    pagination_class = None

    @extend_schema(
        operation_id="people_attributes",
        parameters=[ps.AttributesQuery],
        responses={200: ps.AttributesSerializer, **ERRORS},
    )
    def get(self, request, person_id):
        """The person's occupation, education and Youth Union membership over time, newest
        first, as their page shows them. With ?show=sensitive and a sensitive grant covering
        them, their ethnicity and religion over time too, the read written to the audit log."""
        person = person_of(request, person_id)
        query = query_of(request, ps.AttributesQuery)
        wants = query.get("show") == "sensitive"
        return _attributes(request, person, wants and sensitive_covers_person(request, person))

    @extend_schema(
        operation_id="people_attributes_change",
        request=ps.AttributesChangeSerializer,
        responses={200: ps.AttributesSerializer, **ERRORS},
    )
    def post(self, request, person_id):
        """Record that some of the person's attributes changed from a day, as the person's
        form records it: the officer role over a unit the person belongs to, lives or works
        in; ethnicity and religion need the sensitive grant as well. The admissions the change
        reaches (decided on or after the day) are counted again at once. Answers the periods
        as GET does (without ethnicity and religion)."""
        person = person_of(request, person_id)
        if not person_covered(scope=scope_of(request, role="officer"), person=person):
            raise exceptions.PermissionDenied(
                _(
                    "Changing a person needs the officer role for a unit they belong to, "
                    "live or work in."
                )
            )
        checked = ps.AttributesChangeSerializer(data=request.data)
        checked.is_valid(raise_exception=True)
        values = dict(checked.validated_data)
        day = values.pop("attributes_from")
        if set(values) & set(SENSITIVE_DATED) and not sensitive_covers_person(request, person):
            raise exceptions.PermissionDenied(
                _("You have no grant to see ethnicity, religion or national ID.")
            )
        person_save(
            actor=api_actor(request),
            person_id=person.person_id,
            attributes_from=day,
            **values,
        )
        person.refresh_from_db()
        return _attributes(request, person, False)


urlpatterns: list[URLPattern] = [
    path("people/<str:person_id>/", open_view(PersonDetail.as_view()), name="api_person"),
    path(
        "people/<str:person_id>/attributes/",
        open_view(PersonAttributes.as_view()),
        name="api_person_attributes",
    ),
    path(
        "people/<str:person_id>/memberships/",
        open_view(PersonMemberships.as_view()),
        name="api_person_memberships",
    ),
]
