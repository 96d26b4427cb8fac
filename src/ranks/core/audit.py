"""Writing and verifying the audit log. Only services call `audit_record`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from ranks.core.actor import Actor
from ranks.core.chain import Break, entry_hash, first_break
from ranks.core.models import AuditEntry, AuditHead


def to_json(value: Any) -> Any:
    """Plain JSON values, so that what is hashed is exactly what the database gives back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model instance (foreign keys as their ids)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.attname] = field.value_from_object(instance)
    return to_json(data)


@dataclass(frozen=True)
class Change:
    action: str
    object_type: str
    object_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


def _lock_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def audit_record_many(actor: Actor, changes: Iterable[Change]) -> int:
    """Append changes to the chain inside the caller's transaction; return how many."""
    changes = list(changes)
    if not changes:
        return 0
    with transaction.atomic():
        head = _lock_head()
        at = timezone.now()
        at_text = at.isoformat()
        seq, prev = head.seq, head.hash
        rows = []
        for change in changes:
            seq += 1
            fields = {
                "seq": seq,
                "at": at_text,
                "actor": actor.name,
                "channel": actor.channel,
                "action": change.action,
                "object_type": change.object_type,
                "object_id": str(change.object_id),
                "before": to_json(change.before),
                "after": to_json(change.after),
                "prev_hash": prev,
            }
            digest = entry_hash(fields)
            rows.append(AuditEntry(**{**fields, "at": at, "hash": digest}))
            prev = digest
        AuditEntry.objects.bulk_create(rows, batch_size=1000)
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])
    return len(rows)


def audit_record(
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: Any,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    audit_record_many(actor, [Change(action, object_type, str(object_id), before, after)])


def audit_verify() -> Break | None:
    """The first break in the stored chain, or None when it is intact."""
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "0" * 64)

    def rows():
        for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
            yield {
                "seq": entry.seq,
                "at": entry.at.isoformat(),
                "actor": entry.actor,
                "channel": entry.channel,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "before": entry.before,
                "after": entry.after,
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }

    return first_break(rows(), head_seq=head_seq, head_hash=head_hash)
