"""The demo generator plans a province from the real units, for any of the 63 old provinces.

These tests touch no database: the plan is plain data.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter, defaultdict

import pytest
from faker.providers.person.vi_VN import Provider

from ranks.demo.generator import (
    LAST_OLD_DAY,
    REFORM,
    Sizes,
    UnknownProvince,
    build_plan,
    find_province,
    old_province_names,
)
from ranks.demo.generator.names import FAMILY_BY_ETHNICITY
from ranks.demo.generator.plan import CandidatePlan, EventPlan
from ranks.demo.generator.regions import area_flags
from ranks.demo.generator.replay import Tenure, replay
from ranks.org.adminunits import load_province, province_codes
from ranks.people.status import age_on
from ranks.pipeline.rules.calendar import working_days_between

TODAY = dt.date(2026, 11, 22)
TINY = Sizes(members=40, villages_per_commune=1, non_members=5)
HOLDS_MEMBERS = {"cell", "grassroots_cell"}
WESTERN = {"John", "Mary", "James", "Smith", "Jr.", "Mr.", "Mrs.", "Dr."}


def test_there_are_63_old_provinces_each_with_its_own_code():
    codes = province_codes()
    assert len(old_province_names()) == 63
    assert len(set(codes.values())) == 63
    assert codes["Hải Dương"] == "HD"
    assert codes["Hải Phòng"] == "HP"


def test_provinces_are_found_by_loose_names():
    assert find_province("hai duong") == "Hải Dương"
    assert find_province("Tỉnh Lai Châu") == "Lai Châu"
    with pytest.raises(UnknownProvince):
        find_province("Atlantis")


def test_hai_duong_has_its_real_districts_and_communes_and_goes_into_hai_phong():
    old, new = load_province("Hải Dương")
    assert len(old.districts) == 12
    assert sum(len(d.communes) for d in old.districts) == 207
    thanh_mien = next(d for d in old.districts if d.short == "Thanh Miện")
    assert thanh_mien.title == "huyện Thanh Miện"
    pham_kha = next(c for c in thanh_mien.communes if c.short == "Phạm Kha")
    assert new.short == "Hải Phòng"
    assert new.commune(pham_kha.new_default).short == "Nguyễn Lương Bằng"
    kinh_mon = next(d for d in old.districts if d.short == "Kinh Môn")
    assert kinh_mon.title == "thị xã Kinh Môn"


@pytest.mark.parametrize("province", old_province_names())
def test_every_old_province_plans_a_consistent_province(province):
    plan = build_plan(province, seed=1, sizes=TINY, today=TODAY)
    kinds = {u.code: {v.kind for v in u.versions} for u in plan.units}
    assert len(kinds) == len(plan.units), "unit codes are unique"
    for unit in plan.units:
        for version in unit.versions:
            assert version.parent is None or version.parent in kinds
        for before, after in zip(unit.versions, unit.versions[1:], strict=False):
            assert before.valid_to is not None and before.valid_to < after.valid_from
    districts = [u for u in plan.units if "district_committee" in kinds[u.code]]
    assert districts and all(u.versions[-1].valid_to == LAST_OLD_DAY for u in districts)
    communes = [u for u in plan.units if "commune_committee" in kinds[u.code]]
    assert communes and all(u.versions[0].valid_from == REFORM for u in communes)
    for place in plan.places:
        for version in place.versions:
            assert version.unit in kinds
            assert all(kinds[c] & HOLDS_MEMBERS for c in version.cells)
    people = {p.person_id: p for p in plan.people}
    candidates = {c.person_id for c in plan.candidates}
    assert len([m for m in plan.memberships if m.person_id not in candidates]) == TINY.members
    for m in plan.memberships:
        born = people[m.person_id].birth_date
        assert age_on(born, m.admission_decision_date) >= 18
        assert m.admission_decision_date < TODAY
        assert m.ceremony_date is None or m.ceremony_date >= m.admission_decision_date
        if m.official_date:
            assert m.official_date == m.ceremony_date.replace(year=m.ceremony_date.year + 1)
        for posting in m.postings:
            assert kinds[posting.cell] & HOLDS_MEMBERS
        if m.left_date:
            assert m.left_date > m.admission_decision_date
            assert m.postings[-1].valid_to == m.left_date
    assert all(18 <= age_on(p.birth_date, TODAY) <= 80 for p in plan.people)


def test_the_same_seed_gives_the_same_names_and_another_seed_others():
    sizes = Sizes(members=200, villages_per_commune=1)
    first = [p.full_name for p in build_plan("Hải Dương", seed=7, sizes=sizes, today=TODAY).people]
    again = [p.full_name for p in build_plan("Hải Dương", seed=7, sizes=sizes, today=TODAY).people]
    later = build_plan("Hải Dương", seed=7, sizes=sizes, today=TODAY + dt.timedelta(days=40))
    other = [p.full_name for p in build_plan("Hải Dương", seed=8, sizes=sizes, today=TODAY).people]
    assert first == again
    assert first == [p.full_name for p in later.people], "names do not depend on the day"
    assert first != other


def test_names_are_vietnamese_family_middle_given():
    plan = build_plan("Hải Dương", seed=2025, sizes=Sizes(members=600), today=TODAY)
    families = set(Provider.last_names) | {f for fs in FAMILY_BY_ETHNICITY.values() for f in fs}
    for person in plan.people:
        words = person.full_name.split()
        assert len(words) >= 3, person.full_name
        assert not WESTERN & set(words), person.full_name
        assert words[0] in families, person.full_name
        if person.gender == "male":
            assert "Thị" not in words, person.full_name
    genders = Counter(p.gender for p in plan.people)
    assert genders["male"] > genders["female"] > 0


def test_people_look_like_a_rural_province():
    plan = build_plan("Hải Dương", seed=2025, sizes=Sizes(members=1000), today=TODAY)
    member_ids = {m.person_id for m in plan.memberships}
    members = [p for p in plan.people if p.person_id in member_ids]
    ethnicity = Counter(p.ethnicity for p in members)
    religion = Counter(p.religion for p in members)
    assert ethnicity["Kinh"] > 0.95 * len(members)
    assert religion["Không"] > religion["Phật giáo"] > 0 and religion["Công giáo"] > 0
    recent = [m for m in plan.memberships if m.admission_decision_date >= dt.date(2016, 1, 1)]
    assert 0.2 * len(members) < len(recent) < 0.5 * len(members)
    assert any(m.admission_decision_date.year < 1990 for m in plan.memberships)
    probationary = [m for m in plan.memberships if m.official_date is None and not m.left_date]
    assert probationary and all(
        m.admission_decision_date > TODAY - dt.timedelta(days=420) for m in probationary
    )
    assert {m.left_reason for m in plan.memberships} >= {"", "death", "transfer_out"}
    assert any(len(m.postings) > 1 for m in plan.memberships), "some members changed cells"
    occupations = Counter(p.occupation for p in members)
    assert occupations["farmer"] and occupations["retired"] and occupations["civil_servant"]
    assert all(len(p.national_id) == 12 and p.national_id.isdigit() for p in plan.people)


def test_a_mountainous_province_is_flagged_and_keeps_its_committee():
    plan = build_plan(
        "Lai Châu", seed=3, sizes=Sizes(members=300, villages_per_commune=2), today=TODAY
    )
    root = plan.units[0]
    assert root.code == "LCH" and len(root.versions) == 1 and root.versions[0].valid_to is None
    assert set(root.versions[0].area_flags) == {"mountainous", "ethnic_minority"}
    assert Counter(p.ethnicity for p in plan.people)["Kinh"] < 0.5 * len(plan.people)
    assert any(v.name.startswith("Bản ") for p in plan.places for v in p.versions)


def test_the_generator_imports_no_django():
    modules = ", ".join(
        f"ranks.demo.generator.{m}"
        for m in (
            "agencies",
            "building",
            "candidates",
            "logins",
            "names",
            "paperwork",
            "people",
            "plan",
            "regions",
            "replay",
            "structure",
        )
    )
    code = (
        f"import sys; import ranks.org.adminunits, ranks.demo.generator, {modules}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


MAIN = (
    "identified",
    "source_list",
    "class_passed",
    "introducers_assigned",
    "dossier_prepared",
    "background_verified",
    "comments_collected",
    "cell_resolution",
    "committee_resolution",
    "admission_decision",
    "ceremony",
    "official",
)


def _main(c: CandidatePlan) -> list[EventPlan]:
    """The main stages of the path; the cell's vote after probation is on recognition (R11)."""
    ceremony = next((e.date for e in c.events if e.stage == "ceremony"), None)
    return [
        e
        for e in c.events
        if e.stage in MAIN and not (e.stage == "cell_resolution" and ceremony and e.date > ceremony)
    ]


def test_candidates_are_planned_at_every_stage_up_to_official_recognition():
    plan = build_plan("Hải Dương", seed=2025, sizes=Sizes(), today=TODAY)
    candidates = {c.person_id for c in plan.candidates}
    members = {m.person_id for m in plan.memberships if m.person_id not in candidates}
    admitted = {m.person_id: m for m in plan.memberships if m.person_id in candidates}
    people = {p.person_id: p for p in plan.people}
    assert 0.6 * (len(plan.people) - len(members)) < len(plan.candidates)
    latest = Counter(_main(c)[-1].stage for c in plan.candidates)
    assert set(latest) == set(MAIN)
    assert latest["source_list"] > latest["ceremony"] > latest["official"] > 0
    groups = Counter(c.source_group for c in plan.candidates)
    assert {"youth_union", "military", "returning_graduate", "student", "worker"} <= set(groups)
    assert 0 < groups["religious"] < groups["youth_union"]
    for c in plan.candidates:
        assert 1 <= len(c.mentors) <= 2 and c.person_id not in c.mentors
        assert all(m in members for m in c.mentors)
        dates = [e.date for e in c.events]
        assert dates == sorted(dates) and dates[-1] <= TODAY and c.added_on == dates[0]
        stages = [MAIN.index(e.stage) for e in _main(c)]
        assert stages == sorted(stages)
        events = {e.stage: e for e in _main(c)}
        if "class_passed" in events:
            assert events["class_passed"].certificate_no and events["class_passed"].class_name
        if "introducers_assigned" in events:
            introducers = events["introducers_assigned"]
            assert len(introducers.introducers) == 2 - introducers.youth_union_resolution
            assert set(introducers.introducers) <= members
        if "cell_resolution" in events:
            vote = events["cell_resolution"]
            assert 0 < vote.votes_for <= vote.official_members
            if 3 * vote.votes_for < 2 * vote.official_members:
                assert c.events[-1] is vote, "a failed vote: the candidate stays there"
            assert age_on(people[c.person_id].birth_date, vote.date) >= 18
        if "admission_decision" in events:
            decision = events["admission_decision"]
            assert decision.decision_no and decision.date < decision.received_on <= TODAY
        if "ceremony" in events:
            received = events["admission_decision"].received_on
            ceremony = events["ceremony"]
            assert ceremony.exception_document or (
                working_days_between(received, ceremony.date) <= 30
            )
            m = admitted[c.person_id]
            assert m.admission_decision_date == events["admission_decision"].date
            assert m.ceremony_date == ceremony.date
            assert [(p.cell, p.valid_from) for p in m.postings] == [
                (c.cell, m.admission_decision_date)
            ]
        else:
            assert c.person_id not in admitted


def test_some_candidates_are_overdue_handed_over_or_working_away():
    plan = build_plan("Hải Dương", seed=2025, sizes=Sizes(), today=TODAY)
    no_decision = no_ceremony = 0
    for c in plan.candidates:
        events = {e.stage: e for e in c.events}
        if "cell_resolution" in events and "admission_decision" not in events:
            passed = (
                3 * events["cell_resolution"].votes_for
                >= 2 * events["cell_resolution"].official_members
            )
            no_decision += (
                passed and working_days_between(events["cell_resolution"].date, TODAY) > 60
            )
        if "admission_decision" in events and "ceremony" not in events:
            no_ceremony += (
                working_days_between(events["admission_decision"].received_on, TODAY) > 30
            )
    assert no_decision >= 1 and no_ceremony >= 1
    handed = {c.person_id: c for c in plan.candidates for e in c.events if e.stage == "handed_over"}
    assert len(handed) == 2
    pending, accepted = sorted(handed.values(), key=lambda c: c.started_in is not None)
    event = pending.events[-1]
    assert event.stage == "handed_over" and event.to_unit and event.to_unit != pending.cell
    stages = [e.stage for e in accepted.events]
    taken = accepted.events[stages.index("handover_accepted")]
    assert stages.index("handed_over") + 1 == stages.index("handover_accepted")
    assert taken.to_unit == accepted.cell != accepted.started_in
    assert stages.index("handover_accepted") < stages.index("introducers_assigned")
    away = [e for c in plan.candidates for e in c.events if e.stage == "working_away"]
    assert len(away) == 1 and away[0].location


@pytest.mark.parametrize(
    ("province", "sizes", "today"),
    [
        ("Hải Dương", Sizes(), TODAY),
        ("Hải Dương", Sizes(members=1500, villages_per_commune=1), dt.date(2025, 9, 15)),
        ("Lai Châu", Sizes(members=1200, villages_per_commune=2), TODAY),
        ("Lai Châu", Sizes(members=1200, villages_per_commune=2), dt.date(2027, 2, 15)),
    ],
)
def test_every_planned_event_passes_the_rules_or_is_an_exception(province, sizes, today):
    plan = build_plan(province, seed=2025, sizes=sizes, today=today)
    people = {p.person_id: p for p in plan.people}
    tenures = defaultdict(list)
    for m in plan.memberships:
        for p in m.postings:
            tenure = Tenure(
                m.person_id, p.cell, p.valid_from, p.valid_to, m.official_date, m.left_date
            )
            tenures[m.person_id].append(tenure)
    flags = frozenset(area_flags(province))
    exceptions = []
    for c in plan.candidates:
        for refusal in replay(
            c.events, person=people[c.person_id], flags=flags, cell=c.cell, tenures=tenures
        ):
            event = refusal.event
            assert not refusal.state, (c.person_id, event.stage, refusal.state)
            rules = sorted({f.rule for f in refusal.findings})
            assert list(event.exception_for) == rules, (c.person_id, event.stage, rules)
            if rules:
                assert event.exception_approved_by and event.exception_document
                exceptions.append(
                    (event.stage, event.exception_approved_by, event.exception_document)
                )
    assert ("ceremony",) in {e[:1] for e in exceptions}, "a late ceremony (R9)"
    elder = [e for e in exceptions if e[0] == "cell_resolution"]
    if "mountainous" in flags:  # a village elder over 60, with the provincial committee's consent
        assert elder == [("cell_resolution", "Ban Thường vụ Tỉnh ủy Lai Châu", elder[0][2])]
        assert elder[0][2].startswith("Công văn số ") and elder[0][2].endswith("-CV/TU")
    else:
        assert not elder


def test_the_same_seed_gives_the_same_candidates():
    sizes = Sizes(members=300, villages_per_commune=1, non_members=30)
    first = build_plan("Hải Dương", seed=7, sizes=sizes, today=TODAY).candidates
    again = build_plan("Hải Dương", seed=7, sizes=sizes, today=TODAY).candidates
    assert first and first == again
