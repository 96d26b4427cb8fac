"""What the tree's endpoints answer with and read from the query: places and a unit's history."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ranks.api.common import PageQuery, text_field
from ranks.org.models import PlaceKind

# The events of a unit's life (`ranks.org.tree.history`), as a unit's page shows them.
HISTORY_EVENTS = (
    "opened",
    "moved",
    "renamed",
    "kind_changed",
    "can_admit_changed",
    "closed",
    "reopened",
)


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class UnitCodes(serializers.Field):
    """The codes of the units of a to-many relation (read from what was prefetched)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return [unit.code for unit in value.all()]


class PlacesQuery(PageQuery):
    unit = text_field(
        60,
        required=False,
        help_text="Only the places of this unit and the units below it on the date (its code).",
    )
    kind = serializers.ChoiceField(
        choices=PlaceKind.choices, required=False, help_text="Only places of this kind."
    )


class PlaceVersionSerializer(serializers.Serializer):
    """What a place was from `valid_from` to `valid_to` (both inclusive, null open)."""

    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=PlaceKind.choices)
    unit = serializers.CharField(source="unit.code", help_text="The unit it belongs to (code).")
    cells = UnitCodes(help_text="The cells based at the place (codes).")
    area_flags = serializers.ListField(child=serializers.CharField())
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)


class PlaceOnDaySerializer(PlaceVersionSerializer):
    """A place as it is on the date asked for."""

    code = serializers.CharField()
    unit = serializers.CharField(source="unit_code", help_text="The unit it belongs to (code).")

    def get_fields(self):
        fields = super().get_fields()
        return {"code": fields.pop("code"), **fields}


class PlaceDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    on = serializers.DateField()
    current = PlaceVersionSerializer(
        allow_null=True, help_text="The version in force on the date; null if none was."
    )
    closed_on = serializers.DateField(
        allow_null=True,
        help_text="The last day of its last version, if that version ends (null while it lasts).",
    )
    versions = PlaceVersionSerializer(many=True, help_text="Every version, oldest first.")


class HistoryEventSerializer(serializers.Serializer):
    """One dated event of a unit's life. `before` and `after`: the parent's names then
    (`opened`, `reopened`, `moved`; codes in `before_code`, `after_code`), the names
    (`renamed`), the kinds (`kind_changed`), "true"/"false" (`can_admit_changed`)."""

    day = serializers.DateField(allow_null=True, help_text="Null: since the beginning.")
    what = serializers.ChoiceField(choices=HISTORY_EVENTS)
    label = serializers.CharField(help_text="The event in the language asked for.")
    before = serializers.CharField(allow_null=True)
    after = serializers.CharField(allow_null=True)
    before_code = serializers.CharField(allow_null=True)
    after_code = serializers.CharField(allow_null=True)


class SuccessorSerializer(serializers.Serializer):
    code = serializers.CharField(source="unit.code")
    name = serializers.CharField()
    kind = serializers.CharField(source="kind.key")
    visible = serializers.BooleanField(
        help_text="Whether the caller sees it (else ask its committee for access)."
    )


class UnitHistorySerializer(serializers.Serializer):
    code = serializers.CharField()
    events = HistoryEventSerializer(many=True, help_text="Oldest first.")
    closed_on = serializers.DateField(
        allow_null=True, help_text="The day its last version ends, if it does."
    )
    successors = SuccessorSerializer(
        many=True,
        help_text="For a unit that closed: the units that carry on its work from the next day, "
        "as they were then (the units below it that went on hang below them).",
    )
