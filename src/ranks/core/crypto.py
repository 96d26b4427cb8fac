"""Personal data encrypted at rest: the national ID (docs/privacy.md).

A value is stored as `INDEX:TOKEN`, or "" when blank:

- TOKEN is the value encrypted with AES-256-GCM (authenticated: a changed byte or a wrong key
  fails, it never decrypts to something else), base64url: a version byte, the id of the data key
  it was encrypted under (4 bytes of a hash of the key, never the key), a random 96-bit nonce,
  the ciphertext and its tag.
- INDEX is a keyed blind index: the first 128 bits of HMAC-SHA256 of the value under a key
  derived from the data key, in hex. Equal values have equal indexes (so an import can tell a
  value it leaves as it was from one it changes, in SQL, without the key), and without the key
  nothing can be learned from it, not even by trying every 12-digit number. The audit log keeps
  `hmac:INDEX` in place of the value.

The data keys are `settings.RANKS_DATA_KEYS`, newest first: values are encrypted under the
first and decrypted under whichever their key id names; `ranks datakey rotate` re-encrypts them
all under the first. A value whose key is missing, or that does not decrypt, raises
DataKeyError: never a blank, never the ciphertext shown as a value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Lookup
from django.utils.translation import gettext as _

VERSION = b"\x01"
INDEX_CHARS = 32
AUDIT_PREFIX = "hmac:"
_SEALED = re.compile(r"^[0-9a-f]{32}:[A-Za-z0-9_-]+$")


class DataKeyError(ImproperlyConfigured):
    """The data key is missing, malformed, or not the one a stored value was encrypted under."""


def new_key() -> str:
    """A fresh data key: 32 random bytes, base64url (the form RANKS_DATA_KEY takes)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"ranks data key id\0" + key).digest()[:4]


@dataclass(frozen=True)
class Keyring:
    ids: tuple[bytes, ...]  # the key ids, in the order of the settings (the first encrypts)
    ciphers: dict[bytes, AESGCM]
    index_key: bytes

    @property
    def current(self) -> bytes:
        return self.ids[0]

    def names(self) -> str:
        return ", ".join(i.hex() for i in self.ids)


def _decode(text: str, number: int) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise DataKeyError(
            _(
                "Data key number %(number)d is not 32 bytes in base64url: every key of "
                "RANKS_DATA_KEY (comma-separated) or of var/data_key (one a line) must be one. "
                "Make one with `ranks datakey new`."
            )
            % {"number": number}
        )
    return raw


@lru_cache(maxsize=8)
def _keyring(texts: tuple[str, ...]) -> Keyring:
    if not texts:
        raise DataKeyError(
            _(
                "No data key: the national ID cannot be encrypted or read. Set RANKS_DATA_KEY "
                "to the key this database was encrypted under, or let Ranks write var/data_key "
                "(it could not)."
            )
        )
    keys = [_decode(text, number) for number, text in enumerate(texts, 1)]
    ids = tuple(key_id(key) for key in keys)
    # The index key is derived from the current data key, apart from the encryption key.
    index_key = hmac.digest(keys[0], b"ranks blind index v1", "sha256")
    return Keyring(ids, {i: AESGCM(k) for i, k in zip(ids, keys, strict=True)}, index_key)


def keyring() -> Keyring:
    return _keyring(tuple(settings.RANKS_DATA_KEYS))


def index(plain: str) -> str:
    """The blind index of a value under the current data key."""
    digest = hmac.digest(keyring().index_key, plain.encode(), "sha256")
    return digest[: INDEX_CHARS // 2].hex()


def seal(plain: str) -> str:
    """A value as it is stored: `INDEX:TOKEN` under the current data key, "" for blank."""
    if not plain:
        return ""
    ring = keyring()
    nonce = os.urandom(12)
    sealed = ring.ciphers[ring.current].encrypt(nonce, plain.encode(), None)
    token = base64.urlsafe_b64encode(VERSION + ring.current + nonce + sealed).rstrip(b"=")
    return f"{index(plain)}:{token.decode()}"


def is_sealed(stored: str) -> bool:
    return bool(_SEALED.match(stored))


def stored_key_id(stored: str) -> bytes:
    """The id of the key a stored value was encrypted under."""
    token = stored.partition(":")[2]
    return base64.urlsafe_b64decode(token[:8] + "=" * (-len(token[:8]) % 4))[1:5]


def unseal(stored: str) -> str:
    """The value of a stored `INDEX:TOKEN` ("" for ""); DataKeyError if it cannot be read."""
    if not stored:
        return ""
    if not is_sealed(stored):
        raise DataKeyError(
            _(
                "A national ID is stored in plain text or damaged, not encrypted: run "
                "`ranks migrate` (it encrypts the values it finds)."
            )
        )
    token = stored.partition(":")[2]
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    version, kid, nonce, sealed = raw[:1], raw[1:5], raw[5:17], raw[17:]
    ring = keyring()
    cipher = ring.ciphers.get(kid)
    if version != VERSION or cipher is None:
        raise DataKeyError(
            _(
                "A national ID was encrypted under the data key %(key)s, which is not among the "
                "data keys here (%(keys)s). Set RANKS_DATA_KEY (or var/data_key) to the keys "
                "this database was encrypted with: a restored backup needs the key of its time."
            )
            % {"key": kid.hex(), "keys": ring.names()}
        )
    try:
        return cipher.decrypt(nonce, sealed, None).decode()
    except InvalidTag as error:
        raise DataKeyError(
            _(
                "A national ID under the data key %(key)s does not decrypt: that key is not the "
                "one it was encrypted with, or the stored value was altered."
            )
            % {"key": kid.hex()}
        ) from error


def audit_value(plain: str) -> str:
    """What the audit log keeps of a value: `hmac:INDEX`, or "" for blank."""
    return f"{AUDIT_PREFIX}{index(plain)}" if plain else ""


def audit_value_sql(column: str) -> str:
    """SQL giving `audit_value` of the value stored in `column` (its index, as stored)."""
    return (
        f"CASE WHEN {column} = '' THEN '' ELSE '{AUDIT_PREFIX}' || split_part({column}, ':', 1) END"
    )


def same_value_sql(a: str, b: str) -> str:
    """SQL true when two stored columns hold the same value (or both none)."""
    return f"split_part({a}, ':', 1) IS NOT DISTINCT FROM split_part({b}, ':', 1)"


class _ByIndex(Lookup):
    """`field=value` on an encrypted field: compares the blind index, never the plain text."""

    lookup_name = "exact"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if hasattr(self.rhs, "resolve_expression"):
            raise DataKeyError("An encrypted field is compared with a value, not an expression")
        lhs, params = self.process_lhs(compiler, connection)
        if not self.rhs:
            return f"{lhs} = %s", (*params, "")
        return f"{lhs} LIKE %s", (*params, index(str(self.rhs)) + ":%")


class EncryptedCharField(models.CharField):
    """Text encrypted at rest (see the module): every ORM read decrypts it, every write (save,
    bulk_create, bulk_update, `core.bulk`) encrypts it. `max_length` is the plain value's; the
    column is text. Only `=` and `isnull` lookups work (by the blind index): nothing can sort
    or search by it."""

    description = "Text encrypted at rest"
    encrypted = True

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return value if value is None else unseal(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if value is None else seal(value)

    def audit_value(self, instance: models.Model) -> str:
        return audit_value(str(self.value_from_object(instance) or ""))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return _ByIndex
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None


def encrypted_fields() -> list[EncryptedCharField]:
    """Every encrypted field of every installed model."""
    from django.apps import apps

    return [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedCharField)
    ]
