"""Units, their kinds and versions, and places in the admin, read-only: changes go through services."""

from django.contrib import admin

from ranks.core.admin import ReadOnlyAdmin
from ranks.org.models import Place, PlaceVersion, Unit, UnitKind, UnitVersion


@admin.register(UnitVersion)
class UnitVersionAdmin(ReadOnlyAdmin):
    list_display = ("unit", "name", "kind", "parent", "valid_from", "valid_to")
    search_fields = ("unit__code", "name")
    list_filter = ("kind",)


for model in (Unit, UnitKind, Place, PlaceVersion):
    admin.site.register(model, ReadOnlyAdmin)
