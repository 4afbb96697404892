"""AES-256-GCM field ciphertexts bound to where they belong.

Format (bytes): ``0x01`` (format version) | key version (4 bytes, big endian) | 96-bit random
nonce | ciphertext and 128-bit tag. The associated data binds the ciphertext to its table,
column, row id and key version: copied to another row or column, or with its key version
edited, it no longer authenticates.
"""

from __future__ import annotations

import secrets
import struct
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
_HEADER = struct.Struct(">BI")
MIN_LENGTH = _HEADER.size + NONCE_BYTES + TAG_BYTES


class CiphertextError(Exception):
    """A stored value is malformed, or does not authenticate where it was read (tampered,
    moved to another row or column, or encrypted under another key)."""


@dataclass(frozen=True, slots=True)
class FieldContext:
    """Where a value lives: it is bound to this place by the associated data."""

    table: str
    column: str
    row_id: uuid.UUID

    def associated_data(self, key_version: int) -> bytes:
        parts = [b"comptoir.field", self.table.encode(), self.column.encode(), self.row_id.bytes]
        encoded = b"".join(struct.pack(">H", len(part)) + part for part in parts)
        return encoded + struct.pack(">BI", FORMAT_VERSION, key_version)


def key_version_of(ciphertext: bytes) -> int:
    """The data key version a ciphertext was written with; raises :class:`CiphertextError`."""
    if len(ciphertext) < MIN_LENGTH:
        raise CiphertextError("ciphertext too short")
    format_version, key_version = _HEADER.unpack_from(ciphertext)
    if format_version != FORMAT_VERSION:
        raise CiphertextError(f"unknown ciphertext format {format_version}")
    return int(key_version)


def encrypt_field(key: bytes, key_version: int, context: FieldContext, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` for ``context`` under a data key (a fresh nonce each time)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = AESGCM(key).encrypt(nonce, plaintext, context.associated_data(key_version))
    return _HEADER.pack(FORMAT_VERSION, key_version) + nonce + body


def decrypt_field(key: bytes, context: FieldContext, ciphertext: bytes) -> bytes:
    """The plaintext of ``ciphertext`` read at ``context``; raises :class:`CiphertextError`
    when it does not authenticate there."""
    key_version = key_version_of(ciphertext)
    nonce = ciphertext[_HEADER.size : _HEADER.size + NONCE_BYTES]
    body = ciphertext[_HEADER.size + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, context.associated_data(key_version))
    except InvalidTag as exc:
        raise CiphertextError(
            f"ciphertext does not authenticate at {context.table}.{context.column}"
        ) from exc
