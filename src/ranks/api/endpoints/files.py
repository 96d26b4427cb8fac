"""Files: imports (upload, check, confirm, status, bad-row report) and exports."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
