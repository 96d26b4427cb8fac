"""Routes of the pipeline pages: source lists, candidates and their events, handovers, what is due,
the funnel."""

from django.urls import path

from ranks.pipeline import views
from ranks.pipeline.views import funnel

urlpatterns = [
    path("units/<str:code>/due/", views.unit_due, name="unit_due"),
    path("units/<str:code>/decisions/", views.unit_decisions, name="unit_decisions"),
    path("units/<str:code>/candidates/", views.unit_candidates, name="unit_candidates"),
    path("units/<str:code>/candidates/new/", views.candidate_new, name="candidate_new"),
    path("units/<str:code>/funnel/", funnel.unit_funnel, name="unit_funnel"),
    path(
        "units/<str:code>/funnel.<slug:fmt>", funnel.unit_funnel_report, name="unit_funnel_report"
    ),
    path("units/<str:code>/handovers/", views.unit_handovers, name="unit_handovers"),
    path("candidates/<str:person_id>/", views.candidate_detail, name="candidate"),
    path(
        "candidates/<str:person_id>/events/<slug:stage>/",
        views.candidate_event,
        name="candidate_event",
    ),
    path(
        "candidates/<str:person_id>/events/<int:event_id>/correct/",
        views.candidate_event_correct,
        name="candidate_event_correct",
    ),
]
