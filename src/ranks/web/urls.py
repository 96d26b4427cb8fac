"""Routes of the pages."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from ranks.web import (
    views,
    views_interchange,
    views_pipeline,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("tree/", views.tree, name="tree"),
    path("", include("ranks.org.urls")),
    path("units/<str:code>/due/", views.unit_due, name="unit_due"),
    path("", include("ranks.targets.urls")),
    path("", include("ranks.coverage.urls")),
    path("units/<str:code>/candidates/", views_pipeline.unit_candidates, name="unit_candidates"),
    path("units/<str:code>/candidates/new/", views_pipeline.candidate_new, name="candidate_new"),
    path("units/<str:code>/handovers/", views_pipeline.unit_handovers, name="unit_handovers"),
    path("candidates/<str:person_id>/", views_pipeline.candidate_detail, name="candidate"),
    path(
        "candidates/<str:person_id>/events/<slug:stage>/",
        views_pipeline.candidate_event,
        name="candidate_event",
    ),
    path("", include("ranks.people.urls")),
    path("search/", views.search, name="search"),
    path(
        "units/<str:code>/export/<slug:kind>.<slug:fmt>",
        views_interchange.unit_export,
        name="unit_export",
    ),
    path("imports/", views_interchange.import_start, name="import_start"),
    path(
        "imports/templates/<slug:kind>.xlsx",
        views_interchange.import_template,
        name="import_template",
    ),
    path("imports/<uuid:job_id>/", views_interchange.import_job, name="import_job"),
    path("imports/<uuid:job_id>/status", views_interchange.import_status, name="import_status"),
    path("imports/<uuid:job_id>/report.csv", views_interchange.import_report, name="import_report"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
]
