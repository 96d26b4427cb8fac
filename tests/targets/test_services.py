"""Setting targets: created, revised with reasons, idempotent, and each refusal with its message."""

import pytest
from django.utils import translation

from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.targets.models import Metric, Target, TargetRevision
from ranks.targets.services import target_set

MANAGER = Actor(name="vera")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def set_(**kwargs):
    kwargs.setdefault("actor", MANAGER)
    kwargs.setdefault("unit_code", "D1")
    kwargs.setdefault("year", 2024)
    kwargs.setdefault("metric", "admissions")
    kwargs.setdefault("value", 280)
    return target_set(**kwargs)


def entries():
    return list(AuditEntry.objects.filter(object_type="target").order_by("seq"))


def test_the_metric_keys_are_those_of_the_design():
    assert Metric.values == [
        "admissions",
        "admissions_villages",
        "admissions_farmers",
        "admissions_workers",
        "admissions_age_18_30",
        "admissions_ethnic_minority",
        "admissions_religious",
        "admissions_women",
        "source_entries",
        "class_graduates",
        "places_with_members",
        "places_with_cell",
    ]


def test_a_new_target_is_saved_with_its_first_revision_and_audited(world):
    target = set_(reason=" Resolution 05 ")
    stored = Target.objects.get()
    assert stored.pk == target.pk
    assert (stored.unit.code, stored.year, stored.metric, stored.value, stored.set_by) == (
        "D1",
        2024,
        "admissions",
        280,
        "vera",
    )
    [revision] = stored.revisions.all()
    assert (revision.old_value, revision.new_value, revision.by, revision.reason) == (
        None,
        280,
        "vera",
        "Resolution 05",
    )
    assert revision.at == stored.set_at
    [entry] = entries()
    assert (entry.action, entry.object_id, entry.before, entry.after) == (
        "ranks.targets.target.set",
        "D1/2024/admissions",
        None,
        {"value": 280, "reason": "Resolution 05"},
    )


def test_a_changed_value_adds_a_revision_with_its_reason(world):
    set_()
    set_(value=300, reason="mid-year review", actor=Actor(name="root"))
    stored = Target.objects.get()
    assert (stored.value, stored.set_by) == (300, "root")
    assert [(r.old_value, r.new_value, r.by, r.reason) for r in stored.revisions.all()] == [
        (None, 280, "vera", ""),
        (280, 300, "root", "mid-year review"),
    ]
    assert [(e.before, e.after["value"]) for e in entries()] == [(None, 280), ({"value": 280}, 300)]


def test_the_same_value_again_writes_nothing(world):
    set_()
    set_(reason="a reason alone changes nothing")
    assert TargetRevision.objects.count() == 1
    assert len(entries()) == 1


def test_each_unit_year_and_metric_has_its_own_target(world):
    set_()
    set_(year=2025)
    set_(metric="admissions_women", value=100)
    set_(unit_code="D2", value=260)
    assert Target.objects.count() == 4


def test_zero_and_the_last_year_allowed_are_accepted(world):
    assert set_(value=0, year=today().year + 11).value == 0
    assert set_(year=1930).year == 1930


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"unit_code": "X-9"}, "unit_code", "Unknown unit code: X-9."),
        ({"year": 1929}, "year", "The year must be between 1930 and {last}."),
        ({"year": "next+12"}, "year", "The year must be between 1930 and {last}."),
        (
            {"metric": "admissions_youth"},
            "metric",
            "Unknown metric: admissions_youth. Allowed: admissions, admissions_villages, "
            "admissions_farmers, admissions_workers, admissions_age_18_30, "
            "admissions_ethnic_minority, admissions_religious, admissions_women, "
            "source_entries, class_graduates, places_with_members, places_with_cell.",
        ),
        ({"value": -1}, "value", "The value must be 0 or more."),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(world, changes, field, message):
    last = today().year + 11
    if changes.get("year") == "next+12":
        changes = {"year": last + 1}
    count = AuditEntry.objects.count()
    with pytest.raises(DomainError) as error:
        set_(**changes)
    assert (str(error.value), error.value.field) == (message.format(last=last), field)
    assert not Target.objects.exists()
    assert not TargetRevision.objects.exists()
    assert AuditEntry.objects.count() == count
