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
def empty_cache():
    """Each test starts with nothing kept in memory: a body kept under a generation of the
    figures (the dashboard) by one test would come up again in the next, whose rolled-back
    database reached the same generation with other records."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a page asked in English leaves English active
    in the thread, which a later command run with no language would take for the default."""
    from django.utils import translation

    yield
    translation.deactivate()


# --- the small world, built once a module ------------------------------------------------------
#
# Most tests start from `tests.factories.build_world` (about 0.2 s on SQLite, 0.4 s on PostgreSQL,
# nearly all of such a test's time). A test that runs in a transaction rolled back at its end (the
# `db` fixture) gets the world built once for its module instead: built in a transaction of its
# own around the module's tests, each test inside it as a savepoint rolled back, as Django's
# `TestCase.setUpTestData` does for a class. Each test gets its own copy of the Python objects. A
# test that commits (a browser's, `transactional_db`, a `django_db` marker) builds its own world
# as before, and no test that did not ask for the world ever sees it: the shared one is rolled
# back before such a test starts.


class _SharedWorld:
    atomic = None
    world = None
    module = None


_shared = _SharedWorld()


def _shares_the_world(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return (
        "world" in names
        and "transactional_db" not in names
        and "live_server" not in names
        and item.get_closest_marker("django_db") is None
        and item.get_closest_marker("browser") is None
    )


def _release_world(config) -> None:
    if _shared.atomic is None:
        return
    from django.db import transaction
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        transaction.set_rollback(True)
        _shared.atomic.__exit__(None, None, None)
    _shared.atomic = _shared.world = _shared.module = None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of the next test: roll the shared world back unless the test shares it."""
    if _shared.atomic is not None and (
        not _shares_the_world(item) or _shared.module is not item.module
    ):
        _release_world(item.config)


@pytest.fixture(scope="module")
def _world_of_module(request, django_db_setup):
    """The module's span for its shared world: rolled back when the module's tests are done (and
    before the test database is dropped)."""
    yield
    _release_world(request.config)


@pytest.fixture(autouse=True)
def _shared_world(request, fast_passwords):
    """Opens the module's world before the test's own transaction (`db`) is entered."""
    if not _shares_the_world(request.node):
        yield
        return
    request.getfixturevalue("_world_of_module")
    if _shared.atomic is None:
        from django.db import transaction
        from pytest_django.plugin import blocking_manager_key

        from tests.factories import build_world

        with request.config.stash[blocking_manager_key].unblock():
            atomic = transaction.atomic()
            atomic._from_testcase = True  # durable blocks inside it are allowed, as under TestCase
            atomic.__enter__()
            _shared.atomic, _shared.module = atomic, request.node.module
            _shared.world = build_world()
    yield
    # A test that closed the connection (a command run as from the shell closes them all at its
    # end) ended the shared transaction with it: the next test builds the world again.
    from django.db import connection

    if connection.closed_in_transaction or connection.connection is None:
        _release_world(request.config)


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
def one_thread_at_a_time_on_sqlite():
    """On SQLite the test database is in memory, and the live server's thread uses the test's own
    connection (Django shares it: another would see an empty database). Two threads on one
    connection can deadlock: one waits in SQLite for the connection while holding Python's lock,
    the other holds the connection in a query and waits for Python's lock to call the Vietnamese
    collation (`core.collation`). A page's worker fetching ahead while the test reads the database
    did this. Django's documentation asks that the two threads never query at once; this lock
    makes it so, for a whole statement and the reading of its rows."""
    import threading

    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    lock = threading.RLock()

    def locked(method):
        def run(self, *args, **kwargs):
            with lock:
                return method(self, *args, **kwargs)

        return run

    with pytest.MonkeyPatch.context() as patch:
        for name in ("execute", "executemany", "fetchone", "fetchmany", "fetchall", "close"):
            patch.setattr(SQLiteCursorWrapper, name, locked(getattr(SQLiteCursorWrapper, name)))
        patch.setattr(SQLiteCursorWrapper, "__next__", locked(SQLiteCursorWrapper.__next__))
        yield


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
def world(db, request):
    import copy

    from tests.factories import build_world

    if _shared.world is not None and _shares_the_world(request.node):
        return copy.deepcopy(_shared.world)
    return build_world()
