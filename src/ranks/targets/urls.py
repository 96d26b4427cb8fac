"""Routes of the targets pages: the dashboard and its reports, the targets and their allocation."""

from django.urls import path

from ranks.targets.views import allocation, dashboard

urlpatterns = [
    path("units/<str:code>/dashboard/", dashboard.unit_dashboard, name="unit_dashboard"),
    path(
        "units/<str:code>/reports/<slug:report>.<slug:fmt>",
        dashboard.unit_report,
        name="unit_report",
    ),
    path("units/<str:code>/targets/", allocation.unit_targets, name="unit_targets"),
    path("units/<str:code>/targets/terms/", allocation.unit_terms, name="unit_terms"),
    path(
        "units/<str:code>/targets/<int:year>/<slug:metric>/",
        allocation.unit_allocation,
        name="unit_allocation",
    ),
]
