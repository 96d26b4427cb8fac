"""Targets in the admin, read-only like the rest: changes go through services."""

from django.contrib import admin

from ranks.core.admin import ReadOnlyAdmin
from ranks.targets.models import Target, TargetRevision, TermTarget, TermTargetRevision


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ("unit", "year", "metric", "value", "set_by", "set_at")
    search_fields = ("unit__code",)
    list_filter = ("year", "metric")


@admin.register(TargetRevision)
class TargetRevisionAdmin(ReadOnlyAdmin):
    list_display = (
        "target", "old_value", "new_value", "by", "at", "suggested_weight", "suggested_value",
    )  # fmt: skip


@admin.register(TermTarget)
class TermTargetAdmin(ReadOnlyAdmin):
    list_display = ("unit", "metric", "starts_on", "ends_on", "value", "set_by", "set_at")
    search_fields = ("unit__code",)
    list_filter = ("metric",)


@admin.register(TermTargetRevision)
class TermTargetRevisionAdmin(ReadOnlyAdmin):
    list_display = ("term", "old_value", "new_value", "old_ends_on", "new_ends_on", "by", "at")
