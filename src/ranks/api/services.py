"""Writes of the API: personal tokens, created (the secret shown once) and revoked, audited; the
audit entry of a record made offline and synced."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from ranks.api.models import ApiToken
from ranks.api.selectors import TOKEN_START, secret_hash
from ranks.core.actor import Actor
from ranks.core.audit import audit_record
from ranks.core.errors import DomainError

MAX_TOKEN_DAYS = 3650


def _user_named(actor: Actor, username: str | None) -> AbstractBaseUser:
    """The user whose tokens `actor` handles: their own; another's only with full access."""
    if username is None or (actor.user is not None and actor.user.get_username() == username):
        if actor.user is None or not actor.user.is_authenticated:
            raise DomainError(_("Name the user whose tokens these are."), field="username")
        return actor.user
    if not actor.has_full_access:
        raise DomainError(_("You may handle only your own tokens."), field="username")
    user: AbstractBaseUser | None = (
        get_user_model().objects.filter(username=username, is_active=True).first()
    )
    if user is None:
        raise DomainError(
            _("Unknown user: %(username)s.") % {"username": username}, field="username"
        )
    return user


def token_create(
    *,
    actor: Actor,
    name: str,
    username: str | None = None,
    days: int | None = None,
    read_only: bool = False,
) -> tuple[ApiToken, str]:
    """A new token of the user (the actor's own unless full access names another), valid for
    `days` (None: until revoked). Returns it with its secret, which is stored only as a hash."""
    user = _user_named(actor, username)
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise DomainError(
            _("A token lasts from 1 to %(days)s days.") % {"days": MAX_TOKEN_DAYS}, field="days"
        )
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user_id=user.pk,
        name=name[:100],
        prefix=prefix,
        secret_hash=secret_hash(secret),
        read_only=read_only,
        expires=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    audit_record(
        actor,
        "ranks.api.token.create",
        object_type="api_token",
        object_id=prefix,
        after={
            "user": user.get_username(),
            "name": token.name,
            "read_only": read_only,
            "expires": token.expires,
        },
    )
    return token, secret


def token_revoke(*, actor: Actor, prefix: str) -> ApiToken:
    """Revoke the token of `prefix`: one's own, or anyone's with full access."""
    tokens = ApiToken.objects.filter(prefix=prefix)
    if not actor.has_full_access:
        tokens = tokens.filter(user=actor.user)  # type: ignore[misc]  # a user, not anonymous
    token: ApiToken | None = tokens.first()
    if token is None:
        raise DomainError(_("No such token."), field="prefix")
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
        audit_record(
            actor,
            "ranks.api.token.revoke",
            object_type="api_token",
            object_id=prefix,
            after={"revoked": token.revoked},
        )
    return token


def token_used(token: ApiToken) -> None:
    """Note that `token` was used now (at most once a minute: not every request writes)."""
    now = timezone.now()
    if token.last_used is None or now - token.last_used > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now


# The audit action of a record made offline and synced (one entry per record, with the write's).
SYNC_ACTION = "sync"


def offline_record_synced(
    *,
    actor: Actor,
    key: str,
    method: str,
    path: str,
    recorded_at: dt.datetime,
    arrived_at: dt.datetime,
    status: int,
) -> None:
    """Note in the audit log that the record of `key`, made on a device at `recorded_at`, arrived
    at `arrived_at` and was answered `status`; inside the write's transaction."""
    audit_record(
        actor,
        SYNC_ACTION,
        object_type="offline_record",
        object_id=key,
        after={
            "method": method,
            "path": path,
            "recorded_at": recorded_at.isoformat(),
            "arrived_at": arrived_at.isoformat(),
            "status": status,
        },
    )
