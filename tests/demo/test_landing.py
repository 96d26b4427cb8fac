"""Where each demo user starts after signing in: the dashboard of their widest current grant, a
cell's own page for the cell's user, and for the district officer, whose district closed in the
2025 reform, a page that says so and names the communes that took over its cells."""

import re

import pytest
from django.contrib.auth import get_user_model

from ranks.access.models import Grant
from ranks.org.models import UnitVersion

pytestmark = pytest.mark.django_db


def signed_in(client, username, language="vi"):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def landing(client, username: str):
    return signed_in(client, username).get("/")


def test_the_province_officer_lands_on_the_new_provinces_dashboard(client, province):
    # Grants at Hải Dương (closed 30/06/2025) and at Hải Phòng: the current one, the widest.
    response = landing(client, "tinh")
    assert response.status_code == 302 and response.url == "/units/HP/dashboard/"
    page = client.get(response.url)
    assert "Đảng bộ thành phố Hải Phòng" in text_of(page)


def test_the_commune_officers_land_on_their_communes_dashboards(client, province):
    xa1 = landing(client, "xa1")  # the old Phạm Kha (closed) and the new commune it went into
    new_commune = UnitVersion.objects.get(unit__code=xa1.url.split("/")[2], valid_to=None)
    assert xa1.url == f"/units/{new_commune.unit.code}/dashboard/"
    assert new_commune.kind.key == "commune_committee"
    assert new_commune.parent.code == "HP"
    xa2 = landing(client, "xa2")
    assert re.fullmatch(r"/units/HP-N\d+/dashboard/", xa2.url)
    assert xa2.url != xa1.url
    assert client.get(xa2.url).status_code == 200


def test_the_cell_user_lands_on_the_cells_page(client, province):
    response = landing(client, "chibo")
    assert response.url == "/units/HD-X11245-C01/"
    page = text_of(client.get(response.url))
    assert "Chi bộ thôn" in page and "Đảng viên" in page


def test_the_district_officer_is_told_the_district_closed_and_who_took_over(client, province):
    response = landing(client, "huyen")
    assert response.status_code == 200
    page = text_of(response)
    assert "Đảng bộ huyện Thanh Miện đã kết thúc hoạt động ngày 30/06/2025" in page
    # The successors: the new communes of Hải Phòng its cells went into on 1 July 2025, among
    # them those of the two commune officers (Phạm Kha's, and the district seat's).
    successors = set(re.findall(r'data-test="successor-([\w-]+)"', response.content.decode()))
    communes = {landing(client, user).url.split("/")[2] for user in ("xa1", "xa2")}
    assert communes <= successors
    for code in successors:
        version = UnitVersion.objects.get(unit__code=code, valid_to=None)
        assert version.kind.key == "commune_committee" and version.parent.code == "HP"
        assert version.name in page
    # Outside the officer's grants, each is named with its code, not linked to a 404.
    assert "ngoài phạm vi được phân quyền" in page
    district = Grant.objects.get(user__username="huyen").unit
    assert f'href="/units/{district.code}/?on=2025-06-30"' in response.content.decode()
    # The district's own page and dashboard on its last day still answer.
    signed_in(client, "huyen")
    assert client.get(f"/units/{district.code}/?on=2025-06-30").status_code == 200
    assert client.get(f"/units/{district.code}/dashboard/?on=2025-06-30").status_code == 200
    # Its dashboard today says the same, with the same successors.
    today_page = client.get(f"/units/{district.code}/dashboard/").content.decode()
    assert "đã kết thúc hoạt động ngày 30/06/2025" in today_page
    assert set(re.findall(r'data-test="successor-([\w-]+)"', today_page)) == successors


def test_the_superuser_lands_on_the_top_units_dashboard(client, province):
    response = landing(client, "admin")
    assert response.url == "/units/HP/dashboard/"
