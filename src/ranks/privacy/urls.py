from django.urls import path

from ranks.privacy import views

urlpatterns = [
    path("people/<str:person_id>/data/", views.person_data_page, name="person_data"),
    path("people/<str:person_id>/data.json", views.person_data_file, name="person_data_file"),
    path("data-requests/<int:pk>/answer/", views.request_answer, name="data_request_answer"),
    path("units/<str:code>/data-requests/", views.unit_data_requests, name="unit_data_requests"),
]
