"""Marketplace orders: imported through the admin API (and from a CSV file by the command),
placed paid with their stock allocated and their VAT, once per channel and marketplace order
id; a bad order is rejected alone and leaves nothing behind."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from comptoir.api import create_app
from comptoir.cli import app
from comptoir.customers import service as customers
from comptoir.inventory import service as inventory
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.settings import Settings, get_settings
from comptoir.orders.marketplace import service as marketplace
from comptoir.orders.marketplace.demo import seed_marketplace_orders
from comptoir.orders.marketplace.schemas import MarketplaceOrder
from comptoir.orders.models import Order
from tests.orders.factories import Shop, make_article, make_shop
from tests.support.auth import act_as

IMPORTS = "/api/v1/orders/marketplace-imports"
ORDERS = "/api/v1/orders"


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app(settings, db)
    act_as(app, "orders:read", "orders:write")
    with TestClient(app) as test_client:
        yield test_client


def make_marketplace(session: Session, **kw: Any) -> Shop:
    """A shop whose channel is a marketplace."""
    shop = make_shop(session, **kw)
    shop.channel.kind = "marketplace"
    session.flush()
    return shop


def marketplace_order(
    reference: str,
    *lines: tuple[str, int, int],
    email: str | None = "ada@example.com",
    country: str = "FR",
    **more: Any,
) -> dict[str, Any]:
    """A marketplace order in the JSON format; ``lines`` are (sku, quantity, unit price)."""
    return {
        "marketplace_order_id": reference,
        "placed_at": "2026-11-22T18:30:00+01:00",
        "currency": "EUR",
        "buyer": {"email": email, "first_name": "Ada", "last_name": "Lovelace"},
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "12 rue des Lilas",
            "postal_code": "75011",
            "city": "Paris",
            "country": country,
        },
        "lines": [
            {"sku": sku, "quantity": quantity, "unit_price_minor": price}
            for sku, quantity, price in lines
        ],
        **more,
    }


def _level(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> tuple[int, int]:
    level = inventory.get_level(session, variant_id, location_id)
    assert level is not None
    return level.on_hand, level.reserved


def _events(session: Session, order_id: str) -> list[str]:
    return list(
        session.scalars(
            select(OutboxEvent.type)
            .where(OutboxEvent.key == order_id)
            .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
        )
    )


def _orders_of(session: Session, shop: Shop) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Order).where(Order.channel_id == shop.channel.id)
        )
        or 0
    )


def test_a_batch_is_imported_paid_with_its_stock_allocated_vat_and_events(
    staff: TestClient, session: Session
) -> None:
    # given a marketplace selling a mug (20 % VAT) with 10 units on hand
    shop = make_marketplace(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    batch = {
        "channel_id": str(shop.channel.id),
        "orders": [
            marketplace_order(
                "405-0000001", (mug.sku, 2, 1490), shipping_fee_minor=490, total_minor=3470
            ),
            marketplace_order("405-0000002", (mug.sku, 1, 1490), email="grace@example.com"),
        ],
    }

    # when the batch is imported
    answer = staff.post(IMPORTS, json=batch)

    # then both orders are created, paid, with their units allocated
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert [c["marketplace_order_id"] for c in report["created"]] == ["405-0000001", "405-0000002"]
    assert (report["duplicates"], report["rejected"]) == ([], [])
    code = shop.channel.code.upper()
    assert [c["number"] for c in report["created"]] == [
        f"{code}-2026-000001",
        f"{code}-2026-000002",
    ]
    first = staff.get(f"{ORDERS}/{report['created'][0]['order_id']}").json()
    assert first["external_reference"] == "405-0000001"
    assert first["status"] == "paid"
    assert first["placed_at"] == "2026-11-22T17:30:00Z"
    assert [(line["sku"], line["quantity"], line["vat_rate"]) for line in first["lines"]] == [
        (mug.sku, 2, "20")
    ]
    assert first["lines"][0]["unit_price_incl_tax"]["amount"] == "14.90"
    assert first["lines"][0]["unit_price_excl_tax"]["amount"] == "12.42"
    # VAT once per rate on lines + shipping fee, both at 20 %: 34.70 = 28.92 + 5.78
    assert (first["total_gross"]["amount"], first["total_net"]["amount"]) == ("34.70", "28.92")
    assert first["total_tax"]["amount"] == "5.78"
    assert first["delivery"]["fee_incl_tax"]["amount"] == "4.90"
    assert [(p["provider"], p["status"], p["amount"]["amount"]) for p in first["payments"]] == [
        ("marketplace", "captured", "34.70")
    ]
    assert [e["kind"] for e in first["timeline"]] == ["placed", "paid"]
    assert first["lines"][0]["location_id"] == str(shop.location_id)
    assert _level(session, mug.id, shop.location_id) == (10, 3)
    assert _events(session, first["id"]) == ["order.placed", "order.paid"]
    # and the buyers are customers coming from the marketplace
    found = customers.find_by_email(session, "grace@example.com")
    assert found is not None
    assert found.source == "marketplace"
    ada = customers.find_by_email(session, "ada@example.com")
    assert ada is not None
    assert first["customer_id"] == str(ada.id)


def test_an_order_imported_again_is_reported_as_a_duplicate_and_not_placed_twice(
    staff: TestClient, session: Session
) -> None:
    # given an order already imported
    shop = make_marketplace(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    order = marketplace_order("AMZ-1", (mug.sku, 2, 1200))
    first = staff.post(IMPORTS, json={"channel_id": str(shop.channel.id), "orders": [order]})
    created = first.json()["created"][0]

    # when it comes again, once in a later batch and twice in the same one
    again = staff.post(
        IMPORTS,
        json={
            "channel_id": str(shop.channel.id),
            "orders": [order, marketplace_order("AMZ-2", (mug.sku, 1, 1200))] * 2,
        },
    )

    # then it is named as a duplicate of the existing order; AMZ-2 is placed once
    assert again.status_code == 200, again.text
    report = again.json()
    assert [c["marketplace_order_id"] for c in report["created"]] == ["AMZ-2"]
    assert [
        (d["index"], d["marketplace_order_id"], d["order_id"]) for d in report["duplicates"]
    ] == [
        (0, "AMZ-1", created["order_id"]),
        (2, "AMZ-1", created["order_id"]),
        (3, "AMZ-2", report["created"][0]["order_id"]),
    ]
    assert _orders_of(session, shop) == 2
    assert _level(session, mug.id, shop.location_id) == (10, 3)


def test_a_bad_order_is_rejected_with_its_reason_and_changes_nothing_while_the_others_are_placed(
    staff: TestClient, session: Session
) -> None:
    # given a marketplace with 10 mugs and only 1 cup
    shop = make_marketplace(session)
    mug = make_article(session, shop, units=10)
    cup = make_article(session, shop, units=1, title="Cup")
    session.commit()
    batch = {
        "channel_id": str(shop.channel.id),
        "orders": [
            marketplace_order("BAD-SKU", (mug.sku, 1, 1200), ("NO-SUCH-SKU", 1, 500),
                              email="sku@example.com"),
            marketplace_order("GOOD", (mug.sku, 1, 1200)),
            marketplace_order("BAD-STOCK", (mug.sku, 1, 1200), (cup.sku, 2, 800),
                              email="stock@example.com"),
            marketplace_order("BAD-TOTAL", (mug.sku, 1, 1200), total_minor=1100),
            marketplace_order("BAD-PRICE", (mug.sku, 1, -5)),
            marketplace_order("BAD-CURRENCY", (mug.sku, 1, 1200), currency="GBP"),
            marketplace_order("BAD-PHONE", (mug.sku, 1, 1200), email=None,
                              buyer={"phone": "not a phone"}),
        ],
    }  # fmt: skip

    # when the batch is imported
    answer = staff.post(IMPORTS, json=batch, headers={"Accept-Language": "en"})

    # then only the good order is placed, each bad one is named with its reason
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert [c["marketplace_order_id"] for c in report["created"]] == ["GOOD"]
    rejected = {r["marketplace_order_id"]: r for r in report["rejected"]}
    assert {k: (r["index"], r["type"], r["field"]) for k, r in rejected.items()} == {
        "BAD-SKU": (0, "/problems/unknown-sku", "lines.1.sku"),
        "BAD-STOCK": (2, "/problems/insufficient-stock", "lines.1.quantity"),
        "BAD-TOTAL": (3, "/problems/marketplace-amount-invalid", "total_minor"),
        "BAD-PRICE": (4, "/problems/marketplace-amount-invalid", "lines.0.unit_price_minor"),
        "BAD-CURRENCY": (5, "/problems/marketplace-amount-invalid", "currency"),
        "BAD-PHONE": (6, "/problems/invalid-customer", "buyer.phone"),
    }
    assert rejected["BAD-SKU"]["detail"] == "No product has the SKU NO-SUCH-SKU."
    assert rejected["BAD-STOCK"]["detail"] == (
        f"{cup.sku}: 2 units ordered, at most 1 available at one location of this channel."
    )
    assert rejected["BAD-TOTAL"]["detail"] == (
        "The total 11.00 EUR is not the lines plus the shipping fee, 12.00 EUR."
    )
    # and nothing of the rejected orders exists: no order, allocation, customer nor event
    assert _orders_of(session, shop) == 1
    assert _level(session, mug.id, shop.location_id) == (10, 1)
    assert _level(session, cup.id, shop.location_id) == (1, 0)
    assert customers.find_by_email(session, "sku@example.com") is None
    assert customers.find_by_email(session, "stock@example.com") is None
    placed = session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "order.placed")
    )
    assert placed == 1
    # and the good order took the first number: the rejected ones left no gap
    assert report["created"][0]["number"] == f"{shop.channel.code.upper()}-2026-000001"


def test_rejection_reasons_are_given_in_french(staff: TestClient, session: Session) -> None:
    shop = make_marketplace(session)
    session.commit()
    batch = {
        "channel_id": str(shop.channel.id),
        "orders": [marketplace_order("X", ("NOPE", 1, 100))],
    }

    answer = staff.post(IMPORTS, json=batch, headers={"Accept-Language": "fr"})

    assert answer.json()["rejected"][0]["detail"] == "Aucun produit n’a la référence NOPE."  # noqa: RUF001


def test_only_a_marketplace_channel_takes_imports(staff: TestClient, session: Session) -> None:
    # given a web shop channel
    web = make_shop(session)
    mug = make_article(session, web)
    session.commit()
    orders = [marketplace_order("W-1", (mug.sku, 1, 1200))]

    # when orders are imported for it, or for a channel that does not exist
    refused = staff.post(IMPORTS, json={"channel_id": str(web.channel.id), "orders": orders})
    unknown = staff.post(IMPORTS, json={"channel_id": str(uuid.uuid4()), "orders": orders})

    # then
    assert (refused.status_code, refused.json()["type"]) == (422, "/problems/not-a-marketplace")
    assert refused.json()["field"] == "channel_id"
    assert (unknown.status_code, unknown.json()["type"]) == (404, "/problems/channel-not-found")
    assert _orders_of(session, web) == 0


def test_a_request_off_the_format_is_refused_whole(staff: TestClient, session: Session) -> None:
    shop = make_marketplace(session)
    mug = make_article(session, shop)
    session.commit()
    broken = marketplace_order("B-2", (mug.sku, 1, 1200))
    del broken["lines"][0]["sku"]
    orders = [marketplace_order("B-1", (mug.sku, 1, 1200)), broken]

    answer = staff.post(IMPORTS, json={"channel_id": str(shop.channel.id), "orders": orders})

    assert answer.status_code == 422
    assert answer.json()["field"] == "orders.1.lines.0.sku"
    assert _orders_of(session, shop) == 0


def test_an_order_the_marketplace_has_not_collected_awaits_its_payment(
    staff: TestClient, session: Session
) -> None:
    # given an order the marketplace did not collect
    shop = make_marketplace(session)
    mug = make_article(session, shop)
    session.commit()
    order = marketplace_order("P-1", (mug.sku, 1, 1200), paid_by_marketplace=False)

    # when it is imported, then its payment confirmed
    report = staff.post(IMPORTS, json={"channel_id": str(shop.channel.id), "orders": [order]})
    order_id = report.json()["created"][0]["order_id"]
    waiting = staff.get(f"{ORDERS}/{order_id}").json()
    confirmed = staff.post(f"{ORDERS}/{order_id}/payments/confirm", json={})

    # then it waited for it, and is paid once confirmed
    assert waiting["status"] == "pending_payment"
    assert [p["status"] for p in waiting["payments"]] == ["pending"]
    assert _events(session, order_id) == ["order.placed", "order.paid"]
    assert confirmed.json()["status"] == "paid"


@pytest.mark.parametrize(
    ("country", "scheme", "rate", "tax"),
    [("DE", "oss", "19", "1.92"), ("US", "export", "0", "0.00")],
)
def test_vat_follows_the_destination(
    staff: TestClient, session: Session, country: str, scheme: str, rate: str, tax: str
) -> None:
    # given a buyer in Germany (EU standard rate) or in the United States (export)
    shop = make_marketplace(session)
    mug = make_article(session, shop)
    session.commit()
    order = marketplace_order("V-1", (mug.sku, 1, 1200), country=country)

    # when the order is imported
    report = staff.post(IMPORTS, json={"channel_id": str(shop.channel.id), "orders": [order]})
    placed = staff.get(f"{ORDERS}/{report.json()['created'][0]['order_id']}").json()

    # then the price paid stays, the VAT inside it is the destination's
    assert (placed["vat_scheme"], placed["lines"][0]["vat_rate"]) == (scheme, rate)
    assert (placed["total_gross"]["amount"], placed["total_tax"]["amount"]) == ("12.00", tax)


def test_the_order_pages_show_the_marketplace_order_id(
    staff: TestClient, client: TestClient, session: Session
) -> None:
    shop = make_marketplace(session)
    mug = make_article(session, shop)
    session.commit()
    order = marketplace_order("405-7777777", (mug.sku, 1, 1200))
    report = staff.post(IMPORTS, json={"channel_id": str(shop.channel.id), "orders": [order]})
    order_id = report.json()["created"][0]["order_id"]

    listed = client.get("/admin/orders")
    shown = client.get(f"/admin/orders/{order_id}")

    assert "405-7777777" in listed.text
    assert 'id="order-external-reference">405-7777777<' in shown.text


# -- the command and the race -----------------------------------------------------------------

CSV_HEADER = (
    "marketplace_order_id,placed_at,currency,buyer_email,buyer_first_name,buyer_last_name,"
    "shipping_name,shipping_line1,shipping_postal_code,shipping_city,shipping_country,"
    "sku,quantity,unit_price_minor,shipping_fee_minor,paid_by_marketplace"
)


def _csv_line(reference: str, sku: str, quantity: int, price: int, fee: str = "") -> str:
    return (
        f"{reference},2026-11-22T18:30:00+01:00,EUR,{reference.lower()}@example.com,Ada,"
        f"Lovelace,Ada Lovelace,12 rue des Lilas,75011,Paris,FR,{sku},{quantity},{price},{fee},yes"
    )


@pytest.fixture
def cli_env(
    database_url: str, committed_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", database_url)
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COMPTOIR_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    yield committed_db
    get_settings.cache_clear()


@pytest.mark.committed
def test_the_command_imports_a_csv_file_once_and_reports_each_order(
    cli_env: Database, tmp_path: Path, clock: FrozenClock
) -> None:
    # given a marketplace selling mugs, and a file of three orders (one of two lines, one
    # with an unknown SKU on its second line)
    with cli_env.transaction() as session:
        shop = make_marketplace(session, code=f"mkt{uuid.uuid4().hex[:6]}")
        mug = make_article(session, shop, units=10)
        code, sku, variant_id, location_id = shop.channel.code, mug.sku, mug.id, shop.location_id
    path = tmp_path / "orders.csv"
    path.write_text(
        "\n".join(
            [
                CSV_HEADER,
                _csv_line("M-1", sku, 2, 1490, fee="490"),
                _csv_line("M-2", sku, 1, 1490),
                _csv_line("M-3", sku, 1, 1490),
                _csv_line("M-3", "NO-SUCH-SKU", 1, 500),
                _csv_line("M-1", sku, 1, 990, fee="490"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    command = ["orders", "import-marketplace", code, str(path)]

    # when it is checked with --dry-run, imported, then imported again
    dry = CliRunner().invoke(app, [*command, "--dry-run"])
    with cli_env.transaction(readonly=True) as session:
        after_dry = _orders_of(session, shop)
    first = CliRunner().invoke(app, command)
    second = CliRunner().invoke(app, command)

    # then the dry run changed nothing, the first run placed M-1 and M-2, the second nothing
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was changed." in dry.output
    assert "created: 2" in dry.output
    assert after_dry == 0
    assert first.exit_code == 0, first.output
    assert "created: 2\nduplicates: 0\nrejected: 1" in first.output
    assert "No product has the SKU NO-SUCH-SKU." in first.output
    assert "│ M-3   │ 5    │ lines.1.sku │" in first.output
    assert second.exit_code == 0, second.output
    assert "created: 0\nduplicates: 2\nrejected: 1" in second.output
    with cli_env.transaction(readonly=True) as session:
        placed = {
            str(order.external_reference): order
            for order in session.scalars(select(Order).where(Order.channel_id == shop.channel.id))
        }
        assert sorted(placed) == ["M-1", "M-2"]
        # M-1's two lines: 2 x 14.90 + 9.90 + 4.90 shipping
        assert [line.quantity for line in placed["M-1"].lines] == [2, 1]
        assert placed["M-1"].total_gross_minor == 4460
        assert placed["M-1"].status == "paid"
        assert _level(session, variant_id, location_id) == (10, 4)


@pytest.mark.committed
def test_the_command_refuses_a_file_without_the_required_columns(
    cli_env: Database, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("marketplace_order_id;sku;quantity\nM-1;ABC;1\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["orders", "import-marketplace", "any", str(path)])

    assert result.exit_code == 1
    assert "The file lacks the column placed_at." in result.output


@pytest.mark.postgresql_only
@pytest.mark.committed
def test_the_same_order_imported_at_once_by_several_transactions_is_placed_once(
    committed_db: Database, clock: FrozenClock
) -> None:
    # given a marketplace order that six importers receive at the same moment
    importers = 6
    with committed_db.transaction() as session:
        shop = make_marketplace(session, code=f"race{uuid.uuid4().hex[:6]}")
        mug = make_article(session, shop, units=10)
        channel_id, variant_id, location_id = shop.channel.id, mug.id, shop.location_id
        order = MarketplaceOrder.model_validate(marketplace_order("RACE-1", (mug.sku, 3, 1200)))
    outcomes: list[tuple[int, int, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(importers)

    def import_it() -> None:
        start.wait()
        with committed_db.transaction() as session:
            outcome = marketplace.import_orders(session, channel_id, [order])
        with lock:
            outcomes.append((len(outcome.created), len(outcome.duplicates), len(outcome.rejected)))

    # when they all import it
    threads = [threading.Thread(target=import_it) for _ in range(importers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one placed it, the others were told it is a duplicate; its units are taken once
    assert sorted(outcomes) == [(0, 1, 0)] * (importers - 1) + [(1, 0, 0)]
    with committed_db.transaction(readonly=True) as session:
        references = session.scalars(
            select(Order.external_reference).where(Order.channel_id == channel_id)
        ).all()
        assert references == ["RACE-1"]
        assert _level(session, variant_id, location_id) == (10, 3)
        assert inventory.check_levels(session) == []


def test_the_demo_shop_gets_a_few_marketplace_orders(session: Session, clock: FrozenClock) -> None:
    # given a web shop and a marketplace selling from the same warehouse
    web = make_shop(session, code="web")
    for title in ("Mug", "Bowl"):
        make_article(session, web, units=20, title=title)
    marketplace = make_marketplace(session)
    inventory.set_channel_location(
        session, channel_id=marketplace.channel.id, location_id=web.location_id, buffer=2
    )

    # when the demo seeds its marketplace orders
    imported = seed_marketplace_orders(session)

    # then three paid marketplace orders exist, with their units allocated
    orders = list(session.scalars(select(Order).where(Order.channel_id == marketplace.channel.id)))
    assert imported == 3
    assert len(orders) == 3
    assert {order.status for order in orders} == {"paid"}
    assert all(order.external_reference for order in orders)
    assert inventory.check_levels(session) == []
