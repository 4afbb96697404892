"""The Imports page: upload a catalogue spreadsheet, read the dry-run report (every refused
row with its line, column and reason), then apply it as a background job with a progress
bar; and download the catalogue as CSV or XLSX."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_CATALOG, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    is_htmx,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
    require_scope,
)
from comptoir.catalog import service as catalog
from comptoir.inventory import service as inventory
from comptoir.kit import progress
from comptoir.kit.errors import DomainError, NotFound
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.spreadsheets import uploads
from comptoir.spreadsheets.models import Upload
from comptoir.spreadsheets.service import ExportFormat, export_catalog

IMPORTS_PATH: Final = "/admin/imports"
MAX_UPLOAD_BYTES: Final = 20 * 1024 * 1024
WRITE = [require_scope("catalog:write")]
READ = [require_scope("catalog:read")]

STATUSES: Final = {
    "checked": _l("Checked, not applied"),
    "queued": _l("Being applied"),
    "applied": _l("Applied"),
    "refused": _l("Refused"),
}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_CATALOG,
        label=_l("Imports"),
        path=IMPORTS_PATH,
        order=50,
        scope="catalog:read",
    )
)
register_flash("import-queued", _l("The import is running. This page follows it."))


def _form_context(session: Session) -> dict[str, Any]:
    return {
        "locations": inventory.list_locations(session),
        "price_lists": catalog.list_price_lists(session),
        "recent": list(
            session.scalars(select(Upload).order_by(Upload.created_at.desc()).limit(20))
        ),
        "statuses": STATUSES,
    }


@router.get("/imports", response_class=HTMLResponse, dependencies=READ)
def imports_page(request: Request, session: DbSession) -> HTMLResponse:
    return render(
        request,
        "spreadsheets/imports.html",
        title=_l("Imports"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Imports"))],
        error=None,
        **_form_context(session),
    )


@router.post("/imports", response_model=None, dependencies=WRITE)
async def upload_file(
    request: Request,
    session: DbSession,
    file: Annotated[UploadFile, File()],
    location: Annotated[str, Form()] = "",
    price_list: Annotated[str, Form()] = "",
    all_or_nothing: Annotated[str, Form()] = "",
) -> Response:
    """Check the file at once (a dry run: nothing changes) and show its report."""
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    try:
        if len(content) > MAX_UPLOAD_BYTES:
            raise uploads.UploadStateConflict(_l("The file is larger than 20 MB."))
        upload = uploads.check_upload(
            session,
            filename=file.filename or "upload",
            content=content,
            location_code=location or None,
            price_list_code=price_list or None,
            all_or_nothing=bool(all_or_nothing),
        )
    except DomainError as error:
        session.rollback()
        return render(
            request,
            "spreadsheets/imports.html",
            status_code=422,
            title=_l("Imports"),
            breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Imports"))],
            error=error.detail(request_locale(request)),
            **_form_context(session),
        )
    return Response(status_code=303, headers={"Location": f"{IMPORTS_PATH}/{upload.id}"})


def _upload_or_404(session: Session, upload_id: str) -> Upload:
    try:
        return uploads.get_upload(session, uuid.UUID(upload_id))
    except ValueError:
        raise NotFound() from None


@router.get("/imports/{upload_id}", response_class=HTMLResponse, dependencies=READ)
def upload_page(request: Request, session: DbSession, upload_id: str) -> HTMLResponse:
    """The report; while the job runs, htmx asks again every second for the progress."""
    upload = _upload_or_404(session, upload_id)
    context: dict[str, Any] = {
        "upload": upload,
        "statuses": STATUSES,
        "locale": request_locale(request),
        "progress": progress.read(str(upload.id)),
    }
    if is_htmx(request):
        return render(request, "spreadsheets/_upload_status.html", **context)
    return render(
        request,
        "spreadsheets/upload.html",
        title=upload.filename,
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Imports"), IMPORTS_PATH),
            Crumb(upload.filename),
        ],
        **context,
    )


@router.post("/imports/{upload_id}/apply", response_model=None, dependencies=WRITE)
def apply_page(request: Request, session: DbSession, upload_id: str) -> Response:
    upload = _upload_or_404(session, upload_id)
    uploads.queue_upload(session, upload.id)
    return redirect_with_flash(request, f"{IMPORTS_PATH}/{upload.id}", "import-queued")


@router.get("/imports-export", response_model=None, dependencies=READ)
def export_page(
    session: DbSession,
    format: str = "csv",
    location: str = "",
    price_list: str = "",
) -> Response:
    """The catalogue as a file to download."""
    chosen: ExportFormat = "xlsx" if format == "xlsx" else "csv"
    data = export_catalog(
        session, chosen, location_code=location or None, price_list_code=price_list or None
    )
    media = (
        "text/csv; charset=utf-8"
        if chosen == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="catalogue.{chosen}"'},
    )
