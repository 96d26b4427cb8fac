"""Pages of people: a person's page."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ranks.access.requests import actor_of, day_of, person_or_404, sensitive_covers_person
from ranks.people.selectors import person_memberships_on
from ranks.people.services import person_sensitive_read
from ranks.people.status import age_on


@require_GET
def person_detail(request, person_id: str):
    """A person's facts and party memberships; their sensitive data under a sensitive grant, on
    request, each reading written to the audit log."""
    person = person_or_404(request, person_id)
    day, date_error = day_of(request)
    sensitive: dict[str, str] | bool | None = None  # None: no grant; False: not asked for
    if sensitive_covers_person(request, person):
        if request.GET.get("show") == "sensitive":
            sensitive = person_sensitive_read(actor=actor_of(request), person=person)
        else:
            sensitive = False
    return render(
        request,
        "people/person.html",
        {
            "person": person,
            "day": day,
            "date_error": date_error,
            "age": age_on(person.birth_date, day),
            "memberships": person_memberships_on(person=person, day=day),
            "sensitive": sensitive,
        },
    )
