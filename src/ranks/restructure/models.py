"""A restructure: one recorded act on the tree, with what it changed so that undo reverses it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RestructureKind(models.TextChoices):
    MERGE = "merge", _("merge")
    SPLIT = "split", _("split")
    MOVE = "move", _("move")
    RENAME = "rename", _("rename")
    DISSOLVE = "dissolve", _("dissolve")
    CHANGE_KIND = "change_kind", _("change of kind")


class RestructureStatus(models.TextChoices):
    APPLIED = "applied", _("applied")
    UNDONE = "undone", _("undone")


class Restructure(models.Model):
    kind = models.CharField(max_length=20, choices=RestructureKind.choices)
    effective_on = models.DateField()
    reason = models.TextField(blank=True)
    document = models.CharField(max_length=200, blank=True)
    source_codes = models.JSONField(default=list)
    target_codes = models.JSONField(default=list)
    # The parameters as given: new name, new kind key, and for a split the target of each
    # child unit or place ({"C1-A": "N1", "V1": "N2"}).
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=RestructureStatus.choices, default=RestructureStatus.APPLIED
    )
    applied_by = models.CharField(max_length=150)
    applied_at = models.DateTimeField()
    undone_by = models.CharField(max_length=150, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    # What apply changed, so that undo reverses exactly that: {"unit_closed": [[version id,
    # old valid_to]], "unit_created": [version id], "place_closed": [...], "place_created": [...]}.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-applied_at", "-id"]
        verbose_name = _("restructure")
        verbose_name_plural = _("restructures")

    def __str__(self) -> str:
        return f"{self.kind} {self.effective_on} {','.join(self.source_codes)}"


class RestructureUnit(models.Model):
    """A unit a restructure touched (as a source, a target, or a child a split mapped), so that a
    unit's page finds its restructures through an index, not by reading them all (the 2025
    reform alone is thousands of them)."""

    restructure = models.ForeignKey(Restructure, on_delete=models.CASCADE, related_name="units")
    # Found by unit: the unique (unit, restructure) index serves it.
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "restructure"], name="restructure_unit_once")
        ]
        verbose_name = _("unit of a restructure")
        verbose_name_plural = _("units of restructures")

    def __str__(self) -> str:
        return f"{self.restructure_id} {self.unit_id}"


class Handover(models.Model):
    """A candidate's dossier handed from one competent committee to another because a
    restructure moved their cell or the committees above it: written on apply, removed by undo."""

    # Found by restructure (undo) through the unique constraint, which begins with it.
    restructure = models.ForeignKey(
        Restructure, on_delete=models.CASCADE, related_name="handovers", db_index=False
    )
    candidate = models.ForeignKey(
        "pipeline.Candidate", on_delete=models.CASCADE, related_name="restructure_handovers"
    )
    # The committee competent the day before the date (none when no unit above could admit).
    from_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    on = models.DateField()

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["restructure", "candidate"], name="restructure_handover_once"
            )
        ]
        verbose_name = _("handover by a restructure")
        verbose_name_plural = _("handovers by restructures")

    def __str__(self) -> str:
        return f"{self.restructure_id} {self.candidate_id} {self.from_unit_id}→{self.to_unit_id}"


class TreeGeneration(models.Model):
    """One row: a number the database raises whenever the tree can have changed (a unit, a
    version of one, a kind, a restructure or the units it touched written, updated or deleted).

    Raised by triggers of the database (migration 0004), not by the services, so that no writer
    (a service, a bulk move, an import, the admin, a hand-written statement) can forget it. On
    PostgreSQL the trigger is deferred to the commit, once a transaction: this row is the last
    thing a writer of the tree locks."""

    generation = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("generation of the tree")
        verbose_name_plural = _("generations of the tree")

    def __str__(self) -> str:
        return f"#{self.generation}"


class PositionSnapshot(models.Model):
    """The position of every unit in the structure of a date (`ranks.org.restated`), as built
    from the tree of one generation: valid while the tree's generation is that one."""

    day = models.DateField(unique=True)
    generation = models.BigIntegerField()
    built_at = models.DateTimeField(auto_now=True)
    # The units every unit of the tree is ever below, at one date or another (the central
    # committee): the units that can stand below one of them are all the units.
    everywhere = models.JSONField(default=list)

    class Meta:
        verbose_name = _("structure of a date")
        verbose_name_plural = _("structures of a date")

    def __str__(self) -> str:
        return f"{self.day} #{self.generation}"


class UnitPosition(models.Model):
    """A unit that stands somewhere in the structure of the snapshot's date: the unit standing
    for it (`position`, in force then) and that unit's place in a walk of the tree of the date
    from the top (`order`; `last` is the order of the last unit below it, so the units standing
    below a unit are those whose order is between its own and its `last`). For a unit in force
    on the date, its parent then. Plain ids: a snapshot is never joined, only read by its index.
    """

    # Looked up through the unique constraint below, which begins with it.
    snapshot = models.ForeignKey(
        PositionSnapshot, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    unit_id = models.BigIntegerField()
    position_id = models.BigIntegerField()
    parent_id = models.BigIntegerField(null=True)
    order = models.IntegerField()
    last = models.IntegerField()
    cell = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "unit_id"], name="unitposition_unique"),
        ]
        indexes = [models.Index(fields=["snapshot", "order"], name="unitposition_order")]
        verbose_name = _("position of a unit")
        verbose_name_plural = _("positions of units")

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.position_id}"
