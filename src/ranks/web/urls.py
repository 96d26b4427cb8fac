"""Routes of the pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from ranks.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("tree/", views.tree, name="tree"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("people/<str:person_id>/", views.person_detail, name="person"),
    path("search/", views.search, name="search"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
]
