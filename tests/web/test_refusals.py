"""What a view raises becomes a page in one place: a refusal answers 403 with a link back, and a
domain error no form caught answers 400 with its message, in the user's language."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import path
from django.utils.translation import gettext as _

from ranks.core.errors import DomainError, Refused
from ranks.urls import urlpatterns as site

pytestmark = pytest.mark.urls(__name__)


def _refusing(request):
    raise Refused(
        _("Recording a secondment needs the officer role for the cell."),
        back_url="/units/C1/secondments/",
        back_label=_("Back to the secondments"),
    )


def _failing(request):
    raise DomainError(_("The date added to the source list is in the future."), field="added_on")


def _broken(request):
    raise ValueError("a bug, not a refusal")


urlpatterns = [
    path("test/refused/", _refusing),
    path("test/domain-error/", _failing),
    path("test/broken/", _broken),
    *site,
]


def signed_in(client, language):
    client.force_login(get_user_model().objects.get(username="vera"))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def test_an_uncaught_domain_error_is_400_with_its_message(client, world):
    response = signed_in(client, "en").get("/test/domain-error/")
    assert response.status_code == 400
    text = response.content.decode()
    assert (
        '<p class="notice error" role="alert" data-test="refused">'
        "The date added to the source list is in the future.</p>"
    ) in text
    assert "<title>Not done · Ranks</title>" in text and 'class="brand"' in text
    assert "no-store" in response["Cache-Control"]


def test_the_message_is_in_the_users_language(client, world):
    text = signed_in(client, "vi").get("/test/domain-error/").content.decode()
    assert "<h1>Không thực hiện được</h1>" in text
    assert 'data-test="refused">Ngày đưa vào danh sách nguồn nằm trong tương lai.</p>' in text


def test_a_refusal_is_403_with_its_message_and_the_way_back(client, world):
    response = signed_in(client, "en").get("/test/refused/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "<h1>Not allowed</h1>" in text
    assert (
        'data-test="forbidden">Recording a secondment needs the officer role for the cell.</p>'
    ) in text
    assert '<p><a href="/units/C1/secondments/">Back to the secondments</a></p>' in text


def test_other_errors_are_left_to_django(client, world):
    with pytest.raises(ValueError):
        signed_in(client, "en").get("/test/broken/")
