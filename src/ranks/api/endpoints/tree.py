"""The tree and places: places, a unit's history."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
