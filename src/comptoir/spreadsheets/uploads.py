"""Spreadsheets uploaded in the back office: checked at once (a dry run), applied later by a
job, with their reports kept for the page."""

from __future__ import annotations

import uuid
from typing import Any, Final

from sqlalchemy import update
from sqlalchemy.orm import Session

from comptoir.kit import progress
from comptoir.kit.errors import Conflict, NotFound
from comptoir.kit.i18n import SUPPORTED_LOCALES
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.jobs import enqueue
from comptoir.kit.sheets import ImportReport, read_sheet
from comptoir.spreadsheets.models import Upload
from comptoir.spreadsheets.service import import_catalog

APPLY_TASK: Final = "spreadsheets.apply_upload"


class UploadNotFound(NotFound):
    slug = "spreadsheet-upload-not-found"
    title = _l("This uploaded spreadsheet does not exist.")


class UploadStateConflict(Conflict):
    slug = "spreadsheet-upload-state-conflict"
    title = _l("This spreadsheet has already been applied or is being applied.")


def report_json(report: ImportReport) -> dict[str, Any]:
    """The report as stored: outcomes and each issue in every language."""
    return {
        "dry_run": report.dry_run,
        "kept": report.kept,
        "outcomes": {str(outcome): count for outcome, count in report.outcomes.items()},
        "rejected_lines": report.rejected_lines,
        "issues": [
            {
                "line": issue.line,
                "column": issue.column,
                **{locale: issue.translated(locale) for locale in SUPPORTED_LOCALES},
            }
            for issue in report.issues
        ],
    }


def check_upload(
    session: Session,
    *,
    filename: str,
    content: bytes,
    location_code: str | None = None,
    price_list_code: str | None = None,
    all_or_nothing: bool = False,
) -> Upload:
    """Keep the file and its dry-run report. Raises :class:`UnreadableSpreadsheet` and
    :class:`MissingColumns` (nothing is kept then)."""
    sheet = read_sheet(content, filename)
    report = import_catalog(
        session,
        sheet,
        location_code=location_code,
        price_list_code=price_list_code,
        dry_run=True,
        all_or_nothing=all_or_nothing,
    )
    upload = Upload(
        filename=filename[:255],
        content=content,
        location_code=location_code,
        price_list_code=price_list_code,
        all_or_nothing=all_or_nothing,
        status="checked",
        total_rows=len(sheet.rows),
        report=report_json(report),
    )
    session.add(upload)
    session.flush()
    return upload


def get_upload(session: Session, upload_id: uuid.UUID) -> Upload:
    """The upload. Raises :class:`UploadNotFound`."""
    upload = session.get(Upload, upload_id)
    if upload is None:
        raise UploadNotFound()
    return upload


def queue_upload(session: Session, upload_id: uuid.UUID) -> Upload:
    """Queue the real import of a checked upload (once). Raises :class:`UploadNotFound`,
    :class:`UploadStateConflict` if it was already queued."""
    upload = get_upload(session, upload_id)
    moved = session.execute(
        update(Upload)
        .where(Upload.id == upload.id, Upload.status == "checked")
        .values(status="queued")
        .execution_options(synchronize_session=False)
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise UploadStateConflict()
    enqueue(session, APPLY_TASK, {"upload_id": str(upload.id)}, max_attempts=1)
    session.refresh(upload)
    return upload


def apply_upload(session: Session, upload_id: uuid.UUID) -> Upload:
    """Run the real import of a queued upload in the caller's transaction, reporting progress
    on :mod:`comptoir.kit.progress` under the upload's id."""
    upload = get_upload(session, upload_id)
    if upload.status != "queued":
        raise UploadStateConflict()
    key = str(upload.id)
    try:
        report = import_catalog(
            session,
            read_sheet(upload.content, upload.filename),
            location_code=upload.location_code,
            price_list_code=upload.price_list_code,
            all_or_nothing=upload.all_or_nothing,
            progress=lambda done, total: progress.report(key, done, total),
        )
    finally:
        progress.forget(key)
    upload.status = "applied" if report.kept else "refused"
    upload.report = report_json(report)
    session.flush()
    return upload
