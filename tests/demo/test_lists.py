"""On the demo province, every list that can grow comes a page at a time with its total: the
dashboard's units below (filtered to those behind or at risk, most behind first), the units
below on a unit page, the tree's units below one unit, the cells, what is due. A page number
out of bounds gives the nearest page; each page costs the same queries whichever is shown."""

import re

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

GAP = re.compile(
    r'data-test="child-([\w-]+)" data-name="[^"]*" data-percent="[^"]*" data-gap="([^"]*)"'
)


def signed_in(client, username="tinh"):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    return client


def rows(text: str) -> list[tuple[str, float | None]]:
    return [(code, float(gap) if gap else None) for code, gap in GAP.findall(text)]


def statuses(text: str) -> list[str]:
    return re.findall(r'<tr class="status-(\w+)" data-test="child-', text)


def count_in(text: str, name: str) -> int:
    found = re.search(rf'data-test="{name}"[^>]*>[^<(]*\((\d+)\)', text)
    assert found, name
    return int(found.group(1))


def pages_of(client, url: str, pattern: str, param: str = "page") -> list[list[str]]:
    """Every page of a list, following the pages' numbers from 1 until the last."""
    pages, number = [], 1
    while True:
        text = client.get(f"{url}{'&' if '?' in url else '?'}{param}={number}").content.decode()
        pages.append(re.findall(pattern, text))
        if f"{param}={number + 1}" not in text:
            return pages
        number += 1


def test_the_dashboards_units_below_most_behind_first_a_page_at_a_time(
    client, province, django_assert_max_num_queries
):
    signed_in(client)
    url = "/units/HP/dashboard/"
    first = client.get(url).content.decode()
    total = count_in(first, "show-all")
    assert total > 40  # the new province's communes and blocs
    pages = []
    for n in range(1, 5):
        with django_assert_max_num_queries(43):
            pages.append(rows(client.get(f"{url}?page={n}").content.decode()))
    shown = [r for page in pages for r in page]
    assert [len(p) for p in pages[:2]] == [20, 20]
    assert len(shown) == len({code for code, _gap in shown}) == total
    # Sorted by gap, the most behind first; units without a target last.
    gaps = [gap for _code, gap in shown]
    with_target = [g for g in gaps if g is not None]
    assert with_target == sorted(with_target)
    assert gaps[: len(with_target)] == with_target
    # Out of bounds: the nearest page.
    last = (total + 19) // 20
    assert rows(client.get(f"{url}?page=0").content.decode()) == pages[0]
    assert rows(client.get(f"{url}?page=x").content.decode()) == pages[0]
    assert rows(client.get(f"{url}?page={last + 5}").content.decode()) == pages[last - 1]
    assert "Trang 1/" in first and f"{total}" in first


def test_the_units_below_filter_to_behind_and_at_risk(client, province):
    signed_in(client)
    url = "/units/HP/dashboard/"
    text = client.get(url).content.decode()
    behind, at_risk, lagging = (
        count_in(text, f"show-{s}") for s in ("behind", "at_risk", "lagging")
    )
    assert behind + at_risk == lagging
    for key, expected, allowed in (
        ("behind", behind, {"behind"}),
        ("at_risk", at_risk, {"at_risk"}),
        ("lagging", lagging, {"behind", "at_risk"}),
    ):
        found = []
        for n in range(1, 6):
            page = client.get(f"{url}?status={key}&page={n}").content.decode()
            found += statuses(page)
            if 'rel="next"' not in page:
                break
        assert len(found) == expected and set(found) <= allowed, key
        if expected == 0:
            assert "Không có tổ chức trực thuộc nào ở trạng thái này." in page
    # The filter and the order are kept by the sort links and the pages.
    page = client.get(f"{url}?status=lagging&sort=percent").content.decode()
    link = re.search(r'href="([^"]*)" data-sort="gap"', page).group(1)
    assert "status=lagging" in link and "sort=gap" in link
    if lagging > 20:
        assert "status=lagging" in re.search(r'href="([^"]*)" rel="next"', page).group(1)
    # An unknown filter shows every unit.
    assert count_in(client.get(f"{url}?status=nonsense").content.decode(), "show-all") == (
        count_in(text, "show-all")
    )


def test_the_unit_page_and_the_tree_show_the_units_below_in_parts(client, province):
    signed_in(client)
    pattern = r'<tr><td><a href="/units/([\w-]+)/\?on='
    pages = pages_of(client, "/units/HP/", pattern, param="below")
    text = client.get("/units/HP/").content.decode()
    total = count_in(text, "below-total")
    assert len(pages) == (total + 49) // 50 > 1 and len(pages[0]) == 50
    assert sum(len(p) for p in pages) == len({c for p in pages for c in p}) == total
    assert re.findall(pattern, client.get("/units/HP/?below=0").content.decode()) == pages[0]
    # The tree shows a unit's first 25 units below, folded, and a link to the rest.
    tree = client.get("/tree/?depth=2").content.decode()
    assert len(re.findall(r'data-test="node-', tree)) == 1 + 25
    assert f"Còn {total - 25} tổ chức trực thuộc: xem tất cả" in tree
    assert "<details" in tree and "<summary>" in tree
    node = r'data-test="node-([\w-]+)"'
    parts = pages_of(client, "/tree/?unit=HP", node)
    assert sum(len(p) for p in parts) == total and len(parts) == (total + 49) // 50
    assert pages_of(client, "/tree/?unit=HP&page=-1", node)[0] == parts[0]
    assert client.get("/tree/?unit=NO-SUCH").status_code == 404


def test_the_cells_and_the_due_list_come_a_page_at_a_time(client, province):
    signed_in(client)
    cells = client.get("/units/HP/cells/").content.decode()
    total = int(re.search(r"(\d+) chi bộ", cells).group(1))
    codes = re.findall(r'<tr data-test="cell-([\w-]+)"', cells)
    assert len(codes) == 25 < total
    assert f"1–25 trong số {total}" in cells
    last = (total + 24) // 25
    past = client.get(f"/units/HP/cells/?page={last + 3}").content.decode()
    assert f"Trang {last}/{last}" in past
    assert (
        re.findall(
            r'<tr data-test="cell-([\w-]+)"', client.get("/units/HP/cells/?page=0").content.decode()
        )
        == codes
    )

    due = client.get("/units/HP/due/").content.decode()
    count = int(re.search(r'data-test="due-total">(\d+)', due).group(1))
    items = re.findall(r'<tr class="(?:overdue|due-soon)" data-test="(due-[^"]+)"', due)
    assert len(items) == min(count, 25)
    if count > 25:
        assert "Trang 1/" in due
        second = client.get("/units/HP/due/?page=2").content.decode()
        assert not set(items) & set(re.findall(r'data-test="(due-[^"]+)"', second))
    again = client.get("/units/HP/due/?page=abc").content.decode()
    assert re.findall(r'data-test="(due-[^"]+)"', again) == re.findall(
        r'data-test="(due-[^"]+)"', due
    )


def test_the_tree_and_the_unit_page_cost_the_same_queries_whatever_is_below(
    client, province, django_assert_max_num_queries
):
    signed_in(client)
    # One query a level shown and one for the counts below it, whatever the units below.
    for depth in (1, 2, 3, 4):
        with django_assert_max_num_queries(6 + depth):
            assert client.get(f"/tree/?depth={depth}").status_code == 200
    with django_assert_max_num_queries(10):
        client.get("/tree/?unit=HP&page=2")
    # The unit page: the same queries for the first and the last page of its units below.
    for below in ("1", "2", "99"):
        with django_assert_max_num_queries(20):
            assert client.get(f"/units/HP/?below={below}").status_code == 200


def test_the_blank_places_come_a_page_at_a_time(client, province):
    signed_in(client)
    url = "/units/HP/coverage/?blank=any"
    pattern = r'<tr data-test="blank-([\w-]+)"'
    first = client.get(url).content.decode()
    total = int(re.search(r'data-test="blanks-count">\((\d+)\)', first).group(1))
    last = (total + 49) // 50
    assert last > 1, "the demo has more than one page of blank places"
    pages = pages_of(client, url, pattern)
    assert len(pages) == last and sum(len(p) for p in pages) == total
    assert re.findall(pattern, client.get(f"{url}&page=0").content.decode()) == pages[0]
    assert re.findall(pattern, client.get(f"{url}&page=x").content.decode()) == pages[0]
    assert re.findall(pattern, client.get(f"{url}&page={last + 9}").content.decode()) == pages[-1]
