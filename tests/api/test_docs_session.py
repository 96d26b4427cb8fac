"""The Python session of docs/api.md, run as written against a live server: a client written
from the documentation works (a token, a commune's candidates, a step recorded and retried, a
refusal by the rules, the dashboard's figures)."""

import contextlib
import datetime as dt
import io
import re
from pathlib import Path

import pytest

from ranks.api.services import token_create
from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.people.services import person_save
from ranks.pipeline.models import StageEvent
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.factories import build_world

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def session_code() -> str:
    text = DOC.read_text()
    section = text[text.index("## A session in Python") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.django_db(transaction=True)
def test_the_documented_session_runs(live_server, monkeypatch):
    build_world()
    person_save(
        actor=SYSTEM,
        person_id="P-DOC",
        full_name="Lò Thị Hoa",
        birth_date=dt.date(2001, 4, 2),
        residence_place_code="V1",
    )
    candidate_save(actor=SYSTEM, person_id="P-DOC", cell_code="C1-A", added_on=dt.date(2024, 1, 1))
    stage_event_save(actor=SYSTEM, person_id="P-DOC", stage="source_list", date=dt.date(2024, 1, 1))
    _, token = token_create(actor=SYSTEM, username="alice", name="docs")
    monkeypatch.setenv("RANKS_API", f"{live_server.url}/api/v1")
    monkeypatch.setenv("RANKS_TOKEN", token)
    # Since the 2025 reform the village's cell belongs to the new commune N1.
    monkeypatch.setenv("RANKS_COMMUNE", "N1")

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(session_code(), "<docs/api.md: A session in Python>", "exec"), {})
    out = printed.getvalue().splitlines()

    # The candidate on the source list, the step recorded once, the refusal, the figures.
    assert "P-DOC Lò Thị Hoa C1-A source_list" in out
    recorded = StageEvent.objects.get(candidate__person__person_id="P-DOC", stage="class_passed")
    assert recorded.certificate_no == "GCN-1"
    assert any(line.startswith(f"201 {recorded.pk} class_passed") for line in out)
    assert (
        AuditEntry.objects.filter(action="ranks.pipeline.event.created", channel="api").count() == 1
    )
    refusal = next(line for line in out if line.startswith("400 rule_refused Refused:"))
    # Each rule that refused on its own line, with its citation, as the message names them.
    rules = [line.split()[0] for line in out if re.match(r"^R\d+ ", line)]
    assert rules and all(f"{rule} – " in refusal for rule in rules)
    assert any(line.startswith("N1 Đảng bộ xã Mới ") for line in out)
    assert any(line.startswith("C1-A Chi bộ thôn Đông ") for line in out)
