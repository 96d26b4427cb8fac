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


@pytest.fixture(autouse=True)
def _imports_inline(settings, tmp_path):
    """Imports run in the request rather than in a thread (the test's transaction is never
    committed, so a thread would never start), and keep their files in the test's folder."""
    settings.RANKS_IMPORT_IN_BACKGROUND = False
    settings.VAR_DIR = tmp_path
