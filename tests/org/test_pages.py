"""What a unit's page shows: counts, the units below, places, history and area flags."""

from django.contrib.auth import get_user_model


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_unit_page_shows_counts_children_places_and_history(client, world):
    signed_in(client, "alice")
    text = client.get("/units/N1/?on=2026-01-01").content.decode()
    assert 'data-test="official">1<' in text and 'data-test="probationary">1<' in text
    assert "Chi bộ thôn Đông" in text and "Thôn Đông" in text
    cell = client.get("/units/C1-A/").content.decode()
    # The cell moved from the old commune to the new one on 1 July 2025.
    assert "01/07/2025" in cell and "Đảng bộ xã Một → Đảng bộ xã Mới" in cell
    assert "Nguyễn Văn An" in cell


def test_unit_that_did_not_exist_on_the_date_says_so(client, world):
    signed_in(client, "alice")
    text = client.get("/units/N1/?on=2024-01-01").content.decode()
    assert 'role="status"' in text


def test_inherited_area_flag_is_shown(client, world):
    signed_in(client, "bob")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = client.get("/units/C2-A/?on=2024-01-01").content.decode()
    assert "inherited from a unit above" in text


def test_unit_page_queries_do_not_grow_with_the_subtree(
    client, world, django_assert_max_num_queries
):
    from ranks.core.actor import SYSTEM
    from ranks.org.services import unit_version_save

    signed_in(client, "alice")
    with django_assert_max_num_queries(20) as small:
        client.get("/units/N1/")
    for i in range(30):
        unit_version_save(
            actor=SYSTEM, code=f"N1-X{i}", name=f"Chi bộ {i}", kind="cell", parent_code="N1"
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/units/N1/")


def test_a_cells_members_come_a_page_at_a_time(client, world, django_assert_max_num_queries):
    import datetime as dt
    import re

    from tests.targets.province import admit_in_bulk

    admit_in_bulk("C1-A", 120, first_day=dt.date(2026, 1, 5), last_day=dt.date(2026, 6, 1))
    signed_in(client, "alice")
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    url = "/units/C1-A/?on=2026-07-01"

    def members(text):
        return re.findall(r'<tr><td><a href="/people/([\w-]+)/">', text)

    first = client.get(url).content.decode()
    total = int(re.search(r'data-test="members-total">\((\d+)\)', first).group(1))
    assert total == 121  # Nguyễn Văn An and the 120 admitted
    pages = []
    for n in ("1", "2", "3"):
        with django_assert_max_num_queries(30):
            pages.append(members(client.get(f"{url}&members={n}").content.decode()))
    assert [len(p) for p in pages] == [50, 50, 21]
    assert len({m for p in pages for m in p}) == 121
    assert "Trang 1/3" in first and 'members=2#members-heading" rel="next"' in first
    # Out of bounds: the nearest page.
    assert members(client.get(f"{url}&members=0").content.decode()) == pages[0]
    assert members(client.get(f"{url}&members=nine").content.decode()) == pages[0]
    assert members(client.get(f"{url}&members=40").content.decode()) == pages[2]
