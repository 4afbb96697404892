"""A customer's postal addresses; at most one default for shipping and one for billing."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.customers import schemas
from comptoir.customers.errors import AddressNotFound
from comptoir.customers.models import Address
from comptoir.customers.service.customers import active_customer
from comptoir.customers.service.validation import Issues, check_country
from comptoir.kit.i18n import lazy_gettext as _l


def list_addresses(session: Session, customer_id: uuid.UUID) -> list[Address]:
    return list(
        session.scalars(
            select(Address).where(Address.customer_id == customer_id).order_by(Address.id)
        )
    )


def get_address(session: Session, customer_id: uuid.UUID, address_id: uuid.UUID) -> Address:
    """The customer's address; raises :class:`AddressNotFound` (also for another's)."""
    address = session.get(Address, address_id)
    if address is None or address.customer_id != customer_id:
        raise AddressNotFound()
    return address


def _single_defaults(session: Session, address: Address) -> None:
    for other in list_addresses(session, address.customer_id):
        if other.id == address.id:
            continue
        if address.is_default_shipping and other.is_default_shipping:
            other.is_default_shipping = False
        if address.is_default_billing and other.is_default_billing:
            other.is_default_billing = False


def add_address(session: Session, customer_id: uuid.UUID, data: schemas.AddressIn) -> Address:
    """A new address; a default one takes the place of the previous default. Raises
    :class:`CustomerNotFound`, :class:`CustomerNotActive`, :class:`InvalidCustomer`."""
    active_customer(session, customer_id)
    issues = Issues()
    values = data.model_dump()
    values["country"] = check_country(data.country, issues)
    issues.raise_if_any()
    address = Address(customer_id=customer_id, **values)
    session.add(address)
    _single_defaults(session, address)
    session.flush()
    return address


def update_address(
    session: Session, customer_id: uuid.UUID, address_id: uuid.UUID, data: schemas.AddressUpdate
) -> Address:
    """Change the fields given. Raises :class:`AddressNotFound`, :class:`InvalidCustomer`."""
    active_customer(session, customer_id)
    address = get_address(session, customer_id, address_id)
    changes = data.model_dump(exclude_unset=True)
    issues = Issues()
    if changes.get("country") is not None:
        changes["country"] = check_country(changes["country"], issues)
    for required in ("line1", "postcode", "city", "country"):
        if required in changes and changes[required] is None:
            issues.add(required, _l("This field is required."))
    issues.raise_if_any()
    for name, value in changes.items():
        if getattr(address, name) != value:
            setattr(address, name, value)
    _single_defaults(session, address)
    session.flush()
    return address


def remove_address(session: Session, customer_id: uuid.UUID, address_id: uuid.UUID) -> None:
    """Delete the address. Raises :class:`AddressNotFound`."""
    active_customer(session, customer_id)
    session.delete(get_address(session, customer_id, address_id))
    session.flush()
