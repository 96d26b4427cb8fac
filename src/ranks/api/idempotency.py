"""`Idempotency-Key` on the API's writes: a phone that sends the same write again (the answer was
lost on a bad connection) gets the first answer back and nothing is recorded twice.

A key belongs to its user (all their tokens and their session). The first successful answer to a
write with a key is kept with a hash of the request; the same key with the same request replays
that answer (`Idempotent-Replayed: true`), the same key with another request is refused. A write
that is refused keeps nothing, so a retry after the cause is fixed is tried again. Two requests
with the same key at the same moment: the database's unique key lets one commit, the other is
rolled back whole and answered with the first one's answer.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.response import Response

from ranks.api.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    pattern=KEY_PATTERN,
    description=(
        "Any printable text without spaces (a UUID made on the device fits). A retry with the "
        "same key and the same request gets the first answer back, with "
        "`Idempotent-Replayed: true`, and records nothing again."
    ),
)


class KeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"


def _canonical(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": digest.hexdigest()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if hasattr(value, "lists"):  # a QueryDict: every value of every key
        return {k: [_canonical(v) for v in vs] for k, vs in value.lists()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def request_hash(request) -> str:
    """The method, the path with its query and the body as parsed (files by their content)."""
    text = json.dumps(
        [request.method, request.get_full_path(), _canonical(request.data)],
        sort_keys=True,
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(kept: IdempotentRequest, asked_hash: str) -> Response:
    if kept.request_hash != asked_hash:
        raise KeyReused(
            _("This Idempotency-Key was used for another request; use a new key for a new write.")
        )
    response = Response(kept.body, status=kept.status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotency_key(request) -> str | None:
    """The request's `Idempotency-Key`, checked; None when not sent."""
    key = request.headers.get(HEADER)
    if key is not None and not re.match(KEY_PATTERN, key):
        raise exceptions.ValidationError(
            {HEADER: [_("Write the key as 1 to 255 printable characters without spaces.")]}
        )
    return key


def answer_once(
    request,
    key: str,
    write: Callable[[], Response],
    *,
    before: Callable[[], None] | None = None,
    after: Callable[[Response], None] | None = None,
) -> Response:
    """The kept answer to `key` replayed, else `write()` run with its answer kept. `before` runs
    only when the write is tried (not on a replay); `after` runs with a successful answer inside
    the write's transaction."""
    asked_hash = request_hash(request)
    kept = IdempotentRequest.objects.filter(user_id=request.user.pk, key=key).first()
    if kept is not None:
        return _replay(kept, asked_hash)
    if before is not None:
        before()
    try:
        with transaction.atomic():
            response = write()
            if 200 <= response.status_code < 300:
                body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
                IdempotentRequest.objects.create(
                    user_id=request.user.pk,
                    key=key,
                    method=request.method,
                    path=request.get_full_path()[:2000],
                    request_hash=asked_hash,
                    status=response.status_code,
                    body=body,
                )
                if after is not None:
                    after(response)
    except Exception:
        # The same key committed meanwhile by a request sent at the same moment (a device that
        # sends a record again before the first answer came back): this one is rolled back
        # whole and answered as a retry, whatever stopped it (the unique key, or the subject's
        # basis the first one moved).
        kept = IdempotentRequest.objects.filter(user_id=request.user.pk, key=key).first()
        if kept is None:
            raise
        return _replay(kept, asked_hash)
    return response


def idempotent(method):
    """Wrap a view's write method (post, put, patch, delete) so that it honours
    `Idempotency-Key`; the write and the kept answer commit together."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = idempotency_key(request)
        if key is None:
            return method(view, request, *args, **kwargs)
        return answer_once(request, key, lambda: method(view, request, *args, **kwargs))

    return wrapper


def document_reused_key(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """A schema post-processing hook: every operation that takes `Idempotency-Key` documents its
    422 (`idempotency_key_reused`) with the error shape."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict):
                continue
            if any(p.get("name") == HEADER for p in operation.get("parameters", [])):
                operation.setdefault("responses", {}).setdefault(
                    "422",
                    {"content": error, "description": "The key was used for another request."},
                )
    return result
