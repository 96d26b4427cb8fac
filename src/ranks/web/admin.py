"""The admin, for superusers only, shows Ranks' records read-only: changes go through services."""

from django.contrib import admin

from ranks.access.models import Grant
from ranks.core.models import AuditEntry
from ranks.org.models import Place, PlaceVersion, Unit, UnitKind, UnitVersion
from ranks.people.models import Membership, Person, Posting


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnitVersion)
class UnitVersionAdmin(ReadOnlyAdmin):
    list_display = ("unit", "name", "kind", "parent", "valid_from", "valid_to")
    search_fields = ("unit__code", "name")
    list_filter = ("kind",)


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("person_id", "full_name", "birth_date")
    search_fields = ("person_id", "search_name")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)


for model in (Unit, UnitKind, Place, PlaceVersion, Membership, Posting, Grant):
    admin.site.register(model, ReadOnlyAdmin)
