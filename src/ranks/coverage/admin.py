"""Secondments in the admin, read-only like the rest: changes go through services."""

from django.contrib import admin

from ranks.core.admin import ReadOnlyAdmin
from ranks.coverage.models import Secondment


@admin.register(Secondment)
class SecondmentAdmin(ReadOnlyAdmin):
    list_display = ("person", "cell", "role", "from_date", "to_date", "home_unit")
    search_fields = ("person__person_id", "person__search_name", "cell__code")
    list_filter = ("role",)
