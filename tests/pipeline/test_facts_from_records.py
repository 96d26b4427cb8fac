"""The rules engine's facts read from the records: person, cell flags and stage events on a date."""

import datetime as dt

import pytest
from django.utils import translation

from ranks.core.actor import SYSTEM
from ranks.org.models import Unit
from ranks.people.services import person_save
from ranks.pipeline import rules
from ranks.pipeline.facts_from_records import candidate_for_facts, official_counts, pipeline_facts
from ranks.pipeline.findings_text import finding_message
from ranks.pipeline.models import Candidate
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.factories import add_official_members

D = dt.date


def event(stage, date, **kwargs):
    return stage_event_save(actor=SYSTEM, person_id="P-MAI", stage=stage, date=date, **kwargs)


@pytest.fixture
def mai(world):
    person_save(
        actor=SYSTEM,
        person_id="P-MAI",
        full_name="Lò Thị Mai",
        birth_date=D(2000, 8, 20),
        education_general="upper_secondary",
        youth_union=True,
        residence_place_code="V2",
    )
    candidate_save(actor=SYSTEM, person_id="P-MAI", cell_code="C2-A", added_on=D(2020, 1, 2))
    event("source_list", D(2020, 1, 2))
    event("class_passed", D(2020, 1, 15), certificate_no="CN-1")
    event("class_passed", D(2024, 3, 1), certificate_no="CN-2")
    # A Youth Union member: the Youth Union executive's resolution and one official member.
    event(
        "introducers_assigned",
        D(2024, 3, 10),
        introducer_person_ids=["P-LAN"],
        youth_union_resolution=True,
    )
    event("dossier_prepared", D(2024, 4, 10))
    event("background_verified", D(2024, 5, 2))
    event("comments_collected", D(2024, 5, 20))
    # Seven official members in the records of C2-A on the day of the vote.
    c2a = Unit.objects.get(code="C2-A")
    have = official_counts([(c2a.pk, D(2024, 6, 3))])[(c2a.pk, D(2024, 6, 3))]
    add_official_members("C2-A", 7 - have)
    event("cell_resolution", D(2024, 6, 3), votes_for=5, official_members=7)
    event("committee_resolution", D(2024, 6, 10), decision_no="7-NQ")
    event("admission_decision", D(2024, 7, 1), decision_no="12-QĐ", received_on=D(2024, 7, 8))
    event("ceremony", D(2024, 7, 20))
    event("cell_resolution", D(2025, 7, 25), votes_for=6, official_members=7)
    event("official", D(2025, 8, 10))
    return "P-MAI"


def load():
    return candidate_for_facts(Candidate.objects.all(), "P-MAI")


def test_every_record_becomes_its_fact(mai):
    facts = pipeline_facts(load(), D(2026, 1, 1))
    assert facts.candidate == rules.Candidate(
        birth_date=D(2000, 8, 20),
        education_general="upper_secondary",
        area_flags=frozenset(),  # D2, the mountainous district, closed on 2025-06-30
        is_youth_union=True,
    )
    assert facts.certificate == rules.Certificate(D(2024, 3, 1))  # the class retaken counts
    assert facts.documents == (
        rules.Document("application", D(2024, 4, 10)),
        rules.Document("background declaration", D(2024, 4, 10)),
    )
    # P-LAN: in C2-A since 2010-06-01, official since 2011-06-15.
    assert facts.introducers == (
        rules.Introducer(official_since=D(2011, 6, 15), joined_unit_on=D(2010, 6, 1)),
        rules.Introducer(youth_union_resolution=True),
    )
    assert facts.source_listed_on == D(2020, 1, 2)
    assert facts.background_verified_on == D(2024, 5, 2)
    assert facts.comments_collected_on == D(2024, 5, 20)
    assert facts.vote == rules.Vote(D(2024, 6, 3), 5, 7)
    assert facts.committee_resolution_on == D(2024, 6, 10)
    assert facts.decision == rules.Decision(D(2024, 7, 1), D(2024, 7, 8))
    assert facts.ceremony == rules.Ceremony(D(2024, 7, 20))
    # The cell resolution after the ceremony is the vote on recognition.
    assert facts.recognition_vote == rules.Vote(D(2025, 7, 25), 6, 7)
    assert facts.recognition_decided_on == D(2025, 8, 10)
    assert facts.removed_on is None


def test_only_what_was_recorded_by_the_date_counts(mai):
    facts = pipeline_facts(load(), D(2024, 7, 5))
    assert facts.candidate.area_flags == {"mountainous"}  # inherited from D2 on that day
    assert facts.decision == rules.Decision(D(2024, 7, 1), None)  # received on 8 July
    assert facts.ceremony is None and facts.recognition_vote is None
    assert facts.recognition_decided_on is None
    early = pipeline_facts(load(), D(2020, 1, 10))
    assert early.certificate is None and early.documents == () and early.vote is None
    assert early.source_listed_on == D(2020, 1, 2)


def test_a_candidate_with_no_events_has_only_the_person(world):
    person_save(actor=SYSTEM, person_id="P-MAI", full_name="Lò Thị Mai", birth_date=D(2007, 8, 20))
    candidate_save(actor=SYSTEM, person_id="P-MAI", cell_code="C1-A", added_on=D(2024, 1, 2))
    facts = pipeline_facts(load(), D(2025, 2, 3))
    assert facts == rules.Pipeline(
        candidate=rules.Candidate(birth_date=D(2007, 8, 20), education_general="")
    )


def test_the_facts_take_six_queries(mai, django_assert_num_queries):
    # candidate, events, introducers, their postings and memberships, the versions of the
    # cell's ancestry
    with django_assert_num_queries(6):
        pipeline_facts(load(), D(2026, 1, 1))


def test_messages_are_translated_with_dates_and_labels(mai):
    facts = pipeline_facts(load(), D(2024, 5, 1))
    findings = {
        (f.rule, f.code, f.params.get("name")): f for f in rules.evaluate(facts, D(2024, 5, 1))
    }
    document = findings[("R5", "document_valid", "application")]
    with translation.override("en"):
        assert finding_message(document) == "Application is valid until 10/04/2025."
        cert = findings[("R4", "certificate_valid", None)]
        assert finding_message(cert) == "Awareness-class certificate valid until 01/03/2029."
    with translation.override("vi"):
        assert "01/03/2029" in finding_message(cert)
        assert finding_message(cert) != "Awareness-class certificate valid until 01/03/2029."


def test_education_codes_print_as_their_labels(world):
    finding = rules.Finding(
        "R3", "232-QĐ/TW", "§1.2", "blocked", "education_insufficient",
        {"education": "primary", "required": "lower_secondary"},
    )  # fmt: skip
    with translation.override("en"):
        assert (
            finding_message(finding) == "Education primary is below the required lower secondary."
        )
