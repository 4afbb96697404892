"""A return completed in another system, recorded as settled in one go (a shop's history):
its lines, units and refund, dated when it happened; no stock moves, no refund through the
provider, no event; and what is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.kit.errors import InvalidInput
from comptoir.kit.events.models import OutboxEvent
from comptoir.orders.returns import service
from comptoir.orders.returns.models import Return
from tests.orders.factories import make_article, make_shop
from tests.orders.fulfilment.support import movements, place

WHEN = datetime(2011, 3, 1, 10, 0, tzinfo=UTC)


def _placed(api: TestClient, session: Session) -> tuple[uuid.UUID, list[uuid.UUID], uuid.UUID]:
    """An order of 3 mugs at 12.00 and a plate: (order id, its line ids, mug variant id)."""
    shop = make_shop(session)
    mug = make_article(session, shop, units=10, price_minor=1200)
    plate = make_article(session, shop, units=10, price_minor=900)
    session.commit()
    order = place(api, shop, [(mug.id, 3), (plate.id, 1)])
    lines = order["lines"]
    assert isinstance(lines, list)
    return uuid.UUID(str(order["id"])), [uuid.UUID(line["id"]) for line in lines], mug.id


def _outbox(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEvent)) or 0


def test_a_settled_return_is_recorded_refunded_at_its_date_and_moves_nothing(
    api: TestClient, session: Session
) -> None:
    # given an order of 3 mugs and a plate
    order_id, (mug_line, _), mug_id = _placed(api, session)
    ledger, events = movements(session, mug_id), _outbox(session)

    # when 2 mugs come back, refunded 24.00 plus 4.50 of postage
    rma = service.record_settled_return(
        session,
        order_id,
        [service.SettledLine(mug_line, 2, 2400, comment="imported cancellation")],
        number="history:C1/1",
        settled_at=WHEN,
        refund_minor=2850,
        reference="C1",
        note="imported cancellation C1",
    )

    # then
    session.expire_all()
    saved = session.get(Return, rma.id)
    assert saved is not None
    assert (saved.status, saved.refund_minor, saved.refund_reference) == ("refunded", 2850, "C1")
    assert saved.received_at == saved.inspected_at == saved.refunded_at == WHEN
    assert [(x.quantity, x.reason, x.comment, x.refund_minor) for x in saved.lines] == [
        (2, "other", "imported cancellation", 2400)
    ]
    assert service.returned_quantities(session, order_id) == {mug_line: 2}
    assert movements(session, mug_id) == ledger
    assert _outbox(session) == events


@pytest.mark.parametrize(
    ("quantity", "refund", "total", "field"),
    [
        (4, 100, 100, "lines.0.quantity"),  # 3 sold
        (0, 0, 0, "lines.0.quantity"),
        (1, -5, 0, "lines.0.refund_minor"),
        (1, 1200, 1000, "refund_minor"),  # less than the lines
    ],
)
def test_a_settled_return_beyond_the_sale_is_refused_and_changes_nothing(
    api: TestClient, session: Session, quantity: int, refund: int, total: int, field: str
) -> None:
    # given
    order_id, (mug_line, _), _ = _placed(api, session)

    # when
    with pytest.raises(InvalidInput) as refused:
        service.record_settled_return(
            session, order_id, [service.SettledLine(mug_line, quantity, refund)],
            number="history:C2/1", settled_at=WHEN, refund_minor=total, reference="C2",
        )  # fmt: skip

    # then
    assert refused.value.field == field
    assert session.scalar(select(func.count()).select_from(Return)) == 0
    assert service.returned_quantities(session, order_id) == {}


def test_units_already_given_back_and_a_used_number_are_refused(
    api: TestClient, session: Session
) -> None:
    # given 2 of the 3 mugs already given back
    order_id, (mug_line, plate_line), _ = _placed(api, session)
    service.record_settled_return(
        session, order_id, [service.SettledLine(mug_line, 2, 2400)],
        number="history:C3/1", settled_at=WHEN, refund_minor=2400, reference="C3",
    )  # fmt: skip

    # when
    with pytest.raises(InvalidInput) as too_many:
        service.record_settled_return(
            session, order_id, [service.SettledLine(mug_line, 2, 2400)],
            number="history:C4/1", settled_at=WHEN, refund_minor=2400, reference="C4",
        )  # fmt: skip
    with pytest.raises(InvalidInput) as reused:
        service.record_settled_return(
            session, order_id, [service.SettledLine(plate_line, 1, 900)],
            number="history:C3/1", settled_at=WHEN, refund_minor=900, reference="C3",
        )  # fmt: skip
    with pytest.raises(InvalidInput) as foreign:
        service.record_settled_return(
            session, order_id, [service.SettledLine(uuid.uuid4(), 1, 900)],
            number="history:C5/1", settled_at=WHEN, refund_minor=900, reference="C5",
        )  # fmt: skip

    # then
    assert (too_many.value.field, reused.value.field, foreign.value.field) == (
        "lines.0.quantity", "number", "lines.0.line_id",
    )  # fmt: skip
    assert session.scalar(select(func.count()).select_from(Return)) == 1
