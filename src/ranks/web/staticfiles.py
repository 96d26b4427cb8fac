"""Static files for a bad line: compressed on the way out and, under names that carry a hash of
their content, cached by the browser for good, straight from the package (no collectstatic).

`{% static "ranks/site.css" %}` gives `/static/ranks/site.<hash>.css`; WhiteNoise, which already
serves the apps' files through the finders, also serves each file under that name, and its own
test for a versioned name then marks it immutable (cached a year, never asked again). The plain
name still works, cached for a minute. Under DEBUG names are left plain, so an edited file shows
at once. Text is compressed by `CompressionMiddleware`, which wraps WhiteNoise.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import StaticFilesStorage
from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from whitenoise.middleware import WhiteNoiseMiddleware

HASH_LENGTH = 12


@functools.cache
def _hashed(name: str, path: str) -> str:
    with open(path, "rb") as file:
        digest = hashlib.md5(file.read(), usedforsecurity=False).hexdigest()[:HASH_LENGTH]
    root, ext = posixpath.splitext(name)
    return f"{root}.{digest}{ext}"


def hashed_name(name: str) -> str:
    """`name` with the hash of the content the finders find for it (`name` itself under DEBUG or
    when no file is found)."""
    return name if settings.DEBUG else _found_hashed(name)


@functools.cache
def _found_hashed(name: str) -> str:
    path = finders.find(name)
    return _hashed(name, path) if isinstance(path, str) else name


class HashedStaticFilesStorage(StaticFilesStorage):
    """URLs of static files under their hashed names (`hashed_name`); files saved as they are."""

    def url(self, name: str | None) -> str:
        return super().url(hashed_name(name) if name else name)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise serving each static file under its hashed name as well as its own."""

    def add_file_to_dictionary(self, url: str, path: str, stat_cache: Any = None) -> None:
        super().add_file_to_dictionary(url, path, stat_cache=stat_cache)
        if url.startswith(self.static_prefix) and not self.autorefresh:
            name = url[len(self.static_prefix) :]
            hashed = self.static_prefix + _hashed(name, path)
            if hashed not in self.files:
                super().add_file_to_dictionary(hashed, path, stat_cache=stat_cache)


# Text worth compressing; images, archives, PDFs and spreadsheets are compressed already.
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/manifest+json",
    "application/xml",
    "application/vnd.oai.openapi",
    "image/svg+xml",
)


class CompressionMiddleware(GZipMiddleware):
    """Django's gzip (padded with random bytes against BREACH) over pages, API answers and the
    static files WhiteNoise serves, which have no precompressed copies in the package. It skips
    what is compressed already and partial answers to a Range request (their byte range counts
    the file, not the gzip stream)."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        kind = response.get("Content-Type", "")
        if response.status_code == 206 or not kind.startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
