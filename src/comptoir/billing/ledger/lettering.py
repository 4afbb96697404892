"""Auxiliary accounts (a customer's or supplier's own account) and lettering: matching the
lines that settle each other (an invoice and its payment) under one code."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.billing.ledger.chart import (
    CUSTOMERS,
    GUEST_AUXILIARY,
    SETTINGS_ID,
    SUPPLIERS,
    ledger_settings,
)
from comptoir.billing.ledger.errors import LedgerError, LetteringRefused
from comptoir.billing.ledger.models import AuxiliaryAccount, EntryLine, LedgerSettings
from comptoir.kit.db.dialect import lock_for_update
from comptoir.kit.i18n import lazy_gettext as _l

PARTY_TYPES: Final = {"customer": ("C", CUSTOMERS), "supplier": ("F", SUPPLIERS)}
GUEST_LABEL: Final = "Clients divers"


def auxiliary_account(
    session: Session, *, party_type: str, party_id: uuid.UUID | None, label: str | None
) -> str:
    """The number of the party's auxiliary account, created on first use (``C000001`` under
    411000 for a customer, ``F000001`` under 401000 for a supplier). Guests, and customers
    without an id, share ``CDIVERS``. A newer ``label`` replaces the stored one. Raises
    :class:`LedgerError` (field "party_type") for another kind of party."""
    if party_type == "guest" or (party_type == "customer" and party_id is None):
        return _guest_account(session)
    if party_type not in PARTY_TYPES or party_id is None:
        raise LedgerError(_l("Unknown kind of party: {kind}."), field="party_type", kind=party_type)
    found = session.scalar(
        select(AuxiliaryAccount).where(
            AuxiliaryAccount.party_type == party_type, AuxiliaryAccount.party_id == party_id
        )
    )
    if found is None:
        found = _create(session, party_type, party_id, label)
    elif label and found.label != label:
        found.label = label
    return found.number


def _create(
    session: Session, party_type: str, party_id: uuid.UUID, label: str | None
) -> AuxiliaryAccount:
    prefix, control = PARTY_TYPES[party_type]
    for _attempt in range(5):
        highest = session.scalar(
            select(func.max(AuxiliaryAccount.number)).where(
                AuxiliaryAccount.number.like(f"{prefix}0%"),
                func.length(AuxiliaryAccount.number) == 7,
            )
        )
        sequence = int(highest[1:]) + 1 if highest else 1
        account = AuxiliaryAccount(
            number=f"{prefix}{sequence:06d}",
            control_account=control,
            party_type=party_type,
            party_id=party_id,
            label=label,
        )
        try:
            with session.begin_nested():
                session.add(account)
        except IntegrityError:
            # Someone else took this number (or created this party's account) meanwhile.
            existing = session.scalar(
                select(AuxiliaryAccount).where(
                    AuxiliaryAccount.party_type == party_type,
                    AuxiliaryAccount.party_id == party_id,
                )
            )
            if existing is not None:
                return existing
            continue
        return account
    raise RuntimeError("could not number a new auxiliary account")


def _guest_account(session: Session) -> str:
    found = session.scalar(
        select(AuxiliaryAccount.number).where(AuxiliaryAccount.number == GUEST_AUXILIARY)
    )
    if found is None:
        try:
            with session.begin_nested():
                session.add(
                    AuxiliaryAccount(
                        number=GUEST_AUXILIARY,
                        control_account=CUSTOMERS,
                        party_type="guest",
                        party_id=None,
                        label=GUEST_LABEL,
                    )
                )
        except IntegrityError:
            pass  # created by a concurrent posting: it is there now
    return GUEST_AUXILIARY


def auxiliary_accounts(session: Session, *, control: str | None = None) -> list[AuxiliaryAccount]:
    """Auxiliary accounts by number (only those under ``control`` when given)."""
    stmt = select(AuxiliaryAccount).order_by(AuxiliaryAccount.number)
    if control:
        stmt = stmt.where(AuxiliaryAccount.control_account == control)
    return list(session.scalars(stmt))


def letter(session: Session, line_ids: Sequence[uuid.UUID], *, on: date) -> str:
    """Letter the lines together and return their code (``A``, ``B``, ... ``AA``): they must
    all exist, be unlettered, sit on one account and auxiliary account, and their debits
    must equal their credits. Raises :class:`LetteringRefused` (field "line_ids")."""
    ids = list(dict.fromkeys(line_ids))
    lines = list(
        session.scalars(
            lock_for_update(
                session, select(EntryLine).where(EntryLine.id.in_(ids)).order_by(EntryLine.id)
            )
        )
    )
    places = {(line.account_number, line.auxiliary_number) for line in lines}
    if (
        len(ids) < 2
        or len(lines) != len(ids)
        or len(places) != 1
        or any(line.lettering for line in lines)
        or sum(line.debit_minor for line in lines) != sum(line.credit_minor for line in lines)
    ):
        raise LetteringRefused(field="line_ids")
    code = _next_code(session)
    session.execute(
        update(EntryLine).where(EntryLine.id.in_(ids)).values(lettering=code, lettered_on=on)
    )
    for line in lines:
        session.refresh(line)
    return code


def unletter(session: Session, code: str) -> int:
    """Remove a lettering code from its lines; returns how many lines were freed. Raises
    :class:`LetteringRefused` (field "code") when no line carries it."""
    lines = list(session.scalars(select(EntryLine).where(EntryLine.lettering == code)))
    if not lines:
        raise LetteringRefused(field="code")
    for line in lines:
        line.lettering = None
        line.lettered_on = None
    session.flush()
    return len(lines)


def _next_code(session: Session) -> str:
    ledger_settings(session)
    value: int = session.execute(
        update(LedgerSettings)
        .where(LedgerSettings.id == SETTINGS_ID)
        .values(lettering_counter=LedgerSettings.lettering_counter + 1)
        .returning(LedgerSettings.lettering_counter)
    ).scalar_one()
    return lettering_code(value)


def lettering_code(value: int) -> str:
    """1 → ``A``, 26 → ``Z``, 27 → ``AA``: bijective base 26, as accountants letter."""
    letters = ""
    while value > 0:
        value, remainder = divmod(value - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
