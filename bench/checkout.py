"""Checkouts end to end over HTTP on SQLite and PostgreSQL.

Serves Comptoir for real (``comptoir serve --workers 2 --no-with-worker``) on a freshly
migrated database holding one channel, its key, one location and a catalogue of 200 variants
with ample stock plus one hot variant with few units. Client threads (httpx) then run the
storefront's five calls per order: create a cart, add 3 lines, set the destination, check out
with an ``Idempotency-Key``; every other cart wants the hot variant, so some are refused.

Prints checkouts per second, the p50/p99 latency of the checkout call and of the whole
sequence, the oversold units (from the database: sold per variant against the stock first
received, levels against their ledger; must be 0), then the same transaction as raw SQL
through the driver (sqlite3 / psycopg): 3 guarded stock UPDATEs, an order and its 3 lines,
single-threaded and with the client thread count. The HTTP / raw ratio is the figure that
matters. It also counts, in-process, the SQL statements each storefront call sends (one
sequence of the same five calls). One JSON line per figure at the end. Never fails on time.

    .venv/bin/python bench/checkout.py [--checkouts 400] [--threads 8] [--only sqlite|postgresql]
    COMPTOIR_BENCH_POSTGRESQL_URL=postgresql://postgres@127.0.0.1:5432/postgres (default)
    COMPTOIR_BENCH_DATABASE=comptoir_bench_checkout (default; the database created, then dropped)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from comptoir.catalog.models import (
    ChannelListing,
    Price,
    PriceList,
    Product,
    TaxClass,
    TaxRate,
    Variant,
)
from comptoir.channels.keys import create_key
from comptoir.channels.models import Channel
from comptoir.channels.schemas import ChannelKeyCreate
from comptoir.inventory import service as inventory
from comptoir.inventory.models import StockLevel
from comptoir.inventory.schemas import LocationCreate, StockReference
from comptoir.kit import clock
from comptoir.kit.crypto.keyring import init_key_file
from comptoir.kit.db.engine import Database, create_engine_for, normalise_url
from comptoir.kit.db.migrate import upgrade
from comptoir.kit.ids import uuid7
from comptoir.orders.models import Order, OrderLine

POSTGRESQL_URL = os.environ.get(
    "COMPTOIR_BENCH_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BENCH_DATABASE = os.environ.get("COMPTOIR_BENCH_DATABASE", "comptoir_bench_checkout")
VARIANTS = 200
AMPLE_UNITS = 100_000
PRICE_MINOR = 1200
START_TIMEOUT_SECONDS = 60.0
COMPTOIR = Path(sys.executable).with_name("comptoir")
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 rue des Lilas",
    "postal_code": "75011",
    "city": "Paris",
    "country": "FR",
}
CHECKOUT_BODY = {
    "email": "ada@example.com",
    "billing_address": ADDRESS,
    "payment": {"method": "test_card", "card_number": "4242424242424242"},
}


@dataclass(frozen=True, slots=True)
class Shop:
    channel_id: uuid.UUID
    key: str
    location_id: uuid.UUID
    ample: list[uuid.UUID]
    hot: uuid.UUID
    initial: dict[uuid.UUID, int]


def seed(database: Database, hot_units: int) -> Shop:
    """One channel with a key, one location, a 20 % tax class and a price list; ``VARIANTS``
    listed, priced variants with ample stock and a hot one with ``hot_units``, all received
    through inventory (ledger-consistent)."""
    with database.transaction() as session:
        channel = Channel(code="bench", name="Bench", kind="web", currency="EUR")
        session.add(channel)
        session.flush()
        key = create_key(session, channel.id, ChannelKeyCreate(label="Bench")).key
        location = inventory.create_location(
            session, LocationCreate(code="BENCH", name="Bench warehouse", kind="warehouse")
        )
        inventory.set_channel_location(
            session, channel_id=channel.id, location_id=location.id, buffer=0
        )
        price_list = PriceList(code="bench", name="Bench", channel_id=channel.id, currency="EUR")
        tax_class = TaxClass(code="bench-standard", name="Standard")
        session.add_all([price_list, tax_class])
        session.flush()
        session.add(
            TaxRate(
                tax_class_id=tax_class.id,
                country="FR",
                rate=Decimal("20"),
                valid_from=date(2014, 1, 1),
                valid_to=None,
            )
        )
        initial: dict[uuid.UUID, int] = {}
        variant_ids: list[uuid.UUID] = []
        for n in range(VARIANTS + 1):
            product = Product(
                handle=f"bench-{n}",
                title=f"Article {n}",
                status="active",
                tax_class_id=tax_class.id,
            )
            session.add(product)
            session.flush()
            variant = Variant(product_id=product.id, sku=f"BENCH-{n}", title="", position=1)
            session.add(variant)
            session.flush()
            session.add_all(
                [
                    ChannelListing(
                        channel_id=channel.id,
                        product_id=product.id,
                        variant_id=variant.id,
                        is_published=True,
                    ),
                    Price(
                        price_list_id=price_list.id,
                        variant_id=variant.id,
                        amount_minor=PRICE_MINOR,
                        min_quantity=1,
                    ),
                ]
            )
            units = hot_units if n == VARIANTS else AMPLE_UNITS
            inventory.receive(
                session,
                variant_id=variant.id,
                location_id=location.id,
                quantity=units,
                unit_cost=None,
                reference=StockReference(type="bench", id=f"initial-{n}"),
            )
            initial[variant.id] = units
            variant_ids.append(variant.id)
        shop = Shop(channel.id, key, location.id, variant_ids[:-1], variant_ids[-1], initial)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return shop


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(database_url: str, data_dir: Path) -> Iterator[str]:
    """``comptoir serve --workers 2`` on ``database_url`` until the block ends; its URL."""
    port = free_port()
    env = {
        **os.environ,
        "COMPTOIR_DATABASE_URL": database_url,
        "COMPTOIR_ENVIRONMENT": "test",
        "COMPTOIR_DATA_DIR": str(data_dir),
        "COMPTOIR_LOG_LEVEL": "WARNING",
    }
    command = [str(COMPTOIR), "serve", "--workers", "2", "--no-with-worker", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=data_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"comptoir serve exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("comptoir serve did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(slots=True)
class Outcomes:
    checkout_ms: list[float] = field(default_factory=list)
    sequence_ms: list[float] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def cart_plans(shop: Shop, count: int) -> list[list[uuid.UUID]]:
    """Three distinct variants per cart; every other cart wants the hot variant."""
    chooser = random.Random(17)
    plans = []
    for n in range(count):
        if n % 2 == 0:
            plans.append([*chooser.sample(shop.ample, 2), shop.hot])
        else:
            plans.append(chooser.sample(shop.ample, 3))
    return plans


def run_http(url: str, shop: Shop, count: int, threads: int) -> tuple[float, Outcomes]:
    plans = cart_plans(shop, count)
    outcomes = Outcomes()
    headers = {"X-Channel-Key": shop.key}
    barrier = threading.Barrier(threads + 1)
    slots = [plans[i::threads] for i in range(threads)]

    def one(client: httpx.Client, plan: list[uuid.UUID], *, timed: bool = True) -> str:
        started = time.perf_counter()
        created = client.post("/store/v1/carts", json={}, headers=headers)
        if created.status_code != 201:
            return f"cart-{created.status_code}"
        cart = created.json()["id"]
        for variant_id in plan:
            line = client.post(
                f"/store/v1/carts/{cart}/lines",
                json={"variant_id": str(variant_id), "quantity": 1},
                headers=headers,
            )
            if line.status_code == 409:
                return "refused-at-add"
            if line.status_code != 201:
                return f"line-{line.status_code}"
        where = client.put(
            f"/store/v1/carts/{cart}/destination", json={"country": "FR"}, headers=headers
        )
        if where.status_code != 200:
            return f"destination-{where.status_code}"
        before = time.perf_counter()
        placed = client.post(
            f"/store/v1/carts/{cart}/checkout",
            json=CHECKOUT_BODY,
            headers={**headers, "Idempotency-Key": f"bench-{cart}"},
        )
        done = time.perf_counter()
        if placed.status_code == 409:
            return "refused-at-checkout"
        if placed.status_code != 201:
            return f"checkout-{placed.status_code}"
        if not timed:
            return "placed"
        with outcomes.lock:
            outcomes.checkout_ms.append((done - before) * 1000)
            outcomes.sequence_ms.append((done - started) * 1000)
        return "placed"

    def loop(slot: int) -> None:
        with httpx.Client(base_url=url, timeout=120.0) as client:
            # One untimed order per thread first: connections, pools and caches warm.
            one(client, shop.ample[slot * 3 : slot * 3 + 3], timed=False)
            barrier.wait()
            for plan in slots[slot]:
                kind = one(client, plan)
                with outcomes.lock:
                    outcomes.kinds[kind] += 1

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    return outcomes.kinds["placed"] / elapsed, outcomes


def oversold(database: Database, shop: Shop) -> tuple[int, int, int]:
    """(units sold beyond the stock first received plus units reserved beyond on hand,
    orders in the database, levels differing from their ledger)."""
    with database.transaction(readonly=True) as session:
        sold = dict(
            session.execute(
                select(OrderLine.variant_id, func.sum(OrderLine.quantity))
                .join(Order, Order.id == OrderLine.order_id)
                .where(Order.channel_id == shop.channel_id)
                .group_by(OrderLine.variant_id)
            ).all()
        )
        orders = session.scalar(
            select(func.count()).select_from(Order).where(Order.channel_id == shop.channel_id)
        )
        levels = session.execute(
            select(StockLevel.variant_id, StockLevel.on_hand, StockLevel.reserved).where(
                StockLevel.location_id == shop.location_id
            )
        ).all()
        differences = inventory.check_levels(session)
    over = sum(max(0, int(sold.get(v, 0)) - units) for v, units in shop.initial.items())
    over += sum(max(0, reserved - on_hand) for _, on_hand, reserved in levels)
    return over, int(orders or 0), len(differences)


# -- the same transaction as raw SQL ----------------------------------------------------


def raw_checkout(connect: Callable[[], Any], shop: Shop, dialect: str) -> Callable[[int], None]:
    """3 guarded stock UPDATEs, an order and its 3 lines in one transaction, one connection
    per thread."""
    local = threading.local()
    pg = dialect == "postgresql"

    def p(name: str) -> str:
        return f"%({name})s" if pg else f":{name}"

    def key(value: uuid.UUID) -> Any:
        return value if pg else value.bytes

    update = (
        "UPDATE inventory_stock_levels SET reserved = reserved + 1 "
        f"WHERE variant_id = {p('v')} AND location_id = {p('l')} AND on_hand - reserved >= 1"
    )

    def insert(table: str, row: dict[str, Any]) -> str:
        values = ", ".join(p(column) for column in row)
        return f"INSERT INTO {table} ({', '.join(row)}) VALUES ({values})"

    def work(n: int) -> None:
        if not hasattr(local, "connection"):
            local.connection = connect()
            local.chooser = random.Random(1000 + n)
        connection = local.connection
        variants = sorted(local.chooser.sample(shop.ample, 3))
        now = clock.now()
        moment: Any = now if pg else now.strftime("%Y-%m-%d %H:%M:%S.%f")
        order_id = uuid7()
        if not pg:
            connection.execute("BEGIN IMMEDIATE")
        for variant_id in variants:
            cursor = connection.execute(update, {"v": key(variant_id), "l": key(shop.location_id)})
            if cursor.rowcount != 1:
                raise RuntimeError("the guarded UPDATE refused a unit")
        order = {
            "id": key(order_id),
            "number": f"RAW-{order_id.hex}",
            "channel_id": key(shop.channel_id),
            "subject_id": key(order_id),
            "status": "pending_payment",
            "currency": "EUR",
            "prices_include_tax": True,
            "destination_country": "FR",
            "delivery_method": "shipping",
            "vat_scheme": "domestic",
            "coupon_codes": "[]",
            "discount_minor": 0,
            "total_net_minor": 3000,
            "total_tax_minor": 600,
            "total_gross_minor": 3 * PRICE_MINOR,
            "placed_at": moment,
            "created_at": moment,
            "updated_at": moment,
        }
        connection.execute(insert("orders_orders", order), order)
        for position, variant_id in enumerate(variants, start=1):
            line = {
                "id": key(uuid7()),
                "order_id": key(order_id),
                "position": position,
                "variant_id": key(variant_id),
                "sku": "RAW",
                "title": "Article",
                "quantity": 1,
                "cancelled_quantity": 0,
                "unit_price_excl_minor": 1000,
                "unit_price_incl_minor": PRICE_MINOR,
                "vat_rate": "20.0000",
                "vat_category": "S",
                "discount_minor": 0,
                "total_minor": PRICE_MINOR,
                "promotion_ids": "[]",
                "location_id": key(shop.location_id),
                "created_at": moment,
                "updated_at": moment,
            }
            connection.execute(insert("orders_order_lines", line), line)
        connection.commit() if pg else connection.execute("COMMIT")

    return work


def rate(work: Callable[[int], None], count: int, threads: int) -> float:
    """Operations per second: ``count`` calls of ``work`` shared by ``threads`` threads."""
    per_thread = count // threads
    barrier = threading.Barrier(threads + 1)

    def loop(slot: int) -> None:
        barrier.wait()
        for n in range(per_thread):
            work(slot * per_thread + n)

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    return per_thread * threads / (time.perf_counter() - started)


def statements_per_call(
    database: Database, url: str, data_dir: Path, shop: Shop
) -> dict[str, float]:
    """SQL statements each storefront call sends, counted in-process (one sequence after a
    warm-up one, same application and database as served); the lines' figure is per line."""
    from fastapi.testclient import TestClient

    from comptoir.api import create_app
    from comptoir.kit.settings import Settings

    settings = Settings(
        environment="test",
        database_url=url,
        data_dir=data_dir,
        run_worker_in_process=False,
        log_level="WARNING",
        _env_file=None,
    )
    counts: Counter[str] = Counter()
    current: list[str] = []

    def count(*_: Any) -> None:
        if current:
            counts[current[-1]] += 1

    headers = {"X-Channel-Key": shop.key}
    event.listen(database.engine, "before_cursor_execute", count)
    try:
        with TestClient(create_app(settings, database)) as client:
            for plan in (shop.ample[-3:], shop.ample[-6:-3]):
                counts.clear()
                current[:] = ["cart"]
                cart = client.post("/store/v1/carts", json={}, headers=headers).json()["id"]
                current[:] = ["line"]
                for variant_id in plan:
                    body = {"variant_id": str(variant_id), "quantity": 1}
                    client.post(f"/store/v1/carts/{cart}/lines", json=body, headers=headers)
                current[:] = ["destination"]
                where = {"country": "FR"}
                client.put(f"/store/v1/carts/{cart}/destination", json=where, headers=headers)
                current[:] = ["checkout"]
                key = {**headers, "Idempotency-Key": f"count-{cart}"}
                placed = client.post(
                    f"/store/v1/carts/{cart}/checkout", json=CHECKOUT_BODY, headers=key
                )
                current.clear()
                if placed.status_code != 201:
                    raise RuntimeError(f"counting checkout answered {placed.status_code}")
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    return {
        "cart": counts["cart"],
        "line": counts["line"] / 3,
        "destination": counts["destination"],
        "checkout": counts["checkout"],
        "sequence": sum(counts.values()),
    }


def percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- databases ---------------------------------------------------------------------------


def sqlite_database(folder: Path) -> tuple[Database, str, Callable[[], Any]]:
    path = folder / "checkout.db"
    url = f"sqlite:///{path}"
    engine = create_engine_for(url)
    upgrade(engine)

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA busy_timeout=15000")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    return Database(engine), url, connect


def postgresql_database() -> tuple[Database, str, Callable[[], Any]] | None:
    url = make_url(normalise_url(POSTGRESQL_URL))
    try:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL unavailable ({exc.__class__.__name__}): skipped")
        return None
    bench_url = url.set(database=BENCH_DATABASE)
    rendered = bench_url.render_as_string(hide_password=False)
    engine = create_engine_for(rendered)
    upgrade(engine)
    libpq = bench_url.set(drivername="postgresql").render_as_string(hide_password=False)

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(libpq)

    return Database(engine), rendered, connect


def drop_postgresql_database() -> None:
    admin = create_engine(make_url(normalise_url(POSTGRESQL_URL)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
    admin.dispose()


def measure(
    name: str,
    database: Database,
    url: str,
    connect: Callable[[], Any],
    data_dir: Path,
    checkouts: int,
    threads: int,
) -> list[dict[str, Any]]:
    hot_units = max(1, checkouts // 4)
    shop = seed(database, hot_units)
    figures: list[dict[str, Any]] = []

    def record(metric: str, value: float, unit: str, **extra: Any) -> None:
        figures.append(
            {
                "bench": "checkout",
                "database": name,
                "threads": threads,
                "metric": metric,
                "value": round(value, 4 if unit == "x" else 2),
                "unit": unit,
                "checkouts": checkouts,
                **extra,
            }
        )
        print(f"{name:<11} threads={threads}  {metric:<34} {value:12.4g} {unit}")

    with served(url, data_dir) as server:
        per_second, outcomes = run_http(server, shop, checkouts, threads)
    print(f"{name:<11} outcomes: {dict(sorted(outcomes.kinds.items()))}")
    over, orders, ledger = oversold(database, shop)
    record("http_checkouts_per_s", per_second, "/s", workers=2)
    record("http_checkout_p50_ms", percentile(outcomes.checkout_ms, 0.50), "ms")
    record("http_checkout_p99_ms", percentile(outcomes.checkout_ms, 0.99), "ms")
    record("http_sequence_p50_ms", percentile(outcomes.sequence_ms, 0.50), "ms", calls=5)
    record("http_sequence_p99_ms", percentile(outcomes.sequence_ms, 0.99), "ms", calls=5)
    record("placed", outcomes.kinds["placed"], "orders", hot_units=hot_units)
    record(
        "refused",
        outcomes.kinds["refused-at-add"] + outcomes.kinds["refused-at-checkout"],
        "carts",
    )
    record("orders_in_database", orders, "orders", untimed_warm_up=threads)
    record("oversold_units", over, "units")
    record("ledger_differences", ledger, "levels")
    for call, statements in statements_per_call(database, url, data_dir, shop).items():
        record(f"sql_statements_{call}", statements, "statements")
    single = rate(raw_checkout(connect, shop, name), checkouts, 1)
    several = rate(raw_checkout(connect, shop, name), checkouts, threads)
    record("raw_sql_per_s_1_thread", single, "/s", threads=1)
    record("raw_sql_per_s", several, "/s")
    record("http_to_raw_ratio", per_second / several, "x")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkouts", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        init_key_file(data_dir / "keys" / "kek.json")
        if args.only != "postgresql":
            database, url, connect = sqlite_database(data_dir)
            figures += measure(
                "sqlite", database, url, connect, data_dir, args.checkouts, args.threads
            )
            database.dispose()
        if args.only != "sqlite":
            prepared = postgresql_database()
            if prepared is not None:
                database_pg, url_pg, connect_pg = prepared
                try:
                    figures += measure(
                        "postgresql",
                        database_pg,
                        url_pg,
                        connect_pg,
                        data_dir,
                        args.checkouts,
                        args.threads,
                    )
                finally:
                    database_pg.dispose()
                    drop_postgresql_database()
    for figure in figures:
        print(json.dumps(figure))


if __name__ == "__main__":
    main()
