"""Granting and revoking roles, audited.

Who may: an actor with full access (a superuser, a command without `--as`) anywhere; otherwise a
manager, at a unit their manager role covers (a unit outside it reads as unknown, like a missing
one). Roles rank viewer < officer < manager, and only managers grant, so nobody gives a role above
their own: a manager may make another manager at or below their unit. Giving the sensitive-data
grant also needs one's own manager grant with sensitive data covering the unit, or a manager could
give it to themselves through a friend. Nobody but full access changes or revokes their own
grants: a manager's grants are given and taken back from above.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from ranks.access.models import Grant, Role
from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.audit import audit_record
from ranks.core.errors import DomainError
from ranks.org.models import Unit


def _unit_in_reach(actor: Actor, unit_code: str, *, sensitive: bool = False) -> Unit:
    """The unit of `unit_code` if the actor may change grants there; else the message of a
    missing unit (or, for the sensitive flag, of a missing sensitive grant)."""
    unit: Unit | None = scope_for(actor, role=Role.MANAGER).unit(unit_code)
    if unit is None:
        raise DomainError(
            _("Unknown unit code: %(code)s.") % {"code": unit_code}, field="unit_code"
        )
    if sensitive and not scope_for(actor, role=Role.MANAGER, sensitive=True).covers(unit.pk):
        raise DomainError(
            _("Only a manager who may see sensitive data at %(code)s can grant it.")
            % {"code": unit_code},
            field="sensitive",
        )
    return unit


def _not_oneself(actor: Actor, username: str) -> None:
    if not actor.has_full_access and actor.user is not None and actor.name == username:
        raise DomainError(
            _("You cannot change your own grants; a manager above you can."), field="username"
        )


def grant_role(
    *, actor: Actor, username: str, role: str, unit_code: str, sensitive: bool = False
) -> Grant:
    unit = _unit_in_reach(actor, unit_code, sensitive=sensitive)
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
    _not_oneself(actor, username)
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
    _unit_in_reach(actor, unit_code)
    _not_oneself(actor, username)
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
