"""`ranks eligibility`: the findings for a candidate on a date, in text or JSON, within scope."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from ranks.core.actor import SYSTEM
from ranks.people.services import person_save
from ranks.pipeline.services import candidate_save, stage_event_save

D = dt.date


@pytest.fixture
def mai(world):
    person_save(
        actor=SYSTEM,
        person_id="P-MAI",
        full_name="Lò Thị Mai",
        birth_date=D(2007, 8, 20),
        education_general="upper_secondary",
        residence_place_code="V1",
    )
    candidate_save(actor=SYSTEM, person_id="P-MAI", cell_code="C1-A", added_on=D(2019, 9, 1))
    stage_event_save(
        actor=SYSTEM, person_id="P-MAI", stage="class_passed", date=D(2020, 1, 15),
        certificate_no="CN-15",
    )  # fmt: skip
    stage_event_save(actor=SYSTEM, person_id="P-MAI", stage="dossier_prepared", date=D(2024, 12, 2))
    # Held although the candidate was under 18 and the certificate had expired: only an
    # exception records it, and the engine still reports what was broken.
    stage_event_save(
        actor=SYSTEM, person_id="P-MAI", stage="cell_resolution", date=D(2025, 2, 3),
        votes_for=5, official_members=7, exception_approved_by="Ban Thường vụ Huyện ủy",
        exception_document="Công văn 1-CV/HU",
    )  # fmt: skip
    return "P-MAI"


def run(*args, lang="en"):
    out = io.StringIO()
    extra = ("--lang", lang) if lang else ()
    call_command("eligibility", *args, *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def as_json(*args, lang="en"):
    return json.loads(run(*args, "--format", "json", lang=lang))


def one(rows, rule, **match):
    found = [r for r in rows if r["rule"] == rule and all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (rule, rows)
    return found[0]


def test_json_names_each_rule_its_document_status_and_date(mai):
    rows = as_json("P-MAI", "--on", "2025-02-03")
    for row in rows:
        assert set(row) == {"rule", "document", "clause", "status", "code", "message", "date"}
        assert row["document"] and row["status"] in {"ok", "blocked", "warning"}
    certificate = one(rows, "R4")
    assert (certificate["status"], certificate["code"]) == ("blocked", "certificate_expired")
    assert (certificate["document"], certificate["clause"]) == ("01-HD/TW", "§3.3")
    assert certificate["message"] == (
        "Awareness-class certificate expired on 15/01/2025; the class must be retaken."
    )
    vote = one(rows, "R7")
    assert vote["status"] == "ok"
    assert vote["message"] == "5 of 7 official members voted for (5 needed)."
    age = one(rows, "R1")
    # Too young at the cell resolution: eligible from the month of the 18th birthday.
    assert (age["status"], age["date"]) == ("blocked", "2025-08-01")
    assert age["message"] == "Under 18 years of age; eligible from 01/08/2025."
    assert one(rows, "R3")["status"] == "ok"
    assert one(rows, "R6", code="introducers_missing")["status"] == "blocked"
    documents = [r for r in rows if r["rule"] == "R5"]
    assert {r["message"] for r in documents} == {
        "Application is valid until 02/12/2025.",
        "Background declaration is valid until 02/12/2025.",
    }


def test_the_judging_date_leaves_out_later_events(mai):
    rows = as_json("P-MAI", "--on", "03/01/2025")
    assert not [r for r in rows if r["rule"] == "R7"]
    certificate = one(rows, "R4", code="certificate_valid")
    assert certificate["status"] == "ok"
    due = one(rows, "R4", code="due_cell_resolution_certificate")
    assert (due["status"], due["date"]) == ("warning", "2025-01-15")


def test_text_prints_one_line_per_finding(mai):
    lines = run("P-MAI", "--on", "2025-02-03").splitlines()
    assert len(lines) == len(as_json("P-MAI", "--on", "2025-02-03"))
    # Each rule's code with its name; the citation in the language asked for.
    r1 = [line for line in lines if line.startswith("R1 ")]
    assert r1 == [
        "R1 – minimum age  blocked  232-QĐ/TW §1.1.1  01/08/2025  "
        "Under 18 years of age; eligible from 01/08/2025."
    ]
    assert any(
        line.startswith("R7 – vote of the cell (two thirds)  ok  Party Charter Art. 4.3  ")
        for line in lines
    )
    vietnamese = run("P-MAI", "--on", "2025-02-03", lang="vi").splitlines()
    assert any(
        line.startswith("R7 – biểu quyết của chi bộ (hai phần ba)  ok  Điều 4.3 Điều lệ Đảng  ")
        for line in vietnamese
    )


def test_vietnamese_is_the_default_language(mai):
    vote = one(as_json("P-MAI", "--on", "2025-02-03", lang=None), "R7")
    assert vote["message"] != "5 of 7 official members voted for (5 needed)."
    with translation.override("vi"):
        from django.utils.translation import gettext

        template = gettext(
            "%(votes_for)s of %(official_members)s official members voted for "
            "(%(required)s needed)."
        )
    assert vote["message"] == template % {"votes_for": 5, "official_members": 7, "required": 5}


def test_out_of_scope_or_unknown_is_an_unknown_person(mai):
    with pytest.raises(CommandError) as error:
        run("P-MAI", "--on", "2025-02-03", "--as", "bob")
    assert (error.value.returncode, str(error.value)) == (2, "Unknown person: P-MAI.")
    with pytest.raises(CommandError) as error:
        run("P-NOBODY", "--on", "2025-02-03")
    assert (error.value.returncode, str(error.value)) == (2, "Unknown person: P-NOBODY.")
    assert one(as_json("P-MAI", "--on", "2025-02-03", "--as", "alice"), "R7")["status"] == "ok"


def test_a_wrong_date_is_refused(mai):
    with pytest.raises(CommandError) as error:
        run("P-MAI", "--on", "2025-13-40")
    assert error.value.returncode == 2
    assert "Not a date: 2025-13-40" in str(error.value)


def test_the_default_date_is_today(mai, monkeypatch):
    monkeypatch.setattr(
        "ranks.pipeline.management.commands.eligibility.today", lambda: D(2025, 2, 3)
    )
    assert as_json("P-MAI") == as_json("P-MAI", "--on", "2025-02-03")
