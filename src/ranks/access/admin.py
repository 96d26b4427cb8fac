"""Grants in the admin, read-only: they change through `ranks grant`, which audits them."""

from django.contrib import admin

from ranks.access.models import Grant
from ranks.core.admin import ReadOnlyAdmin

admin.site.register(Grant, ReadOnlyAdmin)
