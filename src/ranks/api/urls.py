"""Routes of the API (/api/v1/, its schema and documentation) and of the tokens page."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from ranks.api import views

# The schema and its documentation are public: a client is written from them alone.
PUBLIC = {"authentication_classes": [], "permission_classes": [AllowAny]}


def _open(view):
    # The API authenticates itself (token or session): the shell's sign-in redirect is not for it.
    return login_not_required(view)


urlpatterns = [
    path("api/v1/units/", _open(views.UnitList.as_view()), name="api_units"),
    path("api/v1/units/<str:code>/", _open(views.UnitDetail.as_view()), name="api_unit"),
    path(
        "api/v1/units/<str:code>/subtree/",
        _open(views.UnitSubtree.as_view()),
        name="api_unit_subtree",
    ),
    path("api/v1/people/", _open(views.PeopleSearch.as_view()), name="api_people"),
    path("api/v1/schema/", _open(SpectacularAPIView.as_view(**PUBLIC)), name="api_schema"),
    path(
        "api/v1/docs/",
        _open(SpectacularSwaggerView.as_view(url_name="api_schema", **PUBLIC)),
        name="api_docs",
    ),
    path(
        "api/v1/redoc/",
        _open(SpectacularRedocView.as_view(url_name="api_schema", **PUBLIC)),
        name="api_redoc",
    ),
    path("account/tokens/", views.account_tokens, name="account_tokens"),
]
