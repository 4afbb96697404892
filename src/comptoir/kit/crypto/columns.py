"""Encrypted columns for SQLAlchemy models, invisible to the services that use them.

A model declares::

    class Person(IdMixin, Base):
        email: Mapped[str | None] = encrypted_column(subject_type="person")
        email_index: Mapped[bytes | None] = blind_index_column("email", kind="email")

    class Address(IdMixin, Base):
        person_id: Mapped[uuid.UUID]
        street: Mapped[str | None] = encrypted_column(subject_type="person", subject="person_id")

and services read and write ``person.email`` as a plain string. How it works:

* The column stores ciphertext only. Its type refuses a plain string on the way to the
  database, so cleartext can never be written by mistake (a bulk ``UPDATE``, a ``WHERE``).
* Before each flush, every changed encrypted attribute is sealed: encrypted with the
  subject's data key, bound to (table, column, row id, key version), and replaced by a
  :class:`SealedStr`, a ``str`` equal to the plaintext that also carries its ciphertext.
  Blind indexes of changed values are computed at the same moment.
* When rows are loaded (or refreshed), the ciphertexts are decrypted with the subject's key
  and the attributes hold the plaintext. If that key was destroyed, the attribute reads
  ``None`` and :func:`is_erased` says so; this never raises. A ciphertext that does not
  authenticate where it is read (tampered, or moved from another row or column) raises
  :class:`CiphertextError`.

Query entities, not bare columns: ``select(Person.email)`` returns the raw :class:`Ciphertext`.
Look a value up through its blind index: ``where(Person.email_index == blind_index(
Person.email_index, "Ada@example.com"))``.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy import LargeBinary, Text, event, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    InstanceState,
    Mapper,
    QueryContext,
    Session,
    UOWTransaction,
    mapped_column,
)
from sqlalchemy.orm.attributes import InstrumentedAttribute, flag_modified, set_committed_value
from sqlalchemy.orm.properties import ColumnProperty
from sqlalchemy.types import TypeDecorator, TypeEngine

from comptoir.kit.crypto.blind_index import NORMALISERS, compute_blind_index
from comptoir.kit.crypto.cipher import (
    CiphertextError,
    FieldContext,
    decrypt_field,
    encrypt_field,
    key_version_of,
)
from comptoir.kit.crypto.keyring import current_keyring
from comptoir.kit.crypto.service import data_key_for_reading, data_key_for_writing

ENCRYPTED_INFO: Final = "comptoir.encrypted"
BLIND_INDEX_INFO: Final = "comptoir.blind_index"
_ERASED_INFO: Final = "comptoir.erased"
BLIND_INDEX_BYTES: Final = 32


class CleartextRefused(ValueError):
    """A plain value was about to reach an encrypted column."""


class Ciphertext(bytes):
    """A value as stored in an encrypted column, before decryption."""


class SealedStr(str):
    """A plaintext ``str`` that also carries its ciphertext for one place (the flush writes
    the ciphertext). Equal to, and usable as, the plain string."""

    ciphertext: bytes
    sealed_for: tuple[str, str, uuid.UUID, str, uuid.UUID]

    def __new__(
        cls, value: str, ciphertext: bytes, sealed_for: tuple[str, str, uuid.UUID, str, uuid.UUID]
    ) -> SealedStr:
        sealed = super().__new__(cls, value)
        sealed.ciphertext = ciphertext
        sealed.sealed_for = sealed_for
        return sealed


class EncryptedType(TypeDecorator[Any]):
    """Ciphertext storage: raw bytes (``bytea`` / BLOB) or base64 text."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, encoding: Literal["bytes", "base64"] = "bytes") -> None:
        super().__init__()
        self.encoding = encoding

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(Text() if self.encoding == "base64" else LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, SealedStr):
            raw = value.ciphertext
        elif isinstance(value, Ciphertext):
            raw = bytes(value)
        else:
            raise CleartextRefused("an encrypted column only accepts sealed values")
        return base64.b64encode(raw).decode("ascii") if self.encoding == "base64" else raw

    def process_result_value(self, value: Any, dialect: Dialect) -> Ciphertext | None:
        if value is None:
            return None
        if self.encoding == "base64":
            try:
                return Ciphertext(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError) as exc:
                raise CiphertextError("stored value is not base64") from exc
        return Ciphertext(bytes(value))


@dataclass(frozen=True, slots=True)
class EncryptedField:
    """What an encrypted column knows: whose key encrypts it."""

    subject_type: str
    subject: str  # "self" (the row's own id) or the attribute holding the subject's id


@dataclass(frozen=True, slots=True)
class BlindIndexField:
    source: str
    kind: str


def encrypted_column(
    *,
    subject_type: str,
    subject: str = "self",
    encoding: Literal["bytes", "base64"] = "bytes",
    **kwargs: Any,
) -> Any:
    """A column holding a personal ``str`` encrypted under its subject's data key.

    ``subject="self"``: the row is the subject (its ``id``); otherwise the name of the
    attribute holding the subject's id (``"customer_id"``). ``subject_type`` names the kind
    of subject, the same in every table that holds that subject's data.
    """
    return mapped_column(
        EncryptedType(encoding),
        nullable=True,
        info={ENCRYPTED_INFO: EncryptedField(subject_type=subject_type, subject=subject)},
        **kwargs,
    )


def blind_index_column(source: str, *, kind: str = "text", **kwargs: Any) -> Any:
    """The blind index of the encrypted attribute ``source`` (``kind``: ``email``,
    ``phone`` or ``text``), kept up to date at each flush and indexed for lookups."""
    if kind not in NORMALISERS:
        raise ValueError(f"unknown blind index kind {kind!r}")
    kwargs.setdefault("index", True)
    return mapped_column(
        LargeBinary(BLIND_INDEX_BYTES),
        nullable=True,
        info={BLIND_INDEX_INFO: BlindIndexField(source=source, kind=kind)},
        **kwargs,
    )


def blind_index(attribute: InstrumentedAttribute[Any], value: str) -> bytes:
    """The blind index to compare ``attribute`` (a blind-index column) with, for ``value``."""
    spec = _column_info(attribute.property, BLIND_INDEX_INFO)
    if not isinstance(spec, BlindIndexField):
        raise TypeError(f"{attribute} is not a blind-index column")
    return compute_blind_index(current_keyring().blind_index_key, spec.kind, value)


def is_erased(instance: object, key: str) -> bool:
    """Whether ``instance.<key>`` reads ``None`` because its subject's key was destroyed."""
    state: InstanceState[Any] = inspect(instance)
    return key in state.info.get(_ERASED_INFO, set())


# -- the mapping's encrypted attributes ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Encrypted:
    key: str
    table: str
    column: str
    spec: EncryptedField


@dataclass(frozen=True, slots=True)
class _Indexed:
    key: str
    spec: BlindIndexField


@dataclass(frozen=True, slots=True)
class _ModelSpec:
    encrypted: tuple[_Encrypted, ...]
    indexed: tuple[_Indexed, ...]


_specs: dict[Mapper[Any], _ModelSpec] = {}


def _column_info(prop: Any, name: str) -> object:
    if not isinstance(prop, ColumnProperty) or not prop.columns:
        return None
    return prop.columns[0].info.get(name)


@event.listens_for(Mapper, "mapper_configured")
def _collect(mapper: Mapper[Any], _class: type) -> None:
    encrypted: list[_Encrypted] = []
    indexed: list[_Indexed] = []
    for prop in mapper.column_attrs:
        spec = _column_info(prop, ENCRYPTED_INFO)
        if isinstance(spec, EncryptedField):
            column = prop.columns[0]
            table = getattr(column.table, "name", "")
            encrypted.append(_Encrypted(prop.key, table, str(column.name), spec))
        index = _column_info(prop, BLIND_INDEX_INFO)
        if isinstance(index, BlindIndexField):
            indexed.append(_Indexed(prop.key, index))
    if encrypted or indexed:
        _specs[mapper] = _ModelSpec(tuple(encrypted), tuple(indexed))
        event.listen(mapper, "load", _on_load)
        event.listen(mapper, "refresh", _on_refresh)


def _subject_id(instance: object, field: _Encrypted) -> uuid.UUID:
    name = "id" if field.spec.subject == "self" else field.spec.subject
    value = getattr(instance, name)
    if not isinstance(value, uuid.UUID):
        raise ValueError(f"{type(instance).__name__}.{name} must be set to encrypt {field.key}")
    return value


def _row_id(instance: object) -> uuid.UUID:
    value = getattr(instance, "id", None)
    if not isinstance(value, uuid.UUID):
        raise ValueError(f"{type(instance).__name__} needs its id before encrypting")
    return value


# -- sealing at flush ---------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _seal_before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    for instance in [*session.new, *session.dirty]:
        state: InstanceState[Any] = inspect(instance)
        spec = _specs.get(state.mapper)
        if spec is None:
            continue
        changed = {attr.key for attr in state.attrs if attr.history.added}
        for field in spec.encrypted:
            subject_moved = field.spec.subject != "self" and field.spec.subject in changed
            if field.key in changed or subject_moved:
                _seal(session, instance, field)
        for index in spec.indexed:
            if index.spec.source in changed:
                value = getattr(instance, index.spec.source)
                digest = (
                    None
                    if value is None
                    else compute_blind_index(
                        current_keyring().blind_index_key, index.spec.kind, str(value)
                    )
                )
                setattr(instance, index.key, digest)


def _seal(session: Session, instance: object, field: _Encrypted) -> None:
    value = getattr(instance, field.key)
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"{field.key}: an encrypted column holds text, not {type(value)}")
    row_id = _row_id(instance)
    subject_id = _subject_id(instance, field)
    place = (field.table, field.column, row_id, field.spec.subject_type, subject_id)
    if isinstance(value, SealedStr) and value.sealed_for == place:
        return
    data_key = data_key_for_writing(session, field.spec.subject_type, subject_id)
    context = FieldContext(field.table, field.column, row_id)
    ciphertext = encrypt_field(data_key.key, data_key.version, context, value.encode("utf-8"))
    setattr(instance, field.key, SealedStr(str(value), ciphertext, place))
    # Re-sealing an unchanged value (its subject moved) must still be written.
    flag_modified(instance, field.key)
    _erased(instance).discard(field.key)


# -- opening at load ----------------------------------------------------------------------


def _erased(instance: object) -> set[str]:
    state: InstanceState[Any] = inspect(instance)
    erased: set[str] = state.info.setdefault(_ERASED_INFO, set())
    return erased


def _on_load(instance: object, context: QueryContext) -> None:
    _open(instance, None)


def _on_refresh(instance: object, _context: QueryContext | None, attrs: Any) -> None:
    _open(instance, None if attrs is None else set(attrs))


def _open(instance: object, only: set[str] | None) -> None:
    state: InstanceState[Any] = inspect(instance)
    spec = _specs.get(state.mapper)
    session = state.session
    if spec is None or session is None:
        return
    for field in spec.encrypted:
        if only is not None and field.key not in only:
            continue
        stored = instance.__dict__.get(field.key)
        if not isinstance(stored, Ciphertext):
            continue
        set_committed_value(instance, field.key, _decrypt(session, instance, field, stored))


def _decrypt(session: Session, instance: object, field: _Encrypted, stored: bytes) -> str | None:
    key = data_key_for_reading(
        session, field.spec.subject_type, _subject_id(instance, field), key_version_of(stored)
    )
    if key is None:
        _erased(instance).add(field.key)
        return None
    _erased(instance).discard(field.key)
    context = FieldContext(field.table, field.column, _row_id(instance))
    return decrypt_field(key, context, stored).decode("utf-8")
