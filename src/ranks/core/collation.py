"""Names in Vietnamese order on both databases.

`vietnamese(field)` is the expression to order a name column by. (A first version: code point
order, until the Vietnamese collation lands on both databases.)
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate


def vietnamese(field: str) -> Collate:
    """`field` (a text column, maybe across a relation: "person__full_name") in Vietnamese order."""
    return Collate(F(field), "C" if connection.vendor == "postgresql" else "BINARY")
