"""Records made offline on a device and sent later, in order, to the API's writes.

A write opts in with `@synced` (in place of `@idempotent`) and, where a record is based on a copy
of its subject, calls `basis_check` after its access check. The headers (docs/api/offline.md):

- `Ranks-Channel: offline` with `Ranks-Recorded-At` (ISO 8601 with its offset, the device's time,
  at most 5 minutes ahead): the `Idempotency-Key` is required (the record's id on the device); the
  services audit with channel `offline`, and one more entry (`sync`, `offline_record`, the key)
  notes when the record was made and when it arrived, in the write's transaction.
- `If-Match: "<basis>"`: the subject must still be at that basis, else 412 `conflict` with the
  server's version, and nothing is recorded.
- `Ranks-Follows: <key>`: an earlier record of this user that must have been kept first, else
  409 `held`; if its answer carries the basis of the same subject, that basis is expected.

A replay of a kept answer checks nothing and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from ranks.api import serializers as s
from ranks.api.idempotency import HEADER as KEY_HEADER
from ranks.api.idempotency import KEY_PATTERN, answer_once, idempotency_key
from ranks.api.selectors import kept_answer
from ranks.api.services import offline_record_synced
from ranks.core.actor import Actor

CHANNEL = "Ranks-Channel"
RECORDED_AT = "Ranks-Recorded-At"
FOLLOWS = "Ranks-Follows"
IF_MATCH = "If-Match"
OFFLINE = "offline"
# A device's clock may run a little ahead of the server's.
AHEAD = dt.timedelta(minutes=5)
# The audit log keeps an object's id in 120 characters.
OFFLINE_KEY_LENGTH = 120


@dataclass
class Sync:
    """The sync headers of a write, checked."""

    channel: str  # "api", or "offline"
    recorded_at: dt.datetime | None
    arrived_at: dt.datetime
    follows: str | None
    followed: dict[str, Any] | None = None  # the answer kept under `follows`

    @property
    def offline(self) -> bool:
        return self.channel == OFFLINE


class Held(exceptions.APIException):
    status_code = 409
    default_code = "held"


class Conflict(exceptions.APIException):
    status_code = 412
    default_code = "conflict"

    def __init__(self, message: str, details: dict[str, Any]):
        super().__init__(message)
        self.details = details


def _invalid(header: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({header: [message]})


def _recorded_at(text: str | None, arrived_at: dt.datetime) -> dt.datetime:
    example = "2026-03-01T08:30:00+07:00"
    if not text:
        raise _invalid(
            RECORDED_AT,
            _(
                "Give the time the record was made on the device, in ISO 8601 with its "
                "offset (e.g. %(example)s)."
            )
            % {"example": example},
        )
    try:
        value = dt.datetime.fromisoformat(text.strip())
        if value.tzinfo is not None:
            value.astimezone(dt.UTC)  # a time near year 1 or 9999 may not be in UTC's range
    except (ValueError, OverflowError):
        value = None
    if value is None or value.tzinfo is None or value.utcoffset() is None:
        raise _invalid(
            RECORDED_AT,
            _("Write the time the record was made as ISO 8601 with its offset (e.g. %(example)s).")
            % {"example": example},
        )
    if value > arrived_at + AHEAD:
        raise _invalid(
            RECORDED_AT,
            _(
                "The time the record was made is in the future: the device's clock is ahead. "
                "Set it right and send the record again."
            ),
        )
    return value


def sync_of(request) -> Sync:
    """The request's sync headers, checked (400 `invalid`, by header, when one is wrong)."""
    arrived_at = timezone.now()
    channel = (request.headers.get(CHANNEL) or "").strip().lower()
    if channel not in ("", OFFLINE):
        raise _invalid(CHANNEL, _("Leave this header out, or send it as: offline."))
    follows = request.headers.get(FOLLOWS)
    if follows is not None:
        if not re.match(KEY_PATTERN, follows):
            raise _invalid(
                FOLLOWS, _("Give the Idempotency-Key of the earlier record this one follows.")
            )
    if channel != OFFLINE:
        return Sync(channel="api", recorded_at=None, arrived_at=arrived_at, follows=follows)
    key = request.headers.get(KEY_HEADER)
    if not key or len(key) > OFFLINE_KEY_LENGTH:
        raise _invalid(
            KEY_HEADER,
            _(
                "A record made offline needs an Idempotency-Key of at most %(length)s "
                "characters: the record's id made on the device."
            )
            % {"length": OFFLINE_KEY_LENGTH},
        )
    recorded_at = _recorded_at(request.headers.get(RECORDED_AT), arrived_at)
    return Sync(channel=OFFLINE, recorded_at=recorded_at, arrived_at=arrived_at, follows=follows)


def channel_of(request) -> str:
    """The audit channel of an API request: `offline` for a record synced from a device."""
    sync = getattr(request, "ranks_sync", None)
    return sync.channel if isinstance(sync, Sync) else "api"


def _follow(request, sync: Sync) -> None:
    if sync.follows is None:
        return
    sync.followed = kept_answer(user_id=request.user.pk, key=sync.follows)
    if sync.followed is None:
        raise Held(_("Waiting for an earlier record to be sent first."))


def synced(method):
    """Wrap a view's write method so that it honours `Idempotency-Key` (as `@idempotent`) and the
    sync headers: the channel and the device's time, the record it follows. The view calls
    `basis_check` for `If-Match` and the basis of the record followed."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        sync = sync_of(request)
        request.ranks_sync = sync
        key = idempotency_key(request)

        def write() -> Response:
            return method(view, request, *args, **kwargs)

        if key is None:
            _follow(request, sync)
            return write()

        def noted(response: Response) -> None:
            if sync.offline and sync.recorded_at is not None:
                offline_record_synced(
                    actor=Actor.for_user(request.user, channel=sync.channel),
                    key=key,
                    method=request.method,
                    path=request.get_full_path()[:2000],
                    recorded_at=sync.recorded_at,
                    arrived_at=sync.arrived_at,
                    status=response.status_code,
                )

        return answer_once(request, key, write, before=lambda: _follow(request, sync), after=noted)

    return wrapper


def _if_match(request) -> set[str] | None:
    """The bases `If-Match` accepts (quoted or not, weak or not); None: any (absent, or `*`)."""
    text = request.headers.get(IF_MATCH)
    if text is None:
        return None
    tags = set()
    for part in text.split(","):
        tag = part.strip()
        if tag == "*":
            return None
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.add(tag.strip('"'))
    return tags - {""} or None


def basis_expected(request, *, subject: str, subject_field: str = "person_id") -> set[str] | None:
    """The bases the write may find its subject at: the one in the answer to the record it
    follows, if that answer is about the same subject (`subject_field` of the answer), else those
    of `If-Match`; None when the write expects none."""
    sync = getattr(request, "ranks_sync", None)
    followed = sync.followed if isinstance(sync, Sync) else None
    if followed and followed.get(subject_field) == subject and followed.get("basis"):
        return {str(followed["basis"])}
    return _if_match(request)


def basis_check(
    request,
    *,
    subject: str,
    current: str,
    server: Callable[[], dict[str, Any]],
    subject_field: str = "person_id",
    message: str | None = None,
) -> None:
    """Refuse (412 `conflict`) a write whose expected basis is not the subject's `current` one;
    `details`: the current basis and `server()`, the subject as the server has it."""
    expected = basis_expected(request, subject=subject, subject_field=subject_field)
    if expected is None or current in expected:
        return
    raise Conflict(
        message or _("This record was made on an older copy; choose which to keep."),
        {"basis": current, "server": server()},
    )


# --- the schema ------------------------------------------------------------------------------

SYNC_PARAMETERS = [
    OpenApiParameter(
        CHANNEL,
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        required=False,
        enum=[OFFLINE],
        description=(
            "`offline`: a record made on a device without a connection and sent now. "
            "`Idempotency-Key` (the record's id, at most 120 characters) and "
            "`Ranks-Recorded-At` are then required; the audit log notes the channel `offline`."
        ),
    ),
    OpenApiParameter(
        RECORDED_AT,
        OpenApiTypes.DATETIME,
        location=OpenApiParameter.HEADER,
        required=False,
        description=(
            "With `Ranks-Channel: offline`: when the record was made on the device, ISO 8601 "
            "with its offset (`2026-03-01T08:30:00+07:00`); at most 5 minutes ahead of the "
            "server."
        ),
    ),
    OpenApiParameter(
        FOLLOWS,
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        required=False,
        pattern=KEY_PATTERN,
        description=(
            "The `Idempotency-Key` of an earlier record of yours that must be kept first; "
            "until it is, 409 `held`. If its answer has the `basis` of the same subject, that "
            "basis is expected (in place of `If-Match`)."
        ),
    ),
]
IF_MATCH_PARAMETER = OpenApiParameter(
    IF_MATCH,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        'The basis of the copy the record was made on, quoted (`"3f2a…"`: the `ETag` of the '
        "subject's read, its `basis`). If the subject changed since, 412 `conflict` and nothing "
        "is recorded."
    ),
)


class ServerEventSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    date = serializers.DateField()
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class ServerVersionSerializer(serializers.Serializer):
    stage = serializers.CharField(help_text="The main stage reached.")
    stage_label = serializers.CharField()
    side = serializers.CharField(help_text="The side state; empty: none.", allow_blank=True)
    side_label = serializers.CharField(allow_blank=True)
    events = ServerEventSerializer(many=True, help_text="The 5 events recorded last, latest first.")


class ConflictDetails(serializers.Serializer):
    basis = serializers.CharField(help_text="The subject's basis now.")
    server = ServerVersionSerializer()


class ConflictSerializer(s.ErrorSerializer):
    """`conflict`: the subject changed after the device's copy was made."""

    details = ConflictDetails()


SYNC_ERRORS = {
    409: OpenApiResponse(
        s.ErrorSerializer,
        description="`held`: the record named by `Ranks-Follows` is not kept yet; send it "
        "first. Nothing was recorded.",
    )
}
BASIS_ERRORS = {
    412: OpenApiResponse(
        ConflictSerializer,
        description="`conflict`: the subject changed after the copy the record was made on "
        "(`If-Match`, or the basis of the record followed); `details` has the server's version. "
        "Nothing was recorded.",
    )
}
