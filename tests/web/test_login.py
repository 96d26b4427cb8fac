"""Passwords are hashed with Argon2; repeated failures lock the account for a while."""

from django.contrib.auth import get_user_model
from django.test import override_settings

from tests.factories import PASSWORD


def test_passwords_are_hashed_with_argon2(db):
    from django.conf import settings as live

    argon2_first = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    assert live.PASSWORD_HASHERS != argon2_first  # the tests' fast hasher is in force here
    from ranks import settings as ranks_settings

    with override_settings(PASSWORD_HASHERS=ranks_settings.PASSWORD_HASHERS):
        user = get_user_model().objects.create_user(username="hanh", password=PASSWORD)
    assert user.password.startswith("argon2$argon2id$")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_with_the_right_password(client, world):
    for _ in range(3):
        response = client.post(
            "/accounts/login/", {"username": "bob", "password": "wrong-password"}
        )
    assert response.status_code == 429
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 429
    assert "Tài khoản bị khoá" in response.content.decode() or "locked" in response.content.decode()
    # Another account is not affected.
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
