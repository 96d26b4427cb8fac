"""What falls due and by when: the deadlines of R4, R5, R8, R9 and R11 in working days, and the
yearly comment on someone working away (R15)."""

from __future__ import annotations

import datetime as dt

from .calendar import add_months, add_working_days, next_working_day, working_days_between
from .config import RuleValues, rules_on
from .facts import Pipeline
from .findings import (
    BLOCKED,
    OK,
    WARN_WITHIN_WD,
    WARNING,
    Finding,
    Status,
    _finding,
    probation_end,
    vote_passes,
)


def _window(on: dt.date, deadline: dt.date) -> Status:
    if on > deadline:
        return BLOCKED
    if working_days_between(on, deadline) <= WARN_WITHIN_WD:
        return WARNING
    return OK


def _extendable(
    v: RuleValues, key: str, ext_key: str, rule: str, start: dt.date, on: dt.date, code: str
) -> Finding:
    deadline = add_working_days(start, v[key])
    extended = add_working_days(start, v[key] + v[ext_key])
    if on <= deadline:
        return _finding(
            v, key, rule, _window(on, deadline), code, deadline,
            deadline=deadline, extended=extended,
        )  # fmt: skip
    # Within the extension the step may still be taken, with reasons; after it, overdue.
    return _finding(
        v, ext_key, rule, WARNING if on <= extended else BLOCKED, f"{code}_extension", extended,
        deadline=deadline, extended=extended,
    )  # fmt: skip


def candidate_away_comment(
    since: dt.date, comments_collected_on: dt.date | None, on: dt.date
) -> Finding:
    """A candidate working away since `since` needs a yearly comment from where they live
    (R15), counted from the start or the last comments collected."""
    v = rules_on(on)
    last = since
    if comments_collected_on is not None and comments_collected_on > last:
        last = comments_collected_on
    deadline = add_months(last, v["working_away_comment_months"])
    return _finding(
        v, "working_away_comment_months", "R15", _window(on, deadline), "due_away_comment",
        deadline, deadline=deadline, since=since,
    )  # fmt: skip


def _away_comment(p: Pipeline, on: dt.date) -> Finding:
    assert p.away_since is not None
    return candidate_away_comment(p.away_since, p.comments_collected_on, on)


def member_away_comment(since: dt.date, last_comment: dt.date | None, on: dt.date) -> Finding:
    """A party member working away since `since` needs a comment every year from the cell where
    they live (R15): due the configured months after the start or the last comment, on the
    working-day calendar (a deadline on a weekend or a holiday moves to the next working day).
    The value is the one in force on the day counted from."""
    last = last_comment if last_comment is not None and last_comment > since else since
    v = rules_on(last)
    deadline = next_working_day(add_months(last, v["working_away_comment_months"]))
    return _finding(
        v, "working_away_comment_months", "R15", _window(on, deadline), "due_member_away_comment",
        deadline, deadline=deadline, since=since,
    )  # fmt: skip


def due(pipeline: Pipeline, on: dt.date) -> list[Finding]:
    """What is due and by when: status warning within 10 WD, blocked when overdue."""
    p = pipeline
    findings: list[Finding] = []
    if p.removed_on is not None or p.recognition_decided_on is not None:
        return findings
    if p.away_since is not None:
        findings.append(_away_comment(p, on))
    if p.vote is None:
        v = rules_on(on)
        if p.certificate is not None:
            deadline = add_months(p.certificate.issued_on, v["certificate_valid_months"])
            findings.append(
                _finding(
                    v,
                    "certificate_valid_months",
                    "R4",
                    _window(on, deadline),
                    "due_cell_resolution_certificate",
                    deadline,
                    deadline=deadline,
                )  # fmt: skip
            )
        if p.documents:
            doc = min(p.documents, key=lambda d: d.dated)
            deadline = add_months(doc.dated, v["dossier_valid_months"])
            findings.append(
                _finding(
                    v,
                    "dossier_valid_months",
                    "R5",
                    _window(on, deadline),
                    "due_cell_resolution_documents",
                    deadline,
                    deadline=deadline,
                    name=doc.name,
                )  # fmt: skip
            )
        return findings
    v = rules_on(p.vote.on)
    if p.decision is None:
        if vote_passes(p.vote, v["vote_share"]):
            findings.append(
                _extendable(
                    v, "decision_wd", "decision_extension_wd", "R8", p.vote.on, on, "due_decision"
                )
            )
        return findings
    if p.ceremony is None:
        if p.decision.received_on is not None:
            v = rules_on(p.decision.received_on)
            deadline = add_working_days(p.decision.received_on, v["ceremony_wd"])
            findings.append(
                _finding(
                    v,
                    "ceremony_wd",
                    "R9",
                    _window(on, deadline),
                    "due_ceremony",
                    deadline,
                    deadline=deadline,
                )  # fmt: skip
            )
        return findings
    ends = probation_end(p)
    assert ends is not None
    v = rules_on(ends)
    if p.recognition_vote is None:
        deadline = add_working_days(ends, v["recognition_cell_wd"])
        findings.append(
            _finding(
                v,
                "recognition_cell_wd",
                "R11",
                _window(on, deadline),
                "due_recognition_cell",
                deadline,
                deadline=deadline,
            )  # fmt: skip
        )
    elif vote_passes(p.recognition_vote, rules_on(p.recognition_vote.on)["vote_share"]):
        v = rules_on(p.recognition_vote.on)
        findings.append(
            _extendable(
                v,
                "recognition_committee_wd",
                "recognition_extension_wd",
                "R11",
                p.recognition_vote.on,
                on,
                "due_recognition_committee",
            )  # fmt: skip
        )
    return findings


# --- what may happen next ----------------------------------------------------------------------
