"""Template helpers of the coverage pages: the words of place kinds, secondment roles and cell
findings, from `ranks.reports.labels`."""

from collections.abc import Sequence

from django import template

from ranks.reports.builders.away import where_kind_label
from ranks.reports.labels import cell_flag_rows, place_kind_label, secondment_role_label

register = template.Library()


@register.filter
def place_kind(key: str) -> str:
    return place_kind_label(key)


@register.filter
def role_label(key: str) -> str:
    return secondment_role_label(key)


@register.filter
def flag_rows(flags: Sequence[str]) -> list[dict[str, str]]:
    """A cell's findings with their words and rules (`cell_flag_rows`)."""
    return cell_flag_rows(flags)


@register.filter
def away_where(key: str) -> str:
    """Where a member works away, in words: "abroad", "another province" …"""
    return where_kind_label(key)
