"""`ranks datakey new|rotate|check`: the data key that encrypts the national ID (docs/privacy.md)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from ranks.core import crypto
from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.datakey import data_key_check, data_key_rotate

FAILED = 1


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "The data key that encrypts national IDs at rest. `new` prints a new key (for "
            "RANKS_DATA_KEY) and changes nothing; `rotate` encrypts every national ID again under "
            "the first key of RANKS_DATA_KEY or var/data_key (--new-key: a new key made and put "
            "first in var/data_key; --drop-old: the other keys taken out of it afterwards), "
            "audited; `check` reads the stored national IDs with the keys here. Needs full access."
        )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["new", "rotate", "check"])
        parser.add_argument(
            "--new-key", action="store_true", help=_("Make a new key first (var/data_key only).")
        )
        parser.add_argument(
            "--drop-old",
            action="store_true",
            help=_("Take the older keys out of var/data_key once no value needs them."),
        )

    def run(self, actor: Actor, *args, **options):
        try:
            self.act(actor, options)
        except crypto.DataKeyError as error:
            raise CommandError(str(error), returncode=FAILED) from error

    def act(self, actor: Actor, options) -> None:
        action = options["action"]
        if action == "new":
            self.out(crypto.new_key())
            return
        if action == "check":
            problem = data_key_check()
            if problem:
                raise CommandError(problem, returncode=FAILED)
            self.out(
                _("The national IDs stored here decrypt with the data keys here (%(keys)s).")
                % {"keys": crypto.keyring().names()}
            )
            return
        rotation = data_key_rotate(
            actor=actor, new_key=options["new_key"], drop_old=options["drop_old"]
        )
        self.out(
            _(
                "%(resealed)d national IDs encrypted again under the data key %(key)s "
                "(%(already)d already were)."
            )
            % {"resealed": rotation.resealed, "key": rotation.key, "already": rotation.already}
        )
        if rotation.older and rotation.dropped:
            self.out(
                _("Older keys taken out of var/data_key: %(keys)s.")
                % {"keys": ", ".join(rotation.older)}
            )
        elif rotation.older:
            self.out(
                _(
                    "No value needs the older keys any more (%(keys)s): they can be taken out, "
                    "but keep them with the backups taken before now."
                )
                % {"keys": ", ".join(rotation.older)}
            )
