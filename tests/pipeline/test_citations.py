"""Rule citations in the user's language ("Điều 4.3" in Vietnamese, "Art. 4.3" in English) and
each rule's name beside its code, on a page and in a refusal."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from ranks.core.actor import SYSTEM
from ranks.core.errors import DomainError
from ranks.people.services import person_save
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.factories import record_dossier

D = dt.date
VOTE_ON = D(2024, 6, 3)


def event(stage, date, **fields):
    return stage_event_save(actor=SYSTEM, person_id="P-MAI", stage=stage, date=date, **fields)


@pytest.fixture
def voted(world):
    """P-MAI with a cell resolution of 3 votes of 3 official members (R7, Charter Art. 4.3)."""
    person_save(
        actor=SYSTEM,
        person_id="P-MAI",
        full_name="Lò Thị Mai",
        birth_date=D(1995, 4, 5),
        education_general="upper_secondary",
    )
    candidate_save(actor=SYSTEM, person_id="P-MAI", cell_code="C1-A", added_on=D(2024, 3, 1))
    record_dossier("P-MAI", "C1-A", D(2024, 3, 1))
    event("cell_resolution", VOTE_ON, votes_for=3, official_members=3)


def page(client, language: str) -> str:
    client.force_login(get_user_model().objects.get(username="alice"))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client.get("/candidates/P-MAI/?on=2024-06-10").content.decode()


def test_the_candidate_page_cites_the_charter_in_the_users_language(client, voted):
    text = page(client, "vi")
    finding = text.split('data-test="finding-R7-')[1].split("</tr>")[0]
    assert "Điều 4.3 Điều lệ Đảng" in finding and "Art." not in finding
    assert "biểu quyết của chi bộ (hai phần ba)" in finding  # the rule's name beside R7
    english = page(client, "en")
    finding = english.split('data-test="finding-R7-')[1].split("</tr>")[0]
    assert "Party Charter Art. 4.3" in finding
    assert "vote of the cell (two thirds)" in finding


def refusal(stage, date, **fields) -> str:
    with pytest.raises(DomainError) as error:
        event(stage, date, **fields)
    return str(error.value)


def test_a_refusal_cites_the_article_in_vietnamese(world):
    person_save(
        actor=SYSTEM,
        person_id="P-MAI",
        full_name="Lò Thị Mai",
        birth_date=D(1995, 4, 5),
        education_general="upper_secondary",
    )
    candidate_save(actor=SYSTEM, person_id="P-MAI", cell_code="C1-A", added_on=D(2024, 3, 1))
    record_dossier("P-MAI", "C1-A", D(2024, 3, 1))
    # One vote of three official members is below two thirds (R7): the committee may not resolve.
    event("cell_resolution", VOTE_ON, votes_for=1, official_members=3)
    with translation.override("vi"):
        message = refusal("committee_resolution", VOTE_ON + dt.timedelta(days=7))
    assert "R7 – biểu quyết của chi bộ (hai phần ba) (Điều 4.3 Điều lệ Đảng)" in message
    assert "Art." not in message
    with translation.override("en"):
        message = refusal("committee_resolution", VOTE_ON + dt.timedelta(days=7))
    assert "R7 – vote of the cell (two thirds) (Party Charter Art. 4.3)" in message


def test_a_refusal_for_an_education_not_recorded_says_so(world):
    from django.utils import translation

    from ranks.pipeline.findings_text import finding_message
    from ranks.pipeline.rules.findings import Finding

    finding = Finding("R3", "294-QĐ/TW", "§1.2", "blocked", "education_insufficient",
                      {"education": "", "required": "lower_secondary"})  # fmt: skip
    with translation.override("en"):
        assert finding_message(finding).startswith("Education not recorded is below")
    with translation.override("vi"):
        assert "chưa ghi" in finding_message(finding)
