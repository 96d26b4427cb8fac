"""Preview, apply and undo a restructure: all or nothing, through the org services, audited as
one act."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.audit import audit_record, snapshot
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.org.models import PlaceVersion, Unit, UnitVersion
from ranks.org.services import (
    places_move,
    unit_move,
    unit_version_save,
    units_close,
    units_move,
)
from ranks.restructure.models import Restructure, RestructureStatus, RestructureUnit
from ranks.restructure.plan import Request
from ranks.restructure.selectors import Preview, restructure_preview_of
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
    on = request.on
    with transaction.atomic():
        preview = restructure_preview_of(
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
        plan = preview.plan
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
            actor=actor, on=on, moves={s.code: s.unit for s in plan.places}
        )  # read and written in bulk: a reform moves thousands
        for place_step in plan.places:
            was_place, ended, new_place = moved_places[place_step.code]
            closed_places.append([was_place.pk, ended.isoformat() if ended else None])
            created_places.append(new_place.pk)
        closed = units_close(actor=actor, last_day=on - dt.timedelta(days=1), codes=plan.closes)
        for code in plan.closes:
            was_unit, ended = closed[code]
            closed_units.append([was_unit.pk, ended.isoformat() if ended else None])
        moved_codes = sorted({s.code for s in plan.units} | set(plan.closes) | set(request.targets))
        changes = {
            "unit_closed": closed_units,
            "unit_created": created_units,
            "place_closed": closed_places,
            "place_created": created_places,
            # What the new versions were when made: undo refuses once any of them changed.
            "created_rows": {
                "units": {
                    str(v.pk): _version_row(v)
                    for v in UnitVersion.objects.filter(pk__in=created_units)
                },
                "places": {
                    str(v.pk): _version_row(v)
                    for v in PlaceVersion.objects.filter(pk__in=created_places)
                },
            },
            "codes": moved_codes,
        }
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
                "target_values": {
                    ":".join(map(str, k)): v for k, v in (target_values or {}).items()
                },
            },
            applied_by=actor.name,
            applied_at=timezone.now(),
            changes=changes,
        )
        if preview.targets is not None:  # through the targets services, before the audit entry
            changes["targets"] = targets_apply(
                actor=actor, restructure_id=restructure.pk, document=restructure.document,
                carry=preview.targets,
            )  # fmt: skip
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
                    {"code": s.code, "unit": s.unit, "was_unit": s.was_unit} for s in plan.places
                ],
                "closed": list(plan.closes),
                "versions": {k: v for k, v in changes.items() if k != "created_rows"},
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
                _("the version of %(code)s from %(day)s has changed") % {"code": code, "day": on}
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
            % {"code": version.unit.code, "day": version.valid_from}
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
            % {"code": pv.place.code, "day": pv.valid_from}
        )
    found += targets_since(changes)
    return list(dict.fromkeys(found))


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
        since = _since(restructure)
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
        with moving(units=unit_ids, places=place_ids, cells=cell_ids):
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
                },
                "targets": targets,
            },
        )
    return restructure
