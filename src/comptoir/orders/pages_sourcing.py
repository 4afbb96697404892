"""Back-office sourcing on an order's page: each line's location with the reason the rules
gave, and a small form per line to send it to another of the channel's locations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import (
    redirect_with_flash,
    register_flash,
    register_pages,
    request_locale,
    require_scope,
)
from comptoir.kit.errors import DomainError, InvalidInput, NotFound
from comptoir.kit.http.access import Principal
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.orders.models import Order
from comptoir.orders.pages_list import allowed_locations
from comptoir.orders.service import sourcing
from comptoir.orders.service.orders import get_order
from comptoir.orders.sourcing import Place

ORDERS_PATH: Final = "/admin/orders"
WRITE = [require_scope("orders:write")]

router = APIRouter()
register_pages(router)
register_flash("line-sourced", _l("The line now comes from the chosen location."))


@dataclass(frozen=True, slots=True)
class SourcingView:
    """What the order page shows about sourcing: per line, its location and reason; the
    locations a line can move to; whether lines can still move."""

    lines: dict[uuid.UUID, sourcing.LineSourcing]
    places: list[Place]
    movable: bool


def sourcing_view(session: Session, order: Order) -> SourcingView:
    return SourcingView(
        lines=sourcing.sourcing_of(session, order),
        places=sourcing.selling_places(session, order.channel_id),
        movable=order.status in sourcing.MOVABLE_STATUSES,
    )


def _actor(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal.display_name or f"{principal.kind}:{principal.id}"
    return None


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise (
            NotFound() if field == "id" else InvalidInput(_l("Choose a location."), field=field)
        ) from None


@router.post("/orders/{order_id}/lines/{line_id}/source", response_model=None, dependencies=WRITE)
def source_line(
    request: Request,
    session: DbSession,
    order_id: str,
    line_id: str,
    location_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Send a line to another location (release + reserve, both or neither)."""
    order = get_order(session, _uuid(order_id, "id"), within=allowed_locations(request))
    try:
        sourcing.move_line(
            session, order.id, _uuid(line_id, "id"), _uuid(location_id, "location_id"),
            actor=_actor(request),
        )  # fmt: skip
    except DomainError as error:
        return _back_to_order(request, session, order, error)
    return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "line-sourced")


def _back_to_order(
    request: Request, session: Session, order: Order, error: DomainError
) -> HTMLResponse:
    from comptoir.orders.pages import render_order

    session.rollback()
    return render_order(
        request, session, order, error=error.detail(request_locale(request)),
        status_code=error.status,
    )  # fmt: skip
