"""Counters of admissions by unit and month (docs/counters.md).

A row is a delta: writers only insert, so two communes recording admissions at the same moment
never wait on one row. The figure of a unit and month is the sum of its rows; `fold` replaces a
key's rows by one row holding their sum.
"""

import datetime as dt

from django.db import models

from ranks.org.models import PlaceKind
from ranks.org.tree import AREA_FLAGS
from ranks.people.models import EducationGeneral, EducationProfessional, Gender, Occupation
from ranks.pipeline.models import MAIN_STAGES, SourceGroup
from ranks.targets.results import AGE_BANDS

# The columns of a delta, in the order of `ranks.counters.sql.rollup`: the admissions and their
# segments, then the members present and the official members among them.
COLUMNS = (
    "admissions",
    "villages",
    "farmers",
    "workers",
    "aged_18_30",
    "ethnic_minority",
    "religious",
    "women",
    "members",
    "official",
)
ADMISSION_COLUMNS = COLUMNS[:-2]
PRESENCE_COLUMNS = COLUMNS[-2:]


def counted_unit() -> models.ForeignKey:
    """The unit a counter row counts for. Its index is the table's index on (unit, month or day),
    which any lookup by unit reads; a second index on the unit alone and a foreign-key check per
    row would be paid by every row an import writes (millions in a first load of the country)
    and read by nothing. Counters are derived data: `ranks counters verify` checks them against
    the records and `rebuild` rewrites them; a unit is deleted through Django, which deletes its
    rows (`on_delete`)."""
    return models.ForeignKey(
        "org.Unit",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )


class AdmissionCount(models.Model):
    """Admissions decided in `month` in the cells below `unit` on their decision dates, how many
    of them fall in each segment of DESIGN.md §6, and the change in the members present."""

    unit = counted_unit()
    month = models.DateField(help_text="The first day of the month.")
    admissions = models.IntegerField(default=0)
    villages = models.IntegerField(default=0)
    farmers = models.IntegerField(default=0)
    workers = models.IntegerField(default=0)
    aged_18_30 = models.IntegerField(default=0)
    ethnic_minority = models.IntegerField(default=0)
    religious = models.IntegerField(default=0)
    women = models.IntegerField(default=0)
    # Members present: +1 when a member's presence below the unit starts, −1 when it ends, in
    # the month of the day before. The members on the first day of a month are the sum of the
    # months before it.
    members = models.IntegerField(default=0)
    # The same for official members: from the later of the presence's start and the official
    # date (the end of probation) to the end of the presence.
    official = models.IntegerField(default=0)

    class Meta:
        # The members present on a date are one sum over the unit's months before it: with the
        # column in the index, PostgreSQL adds them up from the index alone (32 ms to 7 ms for
        # the central committee's units at a tenth of the country). SQLite ignores `include`.
        indexes = [
            models.Index(
                fields=["unit", "month"],
                include=["members", "official"],
                name="counters_admission_unit_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m} {self.admissions:+d}"


# The composition of admissions (DESIGN.md §6) by every dimension that has a list of values, in
# the order of `ranks.targets.results.DIMENSIONS`: (dimension, its values). Ethnicity and religion
# are free text and are counted from the records (only under a sensitive grant). "" is "not
# recorded"; a value outside the list is counted there too.
COMPOSITION_VALUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("occupation", (*Occupation.values, "")),
    ("gender", (*Gender.values, "")),
    ("age_band", AGE_BANDS),
    ("education_general", (*EducationGeneral.values, "")),
    ("education_professional", (*EducationProfessional.values, "")),
    ("youth_union", ("true", "false")),
    ("source_group", (*SourceGroup.values, "")),
    ("place_kind", (*PlaceKind.values, "")),
)
# (dimension, value, column) of each composition count.
COMPOSITION = tuple(
    (dimension, value, f"{dimension}_{value or 'unrecorded'}".replace("-", "_"))
    for dimension, values in COMPOSITION_VALUES
    for value in values
)
COMPOSITION_COLUMNS = tuple(column for _d, _v, column in COMPOSITION)
# Every column the rollup gives, in its order.
ALL_COLUMNS = COLUMNS + COMPOSITION_COLUMNS


def composition_column(dimension: str, value: str) -> str:
    """The column that counts `value` of `dimension` ("not recorded" for a value outside it)."""
    values = dict(COMPOSITION_VALUES)[dimension]
    value = value if value in values else ""
    return f"{dimension}_{value or 'unrecorded'}".replace("-", "_")


class CompositionCount(models.Model):
    """Admissions decided in `month` in the cells below `unit` on their decision dates, by each
    value of each dimension of their composition (`COMPOSITION`): a delta, as `AdmissionCount`.
    Kept apart so that the many rows that only move the members present carry none of these.
    Kept for the units above the cells only: a cell's composition is read from its records."""

    unit = counted_unit()
    month = models.DateField(help_text="The first day of the month.")

    class Meta:
        indexes = [models.Index(fields=["unit", "month"], name="counters_composition_unit_mon")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"


for _column in COMPOSITION_COLUMNS:
    CompositionCount.add_to_class(_column, models.IntegerField(default=0))

# Each table of counters with its columns, in the order of `ALL_COLUMNS`.
TABLES: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = (
    (AdmissionCount, COLUMNS),
    (CompositionCount, COMPOSITION_COLUMNS),
)


# Coverage (DESIGN.md §7): the places below a unit, those with a member and those with a cell,
# in all, by the kind of place and by each area flag (`ranks.coverage.selectors.Coverage`).
COVERAGE_GROUPS = (
    "all",
    *(f"kind_{k}" for k in PlaceKind.values),
    *(f"flag_{f}" for f in AREA_FLAGS),
)
COVERAGE_MEASURES = ("places", "members", "cell")
COVERAGE_COLUMNS = tuple(f"{g}_{m}" for g in COVERAGE_GROUPS for m in COVERAGE_MEASURES)


class CoverageCount(models.Model):
    """The change, from `day` on, in the places below `unit` (by its tree on each day), in those
    where a party member lives or works and in those a cell is based at: a delta, as
    `AdmissionCount`, by day (coverage is asked on any date). The figure on a date is the sum of
    the unit's rows up to it."""

    unit = counted_unit()
    day = models.DateField(help_text="The first day of the new state.")

    class Meta:
        indexes = [models.Index(fields=["unit", "day"], name="counters_coverage_unit_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"


for _column in COVERAGE_COLUMNS:
    CoverageCount.add_to_class(_column, models.IntegerField(default=0))


# The pipeline's events, by the metrics of `ranks.targets.models.Metric` they count.
PIPELINE_COLUMNS = ("source_entries", "class_graduates")


class PipelineCount(models.Model):
    """Candidates added to a source list and awareness classes passed on `day`, in the cells
    below `unit` that day: a delta, as `AdmissionCount`, by day (a figure on a date sums the
    unit's rows up to it, so no day of a month needs taking away). A candidate counts in its
    current cell: a handover moves its past entry and class with it."""

    unit = counted_unit()
    day = models.DateField()
    source_entries = models.IntegerField(default=0)
    class_graduates = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["unit", "day"], name="counters_pipeline_unit_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.source_entries:+d} {self.class_graduates:+d}"


# Members moving: transfers between cells and leavings.
MOVEMENT_COLUMNS = ("transfers_in", "transfers_out", "leavings")


class MovementCount(models.Model):
    """Members transferred into the cells below `unit` from a cell outside it, transferred out of
    them to a cell outside it, and members who left (death, removal, leaving the system), on
    `day`: a delta, as `AdmissionCount`, by day. A transfer counts on the first day in the new
    cell; a move between two cells below the unit is neither in nor out for it."""

    unit = counted_unit()
    day = models.DateField()
    transfers_in = models.IntegerField(default=0)
    transfers_out = models.IntegerField(default=0)
    leavings = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["unit", "day"], name="counters_movement_unit_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"


# Candidates by where they stand (DESIGN.md §5): one column per main stage before the ceremony
# and side state in force ("active": none), as the source list's filters read a candidacy; the
# ceremony and official recognition (a member) and removal have one column each, whatever the
# side state.
STAGE_SIDES = ("active", "working_away", "paused", "handed_over", "withdrawn", "ineligible")
STAGES_BY_SIDE = MAIN_STAGES[: MAIN_STAGES.index("ceremony")]
STAGES_ALONE = MAIN_STAGES[MAIN_STAGES.index("ceremony") :]
STAGE_COLUMNS = (
    *(f"stage_{stage}_{side}" for stage in STAGES_BY_SIDE for side in STAGE_SIDES),
    *(f"stage_{stage}" for stage in STAGES_ALONE),
)
# Still in the pipeline (cell health's successors): before the ceremony, neither withdrawn nor
# found ineligible.
IN_PIPELINE_COLUMNS = tuple(
    f"stage_{stage}_{side}"
    for stage in STAGES_BY_SIDE
    for side in STAGE_SIDES
    if side not in ("withdrawn", "ineligible")
)


# (main stage, the source list's state) each column counts: "member" for the ceremony and
# official recognition, "removed" for removal, else the side state or "active".
STANDING_OF_COLUMN = {
    **{f"stage_{stage}_{side}": (stage, side) for stage in STAGES_BY_SIDE for side in STAGE_SIDES},
    **{
        f"stage_{stage}": (stage, "removed" if stage == "removed" else "member")
        for stage in STAGES_ALONE
    },
}


def stage_column(stage: str, side: str | None) -> str:
    """The column that counts a candidacy at `stage` with the side state `side` in force."""
    if stage in STAGES_ALONE:
        return f"stage_{stage}"
    return f"stage_{stage}_{side if side in STAGE_SIDES else 'active'}"


class StageCount(models.Model):
    """The change, from `day` on, in the candidates of the cells below `unit` (by its tree on
    each day) at each stage and side state: a delta, as `AdmissionCount`, by day. A candidacy
    counts from the day it was added to a source list, in its current cell (as the source list
    reads it); the figure on a date is the sum of the unit's rows up to it."""

    unit = counted_unit()
    day = models.DateField(help_text="The first day of the new state.")

    class Meta:
        indexes = [models.Index(fields=["unit", "day"], name="counters_stage_unit_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"


for _column in STAGE_COLUMNS:
    StageCount.add_to_class(_column, models.IntegerField(default=0))


class CellStartCount(models.Model):
    """What a cell's counters add up to before a recent day, as `fold` found them: the members
    and official members present (`AdmissionCount`), the candidates still in the pipeline
    (`StageCount`), and the month of its last admission. The days are the first of this month
    and the next, and 1 January of this year, the two before and the next (`FoldMark.starts`).
    A figure per cell on a later day adds the cell's rows from the start and the rows written
    since the fold (`FoldMark`), instead of every month and day of the cell's history
    (`counters.selectors.cell_counts`). Kept for the cells only."""

    unit = counted_unit()
    start = models.DateField()
    members = models.IntegerField(default=0)
    official = models.IntegerField(default=0)
    candidates = models.IntegerField(default=0)
    last_admission = models.DateField(null=True, help_text="The first day of its month.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "start"], name="counters_cell_start_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.start} {self.members}"


class FoldMark(models.Model):
    """The last fold that wrote `CellStartCount`: the days it counted up to, and the last row of
    `AdmissionCount` and `StageCount` it saw (rows after them were written since)."""

    starts = models.CharField(max_length=200, help_text="ISO days, comma-separated.")
    admissions_upto = models.BigIntegerField()
    stages_upto = models.BigIntegerField()
    folded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.starts} {self.admissions_upto} {self.stages_upto}"

    def start_for(self, day: dt.date) -> dt.date | None:
        """The latest day counted up to that is not after `day` (None: none)."""
        found = [dt.date.fromisoformat(x) for x in self.starts.split(",") if x]
        earlier = [x for x in found if x <= day]
        return max(earlier) if earlier else None


class FigureGeneration(models.Model):
    """One row: numbers the database raises whenever the figures a dashboard reads can have
    changed, one for the admissions (their counters, composition, movement and cell starts, the
    memberships and the targets) and one for the pipeline (its counters and stage counts, the
    candidacies, their events and the targets).

    Raised by triggers of the database (migration 0014), as the tree's generation is
    (`restructure.TreeGeneration`): no writer can forget them. A page keyed by them (the
    dashboard, `targets.views.dashboard`) is as current as one counted at the request."""

    admissions = models.BigIntegerField(default=0)
    pipeline = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"#{self.admissions}/{self.pipeline}"
