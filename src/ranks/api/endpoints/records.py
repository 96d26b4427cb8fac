"""The pipeline's writes: adding a candidate, recording a stage event."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
