"""The map: units matched to communes by name as the demo names them, and the projection."""

import math
from pathlib import Path

import pytest

import ranks.coverage
from ranks.coverage.map import (
    ALL_BLANK,
    BANDS,
    BY_NAME,
    MAX_HEIGHT,
    MIN_HEIGHT,
    NONE_BLANK,
    PAD,
    SOME_BLANK,
    TAP_R,
    WIDTH,
    Commune,
    Gazetteer,
    MapUnit,
    band_colour,
    blank_status,
    commune_list,
    commune_title,
    gazetteer,
    map_layout,
    place_units,
    project,
    province_title,
)

# No database: run once, on the SQLite pass, as the tests under tests/pure/ are.
pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    "name, title",
    [
        ("Đảng bộ xã Thanh Miện", "Xã Thanh Miện"),
        ("Đảng bộ phường Hải Dương", "Phường Hải Dương"),
        ("Đảng bộ thị trấn Thanh Miện", "Thị trấn Thanh Miện"),
        ("Đảng bộ cơ sở huyện Bạch Long Vĩ", "Huyện Bạch Long Vĩ"),
        ("Đảng bộ đặc khu Phú Quốc", "Đặc khu Phú Quốc"),
        ("ĐẢNG BỘ  xã   Phạm Kha", "Xã Phạm Kha"),
        ("dang bo xa Pham Kha", "Xa Pham Kha"),
        ("Đảng bộ", None),
        ("Chi bộ thôn Đông", "Thôn Đông"),
        ("Ban Chỉ huy Quân sự", None),
    ],
)
def test_a_units_name_gives_its_communes_title(name, title):
    assert commune_title(name) == title


@pytest.mark.parametrize(
    "root, province",
    [
        ("Đảng bộ tỉnh Hải Dương", "Hải Dương"),
        ("Đảng bộ thành phố Hải Phòng", "Hải Phòng"),
        ("Đảng bộ Thành phố Hồ Chí Minh", "Hồ Chí Minh"),
        ("Đảng bộ tỉnh Thừa Thiên Huế", "Thừa Thiên Huế"),
        ("Tỉnh ủy Sơn La", None),
    ],
)
def test_the_roots_name_gives_the_province(root, province):
    assert province_title(root) == province


SMALL = Gazetteer(
    [
        Commune("Hải Dương", "Huyện Thanh Miện", "Xã Phạm Kha", 20.83, 106.24),
        Commune("Hải Dương", "Huyện Thanh Miện", "Xã Tân Hòa", 20.80, 106.20),
        Commune("Hải Dương", "Huyện Ninh Giang", "Xã Tân Hòa", 20.70, 106.30),
        Commune("Hải Phòng", "", "Xã Thanh Miện", 20.77, 106.24),
    ]
)


@pytest.mark.parametrize(
    "unit, spot",
    [
        (MapUnit("A", "Đảng bộ xã Phạm Kha", "Đảng bộ tỉnh Hải Dương"), (20.83, 106.24)),
        (MapUnit("A", "Đảng bộ xã Pham Kha", "Đảng bộ tỉnh Hai Duong"), (20.83, 106.24)),
        # The same name in two districts: the district committee above decides.
        (MapUnit("A", "Đảng bộ xã Tân Hòa", "Đảng bộ tỉnh Hải Dương"), None),
        (
            MapUnit(
                "A", "Đảng bộ xã Tân Hòa", "Đảng bộ tỉnh Hải Dương", "Đảng bộ huyện Ninh Giang"
            ),
            (20.70, 106.30),
        ),
        (MapUnit("A", "Đảng bộ xã Thanh Miện", "Đảng bộ thành phố Hải Phòng"), (20.77, 106.24)),
        # The right commune in the wrong province is no match.
        (MapUnit("A", "Đảng bộ xã Thanh Miện", "Đảng bộ tỉnh Hải Dương"), None),
        (MapUnit("A", "Đảng bộ xã Một", "Đảng bộ tỉnh Thử"), None),
        (MapUnit("A", "Đảng bộ xã Một", None), None),
        # Recorded coordinates win.
        (MapUnit("A", "Đảng bộ xã Một", None, lat=21.0, lon=105.0), (21.0, 105.0)),
    ],
)
def test_units_are_placed_by_name_in_their_province(unit, spot):
    placed, missing = place_units([unit], [SMALL])
    assert placed.get("A") == spot
    assert missing == ([] if spot else [unit])


def test_the_packages_communes_before_and_after_the_reform():
    old, new = gazetteer(True), gazetteer(False)
    assert old.locate("Xã Phạm Kha", "Hải Dương") == pytest.approx((20.83, 106.24), abs=0.01)
    assert new.locate("Phường Hải Dương", "Hải Phòng") == pytest.approx((20.94, 106.34), abs=0.01)
    # The second gazetteer is tried when the first has no such commune.
    unit = MapUnit("N", "Đảng bộ phường Hải Dương", "Đảng bộ thành phố Hải Phòng")
    placed, missing = place_units([unit], [old, new])
    assert "N" in placed and not missing


def test_the_projection_keeps_north_up_and_fits_the_box():
    points = {"north": (21.0, 105.0), "south": (20.0, 105.0), "east": (20.5, 106.0)}
    height, xy = project(points)
    assert MIN_HEIGHT <= height <= MAX_HEIGHT
    assert xy["north"][1] < xy["south"][1]
    assert xy["east"][0] > xy["north"][0]
    for x, y in xy.values():
        assert PAD - 0.1 <= x <= WIDTH - PAD + 0.1 and PAD - 0.1 <= y <= height - PAD + 0.1
    # Equirectangular: a degree of longitude is cos(latitude) of a degree of latitude.
    dx = xy["east"][0] - xy["north"][0]
    dy = xy["south"][1] - xy["north"][1]
    assert dx / dy == pytest.approx(math.cos(math.radians(20.5)), rel=0.01)


@pytest.mark.parametrize(
    "points, height",
    [
        ({}, MIN_HEIGHT),
        ({"one": (21.0, 105.0)}, MIN_HEIGHT),
        ({"a": (21.0, 105.0), "b": (21.0, 106.0)}, MIN_HEIGHT),  # a line west to east
        ({"a": (21.0, 105.0), "b": (23.0, 105.0)}, MAX_HEIGHT),  # a line north to south
    ],
)
def test_degenerate_spreads_stay_inside(points, height):
    h, xy = project(points)
    assert h == height
    for x, y in xy.values():
        assert 0 <= x <= WIDTH and 0 <= y <= h
    if len(points) == 1:
        assert xy["one"] == (WIDTH / 2, MIN_HEIGHT / 2)


@pytest.mark.parametrize(
    "share, colour",
    [(0, BANDS[0][1]), (0.1, BANDS[1][1]), (25, BANDS[1][1]), (50, BANDS[2][1]),
     (60, BANDS[3][1]), (100, BANDS[4][1])],
)  # fmt: skip
def test_colour_bands(share, colour):
    assert band_colour(share) == colour


def test_every_band_colour_has_its_class_in_the_stylesheet():
    """The pages colour a commune's number and the legend by a class named after the band's
    colour (no style attribute: the Content-Security-Policy forbids them)."""
    css = (Path(ranks.coverage.__file__).parent / "static/ranks/coverage-map.css").read_text()
    for _bound, colour in BANDS:
        assert f".fill-{colour[1:]} {{ background: {colour}; }}" in css


def test_circles_grow_with_places_and_colour_with_blank_share():
    layout = map_layout(
        {"big": (21.0, 105.0), "small": (20.0, 106.0)}, {"big": 40, "small": 4}, {"small": 4}
    )
    big, small = layout.circles  # the bigger drawn first
    assert (big.code, small.code) == ("big", "small")
    assert big.r > small.r
    assert (big.share, small.share) == (0.0, 100.0)
    assert (big.fill, small.fill) == (BANDS[0][1], BANDS[-1][1])


# --- the list beside the map ------------------------------------------------------------------


def test_a_communes_state_by_its_blank_places():
    assert blank_status(3, 3) == ALL_BLANK
    assert blank_status(3, 1) == SOME_BLANK
    assert blank_status(3, 0) == NONE_BLANK
    assert blank_status(0, 0) == NONE_BLANK


def test_the_list_numbers_the_map_by_name_and_puts_blank_communes_first():
    points = {"A": (21.0, 106.0), "B": (21.1, 106.1), "C": (21.2, 106.2)}
    totals, blanks = {"A": 4, "B": 2, "C": 5, "D": 1}, {"B": 2, "C": 1, "D": 1}
    layout = map_layout(points, totals, blanks)
    names = {"A": "Xã Ái Quốc", "B": "Xã Bình Minh", "C": "Xã Cẩm Phúc", "D": "Xã Đại Đồng"}
    counts = {k: (totals[k], blanks.get(k, 0), 0) for k in totals}
    rank = {"A": 0, "B": 1, "C": 2, "D": 3}  # the database's Vietnamese order
    listed = commune_list(layout, names, counts, blanks, rank)
    # Every place of B and D blank (D not on the map), then C (one of five), then A (none).
    assert [r.code for r in listed.rows] == ["B", "D", "C", "A"]
    assert [r.status for r in listed.rows] == [ALL_BLANK, ALL_BLANK, SOME_BLANK, NONE_BLANK]
    assert {r.code: r.number for r in listed.rows} == {"A": 1, "B": 2, "C": 3, "D": None}
    assert listed.rows[2].share == 20.0 and listed.rows[2].blank == 1
    # Each circle keeps its row and a target a finger finds.
    assert {m.circle.code: m.row.number for m in listed.markers} == {"A": 1, "B": 2, "C": 3}
    assert all(m.tap_r >= TAP_R and m.tap_r >= m.circle.r for m in listed.markers)
    # By name: the numbers stay.
    by_name = commune_list(layout, names, counts, blanks, rank, BY_NAME)
    assert [r.code for r in by_name.rows] == ["A", "B", "C", "D"]
    assert [r.number for r in by_name.rows] == [1, 2, 3, None]
    assert commune_list(layout, names, counts, blanks, rank, "other").order == "status"
