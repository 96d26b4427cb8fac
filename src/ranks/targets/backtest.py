"""Reads for the forecast's backtest: for past years, the forecast made on a day (30 June) from the
records up to it, against what each unit had admitted by 31 December (`ranks forecast backtest`,
benchmarks/forecast_backtest.py, docs/progress.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ranks.access.scope import Scope
from ranks.core.errors import DomainError
from ranks.org.models import Unit
from ranks.targets.forecast import Checked, LevelScore, backtest_scores
from ranks.targets.progress import progress


@dataclass(frozen=True)
class YearChecked:
    year: int
    on: dt.date
    units: tuple[tuple[str, Checked], ...]  # (code, checked) for the units in force both days
    skipped: int  # units in force on the day but not on 31 December (a reform between)


@dataclass(frozen=True)
class Backtest:
    code: str
    years: tuple[YearChecked, ...]
    scores: tuple[LevelScore, ...]


def forecast_backtest(
    *, scope: Scope, unit: Unit, years: list[int], month: int = 6, day: int = 30
) -> Backtest:
    """For each year: the forecast for the unit and every unit below it on `day` of `month`, and
    their figures on 31 December. Each is read from the counters as `progress` reads them (the
    history, the year so far, the pipeline), whatever was recorded later; a unit counts where
    it stands in the tree of both days."""
    checked_years = []
    for year in years:
        try:
            on = dt.date(year, month, day)
        except ValueError as error:
            raise DomainError(str(error), field="on") from error
        made = progress(scope=scope, unit=unit, on=on, pipeline=True, smooth_all=True)
        ended = {r.code: r for r in progress(scope=scope, unit=unit, on=dt.date(year, 12, 31)).rows}
        found = []
        skipped = 0
        for row in made.rows:
            end = ended.get(row.code)
            if end is None or row.forecast is None:
                skipped += 1
                continue
            found.append(
                (
                    row.code,
                    Checked(
                        level=row.kind,
                        actual=end.actual,
                        point=row.forecast,
                        low=row.forecast_low if row.forecast_low is not None else row.forecast,
                        high=row.forecast_high if row.forecast_high is not None else row.forecast,
                        pipeline=row.forecast_pipeline,
                    ),
                )
            )
        checked_years.append(YearChecked(year, on, tuple(found), skipped))
    every = [c for y in checked_years for _code, c in y.units]
    return Backtest(unit.code, tuple(checked_years), tuple(backtest_scores(every)))
