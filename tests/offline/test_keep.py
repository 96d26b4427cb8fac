"""Which pages the installed app keeps for offline use: only today's pages of a cell the user is
an officer of by their own grant (`Ranks-Offline: keep`), nothing for others, nothing for full
access; and the pages of the installed app itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CELL_PAGES = [
    "/units/C1-A/candidates/",
    "/units/C1-A/candidates/?view=board",
    "/units/C1-A/members/",
    "/units/C1-A/due/",
    "/units/C1-A/record/",
]


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def kept(response) -> bool:
    return response.status_code == 200 and response.headers.get("Ranks-Offline") == "keep"


@pytest.mark.parametrize("url", CELL_PAGES)
def test_an_officers_own_cell_pages_are_kept(client, world, url):
    assert kept(signed_in(client, "alice").get(url))


def test_a_candidates_page_is_kept_with_its_basis(client, world):
    from ranks.pipeline.services import candidate_save

    candidate_save(actor=SYSTEM, person_id="P-AN", cell_code="C1-A", added_on=dt.date(2026, 1, 5))
    response = signed_in(client, "alice").get("/candidates/P-AN/")
    assert kept(response)
    basis = response.headers["Ranks-Basis"]
    assert len(basis) == 16
    assert f'data-basis="{basis}"'.encode() in response.content


@pytest.mark.parametrize(
    "url", ["/units/C1-A/candidates/?on=2025-01-01", "/units/C1-A/members/?on=2025-01-01"]
)
def test_a_page_of_another_date_is_not_kept(client, world, url):
    response = signed_in(client, "alice").get(url)
    assert response.status_code == 200 and not kept(response)


@pytest.mark.parametrize("url", ["/units/N1/candidates/", "/units/N1/members/", "/units/N1/"])
def test_a_committee_above_the_cells_is_not_kept(client, world, url):
    response = signed_in(client, "alice").get(url)
    assert response.status_code == 200 and not kept(response)


@pytest.mark.parametrize("url", CELL_PAGES[:4])
def test_a_viewer_and_full_access_keep_nothing(client, world, url):
    assert signed_in(client, "vera").get(url).status_code == 200
    assert not kept(signed_in(client, "vera").get(url))
    assert not kept(signed_in(client, "root").get(url))


def test_the_recording_page_is_for_the_cells_officers(client, world):
    make_user("cell_secretary")
    grant_role(actor=SYSTEM, username="cell_secretary", role="officer", unit_code="C1-A")
    assert kept(signed_in(client, "cell_secretary").get("/units/C1-A/record/"))
    # A viewer who sees the cell is refused (403); outside one's units, 404; a commune has none.
    assert signed_in(client, "vera").get("/units/C1-A/record/").status_code == 403
    assert signed_in(client, "bob").get("/units/C1-A/record/").status_code == 404
    assert signed_in(client, "alice").get("/units/N1/record/").status_code == 404


def test_the_app_pages(client, world):
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert b"ranks-pages" in worker.content
    signed_in(client, "alice")
    for url in ("/outbox/", "/offline/"):
        assert kept(client.get(url)), url


def test_signing_out_clears_the_device(client, world):
    response = signed_in(client, "alice").post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
