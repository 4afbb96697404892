"""The supplier bill screens in chromium: a bill recorded from its purchase order with a
price rise, held, approved with a reason, posted and paid."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from comptoir.billing.bills import service
from comptoir.kit.db.engine import Database
from tests.billing.bills.factories import received_order
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_a_bill_with_a_price_rise_is_held_then_approved_posted_and_paid(
    page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given an order of 10 bags at 8.40, 6 received
    with committed_db.transaction() as session:
        received = received_order(session, [(10, "8.40", 6)], name="Brûlerie du Marais")
        order_id, line_id = received.order.id, received.line_ids[0]

    # when the bill is recorded from the order page at 9.40 a bag
    page.goto(live_server.at(f"/admin/purchasing/orders/{order_id}"))
    page.locator("#record-bill").click()
    page.locator("#supplier_invoice_number").fill("BM-2026-118")
    page.locator("#bill_date").fill("2026-11-20")
    page.locator(f"#unit_cost-{line_id}").fill("9.40")
    page.locator("#record-bill").click()

    # then it waits on hold, the line marked
    expect(page.locator("#bill-status")).to_have_text(re.compile("On hold|Bloquée"))
    expect(page.locator("#match-table tr.row--discrepancy")).to_have_count(1)
    page.screenshot(path="/tmp/supplier-bill-on-hold-1280.png", full_page=True)

    # when someone approves it with a reason, posts it and pays part of it
    page.locator("#reason").fill("New price list from 1 November.")
    page.locator("#approve-on-hold").click()
    expect(page.locator("#approval-reason")).to_have_text("New price list from 1 November.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#post").click()
    page.locator("#amount").fill("30.00")
    page.locator("#paid_on").fill("2026-11-25")
    page.locator("#pay").click()

    # then the bill is partly paid and posted
    expect(page.locator("#payments tbody tr")).to_have_count(1)
    with committed_db.transaction(readonly=True) as session:
        bill = service.list_bills(session, purchase_order_id=order_id).items[0]
        assert (bill.status, bill.amount_paid_minor, bill.total_gross_minor) == (
            "partially_paid",
            3000,
            6768,
        )
        assert bill.approval_reason == "New price list from 1 November."
        assert bill.entry_id is not None
