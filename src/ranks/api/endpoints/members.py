"""Members of a unit: the register's list with postings, transfers and leavings, and the writes
of a transfer and of leaving."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
