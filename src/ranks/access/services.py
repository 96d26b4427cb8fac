"""Granting and revoking roles, audited."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from ranks.access.models import Grant, Role
from ranks.core.actor import Actor
from ranks.core.audit import audit_record
from ranks.core.errors import DomainError
from ranks.org.models import Unit


def grant_role(
    *, actor: Actor, username: str, role: str, unit_code: str, sensitive: bool = False
) -> Grant:
    if role not in Role.values:
        raise DomainError(
            _("Unknown role: %(role)s. Allowed: %(allowed)s.")
            % {"role": role, "allowed": ", ".join(Role.values)},
            field="role",
        )
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise DomainError(
            _("Unknown user: %(username)s.") % {"username": username}, field="username"
        )
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise DomainError(
            _("Unknown unit code: %(code)s.") % {"code": unit_code}, field="unit_code"
        )
    with transaction.atomic():
        grant = Grant.objects.filter(user=user, unit=unit).first()
        before = {"role": grant.role, "sensitive": grant.sensitive} if grant else None
        if grant is None:
            grant = Grant(user=user, unit=unit, granted_by=actor.name)
        grant.role, grant.sensitive = role, sensitive
        grant.save()
        audit_record(
            actor,
            "ranks.access.grant.saved",
            object_type="grant",
            object_id=f"{username}@{unit_code}",
            before=before,
            after={"role": role, "sensitive": sensitive},
        )
    return grant


def revoke_role(*, actor: Actor, username: str, unit_code: str) -> None:
    with transaction.atomic():
        grant = Grant.objects.filter(user__username=username, unit__code=unit_code).first()
        if grant is None:
            raise DomainError(_("No such grant."), field="username")
        before = {"role": grant.role, "sensitive": grant.sensitive}
        grant.delete()
        audit_record(
            actor,
            "ranks.access.grant.revoked",
            object_type="grant",
            object_id=f"{username}@{unit_code}",
            before=before,
        )
