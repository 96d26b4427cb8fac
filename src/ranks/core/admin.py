"""The admin's read-only base for every app, and the audit log in it: changes go through services.

The admin is for superusers only (`ranks.urls`); each app registers its own models with
`ReadOnlyAdmin`.
"""

from django.contrib import admin

from ranks.core.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)
