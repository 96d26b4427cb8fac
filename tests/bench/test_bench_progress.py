"""`ranks bench progress` on a tiny province, so that the command cannot rot unnoticed."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ranks.org.models import Unit
from ranks.people.models import Membership
from ranks.targets.models import Target

TINY = ["--members", "300", "--districts", "2", "--communes", "3", "--cells", "2", "--repeat", "1"]


def bench(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("bench", "progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()


@pytest.mark.django_db
def test_it_builds_a_province_times_it_and_the_sql_agrees():
    lines = bench(*TINY)

    assert lines[1].startswith("Built in ")
    # 1 province, 2 districts, 6 old communes, 2 new ones, 12 cells.
    assert Unit.objects.count() == 23
    assert Membership.objects.count() == 300
    assert Target.objects.filter(unit__code="BP", metric="admissions").exists()
    header = next(i for i, line in enumerate(lines) if line.startswith("operation "))
    assert lines[header].split() == ["operation", "median", "ms", "min", "ms", "queries"]
    operations = " ".join(lines[header + 1 :])
    for name in ("progress()", "composition()", "admission_ratio()", "hand-written SQL"):
        assert name in operations
    assert any(line.startswith("Database: ") for line in lines)
    assert lines[-1].startswith("Agreement: the hand-written SQL gives the same actual"), lines[-1]


def test_it_refuses_a_database_that_holds_data(world):
    with pytest.raises(CommandError) as error:
        bench(*TINY)
    assert "already holds data" in str(error.value)
    assert "--reset" in str(error.value)
