"""`ranks restructure`: preview, apply, undo and list restructures of the tree."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.dates import parse_date
from ranks.core.errors import DomainError
from ranks.restructure.models import RestructureKind
from ranks.restructure.selectors import Preview, restructures_of_unit
from ranks.restructure.services import restructure_apply, restructure_preview, restructure_undo


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Restructures of the tree: preview or apply a merge, split, move, rename, dissolve or "
            "change of kind on a date; undo ID; list --unit CODE."
        )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["preview", "apply", "undo", "list"])
        parser.add_argument("args", nargs="*", metavar="ARG")
        parser.add_argument(
            "--kind", choices=RestructureKind.values, help=_("Kind of restructure.")
        )
        parser.add_argument("--on", help=_("Effective date (YYYY-MM-DD or DD/MM/YYYY)."))
        parser.add_argument("--source", action="append", default=[], help=_("A source unit code."))
        parser.add_argument("--target", action="append", default=[], help=_("A target unit code."))
        parser.add_argument("--name", default="", help=_("The new name (rename)."))
        parser.add_argument("--kind-key", default="", help=_("The new unit kind (change of kind)."))
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="CODE=TARGET",
            help=_(
                "For a split: a child unit or place of the source, person:ID or grant:ID, and "
                "its target."
            ),
        )
        parser.add_argument("--reason", default="", help=_("Why the structure changes."))
        parser.add_argument(
            "--document", default="", help=_("The document that decides it (Quyết định số …).")
        )
        parser.add_argument("--unit", default="", help=_("The unit whose restructures to list."))

    def _params(self, options) -> dict:
        if not options["kind"]:
            raise DomainError(_("Give the kind of restructure with --kind."))
        on = parse_date(options["on"] or "")
        if on is None:
            raise DomainError(_("Give the effective date with --on (YYYY-MM-DD or DD/MM/YYYY)."))
        mapping = {}
        for item in options["map"]:
            code, sep, target = item.partition("=")
            if not sep or not code.strip() or not target.strip():
                raise DomainError(_("Write --map as CODE=TARGET: %(value)s") % {"value": item})
            mapping[code.strip()] = target.strip()
        return {
            "kind": options["kind"],
            "on": on,
            "sources": options["source"],
            "targets": options["target"],
            "name": options["name"],
            "kind_key": options["kind_key"],
            "mapping": mapping,
        }

    def _show(self, preview: Preview) -> None:
        plan = preview.plan
        for step in plan.units:
            self.out(
                _("unit %(code)s: from %(day)s below %(parent)s, %(name)s (%(kind)s)")
                % {
                    "code": step.code,
                    "day": plan.request.on,
                    "parent": step.parent or "—",
                    "name": step.name,
                    "kind": step.kind,
                }
            )
        for place in plan.places:
            self.out(
                _("place %(code)s: from %(day)s in %(unit)s (was %(was)s)")
                % {
                    "code": place.code,
                    "day": plan.request.on,
                    "unit": place.unit,
                    "was": place.was_unit,
                }
            )
        for code in plan.closes:
            self.out(_("closes: %(code)s on the day before") % {"code": code})
        for carried in preview.carried:
            self.out(
                _("carried, %(what)s: %(count)s") % {"what": carried.label, "count": carried.count}
            )
            for row in carried.rows:
                self.out(f"  {row}")
        for blocker in preview.blockers:
            self.out(_("BLOCKED: %(reason)s") % {"reason": blocker})

    def run(self, actor: Actor, *args, **options):
        action = options["action"]
        if action == "preview":
            preview = restructure_preview(actor=actor, **self._params(options))
            self._show(preview)
            if preview.blockers:
                raise DomainError(_("The restructure is blocked; nothing was changed."))
        elif action == "apply":
            done = restructure_apply(
                actor=actor,
                reason=options["reason"],
                document=options["document"],
                **self._params(options),
            )
            self.out(
                _("Restructure %(id)s applied from %(day)s.")
                % {"id": done.pk, "day": done.effective_on}
            )
        elif action == "undo":
            if len(args) != 1 or not args[0].isdigit():
                raise DomainError(_("Write: restructure undo ID."))
            done = restructure_undo(actor=actor, restructure_id=int(args[0]))
            self.out(_("Restructure %(id)s undone.") % {"id": done.pk})
        else:
            code = options["unit"]
            found = restructures_of_unit(scope=scope_for(actor), code=code)
            if found is None:
                raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code})
            for r in found:
                self.out(
                    "\t".join(
                        [
                            str(r.pk),
                            r.get_kind_display(),
                            r.effective_on.isoformat(),
                            ",".join(r.source_codes),
                            ",".join(r.target_codes),
                            r.get_status_display(),
                            r.document,
                        ]
                    )
                )
