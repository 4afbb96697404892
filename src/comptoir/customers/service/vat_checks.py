"""VAT numbers of businesses: their format (offline) and their registration (VIES), with the
proof of each check kept on the customer."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from comptoir.customers import identifiers
from comptoir.customers.models import Customer
from comptoir.customers.vies import VatCheck, vat_number_registry


def normalise_vat_number(number: str) -> str:
    """Upper case, without spaces, dots and dashes."""
    return identifiers.compact(number)


def is_valid_vat_number(number: str, country: str | None = None) -> bool:
    """Whether ``number`` has the format (and, for France, the key) of an EU VAT number, of
    ``country`` (ISO code) when given. Says nothing of its registration: see
    :func:`check_vat_number`."""
    return identifiers.is_valid_vat_number(number, country)


def check_vat_number(number: str) -> VatCheck | None:
    """What the VAT-number registry (VIES) says of ``number`` now, or ``None`` when no
    registry is configured (``COMPTOIR_VIES_REGISTRY=disabled``). Takes at most the
    configured timeout and never raises: a registry that cannot answer gives
    ``valid=None``."""
    registry = vat_number_registry()
    if not registry.is_enabled:
        return None
    vat = identifiers.compact(number)
    return registry.check(vat[:2], vat[2:])


def apply_vat_check(customer: Customer, check: VatCheck | None) -> None:
    """Keep ``check`` (or no check) as the proof for the customer's current VAT number."""
    customer.vat_checked_at = check.checked_at if check else None
    customer.vat_check_valid = check.valid if check else None
    customer.vat_check_request_identifier = check.request_identifier if check else None


def record_vat_check(
    session: Session, customer_id: uuid.UUID, number: str, check: VatCheck
) -> bool:
    """Keep a check of ``number`` made elsewhere (at checkout) on the customer, when it is
    the customer's VAT number; a customer without one gets it. Whether it was kept."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.status != "active":
        return False
    vat = identifiers.compact(number)
    if customer.vat_number not in (None, vat):
        return False
    customer.vat_number = vat
    apply_vat_check(customer, check)
    session.flush()
    return True
