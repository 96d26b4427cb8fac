"""What a target counts (the metrics) and what a suggested split goes by (the weights): lists of
choices that pages may use without the models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    """What a target counts (DESIGN.md §6)."""

    ADMISSIONS = "admissions", _("admissions")
    ADMISSIONS_VILLAGES = (
        "admissions_villages",
        _("admissions in villages and residential groups"),
    )
    ADMISSIONS_FARMERS = "admissions_farmers", _("admissions of farmers")
    ADMISSIONS_WORKERS = "admissions_workers", _("admissions of workers")
    ADMISSIONS_AGE_18_30 = "admissions_age_18_30", _("admissions of people aged 18–30")
    ADMISSIONS_ETHNIC_MINORITY = (
        "admissions_ethnic_minority",
        _("admissions of ethnic minorities"),
    )
    ADMISSIONS_RELIGIOUS = "admissions_religious", _("admissions of religious followers")
    ADMISSIONS_WOMEN = "admissions_women", _("admissions of women")
    SOURCE_ENTRIES = "source_entries", _("new source-list entries")
    CLASS_GRADUATES = "class_graduates", _("awareness-class graduates")
    PLACES_WITH_MEMBERS = "places_with_members", _("places with members")
    PLACES_WITH_CELL = "places_with_cell", _("places with a cell")


class Weight(models.TextChoices):
    """What a suggested split of a target among the units below goes by (`targets.suggest`)."""

    MEMBERS = "members", _("members on 1 January")
    CANDIDATES = "candidates", _("candidates in the pipeline")
    LAST_ADMISSIONS = "last_admissions", _("last year's admissions")
    NORM = "norm", _("the 3–4 % norm (3.5 % of members)")
    BLANK_PLACES = "blank_places", _("blank places")


WEIGHTS = tuple(Weight.values)  # the keys alone: the API schema names their enum by them


# The metrics a congress term's target can count: admissions (and their segments), which the
# counters keep by cell and month, so a term is added up over its months.
TERM_METRICS = tuple(m for m in Metric.values if m.startswith("admissions"))
