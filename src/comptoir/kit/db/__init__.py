"""Database access: engine, sessions that own their transaction, base model, migrations."""

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.engine import Database, create_database
from comptoir.kit.db.types import UTCDateTime, UUIDType

__all__ = [
    "Base",
    "Database",
    "IdMixin",
    "TimestampMixin",
    "UTCDateTime",
    "UUIDType",
    "create_database",
]
