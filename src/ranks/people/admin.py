"""Persons, memberships, postings and absences in the admin, read-only: changes go through services."""

from django.contrib import admin

from ranks.core.admin import ReadOnlyAdmin
from ranks.people.models import Absence, AbsenceComment, Membership, Person, Posting


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("person_id", "full_name", "birth_date")
    search_fields = ("person_id", "search_name")


for model in (Membership, Posting, Absence, AbsenceComment):
    admin.site.register(model, ReadOnlyAdmin)
