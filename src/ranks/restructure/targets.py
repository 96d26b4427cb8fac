"""The targets a restructure carries (docs/restructure.md, "Targets"): read for the preview,
written through the targets services on apply, restored on undo.

A source that closes hands its targets of the effective year and later to the targets of the
restructure: all of each to the one target of a merge (or a dissolution with a successor),
added to that unit's target of the same year and metric, or making it; split among the targets
of a split by a suggested split (largest remainders on a visible weight), which the manager may
change. The source keeps its target of the effective year as the target of the days it existed
that year (a day's tree never holds both it and the unit that takes its cells); its targets of
later years, and of the effective year when the date is 1 January, become 0: it does not exist
then, and its revisions say where each went.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.counters.selectors import admitted_between, members_on
from ranks.org.models import Unit
from ranks.restructure.plan import Plan
from ranks.targets.models import Target, TargetRevision
from ranks.targets.services import target_delete, target_set
from ranks.targets.split import largest_remainder_split

SPLIT_WEIGHTS = ("members", "last_admissions")
# A manager's value of a split part: (year, metric, target code) → value.
TargetValues = Mapping[tuple[int, str, str], int]


@dataclass(frozen=True)
class Part:
    """What a target of the restructure receives of a source's target, and why that much."""

    unit: str
    value: int
    why: str


@dataclass(frozen=True)
class Handed:
    """A source's target of a year and metric and where it goes."""

    source: str
    year: int
    metric: str
    value: int
    parts: tuple[Part, ...]
    keeps: bool  # the source keeps its value: its target for the days it existed that year


@dataclass(frozen=True)
class Write:
    """A target the restructure sets: `old` None when it makes it."""

    unit: str
    year: int
    metric: str
    old: int | None
    new: int


@dataclass
class TargetCarry:
    handed: list[Handed] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)

    def rows(self, on: dt.date) -> list[str]:
        """The preview's lines: each source's target and where it goes, then each target set."""
        day = on.strftime("%d/%m/%Y")
        found = []
        for h in self.handed:
            parts = ", ".join(f"{p.unit} +{p.value} ({p.why})" for p in h.parts)
            found.append(f"{h.source} {h.year} {h.metric} = {h.value} → {parts}")
            if h.keeps:
                found.append(
                    "  "
                    + _(
                        "%(code)s keeps %(value)s as its %(year)s target for the days before %(day)s"
                    )
                    % {"code": h.source, "value": h.value, "year": h.year, "day": day}
                )
        for w in self.writes:
            if w.old is None:
                found.append(
                    f"{w.unit} {w.year} {w.metric}: " + _("new, %(value)s") % {"value": w.new}
                )
            else:
                found.append(f"{w.unit} {w.year} {w.metric}: {w.old} → {w.new}")
        return found


def parse_target_value(text: str) -> tuple[tuple[int, str, str], int] | None:
    """`YEAR:METRIC:TARGETCODE=N` as ((year, metric, code), n), or None when malformed."""
    key, sep, value = text.partition("=")
    bits = key.split(":")
    if not sep or len(bits) != 3 or not bits[0].strip().isdigit() or not value.strip().isdigit():
        return None
    year, metric, code = bits
    if not metric.strip() or not code.strip():
        return None
    return (int(year), metric.strip(), code.strip()), int(value)


def _keeps(on: dt.date, year: int) -> bool:
    """The source existed on some day of `year` before the date: it keeps that year's target."""
    return year == on.year and on != dt.date(year, 1, 1)


def _weights(plan: Plan, how: str) -> dict[str, tuple[int, str]]:
    """For each target of a split: the weight of what the mapping gives it, and its wording. The
    units mapped to it are counted below them: their members on 1 January of the effective year,
    or their admissions of the year before."""
    request = plan.request
    source = request.sources[0]
    moved = [s for s in plan.units if s.was_parent == source and s.parent in request.targets]
    ids = dict(Unit.objects.filter(code__in=[s.code for s in moved]).values_list("code", "pk"))
    year = request.on.year
    if how == "last_admissions":
        counts = admitted_between(
            list(ids.values()), dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31)
        )
        text, when = _("%(n)s admissions in %(when)s"), str(year - 1)
    else:
        counts = members_on(list(ids.values()), dt.date(year, 1, 1))
        text, when = _("%(n)s members on %(when)s"), dt.date(year, 1, 1).strftime("%d/%m/%Y")
    found: dict[str, int] = {t: 0 for t in request.targets}
    for step in moved:
        found[step.parent or ""] += counts.get(ids.get(step.code, 0), 0)
    return {t: (n, text % {"n": n, "when": when}) for t, n in found.items()}


def targets_carry(
    *, plan: Plan, split_weight: str = "members", target_values: TargetValues | None = None
) -> TargetCarry:
    """What the restructure does to targets, and what blocks it (worded). Reads only."""
    request = plan.request
    on = request.on
    values = dict(target_values or {})
    carry = TargetCarry()
    splitting = request.kind == "split"
    if split_weight not in SPLIT_WEIGHTS:
        carry.blockers.append(
            _("Unknown split weight: %(weight)s. Allowed: %(allowed)s.")
            % {"weight": split_weight, "allowed": ", ".join(SPLIT_WEIGHTS)}
        )
        return carry
    if values and not splitting:
        carry.blockers.append(_("Values of a split's targets are given only for a split."))
    closing = list(plan.closes)
    if not closing:
        return carry
    handed = list(
        Target.objects.filter(unit__code__in=closing, year__gte=on.year)
        .select_related("unit")
        .order_by("year", "metric", "unit__code")
    )
    if not handed:
        for year, metric, code in sorted(values):
            carry.blockers.append(
                _("%(year)s:%(metric)s:%(code)s matches no target of the source.")
                % {"year": year, "metric": metric, "code": code}
            )
        return carry
    if not request.targets:
        for code in sorted({t.unit.code for t in handed}):
            carry.blockers.append(
                _(
                    "%(code)s has targets of %(year)s or later and no successor to take them; "
                    "name a successor."
                )
                % {"code": code, "year": on.year}
            )
        return carry
    weights = _weights(plan, split_weight) if splitting else {}
    used: set[tuple[int, str, str]] = set()
    for target in handed:
        if splitting:
            order = list(request.targets)
            suggested = largest_remainder_split(target.value, [weights[t][0] for t in order])
            parts = []
            for unit, value in zip(order, suggested, strict=True):
                key = (target.year, target.metric, unit)
                if key in values:
                    used.add(key)
                    why = _("changed from %(n)s suggested, %(weight)s") % {
                        "n": value,
                        "weight": weights[unit][1],
                    }
                    parts.append(Part(unit, values[key], why))
                else:
                    parts.append(Part(unit, value, weights[unit][1]))
            total = sum(p.value for p in parts)
            if total != target.value:
                carry.blockers.append(
                    _(
                        "The split of the %(year)s %(metric)s target of %(code)s sums to "
                        "%(sum)s; it must sum to %(value)s."
                    )
                    % {
                        "year": target.year,
                        "metric": target.metric,
                        "code": target.unit.code,
                        "sum": total,
                        "value": target.value,
                    }
                )
        else:
            parts = [
                Part(
                    request.targets[0],
                    target.value,
                    _("the whole target of %(code)s") % {"code": target.unit.code},
                )
            ]
        carry.handed.append(
            Handed(
                source=target.unit.code,
                year=target.year,
                metric=target.metric,
                value=target.value,
                parts=tuple(parts),
                keeps=_keeps(on, target.year),
            )
        )
    for year, metric, code in sorted(set(values) - used):
        carry.blockers.append(
            _("%(year)s:%(metric)s:%(code)s matches no target of the source split to a target.")
            % {"year": year, "metric": metric, "code": code}
        )
    received: dict[tuple[str, int, str], int] = defaultdict(int)
    for h in carry.handed:
        for p in h.parts:
            received[(p.unit, h.year, h.metric)] += p.value
    stored = {
        (t.unit.code, t.year, t.metric): t.value
        for t in Target.objects.filter(
            unit__code__in=request.targets, year__gte=on.year
        ).select_related("unit")
    }
    for (unit, year, metric), value in sorted(received.items()):
        if value:  # nothing given changes nothing: no target of 0 is made
            old = stored.get((unit, year, metric))
            carry.writes.append(Write(unit, year, metric, old, (old or 0) + value))
    for h in carry.handed:
        if not h.keeps and h.value:
            carry.writes.append(Write(h.source, h.year, h.metric, h.value, 0))
    return carry


def _reason(restructure_id: int, document: str) -> str:
    return (
        f"restructure #{restructure_id}: {document}"
        if document
        else (f"restructure #{restructure_id}")
    )


def targets_apply(
    *, actor: Actor, restructure_id: int, document: str, carry: TargetCarry
) -> list[dict[str, Any]]:
    """Set each target of `carry` through `target_set` (a revision with the reason "restructure
    #ID: document", and an audit entry each); return what undo needs: each target, its former
    and new value and the revision that set it."""
    reason = _reason(restructure_id, document)
    done = []
    for w in carry.writes:
        target = target_set(
            actor=actor, unit_code=w.unit, year=w.year, metric=w.metric, value=w.new, reason=reason
        )
        revision = TargetRevision.objects.filter(target=target).order_by("-id").first()
        done.append(
            {
                "target": target.pk,
                "unit": w.unit,
                "year": w.year,
                "metric": w.metric,
                "old": w.old,
                "new": w.new,
                "revision": revision.pk if revision else None,
            }
        )
    return done


def targets_since(changes: Mapping[str, Any]) -> list[str]:
    """The targets the restructure set that were revised (or removed) since, worded."""
    rows = changes.get("targets") or []
    if not rows:
        return []
    ids = [r["target"] for r in rows]
    now = dict(Target.objects.filter(pk__in=ids).values_list("pk", "value"))
    last: dict[int, int] = {}
    for target_id, pk in TargetRevision.objects.filter(target_id__in=ids).values_list(
        "target_id", "pk"
    ):
        last[target_id] = max(pk, last.get(target_id, 0))
    found = []
    for r in rows:
        pk = r["target"]
        if now.get(pk) != r["new"] or last.get(pk) != r["revision"]:
            found.append(
                _("the %(year)s %(metric)s target of %(code)s has been revised")
                % {"year": r["year"], "metric": r["metric"], "code": r["unit"]}
            )
    return found


def targets_undo(*, actor: Actor, restructure_id: int, changes: Mapping[str, Any]) -> list[Any]:
    """Give each target the restructure set its former value (a revision "undo of restructure
    #ID"), and remove those it made; return what was done, for the audit."""
    reason = f"undo of restructure #{restructure_id}"
    done: list[Any] = []
    for r in changes.get("targets") or []:
        if r["old"] is None:
            target_delete(
                actor=actor, unit_code=r["unit"], year=r["year"], metric=r["metric"], reason=reason
            )
        else:
            target_set(
                actor=actor, unit_code=r["unit"], year=r["year"], metric=r["metric"],
                value=r["old"], reason=reason,
            )  # fmt: skip
        done.append({**r, "restored": r["old"]})
    return done
