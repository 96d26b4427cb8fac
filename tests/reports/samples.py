"""Results made by hand for the rendering tests: Hải Dương's 2026 admissions, a district's
composition, and a ratio ranked among provinces."""

from __future__ import annotations

import calendar
import datetime as dt

from ranks.targets.results import (
    AT_RISK,
    BEHIND,
    NO_TARGET,
    ON_TRACK,
    Composition,
    CurvePoint,
    Progress,
    ProgressRow,
    Ratio,
    RatioRow,
)

ON = dt.date(2026, 11, 22)
ISSUED = dt.date(2026, 11, 22)


def _row(code, name, depth, parent, target, actual, expected, projection, status, kind, ends):
    low, high = ends
    return ProgressRow(
        code=code,
        name=name,
        kind=kind,
        depth=depth,
        parent_code=parent,
        metric="admissions",
        target=target,
        actual=actual,
        percent=round(actual * 100 / target, 1) if target else None,
        expected=expected,
        gap=round(actual - expected, 1) if expected is not None else None,
        projection=projection,
        status=status,
        pace="history",
        forecast=projection,
        forecast_low=low,
        forecast_high=high,
        forecast_basis="own",
    )


def progress() -> Progress:
    # fmt: off
    rows = (
        _row("HD", "Đảng bộ tỉnh Hải Dương", 0, None, 2200, 1834, 1870.0, 2105.3, AT_RISK, "provincial_committee", (1980.0, 2240.0)),
        _row("HD-TM", "Đảng bộ huyện Thanh Miện", 1, "HD", 150, 151, 127.5, 176.25, ON_TRACK, "district_committee", (160.0, 190.0)),
        _row("HD-TM-01", "Đảng bộ xã Đoàn Tùng", 2, "HD-TM", 12, 4, 10.2, 5.0, BEHIND, "grassroots_committee", (4.0, 8.0)),
        _row("HD-TP", "Đảng bộ thành phố Hải Dương", 1, "HD", 280, 190, 238.0, 215.9, BEHIND, "district_committee", (200.0, 240.0)),
        _row("HD-KT", "Đảng bộ huyện Kim Thành", 1, "HD", None, 120, None, 140.0, NO_TARGET, "district_committee", (130.0, 155.0)),
    )
    # fmt: on
    curve = []
    for month in range(1, 13):
        end = dt.date(2026, month, calendar.monthrange(2026, month)[1])
        points = [end] if end != ON else []
        if month == 11:
            points = [ON, end]
        for day in points:
            actual = min(day.timetuple().tm_yday * 5, 1834) if day <= ON else None
            curve.append(CurvePoint(day, actual, round(2200 * day.timetuple().tm_yday / 365, 1)))
    return Progress(
        code="HD",
        name="Đảng bộ tỉnh Hải Dương",
        metric="admissions",
        year=2026,
        on=ON,
        rows=rows,
        curve=tuple(curve),
    )


def composition(*, sensitive: bool = True) -> Composition:
    by = {
        "occupation": {"farmer": 40, "worker": 25, "civil_servant": 10, "": 5},
        "gender": {"female": 38, "male": 42},
        "age_band": {"31-40": 20, "18-30": 55, "over_60": 1, "41-50": 4},
        "education_general": {"upper_secondary": 70, "lower_secondary": 10},
        "youth_union": {"true": 60, "false": 20},
        "source_group": {"youth_union": 50, "military": 12, "other": 18},
        "place_kind": {"village": 60, "school": 12, "enterprise": 8},
    }
    if sensitive:
        by["ethnicity"] = {"Kinh": 70, "Tày": 6, "Mường": 4}
        by["religion"] = {"Không": 72, "Công giáo": 8}
    return Composition(
        code="HD-TM",
        name="Đảng bộ huyện Thanh Miện",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 10, 31),
        total=80,
        by=by,
        sensitive=sensitive,
    )


def _ratio_row(code, name, admissions, members, rank):
    ratio = round(admissions * 100 / members, 2)
    return RatioRow(code, name, admissions, members, ratio, rank, 3.0 <= ratio <= 4.0)


def ratio() -> Ratio:
    me = _ratio_row("HD", "Đảng bộ tỉnh Hải Dương", 2650, 98000, 3)
    siblings = (
        _ratio_row("HP", "Đảng bộ thành phố Hải Phòng", 3900, 110000, 1),
        _ratio_row("TB", "Đảng bộ tỉnh Thái Bình", 3500, 105000, 2),
        me,
    )
    children = (
        _ratio_row("HD-TM", "Đảng bộ huyện Thanh Miện", 170, 5100, 1),
        _ratio_row("HD-TP", "Đảng bộ thành phố Hải Dương", 300, 12000, 2),
    )
    return Ratio(
        code="HD",
        name="Đảng bộ tỉnh Hải Dương",
        year=2026,
        unit=me,
        siblings=siblings,
        children=children,
        norm=(3.0, 4.0),
        norm_document="21-NQ/TW",
        norm_clause="§II.2",
    )
