"""The shapes of the figures: what `ranks report KIND --format json` writes for each report (the
`*_data` builders of `ranks.reports.builders`), field by field. The views answer the builders'
dictionaries as they are; these serializers describe them in the schema and check the queries."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ranks.api.common import PageQuery
from ranks.coverage.health import FLAGS
from ranks.coverage.selectors import BLANK_FILTERS
from ranks.org.models import PlaceKind
from ranks.org.tree import AREA_FLAGS
from ranks.targets.progress import SUPPORTED_METRICS
from ranks.targets.results import AGE_BANDS, DIMENSIONS, SENSITIVE_DIMENSIONS, STATUSES

# The figures stand on dates from the party's founding to a bound ahead: coverage's trend has a
# point for every year up to the date, so a date in year 9000 would ask for thousands of them.
FIRST_DAY = dt.date(1930, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
DAYS = f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


# The same bound as the schema says it: a client generating dates from the schema alone
# (schemathesis does) is told which ones are taken.
DAY_PATTERN = r"^(19[3-9][0-9]|20[0-9][0-9]|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


@extend_schema_field({"type": "string", "format": "date", "pattern": DAY_PATTERN})
class BoundedDateField(serializers.DateField):
    """A date from FIRST_DAY to LAST_DAY."""


def day_field(help_text: str) -> serializers.DateField:
    return BoundedDateField(
        required=False,
        help_text=f"{help_text} (YYYY-MM-DD, {DAYS})",
        validators=[_within],
    )


def _within(value: dt.date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise serializers.ValidationError(
            _("A date from %(first)s to %(last)s.")
            % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )


# --- the queries ------------------------------------------------------------------------------

STRUCTURE_HELP = (
    "Restate the figures in the organisational structure of this date: each event is counted "
    "for the unit its cell belongs to on it (a cell closed before it: its successor's unit, or "
    "its parent's); blank: as it was. The unit must exist on it"
)


def structure_field() -> serializers.DateField:
    return day_field(STRUCTURE_HELP)


def restated_field() -> serializers.DateField:
    return serializers.DateField(
        allow_null=True,
        help_text="The date of the structure the figures are restated in; null: as it was.",
    )


class ProgressQuery(serializers.Serializer):
    on = day_field("The date the figures stand on; today if not given.")
    metric = serializers.ChoiceField(
        choices=list(SUPPORTED_METRICS),
        required=False,
        help_text="What is counted (admissions if not given).",
    )
    depth = serializers.IntegerField(
        min_value=0,
        max_value=20,
        required=False,
        help_text="How many levels below the unit to list (all of them if not given; the "
        "dashboard shows 1).",
    )
    structure_on = structure_field()


class CompositionQuery(serializers.Serializer):
    """`from` and `to` are Python words: the fields are named here."""

    def get_fields(self):
        return {
            "from": day_field(
                "The first day of the period; 1 January of `to`'s year if not given."
            ),
            "to": day_field("The last day of the period; today if not given."),
            "show": serializers.ChoiceField(
                choices=["sensitive"],
                required=False,
                help_text="With the sensitive grant over the unit: ethnicity and religion too, "
                "the read written to the audit log.",
            ),
            "structure_on": structure_field(),
        }


class RatioQuery(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=FIRST_DAY.year,
        max_value=LAST_DAY.year,
        required=False,
        help_text="The year (this year if not given).",
    )
    structure_on = structure_field()


class CoverageQuery(PageQuery):
    on = day_field("The date the figures stand on; today if not given.")
    which = serializers.ChoiceField(
        choices=list(BLANK_FILTERS),
        required=False,
        help_text="Which places `blank` lists: without members or without a cell (any, the "
        "default), without members, without a cell, without both.",
    )
    structure_on = structure_field()


class CellsQuery(PageQuery):
    on = day_field("The date the figures stand on; today if not given.")
    flag = serializers.ChoiceField(
        choices=list(FLAGS), required=False, help_text="Only the cells with this finding."
    )
    structure_on = structure_field()


# --- the answers ------------------------------------------------------------------------------


class PageLinks(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    previous = serializers.URLField(
        allow_null=True, help_text="The page before; null on the first."
    )


class ProgressRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    metric = serializers.ChoiceField(choices=list(SUPPORTED_METRICS))
    target = serializers.IntegerField(allow_null=True, help_text="The year's target; null: none.")
    actual = serializers.IntegerField(help_text="Counted from 1 January to the date.")
    percent = serializers.FloatField(allow_null=True, help_text="Of the target, one decimal.")
    expected = serializers.IntegerField(
        allow_null=True, help_text="What the pace of past years expects by the date."
    )
    gap = serializers.IntegerField(allow_null=True, help_text="`actual` less `expected`.")
    projection = serializers.IntegerField(help_text="The year-end figure at the unit's pace.")
    forecast = serializers.IntegerField(
        allow_null=True,
        help_text="The figure expected by 31 December from the unit's seasonal history"
        " (docs/progress.md); null for the places' metrics.",
    )
    forecast_low = serializers.IntegerField(allow_null=True, help_text="The range's low end.")
    forecast_high = serializers.IntegerField(allow_null=True, help_text="The range's high end.")
    forecast_pipeline = serializers.IntegerField(
        allow_null=True,
        help_text="The admissions so far plus what the candidates in the pipeline are expected"
        " to bring by 31 December; null for the other metrics and restated figures.",
    )
    status = serializers.ChoiceField(
        choices=list(STATUSES),
        help_text="From the forecast's range: on track when its low end reaches the target,"
        " behind when its high end does not, at risk between (the places' metrics: from the"
        " projection).",
    )
    depth = serializers.IntegerField(help_text="Levels below the unit asked for (0: itself).")
    parent_code = serializers.CharField(allow_null=True)


class TermProgressSerializer(serializers.Serializer):
    code = serializers.CharField()
    metric = serializers.CharField()
    term = serializers.CharField(help_text="Its years: 2020–2025.")
    starts_on = serializers.DateField(help_text="The term's first day.")
    ends_on = serializers.DateField(help_text="Its last day.")
    target = serializers.IntegerField(min_value=0)
    through = serializers.DateField(help_text="Admissions counted up to this day.")
    structure_on = serializers.DateField(
        help_text="Counted in the cells standing below the unit on this day."
    )
    actual = serializers.IntegerField(min_value=0)
    percent = serializers.FloatField(allow_null=True)
    years = serializers.ListField(
        child=serializers.IntegerField(), help_text="The years of the term (their 1 July in it)."
    )
    yearly_total = serializers.IntegerField(help_text="Their yearly targets, added up.")
    yearly_missing = serializers.ListField(
        child=serializers.IntegerField(), help_text="Years with no yearly target."
    )
    yearly_short = serializers.IntegerField(
        min_value=0,
        help_text="How far the yearly targets fall below the term's (0: they reach it).",
    )


class ProgressSerializer(serializers.Serializer):
    unit = serializers.CharField()
    metric = serializers.ChoiceField(choices=list(SUPPORTED_METRICS))
    year = serializers.IntegerField()
    on = serializers.DateField()
    structure_on = restated_field()
    rows = ProgressRowSerializer(many=True, help_text="The unit first, then the units below.")
    terms = TermProgressSerializer(
        many=True, help_text="The unit's term targets of the metric whose term holds `on`."
    )


def _counts() -> serializers.DictField:
    return serializers.DictField(child=serializers.IntegerField(min_value=0))


class CompositionBySerializer(serializers.Serializer):
    """Admissions counted by each value of each dimension."""

    def get_fields(self):
        return {
            dimension: _counts()
            for dimension in DIMENSIONS
            if dimension not in SENSITIVE_DIMENSIONS
        } | {
            dimension: serializers.DictField(
                child=serializers.IntegerField(min_value=0),
                required=False,
                help_text="Only with ?show=sensitive and the sensitive grant.",
            )
            for dimension in SENSITIVE_DIMENSIONS
        }


class CompositionSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "unit": serializers.CharField(),
            "from": serializers.DateField(),
            "to": serializers.DateField(),
            "structure_on": restated_field(),
            "total": serializers.IntegerField(min_value=0),
            "by": CompositionBySerializer(),
        }


class RatioRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    admissions = serializers.IntegerField(help_text="Decided in the year.")
    members_at_start = serializers.IntegerField(help_text="Party members on 1 January.")
    ratio = serializers.FloatField(
        allow_null=True, help_text="`admissions` over `members_at_start`, in %, two decimals."
    )
    rank = serializers.IntegerField(allow_null=True, help_text="1: the highest ratio.")
    within_norm = serializers.BooleanField(
        allow_null=True,
        help_text="Within the norm of the year (R16, `norm`); null without members or norm.",
    )


class RatioNormSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="R16.")
    low = serializers.FloatField(help_text="The lower bound, in % of the members on 1 January.")
    high = serializers.FloatField(help_text="The upper bound, in %.")
    document = serializers.CharField(help_text="The document that states it: 21-NQ/TW.")
    clause = serializers.CharField()


class RatioSerializer(serializers.Serializer):
    unit = serializers.CharField()
    year = serializers.IntegerField()
    structure_on = restated_field()
    ratio = RatioRowSerializer(help_text="The unit's own.")
    siblings = RatioRowSerializer(
        many=True, help_text="The units under the same parent that the user sees, by rank."
    )
    children = RatioRowSerializer(many=True, help_text="The units directly below, by rank.")
    norm = RatioNormSerializer(
        allow_null=True,
        help_text="The admission norm in force on the year's last day (R16); null before it.",
    )


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(min_value=0, help_text="Places.")
    without_members = serializers.IntegerField(min_value=0)
    without_cell = serializers.IntegerField(min_value=0)


class BlankPlaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=PlaceKind.values)
    unit_code = serializers.CharField(help_text="The unit the place belongs to (its commune).")
    unit_name = serializers.CharField()
    area_flags = serializers.ListField(child=serializers.ChoiceField(choices=list(AREA_FLAGS)))
    has_members = serializers.BooleanField()
    has_cell = serializers.BooleanField()


class TrendPointSerializer(CountsSerializer):
    on = serializers.DateField(help_text="A year's end, or the date asked for in its year.")


class CoverageNormSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="R17.")
    what = serializers.CharField(
        help_text="`members`: every place of `kinds` with members; `cell`: with a cell."
    )
    kinds = serializers.ListField(
        child=serializers.CharField(), help_text="Place kinds (village, residential_group)."
    )
    year = serializers.IntegerField(help_text="By the end of this year.")
    document = serializers.CharField()
    clause = serializers.CharField()
    places = serializers.IntegerField(min_value=0, help_text="Places of `kinds`.")
    short = serializers.IntegerField(min_value=0, help_text="Of them, still without.")
    pace = serializers.FloatField(
        allow_null=True, help_text="Places fewer short a year over `pace_years`."
    )
    pace_years = serializers.IntegerField(min_value=0)
    reached = serializers.IntegerField(
        allow_null=True, help_text="The year the norm is reached at that pace."
    )
    status = serializers.CharField(
        help_text="`met`; at the pace, reached by `year` (`on_time`) or after (`late`); "
        "`stalled` (no fewer short than `pace_years` ago); `no_pace` (no earlier year)."
    )


class CoverageSerializer(PageLinks):
    unit = serializers.CharField()
    on = serializers.DateField()
    structure_on = restated_field()
    total = serializers.IntegerField(min_value=0, help_text="Places below the unit.")
    without_members = serializers.IntegerField(min_value=0)
    without_cell = serializers.IntegerField(min_value=0)
    by_kind = serializers.DictField(child=CountsSerializer(), help_text="By place kind.")
    by_area_flag = serializers.DictField(child=CountsSerializer(), help_text="By area flag.")
    blank = BlankPlaceSerializer(
        many=True,
        allow_null=True,
        help_text="A page of the places without members or without a cell (`which`), by "
        "commune and name; null when the unit has more places than a list shows (20,000, as "
        "the coverage page): ask a unit below.",
    )
    trend = TrendPointSerializer(many=True, help_text="At each year's end.")
    norms = CoverageNormSerializer(
        many=True,
        help_text="How far the unit stands from each coverage norm in force on the date (R17) "
        "that it has places for.",
    )


class CellHealthSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    parent_code = serializers.CharField(allow_null=True)
    parent_name = serializers.CharField(allow_blank=True)
    official_members = serializers.IntegerField(min_value=0)
    probationary_members = serializers.IntegerField(min_value=0)
    ages = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        help_text=f"Members by age band ({', '.join(AGE_BANDS)}).",
    )
    share_over_60 = serializers.FloatField(allow_null=True, help_text="In % of the members.")
    years_since_last_admission = serializers.IntegerField(allow_null=True)
    last_admission = serializers.DateField(allow_null=True)
    candidates = serializers.IntegerField(min_value=0, help_text="In the pipeline.")
    working_away = serializers.IntegerField(
        min_value=0,
        help_text="Members working outside the cell's commune, guessed from their workplace.",
    )
    away_recorded = serializers.IntegerField(
        min_value=0, help_text="Members recorded as working away on the date (an absence)."
    )
    seconded_secretary = serializers.BooleanField()
    official_without_secondments = serializers.IntegerField()
    flags = serializers.ListField(child=serializers.ChoiceField(choices=list(FLAGS)))


class CellsSerializer(PageLinks):
    unit = serializers.CharField()
    name = serializers.CharField()
    on = serializers.DateField()
    structure_on = restated_field()
    cells = CellHealthSerializer(many=True, help_text="A page of the cells below the unit.")
