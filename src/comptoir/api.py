"""The application factory: the HTTP API, the back office, health, metrics and, unless told
otherwise, a job worker in the same process.

``comptoir serve`` runs ``create_app`` under uvicorn; tests call it with their own settings and
database.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Final

from fastapi import APIRouter, Depends, FastAPI
from starlette.routing import BaseRoute

from comptoir import __version__
from comptoir.kit.db.engine import Database, create_database
from comptoir.kit.errors import install_problem_handlers, problems_router
from comptoir.kit.http.apidocs import install_api_docs
from comptoir.kit.http.context import RequestContextMiddleware
from comptoir.kit.http.health import health_router
from comptoir.kit.http.routes import add_shared_routes, template_router
from comptoir.kit.http.security_headers import SecurityHeadersMiddleware
from comptoir.kit.http.transaction import RequestTransactionMiddleware
from comptoir.kit.idempotency.middleware import IdempotencyMiddleware
from comptoir.kit.logging import configure_logging
from comptoir.kit.metrics import Metrics, MetricsMiddleware, metrics_router
from comptoir.kit.settings import Settings, get_settings
from comptoir.modules import load_modules

ADMIN_API_PREFIX: Final = "/api/v1"
STORE_API_PREFIX: Final = "/store/v1"

logger = logging.getLogger("comptoir.api")


def admin_api_routers() -> list[APIRouter]:
    """The admin API of every business module, mounted under ``/api/v1``.

    A module adds its ``router`` here, imported inside this function so that importing
    ``comptoir.api`` stays cheap.
    """
    from comptoir.billing.bank.router import router as bank_router
    from comptoir.billing.bills.router import router as bills_router
    from comptoir.billing.documents.router import router as invoice_documents_router
    from comptoir.billing.fec.router import router as fec_router
    from comptoir.billing.invoices.router import router as invoices_router
    from comptoir.billing.ledger.router import router as ledger_router
    from comptoir.catalog.router import router as catalog_router
    from comptoir.channels.router import router as channels_router
    from comptoir.customers.router import router as customers_router
    from comptoir.inventory.router import router as inventory_router
    from comptoir.orders.delivery.router import router as carriers_router
    from comptoir.orders.drafts.router import router as drafts_router
    from comptoir.orders.fulfilment.router import router as fulfilment_router
    from comptoir.orders.marketplace.router import router as marketplace_router
    from comptoir.orders.returns.router import router as returns_router
    from comptoir.orders.router import router as orders_router
    from comptoir.purchasing.router import router as purchasing_router

    return [
        catalog_router,
        channels_router,
        customers_router,
        inventory_router,
        returns_router,  # before orders: /orders/returns is not an order id
        drafts_router,  # before orders: /orders/drafts is not an order id
        marketplace_router,  # likewise /orders/marketplace-imports
        orders_router,
        fulfilment_router,
        carriers_router,
        purchasing_router,
        invoices_router,
        bills_router,
        bank_router,
        invoice_documents_router,
        fec_router,
        ledger_router,
    ]


def store_api_routers() -> list[APIRouter]:
    """The channel API (storefronts, apps, tills) of every module, mounted under
    ``/store/v1``."""
    from comptoir.catalog.store_router import router as catalog_store_router
    from comptoir.identity.shoppers.router import router as shoppers_router
    from comptoir.orders.store_router import router as orders_store_router
    from comptoir.orders.till.router import router as till_router

    return [catalog_store_router, shoppers_router, orders_store_router, till_router]


def store_api_gate() -> Callable[..., object]:
    """The dependency that authenticates every ``/store/v1`` request (channel key, shopper
    token) before its route runs."""
    from comptoir.identity.shoppers.gate import store_gate

    return store_gate


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """A ready-to-serve Comptoir application.

    ``settings`` default to the process's; ``database`` defaults to one built from them (and
    then closed when the application stops). Middlewares, outermost first: security headers,
    request id and language, metrics, the request transaction, idempotency keys.
    """
    settings = settings or get_settings()
    owns_database = database is None
    database = database or create_database(settings)
    configure_logging(settings)
    load_modules(settings)
    __import__("comptoir.kit.crypto.keyring", fromlist=["_"]).install_keyring(settings)

    app = FastAPI(
        title="Comptoir",
        version=__version__,
        summary="The back office of a small online shop, API first.",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(settings, database, owns_database=owns_database),
    )
    app.state.settings = settings
    app.state.database = database
    app.state.metrics = Metrics(database)

    install_problem_handlers(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RequestTransactionMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestContextMiddleware, default_locale=settings.default_locale)
    app.add_middleware(SecurityHeadersMiddleware)

    install_api_docs(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(problems_router)
    add_shared_routes(app, _module_routes())
    if settings.demo_storefront:
        from comptoir.channels.storefront import mount as mount_demo_storefront

        mount_demo_storefront(app)
    if _module_exists("comptoir.backoffice.shell"):
        from comptoir.backoffice.shell import mount as mount_backoffice

        mount_backoffice(app, settings)
    return app


@functools.cache
def _module_routes() -> tuple[BaseRoute, ...]:
    """The routes of the business modules (admin API, store API, OAuth), prepared once per
    process and shared by every application (see :mod:`comptoir.kit.http.routes`)."""
    from comptoir.identity.oauth.bearer import bearer_authentication
    from comptoir.identity.oauth.router import router as oauth_router
    from comptoir.orders.payments.webhooks import router as stripe_webhook_router
    from comptoir.privacy.capture import audit_writes  # every write lands in the audit trail

    template = template_router()
    template.include_router(oauth_router)
    for router in admin_api_routers():
        template.include_router(
            router, prefix=ADMIN_API_PREFIX, dependencies=[bearer_authentication, audit_writes]
        )
    for router in store_api_routers():
        template.include_router(
            router, prefix=STORE_API_PREFIX, dependencies=[Depends(store_api_gate())]
        )
    # Stripe calls its webhook without a channel key: outside the storefront gate.
    template.include_router(stripe_webhook_router, prefix=STORE_API_PREFIX)
    return tuple(template.routes)


def _module_exists(name: str) -> bool:
    """Whether ``name`` can be imported (its parent package may itself be missing)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _lifespan(
    settings: Settings, database: Database, *, owns_database: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Starts the in-process worker (when asked) and closes what the application owns."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.run_worker_in_process and _module_exists("comptoir.worker"):
            from comptoir.worker import WorkerThread

            worker = WorkerThread(database, settings)
            worker.start()
            logger.info("in-process worker started")
        try:
            yield
        finally:
            if worker is not None:
                worker.stop(timeout=30.0)
                logger.info("in-process worker stopped")
            if owns_database:
                database.dispose()

    return lifespan
