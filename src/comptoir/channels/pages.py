"""Back-office screens: the sales channels, and on each channel's page its publishable keys
for the store API (create one and see it once, revoke one)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
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


def _channel_page(
    request: Request,
    session: DbSession,
    channel_id: uuid.UUID,
    *,
    created: ChannelKeyCreated | None = None,
    errors: dict[str, str] | None = None,
    label: str = "",
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
