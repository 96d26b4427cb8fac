"""Routes of the pages of people."""

from django.urls import path

from ranks.people import views

urlpatterns = [
    path("people/<str:person_id>/", views.person_detail, name="person"),
]
