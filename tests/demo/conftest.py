"""The demo province, built once for a test module and rolled back after it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from ranks.org.models import Unit

# Big enough for cells of several official members, so candidates reach every stage.
MEDIUM = {"members": 1500, "villages_per_commune": 1, "non_members": 200}


@pytest.fixture(scope="module")
def province(django_db_setup, django_db_blocker):
    """The demo of Hải Dương at MEDIUM size; the province it belongs to today (Hải Phòng).

    Tests that use it are marked django_db: each runs in a savepoint of this transaction."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast):
        with transaction.atomic():
            call_command("demo", stdout=out, lang="en", **MEDIUM)
            province = Unit.objects.get(code="HP")
            province.output = out.getvalue()
            yield province
            transaction.set_rollback(True)
