"""The stages of a candidacy and the groups candidates come from: the pipeline's vocabulary."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceGroup(models.TextChoices):
    """Where a candidate comes from (DESIGN.md §5, stage 2)."""

    YOUTH_UNION = "youth_union", _("Youth Union member")
    MILITARY = "military", _("returned from or about to enter military service")
    RETURNING_GRADUATE = "returning_graduate", _("returning graduate")
    STUDENT = "student", _("high-school student")
    WORKER = "worker", _("worker near home")
    RELIGIOUS = "religious", _("religious follower")
    ASSOCIATION = "association", _("association member")
    OTHER = "other", _("other")


class Stage(models.TextChoices):
    """The 13 main stages in the order of DESIGN.md §5, then the side states."""

    IDENTIFIED = "identified", _("identified")
    SOURCE_LIST = "source_list", _("on the source list")
    CLASS_PASSED = "class_passed", _("awareness class passed")
    INTRODUCERS_ASSIGNED = "introducers_assigned", _("introducers assigned")
    DOSSIER_PREPARED = "dossier_prepared", _("dossier prepared")
    BACKGROUND_VERIFIED = "background_verified", _("background verified")
    COMMENTS_COLLECTED = "comments_collected", _("comments collected")
    CELL_RESOLUTION = "cell_resolution", _("cell resolution")
    COMMITTEE_RESOLUTION = "committee_resolution", _("grassroots committee resolution")
    ADMISSION_DECISION = "admission_decision", _("admission decision")
    CEREMONY = "ceremony", _("admission ceremony")
    OFFICIAL = "official", _("official recognition")
    REMOVED = "removed", _("removal")
    WORKING_AWAY = "working_away", _("working away")
    RETURNED = "returned", _("returned from working away")
    PAUSED = "paused", _("paused")
    RESUMED = "resumed", _("resumed")
    WITHDRAWN = "withdrawn", _("withdrawn")
    INELIGIBLE = "ineligible", _("found ineligible")
    HANDED_OVER = "handed_over", _("handed over to another unit")
    HANDOVER_ACCEPTED = "handover_accepted", _("handover accepted")
    HANDOVER_REFUSED = "handover_refused", _("handover refused")


MAIN_STAGES: tuple[str, ...] = tuple(Stage.values[: Stage.values.index(Stage.REMOVED) + 1])
SIDE_STATES: tuple[str, ...] = tuple(s for s in Stage.values if s not in MAIN_STAGES)


# Where a candidacy stands, one key each, as the source list filters them: a main stage of its
# own (admitted, removed), else its side state, else active. The counters' columns of candidates
# by stage carry the same keys (`STANDING_OF_COLUMN`).
STATE_FILTERS = {
    "active": _("active"),
    "working_away": _("working away"),
    "paused": _("paused"),
    "handed_over": _("handed over"),
    "withdrawn": _("withdrawn"),
    "ineligible": _("found ineligible"),
    "member": _("admitted (probationary or official member)"),
    "removed": _("removed"),
}
