"""Stock reservations and available-to-promise on SQLite and PostgreSQL.

Prints reservations per second through ``inventory.service.reserve`` (guarded UPDATE of the
level, the reservation row, the ``stock.changed`` event) for one hot variant and for variants
spread over a 10,000-variant catalogue, next to the same guarded UPDATE issued as raw SQL
through the driver (sqlite3 / psycopg) in the same run: the ratio is the figure that matters.
Then the latency (p50/p95) of the available-to-promise query over 4 locations, for one
variant (a product page) and for 50 (a listing page). One JSON line per figure at the end.
Never fails on time.

    .venv/bin/python bench/stock.py [--reservations 2000] [--variants 10000]
    COMPTOIR_BENCH_POSTGRESQL_URL=postgresql://postgres@127.0.0.1:5432/postgres (default)
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from comptoir.inventory import service
from comptoir.inventory.schemas import StockReference
from comptoir.kit import clock
from comptoir.kit.db.engine import Database, create_engine_for, normalise_url
from comptoir.kit.db.migrate import upgrade
from comptoir.kit.ids import uuid7
from comptoir.models import metadata

POSTGRESQL_URL = os.environ.get(
    "COMPTOIR_BENCH_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
LOCATIONS = 4
ON_HAND = 10_000_000
GUARDED_UPDATE = (
    "UPDATE inventory_stock_levels SET reserved = reserved + {q} "
    "WHERE variant_id = {v} AND location_id = {l} AND on_hand - reserved >= {q}"
)


def sqlite_database(folder: Path) -> tuple[Database, str]:
    path = folder / "stock.db"
    engine = create_engine_for(f"sqlite:///{path}")
    upgrade(engine)
    return Database(engine), str(path)


def postgresql_database() -> tuple[Database, str] | None:
    url = make_url(normalise_url(POSTGRESQL_URL))
    try:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('DROP DATABASE IF EXISTS "comptoir_bench_stock" WITH (FORCE)'))
            connection.execute(text('CREATE DATABASE "comptoir_bench_stock"'))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL unavailable ({exc.__class__.__name__}): skipped")
        return None
    bench_url = url.set(database="comptoir_bench_stock")
    engine = create_engine_for(bench_url.render_as_string(hide_password=False), pool_size=8)
    upgrade(engine)
    libpq = bench_url.set(drivername="postgresql").render_as_string(hide_password=False)
    return Database(engine), libpq


def seed(database: Database, variants: int) -> tuple[list[uuid.UUID], list[uuid.UUID], uuid.UUID]:
    """A catalogue of ``variants`` variants stocked at 4 locations, ledger-consistent (one
    receipt each), and a channel selling from all 4 with a buffer of 2."""
    tables = metadata.tables
    now = clock.now()
    variant_ids = [uuid7() for _ in range(variants)]
    location_ids = [uuid7() for _ in range(LOCATIONS)]
    channel_id = uuid7()
    with database.transaction() as session:
        products = [uuid7() for _ in range(0, variants, 10)]
        session.execute(
            insert(tables["catalog_products"]),
            [
                {"id": p, "handle": f"p-{n}", "title": f"Product {n}"}
                for n, p in enumerate(products)
            ],
        )
        session.execute(
            insert(tables["catalog_variants"]),
            [
                {"id": v, "product_id": products[n // 10], "sku": f"SKU-{n}", "title": ""}
                for n, v in enumerate(variant_ids)
            ],
        )
        session.execute(
            insert(tables["inventory_locations"]),
            [
                {"id": loc, "code": f"L{n}", "name": f"Location {n}", "kind": "warehouse"}
                for n, loc in enumerate(location_ids)
            ],
        )
        session.execute(
            insert(tables["channels_channels"]),
            [{"id": channel_id, "code": "web", "name": "Web", "kind": "web", "currency": "EUR"}],
        )
        session.execute(
            insert(tables["inventory_channel_locations"]),
            [{"channel_id": channel_id, "location_id": loc, "buffer": 2} for loc in location_ids],
        )
        for loc in location_ids:
            session.execute(
                insert(tables["inventory_stock_levels"]),
                [
                    {"variant_id": v, "location_id": loc, "on_hand": ON_HAND, "reserved": 0}
                    for v in variant_ids
                ],
            )
            session.execute(
                insert(tables["inventory_movements"]),
                [
                    {
                        "variant_id": v,
                        "location_id": loc,
                        "kind": "receipt",
                        "quantity": ON_HAND,
                        "occurred_at": now,
                        "created_at": now,
                    }
                    for v in variant_ids
                ],
            )
    # Fresh statistics, as autovacuum (or SQLite's optimize) would have after a bulk import.
    with database.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return variant_ids, location_ids, channel_id


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


Pick = Callable[[int], tuple[uuid.UUID, uuid.UUID]]


def service_reserve(database: Database, pick: Pick) -> Callable[[int], None]:
    def work(n: int) -> None:
        variant_id, location_id = pick(n)
        with database.transaction() as session:
            service.reserve(
                session,
                variant_id=variant_id,
                location_id=location_id,
                quantity=1,
                reference=StockReference(type="bench", id=str(n)),
            )

    return work


def raw_reserve(
    connect: Callable[[], Any], placeholder: Callable[[uuid.UUID], Any], dialect: str
) -> Callable[[Pick], Callable[[int], None]]:
    """The bare guarded UPDATE, one transaction each, one connection per thread."""
    local = threading.local()
    sql = GUARDED_UPDATE.format(
        q="%(q)s" if dialect == "postgresql" else ":q",
        v="%(v)s" if dialect == "postgresql" else ":v",
        l="%(l)s" if dialect == "postgresql" else ":l",
    )

    def run(pick: Pick) -> Callable[[int], None]:
        def work(n: int) -> None:
            if not hasattr(local, "connection"):
                local.connection = connect()
            variant_id, location_id = pick(n)
            connection = local.connection
            if dialect == "sqlite":
                connection.execute("BEGIN IMMEDIATE")
            cursor = connection.execute(
                sql, {"q": 1, "v": placeholder(variant_id), "l": placeholder(location_id)}
            )
            if cursor.rowcount != 1:
                raise RuntimeError("the guarded UPDATE refused a reservation")
            connection.commit() if dialect == "postgresql" else connection.execute("COMMIT")

        return work

    return run


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def atp_latency(
    database: Database, channel_id: uuid.UUID, variant_ids: list[uuid.UUID], batch: int, runs: int
) -> tuple[float, float]:
    samples = []
    chooser = random.Random(7)
    with database.transaction(readonly=True) as session:
        for _ in range(runs):
            asked = chooser.sample(variant_ids, batch)
            started = time.perf_counter()
            service.available_to_promise(session, channel_id=channel_id, variant_ids=asked)
            samples.append((time.perf_counter() - started) * 1000)
    return percentile(samples, 0.50), percentile(samples, 0.95)


def significant(value: float, digits: int = 3) -> float:
    """``value`` to ``digits`` significant figures: a ratio of 0.0035 must not print as 0.00."""
    return float(f"{value:.{digits}g}")


def measure(
    name: str,
    database: Database,
    raw: Callable[..., Any],
    reservations: int,
    variants: int,
    threads: int,
) -> list[dict[str, Any]]:
    variant_ids, location_ids, channel_id = seed(database, variants)
    hot = (variant_ids[0], location_ids[0])
    spread_choice = random.Random(11)
    spread = [
        (spread_choice.choice(variant_ids), spread_choice.choice(location_ids))
        for _ in range(reservations)
    ]
    figures: list[dict[str, Any]] = []

    def record(metric: str, value: float, unit: str, **extra: Any) -> None:
        figures.append(
            {
                "bench": "stock",
                "database": name,
                "threads": threads,
                "metric": metric,
                "value": significant(value) if unit == "x" else round(value, 2),
                "unit": unit,
                "variants": variants,
                **extra,
            }
        )
        shown = f"{value:12.2f} {unit}"
        if unit == "x":
            # 0.0035 x reads better as "1 : 286": the service does one for 286 raw UPDATEs.
            odds = f"  (1 : {1 / value:.0f})" if 0 < value < 1 else ""
            shown = f"{significant(value):12g} x{odds}"
        print(f"{name:<11} threads={threads}  {metric:<34} {shown}")

    for label, pick in (("hot", lambda n: hot), ("spread", lambda n: spread[n])):
        through_service = rate(service_reserve(database, pick), reservations, threads)
        through_driver = rate(raw(pick), reservations, threads)
        record(f"reserve_{label}_service_per_s", through_service, "/s")
        record(f"reserve_{label}_raw_sql_per_s", through_driver, "/s")
        record(f"reserve_{label}_service_to_raw_ratio", through_service / through_driver, "x")
    if threads == 1:
        for batch in (1, 50):
            p50, p95 = atp_latency(database, channel_id, variant_ids, batch, runs=300)
            record(f"atp_{batch}_variants_p50_ms", p50, "ms", locations=LOCATIONS)
            record(f"atp_{batch}_variants_p95_ms", p95, "ms", locations=LOCATIONS)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reservations", type=int, default=2000)
    parser.add_argument("--variants", type=int, default=10_000)
    args = parser.parse_args()
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        database, path = sqlite_database(Path(folder))

        def sqlite_connect() -> sqlite3.Connection:
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA busy_timeout=15000")
            connection.execute("PRAGMA synchronous=NORMAL")
            return connection

        raw = raw_reserve(sqlite_connect, lambda value: value.bytes, "sqlite")
        figures += measure("sqlite", database, raw, args.reservations, args.variants, threads=1)
        database.dispose()
    for threads in (1, 4):
        prepared = postgresql_database()
        if prepared is None:
            break
        database_pg, libpq = prepared
        raw_pg = raw_reserve(
            functools.partial(psycopg.connect, libpq), lambda value: value, "postgresql"
        )
        figures += measure(
            "postgresql", database_pg, raw_pg, args.reservations, args.variants, threads=threads
        )
        database_pg.dispose()
    for figure in figures:
        print(json.dumps(figure))


if __name__ == "__main__":
    main()
