"""Pure: where a commune's committee sits on the map, and the map's geometry. No Django import.

Units are matched to Vietnam's communes by name, as `ranks.demo` names them: "Đảng bộ xã Thanh
Miện" is the commune "Xã Thanh Miện" of the unit's province, the root "Đảng bộ tỉnh Hải Dương"
naming the province "Hải Dương". The gazetteer is read from `vietnamadminunits`: the 10,040
communes before 1 July 2025 and the 3,321 after, each with its latitude and longitude. The map
is an equirectangular projection into an SVG viewBox: longitudes shrink by the cosine of the
middle latitude, so that a commune's neighbours keep their bearings.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from ranks.people.names import fold

# What a party unit's name puts before the administrative unit's title, longest first.
PARTY_PREFIXES = ("đang bo co so ", "chi bo co so ", "đang bo ", "chi bo ")
PROVINCE_TYPES = ("tinh ", "thanh pho ")
# The colour of a commune by its share of blank places, lightest (none) to darkest (all).
BANDS = (
    (0.0, "#2e7d32"),
    (25.0, "#9bbf3b"),
    (50.0, "#e0b000"),
    (75.0, "#e06d00"),
    (100.0, "#a4161a"),
)
WIDTH, PAD = 480, 22
MIN_HEIGHT, MAX_HEIGHT = 220, 560
MIN_R, MAX_R = 8.0, 16.0  # the smallest still holds its number


def _strip_words(name: str, prefixes: Sequence[str]) -> str | None:
    """`name` after the first of `prefixes` (compared word by word, without case or
    diacritics), or None when none begins it or nothing follows."""
    words = name.split()
    folded = [fold(w) for w in words]
    for prefix in prefixes:
        bare = fold(prefix).split()
        if folded[: len(bare)] == bare and len(words) > len(bare):
            return " ".join(words[len(bare) :])
    return None


def commune_title(unit_name: str) -> str | None:
    """ "Đảng bộ xã Thanh Miện" → "Xã Thanh Miện"; "Đảng bộ phường Hải Dương" → "Phường Hải
    Dương"; None for a name that names no administrative unit."""
    rest = _strip_words(unit_name, PARTY_PREFIXES)
    if not rest:
        return None
    return rest[0].upper() + rest[1:]


def province_title(root_name: str) -> str | None:
    """ "Đảng bộ tỉnh Hải Dương" → "Hải Dương"; "Đảng bộ thành phố Hải Phòng" → "Hải Phòng"."""
    rest = _strip_words(root_name, PARTY_PREFIXES)
    if not rest:
        return None
    return _strip_words(rest, PROVINCE_TYPES) or rest


@dataclass(frozen=True)
class Commune:
    province: str  # short name: "Hải Dương"
    district: str  # "Huyện Thanh Miện"; "" after the reform, which has no districts
    name: str  # "Xã Thanh Miện"
    lat: float
    lon: float


class Gazetteer:
    """Communes looked up by province and name (and district, when a name repeats)."""

    def __init__(self, communes: Iterable[Commune]):
        self.index: dict[tuple[str, str], list[Commune]] = defaultdict(list)
        for c in communes:
            self.index[(_key(c.province), _key(c.name))].append(c)

    def locate(
        self, name: str, province: str, district: str | None = None
    ) -> tuple[float, float] | None:
        found = self.index.get((_key(province), _key(name)), [])
        if len(found) > 1 and district:
            found = [c for c in found if _key(c.district) == _key(district)]
        if len(found) != 1:
            return None
        return found[0].lat, found[0].lon


def _key(text: str) -> str:
    return fold(text).replace("-", " ")


@cache
def gazetteer(before_reform: bool) -> Gazetteer:
    """The communes before 1 July 2025 (with their districts) or after, from the package."""
    from vietnamadminunits.database import query

    if before_reform:
        rows = query(
            "SELECT provinceShort, district, ward, wardLat, wardLon FROM admin_units_legacy "
            "WHERE wardLat IS NOT NULL AND wardLon IS NOT NULL"
        )
        return Gazetteer(
            Commune(r["provinceShort"], r["district"], r["ward"], r["wardLat"], r["wardLon"])
            for r in rows
        )
    rows = query(
        "SELECT provinceShort, ward, wardLat, wardLon FROM admin_units "
        "WHERE wardLat IS NOT NULL AND wardLon IS NOT NULL"
    )
    return Gazetteer(
        Commune(r["provinceShort"], "", r["ward"], r["wardLat"], r["wardLon"]) for r in rows
    )


@dataclass(frozen=True)
class MapUnit:
    """A unit that owns places, as the map needs it."""

    code: str
    name: str
    province: str | None  # the root province's name on the day, as the tree has it
    district: str | None = None  # the district committee's name above it, if any
    lat: float | None = None  # recorded on the unit, if it was
    lon: float | None = None


def place_units(
    units: Iterable[MapUnit], gazetteers: Sequence[Gazetteer]
) -> tuple[dict[str, tuple[float, float]], list[MapUnit]]:
    """The coordinates of each unit: recorded ones first, else by name in the first gazetteer
    that knows it; and the units that could not be placed."""
    placed: dict[str, tuple[float, float]] = {}
    missing: list[MapUnit] = []
    for unit in units:
        if unit.lat is not None and unit.lon is not None:
            placed[unit.code] = (unit.lat, unit.lon)
            continue
        title = commune_title(unit.name)
        province = province_title(unit.province) if unit.province else None
        district = commune_title(unit.district) if unit.district else None
        spot = None
        if title and province:
            for g in gazetteers:
                spot = g.locate(title, province, district)
                if spot:
                    break
        if spot:
            placed[unit.code] = spot
        else:
            missing.append(unit)
    return placed, missing


@dataclass(frozen=True)
class Circle:
    code: str
    x: float
    y: float
    r: float
    fill: str
    share: float  # percent of the unit's places that are blank


@dataclass(frozen=True)
class MapLayout:
    width: int
    height: int
    circles: tuple[Circle, ...]


def project(
    points: dict[str, tuple[float, float]], width: int = WIDTH, pad: int = PAD
) -> tuple[int, dict[str, tuple[float, float]]]:
    """The viewBox height, and (x, y) of each (lat, lon): north up, the spread fitted inside
    `width` and a height between MIN_HEIGHT and MAX_HEIGHT, centred; one point in the middle."""
    if not points:
        return MIN_HEIGHT, {}
    lats = [lat for lat, _lon in points.values()]
    lons = [lon for _lat, lon in points.values()]
    shrink = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - min(lons)) * shrink
    span_y = max(lats) - min(lats)
    inner_w = width - 2 * pad
    if span_x <= 0 and span_y <= 0:
        height = MIN_HEIGHT
        return height, {k: (width / 2, height / 2) for k in points}
    wanted = inner_w * span_y / span_x + 2 * pad if span_x > 0 else MAX_HEIGHT
    height = int(round(min(MAX_HEIGHT, max(MIN_HEIGHT, wanted))))
    inner_h = height - 2 * pad
    scale = min(
        inner_w / span_x if span_x > 0 else math.inf, inner_h / span_y if span_y > 0 else math.inf
    )
    off_x = pad + (inner_w - span_x * scale) / 2
    off_y = pad + (inner_h - span_y * scale) / 2
    top, west = max(lats), min(lons)
    return height, {
        k: (
            round(off_x + (lon - west) * shrink * scale, 1),
            round(off_y + (top - lat) * scale, 1),
        )
        for k, (lat, lon) in points.items()
    }


def band_colour(share: float) -> str:
    """The colour of the first band whose upper bound is at least `share` (percent)."""
    for bound, colour in BANDS:
        if share <= bound:
            return colour
    return BANDS[-1][1]


def map_layout(
    points: dict[str, tuple[float, float]],
    totals: dict[str, int],
    blanks: dict[str, int],
    width: int = WIDTH,
) -> MapLayout:
    """A circle per placed unit: its area grows with its places, its colour with the share of
    them that are blank. Bigger circles first, so that small ones stay on top."""
    height, xy = project(points, width)
    most = max((totals.get(k, 0) for k in xy), default=0) or 1
    circles = []
    for code, (x, y) in xy.items():
        total = totals.get(code, 0)
        share = round(100 * blanks.get(code, 0) / total, 1) if total else 0.0
        r = MIN_R + (MAX_R - MIN_R) * math.sqrt(total / most)
        circles.append(Circle(code, x, y, round(r, 1), band_colour(share), share))
    circles.sort(key=lambda c: (-c.r, c.code))
    return MapLayout(width, height, tuple(circles))


# --- the list beside the map: every commune, numbered as on the map, the blank ones first -------

# A commune's state by its places: every one of them blank (no party member, or no cell), some
# of them, or none. "all" stands out on the map (a dark ring) and heads the list.
ALL_BLANK, SOME_BLANK, NONE_BLANK = "all", "some", "none"
STATUSES = (ALL_BLANK, SOME_BLANK, NONE_BLANK)
# How the list is ordered: the blank communes first (then by name), or by name alone.
BY_STATUS, BY_NAME = "status", "name"
LIST_ORDERS = (BY_STATUS, BY_NAME)
# A tap on a circle must find it on a phone: the target is at least this radius, in SVG units
# (a 480-wide map drawn 330 px wide keeps it above 11 px).
TAP_R = 16.0


def blank_status(total: int, blank: int) -> str:
    """ALL_BLANK when every place is blank, SOME_BLANK when some are, NONE_BLANK otherwise (and
    for a commune without places)."""
    if total and blank >= total:
        return ALL_BLANK
    return SOME_BLANK if blank else NONE_BLANK


@dataclass(frozen=True)
class Listed:
    """A commune in the list beside the map; `number` is its label on the map (None: it could
    not be placed)."""

    code: str
    name: str
    number: int | None
    status: str
    total: int
    blank: int
    without_members: int
    without_cell: int
    share: float  # percent of its places that are blank
    fill: str  # its circle's colour


@dataclass(frozen=True)
class Marker:
    """A circle as the page draws it: the circle, its commune's row in the list (its number, the
    label on the map; its name, state and figures) and the radius a tap finds."""

    circle: Circle
    row: Listed
    tap_r: float


@dataclass(frozen=True)
class CommuneList:
    markers: tuple[Marker, ...]  # in drawing order (bigger circles first)
    rows: tuple[Listed, ...]  # in the list's order
    order: str


def commune_list(
    layout: MapLayout,
    names: dict[str, str],
    counts: dict[str, tuple[int, int, int]],
    blanks: dict[str, int],
    name_order: dict[str, int],
    order: str = BY_STATUS,
) -> CommuneList:
    """The communes owning places, each once: `names` by code, `counts` (places, without
    members, without a cell) and `blanks` (without either) by code, `name_order` their rank in
    Vietnamese order (from the database's collation). The communes on the map are numbered in
    the order of their names, so a number keeps its commune whichever way the list is sorted;
    the list is ordered by name, or blank first: every place blank, then the highest share of
    blank places, then by name."""
    if order not in LIST_ORDERS:
        order = BY_STATUS
    last = len(name_order)

    def by_name(code: str) -> tuple[int, str, str]:
        return (name_order.get(code, last), fold(names.get(code, code)), code)

    placed = {c.code: c for c in layout.circles}
    numbers = {code: n for n, code in enumerate(sorted(placed, key=by_name), start=1)}
    rows = []
    for code in counts:
        total, without_members, without_cell = counts[code]
        blank = blanks.get(code, 0)
        share = round(100 * blank / total, 1) if total else 0.0
        rows.append(
            Listed(
                code=code,
                name=names.get(code, code),
                number=numbers.get(code),
                status=blank_status(total, blank),
                total=total,
                blank=blank,
                without_members=without_members,
                without_cell=without_cell,
                share=share,
                fill=placed[code].fill if code in placed else band_colour(share),
            )
        )
    if order == BY_STATUS:
        rows.sort(key=lambda r: (STATUSES.index(r.status), -r.share, -r.blank, by_name(r.code)))
    else:
        rows.sort(key=lambda r: by_name(r.code))
    listed = {r.code: r for r in rows}
    markers = tuple(
        Marker(circle=c, row=listed[c.code], tap_r=max(c.r, TAP_R))
        for c in layout.circles
        if c.code in listed
    )
    return CommuneList(markers=markers, rows=tuple(rows), order=order)
