"""Back-office screens for transfers and count sheets."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    redirect_with_flash,
    register_pages,
    render,
)
from comptoir.inventory import service
from comptoir.inventory.pages_support import (
    READ,
    STATUSES,
    STOCK_PATH,
    WRITE,
    actor,
    allowed_locations,
    crumbs,
    ensure_visible,
    find_sku,
    locale,
    parse_uuid,
    variant_labels,
)
from comptoir.inventory.schemas import (
    CountCreate,
    CountEntry,
    TransferCreate,
    TransferLineCreate,
)
from comptoir.kit.errors import DomainError, NotFound
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate

TRANSFERS_PATH = f"{STOCK_PATH}/transfers"
COUNTS_PATH = f"{STOCK_PATH}/counts"

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")


def _locations(session: Session, request: Request) -> dict[uuid.UUID, Any]:
    rows = service.list_locations(session, location_ids=allowed_locations(request))
    return {row.id: row for row in rows}


def _all_locations(session: Session) -> dict[uuid.UUID, Any]:
    return {row.id: row for row in service.list_locations(session)}


def _parse_lines(
    session: Session, text: str, *, with_quantity: bool
) -> tuple[list[tuple[uuid.UUID, int]], list[str]]:
    """``SKU`` or ``SKU quantity`` per line; returns the lines and the SKUs not found."""
    lines: list[tuple[uuid.UUID, int]] = []
    unknown: list[str] = []
    for raw in text.splitlines():
        parts = raw.split()
        if not parts:
            continue
        quantity = 1
        if with_quantity:
            if len(parts) != 2 or not parts[1].isdigit() or int(parts[1]) < 1:
                unknown.append(raw.strip())
                continue
            quantity = int(parts[1])
        variant_id = find_sku(session, parts[0])
        if variant_id is None:
            unknown.append(parts[0])
            continue
        lines.append((variant_id, quantity))
    return lines, unknown


# -- transfers ---------------------------------------------------------------------------------


@router.get("/inventory/transfers", response_class=HTMLResponse, dependencies=READ)
def transfers_page(request: Request, session: DbSession) -> HTMLResponse:
    """Transfers leaving or reaching the user's locations, newest first."""
    return render(
        request,
        "inventory/transfers.html",
        title=_l("Transfers"),
        breadcrumb=crumbs(Crumb(_l("Transfers"))),
        primary_action=PrimaryAction(_l("New transfer"), f"{TRANSFERS_PATH}/new"),
        transfers=service.list_transfers(session, location_ids=allowed_locations(request)),
        locations=_all_locations(session),
        statuses=STATUSES,
    )


@router.get("/inventory/transfers/new", response_class=HTMLResponse, dependencies=WRITE)
def new_transfer_page(request: Request, session: DbSession) -> HTMLResponse:
    """The form of a new transfer."""
    return _new_transfer(request, session)


def _new_transfer(
    request: Request,
    session: Session,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "inventory/transfer_new.html",
        status_code=status_code,
        title=_l("New transfer"),
        breadcrumb=crumbs(Crumb(_l("Transfers"), TRANSFERS_PATH), Crumb(_l("New transfer"))),
        sources=_locations(session, request),
        destinations=_all_locations(session),
        errors=errors or {},
        values=values or {},
    )


@router.post("/inventory/transfers/new", dependencies=WRITE)
def create_transfer(
    request: Request,
    session: DbSession,
    source: str = Form(""),
    destination: str = Form(""),
    lines: str = Form(""),
    note: str = Form(""),
) -> Response:
    """Create a draft transfer from ``SKU quantity`` lines."""
    values = {"source": source, "destination": destination, "lines": lines, "note": note}
    errors: dict[str, str] = {}
    here = locale(request)
    source_id, destination_id = parse_uuid(source), parse_uuid(destination)
    if source_id is None or source_id not in _locations(session, request):
        errors["source"] = translate(_l("Choose where the units leave from."), here)
    if destination_id is None or destination_id == source_id:
        errors["destination"] = translate(_l("Choose another location to send them to."), here)
    parsed, unknown = _parse_lines(session, lines, with_quantity=True)
    if unknown:
        errors["lines"] = translate(
            _l("Not understood: {lines}. Write one SKU and a quantity per line."),
            here,
            lines=", ".join(unknown),
        )
    elif not parsed:
        errors["lines"] = translate(_l("List at least one SKU and its quantity."), here)
    if errors or source_id is None or destination_id is None:
        return _new_transfer(request, session, errors, values, status_code=422)
    try:
        transfer = service.create_transfer(
            session,
            TransferCreate(
                source_location_id=source_id,
                destination_location_id=destination_id,
                lines=[TransferLineCreate(variant_id=v, quantity=q) for v, q in parsed],
                note=note.strip() or None,
            ),
        )
    except DomainError as error:
        errors["lines"] = error.detail(here)
        return _new_transfer(request, session, errors, values, status_code=422)
    return redirect_with_flash(request, f"{TRANSFERS_PATH}/{transfer.id}", "transfer-created")


def _transfer_or_404(request: Request, session: Session, transfer_id: uuid.UUID) -> Any:
    try:
        transfer = service.get_transfer(session, transfer_id)
    except NotFound as error:
        raise HTTPException(status_code=404) from error
    ensure_visible(request, transfer.source_location_id, transfer.destination_location_id)
    return transfer


@router.get("/inventory/transfers/{transfer_id}", response_class=HTMLResponse, dependencies=READ)
def transfer_page(request: Request, session: DbSession, transfer_id: uuid.UUID) -> HTMLResponse:
    """A transfer: its lines, what is in transit, and the next action (ship or receive)."""
    return _transfer(request, session, transfer_id)


def _transfer(
    request: Request,
    session: Session,
    transfer_id: uuid.UUID,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    transfer = _transfer_or_404(request, session, transfer_id)
    return render(
        request,
        "inventory/transfer.html",
        status_code=status_code,
        title=_l("Transfer"),
        breadcrumb=crumbs(Crumb(_l("Transfers"), TRANSFERS_PATH), Crumb(str(transfer.id)[-8:])),
        transfer=transfer,
        labels=variant_labels(session, [line.variant_id for line in transfer.lines]),
        locations=_all_locations(session),
        statuses=STATUSES,
        error=error,
    )


@router.post("/inventory/transfers/{transfer_id}/ship", dependencies=WRITE)
def ship_transfer(request: Request, session: DbSession, transfer_id: uuid.UUID) -> Response:
    transfer = _transfer_or_404(request, session, transfer_id)
    ensure_visible(request, transfer.source_location_id)
    try:
        with session.begin_nested():
            service.ship_transfer(session, transfer_id, actor=actor(request))
    except DomainError as error:
        return _transfer(
            request, session, transfer_id, error=error.detail(locale(request)), status_code=409
        )
    return redirect_with_flash(request, f"{TRANSFERS_PATH}/{transfer_id}", "transfer-shipped")


@router.post("/inventory/transfers/{transfer_id}/receive", dependencies=WRITE)
def receive_transfer(request: Request, session: DbSession, transfer_id: uuid.UUID) -> Response:
    """Receive every unit still in transit."""
    transfer = _transfer_or_404(request, session, transfer_id)
    ensure_visible(request, transfer.destination_location_id)
    try:
        with session.begin_nested():
            service.receive_transfer(session, transfer_id, actor=actor(request))
    except DomainError as error:
        return _transfer(
            request, session, transfer_id, error=error.detail(locale(request)), status_code=409
        )
    return redirect_with_flash(request, f"{TRANSFERS_PATH}/{transfer_id}", "transfer-received")


# -- counts --------------------------------------------------------------------------------------


@router.get("/inventory/counts", response_class=HTMLResponse, dependencies=READ)
def counts_page(request: Request, session: DbSession) -> HTMLResponse:
    return render(
        request,
        "inventory/counts.html",
        title=_l("Count sheets"),
        breadcrumb=crumbs(Crumb(_l("Count sheets"))),
        primary_action=PrimaryAction(_l("New count sheet"), f"{COUNTS_PATH}/new"),
        counts=service.list_counts(session, location_ids=allowed_locations(request)),
        locations=_all_locations(session),
        statuses=STATUSES,
    )


@router.get("/inventory/counts/new", response_class=HTMLResponse, dependencies=WRITE)
def new_count_page(request: Request, session: DbSession) -> HTMLResponse:
    """The form of a new count sheet."""
    return _new_count(request, session)


def _new_count(
    request: Request,
    session: Session,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "inventory/count_new.html",
        status_code=status_code,
        title=_l("New count sheet"),
        breadcrumb=crumbs(Crumb(_l("Count sheets"), COUNTS_PATH), Crumb(_l("New count sheet"))),
        locations=_locations(session, request),
        errors=errors or {},
        values=values or {},
    )


@router.post("/inventory/counts/new", dependencies=WRITE)
def create_count(
    request: Request, session: DbSession, location: str = Form(""), skus: str = Form("")
) -> Response:
    """Open a count sheet for the listed SKUs (one per line)."""
    values = {"location": location, "skus": skus}
    errors: dict[str, str] = {}
    here = locale(request)
    location_id = parse_uuid(location)
    if location_id is None or location_id not in _locations(session, request):
        errors["location"] = translate(_l("Choose the location to count."), here)
    parsed, unknown = _parse_lines(session, skus, with_quantity=False)
    if unknown:
        errors["skus"] = translate(_l("Unknown SKU: {skus}."), here, skus=", ".join(unknown))
    elif not parsed:
        errors["skus"] = translate(_l("List at least one SKU."), here)
    if errors or location_id is None:
        return _new_count(request, session, errors, values, status_code=422)
    count = service.create_count(
        session, CountCreate(location_id=location_id, variant_ids=[v for v, _q in parsed])
    )
    return redirect_with_flash(request, f"{COUNTS_PATH}/{count.id}", "count-created")


def _count_or_404(request: Request, session: Session, count_id: uuid.UUID) -> Any:
    try:
        count = service.get_count(session, count_id)
    except NotFound as error:
        raise HTTPException(status_code=404) from error
    ensure_visible(request, count.location_id)
    return count


@router.get("/inventory/counts/{count_id}", response_class=HTMLResponse, dependencies=READ)
def count_page(request: Request, session: DbSession, count_id: uuid.UUID) -> HTMLResponse:
    """A count sheet: expected and counted quantities, then the variances once applied."""
    return _count(request, session, count_id)


def _count(
    request: Request,
    session: Session,
    count_id: uuid.UUID,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    count = _count_or_404(request, session, count_id)
    return render(
        request,
        "inventory/count.html",
        status_code=status_code,
        title=_l("Count sheet"),
        breadcrumb=crumbs(Crumb(_l("Count sheets"), COUNTS_PATH), Crumb(str(count.id)[-8:])),
        count=count,
        labels=variant_labels(session, [line.variant_id for line in count.lines]),
        locations=_all_locations(session),
        statuses=STATUSES,
        errors=errors or {},
        values=values or {},
    )


@router.post("/inventory/counts/{count_id}", dependencies=WRITE)
def save_count(
    request: Request,
    session: DbSession,
    count_id: uuid.UUID,
    variant: Annotated[list[str] | None, Form()] = None,
    counted: Annotated[list[str] | None, Form()] = None,
    apply: str = Form(""),
) -> Response:
    """Save the counted quantities (one ``variant`` and one ``counted`` field per line, an
    empty count leaves the line uncounted); with ``apply``, apply the sheet too."""
    count = _count_or_404(request, session, count_id)
    on_sheet = {str(line.variant_id) for line in count.lines}
    entries: list[CountEntry] = []
    errors: dict[str, str] = {}
    values = dict(zip(variant or [], counted or [], strict=False))
    for variant_text, raw in values.items():
        if variant_text not in on_sheet or raw.strip() == "":
            continue
        if not raw.strip().isdigit():
            errors[f"counted-{variant_text}"] = translate(
                _l("Enter the number of units counted (0 or more)."), locale(request)
            )
            continue
        entries.append(CountEntry(variant_id=uuid.UUID(variant_text), counted=int(raw)))
    if errors:
        return _count(request, session, count_id, errors=errors, values=values, status_code=422)
    try:
        with session.begin_nested():
            service.record_counted(session, count_id, entries)
            if apply:
                service.apply_count(session, count_id, actor=actor(request))
    except DomainError as error:
        errors["count"] = error.detail(locale(request))
        return _count(request, session, count_id, errors=errors, values=values, status_code=409)
    code = "count-applied" if apply else "count-saved"
    return redirect_with_flash(request, f"{COUNTS_PATH}/{count_id}", code)
