"""Sections other modules add to a customer's back-office page.

The orders module, for one, registers its "Orders" panel when it is imported::

    from comptoir.customers import service as customers

    customers.register_detail_panel(customers.DetailPanel(
        key="orders", title=_l("Orders"), template="orders/_customer_orders.html",
        context=lambda session, customer_id: {"orders": recent_orders(session, customer_id)},
        order=10,
    ))

The customer page renders each panel's template (found in the registering module's
templates folder) with the panel's ``context`` under the name ``panel_context``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from comptoir.kit.i18n import LazyString

PanelContext = Callable[[Session, uuid.UUID], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class DetailPanel:
    """A section of the customer page: its ``key`` (unique), heading, template, the function
    giving its template context, and its place (``order``, smallest first)."""

    key: str
    title: LazyString
    template: str
    context: PanelContext
    order: int = 100


_panels: dict[str, DetailPanel] = {}
_lock = threading.Lock()


def register_detail_panel(panel: DetailPanel) -> DetailPanel:
    """Add ``panel`` to every customer page; registering it again replaces it."""
    with _lock:
        _panels[panel.key] = panel
    return panel


def unregister_detail_panel(key: str) -> None:
    with _lock:
        _panels.pop(key, None)


def detail_panels() -> list[DetailPanel]:
    """The registered panels, in order."""
    with _lock:
        return sorted(_panels.values(), key=lambda panel: (panel.order, panel.key))
