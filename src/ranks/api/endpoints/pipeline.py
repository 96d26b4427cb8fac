"""The pipeline's reads: candidates, their stage events, what is due, eligibility on a date."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
