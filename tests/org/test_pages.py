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
