"""The pipeline in the admin, read-only like the rest: changes go through services."""

from django.contrib import admin

from ranks.core.admin import ReadOnlyAdmin
from ranks.pipeline.models import Candidate, StageEvent


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ("person", "cell", "added_on", "source_group")
    search_fields = ("person__person_id", "person__search_name", "cell__code")
    list_filter = ("source_group",)


@admin.register(StageEvent)
class StageEventAdmin(ReadOnlyAdmin):
    list_display = ("candidate", "stage", "date", "recorded_by")
    search_fields = ("candidate__person__person_id",)
    list_filter = ("stage",)
