"""What the members' endpoints read from their queries and bodies, and answer with."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ranks.api.common import PageQuery, text_field
from ranks.people.models import LeftReason
from ranks.people.selectors import MOVE_DIRECTIONS, REGISTER_STATUSES

# --- queries ----------------------------------------------------------------------------------


class MembersQuery(PageQuery):
    status = serializers.ChoiceField(
        choices=REGISTER_STATUSES, required=False, help_text="Only members of this status then."
    )
    cell = text_field(40, required=False, help_text="Only the members of this cell (its code).")
    q = text_field(
        100,
        required=False,
        help_text="An identifier, or words of a name (diacritics and case ignored).",
    )
    year = serializers.IntegerField(
        min_value=1930, max_value=2100, required=False, help_text="Only those admitted that year."
    )


class PeriodQuery(PageQuery):
    """A period (from 1 January of `to`'s year to `to`, today, if not given) and a page."""

    on = None  # a period, not a day

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"from": [_("The end of the period is before its start.")]}
            )
        return attrs


# `from` is a Python keyword: the fields are added by name.
for _name, _help in (
    ("from", "The first day of the period (YYYY-MM-DD); 1 January of `to`'s year if not given."),
    ("to", "The last day of the period (YYYY-MM-DD); today if not given."),
):
    PeriodQuery._declared_fields[_name] = serializers.DateField(required=False, help_text=_help)


class TransfersQuery(PeriodQuery):
    direction = serializers.ChoiceField(
        choices=MOVE_DIRECTIONS,
        required=False,
        help_text="Only transfers into the unit, out of it, or between its cells (all if not "
        "given).",
    )


class LeavingsQuery(PeriodQuery):
    reason = serializers.ChoiceField(
        choices=LeftReason.values, required=False, help_text="Only leavings of this reason."
    )


# --- bodies -----------------------------------------------------------------------------------

CHOOSE_CELL = _("Choose the cell the member moves to.")


class TransferSerializer(serializers.Serializer):
    """The transfer page's form: the first day in the new cell, and the cell's code."""

    date = serializers.DateField(help_text="The first day in the new cell (YYYY-MM-DD).")
    cell_code = text_field(
        40,
        help_text="The code of the cell the member moves to.",
        error_messages={"required": CHOOSE_CELL, "blank": CHOOSE_CELL, "min_length": CHOOSE_CELL},
    )


@extend_schema_field({"type": "string", "enum": LeftReason.values})
class ReasonField(serializers.ChoiceField):
    """The reasons in the schema; a value outside them is refused by the service, with the
    message the page and the imports give."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return data


class LeaveSerializer(serializers.Serializer):
    """The leaving page's form: the day left and why."""

    date = serializers.DateField(help_text="The day the member left (YYYY-MM-DD).")
    reason = ReasonField(choices=LeftReason.choices, help_text="Why the membership ended.")


# --- answers ----------------------------------------------------------------------------------


class MemberCellSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RegisterMemberSerializer(serializers.Serializer):
    """A member as the register shows them on the date."""

    person_id = serializers.CharField(source="person.person_id")
    full_name = serializers.CharField(source="person.full_name")
    cell = MemberCellSerializer(help_text="Their cell on the date.")
    status = serializers.ChoiceField(choices=REGISTER_STATUSES)
    membership_id = serializers.IntegerField(source="membership.pk")
    admission_decision_date = serializers.DateField(source="membership.admission_decision_date")
    ceremony_date = serializers.DateField(source="membership.ceremony_date", allow_null=True)
    official_date = serializers.DateField(source="membership.official_date", allow_null=True)


class MemberTransferSerializer(serializers.Serializer):
    """A member's transfer, on their first day in the new cell."""

    person_id = serializers.CharField(source="posting.person.person_id")
    full_name = serializers.CharField(source="posting.person.full_name")
    membership_id = serializers.IntegerField(source="posting.membership_id")
    date = serializers.DateField(source="posting.valid_from")
    from_cell = MemberCellSerializer()
    to_cell = MemberCellSerializer()
    direction = serializers.ChoiceField(choices=MOVE_DIRECTIONS)


class MemberLeavingSerializer(serializers.Serializer):
    """A membership that ended, with the member's cell on their last day present."""

    person_id = serializers.CharField(source="membership.person.person_id")
    full_name = serializers.CharField(source="membership.person.full_name")
    membership_id = serializers.IntegerField(source="membership.pk")
    admission_decision_date = serializers.DateField(source="membership.admission_decision_date")
    left_date = serializers.DateField(source="membership.left_date")
    left_reason = serializers.ChoiceField(
        source="membership.left_reason", choices=LeftReason.choices
    )
    cell = MemberCellSerializer()


class NewPostingSerializer(serializers.Serializer):
    """A member's time in one cell (the new one, after a transfer)."""

    person_id = serializers.CharField(source="person.person_id")
    membership_id = serializers.IntegerField()
    cell = serializers.CharField(source="cell.code", help_text="The cell's code.")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)


class EndedMembershipSerializer(serializers.Serializer):
    """A membership after it ended."""

    person_id = serializers.CharField(source="person.person_id")
    membership_id = serializers.IntegerField(source="pk")
    admission_decision_date = serializers.DateField()
    ceremony_date = serializers.DateField(allow_null=True)
    official_date = serializers.DateField(allow_null=True)
    left_date = serializers.DateField()
    left_reason = serializers.ChoiceField(choices=LeftReason.choices)
