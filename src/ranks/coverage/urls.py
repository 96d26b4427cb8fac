"""Routes of the coverage pages: coverage, cell health, their reports, secondments."""

from django.urls import path

from ranks.coverage import views

urlpatterns = [
    path("units/<str:code>/coverage/", views.unit_coverage, name="unit_coverage"),
    path("units/<str:code>/cells/", views.unit_cells, name="unit_cells"),
    path(
        "units/<str:code>/coverage/<slug:report>.<slug:fmt>",
        views.unit_coverage_report,
        name="unit_coverage_report",
    ),
    path("units/<str:code>/away/", views.unit_away, name="unit_away"),
    path("units/<str:code>/away.<slug:fmt>", views.unit_away_report, name="unit_away_report"),
    path(
        "units/<str:code>/secondments/",
        views.unit_secondments,
        name="unit_secondments",
    ),
]
