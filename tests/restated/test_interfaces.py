"""`ranks report KIND --structure-on DATE` in JSON equals `?structure_on=DATE` through the API;
a bad date is refused with a clear message in Vietnamese; a unit outside the user's units is
missing (404, and unknown to the report); the counters follow the restructures without a full
recount (`ranks counters verify` is clean)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ranks.api.services import token_create
from ranks.core.actor import SYSTEM
from tests.api.conftest import bearer

CASES = [
    ("progress", "P", "on=2024-12-31&structure_on=2026-06-30", ["--on", "2024-12-31"], "2026-06-30"),
    ("progress", "N", "on=2024-09-30&depth=1&structure_on=2026-06-30", ["--on", "2024-09-30", "--depth", "1"], "2026-06-30"),
    ("progress", "D1", "on=2026-12-31&structure_on=2024-06-30", ["--on", "2026-12-31"], "2024-06-30"),
    ("progress", "P", "on=2026-06-30&metric=places_with_cell&structure_on=2024-06-30", ["--on", "2026-06-30", "--metric", "places_with_cell"], "2024-06-30"),
    ("composition", "N", "from=2024-01-01&to=2024-12-31&structure_on=2026-06-30", ["--from", "2024-01-01", "--to", "2024-12-31"], "2026-06-30"),
    ("ratio", "C1", "year=2026&structure_on=2024-06-30", ["--year", "2026"], "2024-06-30"),
    ("ratio", "N", "year=2024&structure_on=2026-06-30", ["--year", "2024"], "2026-06-30"),
    ("coverage", "D1", "on=2026-06-30&structure_on=2024-06-30", ["--on", "2026-06-30"], "2024-06-30"),
    ("cells", "N", "on=2024-12-31&structure_on=2026-06-30", ["--on", "2024-12-31"], "2026-06-30"),
]  # fmt: skip


@pytest.fixture
def tokens(restructured):
    return {
        name: token_create(actor=SYSTEM, username=name, name=f"{name}'s script")[1]
        for name in ("prov", "newc", "third")
    }


def report(kind: str, unit: str, user: str, *args: str, lang: str = "vi") -> dict:
    out = io.StringIO()
    call_command(
        "report", kind, "--unit", unit, "--as", user, "--format", "json", *args, "--lang", lang,
        stdout=out,
    )  # fmt: skip
    return json.loads(out.getvalue())


def get(client, token: str, url: str, lang: str = "vi"):
    return client.get(url, **bearer(token), HTTP_ACCEPT_LANGUAGE=lang)


@pytest.mark.parametrize(("kind", "unit", "query", "args", "structure_on"), CASES)
def test_the_report_is_the_api(client, tokens, kind, unit, query, args, structure_on):
    response = get(client, tokens["prov"], f"/api/v1/units/{unit}/figures/{kind}/?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    written = report(kind, unit, "prov", *args, "--structure-on", structure_on)
    assert body["structure_on"] == written["structure_on"] == structure_on
    if kind == "cells":
        assert body["next"] is None
        body.pop("next"), body.pop("previous")
    if kind == "coverage":
        assert body.pop("next") is None and body.pop("previous") is None
        assert body["blank"] is None
    assert body == written


def test_as_it_was_has_no_structure(client, tokens):
    for kind, query in [("progress", "on=2024-12-31"), ("coverage", "on=2024-12-31"),
                        ("ratio", "year=2024"), ("composition", "to=2024-12-31"),
                        ("cells", "on=2024-12-31")]:  # fmt: skip
        plain = get(client, tokens["prov"], f"/api/v1/units/P/figures/{kind}/?{query}")
        assert plain.status_code == 200 and plain.json()["structure_on"] is None


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_every_format_says_it_is_restated(restructured, tmp_path, fmt):
    out = tmp_path / f"progress.{fmt}"
    call_command(
        "report", "progress", "--unit", "N", "--as", "prov", "--on", "2024-12-31",
        "--structure-on", "2026-06-30", "--output", str(out), "--lang", "vi", stdout=io.StringIO(),
    )  # fmt: skip
    assert out.stat().st_size > 0
    if fmt == "csv":
        text = out.read_text(encoding="utf-8-sig")
        assert "Đảng bộ xã Mới" in text


def test_the_report_line_says_it_is_restated(restructured):
    import datetime as dt

    from django.utils import translation

    from ranks.access.scope import scope_for
    from ranks.reports.builders import progress_report, restated
    from ranks.targets.progress import progress

    result = progress(
        scope=scope_for(SYSTEM), unit=restructured.units["N"], on=dt.date(2024, 12, 31),
        structure_on=dt.date(2026, 6, 30),
    )  # fmt: skip
    with translation.override("vi"):
        built = restated(progress_report(result), result.structure_on)
    assert built.notes[0].startswith(
        "Số liệu được tính lại theo cơ cấu tổ chức tại ngày 30/06/2026"
    )


def test_a_bad_date_is_refused_in_vietnamese(client, tokens):
    response = get(
        client, tokens["prov"], "/api/v1/units/P/figures/progress/?structure_on=30-02-2024"
    )
    assert response.status_code == 400
    message = response.json()["details"]["structure_on"][0]
    assert "ngày" in message.lower() or "định dạng" in message.lower(), message
    with pytest.raises(CommandError) as refused:
        report("progress", "P", "prov", "--structure-on", "30/02/2024")
    assert "Không phải ngày hợp lệ: 30/02/2024" in str(refused.value)
    # A unit that did not exist in that structure: missing, with a message that says so.
    gone = get(client, tokens["prov"], "/api/v1/units/D1/figures/progress/?structure_on=2026-01-01")
    assert gone.status_code == 404
    assert "D1" in gone.json()["message"] and "01/01/2026" in gone.json()["message"]


@pytest.mark.parametrize("kind", ["progress", "composition", "ratio", "coverage", "cells"])
def test_an_outsider_is_told_nothing(client, tokens, kind):
    # `third` is an officer of C3: the province is not theirs, restated or not.
    response = get(
        client, tokens["third"], f"/api/v1/units/P/figures/{kind}/?structure_on=2026-06-30"
    )
    assert response.status_code == 404
    missing = get(
        client, tokens["third"], f"/api/v1/units/NOPE/figures/{kind}/?structure_on=2026-06-30"
    )
    assert response.json() == missing.json()
    with pytest.raises(CommandError) as refused:
        report(kind, "P", "third", "--structure-on", "2026-06-30")
    assert "P" in str(refused.value)


def test_the_counters_follow_the_restructures(restructured):
    out = io.StringIO()
    call_command("counters", "verify", stdout=out)
    assert "differ" not in out.getvalue().lower()
