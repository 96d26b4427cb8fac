"""Writing and verifying the audit log. Only services call `audit_record`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from ranks.core import bulk
from ranks.core.actor import Actor
from ranks.core.chain import Break, entry_hash_of_texts, entry_text_around, first_break
from ranks.core.models import AuditEntry, AuditHead


def to_json(value: Any) -> Any:
    """Plain JSON values, so that what is hashed is exactly what the database gives back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


_JSON_NATIVE = frozenset({str, int, float, bool, type(None)})
_default = DjangoJSONEncoder().default


def _plain(value: Any) -> Any:
    """`to_json(value)` without encoding and decoding: what a JSON round trip would give back."""
    kind = type(value)
    if kind in _JSON_NATIVE:
        return value
    if isinstance(value, str):  # a choice's enum member: JSON keeps its text
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(type(k) is str for k in value):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, dict):
        return to_json(value)
    return _plain(_default(value))


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model instance (foreign keys as their ids), as JSON gives
    them back. An encrypted field (core.crypto) gives its keyed hash, `hmac:…`, never its value:
    the log shows that it changed, and to whom holds the key, what it was."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        audit_value = getattr(field, "audit_value", None)
        if audit_value is not None:
            data[field.attname] = audit_value(instance)
            continue
        data[field.attname] = _plain(field.value_from_object(instance))
    return data


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


# A chained entry before it is written: the columns of AuditEntry, before and after as JSON text.
ENTRY_COLUMNS = (
    "seq",
    "at",
    "actor",
    "channel",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "prev_hash",
    "hash",
)
Entry = tuple[int, Any, str, str, str, str, str, str, str, str, str]


@dataclass
class _Batch:
    """The chain of an import in progress: the head is locked once and written once."""

    head: AuditHead
    seq: int
    prev: str
    pending: list[Entry] = dataclass_field(default_factory=list)

    def mark(self) -> tuple[int, str, int]:
        return self.seq, self.prev, len(self.pending)

    def restore(self, mark: tuple[int, str, int]) -> None:
        self.seq, self.prev, kept = mark
        del self.pending[kept:]


_batch: ContextVar[_Batch | None] = ContextVar("ranks_audit_batch", default=None)


def _has_plain_keys(value: Any) -> bool:
    """Whether every mapping inside `value` is keyed by strings (then sorting the keys before or
    after encoding them gives the same order)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if type(key) is not str:
                return False
            if isinstance(inner, (dict, list, tuple)) and not _has_plain_keys(inner):
                return False
        return True
    if isinstance(value, (list, tuple)):
        return all(_has_plain_keys(v) for v in value if isinstance(v, (dict, list, tuple)))
    return not isinstance(value, Mapping)


_encode = DjangoJSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode


def _canonical(value: Any) -> str:
    """The canonical JSON text of a change's before or after, as the hash and the table get it."""
    if value is None:
        return "null"
    if not _has_plain_keys(value):
        value = to_json(value)
    return _encode(value)


def _chain(actor: Actor, changes: list[Change], seq: int, prev: str) -> list[Entry]:
    at = timezone.now()
    at_text = at.isoformat()
    name, channel = actor.name, actor.channel
    rows: list[Entry] = []
    for change in changes:
        seq += 1
        object_id = str(change.object_id)
        before_text, after_text = _canonical(change.before), _canonical(change.after)
        digest = entry_hash_of_texts(
            seq=seq,
            at=at_text,
            actor=name,
            channel=channel,
            action=change.action,
            object_type=change.object_type,
            object_id=object_id,
            before_text=before_text,
            after_text=after_text,
            prev_hash=prev,
        )
        rows.append(
            (seq, at, name, channel, change.action, change.object_type, object_id)
            + (before_text, after_text, prev, digest)
        )
        prev = digest
    return rows


def _write(rows: list[Entry]) -> None:
    """Insert chained entries: as they are by COPY on PostgreSQL, as models elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        bulk.copy_rows(AuditEntry._meta.db_table, ENTRY_COLUMNS, rows)
        return
    entries = []
    for row in rows:
        values = dict(zip(ENTRY_COLUMNS, row, strict=True))
        values["before"] = json.loads(values["before"])
        values["after"] = json.loads(values["after"])
        entries.append(AuditEntry(**values))
    bulk.insert(AuditEntry, entries)


def audit_record_many(actor: Actor, changes: Iterable[Change]) -> int:
    """Append changes to the chain inside the caller's transaction; return how many."""
    changes = list(changes)
    if not changes:
        return 0
    batch = _batch.get()
    if batch is not None:
        rows = _chain(actor, changes, batch.seq, batch.prev)
        batch.pending.extend(rows)
        batch.seq, batch.prev = rows[-1][0], rows[-1][-1]
        return len(rows)
    with transaction.atomic():
        head = _lock_head()
        rows = _chain(actor, changes, head.seq, head.hash)
        _write(rows)
        head.seq, head.hash = rows[-1][0], rows[-1][-1]
        head.save(update_fields=["seq", "hash"])
    return len(rows)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Inside the caller's transaction, chain entries in memory and write them in bulk.

    The head row is locked on entry (so writers elsewhere wait, as they would for each entry)
    and written once on a clean exit. Updating it once per entry inside one long transaction
    leaves a version of the row per entry that every later read walks past: an import of n rows
    cost n² in the database. Entries are written at `audit_flush()` and on exit; an exception
    discards them with the transaction. A nested batch joins the outer one.
    """
    if _batch.get() is not None:
        yield
        return
    head = _lock_head()
    batch = _Batch(head=head, seq=head.seq, prev=head.hash)
    token = _batch.set(batch)
    try:
        yield
        audit_flush()
        if batch.seq != head.seq:
            head.seq, head.hash = batch.seq, batch.prev
            head.save(update_fields=["seq", "hash"])
    finally:
        _batch.reset(token)


def audit_flush() -> None:
    """Write the entries chained so far in the current batch. Call it outside any savepoint that
    may still roll back (between an import's batches, not inside a row)."""
    batch = _batch.get()
    if batch is None or not batch.pending:
        return
    _write(batch.pending)
    batch.pending = []


def audit_record_sql(
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: str,
    before_sql: str,
    after_sql: str,
    params: Iterable[Any] = (),
) -> bool:
    """Append one entry whose `before` and `after` are built by the database (PostgreSQL, inside
    `audit_batch`): each of `before_sql` and `after_sql` is a query giving one row, one column,
    the canonical JSON text of the value (`chain.canonical`: sorted keys, no spaces, no escaping
    of non-ASCII), or NULL. The database hashes the entry the way `chain.entry_hash` does, so
    `audit_verify` checks it like any other. An entry whose `after` is NULL is not written;
    returns whether one was. This is how an import holds a batch of thousands of rows in one
    entry without bringing the rows into Python."""
    batch = _batch.get()
    if batch is None or connection.vendor != "postgresql":
        raise RuntimeError("audit_record_sql runs inside audit_batch, on PostgreSQL")
    audit_flush()
    at = timezone.now()
    seq = batch.seq + 1
    head, middle, tail = entry_text_around(
        seq=seq,
        at=at.isoformat(),
        actor=actor.name,
        channel=actor.channel,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        prev_hash=batch.prev,
    )
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ENTRY_COLUMNS)
    sql = f"""
        WITH payload AS MATERIALIZED (  -- each change built once, not once per use
            SELECT coalesce(({before_sql}), 'null') AS b, ({after_sql}) AS a
        ), texts AS MATERIALIZED (
            SELECT b, a, %s || a || %s || b || %s AS entry FROM payload WHERE a IS NOT NULL
        )
        INSERT INTO {table} ({columns})
        SELECT %s, %s, %s, %s, %s, %s, %s, b::jsonb, a::jsonb, %s,
               encode(sha256(convert_to(entry, 'UTF8')), 'hex')
        FROM texts
        RETURNING hash
    """
    values = [*params, head, middle, tail, seq, at, actor.name, actor.channel, action]
    values += [object_type, str(object_id), batch.prev]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    batch.seq, batch.prev = seq, row[0]
    return True


def audit_seq() -> int:
    """The last sequence number written, or chained in the current batch."""
    batch = _batch.get()
    if batch is not None:
        return batch.seq
    return AuditHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0


@contextmanager
def audit_savepoint() -> Iterator[None]:
    """A savepoint whose rollback also forgets the entries chained inside it."""
    batch = _batch.get()
    mark = batch.mark() if batch is not None else None
    try:
        with transaction.atomic():
            yield
    except BaseException:
        if batch is not None and mark is not None:
            batch.restore(mark)
        raise


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
