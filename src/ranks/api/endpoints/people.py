"""A person: who they are (the sensitive fields with their grant), their memberships with their postings."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
