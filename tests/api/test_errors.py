"""One error shape, translated per Accept-Language (Vietnamese by default)."""

from tests.api.conftest import bearer


def test_not_found_in_vietnamese_by_default(client, world, tokens):
    response = client.get("/api/v1/units/NO-SUCH/", **bearer(tokens["alice"]))
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Không có tổ chức đảng này.",
        "details": {},
    }


def test_not_found_in_english_when_asked(client, world, tokens):
    response = client.get(
        "/api/v1/units/NO-SUCH/", HTTP_ACCEPT_LANGUAGE="en", **bearer(tokens["alice"])
    )
    assert response.json() == {"code": "not_found", "message": "No such unit.", "details": {}}


def test_invalid_values_name_their_field(client, world, tokens):
    response = client.get("/api/v1/units/?on=yesterday", **bearer(tokens["alice"]))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "Có giá trị không hợp lệ; xem chi tiết."
    assert list(body["details"]) == ["on"]
    english = client.get(
        "/api/v1/people/", HTTP_ACCEPT_LANGUAGE="en", **bearer(tokens["alice"])
    ).json()
    assert english["message"] == "Some values are not valid; see details."
    assert list(english["details"]) == ["q"]


def test_not_authenticated_in_both_languages(client, world):
    vi = client.get("/api/v1/people/?q=an").json()
    en = client.get("/api/v1/people/?q=an", HTTP_ACCEPT_LANGUAGE="en").json()
    assert vi["code"] == en["code"] == "not_authenticated"
    assert en["message"] == "Sign in or send a token: Authorization: Bearer TOKEN."
    assert vi["message"] == "Hãy đăng nhập hoặc gửi token: Authorization: Bearer TOKEN."


def test_a_domain_error_is_400_with_its_field(rf):
    from rest_framework.request import Request

    from ranks.api.errors import api_exception_handler
    from ranks.core.errors import DomainError

    response = api_exception_handler(
        DomainError("Ngày không hợp lệ.", field="date", code="bad_date"),
        {"request": Request(rf.get("/api/v1/units/"))},
    )
    assert response.status_code == 400
    assert response.data == {
        "code": "bad_date",
        "message": "Ngày không hợp lệ.",
        "details": {"date": ["Ngày không hợp lệ."]},
    }


def test_pages_still_ignore_accept_language(client, world):
    client.force_login(world.users["alice"])
    page = client.get("/tree/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="vi"' in page.content.decode()


def test_an_address_no_endpoint_has_answers_the_apis_404(client, world, tokens):
    for path in ("/api/v1/nothing/", "/api/v2/units/", "/api/"):
        response = client.get(path, **bearer(tokens["alice"]))
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert response.json() == {
            "code": "not_found",
            "message": "Không có địa chỉ này trong API.",
            "details": {},
        }
    english = client.get("/api/v1/nothing/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "No such address in the API."


def test_options_is_not_a_method_of_the_api(client, world, tokens):
    response = client.options("/api/v1/units/", **bearer(tokens["alice"]))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
