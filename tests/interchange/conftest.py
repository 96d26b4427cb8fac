"""An empty database for the tests that build their own organisation."""

import pytest


@pytest.fixture
def empty_db(db):
    """No units or people; the unit kinds are there (a browser test's flush may have removed the
    rows the migration put in)."""
    from ranks.org.kinds import ensure_unit_kinds
    from ranks.org.models import UnitKind

    ensure_unit_kinds(UnitKind)
