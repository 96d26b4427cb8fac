"""Counters of admissions by unit and month (docs/counters.md).

A row is a delta: writers only insert, so two communes recording admissions at the same moment
never wait on one row. The figure of a unit and month is the sum of its rows; `fold` replaces a
key's rows by one row holding their sum.
"""

from django.db import models

# The columns of a delta, in the order of `ranks.counters.sql.rollup`: the admissions and their
# segments, then the members present.
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
)
ADMISSION_COLUMNS = COLUMNS[:-1]


class AdmissionCount(models.Model):
    """Admissions decided in `month` in the cells below `unit` on their decision dates, how many
    of them fall in each segment of DESIGN.md §6, and the change in the members present."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
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

    class Meta:
        indexes = [models.Index(fields=["unit", "month"], name="counters_admission_unit_month")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m} {self.admissions:+d}"
