"""The shell's middleware: the health checks answered before any session, the interface language,
and the one place where a refusal or a domain error that a view did not handle becomes a page."""

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from ranks.core import replica
from ranks.core.errors import DomainError, Refused


class HealthCheckMiddleware:
    """/healthz and /readyz answered here, before the session, the user and the language are
    looked at: a probe that carries a session cookie costs no session read, and the liveness
    check touches no database at all. Placed after the security and CSP middleware, so the
    answers carry the same headers as every page."""

    def __init__(self, get_response):
        from ranks.web import views

        self.get_response = get_response
        self.checks = {"/healthz": views.healthz, "/readyz": views.readyz}

    def __call__(self, request):
        check = self.checks.get(request.path_info)
        return check(request) if check is not None else self.get_response(request)


class IgnoreAcceptLanguageMiddleware:
    """Vietnamese unless the user chose otherwise: the browser's Accept-Language is not a choice.

    An officer's phone set to English should still get the Vietnamese interface; only the language
    switch (kept in the language cookie for the session) changes it. The API (/api/) is for
    programs, which ask for a language with Accept-Language: kept there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class ReplicaMiddleware:
    """Tells the replica router whose request this is and whether it wrote; after a request
    that wrote, its user's reads stay on the primary for a while (`ranks.core.replica`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with replica.serving(request) as state:
            response = self.get_response(request)
            replica.pin_after(state)
        return response


class RefusalMiddleware:
    """`Refused` from a view answers 403 with its message and link back; a `DomainError` no form
    caught answers 400 with its message, not a server error. Both in the base layout, for this
    user only (never cached)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Refused):
            context = {
                "title": _("Not allowed"),
                "message": exception.message,
                "test": "forbidden",
                "back_url": exception.back_url,
                "back_label": exception.back_label,
            }
            status = 403
        elif isinstance(exception, DomainError):
            context = {"title": _("Not done"), "message": exception.message, "test": "refused"}
            status = 400
        else:
            return None
        response = render(request, "web/forbidden.html", context, status=status)
        add_never_cache_headers(response)
        return response
