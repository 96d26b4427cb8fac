from django.contrib import admin

from ranks.core.admin import ReadOnlyAdmin
from ranks.privacy.models import DataRequest


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "received_on", "due_on", "status")
    list_filter = ("status", "kind")
