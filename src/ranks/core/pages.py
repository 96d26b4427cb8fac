"""Pages of a long list: the page asked for by ?page=, kept within the pages there are.

Django's `Paginator.get_page` sends page 0 (or -3) to the last page; a person who typed it, or
followed an old link after the list shrank, expects the nearest page: the first for anything
below 1 or not a number, the last for anything past it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def page_number(raw: str | None) -> int:
    """?page= as a number, 1 when missing or not a whole number."""
    try:
        return max(1, int(raw or ""))
    except ValueError:
        return 1


def page_of(items: Sequence[Any], raw: str | None, per_page: int = PAGE_SIZE) -> Page:
    """The page `raw` (the text of ?page=) of `items`, `per_page` a page, within its bounds.
    `items` may be a queryset or anything with len() and slices: only the page is read."""
    paginator = Paginator(items, per_page)
    return paginator.page(min(page_number(raw), paginator.num_pages))
