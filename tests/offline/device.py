"""Driving a phone-sized Chromium as a device: signing in, cutting and restoring its connection
(the service worker's included), and reading what the installed app keeps."""

from __future__ import annotations

import time

from tests.factories import PASSWORD


class Connection:
    """Cuts and restores the connection of a browser context: the pages' requests and the
    service worker's (Playwright's offline switch alone leaves the worker's fetches through)."""

    def __init__(self, context):
        self.context = context
        self.offline = False

    def _abort_worker(self, route):
        if route.request.service_worker is not None:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    def cut(self):
        self.context.set_offline(True)
        self.context.route("**/*", self._abort_worker)
        self.offline = True

    def restore(self):
        self.context.unroute("**/*", self._abort_worker)
        self.context.set_offline(False)
        self.offline = False


def sign_in(page, base_url: str, username: str = "alice") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def kept_urls(page) -> list[str]:
    """The addresses the device keeps for offline use (paths with their query)."""
    return page.evaluate(
        """async () => {
            if (!(await caches.has('ranks-pages'))) return [];
            const cache = await caches.open('ranks-pages');
            return (await cache.keys()).map(k => { const u = new URL(k.url); return u.pathname + u.search; });
        }"""
    )


def wait_kept(page, paths: list[str], timeout: float = 20.0) -> None:
    """Wait until the device keeps each of `paths` (the worker fetches them after the page)."""
    deadline = time.monotonic() + timeout
    while True:
        kept = {url.split("?")[0] for url in kept_urls(page)}
        if all(path in kept for path in paths):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not kept on the device: {sorted(set(paths) - kept)}")
        page.wait_for_timeout(200)
