"""Pure: an entry's text built around its changes hashes exactly as `entry_hash` hashes it."""

import hashlib

import pytest

from ranks.core.chain import canonical, entry_hash, entry_hash_of_texts, entry_text_around

FIELDS = {
    "seq": 42,
    "at": "2026-12-03T13:50:01.123456+00:00",
    "actor": "os:cán bộ",
    "channel": "cli",
    "action": "ranks.people.person.imported",
    "object_type": "person",
    "object_id": 'HD-1…HD-"9"',
    "prev_hash": "ab" * 32,
}


@pytest.mark.parametrize(
    "before, after",
    [
        (None, {"HD-1": {"full_name": 'Lò Thị "Ún"\n', "id": 7, "youth_union": False}}),
        ({"a": [1, 2.5, None]}, {"a": {"z": "ư", "b": True}}),
    ],
)
def test_the_text_around_the_changes_is_the_hashed_text(before, after):
    head, middle, tail = entry_text_around(**FIELDS)
    text = head + canonical(after) + middle + canonical(before) + tail
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == entry_hash(
        {**FIELDS, "before": before, "after": after}
    )
    assert entry_hash_of_texts(
        **FIELDS, before_text=canonical(before), after_text=canonical(after)
    ) == entry_hash({**FIELDS, "before": before, "after": after})
