"""Routes of the pages: the shell's own, and each area's from its app."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from ranks.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("tree/", views.tree, name="tree"),
    path("", include("ranks.org.urls")),
    path("", include("ranks.targets.urls")),
    path("", include("ranks.restructure.urls")),
    path("", include("ranks.coverage.urls")),
    path("", include("ranks.pipeline.urls")),
    path("", include("ranks.people.urls")),
    path("", include("ranks.privacy.urls")),
    path("", include("ranks.offline.urls")),
    path("", include("ranks.access.urls")),
    path("search/", views.search, name="search"),
    path("", include("ranks.interchange.urls")),
    path("", include("ranks.api.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", views.SignOut.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
