"""From results (progress, composition, ratio, coverage, cell health, the funnel, who works away)
to reports: tables, a chart, notes and the JSON data, every text in the active language."""

from ranks.reports.builders.away import away_data, away_report
from ranks.reports.builders.coverage import (
    cells_data,
    cells_report,
    coverage_data,
    coverage_report,
)
from ranks.reports.builders.frame import frame, iso, restated, restated_line, rounded, share, whole
from ranks.reports.builders.funnel import funnel_data, funnel_report
from ranks.reports.builders.targets import (
    RATIO_DECIMALS,
    composition_data,
    composition_report,
    progress_data,
    progress_report,
    progress_row_data,
    ratio_data,
    ratio_report,
    ratio_row_data,
)

__all__ = [
    "RATIO_DECIMALS",
    "away_data",
    "away_report",
    "cells_data",
    "cells_report",
    "composition_data",
    "composition_report",
    "coverage_data",
    "coverage_report",
    "frame",
    "funnel_data",
    "funnel_report",
    "iso",
    "progress_data",
    "progress_report",
    "progress_row_data",
    "ratio_data",
    "ratio_report",
    "ratio_row_data",
    "restated",
    "restated_line",
    "rounded",
    "share",
    "whole",
]
