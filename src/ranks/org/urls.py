"""Routes of the organisation tree's pages."""

from django.urls import path

from ranks.org import views

urlpatterns = [
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("units/<str:code>/edit/", views.unit_edit, name="unit_edit"),
    path("places/<str:place>/edit/", views.place_edit, name="place_edit"),
]
