"""Shared fixtures: the database backend in use, a headless Chromium, and a small two-commune world.

Tests under tests/pure/ touch no database and are marked `pure`; the PostgreSQL pass skips them.
Under CI=true, a browser test fails instead of skipping when Chromium is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run there
# unless told it is safe, which it is: the loop only waits for the browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# A service worker's own requests are reported to the browser context (and can be routed) only
# with this switch: the page-weight tests count what the installed app fetches ahead, and the
# offline tests cut the worker's connection too (tests/offline/device.py).
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

CHROMIUM = os.environ.get("RANKS_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Chromium's console message when the Content-Security-Policy blocks something.
CSP_REPORT = "Content Security Policy"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "pure" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.pure)


def pytest_configure(config):
    config.addinivalue_line("markers", "pure: touches no database; run once, on the SQLite pass")
    config.addinivalue_line(
        "markers",
        "counters_unchecked: the counters are not compared with the records after this test "
        "(each use says why)",
    )


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 is slow on purpose; test users need no such strength (test_login checks Argon2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a page asked in English leaves English active
    in the thread, which a later command run with no language would take for the default."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def counters_agree(request):
    """After every test that used the database, the counters equal a recount from the records
    (`ranks counters verify`): a writer that forgot them fails the test that used it. The
    database is set up before this fixture, so that it is checked before it is emptied."""
    names = request.fixturenames
    if (
        request.node.get_closest_marker("counters_unchecked")
        or "pure" in Path(str(request.node.fspath)).parts
    ):
        yield
        return
    if request.node.get_closest_marker("django_db"):
        pass  # pytest-django's own autouse fixture set it up already
    elif "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        yield
        return
    yield
    from ranks.targets.recount import standing_differences, verify

    differences = verify()
    assert not differences, f"counters differ from the records: {differences[:5]}"
    standings = standing_differences()
    assert not standings, f"candidacies stand elsewhere than their events: {standings[:5]}"


@pytest.fixture(scope="session", autouse=True)
def static_files_as_served():
    """The live server serves static files as a deployed Ranks does, through its middleware
    (WhiteNoise: hashed names, compressed, cached), not through Django's development handler,
    which knows no hashed name and compresses nothing (docs/install.md)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(StaticFilesHandler, "_should_handle", lambda self, path: False)
        yield


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    # What the Content-Security-Policy blocked (an inline style or script, a file from elsewhere;
    # docs/deploy.md), as Chromium tells its console: any of it fails the test that met it, except
    # what a test lists in `page.csp_expected` (text the report contains), saying why.
    blocked: list[str] = []
    context.on("console", lambda m: blocked.append(m.text) if CSP_REPORT in m.text else None)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.csp_blocked = blocked
    page.csp_expected = []
    yield page
    context.close()
    unexpected = [b for b in blocked if not any(e in b for e in page.csp_expected)]
    assert not unexpected, f"the Content-Security-Policy blocked: {unexpected}"


@pytest.fixture
def world(db):
    from tests.factories import build_world

    return build_world()
