"""`ranks demo`: build a demo province on Vietnam's real administrative units, with logins."""

from __future__ import annotations

import time

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.commands import RanksCommand
from ranks.core.errors import DomainError
from ranks.demo.generator import REFORM, Sizes, UnknownProvince, build_plan, find_province
from ranks.demo.logins import DEMO_PASSWORD, ensure_logins, login_rows, reset_demo_passwords
from ranks.demo.targets import write_targets
from ranks.demo.writer import demo_units, flush, write_plan

URL = "http://127.0.0.1:8000/"


class Command(RanksCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: RanksCommand.create_parser makes it a str
        "Build a demo province on Vietnam's real administrative units: its districts and "
        "communes before the 2025 reform, the new communes after it, villages and cells, party "
        "members, and logins at each level. Does nothing if units are already loaded, except "
        "print the logins again; --reset empties the Ranks data first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            default="Hải Dương",
            help=gettext_lazy("One of the 63 provinces before 1 July 2025 (default: Hải Dương)."),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2025,
            help=gettext_lazy("The same seed builds the same province (default: 2025)."),
        )
        parser.add_argument(
            "--members",
            type=int,
            default=4000,
            help=gettext_lazy("How many party members to create (default: 4000)."),
        )
        parser.add_argument(
            "--villages-per-commune",
            type=int,
            default=3,
            help=gettext_lazy(
                "Villages or residential groups per commune, on average (default: 3)."
            ),
        )
        parser.add_argument(
            "--non-members",
            type=int,
            default=None,
            help=gettext_lazy(
                "How many people who are not members yet to create (default: one per eight members)."
            ),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=gettext_lazy(
                "Empty the Ranks data (units, places, people, grants, audit log) and build again."
            ),
        )

    def run(self, actor: Actor, *args, **options):
        if not actor.has_full_access:
            raise DomainError(_("Building the demo needs full access: run it without --as."))
        sizes = self._sizes(options)
        try:
            province = find_province(options["province"])
        except UnknownProvince as error:
            raise DomainError(
                _("Unknown province: %(name)s. Known provinces: %(known)s.")
                % {"name": error.name, "known": ", ".join(error.known)},
                field="province",
            ) from error

        started = time.monotonic()
        # Everything is written in one transaction; the printing waits until it is committed.
        removed = None
        with transaction.atomic():
            existing = demo_units()
            if existing and not options["reset"]:
                reset_demo_passwords(actor)
            else:
                if existing:
                    removed = flush(actor)
                plan = build_plan(province, seed=options["seed"], sizes=sizes, today=today())
                counts = write_plan(plan, actor)
                write_targets(actor=actor, today=today(), seed=options["seed"])
                ensure_logins(plan.logins, actor)
        if existing and not options["reset"]:
            self.out(
                _(
                    "The demo is already loaded: the database holds %(count)d units. Nothing "
                    "was added; run with --reset to empty it and build again."
                )
                % {"count": existing}
            )
            self._print_logins()
            return
        if removed is not None:
            self.out(_("Emptied the Ranks data: %(count)d rows removed.") % {"count": removed})
        values = {
            "province": plan.province,
            "new_province": plan.new_province,
            "reform": REFORM.isoformat(),
            "seconds": time.monotonic() - started,
        }
        if plan.new_province != plan.province:
            self.out(
                _(
                    "Built the demo of %(province)s, part of %(new_province)s since %(reform)s, "
                    "in %(seconds).1f s."
                )
                % values
            )
        else:
            self.out(_("Built the demo of %(province)s in %(seconds).1f s.") % values)
        self.out(
            _(
                "Units: %(units)d (%(versions)d periods). Places: %(places)d. People: %(people)d. "
                "Party members: %(members)d, %(active)d of them active today "
                "(%(probationary)d probationary). Audit entries: %(audit)d."
            )
            % {
                "units": counts.units,
                "versions": counts.unit_versions,
                "places": counts.places,
                "people": counts.people,
                "members": counts.members,
                "active": counts.active,
                "probationary": counts.probationary,
                "audit": counts.audit_entries,
            }
            + " "
            + _("Candidates: %(candidates)d, stage events: %(events)d.")
            % {"candidates": counts.candidates, "events": counts.events}
        )
        self._print_logins()

    def _sizes(self, options) -> Sizes:
        members = options["members"]
        villages = options["villages_per_commune"]
        non_members = options.get("non_members")
        if members < 0 or (non_members is not None and non_members < 0):
            raise DomainError(_("The number of people must be 0 or more."), field="members")
        if villages < 1:
            raise DomainError(
                _("Each commune needs at least one village or residential group."),
                field="villages_per_commune",
            )
        return Sizes(members=members, villages_per_commune=villages, non_members=non_members)

    def _print_logins(self) -> None:
        rows = login_rows()
        if not rows:
            self.out(_("No demo logins found."))
            return
        header = (_("username"), _("password"), _("role"), _("unit"))
        table = [header, *((r.username, r.password, r.role, r.unit) for r in rows)]
        widths = [max(len(row[i]) for row in table) for i in range(3)]
        self.out("")
        self.out(
            _("Logins (the password of every demo user is %(password)s):")
            % {"password": DEMO_PASSWORD}
        )
        for row in table:
            self.out(
                "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
                + "  "
                + row[3]
            )
        self.out("")
        self.out(
            _("Open %(url)s (`make demo` serves it; otherwise run `ranks runserver`).")
            % {"url": URL}
        )
