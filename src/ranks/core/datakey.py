"""The data key that encrypts the national ID at rest (core.crypto): rotating it and checking that
the stored values can be read with it. See docs/privacy.md."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from ranks.core import crypto
from ranks.core.actor import Actor
from ranks.core.audit import audit_record
from ranks.core.errors import DomainError

BATCH = 2000


@dataclass(frozen=True)
class Rotation:
    key: str  # the id of the key every value is now encrypted under
    resealed: int  # values encrypted again under it
    already: int  # values that already were
    older: list[str]  # the ids of the other keys, which no value needs any more
    dropped: bool  # whether they were taken out of var/data_key


def _full_access(actor: Actor) -> None:
    if not actor.has_full_access:
        raise DomainError(_("Rotating the data key needs full access."))


def _from_file() -> Path | None:
    path = getattr(settings, "RANKS_DATA_KEY_FILE", None)
    return None if path is None else Path(path)


def _write_keys(path: Path, keys: list[str]) -> None:
    """Replace the key file at once, readable by its owner only."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("".join(f"{key}\n" for key in keys))
    os.replace(partial, path)
    settings.RANKS_DATA_KEYS = list(keys)


def _stored(field: crypto.EncryptedCharField) -> tuple[str, str, str]:
    q = connection.ops.quote_name
    pk = field.model._meta.pk
    assert field.column is not None and pk is not None and pk.column is not None
    return q(field.model._meta.db_table), q(pk.column), q(field.column)


def data_key_rotate(*, actor: Actor, new_key: bool = False, drop_old: bool = False) -> Rotation:
    """Encrypt every stored value again under the first data key (with `new_key`, a new key made
    and put first in var/data_key before); with `drop_old`, take the other keys out of
    var/data_key afterwards. A value written meanwhile by someone else is left as they wrote
    it (under the first key too, if their server has the same keys). Audited."""
    _full_access(actor)
    path = _from_file()
    if (new_key or drop_old) and path is None:
        raise DomainError(
            _(
                "The data keys come from RANKS_DATA_KEY: put a new key first in it (`ranks "
                "datakey new` makes one) on every server, run `ranks datakey rotate`, then take "
                "the old keys out of it yourself."
            )
        )
    if new_key:
        assert path is not None
        _write_keys(path, [crypto.new_key(), *settings.RANKS_DATA_KEYS])
    ring = crypto.keyring()
    resealed = already = 0
    for field in crypto.encrypted_fields():
        table, pk, column = _stored(field)
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                after = "" if last is None else f"AND {pk} > %s"
                cursor.execute(
                    f"SELECT {pk}, {column} FROM {table} WHERE {column} <> '' {after} "
                    f"ORDER BY {pk} LIMIT {BATCH}",
                    [] if last is None else [last],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                changes = []
                for key, stored in rows:
                    if crypto.is_sealed(stored) and crypto.stored_key_id(stored) == ring.current:
                        already += 1
                        continue
                    changes.append((crypto.seal(crypto.unseal(stored)), key, stored))
                cursor.executemany(
                    f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",
                    changes,
                )
                resealed += len(changes)
    older = [i.hex() for i in ring.ids[1:]]
    if drop_old and older:
        assert path is not None
        _write_keys(path, settings.RANKS_DATA_KEYS[:1])
    rotation = Rotation(ring.current.hex(), resealed, already, older, bool(drop_old and older))
    audit_record(
        actor,
        "ranks.core.data_key.rotated",
        object_type="data_key",
        object_id=rotation.key,
        after={
            "key": rotation.key,
            "resealed": resealed,
            "already": already,
            "older_keys": older,
            "older_keys_dropped": rotation.dropped,
        },
    )
    return rotation


def data_key_check() -> str | None:
    """None when the first stored encrypted value found decrypts under the data keys here;
    else why not (the message of core.crypto.DataKeyError)."""
    for field in crypto.encrypted_fields():
        table, pk, column = _stored(field)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> '' LIMIT 1")
            row = cursor.fetchone()
        if row is None:
            continue
        try:
            crypto.unseal(row[0])
        except crypto.DataKeyError as error:
            return str(error)
    return None
