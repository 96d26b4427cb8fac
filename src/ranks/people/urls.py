"""Routes of the pages of people: a person, their forms, a unit's member register."""

from django.urls import path

from ranks.people import views

urlpatterns = [
    path("people/<str:person_id>/", views.person_detail, name="person"),
    path("people/<str:person_id>/edit/", views.person_edit, name="person_edit"),
    path("people/<str:person_id>/transfer/", views.member_transfer, name="member_transfer"),
    path("people/<str:person_id>/leave/", views.member_leave, name="member_leave"),
    path("people/<str:person_id>/away/", views.member_away, name="member_away"),
    path(
        "people/<str:person_id>/away/comment/",
        views.member_away_comment,
        name="member_away_comment",
    ),
    path("people/<str:person_id>/return/", views.member_return, name="member_return"),
    path("units/<str:code>/members/", views.unit_members, name="unit_members"),
    path(
        "units/<str:code>/members.<slug:fmt>",
        views.unit_members_export,
        name="unit_members_export",
    ),
    path("units/<str:code>/people/new/", views.person_new, name="person_new"),
]
