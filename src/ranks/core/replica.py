"""Reads for reports and dashboards on a PostgreSQL read replica (docs/deploy.md, "A read
replica").

With `DATABASE_REPLICA_URL` set, the database alias `replica` exists and `ReplicaRouter` sends
to it the reads made inside `replica_reads()`: the dashboard, the reports and exports, the
coverage and cells pages, the figures of the API and `ranks report`. Everything else reads the
primary, and every write goes to the primary.

A replica lags its primary by a moment. So that a user never misses what they have just
recorded, a request that wrote reads the primary for the rest of the request, and the user's
reads stay on the primary for `RANKS_REPLICA_PIN_SECONDS` after it (`ReadPin`, kept on the
primary, so that every app server sees it, whatever the channel: page, API or offline sync).
Reads inside a transaction of the primary also stay there, and so do the tables that decide
who may read what (users, sessions, grants, tokens): a grant withdrawn a second ago is withdrawn.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

REPLICA = "replica"
T = TypeVar("T")

# The apps whose tables are always read on the primary: who the user is and what they may read,
# the queue of jobs (django-tasks-db's app is labelled `django_tasks_database`), and the
# restructures with the kept structure of each date (`restructure.UnitPosition`): a reader
# rebuilds a stale structure on the primary and must read back what it wrote, not a copy that
# has yet to receive it.
PRIMARY_ONLY = frozenset(
    {
        "auth",
        "sessions",
        "contenttypes",
        "admin",
        "axes",
        "access",
        "api",
        "core",
        "django_tasks",
        "django_tasks_database",
        "restructure",
    }
)


# Writes that record no one's data (a sign-in, a token's last use, a session, an idempotency
# key beside the write it keeps): they do not keep their user on the primary.
BOOKKEEPING = frozenset({"auth", "sessions", "contenttypes", "admin", "axes", "api"})


def _read_pin() -> type:
    from ranks.core.models import ReadPin

    return ReadPin


@dataclass
class _Request:
    """What the router knows of the request being served (set by `ReplicaMiddleware`)."""

    request: Any = None
    wrote: bool = False
    pinned: bool | None = None


_replica_ok: ContextVar[bool] = ContextVar("replica_reads", default=False)
_request: ContextVar[_Request | None] = ContextVar("replica_request", default=None)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def pin_seconds() -> int:
    return int(getattr(settings, "RANKS_REPLICA_PIN_SECONDS", 30))


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within it, reads that may lag a moment go to the replica (when there is one)."""
    token = _replica_ok.set(True)
    try:
        yield
    finally:
        _replica_ok.reset(token)


@contextmanager
def serving(request: Any) -> Iterator[_Request]:
    """The request being served, for the router to know whether it wrote and whose it is."""
    state = _Request(request=request)
    token = _request.set(state)
    try:
        yield state
    finally:
        _request.reset(token)


def _user_id(state: _Request) -> int | None:
    user = getattr(state.request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


def _pinned(state: _Request | None) -> bool:
    if state is None:
        return False
    if state.wrote:
        return True
    if state.pinned is None:
        user_id = _user_id(state)
        if user_id is None:
            return False  # not known yet: asked again once the user is (the API signs in late)
        from ranks.core.models import ReadPin

        state.pinned = (
            ReadPin.objects.using(DEFAULT_DB_ALIAS)
            .filter(user_id=user_id, until__gt=timezone.now())
            .exists()
        )
    return state.pinned


def read_alias() -> str:
    """The alias a read that may lag a moment goes to now."""
    if not (_replica_ok.get() and configured()):
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if _pinned(_request.get()):
        return DEFAULT_DB_ALIAS
    return REPLICA


def read_connection() -> BaseDatabaseWrapper:
    """The connection for a raw read (`read_connection().cursor()`), routed as the ORM's are."""
    return connections[read_alias()]


def wrote() -> None:
    """A write is being made: this request reads the primary from now on."""
    state = _request.get()
    if state is not None:
        state.wrote = True


def pin_after(state: _Request) -> None:
    """After a request that wrote, keep its user's reads on the primary for a while."""
    user_id = _user_id(state)
    if not (state.wrote and configured() and user_id is not None):
        return
    from ranks.core.models import ReadPin

    until = timezone.now() + dt.timedelta(seconds=pin_seconds())
    ReadPin.objects.using(DEFAULT_DB_ALIAS).update_or_create(
        user_id=user_id, defaults={"until": until}
    )


class ReplicaRouter:
    """Reads inside `replica_reads()` to the replica, unless they must see the latest write;
    writes and migrations to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        if model._meta.app_label in PRIMARY_ONLY:
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        if model._meta.app_label not in BOOKKEEPING and model is not _read_pin():
            wrote()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def reads_replica(view: Callable[..., T]) -> Callable[..., T]:
    """A view (or a DRF view's `dispatch`) whose reads may go to the replica."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> T:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped
