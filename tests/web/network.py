"""What a Playwright page moves over the network, and a bad line to move it over.

`NetworkLog` records every request a page finishes (or fails) and sums what went over the wire
as Chromium counts it (`request.sizes()`): the response's headers plus its body *as encoded*, so a
gzip response counts compressed and a response served from the browser's cache counts nothing.
`slow_3g` applies Chrome DevTools' "Slow 3G" profile to a page through the DevTools protocol.
"""

from __future__ import annotations

from dataclasses import dataclass

# Chrome DevTools' "Slow 3G": 2 s latency added to every response, 50,000 bytes/s each way.
SLOW_3G = {"latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}


@dataclass(frozen=True)
class Transfer:
    """One request as it went over the wire."""

    url: str
    resource_type: str
    status: int | None
    received: int  # response headers + encoded (compressed) body, in bytes
    sent: int  # request headers + body, in bytes
    encoding: str  # the response's Content-Encoding ("" when none)
    cached: bool  # served from the browser's cache: nothing went over the wire


class NetworkLog:
    """The requests of one page (every navigation included) from the moment it is made.

    `mark()` returns a position; `transfers(since)` and `received(since)` read from it, so one log
    can split a walk into pages. Sizes are read once a request has finished, when asked."""

    def __init__(self, page) -> None:
        self._requests: list = []
        page.on("requestfinished", self._add)
        page.on("requestfailed", self._add)

    def _add(self, request) -> None:
        self._requests.append(request)

    def mark(self) -> int:
        return len(self._requests)

    def transfers(self, since: int = 0) -> list[Transfer]:
        found = []
        for request in self._requests[since:]:
            if request.url.startswith("data:"):
                continue
            response = request.response() if request.failure is None else None
            sizes = request.sizes()
            # From the cache, Chromium counts no bytes on the wire: the body's size comes out as
            # minus the headers' (Playwright subtracts them from the encoded length).
            received = max(sizes["responseHeadersSize"] + sizes["responseBodySize"], 0)
            cached = response is not None and received == 0
            found.append(
                Transfer(
                    url=request.url,
                    resource_type=request.resource_type,
                    status=response.status if response else None,
                    received=received,
                    sent=0
                    if cached
                    else max(sizes["requestHeadersSize"], 0) + max(sizes["requestBodySize"], 0),
                    encoding=response.headers.get("content-encoding", "") if response else "",
                    cached=cached,
                )
            )
        return found

    def received(self, since: int = 0) -> int:
        """Bytes received since `since` (a `mark()`): headers and encoded bodies."""
        return sum(t.received for t in self.transfers(since))

    def sent(self, since: int = 0) -> int:
        return sum(t.sent for t in self.transfers(since))


def record_network(page) -> NetworkLog:
    """Start recording what `page` transfers."""
    return NetworkLog(page)


def slow_3g(page, profile: dict[str, int] | None = None):
    """Put `page` on Chrome's "Slow 3G" line (or `profile`, same keys as `SLOW_3G`) until its
    context closes; returns the DevTools session (`session.detach()` lifts the throttling)."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", {"offline": False, **(profile or SLOW_3G)})
    return session
