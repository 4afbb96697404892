"""A till sale brought back at the counter: the return is refunded there and then (cash from
the drawer, or the card terminal), and the books follow: a credit note paid back from the
till's cash account."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.billing.invoices import handlers as _handlers  # noqa: F401  (subscribes)
from comptoir.billing.invoices.models import Settlement
from comptoir.billing.ledger.models import EntryLine
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from comptoir.orders.returns import service as returns
from tests.billing.invoices.factories import invoices_of, make_seller, relay
from tests.orders.test_till import SALES, make_till, sale, staff_token


@pytest.fixture
def api(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db), base_url="https://testserver") as client:
        yield client


@pytest.mark.parametrize(("method", "treasury"), [("cash", "530000"), ("card_terminal", "511500")])
def test_a_till_sale_returned_at_the_counter_is_refunded_there_and_credited(
    api: TestClient, db: Database, session: Session, method: str, treasury: str
) -> None:
    # given 3 mugs sold at the till for 36.00, invoiced
    make_seller(session)
    till = make_till(session)
    _, token = staff_token(api, session, location_ids=[till.store_id])
    payments = [{"method": method, "amount_minor": 3600}]
    sold = api.post(SALES, json=sale(till, payments=payments), headers=till.headers(token))
    assert sold.status_code == 201, sold.text
    order_id = uuid.UUID(sold.json()["id"])
    session.commit()
    relay(db)

    # when one comes back to the counter and is refunded there
    rma = returns.request_return(
        session, order_id, [returns.LineRequest(uuid.UUID(sold.json()["lines"][0]["id"]), 1,
                                                "damaged")], actor="staff:test",
    )  # fmt: skip
    returns.receive_return(session, rma.id, actor="staff:test")
    returns.inspect_return(
        session, rma.id, [returns.LineDecision(rma.lines[0].id, "restock")], actor="staff:test"
    )
    settled = returns.settle_return(session, rma.id, production=False, actor="staff:test")
    session.commit()
    relay(db)

    # then the 12.00 is given back at the counter, and a credit note paid back from the till
    assert (settled.refund_minor, settled.refund_reference) == (
        1200, f"{method}-refund-{sold.json()['number']}-1200",
    )  # fmt: skip
    [invoice] = invoices_of(session, order_id)
    [note] = invoices_of(session, order_id, kind="credit_note")
    assert (note.original_invoice_id, note.total_gross_minor, note.status) == (
        invoice.id, 1200, "paid",
    )  # fmt: skip
    [paid_back] = session.scalars(select(Settlement).where(Settlement.invoice_id == note.id))
    assert paid_back.amount_minor == 1200
    moved = session.scalars(select(EntryLine).where(EntryLine.account_number == treasury)).all()
    assert sorted((x.debit_minor, x.credit_minor) for x in moved) == [(0, 1200), (3600, 0)]


def test_the_till_takes_a_sale_back_in_one_call(
    api: TestClient, db: Database, session: Session
) -> None:
    # given 3 mugs sold at the till for 36.00 in cash, invoiced
    make_seller(session)
    till = make_till(session)
    _, token = staff_token(api, session, location_ids=[till.store_id])
    sold = api.post(SALES, json=sale(till), headers=till.headers(token))
    assert sold.status_code == 201, sold.text
    receipt = sold.json()
    session.commit()
    relay(db)
    url = f"{SALES}/{receipt['id']}/returns"
    line_id = receipt["lines"][0]["id"]

    # when the till asks for more than was sold, then takes back one mug to the shelf and
    # one broken one
    over = api.post(
        url,
        json={"lines": [{"line_id": line_id, "quantity": 4, "reason": "changed_mind"}]},
        headers=till.headers(token),
    )
    taken = api.post(
        url,
        json={"lines": [{"line_id": line_id, "quantity": 2, "reason": "damaged",
                         "outcome": "scrap"}]},
        headers=till.headers(token),
    )  # fmt: skip
    session.commit()
    relay(db)

    # then the first changes nothing, the second is refunded in cash and credited
    assert over.status_code == 422, over.text
    assert taken.status_code == 201, taken.text
    rma = taken.json()
    assert rma["status"] == "refunded"
    assert rma["refund"]["minor_units"] == 2400
    assert [line["outcome"] for line in rma["lines"]] == ["scrap"]
    [note] = invoices_of(session, uuid.UUID(receipt["id"]), kind="credit_note")
    assert (note.total_gross_minor, note.status) == (2400, "paid")
    cash = session.scalars(select(EntryLine).where(EntryLine.account_number == "530000")).all()
    assert sorted((x.debit_minor, x.credit_minor) for x in cash) == [(0, 2400), (3600, 0)]
