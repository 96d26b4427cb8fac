"""Targets: read, set, allocate."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
