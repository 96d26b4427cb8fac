"""Routes of the restructure pages."""

from django.urls import path

from ranks.restructure import views

urlpatterns = [
    path("units/<str:code>/restructures/new/", views.restructure_new, name="restructure_new"),
    path("restructures/<int:restructure_id>/", views.restructure_detail, name="restructure"),
]
