"""Personal tokens: hashed at rest, refused when revoked or expired, read-only cannot write."""

import datetime as dt
import hashlib

import pytest
from django.core.management import call_command
from django.utils import timezone

from ranks.api.models import ApiToken
from ranks.api.services import token_create, token_revoke
from ranks.core.actor import SYSTEM, Actor
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from tests.api.conftest import bearer


def test_only_a_hash_is_stored(world):
    token, secret = token_create(actor=SYSTEM, username="alice", name="script")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values_list("prefix", "secret_hash", "name")))
    assert secret.startswith(f"rk_{stored.prefix}_")
    entry = AuditEntry.objects.filter(action="ranks.api.token.create").get()
    assert entry.object_id == stored.prefix and secret not in str(entry.after)


def test_a_token_reads_with_its_users_grants(client, world, tokens):
    response = client.get("/api/v1/units/", **bearer(tokens["alice"]))
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert "C1-A" in codes and "C2-A" not in codes
    assert ApiToken.objects.get(user__username="alice").last_used is not None


@pytest.mark.parametrize("header", ["Bearer rk_nothing_here", "Bearer nonsense", "Bearer a b"])
def test_unknown_tokens_are_refused(client, world, header):
    response = client.get("/api/v1/units/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_no_credentials_is_401(client, world):
    response = client.get("/api/v1/units/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "not_authenticated"


def test_revoked_token_is_refused(client, world, tokens):
    prefix = ApiToken.objects.get(user__username="alice").prefix
    token_revoke(actor=Actor.for_user(world.users["alice"]), prefix=prefix)
    response = client.get("/api/v1/units/", **bearer(tokens["alice"]))
    assert response.status_code == 401
    assert response.json()["message"] == "Token không hợp lệ, đã hết hạn hoặc đã bị thu hồi."
    assert AuditEntry.objects.filter(action="ranks.api.token.revoke", object_id=prefix).exists()


def test_expired_token_is_refused(client, world):
    token, secret = token_create(actor=SYSTEM, username="alice", name="short", days=1)
    assert client.get("/api/v1/units/", **bearer(secret)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/units/", **bearer(secret)).status_code == 401


def test_a_user_revokes_only_their_own_tokens(world, tokens):
    prefix = ApiToken.objects.get(user__username="bob").prefix
    with pytest.raises(DomainError):
        token_revoke(actor=Actor.for_user(world.users["alice"]), prefix=prefix)
    assert ApiToken.objects.get(prefix=prefix).revoked is None


def test_read_only_token_cannot_write(client, world):
    _, reader = token_create(actor=SYSTEM, username="alice", name="reader", read_only=True)
    _, writer = token_create(actor=SYSTEM, username="alice", name="writer")
    assert client.get("/api/v1/units/", **bearer(reader)).status_code == 200
    refused = client.post("/api/v1/units/", {}, content_type="application/json", **bearer(reader))
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "read_only_token",
        "message": "Token này chỉ được đọc.",
        "details": {},
    }
    # A token that may write reaches the method check (no writes exist yet: 405).
    other = client.post("/api/v1/units/", {}, content_type="application/json", **bearer(writer))
    assert other.status_code == 405


def test_session_works_and_needs_csrf(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users["alice"])
    assert strict.get("/api/v1/units/").status_code == 200
    refused = strict.post("/api/v1/units/", {}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"


def test_throttled_per_token(client, world, tokens, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "token": "2/minute"}
    SimpleRateThrottle.THROTTLE_RATES, saved = rates, SimpleRateThrottle.THROTTLE_RATES
    try:
        for _ in range(2):
            assert client.get("/api/v1/units/", **bearer(tokens["alice"])).status_code == 200
        response = client.get("/api/v1/units/", **bearer(tokens["alice"]))
        assert response.status_code == 429
        assert response.json()["code"] == "throttled"
        # Another token has its own allowance.
        assert client.get("/api/v1/units/", **bearer(tokens["bob"])).status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = saved


def test_the_command_creates_lists_and_revokes(world, capsys):
    call_command("token", "create", "alice", "nightly", "--days", "30", "--read-only")
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(name="nightly")
    assert token.read_only and token.expires is not None
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    call_command("token", "list", "alice")
    listed = capsys.readouterr().out
    assert token.prefix in listed and "nightly" in listed and "chỉ đọc" in listed
    call_command("token", "revoke", token.prefix)
    assert f"Đã thu hồi token {token.prefix}." in capsys.readouterr().out
    assert ApiToken.objects.get(pk=token.pk).revoked is not None


def test_the_tokens_page(client, world):
    client.force_login(world.users["alice"])
    # Every page's header leads there: the user's name opens their tokens.
    header = client.get("/tree/").content.decode()
    assert 'href="/account/tokens/" data-test="nav-account" title="Token API">alice</a>' in header
    page = client.get("/account/tokens/")
    assert page.status_code == 200 and "Chưa có token nào." in page.content.decode()
    created = client.post("/account/tokens/", {"name": "báo cáo", "days": "30", "read_only": "1"})
    text = created.content.decode()
    token = ApiToken.objects.get(name="báo cáo")
    assert token.user == world.users["alice"] and token.read_only
    assert f"rk_{token.prefix}_" in text and "chỉ hiện một lần" in text
    listed = client.get("/account/tokens/").content.decode()
    assert "báo cáo" in listed and f"rk_{token.prefix}_" not in listed
    client.post("/account/tokens/", {"revoke": token.prefix}, follow=True)
    assert ApiToken.objects.get(pk=token.pk).revoked is not None
    # Bob cannot see or revoke alice's tokens.
    other, _ = token_create(actor=SYSTEM, username="alice", name="second")
    client.force_login(world.users["bob"])
    assert "second" not in client.get("/account/tokens/").content.decode()
    client.post("/account/tokens/", {"revoke": other.prefix})
    assert ApiToken.objects.get(pk=other.pk).revoked is None


def test_the_command_as_a_user_handles_only_their_own(world, tokens):
    from django.core.management.base import CommandError

    prefix = ApiToken.objects.get(user__username="bob").prefix
    with pytest.raises(CommandError, match="Không có token này."):
        call_command("token", "revoke", prefix, "--as", "alice")
    with pytest.raises(CommandError, match="Bạn chỉ được quản lý token của chính mình."):
        call_command("token", "list", "bob", "--as", "alice")
    with pytest.raises(CommandError, match="Bạn chỉ được quản lý token của chính mình."):
        call_command("token", "create", "bob", "x", "--as", "alice")
    assert ApiToken.objects.get(prefix=prefix).revoked is None
