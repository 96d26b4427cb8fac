"""`Authorization: Bearer <token>`: a personal token acts with its user's grants."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission

from ranks.api.models import ApiToken
from ranks.api.selectors import token_matching, token_usable
from ranks.api.services import token_used


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Write the header as: Bearer TOKEN."))
        try:
            text = parts[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from error
        token = token_matching(text)
        if token is None or not token_usable(token):
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        token_used(token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class ReadOnlyTokenPermission(BasePermission):
    """A read-only token reads only."""

    def has_permission(self, request, view):
        if isinstance(request.auth, ApiToken) and request.auth.read_only:
            if request.method not in SAFE_METHODS:
                raise exceptions.PermissionDenied(
                    _("This token is read-only."), code="read_only_token"
                )
        return True


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The token in the schema: `Authorization: Bearer rk_…`."""

    target_class = "ranks.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token (ranks token create).",
        }
