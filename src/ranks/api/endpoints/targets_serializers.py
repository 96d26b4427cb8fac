"""What the targets endpoints read and answer: the query and path checks, the bodies of a setting
and of an allocation (the allocation page's fields, with its messages), and the allocation as the
page shows it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from ranks.api.common import text_field
from ranks.targets.forms import MAX_VALUE
from ranks.targets.metrics import Metric, Weight
from ranks.targets.services import FIRST_YEAR

# The service refuses a year after next year + YEARS_AHEAD (a 400 with its message); the schema
# bounds it by what a year can be, so that the committed schema does not change on 1 January.
LAST_YEAR = 9999

METRIC_HELP = "What the target counts."
YEAR_HELP = (
    f"The year ({FIRST_YEAR}–{LAST_YEAR}); a write for a year after next year + 10 is refused."
)

# The allocation page's messages for a figure (`ranks.targets.forms`), word for word.
NUMBER_ERRORS = {
    "invalid": gettext_lazy("Enter a whole number, 0 or more."),
    "min_value": gettext_lazy("Enter a whole number, 0 or more."),
    "max_value": gettext_lazy("This number is too large."),
    "null": gettext_lazy("A target cannot be removed here; enter 0 instead."),
}


def year_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=FIRST_YEAR, max_value=LAST_YEAR, help_text=YEAR_HELP, **kwargs
    )


def metric_field(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=Metric.values, help_text=METRIC_HELP, **kwargs)


def figure_field(help_text: str, **kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0,
        max_value=MAX_VALUE,
        error_messages=NUMBER_ERRORS,
        help_text=help_text,
        **kwargs,
    )


def reason_field() -> serializers.RegexField:
    # Any text but NUL (PostgreSQL takes none); the page's textarea keeps 1000 characters.
    return serializers.RegexField(
        r"^[^\x00]*$",
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Kept with every change, e.g. the number of the resolution.",
    )


class TargetsQuery(serializers.Serializer):
    year = year_field(required=False)
    metric = metric_field(required=False)


class TargetPath(serializers.Serializer):
    year = year_field()
    metric = metric_field()


class SuggestQuery(serializers.Serializer):
    suggest = serializers.ChoiceField(
        choices=Weight.values,
        allow_blank=True,
        required=False,
        help_text=(
            "A suggested split of the unit's target among the units below (`suggestion`), by "
            "this weight; empty: the metric's default."
        ),
    )


class TargetSetBody(serializers.Serializer):
    value = figure_field("The unit's target.")
    reason = reason_field()


class ChildValue(serializers.Serializer):
    code = text_field(60, help_text="A unit directly below on the allocation day.")
    value = figure_field("Its target.")


class AllocateBody(serializers.Serializer):
    children = ChildValue(
        many=True,
        help_text="The units below to set, each once; a unit left out keeps its target.",
    )
    unit_value = figure_field(
        "The unit's own target, set in the same transaction (the manager role over its parent).",
        required=False,
    )
    reason = reason_field()
    suggested_weight = serializers.ChoiceField(
        choices=Weight.values,
        required=False,
        help_text=(
            "The figures came from the suggested split by this weight: each child's revision "
            "keeps the weight and the value it suggested (worked out again on the server)."
        ),
    )

    def validate_children(self, children):
        codes = [child["code"] for child in children]
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise serializers.ValidationError(
                _("Each unit may be given only once: %(codes)s.") % {"codes": ", ".join(twice)}
            )
        return children


# --- answers ----------------------------------------------------------------------------------


class ChildTargetSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.IntegerField(allow_null=True, help_text="Null: no target set.")


class BalanceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["over", "under", "exact", "none"])
    amount = serializers.IntegerField(allow_null=True)
    text = serializers.CharField(help_text="The page's verdict, in the language asked.")


class RevisionSerializer(serializers.Serializer):
    unit = serializers.CharField(source="target.unit.code")
    old_value = serializers.IntegerField(allow_null=True, help_text="Null: the first setting.")
    new_value = serializers.IntegerField()
    by = serializers.CharField()
    at = serializers.DateTimeField()
    reason = serializers.CharField(allow_blank=True)
    suggested_weight = serializers.CharField(
        allow_blank=True, help_text="The suggested split it came from: its weight; empty: none."
    )
    suggested_value = serializers.IntegerField(
        allow_null=True, help_text="What that suggestion gave this unit; null: none."
    )


class SuggestedPartSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.IntegerField(help_text="Its suggested target.")
    reason = serializers.CharField(help_text="What it got and why, in the language asked.")
    weight = serializers.FloatField(
        help_text="The count it went by (the norm: 3.5 % of its members)."
    )


class SuggestionSerializer(serializers.Serializer):
    weight = serializers.ChoiceField(choices=Weight.values)
    weight_label = serializers.CharField()
    counted_on = serializers.DateField(help_text="The day the weights are counted on.")
    value = serializers.IntegerField(help_text="The unit's target, split.")
    equal = serializers.BooleanField(help_text="No unit below had any weight: split equally.")
    parts = SuggestedPartSerializer(many=True, help_text="One per unit below, summing to `value`.")


class AllocationSerializer(serializers.Serializer):
    """One metric of one year: the unit's target, who set it, and its split among the units
    directly below it on the allocation day."""

    unit = serializers.CharField()
    name = serializers.CharField(allow_null=True, help_text="The unit's name on the day.")
    year = serializers.IntegerField()
    metric = serializers.ChoiceField(choices=Metric.values)
    metric_label = serializers.CharField()
    day = serializers.DateField(
        help_text="The tree the year is split on: 1 January of a past year, else today."
    )
    exists_on_day = serializers.BooleanField()
    value = serializers.IntegerField(allow_null=True, help_text="The unit's target; null: none.")
    set_by = serializers.CharField(allow_null=True)
    set_at = serializers.DateTimeField(allow_null=True)
    children = ChildTargetSerializer(many=True)
    allocated = serializers.IntegerField(help_text="The sum of the children's targets.")
    remainder = serializers.IntegerField(
        allow_null=True,
        help_text="The target less what is allocated (below 0: over-allocated); null: no target.",
    )
    balance = BalanceSerializer()
    may_allocate = serializers.BooleanField(help_text="The manager role over the unit.")
    may_set = serializers.BooleanField(help_text="The manager role over its parent as well.")


class AllocationDetailSerializer(AllocationSerializer):
    revisions = RevisionSerializer(many=True, help_text="The latest 30 changes, newest first.")
    suggestion = SuggestionSerializer(
        allow_null=True, help_text="With `?suggest=`: a suggested split; null otherwise."
    )


class TargetsSerializer(serializers.Serializer):
    unit = serializers.CharField()
    year = serializers.IntegerField()
    results = AllocationSerializer(many=True, help_text="One per metric, in the metrics' order.")


class TargetWrittenSerializer(AllocationDetailSerializer):
    changed = serializers.ListField(
        child=serializers.CharField(), help_text="The units whose target changed."
    )
    message = serializers.CharField(help_text="The page's message: what was saved.")
