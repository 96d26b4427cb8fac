"""Routes of the pages."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from ranks.web import (
    views,
    views_coverage,
    views_dashboard,
    views_targets,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("tree/", views.tree, name="tree"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("units/<str:code>/dashboard/", views_dashboard.unit_dashboard, name="unit_dashboard"),
    path(
        "units/<str:code>/reports/<slug:report>.<slug:fmt>",
        views_dashboard.unit_report,
        name="unit_report",
    ),
    path("units/<str:code>/coverage/", views_coverage.unit_coverage, name="unit_coverage"),
    path("units/<str:code>/cells/", views_coverage.unit_cells, name="unit_cells"),
    path(
        "units/<str:code>/coverage/<slug:report>.<slug:fmt>",
        views_coverage.unit_coverage_report,
        name="unit_coverage_report",
    ),
    path(
        "units/<str:code>/secondments/",
        views_coverage.unit_secondments,
        name="unit_secondments",
    ),
    path("units/<str:code>/targets/", views_targets.unit_targets, name="unit_targets"),
    path(
        "units/<str:code>/targets/<int:year>/<slug:metric>/",
        views_targets.unit_allocation,
        name="unit_allocation",
    ),
    path("", include("ranks.pipeline.urls")),
    path("people/<str:person_id>/", views.person_detail, name="person"),
    path("search/", views.search, name="search"),
    path("", include("ranks.interchange.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
]
