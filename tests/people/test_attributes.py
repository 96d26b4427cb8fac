"""A person's occupation, education, ethnicity, religion and Youth Union membership kept with the
day from which they hold: written by the services and the import, exported, shown on the
person's page (ethnicity and religion only under the sensitive grant, each read logged)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils.translation import override

from ranks.access.scope import scope_for
from ranks.core.actor import SYSTEM
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.interchange.exporters import export_kind, write_csv
from ranks.people.models import DATED_FIELDS, Occupation, Person
from ranks.people.services import person_save
from tests.interchange.helpers import csv_bytes, db_counts, run

D = dt.date


def history(person_id: str) -> list[tuple]:
    person = Person.objects.get(person_id=person_id)
    return [
        (p.valid_from, p.valid_to, p.occupation, p.religion)
        for p in person.attribute_periods.order_by("valid_from")
    ]


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_a_new_person_holds_their_values_from_birth_and_a_change_from_its_day(world):
    born = world.people["an"].birth_date
    assert history("P-AN") == [(born, None, "", "Không")]
    person_save(actor=SYSTEM, person_id="P-AN", occupation="farmer", attributes_from=born)
    assert history("P-AN") == [(born, None, "farmer", "Không")]
    person_save(
        actor=SYSTEM, person_id="P-AN", occupation="civil_servant", attributes_from=D(2025, 3, 1)
    )
    assert history("P-AN") == [
        (born, D(2025, 2, 28), "farmer", "Không"),
        (D(2025, 3, 1), None, "civil_servant", "Không"),
    ]
    # A change back-dated before a later one replaces it from its day.
    person_save(actor=SYSTEM, person_id="P-AN", occupation="worker", attributes_from=D(2024, 1, 1))
    assert history("P-AN") == [
        (born, D(2023, 12, 31), "farmer", "Không"),
        (D(2024, 1, 1), None, "worker", "Không"),
    ]
    assert Person.objects.get(person_id="P-AN").occupation == "worker"


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (D(1980, 1, 1), "before the birth date"),
        (dt.date.today() + dt.timedelta(days=3), "in the future"),
    ],
)
def test_a_date_out_of_the_persons_life_is_refused_and_changes_nothing(world, day, message):
    before = history("P-AN")
    with override("en"), pytest.raises(DomainError, match=message) as caught:
        person_save(actor=SYSTEM, person_id="P-AN", occupation="farmer", attributes_from=day)
    assert caught.value.field == "attributes_from"
    assert history("P-AN") == before


HEADER = ["person_id", "full_name", "birth_date", "occupation", "religion", "attributes_from"]


def test_the_import_dates_attributes_and_the_export_round_trips_them(world):
    born = world.people["an"].birth_date
    first = run(
        "people",
        csv_bytes(
            [HEADER, ["P-AN", "Nguyễn Văn An", "1990-05-01", "farmer", "Không", "01/05/1990"]]
        ),
    )
    assert first.errors == [] and first.updated == 1
    second = run(
        "people",
        csv_bytes(
            [
                HEADER,
                ["P-AN", "Nguyễn Văn An", "1990-05-01", "civil_servant", "Phật giáo", "2025-03-01"],
            ]
        ),
    )
    assert second.errors == [] and second.updated == 1
    expected = [
        (born, D(2025, 2, 28), "farmer", "Không"),
        (D(2025, 3, 1), None, "civil_servant", "Phật giáo"),
    ]
    assert history("P-AN") == expected

    def exported() -> str:
        export = export_kind(
            actor=SYSTEM, kind="people", scope=scope_for(SYSTEM), root=None, sensitive=True
        )
        text = io.StringIO()
        write_csv(export, text)
        return text.getvalue()

    text = exported()
    line = next(row for row in text.splitlines() if row.startswith("P-AN,"))
    assert line.endswith(",2025-03-01")  # since when the current values hold
    # Re-imported as it is, nothing changes.
    counts = {k: v for k, v in db_counts().items() if k != "core.AuditEntry"}
    again = run("people", text.encode())
    assert again.errors == [] and again.updated == 0
    assert {k: v for k, v in db_counts().items() if k != "core.AuditEntry"} == counts
    # Changed later, then the export imported: the records are as they were exported.
    person_save(actor=SYSTEM, person_id="P-AN", occupation="worker", attributes_from=D(2026, 1, 5))
    assert history("P-AN")[-1] == (D(2026, 1, 5), None, "worker", "Phật giáo")
    back = run("people", text.encode())
    assert back.errors == [] and back.updated == 1
    assert history("P-AN") == expected
    assert exported() == text


def test_the_import_refuses_a_date_before_birth_with_the_row_and_column(world):
    before = history("P-AN")
    with override("en"):
        result = run(
            "people",
            csv_bytes(
                [HEADER, ["P-AN", "Nguyễn Văn An", "1990-05-01", "farmer", "", "1989-01-01"]]
            ),
        )
    assert [(e.row, e.column) for e in result.errors] == [(2, "attributes_from")]
    assert "before the birth date" in result.errors[0].reason
    assert history("P-AN") == before


def _change_an(world):
    born = world.people["an"].birth_date
    person_save(actor=SYSTEM, person_id="P-AN", occupation="farmer", attributes_from=born)
    person_save(
        actor=SYSTEM,
        person_id="P-AN",
        occupation="civil_servant",
        religion="Phật giáo",
        attributes_from=D(2025, 3, 1),
    )


def test_the_person_page_shows_the_history(client, world):
    _change_an(world)
    signed_in(client, "alice")
    with override("vi"):
        farmer, servant = str(Occupation.FARMER.label), str(Occupation.CIVIL_SERVANT.label)
    text = client.get("/people/P-AN/").content.decode()
    section = text.split('data-test="attribute-periods"')[1].split("</section>")[0]
    rows = section.split('data-test="attribute-period"')[1:]
    assert len(rows) == 2
    assert servant in rows[0] and "01/03/2025" in rows[0]  # newest first
    assert farmer in rows[1] and "01/05/1990" in rows[1] and "28/02/2025" in rows[1]
    # Religion is sensitive: not on the page until asked for, and the old value not at all.
    assert "Phật giáo" not in text and 'data-test="sensitive-history"' not in text


def test_the_sensitive_history_needs_the_grant_and_its_read_is_logged(client, world):
    _change_an(world)
    reads = AuditEntry.objects.filter(action="ranks.people.person.sensitive_read")
    count = reads.count()
    # Bob's officer role at C2 covers Lan, who lives in V2, but he holds no sensitive grant.
    person_save(
        actor=SYSTEM, person_id="P-LAN", religion="Công giáo", attributes_from=D(2020, 1, 1)
    )
    signed_in(client, "bob")
    text = client.get("/people/P-LAN/?show=sensitive").content.decode()
    assert 'data-test="attribute-periods"' in text
    assert "Công giáo" not in text and 'data-test="sensitive-history"' not in text
    assert reads.count() == count
    signed_in(client, "alice")
    text = client.get("/people/P-AN/?show=sensitive").content.decode()
    table = text.split('data-test="sensitive-history"')[1].split("</table>")[0]
    assert table.index("Phật giáo") < table.index("Không")  # newest first
    assert "01/03/2025" in table
    assert reads.count() == count + 1
    entry = reads.last()
    assert (entry.actor, entry.object_id) == ("alice", "P-AN")
    assert entry.after["history"] == ["ethnicity", "religion"]


def test_the_dated_attributes_are_classified_as_the_persons_own():
    from ranks.people.services import SENSITIVE_DATED
    from ranks.privacy.fields import kept_of, sensitive_fields

    assert set(sensitive_fields("people.PersonAttributes")) == set(SENSITIVE_DATED)
    assert set(SENSITIVE_DATED) == {"ethnicity", "religion"}
    person, dated = kept_of("people.Person"), kept_of("people.PersonAttributes")
    for name in DATED_FIELDS:
        assert dated[name].data_class == person[name].data_class, name


def test_the_persons_own_data_holds_the_history(world):
    from ranks.privacy.selectors import person_data

    _change_an(world)
    with override("en"):
        found = person_data(Person.objects.get(person_id="P-AN")).as_json()["attributes"]
    assert [(a["from"], a["to"], a["Occupation"], a["Religion"]) for a in found] == [
        ("1990-05-01", "2025-02-28", "farmer", "Không"),
        ("2025-03-01", None, "civil servant", "Phật giáo"),
    ]


def test_the_form_records_a_change_from_its_day_and_refuses_a_day_before_birth(client, world):
    signed_in(client, "alice")
    data = {
        "full_name": "Nguyễn Văn An",
        "birth_date": "1990-05-01",
        "gender": "male",
        "residence_place_code": "V1",
        "occupation": "worker",
        "attributes_from": "15/06/2024",
    }
    assert client.post("/people/P-AN/edit/", data).status_code == 302
    assert history("P-AN") == [
        (D(1990, 5, 1), D(2024, 6, 14), "", "Không"),
        (D(2024, 6, 15), None, "worker", "Không"),
    ]
    response = client.post(
        "/people/P-AN/edit/", {**data, "occupation": "farmer", "attributes_from": "01/01/1980"}
    )
    assert response.status_code == 200
    assert "Ngày có hiệu lực của các thông tin này ở trước ngày sinh." in response.content.decode()
    assert history("P-AN")[-1] == (D(2024, 6, 15), None, "worker", "Không")


def test_an_import_of_many_changes_on_many_days_keeps_each_history(world):
    count = 1100  # more than one batch of the import
    rows = [HEADER] + [
        [f"M-{i:04d}", "Lò Văn Một", "1990-01-01", "farmer", "", ""] for i in range(count)
    ]
    assert run("people", csv_bytes(rows)).created == count
    days = [D(2020, 1, 1) + dt.timedelta(days=i % 30) for i in range(count)]
    rows = [HEADER] + [
        [f"M-{i:04d}", "Lò Văn Một", "1990-01-01", "worker", "", days[i].isoformat()]
        for i in range(count)
    ]
    result = run("people", csv_bytes(rows))
    assert result.errors == [] and result.updated == count
    for i in (0, 17, 1099):
        assert history(f"M-{i:04d}") == [
            (D(1990, 1, 1), days[i] - dt.timedelta(days=1), "farmer", ""),
            (days[i], None, "worker", ""),
        ]
    periods = Person.objects.filter(person_id__startswith="M-").values_list(
        "attribute_periods", flat=True
    )
    assert len(periods) == 2 * count
