"""Secondments: a member from elsewhere seconded to lead or strengthen a cell, with dates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ranks.org.models import Unit
from ranks.people.models import Person


class SecondmentRole(models.TextChoices):
    SECRETARY = "secretary", _("secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("deputy secretary")
    MEMBER = "member", _("member")


class Secondment(models.Model):
    """The import key is (person, cell, from_date); `to_date` empty while it lasts."""

    # Looked up through the constraint and the index below, which begin with them.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="secondments", db_index=False
    )
    cell = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="secondments", db_index=False
    )
    role = models.CharField(max_length=20, choices=SecondmentRole.choices)
    from_date = models.DateField()
    to_date = models.DateField(null=True, blank=True)
    home_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["from_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "cell", "from_date"], name="secondment_unique_start"
            ),
        ]
        indexes = [models.Index(fields=["cell", "from_date"])]
        verbose_name = _("secondment")
        verbose_name_plural = _("secondments")

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.cell_id} {self.from_date} – {self.to_date or '…'}"
