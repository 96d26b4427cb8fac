"""Routes of the installable app: its service worker, a cell's recording page, the outbox."""

from django.urls import path

from ranks.offline import views

urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("units/<str:code>/record/", views.cell_record, name="cell_record"),
    path("outbox/", views.outbox, name="outbox"),
    path("offline/", views.unavailable, name="offline_unavailable"),
]
