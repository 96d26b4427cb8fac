"""URL map: the pages, the language switch, accounts, and the admin for superusers."""

from django.contrib import admin
from django.urls import include, path

from ranks.web import urls as web_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(web_urls)),
]
