"""The order list's filters as the page's address carries them (channel, status, store, a
range of days in the shop's timezone), and the rows the list and its CSV export show."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, get_args
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlalchemy.orm import Session

from comptoir.channels import service as channels
from comptoir.inventory import service as inventory
from comptoir.kit.http.access import Principal
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.orders import service
from comptoir.orders.models import Order
from comptoir.orders.schemas import OrderFilters, OrderStatus, OrderSummary

LIST_PATH: Final = "/admin/orders"
EXPORT_PATH: Final = "/admin/orders/export.csv"
STATUS_VALUES: Final = frozenset(get_args(OrderStatus))
CSV_COLUMNS: Final = (
    "number",
    "placed_at",
    "channel",
    "status",
    "stores",
    "items",
    "total",
    "currency",
    "payment_status",
)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    """A filter's identifier; an empty or malformed one (an edited address) filters nothing."""
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ListFilters:
    """The list's filters as typed in the address: each one empty when not used."""

    status: str = ""
    channel_id: str = ""
    location_id: str = ""
    placed_from: str = ""
    placed_to: str = ""

    @classmethod
    def read(
        cls, status: str, channel_id: str, location_id: str, placed_from: str, placed_to: str
    ) -> ListFilters:
        return cls(
            status=status if status in STATUS_VALUES else "",
            channel_id=channel_id.strip() if _uuid_or_none(channel_id) else "",
            location_id=location_id.strip() if _uuid_or_none(location_id) else "",
            placed_from=placed_from.strip(),
            placed_to=placed_to.strip(),
        )

    def day(self, value: str) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    @property
    def errors(self) -> dict[str, LazyString]:
        """A message per date that is not one, keyed by its field."""
        bad = _l("Enter a date like 2026-11-23.")
        errors = {
            name: bad
            for name in ("placed_from", "placed_to")
            if getattr(self, name) and self.day(getattr(self, name)) is None
        }
        start, end = self.day(self.placed_from), self.day(self.placed_to)
        if not errors and start and end and end < start:
            errors["placed_to"] = _l("The end date comes before the start date.")
        return errors

    @property
    def is_used(self) -> bool:
        return any(self.params().values())

    def params(self, **changes: str) -> dict[str, str]:
        """The filters as query parameters (empty ones left out); ``changes`` override."""
        values = {
            "status": self.status,
            "channel_id": self.channel_id,
            "location_id": self.location_id,
            "placed_from": self.placed_from,
            "placed_to": self.placed_to,
            **changes,
        }
        return {name: value for name, value in values.items() if value}

    def url(self, path: str = LIST_PATH, **changes: str) -> str:
        query = self.params(**changes)
        return f"{path}?{urlencode(query)}" if query else path

    def service_filters(self, zone: ZoneInfo) -> OrderFilters:
        """The service's filters: ``placed_from`` from the start of its day, ``placed_to``
        to the end of its day, in the shop's timezone; a malformed date filters nothing
        (the page says so next to the field)."""
        start, end = self.day(self.placed_from), self.day(self.placed_to)
        broken = self.errors
        return OrderFilters(
            status=self.status or None,
            channel_id=_uuid_or_none(self.channel_id),
            location_id=_uuid_or_none(self.location_id),
            placed_from=(
                datetime.combine(start, time(), zone)
                if start and "placed_from" not in broken
                else None
            ),
            placed_to=(
                datetime.combine(end + timedelta(days=1), time(), zone)
                if end and "placed_to" not in broken
                else None
            ),
        )


def shop_zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def allowed_locations(request: Request) -> frozenset[uuid.UUID] | None:
    """The locations the signed-in user is limited to (``None``: every location)."""
    principal = getattr(request.state, "principal", None)
    return principal.location_ids if isinstance(principal, Principal) else None


@dataclass(frozen=True, slots=True)
class OrderRow:
    """An order as the list and the export show it (no personal data)."""

    summary: OrderSummary
    channel: str
    stores: list[str]
    units: int
    payment_status: str | None


class Names:
    """The channels' and locations' names, read once per request."""

    def __init__(self, session: Session, allowed: frozenset[uuid.UUID] | None) -> None:
        self.channels = channels.list_channels(session)
        self.locations = inventory.list_locations(
            session, location_ids=None if allowed is None else sorted(allowed)
        )
        self._channel_names = {channel.id: channel.name for channel in self.channels}
        every = inventory.list_locations(session)
        self._location_codes = {location.id: location.code for location in every}

    def rows(self, session: Session, orders: Sequence[Order]) -> list[OrderRow]:
        facts = service.list_facts(session, [order.id for order in orders])
        return [
            OrderRow(
                summary=service.order_summary(order),
                channel=self._channel_names.get(order.channel_id, ""),
                stores=sorted(
                    self._location_codes.get(location_id, str(location_id))
                    for location_id in facts[order.id].location_ids
                ),
                units=facts[order.id].units,
                payment_status=facts[order.id].payment_status,
            )
            for order in orders
        ]


def export_rows(
    session: Session,
    filters: OrderFilters,
    names: Names,
    *,
    zone: ZoneInfo,
    within: frozenset[uuid.UUID] | None,
) -> Iterator[list[object]]:
    """Every order matching ``filters`` (within the user's locations), one CSV row each,
    newest first; the date in ISO 8601 in the shop's timezone."""
    cursor: str | None = None
    while True:
        page = service.list_orders(session, filters, limit=200, cursor=cursor, within=within)
        for row in names.rows(session, page.items):
            yield [
                row.summary.number,
                row.summary.placed_at.astimezone(zone).isoformat(timespec="seconds"),
                row.channel,
                row.summary.status,
                " ".join(row.stores),
                row.units,
                row.summary.total_gross.amount,
                row.summary.total_gross.currency,
                row.payment_status or "",
            ]
        cursor = page.next_cursor
        if cursor is None:
            return
