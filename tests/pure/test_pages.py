"""A long list's page by ?page=: the nearest page there is, whatever was typed."""

import pytest

from ranks.core.pages import page_of

ITEMS = list(range(1, 46))  # 45 rows, 20 a page: pages 1, 2 and 3 (5 rows)


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        (None, 1),
        ("", 1),
        ("1", 1),
        ("2", 2),
        ("3", 3),
        ("0", 1),  # Django's get_page would show the last page
        ("-4", 1),
        ("4", 3),  # past the last page: the last
        ("99999999999999999999", 3),
        ("abc", 1),
        ("2.5", 1),
        (" 2", 2),
    ],
)
def test_the_page_asked_for_stays_within_the_pages(raw, number):
    page = page_of(ITEMS, raw, 20)
    assert page.number == number
    assert page.paginator.count == 45


def test_pages_hold_every_row_once():
    rows = [row for n in ("1", "2", "3") for row in page_of(ITEMS, n, 20).object_list]
    assert rows == ITEMS
    assert list(page_of(ITEMS, "3", 20).object_list) == [41, 42, 43, 44, 45]


def test_an_empty_list_has_one_empty_page():
    page = page_of([], "7", 20)
    assert page.number == 1 and list(page.object_list) == [] and not page.has_other_pages()
