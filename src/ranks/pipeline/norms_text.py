"""How far a unit stands from a planning norm (R16, R17), said in the active language."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from ranks.pipeline.findings_text import rule_citation
from ranks.pipeline.rules.norms import (
    LATE,
    MEMBERS,
    MET,
    ON_TIME,
    STALLED,
    CoverageStanding,
    RatioStanding,
)


@dataclass(frozen=True)
class NormLine:
    """One sentence about a norm, the rule it cites, and a status for the page's colour."""

    rule: str
    key: str  # "members", "cell" (R17) or "ratio" (R16)
    citation: str
    text: str
    status: str


def _places(standing: CoverageStanding, count: int) -> str:
    if standing.norm.what == MEMBERS:
        return ngettext(
            "%(count)s village without party members",
            "%(count)s villages without party members",
            count,
        ) % {"count": count}
    return ngettext(
        "%(count)s village or residential group without a cell",
        "%(count)s villages or residential groups without a cell",
        count,
    ) % {"count": count}


def _asked(standing: CoverageStanding) -> str:
    year = standing.norm.year
    if standing.norm.what == MEMBERS:
        if standing.on.year > year:
            return gettext("the norm asked every village to have members by %(year)s") % {
                "year": year
            }
        return gettext("the norm asks every village to have members by %(year)s") % {"year": year}
    if standing.on.year > year:
        return gettext(
            "the norm asked every village and residential group to have a cell by %(year)s"
        ) % {"year": year}
    return gettext(
        "the norm asks every village and residential group to have a cell by %(year)s"
    ) % {"year": year}


def _pace(pace: Fraction) -> str:
    whole = pace.denominator == 1
    return number_format(round(float(pace), 1), decimal_pos=0 if whole else 1)


def coverage_line(standing: CoverageStanding) -> NormLine:
    """ "3 villages without party members; at the pace of the last 3 years (1 a year), reached
    in 2029 — the norm asked every village to have members by 2025." """
    norm = standing.norm
    asked = _asked(standing)
    if standing.status == MET:
        if norm.what == MEMBERS:
            text = gettext("Every village has party members, as %(asked)s.")
        else:
            text = gettext("Every village and residential group has a cell, as %(asked)s.")
        text %= {"asked": asked}
    elif standing.status in (ON_TIME, LATE):
        assert standing.pace is not None
        text = ngettext(
            "%(places)s; at the pace of the last year (%(pace)s a year), reached in "
            "%(reached)s — %(asked)s.",
            "%(places)s; at the pace of the last %(years)s years (%(pace)s a year), reached in "
            "%(reached)s — %(asked)s.",
            standing.pace_years,
        ) % {
            "places": _places(standing, standing.short),
            "years": standing.pace_years,
            "pace": _pace(standing.pace),
            "reached": standing.reached,
            "asked": asked,
        }
    elif standing.status == STALLED:
        text = ngettext(
            "%(places)s, no fewer than a year ago: at this pace never reached — %(asked)s.",
            "%(places)s, no fewer than %(years)s years ago: at this pace never reached — "
            "%(asked)s.",
            standing.pace_years,
        ) % {
            "places": _places(standing, standing.short),
            "years": standing.pace_years,
            "asked": asked,
        }
    else:  # NO_PACE: no earlier year recorded
        text = gettext("%(places)s; no earlier year to read a pace from — %(asked)s.") % {
            "places": _places(standing, standing.short),
            "asked": asked,
        }
    text = text[:1].upper() + text[1:]
    citation = rule_citation(norm.rule, norm.document, norm.clause)
    return NormLine(norm.rule, norm.what, citation, text, standing.status)


def ratio_line(standing: RatioStanding) -> NormLine:
    """ "12 admissions short of 3 % of the members (30 of 1,000); at the current pace the year
    ends with 25 admissions, 2.50 %." """
    norm = standing.norm
    low = {"low": norm.low, "needed": standing.needed, "members": standing.members}
    if standing.short:
        text = ngettext(
            "%(short)s admission short of %(low)s %% of the members (%(needed)s of %(members)s).",
            "%(short)s admissions short of %(low)s %% of the members (%(needed)s of %(members)s).",
            standing.short,
        ) % {"short": standing.short, **low}
    else:
        text = (
            gettext(
                "%(low)s %% of the members is reached (%(needed)s needed, %(members)s members)."
            )
            % low
        )
    if standing.projected is not None and standing.projected_ratio is not None:
        if standing.projected_within:
            said = gettext("within the norm")
        elif standing.projected_ratio < norm.low:
            said = gettext("below the norm")
        else:
            said = gettext("above the norm")
        text += " " + gettext(
            "At the current pace the year ends with %(projected)s admissions, %(ratio)s %%: "
            "%(said)s."
        ) % {
            "projected": standing.projected,
            "ratio": number_format(standing.projected_ratio, decimal_pos=2),
            "said": said,
        }
    # Reached already; or reached by the year's end at the pace; or not.
    if not standing.short:
        status = MET
    elif standing.projected_ratio is not None and standing.projected_ratio >= norm.low:
        status = ON_TIME
    else:
        status = LATE
    return NormLine(
        norm.rule, "ratio", rule_citation(norm.rule, norm.document, norm.clause), text, status
    )
