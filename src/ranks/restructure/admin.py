"""Restructures in the admin, read-only: they are applied and undone through services."""

from django.contrib import admin

from ranks.core.admin import ReadOnlyAdmin
from ranks.restructure.models import Handover, Restructure


@admin.register(Restructure)
class RestructureAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "effective_on", "document", "status", "applied_by", "applied_at")
    list_filter = ("kind", "status")
    search_fields = ("document", "reason")


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("id", "restructure", "candidate", "from_unit", "to_unit", "on")
