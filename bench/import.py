"""The Online Retail history import (541,909 lines) on SQLite and PostgreSQL.

Prints the lines read per second, the time of each phase (reading and classifying the file
with polars, then writing products, customers, orders and returns), what was written and
the closing figures of the import (products, customers, orders, returns, revenue), for a
first import into an empty database and for a second one, which adds nothing. One JSON line
per figure at the end. Never fails on time.

    .venv/bin/python bench/import.py [--limit N] [--database-url URL] [--only sqlite|postgresql]
    COMPTOIR_BENCH_POSTGRESQL_URL=postgresql://postgres@127.0.0.1:5432/postgres (default)
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DATA = (
    Path(__file__).resolve().parents[1].parent / "shared/data/online-retail/online_retail.parquet"
)
POSTGRESQL_URL = os.environ.get(
    "COMPTOIR_BENCH_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BENCH_DATABASE = "comptoir_bench_import"


def run(database: Any, dialect: str, limit: int | None) -> list[dict[str, Any]]:
    from comptoir.imports.online_retail_plan import read_history
    from comptoir.imports.online_retail_store import store_history

    figures: list[dict[str, Any]] = []
    for attempt in ("first", "second"):
        started = time.perf_counter()
        plan = read_history(DATA, limit=limit)
        read = time.perf_counter() - started
        with database.transaction() as session:
            added = store_history(session, plan)
        elapsed = time.perf_counter() - started
        figure = {
            "bench": "import_online_retail",
            "database": dialect,
            "run": attempt,
            "lines": plan.rows,
            "lines_per_second": round(plan.rows / elapsed),
            "read_seconds": round(read, 2),
            "write_seconds": round(elapsed - read, 2),
            "added_products": added.products,
            "added_customers": added.customers,
            "added_orders": added.orders,
            "added_returns": added.returns,
            "added_lines": added.lines,
            "products": len(plan.products),
            "customers": len(plan.customers),
            "orders": len(plan.orders),
            "returns": len(plan.returns),
            "revenue_minor": plan.revenue_minor,
        }
        print(
            f"{dialect:10} {attempt:6} run: {plan.rows:,} lines in {elapsed:.1f} s "
            f"({figure['lines_per_second']:,} lines/s; read {read:.1f} s), added "
            f"{added.products} products, {added.customers} customers, {added.orders} orders, "
            f"{added.returns} returns, {added.lines:,} lines"
        )
        print(
            f"{'':10} {'':6}      products: {len(plan.products)}, customers: "
            f"{len(plan.customers)}, orders: {len(plan.orders)}, returns: {len(plan.returns)}, "
            f"revenue: {plan.revenue_minor // 100}.{plan.revenue_minor % 100:02d} GBP"
        )
        figures.append(figure)
    return figures


def postgresql_url(url: str) -> str | None:
    from comptoir.kit.db.engine import normalise_url

    parsed = make_url(normalise_url(url))
    try:
        admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL unavailable ({exc.__class__.__name__}): skipped")
        return None
    return parsed.set(database=BENCH_DATABASE).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="only the first N lines")
    parser.add_argument("--database-url", default=POSTGRESQL_URL, help="PostgreSQL server")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"The Online Retail data set is not at {DATA}: nothing to measure.")
        return
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        # The keyring of key-encryption keys lives in the data folder: a throw-away one.
        os.environ["COMPTOIR_DATA_DIR"] = folder
        from comptoir.kit.db.engine import Database, create_engine_for
        from comptoir.kit.db.migrate import upgrade

        targets: list[tuple[str, str]] = []
        if args.only != "postgresql":
            targets.append(("sqlite", f"sqlite:///{Path(folder) / 'import.db'}"))
        pg = None if args.only == "sqlite" else postgresql_url(args.database_url)
        if pg is not None:
            targets.append(("postgresql", pg))
        for dialect, url in targets:
            engine = create_engine_for(url)
            upgrade(engine)
            database = Database(engine)
            figures += run(database, dialect, args.limit)
            database.dispose()
    for figure in figures:
        print(json.dumps(figure))


if __name__ == "__main__":
    main()
