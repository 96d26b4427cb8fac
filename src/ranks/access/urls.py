"""Routes of the access pages."""

from django.urls import path

from ranks.access import views

urlpatterns = [
    path("units/<str:code>/grants/", views.unit_grants, name="unit_grants"),
]
