"""A year of books posted through the ledger's service: an opening entry, sales (one in US
dollars), a purchase, bank movements, and lettered invoice/payment pairs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.invoices.models import SellerProfile
from comptoir.billing.ledger import service as ledger
from comptoir.billing.ledger.models import Entry, EntryLine, FiscalYear
from comptoir.billing.ledger.service import LineSpec

SIREN = "732829320"
CUSTOMER = "Brûlerie des Gobelins"
SUPPLIER = "Torréfaction Dupont & Fils"


@dataclass(frozen=True, slots=True)
class Books:
    """What :func:`post_year` wrote."""

    fiscal_year_id: uuid.UUID
    entries: int
    lines: int


def make_seller(session: Session, *, siren: str = SIREN) -> SellerProfile:
    seller = SellerProfile(
        legal_name="BoutiqueNova SAS",
        siren=siren,
        address_line1="12 rue des Lilas",
        postcode="75011",
        city="Paris",
    )
    session.add(seller)
    session.flush()
    return seller


def _customer(session: Session, label: str) -> str:
    return ledger.auxiliary_account(
        session, party_type="customer", party_id=uuid.uuid4(), label=label
    )


def post_year(session: Session, year: int = 2025) -> Books:
    """Post a year of entries (the fiscal year is the calendar year) and letter the paid
    invoices with their payments."""
    ledger.ensure_chart(session)
    customer = _customer(session, CUSTOMER)
    american = _customer(session, "Blue Bottle Imports Inc.")
    supplier = ledger.auxiliary_account(
        session, party_type="supplier", party_id=uuid.uuid4(), label=SUPPLIER
    )
    guest = ledger.auxiliary_account(session, party_type="guest", party_id=None, label=None)
    post = ledger.post_entry
    post(
        session,
        journal="AN",
        entry_date=date(year, 1, 1),
        label="Reprise des soldes",
        piece_ref="AN",
        lines=[
            LineSpec("512000", debit_minor=1_000_000),
            LineSpec("411000", debit_minor=50_000, auxiliary=customer),
            LineSpec("101300", credit_minor=800_000),
            LineSpec("401000", credit_minor=250_000, auxiliary=supplier),
        ],
    )
    sale = post(
        session,
        journal="VE",
        entry_date=date(year, 2, 10),
        label="Facture FA-1",
        piece_ref=f"FA-{year}-000001",
        lines=[
            LineSpec("411000", debit_minor=12_000, auxiliary=customer),
            LineSpec("707000", credit_minor=10_000),
            LineSpec("445711", credit_minor=2_000),
        ],
    )
    post(
        session,
        journal="VE",
        entry_date=date(year, 3, 5),
        label="Facture FA-2 (USD)",
        piece_ref=f"FA-{year}-000002",
        lines=[
            LineSpec(
                "411000",
                debit_minor=9_200,
                auxiliary=american,
                currency_amount_minor=10_000,
                currency="USD",
            ),
            LineSpec("707300", credit_minor=9_200, currency_amount_minor=10_000, currency="USD"),
        ],
    )
    bill = post(
        session,
        journal="AC",
        entry_date=date(year, 3, 10),
        label="Facture F-88",
        piece_ref="F-88",
        piece_date=date(year, 3, 8),
        lines=[
            LineSpec("607000", debit_minor=50_000),
            LineSpec("445660", debit_minor=10_000),
            LineSpec("401000", credit_minor=60_000, auxiliary=supplier),
        ],
    )
    paid = post(
        session,
        journal="BQ",
        entry_date=date(year, 3, 15),
        label="Virement client",
        piece_ref="REL-03-15",
        lines=[
            LineSpec("512000", debit_minor=12_000),
            LineSpec("411000", credit_minor=12_000, auxiliary=customer),
        ],
    )
    paid_out = post(
        session,
        journal="BQ",
        entry_date=date(year, 4, 1),
        label="Règlement F-88",
        piece_ref="REL-04-01",
        lines=[
            LineSpec("401000", debit_minor=60_000, auxiliary=supplier),
            LineSpec("512000", credit_minor=60_000),
        ],
    )
    post(
        session,
        journal="BQ",
        entry_date=date(year, 6, 30),
        label="Frais bancaires",
        piece_ref="REL-06-30",
        lines=[
            LineSpec("627000", debit_minor=1_500),
            LineSpec("512000", credit_minor=1_500),
        ],
    )
    post(
        session,
        journal="VE",
        entry_date=date(year, 12, 20),
        label="Ticket 4521",
        piece_ref=f"FA-{year}-000003",
        lines=[
            LineSpec("411000", debit_minor=6_000, auxiliary=guest),
            LineSpec("707000", credit_minor=5_000),
            LineSpec("445711", credit_minor=1_000),
        ],
    )
    ledger.letter(session, [sale.lines[0].id, paid.lines[1].id], on=date(year, 3, 15))
    ledger.letter(session, [bill.lines[2].id, paid_out.lines[0].id], on=date(year, 4, 1))
    fiscal_year = session.scalars(
        select(FiscalYear).where(FiscalYear.end_date == date(year, 12, 31))
    ).one()
    return Books(fiscal_year_id=fiscal_year.id, entries=8, lines=21)


def trial_balance(session: Session, fiscal_year_id: uuid.UUID) -> tuple[int, int]:
    """Total debits and credits of the year, summed straight from the entry lines."""
    debit, credit = session.execute(
        select(func.sum(EntryLine.debit_minor), func.sum(EntryLine.credit_minor))
        .join(Entry, EntryLine.entry_id == Entry.id)
        .where(Entry.fiscal_year_id == fiscal_year_id)
    ).one()
    return int(debit or 0), int(credit or 0)


def post_ahead_of_time(session: Session, on: date) -> None:
    """A sale dated ``on``, later than the day it is posted: its FEC lines carry a ValidDate
    before their EcritureDate, which the administration refuses."""
    ledger.ensure_chart(session)
    ledger.post_entry(
        session,
        journal="VE",
        entry_date=on,
        label="Facture datée d'avance",
        piece_ref="FA-AVANCE",
        lines=[
            LineSpec("411000", debit_minor=1_200, auxiliary=_customer(session, CUSTOMER)),
            LineSpec("707000", credit_minor=1_200),
        ],
    )
