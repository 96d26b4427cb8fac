"""The shell's pages: home, the tree of a date, search, the web app manifest, and the health checks
for the servers."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_safe

from ranks.access.requests import day_of, home_unit, scope_of, unit_or_404, units_covered
from ranks.core.health import database_unready_reason
from ranks.core.pages import page_of
from ranks.org.selectors import (
    TREE_CHILDREN_SHOWN,
    unit_children_counts_on,
    unit_children_page_on,
    unit_tree_on,
    unit_version_nearest,
    units_matching,
)
from ranks.people.selectors import people_matching

TREE_MAX_DEPTH = 4


@require_GET
def home(request):
    """Each user starts at the unit of their widest current grant: its dashboard, or its own page
    for a cell (the members, the source list and what is due, a secretary's day). A user whose
    every grant is on a unit that has closed is told so, with the units that took over."""
    landing = home_unit(request)
    if landing.unit is not None:
        where = "unit" if landing.holds_members else "unit_dashboard"
        return redirect(where, code=landing.unit.code)
    if landing.closed:
        covered = units_covered(request, [s.unit_id for c in landing.closed for s in c.successors])
        return render(
            request,
            "web/closed.html",
            {
                "closures": [
                    {
                        "closure": c,
                        "successors": [(s, s.unit_id in covered) for s in c.successors],
                        "outside": any(s.unit_id not in covered for s in c.successors),
                        "last_day": c.closed_on,
                    }
                    for c in landing.closed
                ]
            },
        )
    return redirect("tree")


TREE_PAGE = 50


@require_GET
def tree(request):
    """The tree of a date from the units the user may see, a few levels deep (one query a level),
    each unit showing its first units below and folding; or, with ?unit=CODE, the units below one
    unit a page at a time (a province's communes, a commune's cells)."""
    day, date_error = day_of(request)
    try:
        depth = max(1, min(int(request.GET.get("depth", 2)), TREE_MAX_DEPTH))
    except ValueError:
        depth = 2
    context = {
        "day": day,
        "date_error": date_error,
        "depth": depth,
        "depths": range(1, TREE_MAX_DEPTH + 1),
        "per_parent": TREE_CHILDREN_SHOWN,
    }
    code = request.GET.get("unit")
    if code:
        unit = unit_or_404(request, code)
        scope = scope_of(request)
        page = page_of(
            unit_children_page_on(scope=scope, unit=unit, day=day),
            request.GET.get("page"),
            TREE_PAGE,
        )
        children = list(page.object_list)
        below = unit_children_counts_on(
            scope=scope, unit_ids=[c.unit_id for c in children], day=day
        )
        context.update(
            {
                "unit": unit,
                "version": unit_version_nearest(unit, day),
                "page": page,
                "children": [(c, below.get(c.unit_id, 0)) for c in children],
            }
        )
        return render(request, "web/tree_unit.html", context)
    context["roots"] = unit_tree_on(scope=scope_of(request), day=day, depth=depth)
    return render(request, "web/tree.html", context)


@require_GET
def search(request):
    """People the user may see by identifier or name, and units by name or code."""
    query = request.GET.get("q", "").strip()[:100]
    people, units = [], []
    if query:
        scope = scope_of(request)
        people = people_matching(scope=scope, query=query)
        units = units_matching(scope=scope, query=query)
    return render(request, "web/search.html", {"query": query, "people": people, "units": units})


@login_not_required
@never_cache
def healthz(request):
    """Liveness: the process answers. It reads nothing, not even the database, so a busy or
    unreachable database does not get the servers restarted."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
@require_safe
def readyz(request):
    """Readiness: the database answers and every migration is applied (200); otherwise 503 with
    the reason, so that a load balancer sends no one here yet."""
    reason = database_unready_reason()
    if reason is None:
        return JsonResponse({"status": "ready"})
    return JsonResponse({"status": "unready", "reason": reason}, status=503)


class SignOut(auth_views.LogoutView):
    """Signing out also tells the browser to clear what the installed app kept for this site: the
    kept pages, the outbox and the service worker (`Clear-Site-Data`). The page's script has
    warned first of records not yet sent (`offline/offline.js`)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


# The header's red (site.css --accent) for the bar above an installed app; the star's yellow
# behind its icon while it opens.
THEME_COLOUR = "#a4161a"
BACKGROUND_COLOUR = "#FFD700"
MANIFEST_MAX_AGE = 24 * 60 * 60
MANIFEST_ICONS = (
    ("ranks/icons/icon-192.png", "192x192", "any"),
    ("ranks/icons/icon-512.png", "512x512", "any"),
    ("ranks/icons/icon-maskable-512.png", "512x512", "maskable"),
)


@login_not_required
@require_GET
@cache_control(public=True, max_age=MANIFEST_MAX_AGE)
def manifest(request):
    """The web app manifest that lets a phone install Ranks (docs/install.md). A browser fetches
    it without cookies, so its language is the one ?lang= names (base.html passes the page's),
    Vietnamese otherwise; the same for everyone, it is cached for a day."""
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        data = {
            "id": "/",
            "name": _("Ranks — Developing party members"),
            "short_name": "Ranks",
            "description": _(
                "Source lists, admission and probation of new party members, from the cell up."
            ),
            "lang": language,
            "dir": "ltr",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": [
                {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
                for path, sizes, purpose in MANIFEST_ICONS
            ],
        }
    return JsonResponse(data, content_type="application/manifest+json")
