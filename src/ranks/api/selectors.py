"""Reads of the API: tokens, answers kept for an Idempotency-Key, and the units, places and people a scope sees on a date."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ranks.access.scope import Scope
from ranks.api.models import ApiToken, IdempotentRequest
from ranks.org import sql
from ranks.org.models import PlaceVersion, Unit, UnitVersion
from ranks.org.selectors import unit_subtree

TOKEN_START = "rk_"


def secret_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str | None:
    """The lookup prefix of a token written `rk_PREFIX_SECRET`, else None."""
    if not token.startswith(TOKEN_START):
        return None
    parts = token[len(TOKEN_START) :].split("_", 1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0]


def token_matching(token: str) -> ApiToken | None:
    """The stored token whose hash is that of `token` (revoked and expired ones included)."""
    prefix = prefix_of(token)
    if prefix is None:
        return None
    found: ApiToken | None = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if found is None or not hmac.compare_digest(found.secret_hash, secret_hash(token)):
        return None
    return found


def token_usable(token: ApiToken) -> bool:
    now = timezone.now()
    return (
        token.revoked is None
        and (token.expires is None or token.expires > now)
        and bool(getattr(token.user, "is_active", False))
    )


def tokens_of(user: AbstractBaseUser) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created", "prefix")


def _with_code(versions: QuerySet[UnitVersion]) -> QuerySet[UnitVersion]:
    """Versions with their unit's code and their parent's (`code`, `parent_code`) and kind."""
    return versions.annotate(code=F("unit__code"), parent_code=F("parent__code")).select_related(
        "kind"
    )


def _of_kinds(versions: QuerySet[UnitVersion], kinds: list[str] | None) -> QuerySet[UnitVersion]:
    return versions if kinds is None else versions.filter(kind__key__in=kinds)


def api_units_on(
    *, scope: Scope, day: dt.date, parent_code: str | None = None, kinds: list[str] | None = None
) -> QuerySet[UnitVersion]:
    """Versions valid on `day` of the units `scope` covers on that day (below `parent_code`,
    directly, if given; of one of `kinds`, if given), ordered by code for the cursor."""
    versions: QuerySet[UnitVersion] = UnitVersion.objects.valid_on(day)
    if parent_code is not None:
        versions = versions.filter(parent__code=parent_code)
    versions = _of_kinds(versions, kinds)
    return _with_code(scope.units_on(versions, day, path="unit_id")).order_by("unit__code")


def api_subtree_on(
    *, scope: Scope, unit: Unit, day: dt.date, kinds: list[str] | None = None
) -> QuerySet[UnitVersion]:
    """Versions valid on `day` of `unit` and the units below it that `scope` covers then (of
    one of `kinds`, if given)."""
    versions = _of_kinds(unit_subtree(unit, day), kinds)
    return _with_code(scope.units_on(versions, day, path="unit_id")).order_by("unit__code")


def api_places_on(
    *, scope: Scope, day: dt.date, unit: Unit | None = None, kind: str | None = None
) -> QuerySet[PlaceVersion]:
    """Versions valid on `day` of the places belonging then to a unit `scope` covers that day
    (to `unit` or a unit below it, if given; of `kind`, if given), each with its place's code
    and its unit's (`code`, `unit_code`), ordered by code for the cursor. The scope and the
    subtree are sub-selects: a page reads the rows it shows."""
    versions: QuerySet[PlaceVersion] = PlaceVersion.objects.valid_on(day)
    if unit is not None:
        versions = versions.filter(unit_id__in=RawSQL(*sql.subtree_on_ids([unit.pk], day)))
    if kind is not None:
        versions = versions.filter(kind=kind)
    covered: QuerySet[PlaceVersion] = scope.units_on(versions, day, path="unit_id")
    return (
        covered.annotate(code=F("place__code"), unit_code=F("unit__code"))
        .prefetch_related("cells")
        .order_by("place__code")
    )


def kept_answer(*, user_id: int, key: str) -> dict[str, Any] | None:
    """The body of the successful answer kept for the user's `Idempotency-Key`, or None (never
    sent, or refused: a refused write keeps nothing)."""
    kept = IdempotentRequest.objects.filter(user_id=user_id, key=key).only("body").first()
    if kept is None:
        return None
    return kept.body if isinstance(kept.body, dict) else {}
