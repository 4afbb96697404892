"""The back-office screens of draft orders and quotes: find the customer, create the draft,
add lines by SKU, send the quote, record the acceptance, confirm it into an order; a refusal
shows the page again with the message and changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.inventory import service as inventory
from comptoir.orders.drafts.models import DraftOrder
from comptoir.orders.models import Order
from tests.backoffice.conftest import csrf_token_of
from tests.customers.factories import address, make_customer
from tests.orders.factories import make_article, make_shop


def _count(session: Session, model: type[DraftOrder] | type[Order]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_staff_find_the_customer_create_a_draft_add_a_line_by_sku_and_confirm_it(
    client: TestClient, session: Session
) -> None:
    # given a customer and a mug in stock
    shop = make_shop(session, code="phone")
    mug = make_article(session, shop, price_minor=1200, units=10, title="Enamel mug")
    customer = make_customer(
        session, email="lea.dupont@example.fr", addresses=[address(is_default_shipping=True)]
    )
    session.commit()

    # when staff search the customer by e-mail and create the draft
    search = client.get("/admin/drafts/new", params={"q": "lea.dupont@example.fr"})
    created = client.post(
        "/admin/drafts",
        data={
            "csrf_token": csrf_token_of(search.text),
            "customer_id": str(customer.id),
            "channel_id": str(shop.channel.id),
            "payment_method": "bank_transfer",
            "payment_terms_days": "30",
        },
        follow_redirects=True,
    )
    draft = session.scalars(select(DraftOrder)).one()
    # and add 2 mugs by SKU
    added = client.post(
        f"/admin/drafts/{draft.id}/lines",
        data={"csrf_token": csrf_token_of(created.text), "sku": mug.sku, "quantity": "2"},
        follow_redirects=True,
    )
    # and confirm it
    confirmed = client.post(
        f"/admin/drafts/{draft.id}/confirm",
        data={"csrf_token": csrf_token_of(added.text)},
        follow_redirects=True,
    )

    # then the customer was found, the draft priced, and the order page shows the order
    assert search.status_code == 200
    assert f'value="{customer.id}"' in search.text
    assert created.status_code == 200
    assert draft.number in created.text
    assert "Enamel mug" in added.text
    assert 'id="draft-total"' in added.text
    assert confirmed.status_code == 200, confirmed.text
    order = session.scalars(select(Order)).one()
    assert str(confirmed.url).endswith(f"/admin/orders/{order.id}")
    assert order.number in confirmed.text
    assert (order.status, order.total_gross_minor) == ("pending_payment", 2400)
    level = inventory.get_level(session, mug.id, shop.location_id)
    assert level is not None
    assert (level.on_hand, level.reserved) == (10, 2)
    listed = client.get("/admin/drafts", params={"status": "confirmed"})
    assert draft.number in listed.text


def test_a_quote_is_sent_and_accepted_from_its_page(client: TestClient, session: Session) -> None:
    # given a draft with one line
    shop = make_shop(session)
    mug = make_article(session, shop)
    customer = make_customer(session, addresses=[address()])
    session.commit()
    page = client.get("/admin/drafts/new", params={"customer_id": str(customer.id)})
    client.post(
        "/admin/drafts",
        data={"csrf_token": csrf_token_of(page.text), "customer_id": str(customer.id),
              "channel_id": str(shop.channel.id)},
    )  # fmt: skip
    draft = session.scalars(select(DraftOrder)).one()
    shown = client.get(f"/admin/drafts/{draft.id}")
    client.post(
        f"/admin/drafts/{draft.id}/lines",
        data={"csrf_token": csrf_token_of(shown.text), "sku": mug.sku, "quantity": "1"},
    )

    # when staff send it for 10 days, then record the acceptance
    sent = client.post(
        f"/admin/drafts/{draft.id}/send",
        data={"csrf_token": csrf_token_of(shown.text), "valid_days": "10"},
        follow_redirects=True,
    )
    accepted = client.post(
        f"/admin/drafts/{draft.id}/accept",
        data={"csrf_token": csrf_token_of(sent.text)},
        follow_redirects=True,
    )

    # then the page names the quote and shows it accepted, with the confirm action
    session.refresh(draft)
    assert draft.quote_number is not None
    assert draft.quote_number in sent.text
    assert 'id="accept-quote"' in sent.text
    assert 'class="badge badge--accepted" id="draft-status"' in accepted.text
    assert 'id="confirm-draft"' in accepted.text


def test_confirming_without_stock_shows_the_problem_and_keeps_the_draft(
    client: TestClient, session: Session
) -> None:
    # given a draft of 3 cups while 1 is in stock
    shop = make_shop(session)
    cup = make_article(session, shop, units=1, title="Cup")
    customer = make_customer(session, addresses=[address()])
    session.commit()
    page = client.get("/admin/drafts/new", params={"customer_id": str(customer.id)})
    client.post(
        "/admin/drafts",
        data={"csrf_token": csrf_token_of(page.text), "customer_id": str(customer.id),
              "channel_id": str(shop.channel.id)},
    )  # fmt: skip
    draft = session.scalars(select(DraftOrder)).one()
    shown = client.get(f"/admin/drafts/{draft.id}")
    client.post(
        f"/admin/drafts/{draft.id}/lines",
        data={"csrf_token": csrf_token_of(shown.text), "sku": cup.sku, "quantity": "3"},
    )

    # when staff confirm it
    refused = client.post(
        f"/admin/drafts/{draft.id}/confirm", data={"csrf_token": csrf_token_of(shown.text)}
    )

    # then the page says why, and nothing changed
    assert refused.status_code == 409
    assert "error-summary" in refused.text
    assert "Seulement 1 disponible(s) en un même lieu." in refused.text
    session.refresh(draft)
    assert draft.status == "draft"
    assert _count(session, Order) == 0


def test_an_unknown_sku_is_refused_naming_the_field(client: TestClient, session: Session) -> None:
    # given an empty draft
    shop = make_shop(session)
    customer = make_customer(session, addresses=[address()])
    session.commit()
    page = client.get("/admin/drafts/new", params={"customer_id": str(customer.id)})
    client.post(
        "/admin/drafts",
        data={"csrf_token": csrf_token_of(page.text), "customer_id": str(customer.id),
              "channel_id": str(shop.channel.id)},
    )  # fmt: skip
    draft = session.scalars(select(DraftOrder)).one()
    shown = client.get(f"/admin/drafts/{draft.id}")

    # when staff add a SKU that does not exist
    refused = client.post(
        f"/admin/drafts/{draft.id}/lines",
        data={"csrf_token": csrf_token_of(shown.text), "sku": "NOPE-1", "quantity": "1"},
    )

    # then the form comes back with the message linked to the field and the value kept
    assert refused.status_code == 422
    assert 'href="#sku"' in refused.text
    assert 'value="NOPE-1"' in refused.text
    session.refresh(draft)
    assert draft.lines == []


def test_creating_a_draft_without_a_customer_is_refused(
    client: TestClient, session: Session
) -> None:
    # given a channel
    shop = make_shop(session)
    session.commit()
    page = client.get("/admin/drafts/new")

    # when staff submit the form without choosing a customer
    refused = client.post(
        "/admin/drafts",
        data={"csrf_token": csrf_token_of(page.text), "channel_id": str(shop.channel.id)},
    )

    # then the form comes back naming the customer field, and no draft exists
    assert refused.status_code == 422
    assert 'href="#customer_id"' in refused.text
    assert _count(session, DraftOrder) == 0
