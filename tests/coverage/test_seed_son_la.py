"""Son La, early 2006 (seed 002): "86 establishments without party members, 995/3,181
establishments without party cells"; by 2020 every village has party members and a cell.

The province is written as a first load writes it (rows, then the counters counted from them in
the database), and the figures are read the way the pages read them: from the counters."""

from __future__ import annotations

import datetime as dt

from ranks.counters import services as counters
from ranks.coverage.recount import Records
from ranks.coverage.selectors import Counts, coverage_on, coverage_trend
from ranks.org.kinds import ensure_unit_kinds
from ranks.org.models import Place, PlaceVersion, Unit, UnitKind, UnitVersion
from ranks.people.models import Membership, Person, PersonPlace, Posting
from ranks.people.names import fold

D = dt.date
PLACES, WITHOUT_MEMBERS, WITHOUT_CELL = 3181, 86, 995
COMMUNES = 12
OLD, MEMBERS_LATE, CELLS_LATE = D(2000, 1, 1), D(2015, 5, 1), D(2018, 1, 1)


def son_la() -> Unit:
    """Villages 0–85 get their first member in 2015 and 0–994 their cell in 2018; the others
    have both since 2000. Each village has one member living there."""
    ensure_unit_kinds(UnitKind)
    kinds = dict(UnitKind.objects.values_list("key", "id"))
    communes = [f"SL-C{c:02}" for c in range(COMMUNES)]
    cells = [f"SL-X{p:04}" for p in range(PLACES)]
    Unit.objects.bulk_create([Unit(code=c) for c in ["SL", *communes, *cells]])
    ids = dict(Unit.objects.filter(code__startswith="SL").values_list("code", "id"))
    versions = [
        UnitVersion(
            unit_id=ids["SL"], name="Đảng bộ tỉnh Sơn La", kind_id=kinds["provincial_committee"],
            valid_from=OLD, area_flags=["mountainous", "border"],
        )
    ]  # fmt: skip
    versions += [
        UnitVersion(
            unit_id=ids[c], name=f"Đảng bộ xã Số {n}", kind_id=kinds["grassroots_committee"],
            parent_id=ids["SL"], valid_from=OLD, can_admit=True,
        )
        for n, c in enumerate(communes)
    ]  # fmt: skip
    versions += [
        UnitVersion(
            unit_id=ids[c], name=f"Chi bộ bản Số {p}", kind_id=kinds["cell"],
            parent_id=ids[communes[p % COMMUNES]],
            valid_from=CELLS_LATE if p < WITHOUT_CELL else OLD,
        )
        for p, c in enumerate(cells)
    ]  # fmt: skip
    UnitVersion.objects.bulk_create(versions)
    Place.objects.bulk_create([Place(code=f"SL-P{p:04}") for p in range(PLACES)])
    places = dict(Place.objects.filter(code__startswith="SL-P").values_list("code", "id"))
    rows = []
    for p in range(PLACES):
        common = {
            "place_id": places[f"SL-P{p:04}"], "name": f"Bản Số {p}", "kind": "village",
            "unit_id": ids[communes[p % COMMUNES]],
        }  # fmt: skip
        if p < WITHOUT_CELL:
            rows.append(
                PlaceVersion(**common, valid_from=OLD, valid_to=CELLS_LATE - dt.timedelta(1))
            )
        rows.append(PlaceVersion(**common, valid_from=CELLS_LATE if p < WITHOUT_CELL else OLD))
    PlaceVersion.objects.bulk_create(rows)
    linked = PlaceVersion.objects.filter(place__code__startswith="SL-P", valid_to__isnull=True)
    PlaceVersion.cells.through.objects.bulk_create(
        [
            PlaceVersion.cells.through(
                placeversion_id=v.pk, unit_id=ids[f"SL-X{int(v.name.split()[-1]):04}"]
            )
            for v in linked
        ]
    )
    Person.objects.bulk_create(
        [
            Person(
                person_id=f"SL-{p:04}", full_name=f"Lò Văn Số {p}",
                search_name=fold(f"Lò Văn Số {p}"), birth_date=D(1980, 1, 1),
            )
            for p in range(PLACES)
        ]
    )  # fmt: skip
    people = dict(Person.objects.filter(person_id__startswith="SL-").values_list("person_id", "id"))
    PersonPlace.objects.bulk_create(
        [
            PersonPlace(person_id=people[f"SL-{p:04}"], role="residence",
                        place_id=places[f"SL-P{p:04}"])
            for p in range(PLACES)
        ]
    )  # fmt: skip

    def admitted(p: int) -> dt.date:
        return MEMBERS_LATE if p < WITHOUT_MEMBERS else OLD

    Membership.objects.bulk_create(
        [
            Membership(person_id=people[f"SL-{p:04}"], admission_decision_date=admitted(p))
            for p in range(PLACES)
        ]
    )
    memberships = dict(
        Membership.objects.filter(person__person_id__startswith="SL-").values_list(
            "person_id", "id"
        )
    )
    # Posted to their village's cell, or, before it exists, to an old cell of the commune.
    old_cell = {
        c: f"SL-X{next(p for p in range(WITHOUT_CELL, PLACES) if p % COMMUNES == n):04}"
        for n, c in enumerate(communes)
    }
    postings = []
    for p in range(PLACES):
        person = people[f"SL-{p:04}"]
        commune = communes[p % COMMUNES]
        own = ids[f"SL-X{p:04}"]
        if p < WITHOUT_CELL:
            postings.append(
                Posting(membership_id=memberships[person], person_id=person,
                        cell_id=ids[old_cell[commune]], valid_from=admitted(p),
                        valid_to=CELLS_LATE - dt.timedelta(1))
            )  # fmt: skip
            postings.append(
                Posting(membership_id=memberships[person], person_id=person, cell_id=own,
                        valid_from=CELLS_LATE)
            )  # fmt: skip
        else:
            postings.append(
                Posting(membership_id=memberships[person], person_id=person, cell_id=own,
                        valid_from=admitted(p))
            )  # fmt: skip
    Posting.objects.bulk_create(postings)
    counters.rebuild()
    return Unit.objects.get(code="SL")


def test_son_la_early_2006_and_2020_read_through_the_counters(db):
    province = son_la()
    early = coverage_on(province, D(2006, 1, 1))
    assert early.totals == Counts(total=PLACES, without_members=WITHOUT_MEMBERS,
                                  without_cell=WITHOUT_CELL)  # fmt: skip
    # The whole province is mountainous and on the border.
    assert early.by_flag["mountainous"] == early.totals == early.by_flag["border"]
    assert early.blank.count() == WITHOUT_CELL  # the 86 have neither
    trend = coverage_trend(province, D(2020, 12, 31), years=range(2006, 2021))
    assert trend[0].totals == early.totals
    assert [t.totals.without_members for t in trend[8:10]] == [86, 0]  # members from 2015
    assert [t.totals.without_cell for t in trend[-4:]] == [995, 0, 0, 0]  # cells from 2018
    assert trend[-1].totals == Counts(total=PLACES, without_members=0, without_cell=0)
    # The same from the records, walked in Python.
    assert Records(province).coverage(D(2006, 1, 1), with_lists=False).totals == early.totals
