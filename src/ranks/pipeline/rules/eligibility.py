"""Is the candidate eligible to be considered on a date, and how did each step after it go (R1–R11, R14)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from .calendar import add_months, add_working_days, months_between, working_days_between
from .config import RuleValues, rules_on
from .facts import EDUCATION_LEVELS, Pipeline, Vote
from .findings import (
    BLOCKED,
    OK,
    WARNING,
    Finding,
    _calendar_months,
    _finding,
    _votes_required,
    considered_on,
    probation_end,
    vote_passes,
)


def _age(p: Pipeline, day: dt.date, v: RuleValues) -> list[Finding]:
    birth = p.candidate.birth_date
    months = _calendar_months(birth, day)
    min_months, max_months = v["min_age_months"], v["max_age_months"]
    if months < min_months:
        eligible_from = add_months(dt.date(birth.year, birth.month, 1), min_months)
        r1 = _finding(
            v, "min_age_months", "R1", BLOCKED, "age_under_min", eligible_from,
            min_months=min_months, eligible_from=eligible_from,
        )  # fmt: skip
    else:
        r1 = _finding(v, "min_age_months", "R1", OK, "age_ok", age_months=months)
    if months <= max_months:
        r2 = _finding(v, "max_age_months", "R2", OK, "age_ok", age_months=months)
    elif (
        v.cited.get("max_age_exemption") is not None
        and v["max_age_exemption"]
        and p.candidate.over_60_consent
        and p.candidate.no_member_or_org_where_lives
    ):
        r2 = _finding(
            v, "max_age_exemption", "R2", OK, "age_over_max_exempted", max_months=max_months
        )
    else:
        r2 = _finding(v, "max_age_months", "R2", BLOCKED, "age_over_max", max_months=max_months)
    return [r1, r2]


def _level(education: str) -> int:
    return EDUCATION_LEVELS.index(education) if education in EDUCATION_LEVELS else -1


def _education(p: Pipeline, v: RuleValues) -> Finding:
    c = p.candidate
    level = _level(c.education_general)
    required = v["education_required"]
    if level >= _level(required):
        return _finding(v, "education_required", "R3", OK, "education_ok")
    areas = sorted(set(c.area_flags) & set(v["education_exempt_areas"]))
    if areas and level >= _level(v["education_exempt_level"]):
        return _finding(
            v, "education_exempt_level", "R3", OK, "education_exempt_area", areas=", ".join(areas)
        )
    if (
        areas
        and c.village_elder_consent
        and "education_elder_level" in v.cited
        and level >= _level(v["education_elder_level"])
    ):
        return _finding(v, "education_elder_level", "R3", OK, "education_village_elder")
    return _finding(
        v, "education_required", "R3", BLOCKED, "education_insufficient",
        education=c.education_general, required=required,
    )  # fmt: skip


def _certificate(p: Pipeline, day: dt.date, v: RuleValues) -> Finding:
    if p.certificate is None:
        return _finding(v, "certificate_valid_months", "R4", BLOCKED, "certificate_missing")
    valid_until = add_months(p.certificate.issued_on, v["certificate_valid_months"])
    if day > valid_until:
        return _finding(
            v, "certificate_valid_months", "R4", BLOCKED, "certificate_expired",
            valid_until=valid_until,
        )  # fmt: skip
    return _finding(
        v, "certificate_valid_months", "R4", OK, "certificate_valid", valid_until=valid_until
    )


def _documents(p: Pipeline, day: dt.date, v: RuleValues) -> list[Finding]:
    months = v["dossier_valid_months"]
    if not p.documents:
        return [_finding(v, "dossier_valid_months", "R5", BLOCKED, "dossier_missing")]
    findings = []
    for doc in p.documents:
        valid_until = add_months(doc.dated, months)
        if day > valid_until:
            findings.append(
                _finding(
                    v,
                    "dossier_valid_months",
                    "R5",
                    BLOCKED,
                    "document_expired",
                    name=doc.name,
                    months=months,
                    valid_until=valid_until,
                )  # fmt: skip
            )
        else:
            findings.append(
                _finding(
                    v,
                    "dossier_valid_months",
                    "R5",
                    OK,
                    "document_valid",
                    name=doc.name,
                    valid_until=valid_until,
                )  # fmt: skip
            )
    return findings


def _introducers(p: Pipeline, day: dt.date, v: RuleValues) -> list[Finding]:
    required_months = v["introducer_months_together"]
    findings: list[Finding] = []
    valid = 0
    pending: list[dt.date] = []  # days on which a not-yet-valid introducer becomes valid
    youth_union = False
    for intro in p.introducers:
        if intro.youth_union_resolution:
            youth_union = youth_union or p.candidate.is_youth_union
            continue
        if intro.left_on is not None and intro.left_on <= day:
            findings.append(
                _finding(
                    v,
                    "introducer_months_together",
                    "R6",
                    BLOCKED,
                    "introducer_left",
                    left_on=intro.left_on,
                )  # fmt: skip
            )
            continue
        if intro.probationary or intro.official_since is None or intro.official_since > day:
            became = None if intro.probationary else intro.official_since
            findings.append(
                _finding(v, "introducer_count", "R6", BLOCKED, "introducer_probationary", became)
            )
            continue
        if not intro.replacement:
            if intro.joined_unit_on is None:
                findings.append(
                    _finding(
                        v, "introducer_months_together", "R6", BLOCKED, "introducer_months_unknown"
                    )
                )
                continue
            together = months_between(intro.joined_unit_on, day)
            if together < required_months:
                eligible_from = add_months(intro.joined_unit_on, required_months)
                pending.append(eligible_from)
                findings.append(
                    _finding(
                        v,
                        "introducer_months_together",
                        "R6",
                        BLOCKED,
                        "introducer_too_recent",
                        eligible_from,
                        months=together,
                        required=required_months,
                        eligible_from=eligible_from,
                    )  # fmt: skip
                )
                continue
        valid += 1
    needed = v["introducer_count"] - (1 if youth_union else 0)
    if valid >= needed:
        findings.append(
            _finding(v, "introducer_count", "R6", OK, "introducers_ok", valid=valid, needed=needed)
        )
    else:
        pending.sort()
        short = needed - valid
        when = pending[short - 1] if len(pending) >= short else None
        findings.append(
            _finding(
                v,
                "introducer_count",
                "R6",
                BLOCKED,
                "introducers_missing",
                when,
                valid=valid,
                needed=needed,
            )  # fmt: skip
        )
    return findings


def _vote(vote: Vote, v: RuleValues, rule: str = "R7") -> list[Finding]:
    share = v["vote_share"]
    passed = vote_passes(vote, share)
    findings = [
        _finding(
            v,
            "vote_share",
            rule,
            OK if passed else BLOCKED,
            "vote_passed" if passed else "vote_failed",
            votes_for=vote.votes_for,
            official_members=vote.official_members,
            required=_votes_required(vote, share),
        )  # fmt: skip
    ]
    minimum = v["cell_min_official_members"]
    if vote.official_members < minimum:
        findings.append(
            _finding(
                v,
                "cell_min_official_members",
                "R14",
                WARNING,
                "cell_too_small",
                official_members=vote.official_members,
                min=minimum,
            )  # fmt: skip
        )
    return findings


def eligibility(pipeline: Pipeline, on: dt.date) -> list[Finding]:
    """R1–R7: may the cell consider (or could it have considered) the candidate?"""
    day = considered_on(pipeline, on)
    v = rules_on(day)
    findings = _age(pipeline, day, v)
    findings.append(_education(pipeline, v))
    findings.append(_certificate(pipeline, day, v))
    findings += _documents(pipeline, day, v)
    findings += _introducers(pipeline, day, v)
    if pipeline.vote is not None:
        findings += _vote(pipeline.vote, v)
    return findings


# --- after the cell resolution -----------------------------------------------------------------


def _after_resolution(p: Pipeline, on: dt.date) -> list[Finding]:
    findings: list[Finding] = []
    if p.vote is not None and p.decision is not None:
        v = rules_on(p.vote.on)
        deadline = add_working_days(p.vote.on, v["decision_wd"])
        extended = add_working_days(p.vote.on, v["decision_wd"] + v["decision_extension_wd"])
        wd = working_days_between(p.vote.on, p.decision.on)
        if p.decision.on <= deadline:
            status, code = OK, "decision_on_time"
        elif p.decision.on <= extended:
            status, code = WARNING, "decision_extended"
        else:
            status, code = BLOCKED, "decision_late"
        findings.append(
            _finding(v, "decision_wd", "R8", status, code, deadline, wd=wd, extended=extended)
        )
    if p.decision is not None and p.decision.received_on and p.ceremony is not None:
        v = rules_on(p.decision.received_on)
        deadline = add_working_days(p.decision.received_on, v["ceremony_wd"])
        wd = working_days_between(p.decision.received_on, p.ceremony.on)
        on_time = p.ceremony.on <= deadline
        findings.append(
            _finding(
                v,
                "ceremony_wd",
                "R9",
                OK if on_time else WARNING,
                "ceremony_on_time" if on_time else "ceremony_late",
                deadline,
                wd=wd,
                deadline=deadline,
            )  # fmt: skip
        )
    ends = probation_end(p)
    if p.ceremony is not None and ends is not None:
        v = rules_on(p.ceremony.on)
        code = "probation_running" if on < ends else "probation_ended"
        findings.append(_finding(v, "probation_months", "R10", OK, code, ends, ends=ends))
        v = rules_on(ends)
        cell_deadline = add_working_days(ends, v["recognition_cell_wd"])
        if p.recognition_vote is not None:
            rv = rules_on(p.recognition_vote.on)
            if not vote_passes(p.recognition_vote, rv["vote_share"]):
                findings.append(
                    _finding(
                        rv,
                        "vote_share",
                        "R11",
                        BLOCKED,
                        "recognition_vote_failed",
                        required=_votes_required(p.recognition_vote, rv["vote_share"]),
                        official_members=p.recognition_vote.official_members,
                    )  # fmt: skip
                )
                findings.append(not_recognised(p))
            elif p.recognition_vote.on > cell_deadline:
                findings.append(
                    _finding(
                        v,
                        "recognition_cell_wd",
                        "R11",
                        WARNING,
                        "recognition_cell_late",
                        cell_deadline,
                        deadline=cell_deadline,
                        official_on=ends,
                    )  # fmt: skip
                )
        if p.recognition_decided_on is not None:
            findings.append(
                _finding(
                    v, "recognition_cell_wd", "R11", OK, "official_from", ends, official_on=ends
                )
            )
    return findings


def _against_passes(vote: Vote, share: Fraction) -> bool:
    """Two thirds of the official members did not vote for: the cell is against (R12).

    Only the votes for are recorded, so an official member who did not vote for counts against."""
    against = vote.official_members - vote.votes_for
    return vote.official_members > 0 and Fraction(against, vote.official_members) >= share


def not_recognised(p: Pipeline) -> Finding:
    """After a failed recognition vote: removal when two thirds are against, another vote when
    neither side has two thirds, the upper committee after the last allowed vote (R12)."""
    votes = p.recognition_votes or ((p.recognition_vote,) if p.recognition_vote else ())
    latest = votes[-1]
    v = rules_on(latest.on)
    share = v["vote_share"]
    if _against_passes(latest, share):
        return _finding(
            v, "recognition_max_votes", "R12", BLOCKED, "not_recognised_removal",
            against=latest.official_members - latest.votes_for,
            official_members=latest.official_members,
        )  # fmt: skip
    undecided = sum(
        1 for vote in votes if not vote_passes(vote, share) and not _against_passes(vote, share)
    )
    most = v["recognition_max_votes"]
    code = "recognition_upper_decides" if undecided >= most else "recognition_vote_again"
    return _finding(v, "recognition_max_votes", "R12", WARNING, code, votes=undecided, max=most)


def evaluate(pipeline: Pipeline, on: dt.date) -> list[Finding]:
    """Is the candidate eligible to be considered on `on`, and if not why and from when; once
    past the cell resolution, whether each later step kept its rule."""
    return eligibility(pipeline, on) + _after_resolution(pipeline, on)


# --- deadlines ---------------------------------------------------------------------------------
