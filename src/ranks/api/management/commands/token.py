"""`ranks token`: create, list or revoke personal API tokens."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ranks.api.selectors import tokens_of
from ranks.api.services import token_create, token_revoke
from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.errors import DomainError


def _usage() -> DomainError:
    return DomainError(
        _(
            "Write: token create USERNAME NAME [--days N] [--read-only], token list USERNAME, or token revoke PREFIX."
        )
    )


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Personal API tokens: create USERNAME NAME prints a new token once (only its hash is "
            "kept); list USERNAME shows a user's tokens; revoke PREFIX refuses a token from now on."
        )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("args", nargs="*", metavar="ARG")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=_("Days the token is valid (default: until revoked)."),
        )
        parser.add_argument("--read-only", action="store_true", help=_("The token may only read."))

    def run(self, actor: Actor, *args, **options):
        action = options["action"]
        if action == "create":
            if len(args) != 2:
                raise _usage()
            username, name = args
            token, secret = token_create(
                actor=actor,
                username=username,
                name=name,
                days=options["days"],
                read_only=options["read_only"],
            )
            self.stdout.write(secret)
            self.stderr.write(
                _("Token %(prefix)s of %(username)s created; it is shown only this once.")
                % {"prefix": token.prefix, "username": username}
            )
        elif action == "list":
            if len(args) != 1:
                raise _usage()
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=args[0]).first()
            if user is None:
                raise DomainError(_("Unknown user: %(username)s.") % {"username": args[0]})
            if not actor.has_full_access and actor.name != args[0]:
                raise DomainError(_("You may handle only your own tokens."))
            for token in tokens_of(user):
                state = (
                    _("revoked")
                    if token.revoked
                    else (_("read only") if token.read_only else _("read and write"))
                )
                expires = token.expires.date().isoformat() if token.expires else "—"
                self.stdout.write(f"{token.prefix}\t{token.name}\t{expires}\t{state}")
        else:
            if len(args) != 1:
                raise _usage()
            token = token_revoke(actor=actor, prefix=args[0])
            self.stdout.write(_("Token %(prefix)s revoked.") % {"prefix": token.prefix})
