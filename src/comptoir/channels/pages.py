"""Back-office screens: the sales channels, and on each channel's page its publishable keys
for the store API (create one and see it once, revoke one) and the locations it sells from,
each with the safety buffer kept back there (add, change, remove)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final

from babel.numbers import format_decimal
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from comptoir.backoffice.nav import SECTION_SALES, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
    require_scope,
)
from comptoir.channels import service
from comptoir.channels.schemas import ChannelKeyCreate, ChannelKeyCreated
from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import MAX_CHANNEL_BUFFER
from comptoir.kit.http.access import Principal
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate

CHANNELS_PATH: Final = "/admin/channels"
READ = [require_scope("channels:read")]
WRITE = [require_scope("channels:write")]

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_SALES,
        label=_l("Sales channels"),
        path=CHANNELS_PATH,
        order=80,
        scope="channels:read",
    )
)
register_flash("channel-key-revoked", _l("The key was revoked: requests carrying it are refused."))
register_flash(
    "channel-location-saved", _l("Saved: the channel sells from this location with this buffer.")
)
register_flash(
    "channel-location-removed",
    _l("The channel no longer sells from this location: its stock no longer counts there."),
)


@dataclass(frozen=True, slots=True)
class SellingLocation:
    """A location as the channel's page shows it: whether the channel sells from it, and the
    units it keeps back there (``None`` when it does not sell from it)."""

    id: uuid.UUID
    code: str
    name: str
    kind: str
    is_active: bool
    buffer: int | None

    @property
    def field(self) -> str:
        """The id of its buffer field (and the key of its error)."""
        return f"buffer-{self.id}"


def _crumbs(*more: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), *more]


@router.get("/channels", response_class=HTMLResponse, dependencies=READ)
def channels_page(request: Request, session: DbSession) -> HTMLResponse:
    """Every sales channel, by name."""
    return render(
        request,
        "channels/channels.html",
        title=_l("Sales channels"),
        breadcrumb=_crumbs(Crumb(_l("Sales channels"))),
        channels=service.list_channels(session),
    )


def _allowed_locations(request: Request) -> list[uuid.UUID] | None:
    """The locations the signed-in user is limited to (``None``: every location)."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal) and principal.location_ids is not None:
        return sorted(principal.location_ids)
    return None


def _selling_locations(
    request: Request, session: DbSession, channel_id: uuid.UUID
) -> list[SellingLocation]:
    """Every location the user may see, by code, with the channel's rule there if any."""
    buffers = {
        rule.location_id: rule.buffer
        for rule in inventory.list_channel_locations(session, channel_id=channel_id)
    }
    return [
        SellingLocation(
            location.id,
            location.code,
            location.name,
            location.kind,
            location.is_active,
            buffers.get(location.id),
        )
        for location in inventory.list_locations(session, location_ids=_allowed_locations(request))
    ]


def _channel_page(
    request: Request,
    session: DbSession,
    channel_id: uuid.UUID,
    *,
    created: ChannelKeyCreated | None = None,
    errors: dict[str, str] | None = None,
    label: str = "",
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    channel = service.get_channel(session, channel_id)
    return render(
        request,
        "channels/channel.html",
        status_code=status,
        title=translate(_l("Channel {name}"), request_locale(request), name=channel.name),
        breadcrumb=_crumbs(Crumb(_l("Sales channels"), CHANNELS_PATH), Crumb(channel.name)),
        channel=channel,
        keys=service.list_keys(session, channel_id),
        created=created,
        errors=errors or {},
        label=label,
        locations=_selling_locations(request, session, channel_id),
        typed=typed or {},
        max_buffer=MAX_CHANNEL_BUFFER,
    )


@router.get("/channels/{channel_id}", response_class=HTMLResponse, dependencies=READ)
def channel_page(request: Request, session: DbSession, channel_id: uuid.UUID) -> HTMLResponse:
    """A channel and its publishable keys."""
    return _channel_page(request, session, channel_id)


@router.post("/channels/{channel_id}/keys", response_class=HTMLResponse, dependencies=WRITE)
def create_key(
    request: Request,
    session: DbSession,
    channel_id: uuid.UUID,
    label: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Create a key and show it, this once, on the channel's page."""
    try:
        data = ChannelKeyCreate(label=label)
    except ValidationError:
        errors = {"label": str(_l("Name the key in 1 to 100 characters (the storefront's name)."))}
        return _channel_page(request, session, channel_id, errors=errors, label=label, status=400)
    created = service.create_key(session, channel_id, data)
    return _channel_page(request, session, channel_id, created=created)


@router.post(
    "/channels/{channel_id}/keys/{key_id}/revoke",
    response_class=HTMLResponse,
    dependencies=WRITE,
)
def revoke_key(
    request: Request, session: DbSession, channel_id: uuid.UUID, key_id: uuid.UUID
) -> Response:
    """Revoke a key, then back to the channel's page."""
    service.revoke_key(session, channel_id, key_id)
    return redirect_with_flash(request, f"{CHANNELS_PATH}/{channel_id}", "channel-key-revoked")


def _visible_location(request: Request, session: DbSession, location_id: uuid.UUID) -> None:
    """404 for a location that does not exist or that the user may not see."""
    allowed = _allowed_locations(request)
    if allowed is not None and location_id not in allowed:
        raise HTTPException(status_code=404)
    try:
        inventory.get_location(session, location_id)
    except inventory.LocationNotFound:
        raise HTTPException(status_code=404) from None


def _read_buffer(text: str) -> int | None:
    """The whole number of units typed, or None when it is not one within bounds."""
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()):
        return None
    number = int(cleaned)
    return number if number <= MAX_CHANNEL_BUFFER else None


@router.post(
    "/channels/{channel_id}/locations/{location_id}",
    response_class=HTMLResponse,
    dependencies=WRITE,
)
def set_selling_location(
    request: Request,
    session: DbSession,
    channel_id: uuid.UUID,
    location_id: uuid.UUID,
    buffer: Annotated[str, Form()] = "",
) -> Response:
    """Sell from a location, or change the buffer kept back there; a number that is not a
    whole number of units from 0 up is refused next to its field and changes nothing."""
    service.get_channel(session, channel_id)
    _visible_location(request, session, location_id)
    units = _read_buffer(buffer)
    if units is None:
        field = f"buffer-{location_id}"
        locale = request_locale(request)
        text = translate(
            _l("Enter a whole number of units to keep back, from 0 to {maximum}."),
            locale,
            maximum=format_decimal(MAX_CHANNEL_BUFFER, locale=locale),
        )
        return _channel_page(
            request,
            session,
            channel_id,
            errors={field: text},
            typed={field: buffer},
            status=422,
        )
    inventory.set_channel_location(
        session, channel_id=channel_id, location_id=location_id, buffer=units
    )
    return redirect_with_flash(
        request, f"{CHANNELS_PATH}/{channel_id}#selling-locations", "channel-location-saved"
    )


@router.post(
    "/channels/{channel_id}/locations/{location_id}/remove",
    response_class=HTMLResponse,
    dependencies=WRITE,
)
def remove_selling_location(
    request: Request, session: DbSession, channel_id: uuid.UUID, location_id: uuid.UUID
) -> Response:
    """Stop selling from a location; sent twice, the second time changes nothing."""
    service.get_channel(session, channel_id)
    _visible_location(request, session, location_id)
    if inventory.remove_channel_location(session, channel_id=channel_id, location_id=location_id):
        return redirect_with_flash(
            request, f"{CHANNELS_PATH}/{channel_id}#selling-locations", "channel-location-removed"
        )
    return RedirectResponse(f"{CHANNELS_PATH}/{channel_id}#selling-locations", status_code=303)
