"""What the pipeline's writes take and answer: the fields of the pages' forms (`pipeline.forms`),
typed for JSON, and what was recorded."""

from __future__ import annotations

from rest_framework import serializers

from ranks.api import serializers as s
from ranks.api.common import text_field
from ranks.people.models import Gender, Occupation
from ranks.pipeline.forms import STAGE_FIELDS
from ranks.pipeline.selectors import candidate_bases
from ranks.pipeline.stages import SourceGroup, Stage

# The limits of the pages' forms (`pipeline.forms.EventForm`, `CandidateForm`): the forms check
# them again, with the pages' messages.
PERSON_ID = 40
NAME = 200
NUMBER = 60
NOTE = 2000
VOTES = 100000
BASIS_HELP = (
    "The candidacy's basis after this write: send it as `If-Match` with a record made on this "
    "copy (a record that follows this one with `Ranks-Follows` expects it)."
)


def _text(max_length: int, help_text: str = "", **kwargs) -> serializers.RegexField:
    """Optional text of the form: empty allowed, no control characters (a note's line breaks
    aside)."""
    return serializers.RegexField(
        r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
        max_length=max_length,
        required=False,
        allow_blank=True,
        help_text=help_text,
        **kwargs,
    )


def _ids(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=text_field(PERSON_ID), required=False, max_length=50, help_text=help_text
    )


def _count(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, max_value=VOTES, required=False, allow_null=True, help_text=help_text
    )


def _stage_fields() -> str:
    """Which stage takes which fields, from the pages' forms."""
    lines = [
        f"- `{stage}`: " + ", ".join(f"`{f}`" for f in fields if f not in ("introducer_other",))
        for stage, fields in STAGE_FIELDS.items()
    ]
    return (
        "Every stage takes `date`, `detail`, `exception_approved_by` and `exception_document`; "
        "besides, each stage takes its own fields, the others must be left out or empty:\n\n"
        + "\n".join(lines)
    )


class EventFields(serializers.Serializer):
    detail = _text(NOTE, "A note (any stage).")
    class_name = _text(NAME, "class_passed: the awareness class.")
    certificate_no = _text(NUMBER, "class_passed: the certificate number.")
    introducer_person_ids = _ids(
        "introducers_assigned: the introducers' person identifiers (official members of the "
        "cell, R6)."
    )
    youth_union_resolution = serializers.BooleanField(
        required=False,
        help_text="introducers_assigned: the Youth Union executive committee's resolution "
        "introduces the candidate.",
    )
    votes_for = _count("cell_resolution: the votes for (required there).")
    official_members = _count(
        "cell_resolution: the official members of the cell; blank (null) is the records' "
        "figure, another figure only as an exception."
    )
    authority = _text(NAME, "committee_resolution, admission_decision: who decided.")
    decision_no = _text(NUMBER, "committee_resolution, admission_decision: the number.")
    received_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="admission_decision: the day the cell received the decision.",
    )
    to_unit_code = _text(
        NUMBER,
        "handed_over: the receiving unit (required there); handover_accepted: the cell there "
        "that takes the candidate (required there).",
        allow_null=True,
    )
    location = _text(NAME, "working_away: where the candidate went (required there).")
    exception_approved_by = _text(
        NAME, "Only when a rule refuses the step: who approved the exception, with the document."
    )
    exception_document = _text(NAME, "The document approving the exception.")


class NewStageEvent(EventFields):
    __doc__ = _stage_fields()

    stage = serializers.ChoiceField(choices=Stage.choices, help_text="The stage recorded.")
    date = serializers.DateField(help_text="The day of the event (not in the future).")


class StageEventCorrection(EventFields):
    __doc__ = (
        "A correction, with its reason: the fields given replace what was recorded, the others "
        "stay. " + _stage_fields()
    )

    reason = text_field(NOTE, help_text="Why the event is corrected.")
    date = serializers.DateField(required=False, help_text="The corrected day.")


class NewPerson(serializers.Serializer):
    """A person not yet known, added with the candidacy as on the page "Add a person" (no
    sensitive fields): they must live or work in a place of your units."""

    full_name = text_field(NAME, help_text="The full name.")
    birth_date = serializers.DateField(help_text="The birth date.")
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    phone = _text(20, "The phone number.")
    occupation = serializers.ChoiceField(
        choices=Occupation.choices, required=False, allow_blank=True
    )
    residence_place_code = _text(
        NUMBER, "Where the person lives: a place of your units (its code).", allow_null=True
    )
    workplace_place_code = _text(
        NUMBER, "Where the person works: a place of your units (its code).", allow_null=True
    )


class NewCandidate(serializers.Serializer):
    person_id = text_field(PERSON_ID, help_text="The person's identifier (a person you see).")
    cell_code = text_field(
        NUMBER,
        required=False,
        help_text="A cell below the unit today that you may record for; not needed when there "
        "is only one.",
    )
    added_on = serializers.DateField(help_text="The day added to the source list.")
    source_group = serializers.ChoiceField(
        choices=SourceGroup.choices, required=False, allow_blank=True
    )
    mentor_person_ids = _ids("The members in charge (mentors): person identifiers.")
    note = _text(NOTE)
    person = NewPerson(
        required=False,
        allow_null=True,
        help_text="Only for a person not yet known: added first, in the same write (a refusal "
        "of either adds nothing). Errors in its fields come as `person.<field>`.",
    )


class RecordedCandidate(serializers.Serializer):
    person_id = serializers.CharField(source="person.person_id")
    full_name = serializers.CharField(source="person.full_name")
    cell_code = serializers.CharField(source="cell.code")
    added_on = serializers.DateField()
    source_group = serializers.CharField()
    mentor_person_ids = serializers.SerializerMethodField()
    note = serializers.CharField()
    basis = serializers.SerializerMethodField(help_text=BASIS_HELP)

    def get_mentor_person_ids(self, candidate) -> list[str]:
        return sorted(p.person_id for p in candidate.mentors.all())

    def get_basis(self, candidate) -> str:
        return candidate_bases([candidate.pk]).get(candidate.pk, "")


class RecordedStageEvent(serializers.Serializer):
    id = serializers.IntegerField()
    person_id = serializers.CharField(source="candidate.person.person_id")
    stage = serializers.ChoiceField(choices=Stage.choices)
    date = serializers.DateField()
    detail = serializers.CharField()
    class_name = serializers.CharField()
    certificate_no = serializers.CharField()
    introducer_person_ids = serializers.SerializerMethodField()
    youth_union_resolution = serializers.BooleanField()
    votes_for = serializers.IntegerField(allow_null=True)
    official_members = serializers.IntegerField(
        allow_null=True, help_text="For a vote: the figure counted (the records' if left blank)."
    )
    authority = serializers.CharField()
    decision_no = serializers.CharField()
    received_on = serializers.DateField(allow_null=True)
    to_unit_code = serializers.CharField(source="to_unit.code", allow_null=True, default=None)
    location = serializers.CharField()
    exception_approved_by = serializers.CharField()
    exception_document = serializers.CharField()
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    basis = serializers.SerializerMethodField(help_text=BASIS_HELP)

    def get_introducer_person_ids(self, event) -> list[str]:
        return sorted(p.person_id for p in event.introducers.all())

    def get_basis(self, event) -> str:
        return candidate_bases([event.candidate_id]).get(event.candidate_id, "")


class CorrectedStageEvent(RecordedStageEvent):
    reason = serializers.CharField()


class RuleSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="The rule's id, e.g. R7.")
    name = serializers.CharField()
    document = serializers.CharField()
    clause = serializers.CharField()
    citation = serializers.CharField()
    message = serializers.CharField()


class RefusalDetails(serializers.Serializer):
    """Per field, its messages; with `rule_refused`, `rules`: each rule that refused."""

    rules = RuleSerializer(many=True, required=False)


class RefusalSerializer(s.ErrorSerializer):
    details = RefusalDetails()
