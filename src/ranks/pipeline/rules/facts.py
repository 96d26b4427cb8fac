"""Facts the rules engine reads: frozen, plain, built by the Django layer from its models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# General education, lowest first (R3); "read_write" means no school certificate.
EDUCATION_LEVELS = ("read_write", "primary", "lower_secondary", "upper_secondary")


@dataclass(frozen=True)
class Candidate:
    birth_date: dt.date
    education_general: str = "lower_secondary"
    # Area flags of the candidate's unit, inherited down the tree (DESIGN §3).
    area_flags: frozenset[str] = frozenset()
    is_youth_union: bool = False
    # Provincial-level written consents (R2, R3) and the place condition of R2.
    village_elder_consent: bool = False
    over_60_consent: bool = False
    no_member_or_org_where_lives: bool = False


@dataclass(frozen=True)
class Certificate:
    """The awareness-class certificate (R4)."""

    issued_on: dt.date


@dataclass(frozen=True)
class Document:
    """Another dossier document (application, background declaration, comments...) (R5)."""

    name: str
    dated: dt.date


@dataclass(frozen=True)
class Introducer:
    """An official member who introduces, or the Youth Union executive's resolution (R6).

    `joined_unit_on` is the day the introducer and the candidate began working, studying or
    living in the same unit; `left_on` the day that ended, if it has."""

    official_since: dt.date | None = None
    probationary: bool = False
    joined_unit_on: dt.date | None = None
    left_on: dt.date | None = None
    replacement: bool = False
    youth_union_resolution: bool = False


@dataclass(frozen=True)
class Vote:
    """A cell resolution: votes for, counted against all official members of the cell (R7)."""

    on: dt.date
    votes_for: int
    official_members: int


@dataclass(frozen=True)
class Decision:
    """The admission decision and the day the cell received it."""

    on: dt.date
    received_on: dt.date | None = None


@dataclass(frozen=True)
class Ceremony:
    on: dt.date


@dataclass(frozen=True)
class Pipeline:
    """Everything known about one candidacy; events not yet held are None."""

    candidate: Candidate
    certificate: Certificate | None = None
    documents: tuple[Document, ...] = ()
    introducers: tuple[Introducer, ...] = ()
    source_listed_on: dt.date | None = None
    background_verified_on: dt.date | None = None
    comments_collected_on: dt.date | None = None
    vote: Vote | None = None
    committee_resolution_on: dt.date | None = None
    decision: Decision | None = None
    ceremony: Ceremony | None = None
    # Recognition (R11): the cell's vote after probation and the committee's decision.
    recognition_vote: Vote | None = None
    recognition_decided_on: dt.date | None = None
    removed_on: dt.date | None = None
    # Every recognition vote in date order, the latest last (R12 counts the failed ones).
    recognition_votes: tuple[Vote, ...] = ()
    # Working away since this day, if the candidate is (R15).
    away_since: dt.date | None = None
