"""The sign-in backend: Django's own, whose user, read once for each request, carries that user's
grants on the same row, so that a page learns who is asking and what they may see in one round
trip to the database instead of two (`requests.scope_of` reads them from there)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, TextField
from django.db.models.sql.compiler import SQLCompiler

from ranks.access.models import Grant

GRANTS_ANNOTATION = "ranks_grants"


@dataclass(frozen=True)
class GrantRow:
    """What a scope reads of a grant (`scope.scope_for`)."""

    unit_id: int
    role: str
    sensitive: bool


class _GrantsOf(Expression):
    """The grants of the user on the row, as a JSON list of [unit_id, role, sensitive]."""

    output_field = TextField()

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[str | int, ...]]:
        user = compiler.quote_name_unless_alias(get_user_model()._meta.db_table)
        grants = Grant._meta.db_table
        if connection.vendor == "postgresql":
            rows = (
                "COALESCE(json_agg(json_build_array(g.unit_id, g.role, g.sensitive)), '[]')::text"
            )
        else:
            rows = "json_group_array(json_array(g.unit_id, g.role, g.sensitive))"
        return f"(SELECT {rows} FROM {grants} g WHERE g.user_id = {user}.id)", ()


class UserWithGrantsBackend(ModelBackend):
    """`ModelBackend`, whose `get_user` (each request of a signed-in user) reads the grants too."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(**{GRANTS_ANNOTATION: _GrantsOf()})
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def grants_read_with(user: Any) -> list[GrantRow] | None:
    """The grants read on `user`'s row when it was signed in (`UserWithGrantsBackend`), else None
    (a user read another way: an API token, a test's own object)."""
    raw = getattr(user, GRANTS_ANNOTATION, None)
    if raw is None:
        return None
    return [
        GrantRow(int(unit_id), role, bool(sensitive))
        for unit_id, role, sensitive in json.loads(raw)
    ]
