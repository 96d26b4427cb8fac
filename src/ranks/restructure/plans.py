"""A plan file: read it, preview it, apply it all or nothing (docs/restructure.md, "Plans").

The file is read in the columns of the interchange format (an English key or the Vietnamese
label as header; dates ISO or DD/MM/YYYY), grouped into steps (`planfile.group_rows`), and the
steps are run in order in one transaction: each creation through `unit_version_save`, each
restructure through `restructure_apply`, so that each is audited as its own act with its own
`Restructure` row. A preview runs the same steps and rolls them back, so that a merge into a unit
the plan creates is checked against it. Any bad row, any blocker, any refusal: the transaction
is rolled back and every problem is reported by row and column, as an import's bad rows are.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.audit import audit_batch, audit_savepoint
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.interchange import values as V
from ranks.interchange.engine import (
    MAX_BYTES,
    VALUE_MESSAGES,
    RowError,
    file_message,
    match_header,
    parse_cell,
)
from ranks.interchange.readers import FileProblem, open_table
from ranks.interchange.schema import BOOL, CHOICE, DATE, LIST, Column, Kind, _aliases_of
from ranks.org.models import Unit, UnitVersion
from ranks.org.services import unit_version_save
from ranks.restructure.models import RestructureKind
from ranks.restructure.planfile import CREATE, ROW_KINDS, PlanRow, Problem, Step, group_rows
from ranks.restructure.services import restructure_apply, restructure_preview

KIND_LABELS = {CREATE: gettext_lazy("create"), **dict(RestructureKind.choices)}

PLAN = Kind(
    key="restructure_plan",
    title=gettext_lazy("Restructure plan"),
    columns=(
        Column(
            "kind",
            "loại",
            CHOICE,
            required=True,
            choices=ROW_KINDS,
            labels=dict(KIND_LABELS),
            aliases=_aliases_of(dict(KIND_LABELS)),
        ),
        Column("effective_on", "ngày hiệu lực", DATE, required=True),
        Column("source", "đơn vị nguồn", LIST),
        Column("target", "đơn vị đích", max_length=60),
        Column("name", "tên"),
        Column("kind_key", "loại đơn vị", max_length=40),
        Column("parent", "mã cấp trên", max_length=60),
        Column("admin_code", "mã hành chính", max_length=20),
        Column("can_admit", "được kết nạp", BOOL),
        Column("map", "phân chia", LIST, max_length=10_000),
        Column("reason", "lý do", max_length=10_000),
        Column("document", "văn bản"),
    ),
    key_columns=(),
)
HEADER = [c.key for c in PLAN.columns]


def problem_text(problem: Problem) -> str:
    p = dict(problem.params)
    if "kind" in p:
        p["kind"] = str(KIND_LABELS.get(p["kind"], p["kind"]))
    texts = {
        "needed": _("A row of kind “%(kind)s” needs this column."),
        "one_source": _("A row of kind “%(kind)s” has exactly one source."),
        "map_not_split": _("Only a split has a map; this row is of kind “%(kind)s”."),
        "create_no_source": _("A creation has no source: the new unit's code is the target."),
        "created_twice": _("This unit is already created on this date by row %(row)s."),
        "bad_map": _("Write the map as codes (to this row's target) or CODE=TARGET: %(item)s"),
        "mapped_twice": _("%(code)s is sent to two different targets."),
    }
    return texts[problem.key] % p


@dataclass
class StepDone:
    step: Step
    restructure_id: int | None = None  # None for a creation
    units: int = 0  # units with a new version (a creation: 1)
    places: int = 0
    closes: int = 0


@dataclass
class PlanResult:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    done: list[StepDone] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def by_kind(self) -> Counter[str]:
        return Counter(d.step.kind for d in self.done)


def _raw(cells: list[Any], index: int | None) -> str:
    return V.as_text(cells[index]) if index is not None and index < len(cells) else ""


def read_plan(
    stream: IO[bytes], filename: str
) -> tuple[list[PlanRow], list[RowError], int, dict[str, str]]:
    """The typed rows of a plan file, the problems of its header and cells, how many rows it
    has, and the header each column has in the file."""
    try:
        table = open_table(stream, filename, max_bytes=MAX_BYTES)
    except FileProblem as problem:
        return [], [RowError(0, "", filename, file_message(problem))], 0, {}
    columns, errors = match_header(PLAN, table.header)
    if errors:
        return [], errors, 0, {}
    header_of = {c.key: table.header[i] for i, c in columns.items()}
    rows: list[PlanRow] = []
    count = 0
    try:
        for number, cells in table.rows:
            count += 1
            values: dict[str, Any] = {}
            bad = False
            for index, column in columns.items():
                raw = cells[index] if index < len(cells) else None
                try:
                    values[column.key] = parse_cell(column, raw)
                except V.ValueProblem as problem:
                    bad = True
                    if problem.code == "too_long":
                        reason = _("Longer than %(max)d characters.") % problem.params
                    elif problem.code == "not_in_list":
                        reason = VALUE_MESSAGES["not_in_list"](
                            {"allowed": ", ".join(column.allowed_labels())}
                        )
                    else:
                        reason = VALUE_MESSAGES[problem.code](problem.params)
                    errors.append(
                        RowError(number, header_of[column.key], _raw(cells, index), reason)
                    )
                    continue
                if column.required and values[column.key] in (None, []):
                    bad = True
                    errors.append(
                        RowError(number, header_of[column.key], "", _("A value is required."))
                    )
            if bad:
                continue
            rows.append(
                PlanRow(
                    number=number,
                    kind=values["kind"],
                    on=values["effective_on"],
                    source=tuple(values.get("source") or ()),
                    target=values.get("target") or "",
                    name=values.get("name") or "",
                    kind_key=values.get("kind_key") or "",
                    parent=values.get("parent") or "",
                    admin_code=values.get("admin_code") or "",
                    can_admit=bool(values.get("can_admit")),
                    map=tuple(values.get("map") or ()),
                    reason=values.get("reason") or "",
                    document=values.get("document") or "",
                )
            )
    except FileProblem as problem:
        errors.append(RowError(problem.params.get("row", 0), "", filename, file_message(problem)))
    return rows, errors, count, header_of


class _Rollback(Exception):
    pass


def _error(step: Step, code: str | None, message: str, header_of: dict[str, str]) -> RowError:
    number, column = step.where(code)
    row = next(r for r in step.rows if r.number == number)
    value = {
        "source": ";".join(row.source),
        "target": row.target,
        "parent": row.parent,
        "map": ";".join(row.map),
        "kind": row.kind,
    }.get(column, "")
    return RowError(number, header_of.get(column, column), value, message)


def _unknown_code(step: Step, message: str) -> str | None:
    """The code a refusal "Unknown unit code: X." names, if the step names it."""
    for code in step.codes():
        if message == _("Unknown unit code: %(code)s.") % {"code": code}:
            return code
    return None


def _create(actor: Actor, step: Step) -> StepDone:
    """A new unit from the date, below its parent: the actor must manage the parent (a unit at
    the top needs full access). Creating a unit that already starts that day with the same
    name, kind and parent changes nothing, so that a plan can run again after an undo."""
    row = step.first
    scope = scope_for(actor, role="manager")
    if row.parent:
        parent = Unit.objects.filter(code=row.parent).first()
        if parent is None or not scope.covers(parent.pk):
            raise DomainError(_("Unknown unit code: %(code)s.") % {"code": row.parent})
    elif not scope.full:
        raise DomainError(_("Only a user with access to the whole tree creates a top unit."))
    existing = (
        UnitVersion.objects.filter(unit__code=row.target)
        .select_related("kind", "parent")
        .order_by("valid_from")
    )
    if existing:
        same = [
            v
            for v in existing
            if v.valid_from == step.on
            and v.name == row.name
            and v.kind.key == row.kind_key
            and (v.parent.code if v.parent else "") == row.parent
        ]
        if same:
            return StepDone(step)
        raise DomainError(
            _("The unit %(code)s already exists; a creation makes a new unit.")
            % {"code": row.target}
        )
    unit_version_save(
        actor=actor,
        code=row.target,
        name=row.name,
        kind=row.kind_key,
        parent_code=row.parent or None,
        valid_from=step.on,
        can_admit=row.can_admit,
        admin_code=row.admin_code,
    )
    return StepDone(step, units=1)


def _params(step: Step) -> dict[str, Any]:
    return {
        "kind": step.kind,
        "on": step.on,
        "sources": step.sources,
        "targets": step.targets,
        "name": step.name,
        "kind_key": step.kind_key,
        "mapping": step.mapping,
    }


def _restructure(actor: Actor, step: Step, header_of: dict[str, str]) -> StepDone | list[RowError]:
    """Apply the step (which previews it); when it is refused, preview it to name each blocker
    by its row and column."""
    try:
        done = restructure_apply(
            actor=actor, reason=step.reason, document=step.document, **_params(step)
        )
    except DomainError:
        preview = restructure_preview(actor=actor, **_params(step))
        if not preview.blockers:
            raise
        keyed = preview.plan.blockers
        errors = []
        for i, text in enumerate(preview.blockers):
            params = dict(keyed[i].params) if i < len(keyed) else {}
            errors.append(_error(step, params.get("code"), text, header_of))
        return errors
    created = len(done.changes["unit_created"])
    return StepDone(
        step,
        restructure_id=done.pk,
        units=created,
        places=len(done.changes["place_created"]),
        closes=len(done.changes["unit_closed"]) - created,
    )


def run_plan(*, actor: Actor, stream: IO[bytes], filename: str, write: bool) -> PlanResult:
    """Check and run every step of the plan in one transaction; keep it only when `write` and
    nothing is wrong."""
    rows, errors, count, header_of = read_plan(stream, filename)
    result = PlanResult(rows=count, errors=errors)
    if errors and not rows:
        return result
    steps, problems = group_rows(rows)
    for problem in problems:
        result.errors.append(
            RowError(
                problem.row,
                header_of.get(problem.column, problem.column),
                "",
                problem_text(problem),
            )
        )
    try:
        # One frame for the counters (recounted once for the plan, when it ends) and one batch
        # for the audit chain (written in bulk): each step still audits its own entries, and a
        # refused step's savepoint forgets them.
        with transaction.atomic(), audit_batch(), moving():
            for step in steps:
                try:
                    with audit_savepoint():
                        if step.kind == CREATE:
                            outcome: StepDone | list[RowError] = _create(actor, step)
                        else:
                            outcome = _restructure(actor, step, header_of)
                        if isinstance(outcome, list):
                            raise _StepRefused(outcome)
                except _StepRefused as refused:
                    result.errors.extend(refused.errors)
                    continue
                except DomainError as error:
                    message = str(error)
                    result.errors.append(
                        _error(step, _unknown_code(step, message), message, header_of)
                    )
                    continue
                result.done.append(outcome)
            if result.errors or not write:
                raise _Rollback
            result.written = True
    except _Rollback:
        pass
    result.errors.sort(key=lambda e: e.row)
    return result


class _StepRefused(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("refused")
        self.errors = errors
