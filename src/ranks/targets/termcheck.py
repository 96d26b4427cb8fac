"""Pure: the years a congress term covers and its yearly targets checked against its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass


def term_years(starts_on: dt.date, ends_on: dt.date) -> tuple[int, ...]:
    """The years whose middle (1 July) falls within the term: a term from its congress in
    October 2020 to September 2025 is the years 2021–2025, and a term of whole years is them
    all. Consecutive terms share no year."""
    return tuple(
        year
        for year in range(starts_on.year, ends_on.year + 1)
        if starts_on <= dt.date(year, 7, 1) <= ends_on
    )


@dataclass(frozen=True)
class YearlyCheck:
    """The yearly targets of a term's years against the term's target."""

    years: tuple[int, ...]
    total: int  # the yearly targets set, added up
    missing: tuple[int, ...]  # years of the term with no yearly target
    short: int  # how far their sum falls below the term's target (0 when it reaches it)

    @property
    def falls_short(self) -> bool:
        return self.short > 0


def yearly_check(term_value: int, years: tuple[int, ...], yearly: Mapping[int, int]) -> YearlyCheck:
    total = sum(yearly.get(year, 0) for year in years)
    missing = tuple(year for year in years if year not in yearly)
    return YearlyCheck(years, total, missing, max(0, term_value - total))
