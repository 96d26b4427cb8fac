"""Candidates (one candidacy per person) and the dated stage events their stage is derived from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ranks.org.models import Unit
from ranks.people.models import Person

# The stages and source groups live apart so that pages may name them without the models.
from ranks.pipeline.stages import MAIN_STAGES as MAIN_STAGES
from ranks.pipeline.stages import SIDE_STATES as SIDE_STATES
from ranks.pipeline.stages import SourceGroup, Stage


class Candidate(models.Model):
    """A person a cell is preparing for admission; the import key is the person."""

    # Looked up by person through the unique constraint, by cell through the indexes below.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="candidacies", db_index=False
    )
    cell = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="candidates", db_index=False
    )
    added_on = models.DateField()
    source_group = models.CharField(max_length=30, choices=SourceGroup.choices, blank=True)
    mentors = models.ManyToManyField(Person, blank=True, related_name="mentored_candidacies")
    note = models.TextField(blank=True)
    # Where the candidacy stands after all its events (`rules.state_on`; no event is dated in
    # the future), kept with them in the same transaction by `counters.moving`: today's source
    # list filters and orders on it instead of reading every candidacy's events.
    stage_now = models.CharField(max_length=30, default="identified", db_default="identified")
    side_now = models.CharField(max_length=30, blank=True, default="", db_default="")

    class Meta:
        ordering = ["added_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], name="candidate_one_per_person"),
        ]
        indexes = [
            models.Index(fields=["cell", "added_on"]),
            models.Index(fields=["cell", "stage_now"], name="candidate_cell_stage_now"),
        ]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.cell_id} {self.added_on}"


class StageEvent(models.Model):
    """One dated step of a candidacy; the fields after `detail` apply to some stages only."""

    # Looked up through the unique constraint below, which begins with it.
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    stage = models.CharField(max_length=30, choices=Stage.choices)
    date = models.DateField()
    detail = models.TextField(blank=True)
    # class_passed: the awareness class and its certificate (issued on the event's date).
    class_name = models.CharField(max_length=200, blank=True)
    certificate_no = models.CharField(max_length=60, blank=True)
    # introducers_assigned: official members who introduce (R6); with the Youth Union
    # executive's resolution one member is enough for a Youth Union member.
    introducers = models.ManyToManyField(Person, blank=True, related_name="introductions")
    youth_union_resolution = models.BooleanField(default=False)
    # cell_resolution: the vote, counted against all official members of the cell (R7).
    votes_for = models.PositiveIntegerField(null=True, blank=True)
    official_members = models.PositiveIntegerField(null=True, blank=True)
    # committee_resolution, admission_decision: who decided, the document, the day the cell
    # received it.
    # `authority` is the legacy free text; an admission decision names its committee (R18),
    # the competent one on its day unless recorded as an exception with a reason.
    authority = models.CharField(max_length=200, blank=True)
    committee = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    committee_exception = models.TextField(blank=True)
    decision_no = models.CharField(max_length=60, blank=True)
    received_on = models.DateField(null=True, blank=True)
    # handed_over: the receiving unit; handover_accepted: the cell there that takes the candidate.
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="handovers_received"
    )
    # working_away: where the candidate went.
    location = models.CharField(max_length=200, blank=True)
    # An event that breaks a rule is kept only as an exception: who approved it, and the document
    # (over-60 admissions, read-and-write village elders, a late ceremony).
    exception_approved_by = models.CharField(max_length=200, blank=True)
    exception_document = models.CharField(max_length=200, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "stage", "date"], name="stageevent_unique_stage_date"
            ),
        ]
        verbose_name = _("stage event")
        verbose_name_plural = _("stage events")

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.stage} {self.date}"
