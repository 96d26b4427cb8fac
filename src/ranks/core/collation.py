"""Names in Vietnamese order, the same on PostgreSQL, on SQLite and in Python.

The order is ICU's collation for Vietnamese (the `vi` locale of CLDR): the letters in the order of
the Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ … u ư …), and among words that differ only
in their tone marks the order of the dictionary (no mark, huyền, hỏi, ngã, sắc, nặng); names equal
for ICU are then ordered by code point, so the order is total and the same everywhere.

- PostgreSQL: the collation `ranks_vi` (provider ICU, locale `vi`, created by core's migration
  0002) through `vietnamese(field)`.
- SQLite: the collation `ranks_vi`, registered on every connection (`core.apps`), comparing
  with PyICU built against the system's libicu (the library PostgreSQL uses too).
- Python: `sort_key(text)` for lists sorted in Python (`sorted(rows, key=...)`).

People are ordered as Vietnamese registers order them: by given name (the last word of the full
name), then by the full name (so family and middle names decide among the same given name), then
by person id: `person_order("person__")` in a query, `person_key(full_name, person_id)` in
Python. Units, places and everything else with a name are ordered by the whole name.

Name search (`people.selectors.person_search`) keeps its own code point order of `search_name`,
which its index serves; these orders are for lists.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from django.db.models import F, Func, TextField
from django.db.models.functions import Collate

COLLATION = "ranks_vi"
"""The name of the collation on both databases."""

ICU_LOCALE = "vi"

_LAST_WORD = re.compile(r"^.*\s")


@cache
def _collator() -> Any:
    import icu  # PyICU: the ICU C++ API (the system's libicu)

    return icu.Collator.createInstance(icu.Locale(ICU_LOCALE))


@lru_cache(maxsize=65536)
def sort_key(text: str) -> tuple[bytes, str]:
    """The key that sorts `text` in Vietnamese order in Python, as the databases do."""
    return bytes(_collator().getSortKey(text)), text


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as `a` comes before, with or after `b` (SQLite's collation function)."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def given_name(full_name: str) -> str:
    """The last word of a full name: "Nguyễn Văn An" → "An"."""
    return _LAST_WORD.sub("", full_name.strip(" "))


def person_key(
    full_name: str, person_id: str = ""
) -> tuple[tuple[bytes, str], tuple[bytes, str], str]:
    """The key that sorts people as `person_order` does: given name, full name, id."""
    return sort_key(given_name(full_name)), sort_key(full_name), person_id


def vietnamese(field: str) -> Collate:
    """`field` (a text column, maybe across a relation: "person__full_name") in Vietnamese order."""
    return Collate(F(field), COLLATION)


class GivenName(Func):
    """The last word of a name column (see `given_name`), on both databases."""

    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template=r"regexp_replace(btrim(%(expressions)s, ' '), '^.*\s', '')",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="ranks_given_name", **extra)


def person_order(prefix: str = "") -> tuple[Collate, Collate, str]:
    """The order of people in a list: given name, full name, person id. `prefix` reaches the
    person across a relation: `person_order("person__")` for candidacies or postings."""
    full_name = f"{prefix}full_name"
    return (
        Collate(GivenName(F(full_name)), COLLATION),
        vietnamese(full_name),
        f"{prefix}person_id",
    )


def register_sqlite(sqlite_connection: Any) -> None:
    """Registers the collation and `ranks_given_name` on one SQLite connection."""
    sqlite_connection.create_collation(COLLATION, compare)
    sqlite_connection.create_function(
        "ranks_given_name",
        1,
        lambda text: None if text is None else given_name(text),
        deterministic=True,
    )
