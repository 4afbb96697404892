"""The BoutiqueNova demo shop. Each module contributes its part of the demo data through a
seeder listed in :data:`SEEDERS`; seeding is idempotent (running ``make demo`` twice leaves one
demo shop)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session

from comptoir.billing.demo import seed_billing, seed_billing_history
from comptoir.catalog.demo import seed_catalog
from comptoir.channels.demo import seed_channel_keys
from comptoir.customers.demo import seed_customers
from comptoir.identity.demo import seed_identity
from comptoir.inventory.demo import seed_inventory
from comptoir.kit.jobs.registry import all_schedules
from comptoir.kit.jobs.schedules import sync_schedules
from comptoir.kit.settings import Settings
from comptoir.orders.demo import seed_orders
from comptoir.orders.demo_history import HistoryOptions, seed_history
from comptoir.purchasing.demo import seed_purchasing

Seeder = Callable[[Session, Settings], str]


def seed_schedules(session: Session, settings: Settings) -> str:
    specs = all_schedules()
    sync_schedules(session, specs, settings.timezone)
    return f"Schedules: {len(specs)} registered ({', '.join(s.name for s in specs)})."


SEEDERS: tuple[Seeder, ...] = (
    seed_schedules,
    seed_identity,
    seed_catalog,
    seed_channel_keys,
    seed_inventory,
    seed_purchasing,
    seed_customers,
    seed_orders,
    seed_billing,
)


def seed_demo(
    session: Session,
    settings: Settings,
    *,
    history: HistoryOptions | None = None,
    report: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Run every module's demo seeder in one transaction, then generate the shop's trading
    history (``history``, two years by default; ``report(done, total)`` follows it day by
    day); returns one summary line each."""
    seeders: tuple[Seeder, ...] = (
        *SEEDERS,
        partial(seed_history, options=history, report=report),
        seed_billing_history,
    )
    return [seeder(session, settings) for seeder in seeders]
