"""The back office's navigation, which modules plug into.

A module registers its pages when it is imported::

    from comptoir.backoffice.nav import NavItem, SECTION_SALES, register
    from comptoir.kit.i18n import lazy_gettext as _l

    register(
        NavItem(
            section=SECTION_SALES,
            label=_l("Orders"),
            path="/admin/orders",
            order=10,
            scope="orders:read",
        )
    )

The shell groups the items by section (sections in their own order, items by ``order`` then by
label), shows each person only the items whose ``scope`` they hold (the page checks it again:
hiding a link is a convenience, not the access rule) and marks the item of the current page
with ``aria-current="page"``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from comptoir.kit.http.access import Principal
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l


@dataclass(frozen=True, slots=True)
class NavSection:
    """A group of pages in the navigation (``Sales``, ``System``)."""

    key: str
    label: LazyString
    order: int


SECTION_CATALOG = NavSection("catalog", _l("Catalogue"), 10)
SECTION_SALES = NavSection("sales", _l("Sales"), 20)
SECTION_CUSTOMERS = NavSection("customers", _l("Customers"), 30)
SECTION_FINANCE = NavSection("finance", _l("Finance"), 40)
SECTION_INSIGHTS = NavSection("insights", _l("Insights"), 50)
SECTION_SYSTEM = NavSection("system", _l("System"), 90)


@dataclass(frozen=True, slots=True)
class NavItem:
    """One page in the navigation. ``path`` is absolute (``/admin/...``); the item is current
    for that path and every path below it. ``scope`` is the scope the page needs (the item is
    shown only to those who hold it); ``None`` for pages every signed-in person may open."""

    section: NavSection
    label: LazyString
    path: str
    order: int = 100
    scope: str | None = None

    def is_visible_to(self, principal: Principal) -> bool:
        """Whether ``principal`` may open the item's page."""
        return self.scope is None or principal.has_scope(self.scope)

    def is_current(self, request_path: str) -> bool:
        """Whether a request for ``request_path`` is on this item's page or below it."""
        base = self.path.rstrip("/")
        return request_path == base or request_path.startswith(base + "/")


@dataclass(frozen=True, slots=True)
class NavGroup:
    """A section and its items, ready to render."""

    section: NavSection
    items: tuple[NavItem, ...]


class NavRegistry:
    """The items registered by the modules. Thread-safe; paths are unique."""

    def __init__(self) -> None:
        self._items: dict[str, NavItem] = {}
        self._lock = threading.Lock()

    def register(self, item: NavItem) -> NavItem:
        """Add ``item``. Registering the same item twice is harmless (modules may be imported
        again in tests); raises ``ValueError`` if another item already holds its path or if the
        path is not under ``/admin/``."""
        if not item.path.startswith("/admin/"):
            raise ValueError(f"a back-office page lives under /admin/: {item.path!r}")
        with self._lock:
            existing = self._items.get(item.path)
            if existing is not None and existing != item:
                raise ValueError(f"another navigation item already uses {item.path!r}")
            self._items[item.path] = item
        return item

    def groups(self, principal: Principal | None = None) -> list[NavGroup]:
        """The sections that have items, in order, each with its items in order; only the
        items ``principal`` may open when one is given."""
        with self._lock:
            items = list(self._items.values())
        if principal is not None:
            items = [item for item in items if item.is_visible_to(principal)]
        sections = sorted({item.section for item in items}, key=lambda s: (s.order, s.key))
        return [
            NavGroup(
                section,
                tuple(
                    sorted(
                        (item for item in items if item.section == section),
                        key=lambda item: (item.order, item.label.message),
                    )
                ),
            )
            for section in sections
        ]

    def current(self, request_path: str) -> NavItem | None:
        """The item the path belongs to: the one with the longest matching path."""
        with self._lock:
            matches = [item for item in self._items.values() if item.is_current(request_path)]
        return max(matches, key=lambda item: len(item.path), default=None)


navigation = NavRegistry()


def register(item: NavItem) -> NavItem:
    """Add ``item`` to the back office's navigation (see :meth:`NavRegistry.register`)."""
    return navigation.register(item)
