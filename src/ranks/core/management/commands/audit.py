"""`ranks audit verify` checks the hash chain of the audit log; `ranks audit show` lists entries."""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ranks.core.actor import Actor
from ranks.core.audit import audit_verify
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry, AuditHead

BROKEN = 1  # exit status of `verify` when the chain does not hold (2 is for bad input)


def _reason(reason: str) -> str:
    reasons = {
        "altered": _("altered: its content or its link to the entry before does not match"),
        "missing": _("missing: the entry was deleted"),
        "truncated": _("truncated: the newest entries were deleted"),
        "reordered": _("reordered: entries are out of order"),
    }
    return reasons.get(reason, reason)


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "verify: check that no audit entry was altered or deleted (exit status 1 if one was). "
            "show: list audit entries, newest last; reading the log needs full access, so "
            "`show` refuses --as with a user who is not a superuser."
        )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "show"])
        parser.add_argument(
            "--object-type",
            metavar="TYPE",
            help=_("show: only entries about this kind of object (unit, person, …)."),
        )
        parser.add_argument(
            "--object-id", metavar="ID", help=_("show: only entries about this object.")
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=50,
            metavar="N",
            help=_("show: the newest N entries (default: 50)."),
        )

    def run(self, actor: Actor, *args, **options):
        if options["action"] == "verify":
            return self.verify()
        return self.show(actor, options)

    def verify(self) -> None:
        broken = audit_verify()
        if broken is not None:
            raise CommandError(
                _("The audit log is broken at entry %(seq)d: %(reason)s.")
                % {"seq": broken.seq, "reason": _reason(broken.reason)},
                returncode=BROKEN,
            )
        count = AuditEntry.objects.count()
        self.out(
            ngettext(
                "The audit log is intact: %(count)d entry checked.",
                "The audit log is intact: %(count)d entries checked.",
                count,
            )
            % {"count": count}
        )
        head = AuditHead.objects.filter(pk=1).first()
        if head is not None and head.seq:
            # Whoever can write to the database could rebuild the whole chain; a head copied
            # elsewhere (a report, a print-out) lets a later check show that it was rebuilt.
            self.out(
                _(
                    "Newest entry %(seq)d, hash %(hash)s: keep it outside the database to compare later."
                )
                % {"seq": head.seq, "hash": head.hash}
            )

    def show(self, actor: Actor, options) -> None:
        if not actor.has_full_access:
            raise DomainError(
                _("Reading the audit log needs full access: run without --as, or as a superuser.")
            )
        limit = options["limit"]
        if limit < 1:
            raise DomainError(_("The limit must be 1 or more."), field="limit")
        entries = AuditEntry.objects.all()
        if options.get("object_type"):
            entries = entries.filter(object_type=options["object_type"])
        if options.get("object_id"):
            key = options["object_id"]
            found = Q(object_id=key)
            if connection.vendor == "postgresql":
                # A staged import's entry holds a batch of rows as tables whose rows start with
                # the person_id (ranks.interchange.staged): found by containment (@>).
                found |= Q(action__endswith=".imported") & (
                    Q(after__contains={"rows": [[key]]})
                    | Q(after__contains={"memberships": {"rows": [[key]]}})
                )
            entries = entries.filter(found)
        rows = list(entries.order_by("-seq")[:limit])
        if not rows:
            self.out(_("No audit entries."))
            return
        detailed = options.get("verbosity", 1) >= 2
        for entry in reversed(rows):
            at = timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S")
            obj = f"{entry.object_type}:{entry.object_id}"
            self.out("\t".join([str(entry.seq), at, entry.actor, entry.action, obj]))
            if detailed:
                for label, value in ((_("before"), entry.before), (_("after"), entry.after)):
                    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
                    self.out(f"\t{label}: {text}")
