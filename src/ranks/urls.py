"""URL map: the pages, the language switch, and the admin for superusers."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest
from django.urls import include, path
from django.views.i18n import set_language

from ranks.web import urls as web_urls


def _superuser_only(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


# The one site's own check, replaced on the instance: no subclass for a single method.
admin.site.has_permission = _superuser_only  # type: ignore[method-assign]
admin.site.site_header = "Ranks"

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switch works before signing in too (the login page offers it).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("", include(web_urls)),
]
