"""Pure hash-chain arithmetic of the audit log: what a row's hash is, and where a chain breaks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

GENESIS = "0" * 64

HASHED_FIELDS = (
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
)


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the hashed fields (sorted keys, no spaces)."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical(value: Any) -> str:
    """The canonical JSON text of a plain JSON value, as `entry_hash` writes it inside an entry."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_text_around(
    *,
    seq: int,
    at: str,
    actor: str,
    channel: str,
    action: str,
    object_type: str,
    object_id: str,
    prev_hash: str,
) -> tuple[str, str, str]:
    """The canonical text of an entry in three parts, to be joined around the canonical texts of
    its `after` and `before`: parts[0] + after + parts[1] + before + parts[2]. It lets a writer that
    builds the changes elsewhere (in SQL) hash exactly what `entry_hash` hashes."""
    q = encode_basestring  # what json.dumps does with a str, without its dispatch
    return (
        f'{{"action":{q(action)},"actor":{q(actor)},"after":',
        f',"at":{q(at)},"before":',
        f',"channel":{q(channel)},"object_id":{q(object_id)},'
        f'"object_type":{q(object_type)},"prev_hash":{q(prev_hash)},"seq":{int(seq)}}}',
    )


def entry_hash_of_texts(
    *,
    before_text: str,
    after_text: str,
    **fields: Any,
) -> str:
    """`entry_hash`, given `before` and `after` already as canonical text: the same bytes are
    hashed (the keys in sorted order), without encoding the changes a second time."""
    head, middle, tail = entry_text_around(**fields)
    text = head + after_text + middle + before_text + tail
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str  # altered, missing, reordered, truncated


def first_break(
    entries: Iterable[Mapping[str, Any]], *, head_seq: int, head_hash: str
) -> Break | None:
    """Walk entries in seq order; return the first place the chain does not hold, or None.

    Each entry carries the hashed fields plus `hash`. The head is the last (seq, hash) the
    writer recorded, so removing the newest rows is caught too.
    """
    expected_seq = 1
    prev = GENESIS
    for entry in entries:
        seq = entry["seq"]
        if seq != expected_seq:
            return Break(expected_seq, "missing")
        if entry["prev_hash"] != prev:
            return Break(seq, "altered")
        if entry_hash(entry) != entry["hash"]:
            return Break(seq, "altered")
        prev = entry["hash"]
        expected_seq += 1
    last_seq = expected_seq - 1
    if last_seq != head_seq or (head_seq and prev != head_hash):
        return Break(last_seq + 1, "truncated")
    return None
