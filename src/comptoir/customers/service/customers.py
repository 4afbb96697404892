"""Customers: create, read, change, list, find by e-mail or phone, resolve across channels,
erase."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.customers import events, identifiers, schemas
from comptoir.customers.errors import CustomerNotActive, CustomerNotFound, EmailAlreadyUsed
from comptoir.customers.models import SUBJECT, Address, Customer, CustomerGroup, GroupMembership
from comptoir.customers.phones import InvalidPhoneNumber, normalise_phone
from comptoir.customers.service import groups as group_service
from comptoir.customers.service.validation import (
    Issues,
    check_company_numbers,
    check_country,
    check_email,
    check_phone,
)
from comptoir.customers.service.vat_checks import apply_vat_check, check_vat_number
from comptoir.kit import clock
from comptoir.kit.crypto import blind_index, destroy_subject_key, is_erased
from comptoir.kit.events import emit
from comptoir.kit.i18n import gettext
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.pagination import Page, paginate

MAX_MERGE_DEPTH: Final = 20


def get_customer(session: Session, customer_id: uuid.UUID) -> Customer:
    """The customer, whatever its status; raises :class:`CustomerNotFound`."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise CustomerNotFound()
    return customer


def active_customer(session: Session, customer_id: uuid.UUID) -> Customer:
    """The customer if it may be changed; raises :class:`CustomerNotFound`,
    :class:`CustomerNotActive` (merged or erased)."""
    customer = get_customer(session, customer_id)
    if customer.status != "active":
        raise CustomerNotActive(merged_into=str(customer.merged_into_id))
    return customer


def display_name(customer: Customer) -> str:
    """How the back office names the customer: the company, the person, else the e-mail."""
    if customer.status == "erased" or is_erased(customer, "email"):
        return gettext("Erased customer")
    if customer.kind == "company" and customer.company_name:
        return customer.company_name
    name = " ".join(part for part in (customer.first_name, customer.last_name) if part)
    return name or customer.email or customer.phone or gettext("Unnamed customer")


def _check_profile(data: dict[str, Any], kind: str, issues: Issues) -> dict[str, Any]:
    if "email" in data:
        data["email"] = check_email(data["email"], issues)
    if "phone" in data:
        data["phone"] = check_phone(data["phone"], issues)
    if {"siren", "siret", "vat_number"} & data.keys():
        data["siren"], data["siret"], data["vat_number"] = check_company_numbers(
            data.get("siren"), data.get("siret"), data.get("vat_number"), issues
        )
    if kind == "company" and "company_name" in data and not data["company_name"]:
        issues.add("company_name", _l("A company needs its name."))
    return data


def _ensure_email_free(session: Session, email: str | None, customer_id: uuid.UUID) -> None:
    if email is None:
        return
    other = session.scalar(
        select(Customer.id).where(
            Customer.email_index == blind_index(Customer.email_index, email),
            Customer.status == "active",
            Customer.id != customer_id,
        )
    )
    if other is not None:
        raise EmailAlreadyUsed(
            _l("Another customer already has this e-mail address."), field="email"
        )


def create_customer(session: Session, data: schemas.CustomerCreate) -> Customer:
    """A new active customer with its groups and addresses; emits ``customer.created``. A
    VAT number is checked with VIES when it is configured, the answer kept on the customer.

    Raises :class:`InvalidCustomer` naming every bad field (e-mail, phone, SIREN, SIRET, VAT
    number, countries, groups), :class:`EmailAlreadyUsed` if an active customer has the
    e-mail.
    """
    issues = Issues()
    fields = data.model_dump(exclude={"groups", "addresses"})
    fields = _check_profile(fields, data.kind, issues)
    for index, address in enumerate(data.addresses):
        check_country(address.country, issues, f"addresses.{index}.country")
    groups = group_service.groups_by_code(session, data.groups, issues)
    issues.raise_if_any()
    customer = Customer(**fields)
    _ensure_email_free(session, customer.email, customer.id)
    if customer.vat_number:
        apply_vat_check(customer, check_vat_number(customer.vat_number))
    session.add(customer)
    session.flush()  # no ORM relationships: the customer row goes first
    for group in groups:
        session.add(GroupMembership(customer_id=customer.id, group_id=group.id))
    for address in data.addresses:
        session.add(Address(customer_id=customer.id, **address.model_dump()))
    session.flush()
    emit(
        session,
        events.CUSTOMER_CREATED,
        events.CustomerCreated(customer_id=customer.id, kind=customer.kind, source=customer.source),
        key=customer.id,
    )
    return customer


def update_customer(
    session: Session, customer_id: uuid.UUID, data: schemas.CustomerUpdate
) -> Customer:
    """Change the fields given; a new VAT number is checked with VIES when it is configured
    (the answer replaces the previous one). Raises :class:`CustomerNotFound`,
    :class:`CustomerNotActive`, :class:`InvalidCustomer`, :class:`EmailAlreadyUsed`."""
    customer = active_customer(session, customer_id)
    changes = data.model_dump(exclude_unset=True, exclude={"groups"})
    kind = changes.get("kind") or customer.kind
    issues = Issues()
    if {"siren", "siret", "vat_number"} & changes.keys():
        for name in ("siren", "siret", "vat_number"):
            changes.setdefault(name, getattr(customer, name))
    changes = _check_profile(changes, kind, issues)
    if kind == "company" and not changes.get("company_name", customer.company_name):
        issues.add("company_name", _l("A company needs its name."))
    groups = (
        group_service.groups_by_code(session, data.groups, issues)
        if data.groups is not None
        else None
    )
    issues.raise_if_any()
    if "email" in changes:
        _ensure_email_free(session, changes["email"], customer.id)
    if changes.get("vat_number", customer.vat_number) != customer.vat_number:
        number = changes["vat_number"]
        apply_vat_check(customer, check_vat_number(number) if number else None)
    for name, value in changes.items():
        if getattr(customer, name) != value:
            setattr(customer, name, value)
    if groups is not None:
        group_service.set_groups(session, customer.id, groups)
    session.flush()
    return customer


def find_by_email(session: Session, email: str) -> Customer | None:
    """The active customer this e-mail leads to (following merges), or ``None``."""
    return _follow(
        session,
        select(Customer).where(Customer.email_index == blind_index(Customer.email_index, email)),
    )


def find_by_phone(session: Session, phone: str) -> Customer | None:
    """The oldest active customer this phone leads to (following merges), or ``None``; a
    text that is not a phone number finds nobody."""
    try:
        number = normalise_phone(phone)
    except InvalidPhoneNumber:
        return None
    return _follow(
        session,
        select(Customer).where(Customer.phone_index == blind_index(Customer.phone_index, number)),
    )


def _follow(session: Session, stmt: Select[Customer]) -> Customer | None:
    found = list(session.scalars(stmt.where(Customer.status != "erased").order_by(Customer.id)))
    active = [c for c in found if c.status == "active"]
    if active:
        return active[0]
    for customer in found:
        target = merge_target(session, customer)
        if target is not None:
            return target
    return None


def merge_target(session: Session, customer: Customer) -> Customer | None:
    """The active customer a merged one became (through merges of merges), or ``None``."""
    current: Customer | None = customer
    for _ in range(MAX_MERGE_DEPTH):
        if current is None or current.status == "active":
            return current
        if current.merged_into_id is None:
            return None
        current = session.get(Customer, current.merged_into_id)
    return None


def resolve_customer(
    session: Session,
    *,
    email: str | None = None,
    phone: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    language: schemas.Language | None = None,
    source: schemas.Source = "web_shop",
) -> schemas.ResolvedCustomer:
    """The one customer behind an e-mail and/or a phone, across channels, created if new.

    The e-mail decides first (trimmed, case-insensitive). Without a match by e-mail, a
    customer found by phone is the same person only if it has no e-mail of its own (a till
    customer who now orders online); else a new customer is made. What the found customer
    lacks (e-mail, phone, names) is filled in, nothing is overwritten. Raises
    :class:`InvalidCustomer` for a malformed e-mail or phone.
    """
    issues = Issues()
    email = check_email(email, issues)
    phone = check_phone(phone, issues)
    issues.raise_if_any()
    found = find_by_email(session, email) if email else None
    if found is None and phone:
        by_phone = find_by_phone(session, phone)
        if by_phone is not None and (email is None or by_phone.email is None):
            found = by_phone
    if found is not None:
        _fill_missing(
            session, found, email=email, phone=phone, first_name=first_name, last_name=last_name
        )
        return schemas.ResolvedCustomer(customer=found, created=False)
    data = schemas.CustomerCreate(
        email=email,
        phone=phone,
        first_name=first_name,
        last_name=last_name,
        language=language or "fr",
        source=source,
    )
    try:
        with session.begin_nested():
            customer = create_customer(session, data)
    except IntegrityError:
        # Another transaction created the same e-mail meanwhile: that customer it is.
        found = find_by_email(session, email) if email else None
        if found is None:
            raise
        return schemas.ResolvedCustomer(customer=found, created=False)
    return schemas.ResolvedCustomer(customer=customer, created=True)


CHANNEL_SOURCES: Final[dict[str, schemas.Source]] = {
    "web": "web_shop",
    "app": "web_shop",
    "store": "till",
    "marketplace": "marketplace",
}


def source_of_channel(kind: str) -> schemas.Source:
    """Where a customer met on a sales channel of ``kind`` comes from: the web shop and the
    app are ``web_shop``, a store's till ``till``, a marketplace ``marketplace``."""
    return CHANNEL_SOURCES.get(kind, "web_shop")


def _fill_missing(session: Session, customer: Customer, **values: str | None) -> None:
    changed = False
    for name, value in values.items():
        if value and getattr(customer, name) is None:
            if name == "email":
                _ensure_email_free(session, value, customer.id)
            setattr(customer, name, value)
            changed = True
    if changed:
        session.flush()


def list_customers(
    session: Session, filters: schemas.CustomerFilters, *, limit: int, cursor: str | None
) -> Page[Customer]:
    """Customers newest first, filtered; ``q`` finds by exact e-mail or phone (blind index)
    or by SIREN, SIRET or VAT number."""
    stmt = select(Customer)
    if filters.status is not None:
        stmt = stmt.where(Customer.status == filters.status)
    if filters.kind is not None:
        stmt = stmt.where(Customer.kind == filters.kind)
    if filters.group:
        stmt = stmt.where(
            Customer.id.in_(
                select(GroupMembership.customer_id)
                .join(CustomerGroup, CustomerGroup.id == GroupMembership.group_id)
                .where(CustomerGroup.code == filters.group)
            )
        )
    if filters.q:
        stmt = stmt.where(_search_clause(filters.q.strip()))
    return paginate(
        session,
        stmt,
        order_by=[(Customer.created_at, "desc")],
        id_column=Customer.id,
        limit=limit,
        cursor=cursor,
    )


def _search_clause(q: str) -> Any:
    if "@" in q:
        return Customer.email_index == blind_index(Customer.email_index, q)
    compacted = identifiers.compact(q)
    if compacted[:2].isalpha():
        return Customer.vat_number == compacted
    try:
        number = normalise_phone(q)
    except InvalidPhoneNumber:
        number = None
    by_company = (Customer.siren == compacted) | (Customer.siret == compacted)
    if number is None:
        return by_company
    return by_company | (Customer.phone_index == blind_index(Customer.phone_index, number))


def erase_customer(session: Session, customer_id: uuid.UUID) -> list[uuid.UUID]:
    """Erase a customer for good by crypto-shredding: its data key, and those of the
    customers merged into it, are destroyed, so every personal field of theirs (addresses
    included) reads as erased everywhere, backups included; blind indexes are cleared.
    Consent records (without personal values) are kept as proof. Emits
    ``customer.erased``; returns the erased ids. Raises :class:`CustomerNotFound`."""
    customer = get_customer(session, customer_id)
    erased = [customer, *_merged_into(session, customer.id)]
    now = clock.now()
    for row in erased:
        destroy_subject_key(session, SUBJECT, row.id)
        row.status = "erased"
        row.erased_at = now
        row.email_index = None
        row.phone_index = None
    session.flush()
    for row in erased:
        session.expire(row)
    for address in session.scalars(
        select(Address).where(Address.customer_id.in_([r.id for r in erased]))
    ):
        session.expire(address)
    ids = [row.id for row in erased]
    emit(
        session,
        events.CUSTOMER_ERASED,
        events.CustomerErased(customer_id=customer_id, erased_ids=ids),
        key=customer_id,
    )
    return ids


def _merged_into(session: Session, customer_id: uuid.UUID) -> Sequence[Customer]:
    found: list[Customer] = []
    frontier = [customer_id]
    while frontier:
        rows = list(session.scalars(select(Customer).where(Customer.merged_into_id.in_(frontier))))
        found += rows
        frontier = [row.id for row in rows]
    return found


def customer_out(session: Session, customer: Customer) -> schemas.CustomerOut:
    """The API shape of ``customer``, with its groups and addresses."""
    addresses = session.scalars(
        select(Address).where(Address.customer_id == customer.id).order_by(Address.id)
    )
    return schemas.CustomerOut(
        id=customer.id,
        kind=customer.kind,
        status=customer.status,
        display_name=display_name(customer),
        first_name=customer.first_name,
        last_name=customer.last_name,
        company_name=customer.company_name,
        email=customer.email,
        phone=customer.phone,
        language=customer.language,
        source=customer.source,
        siren=customer.siren,
        siret=customer.siret,
        vat_number=customer.vat_number,
        vat_checked_at=customer.vat_checked_at,
        vat_check_valid=customer.vat_check_valid,
        vat_check_request_identifier=customer.vat_check_request_identifier,
        groups=group_service.group_codes(session, customer.id),
        addresses=[schemas.AddressOut.model_validate(a) for a in addresses],
        merged_into_id=customer.merged_into_id,
        is_erased=customer.status == "erased",
        created_at=customer.created_at,
        updated_at=customer.updated_at,
    )
