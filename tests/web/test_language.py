"""Vietnamese by default, English on request, the choice kept for the session."""

from django.contrib.auth import get_user_model


def test_vietnamese_by_default_and_english_on_request(client, world):
    client.force_login(get_user_model().objects.get(username="alice"))
    vi = client.get("/tree/").content.decode()
    assert "Cây tổ chức" in vi and 'lang="vi"' in vi
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/tree/"})
    assert response.status_code == 302
    en = client.get("/tree/").content.decode()
    assert "Organisation tree" in en and 'lang="en"' in en
    # Kept across pages.
    assert "Search" in client.get("/search/").content.decode()


def test_a_browser_asking_for_english_still_gets_vietnamese(client, world):
    client.force_login(get_user_model().objects.get(username="alice"))
    text = client.get("/tree/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Cây tổ chức" in text


def test_login_page_offers_the_switch_before_signing_in(client, db):
    text = client.get("/accounts/login/").content.decode()
    assert "Đăng nhập" in text and 'data-test="lang-en"' in text
