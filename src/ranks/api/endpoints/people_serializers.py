"""What a person's endpoints answer with and read from the query: the person as their page shows
them, and their memberships with postings, transfers and leaving."""

from __future__ import annotations

from rest_framework import serializers

from ranks.api import serializers as s
from ranks.api.common import OnDay
from ranks.people import status
from ranks.people.models import (
    EducationGeneral,
    EducationProfessional,
    LeftReason,
    Occupation,
    PlaceRole,
)

STATUSES = (status.CANDIDATE, status.PROBATIONARY, status.OFFICIAL, status.LEFT)
STATUS_HELP = (
    "On the date: `none` (before the admission decision), `probationary`, `official`, `left`."
)


class PersonQuery(OnDay):
    show = serializers.ChoiceField(
        choices=["sensitive"],
        required=False,
        help_text="`sensitive`: ethnicity, religion and national ID too, with the sensitive grant "
        "(each read is logged).",
    )


class PlacePeriodSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PlaceRole.choices)
    code = serializers.CharField(help_text="The place's code.")
    name = serializers.CharField(help_text="Its name at the end of the period (else its start).")
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)


class CurrentMembershipSerializer(serializers.Serializer):
    """The running membership's cell on the date (else its last one)."""

    cell = serializers.CharField(source="cell.code")
    cell_name = serializers.CharField()
    since = serializers.DateField(help_text="Since when they belong to that cell.")
    status = serializers.ChoiceField(choices=STATUSES, help_text=STATUS_HELP)


class PersonDetailSerializer(s.PersonSerializer):
    on = serializers.DateField()
    age = serializers.IntegerField(help_text="Full years on the date.")
    occupation = serializers.CharField()
    education_general = serializers.CharField()
    education_professional = serializers.CharField()
    youth_union = serializers.BooleanField()
    phone = serializers.CharField()
    places = PlacePeriodSerializer(
        many=True, help_text="Where they lived and worked, newest first for each role."
    )
    current = CurrentMembershipSerializer(
        allow_null=True, help_text="Null for someone who is no member now."
    )
    candidate = serializers.BooleanField(
        help_text="Whether they are a candidate in a unit the caller sees (their candidacy "
        "answers there)."
    )
    sensitive = s.SensitiveSerializer(
        required=False,
        help_text="Only with ?show=sensitive and a sensitive grant covering them; each read is "
        "logged.",
    )


class PostingSerializer(serializers.Serializer):
    cell = serializers.CharField(source="posting.cell.code")
    cell_name = serializers.CharField(help_text="The cell's name when the posting began.")
    valid_from = serializers.DateField(source="posting.valid_from")
    valid_to = serializers.DateField(source="posting.valid_to", allow_null=True)


class TransferSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="The first day in the new cell.")
    from_cell = serializers.CharField(source="left.posting.cell.code")
    from_name = serializers.CharField(source="left.cell_name")
    to_cell = serializers.CharField(source="joined.posting.cell.code")
    to_name = serializers.CharField(source="joined.cell_name")


class PartyAgeSerializer(serializers.Serializer):
    years = serializers.IntegerField()
    months = serializers.IntegerField()


class MembershipSerializer(serializers.Serializer):
    admission_decision_date = serializers.DateField()
    admission_decision_no = serializers.CharField()
    ceremony_date = serializers.DateField(allow_null=True)
    official_date = serializers.DateField(allow_null=True)
    left_date = serializers.DateField(allow_null=True)
    left_reason = serializers.ChoiceField(choices=LeftReason.choices, allow_null=True)
    status = serializers.ChoiceField(choices=STATUSES, help_text=STATUS_HELP)
    party_age = PartyAgeSerializer(help_text="On the date, counted from the admission decision.")
    postings = PostingSerializer(many=True, help_text="The cells it was posted to, in order.")
    transfers = TransferSerializer(many=True, help_text="Each move from one cell to another.")


class MembershipsSerializer(serializers.Serializer):
    person_id = serializers.CharField()
    on = serializers.DateField()
    results = MembershipSerializer(many=True, help_text="Oldest first.")


class AttributePeriodSerializer(serializers.Serializer):
    valid_from = serializers.DateField(help_text="The first day these values hold.")
    valid_to = serializers.DateField(allow_null=True, help_text="The last day; null: still.")
    occupation = serializers.CharField()
    education_general = serializers.CharField()
    education_professional = serializers.CharField()
    youth_union = serializers.BooleanField()
    ethnicity = serializers.CharField(
        required=False, help_text="Only with ?show=sensitive and the sensitive grant (logged)."
    )
    religion = serializers.CharField(
        required=False, help_text="Only with ?show=sensitive and the sensitive grant (logged)."
    )


class AttributesSerializer(serializers.Serializer):
    person_id = serializers.CharField()
    results = AttributePeriodSerializer(
        many=True,
        help_text="The periods, newest first; each admission is counted by the period in force "
        "on its decision date.",
    )


class AttributesQuery(serializers.Serializer):
    show = serializers.ChoiceField(
        choices=["sensitive"],
        required=False,
        help_text="`sensitive`: ethnicity and religion too, with the sensitive grant (each read "
        "is logged).",
    )


class AttributesChangeSerializer(serializers.Serializer):
    """The values that change and the day from which they hold. A field left out keeps its
    value; ethnicity and religion need the sensitive grant."""

    attributes_from = serializers.DateField(
        help_text="From when the values given hold: on or after the birth date, not in the "
        "future. A day on or before an admission decision changes how it is counted."
    )
    occupation = serializers.ChoiceField(
        choices=Occupation.choices, required=False, allow_blank=True
    )
    education_general = serializers.ChoiceField(
        choices=EducationGeneral.choices, required=False, allow_blank=True
    )
    education_professional = serializers.ChoiceField(
        choices=EducationProfessional.choices, required=False, allow_blank=True
    )
    youth_union = serializers.BooleanField(required=False)
    ethnicity = serializers.CharField(max_length=60, required=False, allow_blank=True)
    religion = serializers.CharField(max_length=60, required=False, allow_blank=True)
