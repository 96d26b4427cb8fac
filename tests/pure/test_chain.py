"""The audit chain: each entry's hash covers its content and the hash before it."""

import pytest

from ranks.core.chain import GENESIS, HASHED_FIELDS, Break, entry_hash, first_break


def make_chain(n):
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        entry = {
            "seq": seq,
            "at": f"2025-07-01T08:00:0{seq % 10}+00:00",
            "actor": "alice",
            "channel": "web",
            "action": "ranks.org.unit.version_created",
            "object_type": "unit",
            "object_id": f"U{seq}",
            "before": None,
            "after": {"name": f"Chi bộ {seq}", "valid_from": "2025-07-01"},
            "prev_hash": prev,
        }
        entry["hash"] = entry_hash(entry)
        prev = entry["hash"]
        entries.append(entry)
    return entries


def verify(entries, head=None):
    head_seq, head_hash = head or (5, CHAIN[-1]["hash"])
    return first_break(entries, head_seq=head_seq, head_hash=head_hash)


CHAIN = make_chain(5)


def test_hash_is_sha256_hex_and_ignores_key_order_and_extra_fields():
    entry = CHAIN[0]
    reordered = {name: entry[name] for name in reversed(HASHED_FIELDS)}
    assert entry_hash(reordered) == entry["hash"]
    assert entry_hash({**entry, "id": 99}) == entry["hash"]
    assert len(entry["hash"]) == 64 and int(entry["hash"], 16) >= 0


@pytest.mark.parametrize("name", HASHED_FIELDS)
def test_every_hashed_field_changes_the_hash(name):
    entry = CHAIN[1]
    assert entry_hash({**entry, name: "changed"}) != entry["hash"]


def test_an_intact_chain_has_no_break():
    assert verify(CHAIN) is None
    assert first_break([], head_seq=0, head_hash=GENESIS) is None


def test_altered_content_is_caught_at_that_entry():
    entries = [dict(e) for e in CHAIN]
    entries[2]["after"] = {"name": "Forged", "valid_from": "2025-07-01"}
    assert verify(entries) == Break(3, "altered")


def test_a_rehashed_forgery_is_caught_at_the_next_entry():
    entries = [dict(e) for e in CHAIN]
    entries[2]["actor"] = "mallory"
    entries[2]["hash"] = entry_hash(entries[2])
    assert verify(entries) == Break(4, "altered")


def test_a_deleted_entry_is_missing():
    entries = [e for e in CHAIN if e["seq"] != 2]
    assert verify(entries) == Break(2, "missing")


def test_deleted_newest_entries_are_caught_by_the_head():
    assert verify(CHAIN[:3]) == Break(4, "truncated")
    assert first_break([], head_seq=5, head_hash=CHAIN[-1]["hash"]) == Break(1, "truncated")


def test_a_head_that_does_not_match_the_last_hash_is_truncation():
    assert verify(CHAIN, head=(5, "f" * 64)) == Break(6, "truncated")
