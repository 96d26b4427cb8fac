"""The pipeline funnel on a hand-made history: entries, the share going further, the median and
90th percentile of days in each stage and the candidates stuck longer than usual, each recounted
here from the events the test records; by source group; the page and `ranks report funnel`."""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ranks.access.scope import scope_for
from ranks.core.actor import SYSTEM
from ranks.org.models import Unit
from ranks.people.services import person_save
from ranks.pipeline.rules.funnel import FUNNEL_STAGES
from ranks.pipeline.rules.timeline import MAIN
from ranks.pipeline.selectors.funnel import funnel_of, funnel_stuck
from ranks.pipeline.services import candidate_save, stage_event_save
from ranks.pipeline.stages import SourceGroup
from tests.factories import actor, add_introducers
from tests.reports.helpers import pdf_text, sheet_of

D = dt.date
START, END = D(2026, 1, 1), D(2026, 6, 30)
DOSSIER = (
    "source_list", "class_passed", "introducers_assigned", "dossier_prepared", "background_verified",
    "comments_collected",
)  # fmt: skip


def dossier(start: dt.date, days: int) -> list[tuple[str, dt.date]]:
    """The dossier's steps from `start`, one every `days`."""
    return [(stage, start + dt.timedelta(days=days * n)) for n, stage in enumerate(DOSSIER)]


# person id → (cell, source group, [(stage, day)], side events): N1's cells in 2026.
HISTORY = {
    "P-F1": ("C1-A", "youth_union", [("source_list", D(2025, 11, 3)), ("class_passed", D(2026, 1, 12)),
             ("introducers_assigned", D(2026, 2, 2)), ("dossier_prepared", D(2026, 3, 2))], []),
    "P-F2": ("C1-A", "youth_union", [("source_list", D(2026, 1, 5)), ("class_passed", D(2026, 2, 16)),
             ("introducers_assigned", D(2026, 3, 2))], []),
    "P-F3": ("C1-B", "worker", [("source_list", D(2026, 1, 20))], []),
    "P-F4": ("C1-B", "worker", [("source_list", D(2026, 2, 3)), ("class_passed", D(2026, 2, 24))], []),
    "P-F5": ("C1-A", "", [("source_list", D(2026, 3, 2)), ("class_passed", D(2026, 4, 6)),
             ("introducers_assigned", D(2026, 4, 6)), ("dossier_prepared", D(2026, 5, 4))], []),
    # Introducers before the class: the dossier's steps come in any order.
    "P-F6": ("C1-A", "worker", [("source_list", D(2026, 4, 1)), ("introducers_assigned", D(2026, 4, 15)),
             ("class_passed", D(2026, 5, 4))], []),
    "P-F7": ("C1-B", "youth_union", [("source_list", D(2026, 2, 2)), ("class_passed", D(2026, 3, 2))],
             [("withdrawn", D(2026, 4, 1))]),
    # Went further after the period: not counted as going further in it.
    "P-F8": ("C1-A", "youth_union", [("source_list", D(2026, 6, 1)), ("class_passed", D(2026, 7, 6))], []),
    "P-F9": ("C1-B", "worker", [("source_list", D(2025, 6, 2)), ("class_passed", D(2025, 9, 1))], []),
    # Through the vote, the committee and the decision to the ceremony: a probationary member.
    "P-FA": ("C1-A", "military", [*dossier(D(2026, 1, 5), 14),
             ("cell_resolution", D(2026, 3, 30)), ("committee_resolution", D(2026, 4, 13)),
             ("admission_decision", D(2026, 4, 27)), ("ceremony", D(2026, 5, 11))], []),
    # Voted, and waiting for the committee since.
    "P-FB": ("C1-A", "military", [*dossier(D(2026, 1, 12), 10),
             ("cell_resolution", D(2026, 3, 23))], []),
}  # fmt: skip
NAMES = {
    "P-F1": "Lò Văn Một", "P-F2": "Hà Thị Hai", "P-F3": "Vi Văn Ba", "P-F4": "Lường Thị Bốn",
    "P-F5": "Mè Văn Năm", "P-F6": "Cầm Thị Sáu", "P-F7": "Tòng Văn Bảy", "P-F8": "Sa Thị Tám",
    "P-F9": "Quàng Văn Chín", "P-FA": "Bạc Thị Mười", "P-FB": "Khằm Văn Mười Một",
}  # fmt: skip


@pytest.fixture
def history(world):
    record_history()
    return world


def record_history() -> None:
    """The candidacies of HISTORY with their events, recorded through the services."""
    for cell in ("C1-A", "C1-B"):
        add_introducers(cell, ids=(f"P-GT1-{cell}", f"P-GT2-{cell}"))
    for person_id, (cell, group, steps, sides) in HISTORY.items():
        person_save(
            actor=SYSTEM,
            person_id=person_id,
            full_name=NAMES[person_id],
            birth_date=D(1998, 4, 5),
            education_general="upper_secondary",
        )
        candidate_save(
            actor=SYSTEM,
            person_id=person_id,
            cell_code=cell,
            added_on=min(d for _s, d in steps),
            source_group=group,
        )
        for stage, day in sorted(steps + sides, key=lambda e: e[1]):
            extra: dict = {}
            if stage == "class_passed":
                extra = {"class_name": "Lớp cảm tình Đảng", "certificate_no": f"GCN-{person_id}"}
            elif stage == "introducers_assigned":
                extra = {"introducer_person_ids": [f"P-GT1-{cell}", f"P-GT2-{cell}"]}
            elif stage == "cell_resolution":
                extra = {"votes_for": 3}
            elif stage == "admission_decision":
                extra = {
                    "authority": "Đảng ủy xã Mới",
                    "decision_no": f"QĐ-{person_id}",
                    "received_on": day + dt.timedelta(days=2),
                }
            stage_event_save(actor=SYSTEM, person_id=person_id, stage=stage, date=day, **extra)


# --- the recount: the figures from HISTORY, by the definitions the page states ------------------

RANK = {s: i for i, s in enumerate(MAIN)}


def nearest_rank(values: list[int], p: int) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(p / 100 * len(ordered)) - 1]


def recount(groups: set[str] | None = None, start: dt.date = START, end: dt.date = END) -> dict:
    entered = dict.fromkeys(FUNNEL_STAGES, 0)
    further = dict.fromkeys(FUNNEL_STAGES, 0)
    stays: dict[str, list[int]] = {s: [] for s in FUNNEL_STAGES}
    for _cell, group, steps, _sides in HISTORY.values():
        if groups is not None and group not in groups:
            continue
        known = sorted(((d, RANK[s], s) for s, d in steps if d <= end))
        for i, (day, rank, stage) in enumerate(known):
            if start <= day:
                entered[stage] += 1
                further[stage] += any(r > rank for _d, r, _s in known)
            if i + 1 < len(known) and start <= known[i + 1][0]:
                stays[stage].append((known[i + 1][0] - day).days)
    return {
        s: (entered[s], further[s], nearest_rank(stays[s], 50), nearest_rank(stays[s], 90))
        for s in FUNNEL_STAGES
    }


def figures(funnel) -> dict:
    return {f.stage: (f.entered, f.moved_on, f.median_days, f.usual_days) for f in funnel.stages}


def the_funnel(group: str = "", **period):
    return funnel_of(
        scope=scope_for(SYSTEM), unit=Unit.objects.get(code="N1"), start=period.get("start", START),
        end=period.get("end", END), group=group,
    )  # fmt: skip


def test_the_funnel_counts_what_the_events_say(history):
    funnel = the_funnel()
    expected = recount()
    assert figures(funnel) == expected
    # The history is not trivial: several stages entered, some going further, stays measured.
    assert expected["source_list"][0] >= 5 and expected["class_passed"][0] >= 5
    assert expected["source_list"][2] is not None and expected["class_passed"][3] is not None
    source_list = funnel.stages[0]
    assert source_list.conversion == round(source_list.moved_on * 100 / source_list.entered, 1)


def test_a_source_group_is_counted_alone_and_side_by_side(history):
    for group in ("youth_union", "worker", ""):
        assert figures(the_funnel(group=group)) == recount({group}) if group else recount()
    by_group = dict(the_funnel().by_group)
    present = {
        group
        for _c, group, steps, _s in HISTORY.values()
        if any(START <= d <= END for _t, d in steps)
    }
    assert list(by_group) == [g for g in [*SourceGroup.values, ""] if g in present]
    assert len(by_group) >= 3
    for group, stages in by_group.items():
        assert {f.stage: (f.entered, f.moved_on, f.median_days, f.usual_days) for f in stages} == (
            recount({group})
        )


def stuck_expected(end: dt.date = END) -> dict[str, tuple[str, dt.date, int]]:
    """The active candidates in a stage before the admission decision for longer than the
    unit's 90th percentile there, from HISTORY: person id → (stage, since, days)."""
    usual = {s: v[3] for s, v in recount(end=end).items() if v[3] is not None}
    found = {}
    for person_id, (_cell, _group, steps, sides) in HISTORY.items():
        if any(d <= end for _s, d in sides):
            continue  # withdrawn: not active
        known = sorted((d, RANK[s], s) for s, d in steps if d <= end)
        stage = known[-1][2]
        if stage in ("ceremony", "official"):
            continue  # admitted: a member, no longer a candidate in a stage
        since = min(d for s, d in steps if s == stage)
        if stage in usual and (end - since).days > usual[stage]:
            found[person_id] = (stage, since, (end - since).days)
    return found


def test_the_candidates_stuck_longer_than_usual_are_listed_with_their_cells(history):
    funnel = the_funnel()
    stuck = funnel_stuck(scope=scope_for(SYSTEM), unit=Unit.objects.get(code="N1"), funnel=funnel)
    expected = stuck_expected()
    assert expected  # the history has some
    assert {r.person_id: (r.stage, r.since, r.days) for r in stuck.rows} == expected
    assert stuck.total == len(expected)
    cells = {r.person_id: r.cell_name for r in stuck.rows}
    names = {"C1-A": "Chi bộ thôn Đông", "C1-B": "Chi bộ trường Tiểu học"}
    assert cells == {p: names[HISTORY[p][0]] for p in expected}
    assert all(r.usual_days == funnel.usual[r.stage] for r in stuck.rows)
    # By name, in Vietnamese order of the given name.
    assert [r.full_name.split()[-1] for r in stuck.rows] == sorted(
        (r.full_name.split()[-1] for r in stuck.rows), key=lambda n: n
    ) or len(stuck.rows) < 2
    # The withdrawn candidate is never stuck.
    assert "P-F7" not in cells
    worker = the_funnel(group="worker")
    only = funnel_stuck(scope=scope_for(SYSTEM), unit=Unit.objects.get(code="N1"), funnel=worker)
    assert {r.person_id for r in only.rows} == {p for p in expected if HISTORY[p][1] == "worker"}


def test_another_communes_candidates_are_not_counted(history):
    bob = scope_for(actor(history.users["bob"]))
    funnel = funnel_of(scope=bob, unit=Unit.objects.get(code="C2"), start=START, end=END)
    assert all(f.entered == 0 for f in funnel.stages)


# --- the page ------------------------------------------------------------------------------------


PERIOD = f"?from={START.isoformat()}&to={END.isoformat()}"


def page(client, user, code="N1", query=PERIOD):
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client.get(f"/units/{code}/funnel/{query}")


def test_the_page_shows_the_funnel_its_chart_and_the_stuck(
    client, history, django_assert_max_num_queries
):
    page(client, history.users["alice"])  # signed in, in English
    with django_assert_max_num_queries(10):
        response = client.get(f"/units/N1/funnel/?from={START.isoformat()}&to={END.isoformat()}")
    assert response.status_code == 200
    html = response.content.decode()
    expected = recount()
    for stage, (entered, further, median, p90) in expected.items():
        row = html.split(f'data-test="stage-{stage}"', 1)[1].split("</tr>", 1)[0]
        assert f'data-test="entered">{entered}<' in row
        assert f'data-test="went-further">{further}<' in row
        assert f'data-test="median">{"—" if median is None else median}<' in row
        assert f'data-test="p90">{"—" if p90 is None else p90}<' in row
    assert 'role="img"' in html
    assert '<title id="funnel-title">Candidates entering each stage</title>' in html
    for person_id in stuck_expected():
        assert f'data-test="stuck-{person_id}"' in html
    assert 'data-test="stuck-P-F7"' not in html
    assert "/units/N1/funnel.xlsx?from=2026-01-01&amp;to=2026-06-30" in html


def test_the_page_is_404_outside_the_users_units(client, history):
    assert page(client, history.users["bob"]).status_code == 404
    assert page(client, history.users["bob"], code="NOPE").status_code == 404


def test_a_bad_date_is_told_and_the_default_period_shown(client, history):
    response = page(client, history.users["alice"], query="?from=31/02/2026&to=30/06/2026")
    assert response.status_code == 200
    assert "“31/02/2026” is not a date; write it as DD/MM/YYYY." in response.content.decode()
    response = page(client, history.users["alice"], query="?from=30/06/2026&to=01/01/2026")
    assert "The end of the period is before its start." in response.content.decode()
    # DD/MM/YYYY is read as Vietnamese users write it.
    response = page(client, history.users["alice"], query="?from=01/01/2026&to=30/06/2026")
    assert 'data-test="period-error"' not in response.content.decode()
    assert 'value="2026-06-30"' in response.content.decode()


def test_the_page_speaks_vietnamese(client, history):
    client.force_login(history.users["alice"])
    html = client.get("/units/N1/funnel/?from=2026-01-01&to=2026-06-30").content.decode()
    assert "Phễu phát triển đảng viên" in html


def test_the_downloads_answer_in_four_formats(client, history):
    client.force_login(history.users["alice"])
    for fmt in ("json", "csv", "xlsx", "pdf"):
        response = client.get(f"/units/N1/funnel.{fmt}?from=2026-01-01&to=2026-06-30&group=worker")
        assert response.status_code == 200
    data = json.loads(client.get("/units/N1/funnel.json?from=2026-01-01&to=2026-06-30").content)
    assert data["unit"] == "N1" and data["stages"][0]["entered"] == recount()["source_list"][0]
    client.force_login(history.users["bob"])
    assert client.get("/units/N1/funnel.csv").status_code == 404


# --- the command -------------------------------------------------------------------------------


def report(*args: str) -> str:
    out = io.StringIO()
    call_command("report", "funnel", *args, "--lang", "en", stdout=out)
    return out.getvalue()


ARGS = ("--unit", "N1", "--from", "01/01/2026", "--to", "2026-06-30")


def test_the_command_writes_the_four_formats(history, tmp_path):
    expected = recount()
    data = json.loads(report(*ARGS))
    assert {s["stage"]: (s["entered"], s["went_further"], s["median_days"], s["p90_days"])
            for s in data["stages"]} == expected  # fmt: skip
    assert {r["person_id"] for r in data["stuck"]} == set(stuck_expected())
    assert data["stuck_total"] == len(stuck_expected())
    worker = json.loads(report(*ARGS, "--source-group", "worker"))
    assert worker["source_group"] == "worker"
    assert worker["stages"][0]["entered"] == recount({"worker"})["source_list"][0]
    lines = report(*ARGS, "--format", "csv").splitlines()
    assert lines[0].startswith("Stage,Entered,Went further,Went further (%)")
    entered, further, median, p90 = expected["source_list"]
    assert lines[1].startswith(f"on the source list,{entered},{further},")
    sheet = sheet_of(_written(tmp_path, "xlsx"))
    assert sheet["A1"].value == "ĐẢNG BỘ XÃ MỚI"
    assert len(sheet._charts) == 1
    text = pdf_text(_written(tmp_path, "pdf"))
    assert "Candidates stuck longer than usual" in text
    for person_id in stuck_expected():
        assert NAMES[person_id] in text


def _written(tmp_path, fmt: str) -> bytes:
    path = tmp_path / f"funnel.{fmt}"
    report(*ARGS, "--output", str(path))
    return path.read_bytes()


def test_the_command_refuses_bad_input_and_other_units(history):
    def error(*args: str) -> str:
        with pytest.raises(CommandError) as raised:
            report(*args)
        return str(raised.value)

    assert error("--unit", "N1", "--from", "2026-06-30", "--to", "2026-01-01") == (
        "The end of the period is before its start."
    )
    assert error("--unit", "N1", "--as", "bob") == "Unknown unit code: N1."
    assert error("--unit", "N1", "--on", "2026-01-01") == "--on does not apply to a funnel report."


def test_a_closed_units_funnel_ends_on_its_last_day_by_default(client, history):
    client.force_login(history.users["root"])
    html = client.get("/units/D1/funnel/").content.decode()
    assert 'name="to" value="2025-06-30"' in html
    assert 'name="from" value="2025-01-01"' in html
