"""The demo's users: created or reset to the printed password, granted their roles, listed."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from ranks.access.models import Grant, Role
from ranks.access.services import grant_role
from ranks.core.actor import Actor
from ranks.core.audit import Change, audit_record_many
from ranks.core.clock import today
from ranks.demo.generator.plan import LoginPlan
from ranks.org.models import Unit

DEMO_PASSWORD = "ranks-demo-2025"
DEMO_EMAIL_DOMAIN = "demo.ranks.invalid"  # marks the users the demo made and may reset


@dataclass(frozen=True)
class LoginRow:
    username: str
    password: str
    role: str
    unit: str


def _is_demo_user(user) -> bool:
    return (user.email or "").endswith(f"@{DEMO_EMAIL_DOMAIN}")


def ensure_logins(logins: list[LoginPlan], actor: Actor) -> None:
    """Create the demo users (or reset their passwords) and grant their roles."""
    User = get_user_model()
    changes = []
    for login in logins:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User(
                username=login.username,
                email=f"{login.username}@{DEMO_EMAIL_DOMAIN}",
                is_superuser=login.superuser,
                is_staff=login.superuser,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            changes.append(
                Change(
                    "ranks.demo.user.created",
                    "user",
                    login.username,
                    after={"username": login.username, "superuser": login.superuser},
                )
            )
        elif not _is_demo_user(user):
            continue  # someone's own account of the same name: leave it alone
        elif not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            changes.append(Change("ranks.demo.user.password_reset", "user", login.username))
        for grant in login.grants:
            grant_role(
                actor=actor,
                username=login.username,
                role=grant.role,
                unit_code=grant.unit,
                sensitive=grant.sensitive,
            )
    audit_record_many(actor, changes)


def reset_demo_passwords(actor: Actor) -> int:
    """Set every demo user's password back to the printed one; return how many changed."""
    changes = []
    for user in get_user_model().objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}"):
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            changes.append(Change("ranks.demo.user.password_reset", "user", user.username))
    audit_record_many(actor, changes)
    return len(changes)


def _unit_label(unit: Unit) -> str:
    version = unit.versions.order_by("-valid_from").first()
    if version is None:
        return unit.code
    if version.valid_to and version.valid_to < today():
        return _("%(name)s (until %(day)s)") % {"name": version.name, "day": version.valid_to}
    return version.name


def login_rows() -> list[LoginRow]:
    """The demo users with their password and every role they hold, for printing."""
    demo_users = get_user_model().objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    order = ["admin", "tinh", "huyen", "xa1", "xa2", "chibo"]
    users = sorted(
        demo_users,
        key=lambda u: (order.index(u.username) if u.username in order else 99, u.username),
    )
    rows = []
    for user in users:
        if user.is_superuser:
            rows.append(LoginRow(user.username, DEMO_PASSWORD, _("superuser"), _("everything")))
        grants = Grant.objects.filter(user=user).select_related("unit").order_by("unit__code")
        for grant in grants:
            role = str(Role(grant.role).label)
            if grant.sensitive:
                role = _("%(role)s, sensitive data") % {"role": role}
            rows.append(LoginRow(user.username, DEMO_PASSWORD, role, _unit_label(grant.unit)))
    return rows
