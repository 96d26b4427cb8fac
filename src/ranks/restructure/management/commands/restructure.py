"""`ranks restructure`: preview, apply, undo and list restructures of the tree."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.dates import parse_date
from ranks.core.errors import DomainError
from ranks.interchange.engine import RowError
from ranks.restructure.models import RestructureKind
from ranks.restructure.plan import written
from ranks.restructure.plans import HEADER, KIND_LABELS, PlanResult, run_plan
from ranks.restructure.reform import REFORM_DAY, reform_rows
from ranks.restructure.selectors import Preview, restructures_of_unit
from ranks.restructure.services import restructure_apply, restructure_preview, restructure_undo
from ranks.restructure.successors import keep_structure
from ranks.restructure.targets import SPLIT_WEIGHTS, parse_target_value

REJECTED = 1  # exit status when a plan file has bad rows, as an import's (2: bad arguments)


class Command(RanksCommand):
    queueable = ("apply",)

    def queued_argv(self, argv: list[str], args: tuple, options) -> list[str]:
        """The plan file and the report by their absolute paths: a worker runs elsewhere."""
        paths = {*args, options.get("report") or ""} - {""}
        absolute = []
        for arg in argv:
            if arg in paths:
                arg = str(Path(arg).resolve())
            elif arg.startswith("--report="):
                arg = "--report=" + str(Path(arg.split("=", 1)[1]).resolve())
            absolute.append(arg)
        return absolute

    @translated_help
    def help(self) -> str:
        return _(
            "Restructures of the tree: preview or apply a merge, split, move, rename, dissolve or "
            "change of kind on a date; undo ID; list --unit CODE; preview or apply PLAN.csv, a "
            "whole plan, all or nothing; plan --province NAME writes the plan of the 2025 reform; "
            "structure DATE… keeps the structure of each date, for the figures restated in it."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "action", choices=["preview", "apply", "undo", "list", "plan", "structure"]
        )
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
        parser.add_argument(
            "--split-weight",
            choices=SPLIT_WEIGHTS,
            default="members",
            help=_("For a split: what the suggested split of each target goes by."),
        )
        parser.add_argument(
            "--target-value",
            action="append",
            default=[],
            metavar="YEAR:METRIC:TARGETCODE=N",
            help=_("For a split: the part of the source's target a target receives."),
        )
        parser.add_argument("--reason", default="", help=_("Why the structure changes."))
        parser.add_argument(
            "--document", default="", help=_("The document that decides it (Quyết định số …).")
        )
        parser.add_argument("--unit", default="", help=_("The unit whose restructures to list."))
        parser.add_argument(
            "--report", metavar="FILE", help=_("Also write the list of bad rows to this CSV file.")
        )
        parser.add_argument(
            "--province", default="", help=_("The province before the reform (plan).")
        )
        parser.add_argument(
            "--district", default="", help=_("Only this district of the province (plan).")
        )
        parser.add_argument(
            "--parent", default="", help=_("The unit the new communes are created below (plan).")
        )
        parser.add_argument(
            "--out", metavar="FILE", help=_("Write the plan here instead of standard output.")
        )

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
        values = {}
        for item in options["target_value"]:
            parsed = parse_target_value(item)
            if parsed is None:
                raise DomainError(
                    _("Write --target-value as YEAR:METRIC:TARGETCODE=N: %(value)s")
                    % {"value": item}
                )
            values[parsed[0]] = parsed[1]
        return {
            "split_weight": options["split_weight"],
            "target_values": values,
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
                    "day": written(plan.request.on),
                    "parent": step.parent or "—",
                    "name": step.name,
                    "kind": step.kind,
                }
            )
        for place in plan.places:
            if place.unit != place.was_unit:
                self.out(
                    _("place %(code)s: from %(day)s in %(unit)s (was %(was)s)")
                    % {
                        "code": place.code,
                        "day": written(plan.request.on),
                        "unit": place.unit,
                        "was": place.was_unit,
                    }
                )
            for was, now in place.cells:
                self.out(
                    _("place %(code)s: from %(day)s linked to the cell %(cell)s (was %(was)s)")
                    % {
                        "code": place.code,
                        "day": written(plan.request.on),
                        "cell": now,
                        "was": was,
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

    def _plan_file(self, actor: Actor, path_text: str, options, *, write: bool) -> None:
        path = Path(path_text)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path}, returncode=2)
        with path.open("rb") as stream:
            result = run_plan(actor=actor, stream=stream, filename=path.name, write=write)
        if options.get("report"):
            write_report(result.errors, Path(options["report"]))
        self._summary(result, write=write)
        if not result.ok:
            for error in result.errors:
                self.err("\t".join([str(error.row), error.column, error.value, error.reason]))
            raise CommandError(
                _("The plan was rejected: %(count)d problems; nothing was written.")
                % {"count": len(result.errors)},
                returncode=REJECTED,
            )

    def _summary(self, result: PlanResult, *, write: bool) -> None:
        kinds = result.by_kind()
        for kind, count in sorted(kinds.items()):
            self.out(f"{KIND_LABELS[kind]}: {count}")
        done = result.done
        counts = {
            "rows": result.rows,
            "steps": len(done),
            "units": sum(d.units for d in done),
            "places": sum(d.places for d in done),
            "closes": sum(d.closes for d in done),
        }
        if result.written:
            self.out(
                _(
                    "Applied. %(rows)d rows, %(steps)d steps: %(units)d units with a new "
                    "version, %(places)d places moved, %(closes)d units closed."
                )
                % counts
            )
            ids = [str(d.restructure_id) for d in done if d.restructure_id]
            self.out(_("Restructures: %(ids)s") % {"ids": ", ".join(ids) or "—"})
        elif result.ok:
            self.out(
                _(
                    "Preview, nothing written. %(rows)d rows, %(steps)d steps: %(units)d units "
                    "with a new version, %(places)d places moved, %(closes)d units closed."
                )
                % counts
            )

    def _write_reform_plan(self, options) -> None:
        on = parse_date(options["on"] or "") if options["on"] else REFORM_DAY
        if on is None:
            raise DomainError(_("Give the effective date with --on (YYYY-MM-DD or DD/MM/YYYY)."))
        if not options["province"]:
            raise DomainError(_("Give the province with --province."))
        rows, notes = reform_rows(
            province=options["province"],
            district=options["district"],
            on=on,
            parent=options["parent"],
            reason=options["reason"],
            document=options["document"],
        )
        output = options.get("out")
        if output:
            with Path(output).open("w", encoding="utf-8-sig", newline="") as stream:
                _write_rows(rows, stream)
            self.out(
                _("%(count)d rows written to %(path)s.") % {"count": len(rows), "path": output}
            )
        else:
            _write_rows(rows, self.stdout)
        for note in notes:
            self.err(note)

    def run(self, actor: Actor, *args, **options):
        action = options["action"]
        if action == "plan":
            self._write_reform_plan(options)
        elif action in ("preview", "apply") and args and not options["kind"]:
            if len(args) != 1:
                raise DomainError(_("Give one plan file."))
            self._plan_file(actor, args[0], options, write=action == "apply")
        elif action == "preview":
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
                % {"id": done.pk, "day": written(done.effective_on)}
            )
        elif action == "structure":
            self._keep_structures(args)
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

    def _keep_structures(self, args: Sequence[str]) -> None:
        """Build now the structure of each date given (`successors.keep_structure`)."""
        days = [parse_date(a) for a in args]
        if not days or None in days:
            raise DomainError(_("Write: restructure structure DATE… (YYYY-MM-DD or DD/MM/YYYY)."))
        for day in days:
            assert day is not None
            count = keep_structure(day)
            self.out(
                ngettext(
                    "Structure of %(day)s kept: %(count)d unit stands in it.",
                    "Structure of %(day)s kept: %(count)d units stand in it.",
                    count,
                )
                % {"day": written(day), "count": count}
            )


def _write_rows(rows: list[dict[str, str]], stream) -> None:
    writer = csv.DictWriter(stream, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def write_report(errors: list[RowError], path: Path) -> None:
    """The bad rows, in the shape of an import's report."""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([_("row"), _("column"), _("value"), _("reason")])
        for error in errors:
            writer.writerow([error.row, error.column, error.value, error.reason])
