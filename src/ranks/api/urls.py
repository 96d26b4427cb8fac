"""Routes of the API (/api/v1/, its schema and documentation) and of the tokens page."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import AllowAny

from ranks.api import views
from ranks.api.common import open_view
from ranks.api.endpoints import (
    absences,
    figures,
    files,
    members,
    people,
    pipeline,
    records,
    restructures,
    targets,
    tree,
)

# The schema and its documentation are public: a client is written from them alone.
PUBLIC = {"authentication_classes": [], "permission_classes": [AllowAny]}

# Redoc styles what it draws by writing <style> elements at run time (styled-components), which
# a policy without 'unsafe-inline' blocks, leaving the page blank; and its search runs in a worker
# it makes from its own code (a blob: URL). This page alone allows both: it shows no data (the
# public schema), and scripts stay limited to our own files. Its maker's logo, which it asks from
# their site, stays blocked (tests/web/test_browser.py).
REDOC_CSP = {"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}

# Each area's endpoints, under /api/v1/.
AREAS = (tree, people, members, absences, pipeline, records, targets, figures, files, restructures)


urlpatterns = [
    path("api/v1/units/", open_view(views.UnitList.as_view()), name="api_units"),
    path("api/v1/units/<str:code>/", open_view(views.UnitDetail.as_view()), name="api_unit"),
    path(
        "api/v1/units/<str:code>/subtree/",
        open_view(views.UnitSubtree.as_view()),
        name="api_unit_subtree",
    ),
    path("api/v1/people/", open_view(views.PeopleSearch.as_view()), name="api_people"),
    path("api/v1/schema/", open_view(SpectacularAPIView.as_view(**PUBLIC)), name="api_schema"),
    path(
        "api/v1/docs/",
        open_view(
            SpectacularSwaggerSplitView.as_view(
                url_name="api_schema", template_name="api/swagger_ui.html", **PUBLIC
            )
        ),
        name="api_docs",
    ),
    path(
        "api/v1/redoc/",
        open_view(
            csp_update(REDOC_CSP)(
                SpectacularRedocView.as_view(
                    url_name="api_schema", template_name="api/redoc.html", **PUBLIC
                )
            )
        ),
        name="api_redoc",
    ),
    *(path("api/v1/", include(area.urlpatterns)) for area in AREAS),
    path("account/tokens/", views.account_tokens, name="account_tokens"),
    # Last: an address under /api/ that no endpoint has answers the API's 404 (JSON).
    re_path(r"^api/(?P<rest>.*)$", open_view(views.api_not_found)),
]
