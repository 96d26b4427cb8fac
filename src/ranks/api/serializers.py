"""What the API answers with: plain serializers over what the selectors read."""

from __future__ import annotations

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class UnitVersionSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField(source="kind.key")
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    can_admit = serializers.BooleanField()
    area_flags = serializers.ListField(child=serializers.CharField())


class UnitOnDaySerializer(serializers.Serializer):
    """A unit as it is on the date asked for."""

    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(source="kind.key")
    parent = serializers.CharField(source="parent_code", allow_null=True)
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    can_admit = serializers.BooleanField()


class UnitDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    on = serializers.DateField()
    current = UnitVersionSerializer(allow_null=True)
    versions = UnitVersionSerializer(many=True)


class PersonSerializer(serializers.Serializer):
    person_id = serializers.CharField()
    full_name = serializers.CharField()
    birth_date = serializers.DateField()
    gender = serializers.CharField()


class SensitiveSerializer(serializers.Serializer):
    ethnicity = serializers.CharField()
    religion = serializers.CharField()
    national_id = serializers.CharField()


class PersonFoundSerializer(PersonSerializer):
    sensitive = SensitiveSerializer(
        required=False,
        help_text="Only with ?show=sensitive and the sensitive grant; each read is logged.",
    )


class PeopleSerializer(serializers.Serializer):
    results = PersonFoundSerializer(many=True)
