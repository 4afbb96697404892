"""Recording a supplier bill from a purchase order and the three-way match: quantities
against what was received and already billed, unit costs against the order within the
tolerance, totals per VAT rate against what the supplier printed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.bills import service
from comptoir.billing.bills.matching import MatchTolerance, describe
from comptoir.billing.bills.models import SupplierBill
from comptoir.billing.bills.schemas import BillCreate, BillUpdate
from tests.billing.bills.factories import BILL_DATE, bill_of, received_order
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location
from tests.purchasing.factories import make_purchase_order


def _count_bills(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SupplierBill)) or 0


def test_a_bill_from_a_purchase_order_holds_what_was_received_at_the_order_cost(
    session: Session,
) -> None:
    # given 6 of 10 received on one line, 5 of 5 on the other
    received = received_order(session, [(10, "8.40", 6), (5, "2.00", 5)], payment_terms_days=45)

    # when
    bill = bill_of(session, received)

    # then
    assert [(line.quantity, line.unit_cost_minor) for line in bill.lines] == [(6, 840), (5, 200)]
    assert [line.account for line in bill.lines] == ["607000", "607000"]
    assert (bill.total_net_minor, bill.total_vat_minor, bill.total_gross_minor) == (
        6040,
        1208,
        7248,
    )
    assert bill.status == "draft"
    assert bill.due_date == BILL_DATE + timedelta(days=45)
    assert bill.currency == "EUR"


def test_a_bill_matching_its_order_and_receipt_passes(session: Session) -> None:
    received = received_order(session, [(10, "8.40", 6)])
    bill = bill_of(session, received, stated_total=Decimal("60.48"))

    service.match_bill(session, bill.id)

    assert bill.status == "matched"
    assert bill.discrepancies == []
    line = bill.lines[0]
    assert (line.match_ordered, line.match_received, line.match_already_billed) == (10, 6, 0)
    assert (line.match_price_difference_minor, line.match_result) == (0, "ok")


def test_billing_more_than_was_received_puts_the_bill_on_hold(session: Session) -> None:
    received = received_order(session, [(10, "8.40", 6)])
    bill = bill_of(
        session,
        received,
        lines=[{"order_line_id": received.line_ids[0], "quantity": 8, "unit_cost": "8.40"}],
    )

    service.match_bill(session, bill.id)

    assert bill.status == "on_hold"
    assert [d["code"] for d in bill.discrepancies] == ["over_billed"]
    assert bill.lines[0].match_result == "over_billed"
    assert describe(bill.discrepancies[0], "EUR", "en") == (
        "Line 1: 8 units billed, but only 6 received and not yet billed "
        "(6 received, 0 already billed)."
    )


def test_a_second_bill_cannot_bill_again_what_the_first_billed(session: Session) -> None:
    received = received_order(session, [(10, "8.40", 6)])
    line_id = received.line_ids[0]
    first = bill_of(
        session,
        received,
        "F-1",
        lines=[{"order_line_id": line_id, "quantity": 4, "unit_cost": "8.40"}],
    )
    service.match_bill(session, first.id)

    second = bill_of(session, received, "F-2")
    assert [line.quantity for line in second.lines] == [2]
    service.update_bill(
        session,
        second.id,
        BillUpdate.model_validate(
            {"lines": [{"order_line_id": line_id, "quantity": 3, "unit_cost": "8.40"}]}
        ),
    )
    service.match_bill(session, second.id)

    assert first.status == "matched"
    assert second.status == "on_hold"
    assert second.lines[0].match_already_billed == 4
    assert second.discrepancies[0]["billable"] == 2


@pytest.mark.parametrize(
    ("order_cost", "billed_cost", "status"),
    [
        ("8.40", "8.50", "matched"),  # 0.10 is within 2 % of 8.40 (0.168)
        ("8.40", "8.60", "on_hold"),  # 0.20 is more than 2 %
        ("8.40", "8.20", "on_hold"),  # cheaper by more than 2 % is a difference too
        ("100.00", "101.50", "on_hold"),  # 1.5 % but more than one euro
        ("100.00", "101.00", "matched"),  # exactly one euro
    ],
)
def test_a_unit_cost_is_accepted_within_two_percent_and_one_euro_of_the_order(
    session: Session, order_cost: str, billed_cost: str, status: str
) -> None:
    received = received_order(session, [(2, order_cost, 2)])
    bill = bill_of(
        session,
        received,
        lines=[{"order_line_id": received.line_ids[0], "quantity": 2, "unit_cost": billed_cost}],
    )

    service.match_bill(session, bill.id)

    assert bill.status == status
    assert bill.lines[0].match_price_difference_minor == (
        int(Decimal(billed_cost) * 100) - int(Decimal(order_cost) * 100)
    )
    if status == "on_hold":
        assert [d["code"] for d in bill.discrepancies] == ["price_difference"]
        assert bill.lines[0].match_result == "price_difference"


def test_a_looser_tolerance_can_be_given(session: Session) -> None:
    received = received_order(session, [(2, "8.40", 2)])
    bill = bill_of(
        session,
        received,
        lines=[{"order_line_id": received.line_ids[0], "quantity": 2, "unit_cost": "8.60"}],
    )

    service.match_bill(session, bill.id, tolerance=MatchTolerance(percent=Decimal("0.05")))

    assert bill.status == "matched"


def test_a_duplicate_supplier_invoice_number_is_refused_and_nothing_is_written(
    session: Session,
) -> None:
    received = received_order(session, [(10, "8.40", 10)])
    bill_of(
        session,
        received,
        "F-2026-0412",
        lines=[{"order_line_id": received.line_ids[0], "quantity": 2, "unit_cost": "8.40"}],
    )
    before = _count_bills(session)

    with pytest.raises(service.DuplicateSupplierInvoice) as caught:
        bill_of(session, received, " F-2026-0412 ")

    assert caught.value.field == "supplier_invoice_number"
    assert caught.value.status == 409
    assert _count_bills(session) == before


def test_another_supplier_may_use_the_same_invoice_number(session: Session) -> None:
    one = received_order(session, [(1, "5.00", 1)])
    other = received_order(session, [(1, "5.00", 1)])
    bill_of(session, one, "0001")

    bill = bill_of(session, other, "0001")

    assert bill.supplier_invoice_number == "0001"


def test_vat_is_computed_once_per_rate_on_the_total(session: Session) -> None:
    # three lines of 0.03: 0.006 of VAT each, 0.018 on their total (BR-CO-17)
    received = received_order(session, [(1, "0.03", 1), (1, "0.03", 1), (1, "0.03", 1)])

    bill = bill_of(session, received)

    assert [(t.rate, t.base_minor, t.vat_minor) for t in bill.tax_totals] == [
        (Decimal("0.2000"), 9, 2)
    ]
    assert bill.total_gross_minor == 11


def _two_rates(session: Session, number: str, **fields: object) -> SupplierBill:
    received = received_order(session, [(10, "8.40", 10), (4, "5.00", 4)])
    lines = [
        {"order_line_id": received.line_ids[0], "quantity": 10, "unit_cost": "8.40"},
        {
            "order_line_id": received.line_ids[1],
            "quantity": 4,
            "unit_cost": "5.00",
            "vat_rate": "0.055",
        },
    ]
    # 84.00 at 20 % (16.80) and 20.00 at 5.5 % (1.10): 121.90
    bill = bill_of(session, received, number, lines=lines, **fields)
    return service.match_bill(session, bill.id)


def test_a_supplier_total_within_a_cent_per_rate_passes(session: Session) -> None:
    bill = _two_rates(session, "A", stated_total=Decimal("121.92"))

    assert bill.total_gross_minor == 12190
    assert bill.status == "matched"


def test_a_supplier_total_or_vat_beyond_a_cent_per_rate_is_held(session: Session) -> None:
    stated_vat = [{"rate": "0.20", "vat": "16.85"}, {"rate": "0.055", "vat": "1.11"}]

    bill = _two_rates(session, "B", stated_total=Decimal("121.95"), stated_vat=stated_vat)

    assert bill.status == "on_hold"
    assert [d["code"] for d in bill.discrepancies] == ["vat_difference", "total_difference"]
    vat = bill.discrepancies[0]
    assert (vat["rate"], vat["stated_minor"], vat["computed_minor"]) == ("0.2000", 1685, 1680)
    assert describe(vat, "EUR", "fr") == (
        "TVA à 20 % : le fournisseur indique 16,85\u00a0€, la TVA calculée est de 16,80\u00a0€."
    )


def test_a_free_line_goes_to_its_own_account_and_is_not_matched(session: Session) -> None:
    received = received_order(session, [(2, "10.00", 2)])

    bill = bill_of(
        session,
        received,
        extra_lines=[{"description": "Transport", "unit_cost": "12.50", "account": "624100"}],
    )
    service.match_bill(session, bill.id)

    assert [(line.account, line.net_minor) for line in bill.lines] == [
        ("607000", 2000),
        ("624100", 1250),
    ]
    assert bill.lines[1].match_result == "free"
    assert bill.status == "matched"


def test_a_free_line_without_a_description_is_refused(session: Session) -> None:
    received = received_order(session, [(2, "10.00", 2)])
    before = _count_bills(session)

    with pytest.raises(service.SupplierBillInvalid) as caught:
        bill_of(session, received, extra_lines=[{"unit_cost": "12.50", "account": "624100"}])

    assert caught.value.field == "lines.1.description"
    assert _count_bills(session) == before


def test_a_line_of_another_order_is_refused(session: Session) -> None:
    received = received_order(session, [(2, "10.00", 2)])
    other = received_order(session, [(2, "10.00", 2)])

    with pytest.raises(service.SupplierBillInvalid) as caught:
        bill_of(session, received, lines=[{"order_line_id": other.line_ids[0], "unit_cost": "1"}])

    assert caught.value.field == "lines.0.order_line_id"


def test_an_order_wholly_billed_has_nothing_left_to_bill(session: Session) -> None:
    received = received_order(session, [(3, "4.00", 3)])
    service.match_bill(session, bill_of(session, received, "F-1").id)

    with pytest.raises(service.NothingToBill):
        bill_of(session, received, "F-2")


def test_an_order_not_sent_cannot_be_billed(session: Session) -> None:
    draft = make_purchase_order(
        session,
        location_id=make_location(session).id,
        lines=[(make_variant(session).id, 3, Decimal("4.00"))],
        send=False,
    )

    with pytest.raises(service.SupplierBillStateConflict) as caught:
        service.create_bill(
            session,
            BillCreate(
                purchase_order_id=draft.id, supplier_invoice_number="X", bill_date=BILL_DATE
            ),
        )

    assert caught.value.field == "purchase_order_id"


def test_editing_a_bill_on_hold_sends_it_back_to_draft(session: Session) -> None:
    received = received_order(session, [(10, "8.40", 6)])
    line_id = received.line_ids[0]
    bill = bill_of(
        session, received, lines=[{"order_line_id": line_id, "quantity": 8, "unit_cost": "8.40"}]
    )
    service.match_bill(session, bill.id)

    service.update_bill(
        session,
        bill.id,
        BillUpdate.model_validate(
            {"lines": [{"order_line_id": line_id, "quantity": 6, "unit_cost": "8.40"}]}
        ),
    )

    assert (bill.status, bill.discrepancies, bill.total_net_minor) == ("draft", [], 5040)
    assert service.match_bill(session, bill.id).status == "matched"


def test_a_bad_edit_changes_nothing(session: Session) -> None:
    received = received_order(session, [(10, "8.40", 6)])
    bill = bill_of(session, received)
    service.match_bill(session, bill.id)

    with pytest.raises(service.SupplierBillInvalid) as caught:
        service.update_bill(
            session,
            bill.id,
            BillUpdate.model_validate(
                {
                    "due_date": "2026-01-01",
                    "lines": [
                        {"order_line_id": received.line_ids[0], "quantity": 1, "unit_cost": "1"}
                    ],
                }
            ),
        )

    assert caught.value.field == "due_date"
    assert (bill.status, [line.quantity for line in bill.lines]) == ("matched", [6])


def test_an_approved_bill_cannot_be_edited(session: Session) -> None:
    received = received_order(session, [(10, "8.40", 6)])
    bill = bill_of(session, received)
    service.approve_bill(session, bill.id, actor="Alice")

    with pytest.raises(service.SupplierBillStateConflict):
        service.update_bill(session, bill.id, BillUpdate(note="late"))

    assert bill.note == ""


def test_approving_a_matched_bill_records_who(session: Session) -> None:
    received = received_order(session, [(10, "8.40", 6)])
    bill = bill_of(session, received)

    service.approve_bill(session, bill.id, actor="Alice Martin")

    assert (bill.status, bill.approved_by, bill.approval_reason) == (
        "approved",
        "Alice Martin",
        None,
    )


def test_a_bill_on_hold_is_not_approved_without_a_reason(session: Session) -> None:
    received = received_order(session, [(2, "8.40", 2)])
    bill = bill_of(
        session,
        received,
        lines=[{"order_line_id": received.line_ids[0], "quantity": 2, "unit_cost": "9.40"}],
    )
    service.match_bill(session, bill.id)

    with pytest.raises(service.ApprovalReasonRequired) as caught:
        service.approve_bill(session, bill.id, actor="Alice", reason="  ")

    assert caught.value.field == "reason"
    assert (bill.status, bill.approved_at, bill.approved_by) == ("on_hold", None, None)


def test_a_bill_on_hold_is_approved_with_a_written_reason(session: Session) -> None:
    received = received_order(session, [(2, "8.40", 2)])
    bill = bill_of(
        session,
        received,
        lines=[{"order_line_id": received.line_ids[0], "quantity": 2, "unit_cost": "9.40"}],
    )
    service.match_bill(session, bill.id)

    service.approve_bill(
        session, bill.id, actor="Alice", reason="Price rise agreed by phone on 12 November."
    )

    assert bill.status == "approved"
    assert bill.approval_reason == "Price rise agreed by phone on 12 November."
    assert bill.approved_by == "Alice"
    assert [d["code"] for d in bill.discrepancies] == ["price_difference"]


def test_a_credit_note_cannot_credit_more_than_was_billed(session: Session) -> None:
    received = received_order(session, [(10, "8.40", 10)])
    line_id = received.line_ids[0]
    service.approve_bill(
        session,
        bill_of(
            session,
            received,
            "F-1",
            lines=[{"order_line_id": line_id, "quantity": 4, "unit_cost": "8.40"}],
        ).id,
        actor="Alice",
    )
    too_much = bill_of(
        session,
        received,
        "AV-1",
        is_credit=True,
        lines=[{"order_line_id": line_id, "quantity": 5, "unit_cost": "8.40"}],
    )
    right = bill_of(
        session,
        received,
        "AV-2",
        is_credit=True,
        lines=[{"order_line_id": line_id, "quantity": 1, "unit_cost": "8.40"}],
    )

    service.match_bill(session, too_much.id)
    service.approve_bill(session, right.id, actor="Alice")

    assert too_much.status == "on_hold"
    assert [d["code"] for d in too_much.discrepancies] == ["over_credited"]
    assert right.status == "approved"
    # the unit credited may be billed again: 10 received, 4 billed, 1 credited
    assert [quantity for _line, quantity in service.billable_lines(session, received.order.id)] == [
        7
    ]


def test_a_bill_without_lines_or_order_is_refused(session: Session) -> None:
    with pytest.raises(service.SupplierBillInvalid) as caught:
        service.create_bill(session, BillCreate(supplier_invoice_number="X", bill_date=BILL_DATE))

    assert caught.value.field == "purchase_order_id"
