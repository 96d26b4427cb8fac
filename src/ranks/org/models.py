"""Units (stable codes with effective-dated versions), unit kinds as data, and places."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ranks.org import tree


class UnitKind(models.Model):
    """A kind of unit (provincial committee, cell, …): data, so new kinds need no code."""

    key = models.SlugField(max_length=40, unique=True)
    name_vi = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=100)
    holds_members = models.BooleanField(
        default=False, help_text="Members are kept here directly (cells and grassroots cells)."
    )

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("unit kind")
        verbose_name_plural = _("unit kinds")

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi

    def __str__(self) -> str:
        return self.label


class Unit(models.Model):
    """The stable identity of a committee or cell; what it is on a date lives in its versions."""

    code = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.code


def valid_on_q(day: dt.date | models.F, *, prefix: str = "", open_start: bool = True) -> models.Q:
    """The rows in force on `day` (a date, or an expression such as `F(...)`): `valid_from` and
    `valid_to` both inclusive, empty meaning open. `prefix` reaches them across a relation
    (`"person__postings__"`). `open_start=False` where `valid_from` is never empty (postings):
    the start is then the plain `valid_from <= day`, as the indexes on it read it."""
    start = models.Q(**{f"{prefix}valid_from__lte": day})
    if open_start:
        start = models.Q(**{f"{prefix}valid_from__isnull": True}) | start
    end = models.Q(**{f"{prefix}valid_to__isnull": True}) | models.Q(
        **{f"{prefix}valid_to__gte": day}
    )
    return start & end


class ValidityQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date):
        return self.filter(valid_on_q(day))


class UnitVersion(models.Model):
    # Looked up through the constraint and the index below, which begin with them (the walks
    # up the tree read a unit's versions by the constraint's index).
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    name = models.CharField(max_length=200)
    kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="child_versions",
        db_index=False,
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    can_admit = models.BooleanField(default=False)
    area_flags = models.JSONField(default=list, blank=True)
    # The official administrative code and coordinates, where the unit matches a real commune.
    admin_code = models.CharField(max_length=20, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        ordering = ["unit_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "valid_from"], name="unitversion_unique_start"),
        ]
        indexes = [
            models.Index(fields=["parent", "valid_from"]),
            models.Index(fields=["valid_from", "valid_to"]),
        ]
        verbose_name = _("unit version")
        verbose_name_plural = _("unit versions")

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from or '…'} – {self.valid_to or '…'})"

    def as_tree_version(
        self, code: str | None = None, parent_code: str | None = None
    ) -> tree.Version:
        return tree.Version(
            code=code or self.unit.code,
            parent=parent_code,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            name=self.name,
            kind=self.kind.key if self.kind_id else "",
            area_flags=frozenset(self.area_flags or ()),
            can_admit=self.can_admit,
        )


class PlaceKind(models.TextChoices):
    VILLAGE = "village", _("village")
    RESIDENTIAL_GROUP = "residential_group", _("residential group")
    SCHOOL = "school", _("school")
    MEDICAL_STATION = "medical_station", _("medical station")
    AGENCY = "agency", _("agency")
    ENTERPRISE = "enterprise", _("enterprise")
    COOPERATIVE = "cooperative", _("cooperative")
    ARMED_FORCES = "armed_forces", _("armed forces")
    OTHER = "other", _("other")


class Place(models.Model):
    """Where people live or work; what coverage counts. Stable code, effective-dated versions."""

    code = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return self.code


class PlaceVersion(models.Model):
    # Looked up through the constraint and the index below, which begin with them.
    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=PlaceKind.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="place_versions", db_index=False
    )
    # The cells based at this place during this version (a combined cell serves several places).
    cells = models.ManyToManyField(Unit, blank=True, related_name="based_place_versions")
    area_flags = models.JSONField(default=list, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        ordering = ["place_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "valid_from"], name="placeversion_unique_start"
            ),
        ]
        indexes = [models.Index(fields=["unit", "valid_from"])]
        verbose_name = _("place version")
        verbose_name_plural = _("place versions")

    def __str__(self) -> str:
        return self.name
