"""`ranks tree`: the organisation tree of a date as an indented list, within the actor's scope.

It lives in `access`, not `org`, because it narrows the tree to the actor's grants: `access`
reads `org`, never the other way round.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.dates import parse_day
from ranks.core.errors import DomainError
from ranks.org import tree
from ranks.org.models import UnitVersion
from ranks.org.selectors import unit_subtree


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Print the organisation tree of a date as an indented list: code, name and kind of "
            "each unit. With --as, only the units below that user's grants on that date."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--on",
            metavar="DATE",
            help=_("The date of the tree, YYYY-MM-DD or DD/MM/YYYY (default: today)."),
        )
        parser.add_argument(
            "--unit",
            metavar="CODE",
            help=_("Print only this unit and the units below it."),
        )
        parser.add_argument(
            "--depth",
            type=int,
            metavar="N",
            help=_("Print at most N levels below the top units (0: the top units only)."),
        )

    def run(self, actor: Actor, *args, **options):
        day = parse_day(options["on"]) if options.get("on") else today()
        depth = options.get("depth")
        if depth is not None and depth < 0:
            raise DomainError(_("The depth must be 0 or more."), field="depth")
        scope = scope_for(actor)
        versions = UnitVersion.objects.valid_on(day).select_related("unit", "kind", "parent")
        code = options.get("unit")
        if code:
            unit = scope.unit(code)
            if unit is None:
                # Not allowed looks the same as not found.
                raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="unit")
            versions = unit_subtree(unit, day)
        versions = scope.units_on(versions, day, path="unit")
        day_tree = tree.Tree(
            (
                v.as_tree_version(code=v.unit.code, parent_code=v.parent.code if v.parent else None)
                for v in versions
            ),
            day,
        )
        if code:
            if code not in day_tree:
                raise DomainError(
                    _("The unit does not exist on %(day)s.") % {"day": day.isoformat()},
                    field="on",
                )
            roots = [code]
        else:
            roots = day_tree.roots()
        if not roots:
            if scope.full:
                self.out(_("No units on %(day)s.") % {"day": day.isoformat()})
            else:
                self.out(_("No units in your scope on %(day)s.") % {"day": day.isoformat()})
            return
        for root in roots:
            self._print(day_tree, root, 0, depth)

    def _print(self, day_tree: tree.Tree, code: str, level: int, depth: int | None) -> None:
        version = day_tree.by_code[code]
        self.out(f"{'  ' * level}{code}  {version.name}  ({version.kind})")
        if depth is not None and level >= depth:
            return
        for child in day_tree.children(code):
            self._print(day_tree, child, level + 1, depth)
