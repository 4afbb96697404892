"""What the inventory's back-office pages share: the locations a user may see, variant labels
from the catalogue, form helpers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import Crumb, request_locale, require_scope
from comptoir.kit.errors import NotFound
from comptoir.kit.http.access import Principal
from comptoir.kit.i18n import LazyString, Locale
from comptoir.kit.i18n import lazy_gettext as _l

STOCK_PATH: Final = "/admin/inventory"
READ: Final = [require_scope("inventory:read")]
WRITE: Final = [require_scope("inventory:write")]
PAGE_SIZE: Final = 50

REASONS: Final[dict[str, LazyString]] = {
    "damaged": _l("Damaged"),
    "lost": _l("Lost"),
    "found": _l("Found"),
    "theft": _l("Theft"),
    "expired": _l("Expired"),
    "correction": _l("Correction"),
    "other": _l("Other"),
}

MOVEMENT_KINDS: Final[dict[str, LazyString]] = {
    "receipt": _l("Receipt"),
    "sale": _l("Sale"),
    "return": _l("Return"),
    "adjustment": _l("Adjustment"),
    "transfer_out": _l("Transfer out"),
    "transfer_in": _l("Transfer in"),
    "count": _l("Count"),
}

STATUSES: Final[dict[str, LazyString]] = {
    "draft": _l("Draft"),
    "shipped": _l("In transit"),
    "partially_received": _l("Partly received"),
    "received": _l("Received"),
    "cancelled": _l("Cancelled"),
    "open": _l("Open"),
    "applied": _l("Applied"),
}


@dataclass(frozen=True, slots=True)
class VariantLabel:
    id: uuid.UUID
    sku: str
    title: str


def variant_labels(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, VariantLabel]:
    """SKU and titles of these variants, from the catalogue (unknown ids are left out)."""
    from comptoir.catalog import service as catalog

    labels = {}
    for variant_id in dict.fromkeys(ids):
        try:
            summary = catalog.variant_summary(session, variant_id)
        except NotFound:
            continue
        title = " - ".join(part for part in (summary.product_title, summary.title) if part)
        labels[variant_id] = VariantLabel(variant_id, summary.sku, title)
    return labels


def find_sku(session: Session, sku: str) -> uuid.UUID | None:
    from comptoir.catalog import service as catalog

    summary = catalog.find_variant_by_sku(session, sku)
    return summary.id if summary else None


def allowed_locations(request: Request) -> list[uuid.UUID] | None:
    """The locations the signed-in user is limited to (``None``: every location)."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal) and principal.location_ids is not None:
        return sorted(principal.location_ids)
    return None


def ensure_visible(request: Request, *location_ids: uuid.UUID) -> None:
    """404 unless the user may see one of ``location_ids``."""
    allowed = allowed_locations(request)
    if allowed is not None and not set(location_ids) & set(allowed):
        raise HTTPException(status_code=404)


def crumbs(*tail: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), Crumb(_l("Stock"), STOCK_PATH), *tail]


def locale(request: Request) -> Locale:
    return request_locale(request)


def actor(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    return principal.display_name or None if isinstance(principal, Principal) else None


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
