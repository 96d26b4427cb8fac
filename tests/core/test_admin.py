"""The admin shows every record of Ranks read-only, even to a superuser: changes go through services."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

RANKS_MODELS = {
    "access.Grant",
    "core.AuditEntry",
    "coverage.Secondment",
    "org.Place",
    "org.PlaceVersion",
    "org.Unit",
    "org.UnitKind",
    "org.UnitVersion",
    "people.Absence",
    "people.AbsenceComment",
    "people.Membership",
    "people.Person",
    "people.Posting",
    "pipeline.Candidate",
    "pipeline.StageEvent",
    "restructure.Restructure",
    "privacy.DataRequest",
    "restructure.Handover",
    "targets.Target",
    "targets.TargetRevision",
    "targets.TermTarget",
    "targets.TermTargetRevision",
}


@pytest.mark.django_db
def test_each_app_shows_its_records_read_only():
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.create_superuser("root-admin", password="x")
    shown = {
        model._meta.label: model_admin
        for model, model_admin in admin.site._registry.items()
        if apps.get_app_config(model._meta.app_label).name.startswith("ranks.")
    }
    assert set(shown) == RANKS_MODELS
    for label, model_admin in shown.items():
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        assert model_admin.has_view_permission(request), label
