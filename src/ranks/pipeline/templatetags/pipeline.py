"""Template helpers of the pipeline pages: labels of stages, list states and findings' statuses,
and what the user may do, for the links on the unit and person pages."""

from django import template
from django.utils.translation import gettext_lazy as _

from ranks.access.requests import officer_covers, scope_of
from ranks.pipeline import findings_text
from ranks.pipeline.selectors import candidacy_visible
from ranks.pipeline.stages import SourceGroup, Stage

register = template.Library()

STATUS_LABELS = {
    "ok": _("meets the rule"),
    "warning": _("needs attention"),
    "blocked": _("blocked"),
}
STATUS_SIGNS = {"ok": "✓", "warning": "!", "blocked": "✗"}


@register.filter
def stage_label(key: str) -> str:
    return str(Stage(key).label) if key in Stage.values else key


@register.filter
def source_group_label(key: str) -> str:
    return str(SourceGroup(key).label) if key in SourceGroup.values else key


@register.filter
def rule_name(code: str) -> str:
    """The name of a rule beside its code: "R7" → "vote of the cell (two thirds)"."""
    return findings_text.rule_name(code)


@register.filter
def rule_title(code: str) -> str:
    """A rule's code with its name: "R14" → "R14 – size of a cell"."""
    return findings_text.rule_title(code)


@register.filter
def finding_status(key: str) -> str:
    return str(STATUS_LABELS.get(key, key))


@register.filter
def finding_sign(key: str) -> str:
    return STATUS_SIGNS.get(key, "")


@register.simple_tag(takes_context=True)
def visible_candidacy(context, person) -> bool:
    """Whether the person's candidacy is in the user's units (its page would not answer 404)."""
    request = context.get("request")
    if request is None:
        return False
    return candidacy_visible(scope=scope_of(request), person=person)


@register.simple_tag(takes_context=True)
def may_record_at(context, unit) -> bool:
    request = context.get("request")
    return request is not None and officer_covers(request, unit)


@register.filter
def basis_in(candidate, bases: dict) -> str:
    """The candidacy's basis among `bases` (by candidacy id), for the links the installed app
    fetches ahead: `{{ c|basis_in:bases }}`."""
    return bases.get(candidate.pk, "") if bases else ""
