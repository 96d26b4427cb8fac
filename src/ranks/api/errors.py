"""One shape for every error of the API: {"code", "message", "details"}, the message in the
language asked for (Accept-Language, Vietnamese by default). An error that says more carries its
own `details` (`conflict`, 412: the subject's basis and the server's version; `ranks.api.sync`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from ranks.core.errors import DomainError


def _messages() -> dict[str, str]:
    return {
        "not_authenticated": _("Sign in or send a token: Authorization: Bearer TOKEN."),
        "permission_denied": _("You may not do this."),
        "method_not_allowed": _("This address does not take this method."),
        "not_acceptable": _("This answer is only given as JSON."),
        "unsupported_media_type": _("Send the body as JSON."),
        "parse_error": _("The body is not valid JSON."),
        "throttled": _("Too many requests; wait a moment and try again."),
        "invalid": _("Some values are not valid; see details."),
        "not_found": _("Not found."),
    }


DEFAULT_REFUSAL = exceptions.PermissionDenied.default_detail


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else "invalid"


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        set_rollback()
        details: dict = {exc.field: [str(exc.message)]} if exc.field else {}
        if exc.rules:
            # Each rule that refused: id, name, document, clause, citation and message.
            details["rules"] = exc.rules
        return Response(
            {"code": exc.code, "message": str(exc.message), "details": details},
            # A unit asked for on a date it did not exist: not there, as a missing one.
            status=(
                status.HTTP_404_NOT_FOUND
                if exc.code == "not_in_force"
                else status.HTTP_400_BAD_REQUEST
            ),
        )
    said = None
    if isinstance(exc, Http404):
        # The same answer whether the object is missing or outside the user's scope.
        said = str(exc) if exc.args else None
        exc = exceptions.NotFound(said)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    messages = _messages()
    if isinstance(exc, exceptions.ValidationError):
        code, message, details = "invalid", messages["invalid"], exc.detail
        if not isinstance(details, dict):
            details = {"non_field_errors": details}
    else:
        code = _code_of(exc)
        details = {}
        if code in ("authentication_failed", "read_only_token"):
            message = str(exc.detail)
        elif code == "not_found" and said:
            message = said
        elif code == "permission_denied" and exc.detail != DEFAULT_REFUSAL:
            # A view's own refusal, as its page words it (the role a step needs).
            message = str(exc.detail)
        elif code == "throttled":
            message = messages["throttled"]
            wait = getattr(exc, "wait", None)
            if wait is not None:
                details = {"wait_seconds": int(wait)}
        else:
            message = messages.get(code, str(exc.detail))
        # An error that says more (`conflict`: the server's version).
        said_more = getattr(exc, "details", None)
        if isinstance(said_more, dict):
            details = said_more
    response.data = {"code": code, "message": message, "details": details}
    return response
