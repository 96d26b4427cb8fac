"""Who is acting: a web user, or a command run by an operating-system user, maybe `--as` someone."""

from __future__ import annotations

import getpass
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


# The operating-system user who queued the command a worker is running (ranks.core.queued): the
# command is audited under them, not under the worker's user.
QUEUED_BY: ContextVar[str | None] = ContextVar("queued_by", default=None)


@dataclass(frozen=True)
class Actor:
    """The name written into the audit log and the user whose access applies (None: full access;
    anonymous, on a page open to all: none)."""

    name: str
    user: AbstractBaseUser | AnonymousUser | None = None
    channel: str = "web"  # web, cli, system, api, offline (a record synced from a device)

    @property
    def has_full_access(self) -> bool:
        if self.user is None:
            return True
        return bool(
            getattr(self.user, "is_active", False) and getattr(self.user, "is_superuser", False)
        )

    @classmethod
    def for_user(cls, user: AbstractBaseUser | AnonymousUser, channel: str = "web") -> Actor:
        return cls(name=user.get_username(), user=user, channel=channel)

    @classmethod
    def for_command(cls) -> Actor:
        """A command with full access, audited under the operating-system user (who queued it,
        when a worker runs it)."""
        queued_by = QUEUED_BY.get()
        if queued_by:
            return cls(name=queued_by, user=None, channel="cli")
        try:
            os_user = getpass.getuser()
        except (KeyError, OSError):
            os_user = "unknown"
        return cls(name=f"os:{os_user}", user=None, channel="cli")


SYSTEM = Actor(name="system", user=None, channel="system")
