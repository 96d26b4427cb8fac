"""What the shell's pages show: the tree of a date, and search."""

import datetime as dt

from django.contrib.auth import get_user_model


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_tree_of_a_date_before_and_after_the_reform(client, world):
    signed_in(client, "vera")
    before = client.get("/tree/?on=2024-06-01&depth=4").content.decode()
    assert (
        "Đảng bộ tỉnh Thử" in before and "Đảng bộ huyện Một" in before and "Chi bộ bản Nà" in before
    )
    signed_in(client, "alice")
    after = client.get("/tree/?on=2026-01-01&depth=3").content.decode()
    assert "Đảng bộ xã Mới" in after and "Chi bộ thôn Đông" in after
    assert "Đảng bộ huyện Một" not in after


def test_a_bad_date_says_so_and_shows_today(client, world):
    signed_in(client, "alice")
    text = client.get("/tree/?on=31/02/2024").content.decode()
    assert "31/02/2024" in text and 'role="alert"' in text


def test_search_ignores_diacritics_and_case(client, world):
    signed_in(client, "alice")
    text = client.get("/search/?q=NGUYEN+van+an").content.decode()
    assert "Nguyễn Văn An" in text
    assert "Đặng Thị Dung" in client.get("/search/?q=dang+thi").content.decode()


def test_search_queries_do_not_grow_with_the_matches(client, world, django_assert_max_num_queries):
    from ranks.core.actor import SYSTEM
    from ranks.org.services import unit_version_save
    from ranks.people.services import person_save

    signed_in(client, "alice")
    with django_assert_max_num_queries(7):  # one of them the identifier's lookup
        client.get("/search/?q=tim")
    for i in range(30):
        person_save(
            actor=SYSTEM,
            person_id=f"P-SEARCH-{i}",
            full_name=f"Nguyễn Văn Tìm {i}",
            birth_date=dt.date(1990, 1, 1),
            residence_place_code="V1",
        )
        unit_version_save(
            actor=SYSTEM, code=f"N1-TIM{i}", name=f"Chi bộ Tim {i}", kind="cell", parent_code="N1"
        )
    with django_assert_max_num_queries(7):
        text = client.get("/search/?q=tim").content.decode()
    assert "Nguyễn Văn Tìm 29" in text and "Chi bộ Tim 29" in text


def test_tree_page_queries_do_not_grow_with_the_tree(client, world, django_assert_max_num_queries):
    from ranks.core.actor import SYSTEM
    from ranks.org.services import unit_version_save

    def add(i):
        unit_version_save(
            actor=SYSTEM,
            code=f"N1-Y{i}",
            name=f"Đảng bộ {i}",
            kind="grassroots_committee",
            parent_code="N1",
        )
        unit_version_save(
            actor=SYSTEM, code=f"N1-Y{i}-C", name=f"Chi bộ {i}", kind="cell", parent_code=f"N1-Y{i}"
        )

    signed_in(client, "alice")
    add(0)  # the tree is as deep as the page shows: one query a level
    with django_assert_max_num_queries(8) as small:
        client.get("/tree/?depth=4")
    for i in range(1, 30):
        add(i)
    with django_assert_max_num_queries(len(small.captured_queries)):
        text = client.get("/tree/?depth=4").content.decode()
    assert "Chi bộ 29" in text
