"""Preview, apply and undo a restructure: all or nothing, through the org services, audited as
one act."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ranks.access.models import Grant
from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.audit import audit_record, snapshot
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.coverage.models import Secondment
from ranks.org.models import PlaceVersion, Unit, UnitVersion
from ranks.org.services import (
    places_move,
    unit_move,
    unit_version_save,
    units_close,
    units_move,
)
from ranks.people.models import Membership, Posting
from ranks.pipeline.models import Candidate, StageEvent
from ranks.restructure.carry import Moves
from ranks.restructure.models import Handover, Restructure, RestructureStatus, RestructureUnit
from ranks.restructure.plan import Request, written
from ranks.restructure.selectors import (
    Preview,
    restructure_plan_and_moves,
    restructure_preview_of,
)
from ranks.restructure.targets import TargetValues, targets_apply, targets_since, targets_undo


def _request(
    *,
    kind: str,
    on: dt.date,
    sources: list[str],
    targets: list[str] | None = None,
    name: str = "",
    kind_key: str = "",
    mapping: Mapping[str, str] | None = None,
) -> Request:
    return Request(
        kind=kind,
        on=on,
        sources=tuple(s.strip() for s in sources if s.strip()),
        targets=tuple(t.strip() for t in targets or () if t.strip()),
        name=name.strip(),
        kind_key=kind_key.strip(),
        mapping={k.strip(): v.strip() for k, v in (mapping or {}).items()},
    )


def _check_access(actor: Actor, codes: set[str]) -> None:
    """The actor must hold the manager role over every unit named; a unit they may not see is
    refused like one that does not exist."""
    scope = scope_for(actor, role="manager")
    found = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    for code in sorted(codes):
        unit = found.get(code)
        if unit is None or not scope.covers(unit.pk):
            raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="code")


def _named(request: Request) -> set[str]:
    return set(request.sources) | set(request.targets) | set(request.mapping.values())


def restructure_preview(
    *,
    actor: Actor,
    split_weight: str = "members",
    target_values: TargetValues | None = None,
    **params: Any,
) -> Preview:
    """What apply would do, and what blocks it; changes nothing. `split_weight` and
    `target_values`: the targets of a split (`restructure.targets`)."""
    request = _request(**params)
    _check_access(actor, _named(request))
    return restructure_preview_of(
        request=request,
        scope=scope_for(actor, role="manager"),
        split_weight=split_weight,
        target_values=target_values,
    )


def _version_row(version: UnitVersion | PlaceVersion) -> dict[str, Any]:
    data = snapshot(version)
    if isinstance(version, PlaceVersion):
        data["cells"] = sorted(version.cells.values_list("pk", flat=True))
    return data


def restructure_apply(
    *,
    actor: Actor,
    reason: str = "",
    document: str = "",
    split_weight: str = "members",
    target_values: TargetValues | None = None,
    **params: Any,
) -> Restructure:
    """Apply the plan in one transaction, or refuse with every blocker and change nothing."""
    request = _request(**params)
    _check_access(actor, _named(request))
    with transaction.atomic():
        preview, moves, units = restructure_plan_and_moves(
            request=request,
            scope=scope_for(actor, role="manager"),
            split_weight=split_weight,
            target_values=target_values,
        )
        if preview.blockers:
            raise DomainError(
                _("The restructure is refused: %(reasons)s")
                % {"reasons": " ".join(preview.blockers)}
            )
        with moving(**_moving_scope(preview, moves, units)):
            return _apply(
                actor,
                request,
                preview,
                moves,
                reason=reason,
                document=document,
                split_weight=split_weight,
                target_values=target_values,
            )


def _moving_scope(preview: Preview, moves: Moves, units: dict[str, Unit]) -> dict[str, Any]:
    """What the counters must count around the restructure, named before anything is written."""
    plan = preview.plan
    codes = {s.code for s in plan.units} | set(plan.closes) | set(plan.request.targets)
    codes |= {s.parent for s in plan.units if s.parent}
    unit_ids = set(Unit.objects.filter(code__in=codes).values_list("pk", flat=True))
    place_ids = PlaceVersion.objects.valid_on(plan.request.on).filter(
        place__code__in=[p.code for p in plan.places]
    )
    cells = {p.cell_id for p, _t in moves.postings} | {t.pk for _p, t in moves.postings}
    cells |= {c.cell_id for c, _t in moves.candidates} | {t.pk for _c, t in moves.candidates}
    return {
        "memberships": sorted({p.membership_id for p, _t in moves.postings}),
        "cells": sorted(cells),
        "units": sorted(unit_ids),
        "places": sorted(set(place_ids.values_list("place_id", flat=True))),
        "candidacies": sorted({c.person_id for c, _t in moves.candidates}),
    }


def _max_id(model: Any) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _carry(
    actor: Actor, restructure: Restructure, moves: Moves
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write what the restructure carries beyond the tree: the changes (for undo) and what the
    audit entry says of them."""
    on = restructure.effective_on
    last = on - dt.timedelta(days=1)
    closed_postings, created_postings, said_postings = [], [], []
    for posting, target in moves.postings:
        closed_postings.append(
            [posting.pk, posting.valid_to.isoformat() if posting.valid_to else None]
        )
        new = Posting.objects.create(
            membership_id=posting.membership_id,
            person_id=posting.person_id,
            cell=target,
            valid_from=on,
            valid_to=posting.valid_to,
            restructure=restructure,
        )
        posting.valid_to = last
        posting.save(update_fields=["valid_to"])
        created_postings.append(new.pk)
        said_postings.append(
            {"person": posting.person.person_id, "from": posting.cell.code, "to": target.code,
             "closed": posting.pk, "created": new.pk}
        )  # fmt: skip
    candidates, said_candidates = [], []
    for candidate, target in moves.candidates:
        candidates.append([candidate.pk, candidate.cell_id, target.pk])
        said_candidates.append(
            {"person": candidate.person.person_id, "from": candidate.cell.code, "to": target.code}
        )
        Candidate.objects.filter(pk=candidate.pk).update(cell=target)
    closed_secondments, created_secondments, said_secondments = [], [], []
    for secondment, target in moves.secondments:
        closed_secondments.append(
            [secondment.pk, secondment.to_date.isoformat() if secondment.to_date else None]
        )
        new_secondment = Secondment.objects.create(
            person_id=secondment.person_id,
            cell=target,
            role=secondment.role,
            from_date=on,
            to_date=secondment.to_date,
            home_unit_id=secondment.home_unit_id,
        )
        secondment.to_date = last
        secondment.save(update_fields=["to_date"])
        created_secondments.append(new_secondment.pk)
        said_secondments.append(
            {"person": secondment.person.person_id, "from": secondment.cell.code,
             "to": target.code, "role": secondment.role}
        )  # fmt: skip
    grants, said_grants = [], []
    for grant, grant_target in moves.grants:
        said = {"id": grant.pk, "user": grant.user.get_username(), "role": grant.role,
                "unit": grant.unit.code, "to": grant_target.code if grant_target else None}  # fmt: skip
        said_grants.append(said)
        if grant_target is not None:
            grants.append([grant.pk, grant.unit_id, grant_target.pk])
            Grant.objects.filter(pk=grant.pk).update(unit=grant_target)
    Handover.objects.bulk_create(
        Handover(restructure=restructure, candidate=c, from_unit=f, to_unit=t, on=on)
        for c, f, t in moves.handovers
    )
    said_handovers = [
        {"person": c.person.person_id, "cell": c.cell.code,
         "from": f.code if f else None, "to": t.code if t else None}
        for c, f, t in moves.handovers
    ]  # fmt: skip
    memberships = {p.membership_id for p, _t in moves.postings}
    changes = {
        "posting_closed": closed_postings,
        "posting_created": created_postings,
        "candidates": candidates,
        "secondment_closed": closed_secondments,
        "secondment_created": created_secondments,
        "grants": grants,
        "max_ids": {
            "posting": _max_id(Posting),
            "secondment": _max_id(Secondment),
            "event": _max_id(StageEvent),
        },
        "carried_rows": {
            "postings": {
                str(p.pk): snapshot(p) for p in Posting.objects.filter(pk__in=created_postings)
            },
            "secondments": {
                str(x.pk): snapshot(x)
                for x in Secondment.objects.filter(pk__in=created_secondments)
            },
            "grants": {
                str(g.pk): snapshot(g, ["unit", "role", "sensitive", "user"])
                for g in Grant.objects.filter(pk__in=[g[0] for g in grants])
            },
            "left": {
                str(pk): left.isoformat() if left else None
                for pk, left in Membership.objects.filter(pk__in=memberships).values_list(
                    "pk", "left_date"
                )
            },
        },
    }
    said = {
        "postings": said_postings,
        "candidates": said_candidates,
        "secondments": said_secondments,
        "grants": said_grants,
        "handovers": said_handovers,
    }
    return changes, said


def _apply(
    actor: Actor,
    request: Request,
    preview: Preview,
    moves: Moves,
    *,
    reason: str,
    document: str,
    split_weight: str,
    target_values: TargetValues | None,
) -> Restructure:
    on = request.on
    plan = preview.plan
    restructure = Restructure.objects.create(
        kind=request.kind,
        effective_on=on,
        reason=reason.strip(),
        document=document.strip(),
        source_codes=list(request.sources),
        target_codes=list(request.targets),
        params={
            "name": request.name,
            "kind_key": request.kind_key,
            "mapping": dict(request.mapping),
            "split_weight": split_weight,
            "target_values": {":".join(map(str, k)): v for k, v in (target_values or {}).items()},
        },
        applied_by=actor.name,
        applied_at=timezone.now(),
        changes={},
    )
    closed_units: list[list[Any]] = []
    created_units: list[int] = []
    closed_places: list[list[Any]] = []
    created_places: list[int] = []
    # The units that keep their kind are moved in bulk (a reform moves hundreds); a change
    # of kind goes through `unit_version_save` after the move.
    moved_units = units_move(
        actor=actor,
        on=on,
        moves={s.code: (s.parent, s.name) for s in plan.units if s.kind == s.was_kind},
    )
    for step in plan.units:
        if step.code in moved_units:
            was, end, new = moved_units[step.code]
            closed_units.append([was.pk, end.isoformat() if end else None])
            created_units.append(new.pk)
            continue
        current = UnitVersion.objects.valid_on(on).get(unit__code=step.code)
        closed_units.append(
            [current.pk, current.valid_to.isoformat() if current.valid_to else None]
        )
        new = unit_move(
            actor=actor, code=step.code, new_parent_code=step.parent, on=on, name=step.name
        )
        new = unit_version_save(
            actor=actor,
            code=step.code,
            name=new.name,
            kind=step.kind,
            parent_code=step.parent,
            valid_from=on,
            valid_to=new.valid_to,
            can_admit=new.can_admit,
            area_flags=new.area_flags,
            admin_code=new.admin_code,
            latitude=new.latitude,
            longitude=new.longitude,
        )
        created_units.append(new.pk)
    moved_places = places_move(
        actor=actor,
        on=on,
        moves={s.code: s.unit for s in plan.places},
        relink={s.code: dict(s.cells) for s in plan.places if s.cells},
    )  # read and written in bulk: a reform moves thousands
    for place_step in plan.places:
        was_place, ended, new_place = moved_places[place_step.code]
        closed_places.append([was_place.pk, ended.isoformat() if ended else None])
        created_places.append(new_place.pk)
    carried, said = _carry(actor, restructure, moves)
    closed = units_close(actor=actor, last_day=on - dt.timedelta(days=1), codes=plan.closes)
    for code in plan.closes:
        was_unit, was_end = closed[code]
        closed_units.append([was_unit.pk, was_end.isoformat() if was_end else None])
    moved_codes = sorted({s.code for s in plan.units} | set(plan.closes) | set(request.targets))
    changes = {
        "unit_closed": closed_units,
        "unit_created": created_units,
        "place_closed": closed_places,
        "place_created": created_places,
        # What the new versions were when made: undo refuses once any of them changed.
        "created_rows": {
            "units": {
                str(v.pk): _version_row(v) for v in UnitVersion.objects.filter(pk__in=created_units)
            },
            "places": {
                str(v.pk): _version_row(v)
                for v in PlaceVersion.objects.filter(pk__in=created_places)
            },
        },
        "codes": moved_codes,
        **carried,
    }
    if preview.targets is not None:  # through the targets services, before the audit entry
        changes["targets"] = targets_apply(
            actor=actor,
            restructure_id=restructure.pk,
            document=restructure.document,
            carry=preview.targets,
        )
    restructure.changes = changes
    restructure.save(update_fields=["changes"])
    touched = {*request.sources, *request.targets, *request.mapping, *moved_codes}
    RestructureUnit.objects.bulk_create(
        RestructureUnit(restructure=restructure, unit_id=pk)
        for pk in Unit.objects.filter(code__in=touched).values_list("pk", flat=True)
    )
    audit_record(
        actor,
        "ranks.restructure.applied",
        object_type="restructure",
        object_id=restructure.pk,
        after={
            "kind": request.kind,
            "effective_on": on.isoformat(),
            "reason": restructure.reason,
            "document": restructure.document,
            "sources": list(request.sources),
            "targets": list(request.targets),
            "params": restructure.params,
            "units": [
                {
                    "code": s.code,
                    "parent": s.parent,
                    "name": s.name,
                    "kind": s.kind,
                    "was_parent": s.was_parent,
                    "was_name": s.was_name,
                    "was_kind": s.was_kind,
                }
                for s in plan.units
            ],  # fmt: skip
            "places": [
                {
                    "code": s.code,
                    "unit": s.unit,
                    "was_unit": s.was_unit,
                    "cells": [list(link) for link in s.cells],
                }
                for s in plan.places
            ],
            "closed": list(plan.closes),
            "carried": said,
            "versions": {
                k: v for k, v in changes.items() if k not in ("created_rows", "carried_rows")
            },
        },
    )
    return restructure


def _since(restructure: Restructure) -> list[str]:
    """What was recorded on the restructure's versions since it was applied, worded."""
    on = restructure.effective_on
    changes = restructure.changes
    found: list[str] = []
    rows = changes.get("created_rows", {})
    created_units = UnitVersion.objects.filter(pk__in=changes["unit_created"]).select_related(
        "unit"
    )
    by_pk = {v.pk: v for v in created_units}
    for pk in changes["unit_created"]:
        version = by_pk.get(pk)
        kept = rows.get("units", {}).get(str(pk))
        if version is None or _version_row(version) != kept:
            unit_id = version.unit_id if version else int((kept or {}).get("unit_id") or 0)
            code = Unit.objects.filter(pk=unit_id).values_list("code", flat=True).first() or "?"
            found.append(
                _("the version of %(code)s from %(day)s has changed")
                % {"code": code, "day": written(on)}
            )
    closed_ids = [pk for pk, _end in changes["unit_closed"]]
    closed = UnitVersion.objects.filter(pk__in=closed_ids).select_related("unit")
    closed_by_pk = {v.pk: v for v in closed}
    units = {v.unit_id: v.unit.code for v in closed}
    for pk, _end in changes["unit_closed"]:
        version = closed_by_pk.get(pk)
        if version is None or version.valid_to != on - dt.timedelta(days=1):
            found.append(_("an earlier version closed by the restructure has changed"))
    later = UnitVersion.objects.filter(unit_id__in=list(units), valid_from__gte=on).exclude(
        pk__in=changes["unit_created"]
    )
    for version in later.select_related("unit"):
        found.append(
            _("%(code)s has a version from %(day)s")
            % {"code": version.unit.code, "day": written(version.valid_from)}
        )
    created_places = PlaceVersion.objects.filter(pk__in=changes["place_created"]).select_related(
        "place"
    )
    place_by_pk = {v.pk: v for v in created_places}
    for pk in changes["place_created"]:
        pv = place_by_pk.get(pk)
        if pv is None or _version_row(pv) != rows.get("places", {}).get(str(pk)):
            found.append(_("a place moved by the restructure has changed since"))
    closed_places = PlaceVersion.objects.filter(pk__in=[pk for pk, _e in changes["place_closed"]])
    place_ids = set()
    for pv in closed_places:
        place_ids.add(pv.place_id)
        if pv.valid_to != on - dt.timedelta(days=1):
            found.append(_("a place moved by the restructure has changed since"))
    later_places = PlaceVersion.objects.filter(place_id__in=place_ids, valid_from__gte=on).exclude(
        pk__in=changes["place_created"]
    )
    for pv in later_places.select_related("place"):
        found.append(
            _("the place %(code)s has a version from %(day)s")
            % {"code": pv.place.code, "day": written(pv.valid_from)}
        )
    return list(dict.fromkeys(found))


def _carried_since(restructure: Restructure) -> list[str]:
    """What was recorded since the restructure on the records it carried, or in the cells it
    carried them to, worded."""
    changes = restructure.changes
    if "posting_created" not in changes:  # applied before restructures carried people
        return []
    last = restructure.effective_on - dt.timedelta(days=1)
    rows, most = changes["carried_rows"], changes["max_ids"]
    found: list[str] = []
    created = {p.pk: p for p in Posting.objects.filter(pk__in=changes["posting_created"])}
    names = dict(
        Posting.objects.filter(
            pk__in=changes["posting_created"] + [pk for pk, _e in changes["posting_closed"]]
        ).values_list("person_id", "person__person_id")
    )
    for pk in changes["posting_created"]:
        posting = created.get(pk)
        if posting is None or snapshot(posting) != rows["postings"].get(str(pk)):
            person = rows["postings"].get(str(pk), {}).get("person_id")
            found.append(
                _("the posting of %(person)s carried by the restructure has changed")
                % {"person": names.get(person, person)}
            )
    for posting in Posting.objects.filter(pk__in=[pk for pk, _e in changes["posting_closed"]]):
        if posting.valid_to != last:
            found.append(
                _("the posting of %(person)s closed by the restructure has changed")
                % {"person": names.get(posting.person_id, posting.person_id)}
            )
    for pk, left in Membership.objects.filter(pk__in=[int(k) for k in rows["left"]]).values_list(
        "pk", "left_date"
    ):
        if (left.isoformat() if left else None) != rows["left"][str(pk)]:
            found.append(_("a member carried by the restructure has left since"))
    cells = {t for _c, _f, t in changes["candidates"]}
    cells |= {p.cell_id for p in created.values()}
    memberships = {p.membership_id for p in created.values()}
    later = (
        Posting.objects.filter(pk__gt=most["posting"])
        .filter(Q(cell_id__in=cells) | Q(membership_id__in=memberships))
        .select_related("cell")
    )
    for posting in later:
        found.append(
            _("a member posting in %(code)s was recorded from %(day)s")
            % {"code": posting.cell.code, "day": written(posting.valid_from)}
        )
    moved = {c.pk: c for c in Candidate.objects.filter(
        pk__in=[pk for pk, _f, _t in changes["candidates"]]
    ).select_related("person")}  # fmt: skip
    for pk, _was, cell in changes["candidates"]:
        candidate = moved.get(pk)
        if candidate is None or candidate.cell_id != cell:
            found.append(_("a candidate carried by the restructure has moved since"))
    events = StageEvent.objects.filter(pk__gt=most["event"], candidate_id__in=list(moved))
    for event in events.select_related("candidate__person"):
        found.append(
            _("a step of %(person)s was recorded on %(day)s")
            % {"person": event.candidate.person.person_id, "day": written(event.date)}
        )
    seconded = {x.pk: x for x in Secondment.objects.filter(pk__in=changes["secondment_created"])}
    for pk in changes["secondment_created"]:
        secondment = seconded.get(pk)
        if secondment is None or snapshot(secondment) != rows["secondments"].get(str(pk)):
            found.append(_("a secondment carried by the restructure has changed"))
    for secondment in Secondment.objects.filter(
        pk__in=[pk for pk, _e in changes["secondment_closed"]]
    ):
        if secondment.to_date != last:
            found.append(_("a secondment carried by the restructure has changed"))
    if Secondment.objects.filter(pk__gt=most["secondment"], cell_id__in=cells).exists():
        found.append(_("a secondment was recorded in a cell the restructure carried people to"))
    grants = {g.pk: g for g in Grant.objects.filter(pk__in=[g[0] for g in changes["grants"]])}
    for pk, _was, _unit in changes["grants"]:
        grant = grants.get(pk)
        kept = rows["grants"].get(str(pk))
        if grant is None or snapshot(grant, ["unit", "role", "sensitive", "user"]) != kept:
            found.append(_("a grant moved by the restructure has changed"))
    return found


def restructure_undo(*, actor: Actor, restructure_id: int) -> Restructure:
    """Delete what the restructure created and restore what it closed, while nothing has been
    recorded on them since."""
    with transaction.atomic():
        restructure = Restructure.objects.select_for_update().filter(pk=restructure_id).first()
        if restructure is None:
            raise DomainError(_("No such restructure."))
        try:
            _check_access(
                actor,
                set(restructure.source_codes)
                | set(restructure.target_codes)
                | set((restructure.params.get("mapping") or {}).values()),
            )
        except DomainError:
            raise DomainError(_("No such restructure.")) from None
        if restructure.status != RestructureStatus.APPLIED:
            raise DomainError(_("This restructure has already been undone."))
        since = list(
            dict.fromkeys(
                _since(restructure)
                + _carried_since(restructure)
                + targets_since(restructure.changes)
            )
        )
        if since:
            raise DomainError(
                _("The restructure cannot be undone: since it was applied, %(what)s.")
                % {"what": "; ".join(since)}
            )
        changes = restructure.changes
        unit_pks = changes["unit_created"] + [pk for pk, _e in changes["unit_closed"]]
        unit_ids = list(
            UnitVersion.objects.filter(pk__in=unit_pks).values_list("unit_id", flat=True)
        )
        place_pks = changes["place_created"] + [pk for pk, _e in changes["place_closed"]]
        place_versions = PlaceVersion.objects.filter(pk__in=place_pks)
        place_ids = list(place_versions.values_list("place_id", flat=True))
        cell_ids = list(
            PlaceVersion.cells.through.objects.filter(placeversion_id__in=place_pks).values_list(
                "unit_id", flat=True
            )
        )
        before = {
            "units": [snapshot(v) for v in UnitVersion.objects.filter(pk__in=unit_pks)],
            "places": [_version_row(v) for v in place_versions],
        }
        created_postings = Posting.objects.filter(pk__in=changes.get("posting_created", []))
        memberships = list(created_postings.values_list("membership_id", flat=True))
        candidates = changes.get("candidates", [])
        cell_ids += [c for _pk, was, now in candidates for c in (was, now)]
        cell_ids += list(created_postings.values_list("cell_id", flat=True))
        cell_ids += list(
            Posting.objects.filter(
                pk__in=[pk for pk, _e in changes.get("posting_closed", [])]
            ).values_list("cell_id", flat=True)
        )
        people = list(
            Candidate.objects.filter(pk__in=[pk for pk, _w, _n in candidates]).values_list(
                "person_id", flat=True
            )
        )
        handovers = [
            {"candidate": h.candidate_id, "from": h.from_unit_id, "to": h.to_unit_id}
            for h in Handover.objects.filter(restructure=restructure)
        ]
        with moving(
            units=unit_ids,
            places=place_ids,
            cells=cell_ids,
            memberships=memberships,
            candidacies=people,
        ):
            created_postings.delete()
            for pk, end in changes.get("posting_closed", []):
                Posting.objects.filter(pk=pk).update(
                    valid_to=dt.date.fromisoformat(end) if end else None
                )
            for pk, was, _now in candidates:
                Candidate.objects.filter(pk=pk).update(cell_id=was)
            Secondment.objects.filter(pk__in=changes.get("secondment_created", [])).delete()
            for pk, end in changes.get("secondment_closed", []):
                Secondment.objects.filter(pk=pk).update(
                    to_date=dt.date.fromisoformat(end) if end else None
                )
            for pk, was, _now in changes.get("grants", []):
                Grant.objects.filter(pk=pk).update(unit_id=was)
            Handover.objects.filter(restructure=restructure).delete()
            PlaceVersion.objects.filter(pk__in=changes["place_created"]).delete()
            for pk, end in changes["place_closed"]:
                PlaceVersion.objects.filter(pk=pk).update(
                    valid_to=dt.date.fromisoformat(end) if end else None
                )
            UnitVersion.objects.filter(pk__in=changes["unit_created"]).delete()
            for pk, end in changes["unit_closed"]:
                UnitVersion.objects.filter(pk=pk).update(
                    valid_to=dt.date.fromisoformat(end) if end else None
                )
        targets = targets_undo(actor=actor, restructure_id=restructure.pk, changes=changes)
        restructure.status = RestructureStatus.UNDONE
        restructure.undone_by = actor.name
        restructure.undone_at = timezone.now()
        restructure.save(update_fields=["status", "undone_by", "undone_at"])
        audit_record(
            actor,
            "ranks.restructure.undone",
            object_type="restructure",
            object_id=restructure.pk,
            before=before,
            after={
                "units": [
                    snapshot(v)
                    for v in UnitVersion.objects.filter(
                        pk__in=[pk for pk, _e in changes["unit_closed"]]
                    )
                ],
                "places": [
                    _version_row(v)
                    for v in PlaceVersion.objects.filter(
                        pk__in=[pk for pk, _e in changes["place_closed"]]
                    )
                ],
                "deleted": {
                    "unit_versions": changes["unit_created"],
                    "place_versions": changes["place_created"],
                    "postings": changes.get("posting_created", []),
                    "secondments": changes.get("secondment_created", []),
                    "handovers": handovers,
                },
                "restored": {
                    "postings": changes.get("posting_closed", []),
                    "secondments": changes.get("secondment_closed", []),
                    "candidates": [[pk, was] for pk, was, _n in candidates],
                    "grants": [[pk, was] for pk, was, _n in changes.get("grants", [])],
                },
                "targets": targets,
            },
        )
    return restructure
