"""Base class of Ranks' commands: full access as the OS user, or `--as USERNAME` to narrow it.

Errors of the domain print as one translated line on stderr and exit with status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, overload

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.errors import DomainError


class translated_help:
    """Makes a command's `help` method its help text, in the language active when it is read.

    A property would read the same, but to mypy a read-only property cannot take the place of
    BaseCommand's `help` attribute; a descriptor without a setter can."""

    def __init__(self, text: Callable[[Any], str]) -> None:
        self.text = text

    @overload
    def __get__(self, command: None, owner: type) -> translated_help: ...
    @overload
    def __get__(self, command: BaseCommand, owner: type) -> str: ...
    def __get__(self, command: BaseCommand | None, owner: type) -> str | translated_help:
        return self if command is None else self.text(command)


class RanksCommand(BaseCommand):
    """Subclasses implement `run(actor, **options)` instead of `handle`.

    A command whose `queueable` names some of its actions takes `--queue`: those actions are then
    queued as a job for `ranks worker` instead of run now (ranks.core.queued); `queued_argv`
    makes the command line hold whatever a worker elsewhere needs (absolute paths)."""

    queueable: tuple[str, ...] = ()
    argv: list[str] | None = None

    def run_from_argv(self, argv):
        self.argv = list(argv[1:])  # the command's name and its arguments
        return super().run_from_argv(argv)

    def queued_argv(self, argv: list[str], args: tuple, options) -> list[str]:
        return argv

    def create_parser(self, prog_name, subcommand, **kwargs):
        if isinstance(self.help, Promise):
            # argparse needs a real str; translate now, in the language of this run.
            self.help = str(self.help)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="Act with this user's access instead of full access.",
        )
        parser.add_argument(
            "--lang", choices=["vi", "en"], default=None, help="Language of messages (default: vi)."
        )
        if self.queueable:
            parser.add_argument(
                "--queue",
                action="store_true",
                help=f"Run it as a job of `ranks worker` instead of now "
                f"({', '.join(self.queueable)}).",
            )
        return parser

    def actor_from(self, options) -> Actor:
        username = options.get("as_user")
        if not username:
            return Actor.for_command()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(
                _("Unknown user: %(username)s.") % {"username": username}, returncode=2
            )
        return Actor(name=user.get_username(), user=user, channel="cli")

    def handle(self, *args, **options):
        language = options.get("lang") or translation.get_language() or "vi"
        with translation.override(language):
            actor = self.actor_from(options)
            if options.get("queue"):
                return self.queue(actor, args, options)
            try:
                return self.run(actor, *args, **options)
            except DomainError as error:
                raise CommandError(str(error), returncode=2) from error

    def queue(self, actor: Actor, args: tuple, options) -> None:
        from ranks.core.queued import command_queue

        if options.get("action") not in self.queueable or self.argv is None:
            raise CommandError(
                _("Only these can be queued, from the command line: %(what)s.")
                % {"what": ", ".join(self.queueable)},
                returncode=2,
            )
        argv = self.queued_argv([a for a in self.argv if a != "--queue"], args, options)
        job = command_queue(argv, queued_by=actor.name)
        self.out(_("Queued as job %(id)s: `ranks job %(id)s` shows how it went.") % {"id": job})

    def run(self, actor: Actor, *args, **options):  # pragma: no cover - abstract
        raise NotImplementedError

    def out(self, line: str = "") -> None:
        self.stdout.write(line)

    def err(self, line: str) -> None:
        self.stderr.write(line)
        sys.stderr.flush()
