"""Every field Ranks keeps about a person, classified in one place (docs/privacy.md).

*Basic* personal data is read by anyone whose role covers the person. *Sensitive* personal data
(Law 91/2025/QH15 art. 2; Decree 356/2025/ND-CP) needs a grant of its own, and each read of it
is written to the audit log. `people.models.SENSITIVE_FIELDS`, which the pages, exports, the API
and the reports obey, must be the sensitive fields of `Person` listed here (a test holds them
together), and every field of the models below must be listed (a test fails on a new field that
is not).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

BASIC = "basic"
SENSITIVE = "sensitive"
CLASS_LABELS = {BASIC: _("basic personal data"), SENSITIVE: _("sensitive personal data")}


@dataclass(frozen=True)
class Kept:
    """What is kept in one field: its class and why it is kept."""

    model: str
    field: str
    data_class: str
    purpose: Promise


IDENTITY = _("to tell the person apart and reach them")
ELIGIBILITY = _("the conditions of admission (Party Charter art. 1, Regulation 232-QĐ/TW)")
COMPOSITION = _("the composition of admissions that committees report (Guidance 12-HD/BTCTW)")
REGISTER = _("the party register: admission, probation, recognition, transfers, leaving")
PIPELINE = _("the steps of the admission file and their deadlines")
COVERAGE = _("where members live and work: places without members or cells")

KEPT: tuple[Kept, ...] = (
    Kept("people.Person", "person_id", BASIC, IDENTITY),
    Kept("people.Person", "full_name", BASIC, IDENTITY),
    Kept("people.Person", "search_name", BASIC, IDENTITY),
    Kept("people.Person", "birth_date", BASIC, ELIGIBILITY),
    Kept("people.Person", "gender", BASIC, COMPOSITION),
    Kept("people.Person", "ethnicity", SENSITIVE, COMPOSITION),
    Kept("people.Person", "religion", SENSITIVE, COMPOSITION),
    Kept("people.Person", "education_general", BASIC, COMPOSITION),
    Kept("people.Person", "education_professional", BASIC, COMPOSITION),
    Kept("people.Person", "occupation", BASIC, COMPOSITION),
    Kept("people.Person", "youth_union", BASIC, ELIGIBILITY),
    Kept("people.Person", "residence_place", BASIC, COVERAGE),
    Kept("people.Person", "workplace_place", BASIC, COVERAGE),
    Kept("people.Person", "national_id", SENSITIVE, IDENTITY),
    Kept("people.Person", "phone", BASIC, IDENTITY),
    Kept("people.PersonPlace", "role", BASIC, COVERAGE),
    Kept("people.PersonPlace", "place", BASIC, COVERAGE),
    Kept("people.PersonPlace", "valid_from", BASIC, COVERAGE),
    Kept("people.PersonPlace", "valid_to", BASIC, COVERAGE),
    # The same attributes over time: each admission is counted as the person was on its day.
    Kept("people.PersonAttributes", "valid_from", BASIC, COMPOSITION),
    Kept("people.PersonAttributes", "valid_to", BASIC, COMPOSITION),
    Kept("people.PersonAttributes", "occupation", BASIC, COMPOSITION),
    Kept("people.PersonAttributes", "education_general", BASIC, COMPOSITION),
    Kept("people.PersonAttributes", "education_professional", BASIC, COMPOSITION),
    Kept("people.PersonAttributes", "ethnicity", SENSITIVE, COMPOSITION),
    Kept("people.PersonAttributes", "religion", SENSITIVE, COMPOSITION),
    Kept("people.PersonAttributes", "youth_union", BASIC, ELIGIBILITY),
    Kept("people.Membership", "admission_decision_date", BASIC, REGISTER),
    Kept("people.Membership", "admission_decision_no", BASIC, REGISTER),
    Kept("people.Membership", "ceremony_date", BASIC, REGISTER),
    Kept("people.Membership", "official_date", BASIC, REGISTER),
    Kept("people.Membership", "left_date", BASIC, REGISTER),
    Kept("people.Membership", "left_reason", BASIC, REGISTER),
    Kept("people.Posting", "cell", BASIC, REGISTER),
    Kept("people.Posting", "valid_from", BASIC, REGISTER),
    Kept("people.Posting", "valid_to", BASIC, REGISTER),
    Kept("people.Absence", "where_kind", BASIC, REGISTER),
    Kept("people.Absence", "where", BASIC, REGISTER),
    Kept("people.Absence", "started_on", BASIC, REGISTER),
    Kept("people.Absence", "ended_on", BASIC, REGISTER),
    Kept("people.Absence", "contact", BASIC, IDENTITY),
    Kept("people.Absence", "note", BASIC, REGISTER),
    Kept("pipeline.Candidate", "cell", BASIC, PIPELINE),
    Kept("pipeline.Candidate", "added_on", BASIC, PIPELINE),
    Kept("pipeline.Candidate", "source_group", BASIC, PIPELINE),
    Kept("pipeline.Candidate", "note", BASIC, PIPELINE),
    Kept("pipeline.StageEvent", "stage", BASIC, PIPELINE),
    Kept("pipeline.StageEvent", "date", BASIC, PIPELINE),
    Kept("pipeline.StageEvent", "detail", BASIC, PIPELINE),
    Kept("pipeline.StageEvent", "class_name", BASIC, PIPELINE),
    Kept("pipeline.StageEvent", "certificate_no", BASIC, PIPELINE),
    Kept("pipeline.StageEvent", "introducers", BASIC, PIPELINE),
    Kept("pipeline.StageEvent", "youth_union_resolution", BASIC, ELIGIBILITY),
    Kept("pipeline.StageEvent", "received_on", BASIC, PIPELINE),
    Kept("pipeline.StageEvent", "location", BASIC, PIPELINE),
)

# Fields that hold no personal data of their own (keys, links, bookkeeping, derived state).
NOT_PERSONAL = {
    "people.Person": {"id"},
    "people.PersonPlace": {"id", "person"},
    "people.PersonAttributes": {"id", "person"},
    "people.Membership": {"id", "person"},
    "people.Posting": {"id", "membership", "person", "restructure"},
    "people.Absence": {"id", "person", "cell"},
    "pipeline.Candidate": {"id", "person", "mentors", "stage_now", "side_now"},
    # A step's vote, decision and exception are the committee's acts, not the person's data.
    "pipeline.StageEvent": {
        "id",
        "candidate",
        "votes_for",
        "official_members",
        "authority",
        "committee",
        "committee_exception",
        "decision_no",
        "to_unit",
        "exception_approved_by",
        "exception_document",
        "recorded_by",
        "recorded_at",
    },  # fmt: skip
}


# What a person's fields are called on the person's own export and page.
PERSON_LABELS = {
    "person_id": _("Identifier"),
    "full_name": _("Full name"),
    "birth_date": _("Birth date"),
    "gender": _("Gender"),
    "ethnicity": _("Ethnicity"),
    "religion": _("Religion"),
    "education_general": _("General education"),
    "education_professional": _("Professional education"),
    "occupation": _("Occupation"),
    "youth_union": _("Youth Union member"),
    "residence_place": _("Lives at"),
    "workplace_place": _("Works at"),
    "national_id": _("National ID"),
    "phone": _("Phone"),
}


def sensitive_fields(model: str) -> tuple[str, ...]:
    return tuple(k.field for k in KEPT if k.model == model and k.data_class == SENSITIVE)


def kept_of(model: str) -> dict[str, Kept]:
    return {k.field: k for k in KEPT if k.model == model}
