"""The demo's targets: every year for the provincial committee and the units under it, set
through the service (revision and audit), the province's figure below its children's sum."""

import pytest

from ranks.access.scope import Scope
from ranks.core.clock import today
from ranks.core.models import AuditEntry
from ranks.org.models import Unit
from ranks.targets.models import Target
from ranks.targets.progress import progress

pytestmark = pytest.mark.django_db


def test_this_years_targets_are_allocated_and_over_allocated_like_the_seed(province):
    year = today().year
    figures = progress(scope=Scope(full=True), unit=province, on=today())
    children = [r for r in figures.rows if r.depth == 1]
    assert figures.unit.target is not None
    assert all(r.target for r in children)
    # The children were given more than the province's own figure (2,233 against 2,200).
    assert sum(r.target for r in children) > figures.unit.target
    target = Target.objects.get(unit=province, year=year, metric="admissions")
    (revision,) = target.revisions.all()
    assert revision.reason == f"Kế hoạch phát triển đảng viên năm {year}"
    assert AuditEntry.objects.filter(
        action="ranks.targets.target.set", object_id=f"HP/{year}/admissions"
    ).exists()


def test_past_years_and_the_reform_year_have_targets(province):
    year = today().year
    old = Unit.objects.get(code="HD")
    assert Target.objects.filter(unit=old, year=year - 2, metric="admissions").exists()
    # Hải Dương existed until 30 June 2025: its 2025 target was set at the start of that year.
    assert Target.objects.filter(unit=old, year=2025, metric="admissions").exists()
    for metric in ("admissions_farmers", "admissions_villages", "admissions_women"):
        assert Target.objects.filter(unit=province, year=year, metric=metric).exists()
