"""Pure: text a spreadsheet would run as a formula, guarded in every file Ranks writes.

Exports and reports (CSV, Excel) put an apostrophe before such text; imports take it off again,
so a value reads back as it was.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@")


def starts_like_formula(text: str) -> bool:
    """Starts like a formula, maybe behind apostrophes: "=x", and "'=x" which reads back as "=x"."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """Export: a value that a spreadsheet would run as a formula gets a leading apostrophe (and so
    does one already starting with apostrophes before =, +, -, @, so that it reads back as it was)."""
    return "'" + text if starts_like_formula(text) else text


def restore(text: str) -> str:
    """Import: the text as it was before `neutralise` (the apostrophe it put taken off)."""
    return text[1:] if text.startswith("'") and starts_like_formula(text) else text
