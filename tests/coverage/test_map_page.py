"""The coverage map a phone can use, in the page's HTML: each commune numbered on the map and
listed beside it with every figure (nothing only on hover), a tap on a circle or a row opens the
commune, and a commune whose every place is blank stands out and heads the list."""

import datetime as dt
import re

import pytest

from ranks.core.actor import SYSTEM
from ranks.org.services import place_version_save, unit_version_save
from tests.coverage.test_pages import signed_in

pytestmark = pytest.mark.django_db

D = dt.date
ON = "?on=2024-06-01"


@pytest.fixture
def named(world):
    """The small world with a real province and communes, so that the map can place them, and a
    third commune, Tứ Cường, whose one village has no member and no cell."""
    unit_version_save(
        actor=SYSTEM, code="P", name="Đảng bộ tỉnh Hải Dương", kind="provincial_committee",
        valid_from=D(2000, 1, 1), valid_to=D(2025, 6, 30),
    )  # fmt: skip
    for code, name, parent in (
        ("C1", "Đảng bộ xã Phạm Kha", "D1"),
        ("C2", "Đảng bộ xã Ngô Quyền", "D2"),
        ("C3", "Đảng bộ xã Tứ Cường", "D2"),
        ("C4", "Đảng bộ xã Không Có Thật", "D2"),
    ):
        unit_version_save(
            actor=SYSTEM, code=code, name=name, kind="grassroots_committee", parent_code=parent,
            valid_from=D(2000, 1, 1), valid_to=D(2025, 6, 30) if code == "C1" else None,
        )  # fmt: skip
    for code, unit in (("V9", "C3"), ("V8", "C4")):
        place_version_save(
            actor=SYSTEM, code=code, name=f"Thôn {code}", kind="village", unit_code=unit,
            valid_from=D(2000, 1, 1),
        )  # fmt: skip
    return world


def section(text: str, name: str, end: str) -> str:
    start = text.index(f'data-test="{name}"')
    return text[start : text.index(end, start)]


def listed(text: str) -> list[str]:
    return re.findall(r'data-test="map-row-(\w+)"', section(text, "map-list", "</section>"))


def test_every_commune_is_numbered_on_the_map_and_listed_beside_it(client, named):
    text = signed_in(client, "vera").get("/units/P/coverage/" + ON).content.decode()
    svg = section(text, "map-svg", "</svg>")
    # Numbered in the order of their names: Ngô Quyền, Phạm Kha, Tứ Cường; the made-up name is
    # not on the map but still in the list.
    labels = dict(re.findall(r'data-test="map-label-(\w+)"[^>]*>(\d+)</text>', svg))
    assert labels == {"C2": "1", "C1": "2", "C3": "3"}
    assert sorted(listed(text)) == ["C1", "C2", "C3", "C4"]
    rows = section(text, "map-list", "</section>")
    for code, number in labels.items():
        row = section(rows, f"map-row-{code}", "</li>")
        assert re.search(r'<span class="number fill-[0-9a-f]{6}">', row), code
        assert re.search(rf">{number}</span>", row), (code, number)
    c4 = section(rows, "map-row-C4", "</li>")
    assert "not on the map" in c4 and ">–</span>" in c4
    # What a circle's title says for a hover, its row says to a phone.
    c1 = section(rows, "map-row-C1", "</li>")
    assert "Đảng bộ xã Phạm Kha" in c1
    assert "1 of 2 places blank (50.0 %) · 1 without members · 0 without a cell" in c1


def test_a_tap_on_a_circle_or_a_row_opens_the_commune(client, named):
    text = signed_in(client, "vera").get("/units/P/coverage/" + ON).content.decode()
    svg = section(text, "map-svg", "</svg>")
    for code in ("C1", "C2", "C3"):
        link = re.search(
            rf'<a class="commune-link[^"]*" href="([^"]+)" data-test="map-link-{code}"', svg
        )
        assert link and link.group(1) == f"/units/{code}/coverage/?on=2024-06-01", code
        # The tap target is larger than a small circle.
        group = section(svg, f"map-link-{code}", "</a>")
        tap = float(re.search(r'class="tap"[^>]* r="([\d.]+)"', group).group(1))
        assert tap >= 16
    rows = section(text, "map-list", "</section>")
    for code in ("C1", "C2", "C3", "C4"):
        row = section(rows, f"map-row-{code}", "</li>")
        assert f'<a href="/units/{code}/coverage/?on=2024-06-01">' in row
    # The link leads to the commune's own coverage, its blank places listed.
    text = client.get("/units/C3/coverage/" + ON).content.decode()
    assert re.findall(r'data-test="blank-(\w+)"', text) == ["V9"]


def test_a_blank_commune_stands_out_and_heads_the_list(client, named):
    text = signed_in(client, "vera").get("/units/P/coverage/" + ON).content.decode()
    # Blank first: Tứ Cường and the made-up commune (every place blank), then Phạm Kha (half of
    # its places), then Ngô Quyền (none); ties by name.
    assert listed(text) == ["C4", "C3", "C1", "C2"]
    rows = section(text, "map-list", "</section>")
    c3 = section(rows, "map-row-C3", "</li>")
    assert re.search(r'<li class="status-all" data-test="map-row-C3" data-status="all">', rows)
    assert 'data-test="all-blank-commune"' in c3 and "every place blank" in c3
    assert "1 blank place" in section(rows, "map-row-C1", "</li>")
    assert "all-blank-commune" not in section(rows, "map-row-C2", "</li>")
    # On the map: the darkest colour, a dark ring, and its class.
    group = section(section(text, "map-svg", "</svg>"), "map-link-C3", "</a>")
    assert 'class="commune status-all"' in group and 'fill="#a4161a"' in group
    assert 'class="ring"' in group
    assert 'class="ring"' not in section(section(text, "map-svg", "</svg>"), "map-link-C1", "</a>")


def test_the_list_can_be_sorted_by_name(client, named):
    signed_in(client, "vera")
    text = client.get("/units/P/coverage/" + ON + "&map=name").content.decode()
    assert listed(text) == ["C4", "C2", "C1", "C3"]  # Không Có Thật, Ngô Quyền, Phạm Kha, Tứ Cường
    order = section(text, "map-order", "</p>")
    assert 'data-test="map-order-status"' in order and 'data-test="map-order-name"' not in order
    # The numbers on the map stay with their communes whichever the order.
    labels = dict(re.findall(r'data-test="map-label-(\w+)"[^>]*>(\d+)</text>', text))
    assert labels == {"C2": "1", "C1": "2", "C3": "3"}
    # The blank places' filter keeps the order; an unknown order falls back to blank first.
    assert 'name="map" value="name"' in text
    text = client.get("/units/P/coverage/" + ON + "&map=nonsense").content.decode()
    assert listed(text)[0] == "C4"


def test_the_map_speaks_vietnamese(client, named):
    text = signed_in(client, "vera", "vi").get("/units/P/coverage/" + ON).content.decode()
    rows = section(text, "map-list", "</section>")
    assert "Các xã, phường" in rows and "địa bàn trắng trước" in rows and "theo tên" in rows
    assert "mọi địa bàn đều trắng" in section(rows, "map-row-C3", "</li>")
    assert "1/2 địa bàn trắng (50,0 %) · 1 chưa có đảng viên · 0 chưa có chi bộ" in rows
    assert "Viền đậm: mọi địa bàn của xã, phường đều trắng." in text
