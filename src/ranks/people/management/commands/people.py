"""`ranks people search QUERY`: find people by name, diacritics and case ignored, within scope."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.errors import DomainError
from ranks.people.models import Person
from ranks.people.selectors import person_search


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "search QUERY: people whose name matches, diacritics and case ignored "
            "(“nguyen van an” finds “Nguyễn Văn An”); prints person ID, name and birth date. "
            "With --as, only the people in that user's scope."
        )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["search"])
        parser.add_argument("query", nargs="+", metavar="QUERY")
        parser.add_argument(
            "--limit",
            type=int,
            default=20,
            metavar="N",
            help=_("At most N people (default: 20)."),
        )

    def run(self, actor: Actor, *args, **options):
        limit = options["limit"]
        if limit < 1:
            raise DomainError(_("The limit must be 1 or more."), field="limit")
        query = " ".join(options["query"])
        people = scope_for(actor).people(Person.objects.all())
        found = person_search(people, query, limit=limit)
        if not found:
            self.out(_("No one found for “%(query)s”.") % {"query": query})
            return
        for person in found:
            self.out("\t".join([person.person_id, person.full_name, person.birth_date.isoformat()]))
