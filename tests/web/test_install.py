"""Ranks installs on a phone's home screen: the manifest, the icons it names, the head of every
page, and the sign-in page's instructions and "Install" button (docs/install.md)."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

MANIFEST = "/manifest.webmanifest"


def manifest(client, query: str = "") -> dict:
    response = client.get(MANIFEST + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    return json.loads(response.content)


def test_the_manifest_makes_ranks_installable_in_vietnamese(client, db):
    response = client.get(MANIFEST)
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    data = manifest(client)
    assert data["name"] == "Ranks — Phát triển đảng viên"
    assert data["short_name"] == "Ranks"
    assert data["lang"] == "vi"
    assert (data["start_url"], data["scope"], data["display"]) == ("/", "/", "standalone")
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", data["theme_color"])
    assert data["background_color"].upper() == "#FFD700"


def test_the_manifest_speaks_english_when_asked(client, db):
    data = manifest(client, "?lang=en")
    assert data["name"] == "Ranks — Developing party members"
    assert data["lang"] == "en"
    # Anything else is the default language.
    assert manifest(client, "?lang=fr")["lang"] == "vi"


def test_the_manifest_needs_no_sign_in_and_no_cookie(client, db):
    # A browser fetches the manifest without credentials: no redirect to the sign-in page.
    response = client.get(MANIFEST, HTTP_COOKIE="")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_the_icons_the_manifest_names_exist_at_their_sizes(client, db):
    icons = manifest(client)["icons"]
    purposes = {(icon["sizes"], icon.get("purpose", "any")) for icon in icons}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for icon in icons:
        assert icon["type"] == "image/png"
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
        assert image.format == "PNG"
        assert "x".join(map(str, image.size)) == icon["sizes"]


def test_the_maskable_and_apple_icons_are_opaque():
    for name, size in (("icon-maskable-512.png", 512), ("apple-touch-icon-180.png", 180)):
        image = Image.open(finders.find(f"ranks/icons/{name}"))
        assert image.size == (size, size)
        # Full bleed: a mask or iOS cuts the corners, nothing may show through.
        assert image.convert("RGBA").getextrema()[3] == (255, 255), name


def test_every_page_names_the_manifest_and_the_home_screen_icon(client, db):
    text = client.get("/accounts/login/").content.decode()
    assert f'<link rel="manifest" href="{MANIFEST}?lang=vi">' in text
    theme = re.search(r'<meta name="theme-color" content="([^"]+)">', text).group(1)
    assert theme == manifest(client)["theme_color"]
    apple = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', text).group(1)
    image = Image.open(io.BytesIO(b"".join(client.get(apple).streaming_content)))
    assert image.size == (180, 180)
    assert '<meta name="mobile-web-app-capable" content="yes">' in text
    assert '<meta name="apple-mobile-web-app-capable" content="yes">' in text
    assert 'name="apple-mobile-web-app-status-bar-style"' in text
    # The tab's icon travels inside the page: no request for it.
    assert '<link rel="icon" href="data:image/svg+xml,' in text
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = client.get("/accounts/login/").content.decode()
    assert f'<link rel="manifest" href="{MANIFEST}?lang=en">' in text


def test_the_sign_in_page_says_how_to_add_ranks_to_the_home_screen(client, db):
    text = client.get("/accounts/login/").content.decode()
    section = text.split('data-test="install"')[1].split("</section>")[0]
    assert "Thêm Ranks vào màn hình chính" in section
    assert "⋮" in section and "“Thêm vào màn hình chính”" in section
    assert "“Cài đặt ứng dụng”" in section
    assert "Chia sẻ" in section and "“Thêm vào MH chính”" in section
    # The button waits, hidden, for the browser's offer; the script is a file, deferred.
    assert re.search(r'<button type="button"[^>]*data-test="install-button" hidden>', section)
    assert re.search(r'<script src="/static/ranks/install\.[0-9a-f]+\.js" defer></script>', text)
    assert "<script>" not in text
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = client.get("/accounts/login/").content.decode()
    section = text.split('data-test="install"')[1].split("</section>")[0]
    assert "Add Ranks to your home screen" in section
    assert "“Add to Home screen” or “Install app”" in section
    assert "tap Share, then “Add to Home Screen”" in section


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_install_button_shows_only_when_the_browser_offers(page, live_server):
    # Without its manifest the page cannot be installed: the browser surely offers nothing.
    page.route("**/manifest.webmanifest*", lambda route: route.abort())
    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_load_state("load")
    button = page.locator("[data-test=install-button]")
    assert page.locator("[data-test=install]").is_visible()
    assert not button.is_visible()
    # The browser's offer (as Chrome fires it when Ranks may be installed): the button appears,
    # and a tap asks the browser's own question.
    page.evaluate(
        """() => {
            const offer = new Event("beforeinstallprompt", {cancelable: true});
            offer.prompt = () => { window.prompted = true; };
            window.dispatchEvent(offer);
        }"""
    )
    assert button.is_visible()
    assert button.inner_text() == "Cài đặt"
    button.click()
    assert page.evaluate("window.prompted === true")
    assert not button.is_visible()
