"""`ranks grant`: grant a role at a unit, revoke it, or list grants."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from ranks.access.models import Grant, Role
from ranks.access.scope import scope_for
from ranks.access.services import grant_role, revoke_role
from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.errors import DomainError


def _usage() -> DomainError:
    return DomainError(
        _(
            "Write: grant USERNAME ROLE UNIT_CODE, grant --revoke USERNAME UNIT_CODE, or grant --list [USERNAME]."
        )
    )


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Grant USERNAME a role (viewer, officer, manager) at UNIT_CODE, covering the units below "
            "it; --revoke USERNAME UNIT_CODE takes it back; --list [USERNAME] shows grants. With "
            "--as, the acting user must be a manager at a unit covering UNIT_CODE."
        )

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*", metavar="ARG")
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--revoke",
            action="store_true",
            help=_("Take back the grant of USERNAME at UNIT_CODE."),
        )
        action.add_argument(
            "--list",
            action="store_true",
            help=_("List grants (of USERNAME only, if given)."),
        )
        parser.add_argument(
            "--sensitive",
            action="store_true",
            help=_("Also show religion, ethnicity and national ID (each read logged)."),
        )

    def run(self, actor: Actor, *args, **options):
        if options["list"]:
            if len(args) > 1:
                raise _usage()
            return self._list(actor, args[0] if args else None)
        if options["revoke"]:
            if len(args) != 2 or options["sensitive"]:
                raise _usage()
            username, unit_code = args
            revoke_role(actor=actor, username=username, unit_code=unit_code)
            self.out(
                _("Revoked the grant of %(username)s at %(unit)s.")
                % {"username": username, "unit": unit_code}
            )
            return
        if len(args) != 3:
            raise _usage()
        username, role, unit_code = args
        # The service checks that the actor may grant at the unit (`--as`: a manager there).
        grant = grant_role(
            actor=actor,
            username=username,
            role=role,
            unit_code=unit_code,
            sensitive=options["sensitive"],
        )
        if grant.sensitive:
            message = _("%(username)s is now %(role)s at %(unit)s, with sensitive data.")
        else:
            message = _("%(username)s is now %(role)s at %(unit)s.")
        self.out(
            message % {"username": username, "role": grant.get_role_display(), "unit": unit_code}
        )

    def _list(self, actor: Actor, username: str | None) -> None:
        grants = Grant.objects.select_related("user", "unit").order_by(
            "user__username", "unit__code"
        )
        if username is not None:
            # With --as, an unknown user and one without grants in reach read the same.
            exists = get_user_model().objects.filter(username=username).exists()
            if actor.has_full_access and not exists:
                raise DomainError(
                    _("Unknown user: %(username)s.") % {"username": username}, field="username"
                )
            grants = grants.filter(user__username=username)
        grants = scope_for(actor, role=Role.MANAGER).units(grants, path="unit")
        rows = list(grants)
        if not rows:
            self.out(_("No grants."))
            return
        for grant in rows:
            columns = [grant.user.get_username(), grant.role, grant.unit.code]
            if grant.sensitive:
                columns.append(_("sensitive"))
            self.out("\t".join(columns))
