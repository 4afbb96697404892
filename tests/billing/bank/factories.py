"""Typed factories of the bank tests: a bank account, and the books of a small shop (card
takings waiting for their payouts, B2B invoices waiting for transfers, supplier bills
waiting to be paid), made through the ledger, invoices and bills services."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.billing.bank import service
from comptoir.billing.bank.models import BankAccount
from comptoir.billing.bills import service as bills
from comptoir.billing.bills.schemas import BillCreate, BillLineIn
from comptoir.billing.invoices import service as invoices
from comptoir.billing.invoices.models import Invoice
from comptoir.billing.invoices.schemas import InvoiceLineIn
from comptoir.billing.ledger import service as ledger
from comptoir.kit.clock import FrozenClock
from tests.billing.invoices.factories import b2b_draft, make_seller
from tests.purchasing.factories import make_supplier

IBAN = "FR7630004000031234567890143"
BUYERS = (
    "Atelier Durand SARL",
    "Boulangerie Martin",
    "Café des Arts SAS",
    "Librairie Lefèvre",
    "Hôtel du Parc",
    "Fleurs & Jardins Girard",
    "Cabinet Roux Conseil",
    "Épicerie Fine Bonnet",
)
SUPPLIERS = ("Brûlerie Dupont", "Papeterie Moderne", "Céramiques Morel", "Textiles Fournier")


def make_account(session: Session, iban: str = IBAN, **fields: str) -> BankAccount:
    data = service.AccountData(label=fields.get("label", "Compte courant"), iban=iban)
    return service.create_account(session, data)


def post_takings(
    session: Session, day: date, payments: list[int], *, account: str = "511510"
) -> None:
    """A day's card takings: one debit on the card account per payment, against sales."""
    gross = sum(payments)
    net = (Decimal(gross) / Decimal("1.2")).quantize(Decimal(1))
    lines = [
        ledger.LineSpec(account=account, debit_minor=amount, label="Ventes carte")
        for amount in payments
    ]
    lines.append(ledger.LineSpec(account="707000", credit_minor=int(net), label="Ventes"))
    lines.append(ledger.LineSpec(account="445711", credit_minor=gross - int(net), label="TVA"))
    ledger.post_entry(
        session,
        journal="VE",
        entry_date=day,
        label=f"Ventes carte du {day:%d/%m/%Y}",
        piece_ref=f"Z-{day:%Y%m%d}-{account}",
        lines=lines,
        source_type="test_takings",
        source_id=uuid.uuid4(),
    )


def issue_invoice(
    session: Session, clock: FrozenClock, buyer: str, on: date, amount_excl: int
) -> Invoice:
    """A B2B invoice to ``buyer`` issued on ``on``, due 30 days later."""
    clock.set(datetime.combine(on, time(9), tzinfo=UTC))
    draft = invoices.create_draft(
        session,
        b2b_draft(
            buyer_name=buyer,
            lines=[
                InvoiceLineIn(
                    kind="goods",
                    title="Articles",
                    quantity=Decimal(1),
                    unit_price_excl_minor=amount_excl,
                    vat_rate=Decimal(20),
                )
            ],
        ),
    )
    return invoices.issue(session, draft.id, actor="test")


def approved_bill(
    session: Session, supplier_id: uuid.UUID, number: str, on: date, unit_cost: Decimal
) -> uuid.UUID:
    """An approved bill of the supplier without a purchase order, due in 30 days."""
    bill = bills.create_bill(
        session,
        BillCreate(
            supplier_id=supplier_id,
            supplier_invoice_number=number,
            bill_date=on,
            due_date=on + timedelta(days=30),
            lines=[BillLineIn(description="Marchandises", unit_cost=unit_cost, account="607000")],
        ),
    )
    bills.approve_bill(session, bill.id, actor="test", reason="ok")
    return bill.id


@dataclass
class ShopBooks:
    start: date
    end: date
    invoice_ids: list[uuid.UUID] = field(default_factory=list)
    bill_ids: list[uuid.UUID] = field(default_factory=list)
    takings_days: int = 0


def make_books(
    session: Session, clock: FrozenClock, *, start: date, days: int, seed: int = 7
) -> ShopBooks:
    """``days`` of a small shop's trading from ``start``: card takings every day (Stripe
    online, the card terminal in the shop except on Sundays), about two B2B invoices a
    week, a supplier bill every ten days."""
    rng = random.Random(seed)
    ledger.ensure_chart(session)
    make_seller(session)
    books = ShopBooks(start=start, end=start + timedelta(days=days - 1))
    suppliers = {name: make_supplier(session, name=name).id for name in SUPPLIERS}
    for offset in range(days):
        day = start + timedelta(days=offset)
        post_takings(session, day, [rng.randint(900, 15000) for _ in range(rng.randint(1, 6))])
        books.takings_days += 1
        if day.weekday() != 6:
            post_takings(
                session,
                day,
                [rng.randint(500, 9000) for _ in range(rng.randint(1, 8))],
                account="511500",
            )
        if rng.random() < 0.3:
            buyer = rng.choice(BUYERS)
            amount = rng.choice((rng.randint(50, 3000) * 100, 25000, 41650))
            books.invoice_ids.append(issue_invoice(session, clock, buyer, day, amount).id)
        if offset % 10 == 3:
            supplier = SUPPLIERS[(offset // 10) % len(SUPPLIERS)]
            number = f"F-{day:%y%m}-{offset:03d}"
            cost = Decimal(rng.randint(2000, 90000)) / 100
            books.bill_ids.append(approved_bill(session, suppliers[supplier], number, day, cost))
    session.flush()
    return books
