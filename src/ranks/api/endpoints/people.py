"""People and members: a person, memberships with their postings, transfers and leavings."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
