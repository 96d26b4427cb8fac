"""What the working-away endpoints read from their bodies and answer with."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from ranks.api import serializers as s
from ranks.people.models import AbsenceWhere

# --- bodies -----------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "enum": AbsenceWhere.values})
class WhereKindField(serializers.ChoiceField):
    """The kinds in the schema; a value outside them is refused by the service, with the
    message the page gives."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return data


class NewAbsenceSerializer(serializers.Serializer):
    """The working-away page's form."""

    started_on = serializers.DateField(help_text="The first day away (YYYY-MM-DD).")
    where_kind = WhereKindField(
        choices=AbsenceWhere.choices,
        help_text="`province`: another province; `country`: abroad; `enterprise`: an "
        "enterprise or company.",
    )
    where = serializers.CharField(
        max_length=200, help_text="Where: a province, a country, a company's name."
    )
    contact = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="How contact is kept (a phone number, Zalo).",
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AbsenceReturnSerializer(serializers.Serializer):
    """The return page's form."""

    ended_on = serializers.DateField(help_text="The day the member is back (YYYY-MM-DD).")
    note = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Added to the note written at the start, on a new line.",
    )


# --- answers ----------------------------------------------------------------------------------

BASIS_HELP = (
    "A digest of everything recorded about the person's working away: it changes with every "
    "start, return or change (compare it with the one a device last saw)."
)


class AbsenceSerializer(serializers.Serializer):
    """A time of working away: from `started_on` until `ended_on`, the day back (null while
    away)."""

    id = serializers.IntegerField()
    person_id = serializers.CharField(source="person.person_id")
    cell = serializers.CharField(
        source="cell.code", help_text="The code of the member's cell on the first day away."
    )
    where_kind = serializers.ChoiceField(choices=AbsenceWhere.choices)
    where = serializers.CharField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    contact = serializers.CharField()
    note = serializers.CharField()


class RecordedAbsenceSerializer(AbsenceSerializer):
    """The absence as recorded, with the person's basis after the write."""

    basis = serializers.CharField(help_text=BASIS_HELP)


class AbsenceListSerializer(serializers.Serializer):
    """The person's times working away, the newest first."""

    basis = serializers.CharField(help_text=BASIS_HELP)
    results = AbsenceSerializer(many=True)


class AbsenceServerVersion(serializers.Serializer):
    absences = AbsenceSerializer(many=True, help_text="The latest five, the newest first.")


class AbsenceConflictDetails(serializers.Serializer):
    basis = serializers.CharField(help_text="The person's basis now.")
    server = AbsenceServerVersion()


class AbsenceConflictSerializer(s.ErrorSerializer):
    """`conflict`: the member's working away changed after the device's copy was made."""

    details = AbsenceConflictDetails()


ABSENCE_CONFLICT = OpenApiResponse(
    AbsenceConflictSerializer,
    description="`conflict`: the member's working away changed after the copy the record was "
    "made on (`If-Match`, or the basis of the record followed); `details` has the server's "
    "version. Nothing was recorded.",
)


class NewAbsenceCommentSerializer(serializers.Serializer):
    """The yearly comment on a member working away (R15)."""

    on = serializers.DateField(help_text="The day of the comment (YYYY-MM-DD).")
    by_cell = serializers.CharField(
        max_length=200,
        help_text="The cell or organisation where the member lives that gave the comment.",
    )
    text = serializers.CharField(max_length=4000, help_text="The comment.")


class RecordedAbsenceCommentSerializer(serializers.Serializer):
    """The comment as recorded, and when the next is due (R15, on the working-day calendar)."""

    id = serializers.IntegerField()
    person_id = serializers.CharField()
    absence_id = serializers.IntegerField(help_text="The time away the comment is about.")
    on = serializers.DateField()
    by_cell = serializers.CharField()
    text = serializers.CharField()
    next_due = serializers.DateField(
        help_text="When the next yearly comment is due, counted from this one (R15)."
    )
