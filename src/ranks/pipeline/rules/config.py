"""Rule values as data, keyed by the document that states them and its effective dates."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

D = dt.date

# The areas where primary school is accepted instead of lower secondary (R3); the same flags as
# ranks.org.tree.AREA_FLAGS, repeated here so the rules import nothing outside the package.
EXEMPT_AREAS = ("mountainous", "border", "island", "ethnic_minority", "disadvantaged", "fishermen")


@dataclass(frozen=True)
class RuleSet:
    """What one document states, and when it is in force (effective_to inclusive, None = open).

    `values` maps a value's key to (value, clause). `stands_in_before`: whether, on a day before
    the oldest document stating a value, that document's value stands in (a regulation restating
    an older one does; a planning norm that did not exist before its resolution does not)."""

    document: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    values: Mapping[str, tuple[Any, str]] = field(default_factory=dict)
    stands_in_before: bool = True

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


@dataclass(frozen=True)
class Cited:
    """A value with the document and clause that state it."""

    value: Any
    document: str
    clause: str

    @property
    def citation(self) -> str:
        return f"{self.document} {self.clause}"


@dataclass(frozen=True)
class RuleValues:
    """Every value in force on `day`, each from the newest document in force that states it."""

    day: dt.date
    cited: Mapping[str, Cited]

    def __getitem__(self, key: str) -> Any:
        return self.cited[key].value

    def source(self, key: str) -> Cited:
        return self.cited[key]

    def get(self, key: str) -> Cited | None:
        """The value with its citation, or None when no document in force states it."""
        return self.cited.get(key)


# The regulations implementing the Charter replace each other; the guidance follows them.
# Values repeated in a later document are restated there so each finding names the document in
# force. Clauses of 294-QĐ/TW and 06-HD/TW follow the numbering of the documents they replace
# where no source gives theirs (see the report of the change that added this module).
_ADMISSION_232 = {
    "min_age_months": (216, "§1.1.1"),
    "max_age_months": (720, "§1.1.2"),
    "education_required": ("lower_secondary", "§1.2"),
    "education_exempt_areas": (EXEMPT_AREAS, "§1.2"),
    "education_exempt_level": ("primary", "§1.2"),
    "introducer_count": (2, "§3.1"),
    "introducer_months_together": (12, "§3.2"),
    "decision_wd": (60, "§4.3.1"),
    "decision_extension_wd": (30, "§4.3.1"),
    "ceremony_wd": (30, "§4.1"),
    "recognition_cell_wd": (30, "§4.3.1"),
    "recognition_committee_wd": (30, "§4.3.1"),
    "recognition_extension_wd": (30, "§4.3.1"),
    "recognition_max_votes": (3, "§4.2.3"),
    "decision_committee": ("grassroots_if_authorised", "§3.5"),
}

RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        document="Charter",
        effective_from=D(2011, 1, 19),
        values={
            "introducer_count": (2, "Art. 4.2"),
            "vote_share": (Fraction(2, 3), "Art. 4.3"),
            "probation_months": (12, "Art. 5.1"),
            "cell_min_official_members": (3, "Art. 21"),
            "cell_committee_threshold": (9, "Art. 24"),
        },
    ),
    RuleSet(
        document="29-QĐ/TW",
        effective_from=D(2016, 7, 25),
        effective_to=D(2021, 7, 29),
        values={
            "min_age_months": (216, "§1.1"),
            "max_age_months": (720, "§1.1"),
            "education_required": ("lower_secondary", "§1.2"),
            "education_exempt_areas": (EXEMPT_AREAS, "§1.2"),
            "education_exempt_level": ("primary", "§1.2"),
            "introducer_count": (2, "§3.1"),
            "introducer_months_together": (12, "§3.2"),
            "decision_wd": (60, "§3.4"),
            "decision_extension_wd": (30, "§3.4"),
            "ceremony_wd": (30, "§3.5"),
            "recognition_cell_wd": (30, "§4.2"),
            "recognition_committee_wd": (30, "§4.2"),
            "recognition_extension_wd": (30, "§4.2"),
            "recognition_max_votes": (3, "§4.2"),
            "decision_committee": ("grassroots_if_authorised", "§3.5"),
        },
    ),
    RuleSet(
        document="24-QĐ/TW",
        effective_from=D(2021, 7, 30),
        effective_to=D(2025, 1, 27),
        values={
            "min_age_months": (216, "§1.1.1"),
            "max_age_months": (720, "§1.1.2"),
            "education_required": ("lower_secondary", "§1.2.1"),
            "education_exempt_areas": (EXEMPT_AREAS, "§1.2.2"),
            "education_exempt_level": ("primary", "§1.2.2"),
            "introducer_count": (2, "§3.1"),
            "introducer_months_together": (12, "§3.2"),
            "decision_wd": (60, "§3.4"),
            "decision_extension_wd": (30, "§3.4"),
            "ceremony_wd": (30, "§3.5"),
            "recognition_cell_wd": (30, "§4.2"),
            "recognition_committee_wd": (30, "§4.2"),
            "recognition_extension_wd": (30, "§4.2"),
            "recognition_max_votes": (3, "§4.2.3"),
            "decision_committee": ("grassroots_if_authorised", "§3.5"),
        },
    ),
    RuleSet(
        document="232-QĐ/TW",
        effective_from=D(2025, 1, 28),
        effective_to=D(2025, 6, 30),
        values=_ADMISSION_232,
    ),
    RuleSet(document="294-QĐ/TW", effective_from=D(2025, 7, 1), values=_ADMISSION_232),
    RuleSet(
        document="01-HD/TW 2016",
        effective_from=D(2016, 9, 20),
        effective_to=D(2021, 9, 27),
        values={
            "max_age_exemption": (True, "§1.1"),
            "education_elder_level": ("read_write", "§1.2"),
            "certificate_valid_months": (60, "§3.3"),
            "dossier_valid_months": (12, "§3.4"),
            "decision_committee_guidance": ("grassroots_if_authorised", "§3.5"),
        },
    ),
    RuleSet(
        document="01-HD/TW",
        effective_from=D(2021, 9, 28),
        effective_to=D(2025, 6, 8),
        values={
            "max_age_exemption": (True, "§1.1"),
            "education_elder_level": ("read_write", "§1.2"),
            "certificate_valid_months": (60, "§3.3"),
            "dossier_valid_months": (12, "§3.4"),
            "decision_committee_guidance": ("grassroots_if_authorised", "§3.5"),
        },
    ),
    RuleSet(
        document="06-HD/TW",
        effective_from=D(2025, 6, 9),
        values={
            "max_age_exemption": (True, "§1.1"),
            "education_elder_level": ("read_write", "§1.2"),
            "certificate_valid_months": (60, "§5.4"),
            "dossier_valid_months": (12, "§5.4"),
            "decision_committee_guidance": ("grassroots_if_authorised", "§5.5"),
        },
    ),
    RuleSet(
        document="213-QĐ/TW",
        effective_from=D(2020, 1, 2),
        values={"working_away_comment_months": (12, "Art. 5")},
    ),
    # The planning norms (R16, R17) of the resolution on grassroots organisations and members
    # (Central Committee, 5th plenum of the 13th term, 2022-06-16): its specific objectives.
    # Before it no norm is held, so nothing stands in for an earlier day.
    RuleSet(
        document="21-NQ/TW",
        effective_from=D(2022, 6, 16),
        stands_in_before=False,
        values={
            # R16: admissions each year of 3-4 % of all members (percent, low and high).
            "admission_norm_percent": ((3, 4), "§II.2"),
            # R17: every village with members by the end of 2025; every village and residential
            # group with a cell by the end of 2030 (place kinds, and the year).
            "members_norm_kinds": (("village",), "§II.2"),
            "members_norm_year": (2025, "§II.2"),
            "cell_norm_kinds": (("village", "residential_group"), "§II.2"),
            "cell_norm_year": (2030, "§II.2"),
        },
    ),
)


def rules_on(day: dt.date, rule_sets: tuple[RuleSet, ...] = RULE_SETS) -> RuleValues:
    """The value of each key on `day`: the newest document in force that states it wins."""
    if rule_sets is RULE_SETS:
        return _rules_on_cached(day)  # an import asks for the same days over and over
    return _rules_on(day, rule_sets)


@functools.lru_cache(maxsize=8192)
def _rules_on_cached(day: dt.date) -> RuleValues:
    return _rules_on(day, RULE_SETS)


def _rules_on(day: dt.date, rule_sets: tuple[RuleSet, ...]) -> RuleValues:
    cited: dict[str, Cited] = {}
    in_force = sorted((r for r in rule_sets if r.in_force(day)), key=lambda r: r.effective_from)
    for rule_set in in_force:
        for key, (value, clause) in rule_set.values.items():
            cited[key] = Cited(value, rule_set.document, clause)
    # Before the earliest document that states a value, that document's value stands in: the
    # rules engine holds no older regulation (docs/rules.md lists the documents it holds).
    for rule_set in sorted(rule_sets, key=lambda r: r.effective_from):
        if rule_set.effective_from > day and rule_set.stands_in_before:
            for key, (value, clause) in rule_set.values.items():
                if key not in cited:
                    cited[key] = Cited(value, rule_set.document, clause)
    return RuleValues(day, cited)
