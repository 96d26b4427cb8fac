"""Routes of the interchange pages: a unit's export downloads, and importing a file."""

from django.urls import path

from ranks.interchange import views

urlpatterns = [
    path(
        "units/<str:code>/export/<slug:kind>.<slug:fmt>",
        views.unit_export,
        name="unit_export",
    ),
    path("imports/", views.import_start, name="import_start"),
    path(
        "imports/templates/<slug:kind>.xlsx",
        views.import_template,
        name="import_template",
    ),
    path("imports/<uuid:job_id>/", views.import_job, name="import_job"),
    path("imports/<uuid:job_id>/status", views.import_status, name="import_status"),
    path("imports/<uuid:job_id>/report.csv", views.import_report, name="import_report"),
]
