"""Targets: a value per unit, year and metric, and every revision of it with its reason."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ranks.org.models import Unit
from ranks.targets.metrics import Metric, Weight  # re-exported: the choices of the fields


class Target(models.Model):
    """The current value; `set_by` and `set_at` name the last change, revisions keep them all."""

    # Looked up through the constraint below, which begins with it.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="targets", db_index=False)
    year = models.PositiveSmallIntegerField()
    metric = models.CharField(max_length=40, choices=Metric.choices)
    value = models.PositiveIntegerField()
    set_by = models.CharField(max_length=150)
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["year", "unit_id", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "metric"], name="target_unique_unit_year_metric"
            ),
        ]
        indexes = [models.Index(fields=["year", "metric"])]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.metric} = {self.value}"


class TargetRevision(models.Model):
    """One change of a target: the first setting has no old value."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="revisions")
    old_value = models.PositiveIntegerField(null=True, blank=True)
    new_value = models.PositiveIntegerField()
    by = models.CharField(max_length=150)
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    # Set when the change saved a suggested split (`targets.suggest`): what it went by and what
    # it suggested for this target; the value saved may differ (the manager changed it).
    suggested_weight = models.CharField(
        max_length=20, blank=True, default="", choices=Weight.choices
    )
    suggested_value = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("target revision")
        verbose_name_plural = _("target revisions")

    def __str__(self) -> str:
        return f"{self.target_id}: {self.old_value} → {self.new_value}"


class TermTarget(models.Model):
    """A target for a congress term (2020–2025, 2025–2030): admissions from its first day to its
    last, beside the yearly targets; `set_by` and `set_at` name the last change."""

    # Looked up through the constraint below, which begins with it.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="term_targets", db_index=False
    )
    metric = models.CharField(max_length=40, choices=Metric.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    value = models.PositiveIntegerField()
    set_by = models.CharField(max_length=150)
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["unit_id", "metric", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "metric", "starts_on"], name="term_target_unique_unit_metric_start"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="term_target_ends_after_start",
            ),
        ]
        verbose_name = _("term target")
        verbose_name_plural = _("term targets")

    def __str__(self) -> str:
        return (
            f"{self.unit_id} {self.starts_on.year}–{self.ends_on.year} {self.metric} = {self.value}"
        )


class TermTargetRevision(models.Model):
    """One change of a term target: the first setting has no old value."""

    term = models.ForeignKey(TermTarget, on_delete=models.CASCADE, related_name="revisions")
    old_value = models.PositiveIntegerField(null=True, blank=True)
    new_value = models.PositiveIntegerField()
    old_ends_on = models.DateField(null=True, blank=True)
    new_ends_on = models.DateField()
    by = models.CharField(max_length=150)
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("term target revision")
        verbose_name_plural = _("term target revisions")

    def __str__(self) -> str:
        return f"{self.term_id}: {self.old_value} → {self.new_value}"
