"""The figures: progress, composition, the ratio, coverage, cell health, the due list."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
