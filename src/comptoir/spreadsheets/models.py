"""An uploaded spreadsheet waiting to be applied, with the report of its dry run and, once
applied, of its real run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType


class Upload(IdMixin, TimestampMixin, Base):
    """``status``: checked (dry run done) -> queued -> applied | refused | failed.

    ``report``: ``{"outcomes": {...}, "issues": [{"line", "column", "fr", "en"}]}``.
    """

    __tablename__ = "spreadsheets_uploads"

    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    location_code: Mapped[str | None] = mapped_column(String(32), default=None)
    price_list_code: Mapped[str | None] = mapped_column(String(50), default=None)
    all_or_nothing: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="checked")
    total_rows: Mapped[int] = mapped_column(default=0)
    report: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
