"""English templates of the findings' messages, keyed by code; the Django layer translates them.

`gettext_noop` is a local no-op under the name makemessages extracts, so the catalogue holds
every template without this module importing Django."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def gettext_noop(message: str) -> str:
    return message


TEMPLATES: dict[str, str] = {
    # R1, R2: age, counted in months on the day the cell considers admission; the Django layer
    # says the months as an age in years (`findings_text.AGE_PARAMS`).
    "age_ok": gettext_noop("Aged %(age_months)s, within the limits."),
    "age_under_min": gettext_noop("Under %(min_months)s of age; eligible from %(eligible_from)s."),
    "age_over_max": gettext_noop(
        "Over %(max_months)s of age; needs the provincial-level committee's written "
        "consent and living or working where there is no member or organisation."
    ),
    "age_over_max_exempted": gettext_noop(
        "Over %(max_months)s of age, admitted by the provincial-level committee's consent."
    ),
    # R3: education.
    "education_ok": gettext_noop("Education meets the requirement."),
    "education_exempt_area": gettext_noop("Primary school accepted in a %(areas)s area."),
    "education_village_elder": gettext_noop(
        "Read-and-write accepted for a village elder with the provincial-level consent."
    ),
    "education_insufficient": gettext_noop(
        "Education %(education)s is below the required %(required)s."
    ),
    # R4, R5: the dossier at the cell resolution.
    "certificate_missing": gettext_noop("No awareness-class certificate."),
    "certificate_valid": gettext_noop("Awareness-class certificate valid until %(valid_until)s."),
    "certificate_expired": gettext_noop(
        "Awareness-class certificate expired on %(valid_until)s; the class must be retaken."
    ),
    "dossier_missing": gettext_noop("The dossier has not been prepared."),
    "document_valid": gettext_noop("%(name)s is valid until %(valid_until)s."),
    "document_expired": gettext_noop(
        "%(name)s is more than %(months)s months old (expired %(valid_until)s); redo it."
    ),
    # R6: introducers.
    "introducer_probationary": gettext_noop("A probationary member cannot introduce."),
    "introducer_left": gettext_noop(
        "The introducer left the unit on %(left_on)s; assign a replacement."
    ),
    "introducer_too_recent": gettext_noop(
        "The introducer has been with the candidate for %(months)s of %(required)s months; "
        "eligible from %(eligible_from)s."
    ),
    "introducer_months_unknown": gettext_noop(
        "When the introducer began working with the candidate is not recorded."
    ),
    "introducers_ok": gettext_noop("%(valid)s of %(needed)s introducers are valid."),
    "introducers_missing": gettext_noop(
        "Only %(valid)s of %(needed)s required introducers are valid."
    ),
    # R7, R14: the cell's vote.
    "vote_passed": gettext_noop(
        "%(votes_for)s of %(official_members)s official members voted for (%(required)s needed)."
    ),
    "vote_failed": gettext_noop(
        "Only %(votes_for)s of %(official_members)s official members voted for "
        "(%(required)s needed)."
    ),
    "cell_too_small": gettext_noop(
        "The cell has %(official_members)s official members; a cell needs %(min)s."
    ),
    # R8, R9: decision and ceremony.
    "decision_on_time": gettext_noop("Decided within %(wd)s working days."),
    "decision_extended": gettext_noop(
        "Decided after %(wd)s working days, within the extension to %(extended)s."
    ),
    "decision_late": gettext_noop(
        "Decided after %(wd)s working days, past the extended deadline %(extended)s."
    ),
    "ceremony_on_time": gettext_noop("Ceremony held within %(wd)s working days."),
    "ceremony_late": gettext_noop(
        "Ceremony held after the deadline %(deadline)s; needs the upper committee's approval."
    ),
    # R18: who decides the admission.
    "decision_wrong_committee": gettext_noop(
        "The admission decision belongs to %(competent)s, the competent committee on "
        "%(on)s (%(why)s; guidance %(guidance)s), not to %(committee)s."
    ),
    # R10, R11: probation and recognition.
    "probation_running": gettext_noop("On probation until %(ends)s."),
    "probation_ended": gettext_noop("Probation ended on %(ends)s."),
    "official_from": gettext_noop("Official member from %(official_on)s."),
    "recognition_cell_late": gettext_noop(
        "The cell considered recognition after the deadline %(deadline)s; "
        "official status still dates from %(official_on)s."
    ),
    "recognition_vote_failed": gettext_noop(
        "The recognition vote did not reach %(required)s of %(official_members)s."
    ),
    # R12: not recognised.
    "not_recognised_removal": gettext_noop(
        "%(against)s of %(official_members)s official members did not vote for recognition: "
        "propose removal."
    ),
    "recognition_vote_again": gettext_noop(
        "Neither side has two thirds (%(votes)s of %(max)s votes held); the cell votes again."
    ),
    "recognition_upper_decides": gettext_noop(
        "%(votes)s votes without two thirds either way: the upper committee decides."
    ),
    # Refusals of an event that would break a rule.
    "ceremony_needs_approval": gettext_noop(
        "The ceremony is past the deadline %(deadline)s; it needs the upper committee's approval."
    ),
    "recognition_before_probation_end": gettext_noop(
        "Probation runs until %(ends)s; recognition cannot be considered before."
    ),
    # due(): deadlines.
    "due_away_comment": gettext_noop(
        "Working away since %(since)s: a comment from where the candidate lives is due by "
        "%(deadline)s."
    ),
    "due_member_away_comment": gettext_noop(
        "Working away since %(since)s: the yearly comment from the cell where the member lives is "
        "due by %(deadline)s."
    ),
    "due_cell_resolution_certificate": gettext_noop(
        "Hold the cell resolution by %(deadline)s, while the certificate is valid."
    ),
    "due_cell_resolution_documents": gettext_noop(
        "Hold the cell resolution by %(deadline)s, while %(name)s is valid."
    ),
    "due_decision": gettext_noop("The admission decision is due by %(deadline)s."),
    "due_decision_extension": gettext_noop(
        "The admission decision is past %(deadline)s; the extension ends %(extended)s."
    ),
    "due_ceremony": gettext_noop("The ceremony is due by %(deadline)s."),
    "due_recognition_cell": gettext_noop("The cell must consider recognition by %(deadline)s."),
    "due_recognition_committee": gettext_noop(
        "The committee must decide recognition by %(deadline)s."
    ),
    "due_recognition_committee_extension": gettext_noop(
        "Recognition is past %(deadline)s; the extension ends %(extended)s."
    ),
    # next_stages(): why a stage cannot happen yet.
    "stage_missing": gettext_noop("%(stage)s has not been recorded."),
    "decision_not_received": gettext_noop("The cell has not recorded receiving the decision."),
}


def render(code: str, params: Mapping[str, Any]) -> str:
    """The English message; the Django layer does the same with the translated template."""
    return TEMPLATES[code] % dict(params)
