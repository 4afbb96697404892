"""The modules that make up Comptoir, loaded once per process (API, worker, CLI) so that their
event handlers, tasks and schedules are registered before anything is emitted or run."""

from __future__ import annotations

import importlib
import threading

from comptoir.kit.settings import Settings

# Each entry registers its handlers, tasks and schedules when imported. A business module adds
# its ``handlers`` and ``tasks`` modules here.
MODULES: tuple[str, ...] = (
    "comptoir.kit.maintenance",
    "comptoir.privacy.pages",
    "comptoir.identity.pages",
    "comptoir.identity.oauth.pages",
    "comptoir.identity.oauth.maintenance",
    "comptoir.identity.external.pages",
    "comptoir.identity.shoppers.verification",
    "comptoir.catalog.pages",
    "comptoir.customers.pages",
    "comptoir.inventory.tasks",
    "comptoir.inventory.pages",
    "comptoir.orders.pages",
    "comptoir.orders.fulfilment.tasks",
    "comptoir.orders.abandoned",
    "comptoir.orders.fulfilment.pages",
    "comptoir.orders.returns.pages",
    "comptoir.orders.drafts.pages",
    "comptoir.orders.drafts.tasks",
    "comptoir.orders.delivery.pages",
    "comptoir.purchasing.pages",
    "comptoir.billing.bills.pages",
    "comptoir.billing.ledger.pages",
    "comptoir.billing.bank.pages",
    "comptoir.billing.fec.pages",
    "comptoir.billing.documents.pages",
    "comptoir.billing.documents.service",
    "comptoir.spreadsheets.tasks",
    "comptoir.spreadsheets.pages",
    "comptoir.channels.pages",
    "comptoir.billing.invoices.pages",
    "comptoir.billing.invoices.handlers",
    "comptoir.billing.invoices.tasks",
)

_loaded: set[str] = set()
_lock = threading.Lock()


def load_modules(settings: Settings) -> list[str]:
    """Import every module (and ``settings.extra_modules``) once; returns their names.

    Raises ``ImportError`` naming the module that could not be loaded.
    """
    names = [*MODULES, *settings.extra_modules]
    with _lock:
        for name in names:
            if name in _loaded:
                continue
            try:
                importlib.import_module(name)
            except ImportError as exc:
                raise ImportError(f"cannot load Comptoir module {name!r}: {exc}") from exc
            _loaded.add(name)
    return names
