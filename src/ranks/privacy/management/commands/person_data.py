"""`ranks person-data PERSON_ID`: everything Ranks keeps about one person, as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.errors import DomainError
from ranks.privacy.access import person_for_privacy
from ranks.privacy.services import person_data_read


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Everything Ranks keeps about one person, with who changed it and who read their "
            "sensitive data, and their requests, as JSON (for a person's request to see their "
            "data). The read is audited."
        )

    def add_arguments(self, parser):
        parser.add_argument("person_id", metavar="PERSON_ID")
        parser.add_argument("--output", metavar="FILE", help=_("Write to FILE instead."))

    def run(self, actor: Actor, *args, **options):
        person = person_for_privacy(actor, options["person_id"])
        if person is None:
            raise DomainError(_("No such person."))
        text = json.dumps(
            person_data_read(actor=actor, person=person).as_json(), ensure_ascii=False, indent=2
        )
        if options.get("output"):
            Path(options["output"]).write_text(text + "\n", encoding="utf-8")
        else:
            self.out(text)
