"""In headless Chromium at 360 px: every page, as the demo's province, commune and cell users,
and the closed district's officer, fits the screen: nothing scrolls sideways, with every folded
section unfolded.

PAGES lists the pages by URL. Add a new page here (with the users who can open it): the walk
fills {province}, {commune} and {cell} with the signed-in user's units (where they land),
{person} with a member of the cell, {candidate} with a candidate of the cell's commune, {year}
with this year.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ranks.access.models import Grant
from ranks.core.clock import today
from ranks.org.kinds import ensure_unit_kinds
from ranks.org.models import Unit, UnitKind
from ranks.org.selectors import unit_subtree
from ranks.people.models import Posting
from ranks.pipeline.models import Candidate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "ranks-demo-2025"
WIDTH = 360
# Small, for speed; the same shape as the demo: a province, a closed district, communes, cells.
SMALL = {"members": 600, "villages_per_commune": 1, "non_members": 100}

PROVINCE = ("tinh",)
COMMUNE = ("tinh", "xa1")
EVERYONE = ("tinh", "xa1", "chibo")

# (URL, who opens it). {unit} is the user's own unit: the province, the commune or the cell.
PAGES: list[tuple[str, tuple[str, ...]]] = [
    ("/", EVERYONE),
    ("/tree/", EVERYONE),
    ("/tree/?depth=4", EVERYONE),
    ("/tree/?unit={unit}", EVERYONE),
    ("/search/?q=nguyen", EVERYONE),
    ("/units/{unit}/", EVERYONE),
    ("/units/{cell}/", COMMUNE),
    ("/units/{unit}/dashboard/", EVERYONE),
    ("/units/{unit}/dashboard/?status=lagging&sort=percent", COMMUNE),
    ("/units/{unit}/dashboard/?show=sensitive", COMMUNE),
    ("/units/{unit}/dashboard/?on=2024-06-30", PROVINCE),
    ("/units/{unit}/targets/", EVERYONE),
    ("/units/{unit}/targets/{year}/admissions/", COMMUNE),
    ("/units/{unit}/coverage/", EVERYONE),
    ("/units/{unit}/coverage/?blank=both&page=2", COMMUNE),
    ("/units/{unit}/cells/", EVERYONE),
    ("/units/{unit}/cells/?flag=below_minimum&sort=official&dir=desc", COMMUNE),
    ("/units/{unit}/secondments/", EVERYONE),
    ("/units/{unit}/secondments/?show=all", COMMUNE),
    ("/units/{unit}/away/", EVERYONE),
    ("/units/{unit}/due/", EVERYONE),
    ("/units/{unit}/funnel/", EVERYONE),
    ("/units/{unit}/funnel/?from=2020-01-01&group=youth_union", PROVINCE),
    ("/units/{unit}/candidates/", EVERYONE),
    ("/units/{unit}/candidates/?view=board", EVERYONE),
    ("/units/{cell}/candidates/new/", COMMUNE),  # officers (a viewer: 404)
    ("/units/{unit}/handovers/", EVERYONE),
    ("/candidates/{candidate}/", EVERYONE),
    ("/candidates/{candidate}/events/class_passed/", EVERYONE),
    ("/people/{person}/", EVERYONE),
    ("/imports/", COMMUNE),
    ("/units/{unit}/members/", EVERYONE),
    ("/units/{unit}/members/?status=official&page=2", COMMUNE),
    ("/units/{unit}/people/new/", COMMUNE),  # officers and managers (a viewer: 403)
    ("/people/{person}/edit/", COMMUNE),
    ("/people/{person}/transfer/", COMMUNE),
    ("/people/{person}/leave/", COMMUNE),
    ("/people/{person}/away/comment/", COMMUNE),
    ("/units/{unit}/edit/", PROVINCE),  # managers
    ("/units/{unit}/grants/", PROVINCE),
    ("/units/{unit}/restructures/new/", PROVINCE),  # managers
    ("/account/tokens/", EVERYONE),
]
# The closed district's officer starts on a page of their own.
CLOSED = [
    ("/", ("huyen",)),
    ("/tree/", ("huyen",)),
    ("/units/{unit}/", ("huyen",)),
    ("/units/{unit}/dashboard/", ("huyen",)),
    ("/units/{unit}/dashboard/?on=2025-06-30", ("huyen",)),
    ("/units/{unit}/cells/?on=2025-06-30", ("huyen",)),
]


@pytest.fixture
def demo(db):
    # A browser test's flush empties every table, the migration's unit kinds included.
    ensure_unit_kinds(UnitKind)
    call_command("demo", stdout=StringIO(), lang="vi", **SMALL)


def sign_in(page, base: str, username: str) -> str:
    page.goto(f"{base}/accounts/login/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page.url.removeprefix(base)


def fills(landed: str) -> dict[str, str]:
    """The user's own unit (where they landed), a cell below it, a member of the cell and a
    candidate of its commune."""
    code = landed.split("/")[2]
    day = today()
    unit = Unit.objects.get(code=code)
    subtree = unit_subtree(unit, day)
    cells = subtree.filter(kind__holds_members=True).order_by("unit__code")
    cell = cells.first()
    posting = Posting.objects.filter(cell_id=cell.unit_id, valid_to=None).order_by("id").first()
    candidate = Candidate.objects.filter(cell_id__in=cells.values("unit_id")).order_by("id").first()
    return {
        "unit": code,
        "cell": cell.unit.code,
        "person": posting.person.person_id if posting else "",
        "candidate": candidate.person.person_id if candidate else "",
        "year": str(day.year),
    }


def too_wide(page) -> int | None:
    """The page's width when it is wider than the screen, every <details> unfolded."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    width = page.evaluate("document.documentElement.scrollWidth")
    return width if width > page.evaluate("window.innerWidth") else None


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, demo):
    problems = []
    walked = 0
    for username in (*EVERYONE, "huyen"):
        context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(30000)
        landed = sign_in(page, live_server.url, username)
        if username == "huyen":  # the district, closed: no landing unit of their own
            values = {"unit": Grant.objects.get(user__username=username).unit.code}
        else:
            values = fills(landed)
        for template, users in PAGES if username != "huyen" else CLOSED:
            if username not in users:
                continue
            url = template.format(**values)
            if url.endswith("//") or "candidates//" in url or "people//" in url:
                continue  # no such record in this small demo
            response = page.goto(f"{live_server.url}{url}")
            walked += 1
            if response.status >= 400 and response.status != 403:
                problems.append(f"{username} {url}: {response.status}")
            elif (width := too_wide(page)) is not None:
                problems.append(f"{username} {url}: {width} px wide")
        context.close()
    assert not problems, problems
    assert walked >= 60
