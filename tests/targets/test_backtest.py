"""The forecast's backtest (`ranks forecast backtest`): its coverage and error per level equal a
count made here from the same admissions, and bad input is refused in the user's language."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from ranks.access.scope import Scope
from ranks.org.models import Unit
from ranks.targets.progress import progress
from tests.targets.test_progress import admit_many, spread

D = dt.date
FULL = Scope(full=True)
# The cells' admissions by month, year after year; the rush and the flat cell differ each year.
MONTHS = {
    "C2-A": {
        2019: [1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 2, 12],
        2020: [0, 1, 1, 0, 1, 1, 0, 1, 2, 1, 3, 10],
        2021: [1, 1, 0, 1, 1, 0, 1, 2, 1, 1, 2, 14],
        2022: [1, 0, 1, 1, 0, 1, 1, 0, 2, 1, 1, 9],
        2023: [0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 16],
    },
    "C1-A": {y: [1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 2] for y in range(2019, 2024)},
    "C1-B": {2022: [0] * 11 + [2], 2023: [1] + [0] * 11},
}
# The units above each cell, in the world's tree before the 2025 reform.
ABOVE = {"C2-A": ("C2", "D2", "P"), "C1-A": ("C1", "D1", "P"), "C1-B": ("C1", "D1", "P")}


@pytest.fixture
def history(world):
    for cell, years in MONTHS.items():
        for year, months in years.items():
            admit_many(cell, spread(year, months), prefix=f"{cell}-{year}")


def actual_by_year_end(year: int) -> dict[str, int]:
    """Each unit's admissions of the year, counted from MONTHS."""
    found: dict[str, int] = {}
    for cell, years in MONTHS.items():
        n = sum(years.get(year, []))
        for code in (cell, *ABOVE[cell]):
            found[code] = found.get(code, 0) + n
    return found


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("forecast", *args, stdout=out)
    return out.getvalue()


def test_the_coverage_is_how_often_the_year_end_fell_inside_the_range(history):
    data = json.loads(run("backtest", "--unit", "P", "--years", "2022-2023", "--format", "json"))
    inside = total = 0
    errors: list[float] = []
    by_level: dict[str, list[bool]] = {}
    for year in (2022, 2023):
        made = progress(scope=FULL, unit=Unit.objects.get(code="P"), on=D(year, 6, 30))
        actual = actual_by_year_end(year)
        for row in made.rows:
            hit = row.forecast_low <= actual.get(row.code, 0) <= row.forecast_high
            inside += hit
            total += 1
            errors.append(abs(row.forecast - actual.get(row.code, 0)))
            by_level.setdefault(row.kind, []).append(hit)
    scores = {s["level"]: s for s in data["scores"]}
    assert (scores["all"]["units"], scores["all"]["inside"]) == (total, inside)
    assert scores["all"]["coverage"] == round(inside * 100 / total, 1)
    assert scores["all"]["mean_absolute_error"] == round(sum(errors) / len(errors), 2)
    for level, hits in by_level.items():
        assert (scores[level]["units"], scores[level]["inside"]) == (len(hits), sum(hits))
    # Each unit's year end is the count of its cells' admissions.
    units = {(y["year"], u["code"]): u for y in data["years"] for u in y["units"]}
    assert units[(2023, "C2")]["actual"] == sum(MONTHS["C2-A"][2023])
    assert units[(2022, "P")]["actual"] == actual_by_year_end(2022)["P"]
    # The text form prints the same table.
    text = run("backtest", "--unit", "P", "--years", "2022-2023", "--lang", "en")
    assert f"all\t{total}\t{inside}\t{scores['all']['coverage']}" in text


def test_bad_years_and_units_are_refused_in_vietnamese(history):
    with pytest.raises(CommandError, match="--years"):
        run("backtest", "--unit", "P", "--years", "hai năm")
    with pytest.raises(CommandError, match="Không có mã tổ chức|XX"):
        run("backtest", "--unit", "XX", "--years", "2023")


def test_a_user_backtests_only_units_in_their_scope(history):
    # Bob is an officer of C2: the province is outside, like a unit that does not exist.
    with pytest.raises(CommandError, match="Unknown unit code: P"):
        run("backtest", "--unit", "P", "--years", "2023", "--as", "bob", "--lang", "en")
    data = json.loads(
        run("backtest", "--unit", "C2", "--years", "2023", "--as", "bob", "--format", "json")
    )
    assert {u["code"] for u in data["years"][0]["units"]} == {"C2", "C2-A"}
