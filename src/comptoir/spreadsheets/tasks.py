"""The job that applies an uploaded spreadsheet."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from comptoir.kit.jobs import task
from comptoir.spreadsheets.uploads import APPLY_TASK, apply_upload


@task(APPLY_TASK, max_attempts=1)
def apply_upload_task(session: Session, payload: dict[str, Any]) -> None:
    """Import the upload's rows; the whole import commits with the job."""
    apply_upload(session, uuid.UUID(str(payload["upload_id"])))
