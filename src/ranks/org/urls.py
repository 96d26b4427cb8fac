"""Routes of the organisation tree's pages."""

from django.urls import path

from ranks.org import views

urlpatterns = [
    path("units/<str:code>/", views.unit_detail, name="unit"),
]
