"""The demo storefront: a static page at ``/demo-store/`` that sells through the store API
(``/store/v1``) with a channel's publishable key, as a shop's own website would.

It lists the channel's products with their price and availability, fills a cart, offers the
cart's delivery options (click & collect at the stores that can serve it), takes the buyer's
details and checks out with the test card. It is plain HTML, CSS and one script file served
from Comptoir's origin (the content security policy allows no inline script), mounted only when
``COMPTOIR_DEMO_STOREFRONT`` is on (``make demo`` turns it on).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STOREFRONT_URL: Final = "/demo-store"
STATIC_DIR: Final = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Serve the demo storefront under :data:`STOREFRONT_URL` (``index.html`` at its root)."""
    app.mount(STOREFRONT_URL, StaticFiles(directory=STATIC_DIR, html=True), name="demo-store")
