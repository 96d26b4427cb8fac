import pytest
from django.core.cache import cache

from ranks.api.services import token_create
from ranks.core.actor import SYSTEM


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def tokens(world):
    """A token of alice (officer at C1 and N1, sensitive grant) and one of bob (officer at C2)."""
    return {
        name: token_create(actor=SYSTEM, username=name, name=f"{name}'s script")[1]
        for name in ("alice", "bob")
    }
