"""Test-only tables holding personal values, on their own metadata (never migrated)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Connection, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from comptoir.kit.crypto import blind_index_column, encrypted_column
from comptoir.kit.db.base import IdMixin
from comptoir.kit.db.types import UTCDateTime, UUIDType


class SampleBase(DeclarativeBase):
    metadata = MetaData()
    type_annotation_map: ClassVar[dict[Any, Any]] = {uuid.UUID: UUIDType(), datetime: UTCDateTime()}


class Person(IdMixin, SampleBase):
    __tablename__ = "sample_people"

    name: Mapped[str | None] = encrypted_column(subject_type="test_person")
    email: Mapped[str | None] = encrypted_column(subject_type="test_person", encoding="base64")
    email_index: Mapped[bytes | None] = blind_index_column("email", kind="email")
    phone: Mapped[str | None] = encrypted_column(subject_type="test_person")
    phone_index: Mapped[bytes | None] = blind_index_column("phone", kind="phone")
    nickname: Mapped[str | None] = mapped_column(String(100))  # deliberately in clear


class Address(IdMixin, SampleBase):
    __tablename__ = "sample_addresses"

    person_id: Mapped[uuid.UUID]
    street: Mapped[str | None] = encrypted_column(subject_type="test_person", subject="person_id")


def create_test_tables(connection: Connection) -> None:
    SampleBase.metadata.create_all(connection)


def drop_test_tables(connection: Connection) -> None:
    SampleBase.metadata.drop_all(connection)
