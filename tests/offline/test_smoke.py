import pytest

from tests.offline.conftest import Connection, sign_in, worker_ready

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_smoke(page, live_server, cell):
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/units/C1-A/candidates/")
    page.wait_for_timeout(3000)
    page.reload()
    worker_ready(page)
    page.wait_for_timeout(2000)
    keys = page.evaluate("caches.open('ranks-pages').then(c => c.keys()).then(ks => ks.map(k => k.url))")
    print(keys)
    conn = Connection(page.context)
    conn.cut()
    page.reload()
    print(page.locator("[data-test=as-of]").inner_text())
    page.goto(f"{live_server.url}/units/C1-A/record/")
    print(page.locator("h1").inner_text())
