"""The catalogue of scopes (``module:action``) and the built-in roles.

A scope names what a caller may do in one module; a role is a named set of scopes given to
staff users. Built-in roles take their scopes from this file (so a new version of Comptoir can
grant a new scope to, say, the accountant); custom roles keep theirs in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l

SCOPES: Final[dict[str, LazyString]] = {
    "catalog:read": _l("See the catalogue"),
    "catalog:write": _l("Edit products, prices and promotions"),
    "inventory:read": _l("See stock levels and movements"),
    "inventory:write": _l("Move, count and transfer stock"),
    "channels:read": _l("See sales channels"),
    "channels:write": _l("Configure sales channels"),
    "orders:read": _l("See orders and returns"),
    "orders:write": _l("Create, change and fulfil orders and returns"),
    "orders:till": _l("Sell at a store's till"),
    "billing:read": _l("See invoices, credit notes and the ledger"),
    "billing:issue": _l("Issue invoices and credit notes"),
    "billing:post": _l("Post ledger entries, reconcile the bank, lock and close periods"),
    "billing:export": _l("Export accounting data"),
    "customers:read": _l("See customers"),
    "customers:write": _l("Edit customers"),
    "sales:read": _l("See leads and quotes"),
    "sales:write": _l("Edit leads and quotes"),
    "support:read": _l("See support tickets"),
    "support:write": _l("Answer and manage support tickets"),
    "automation:read": _l("See automations"),
    "automation:write": _l("Edit automations"),
    "messaging:read": _l("See messages and templates"),
    "messaging:write": _l("Edit templates and send campaigns"),
    "analytics:read": _l("See dashboards and KPIs"),
    "intelligence:read": _l("See forecasts and proposals"),
    "intelligence:apply": _l("Apply forecasts and proposals"),
    "privacy:read": _l("See consents and privacy requests"),
    "privacy:export": _l("Export or erase personal data"),
    "operations:read": _l("See background jobs and events"),
    "operations:write": _l("Retry background jobs and events"),
    "identity:read": _l("See staff users and roles"),
    "identity:admin": _l("Manage staff users, roles and access"),
    "privacy:audit": _l("See the audit trail"),
    "purchasing:read": _l("See suppliers and purchase orders"),
    "purchasing:write": _l("Order from suppliers and receive deliveries"),
    # The channel API's scopes: held by channel keys and shopper tokens, never by staff.
    "store:read": _l("See what a sales channel sells"),
    "store:cart": _l("Fill a cart on a sales channel"),
    "store:account": _l("Manage one's own shop account"),
}

STORE_SCOPES: Final = frozenset(scope for scope in SCOPES if scope.startswith("store:"))
STAFF_SCOPES: Final = frozenset(SCOPES) - STORE_SCOPES
READ_SCOPES: Final = frozenset(scope for scope in STAFF_SCOPES if scope.endswith(":read"))


@dataclass(frozen=True, slots=True)
class BuiltinRole:
    """A role every shop has. ``key`` is stable; ``name`` is shown in the user's language."""

    key: str
    name: LazyString
    scopes: frozenset[str]
    requires_mfa: bool = False


OWNER: Final = "owner"
ADMINISTRATOR: Final = "administrator"
ACCOUNTANT: Final = "accountant"

BUILTIN_ROLES: Final[dict[str, BuiltinRole]] = {
    role.key: role
    for role in (
        BuiltinRole(OWNER, _l("Owner"), STAFF_SCOPES, requires_mfa=True),
        BuiltinRole(ADMINISTRATOR, _l("Administrator"), STAFF_SCOPES, requires_mfa=True),
        BuiltinRole(
            "store_manager",
            _l("Store manager"),
            frozenset(
                {
                    "catalog:read",
                    "inventory:read",
                    "inventory:write",
                    "orders:read",
                    "orders:write",
                    "orders:till",
                    "customers:read",
                    "customers:write",
                    "support:read",
                    "analytics:read",
                }
            ),
        ),
        BuiltinRole(
            "warehouse",
            _l("Warehouse"),
            frozenset({"catalog:read", "inventory:read", "inventory:write", "orders:read"}),
        ),
        BuiltinRole(
            ACCOUNTANT,
            _l("Accountant"),
            frozenset(
                {
                    "orders:read",
                    "billing:read",
                    "billing:issue",
                    "billing:post",
                    "billing:export",
                    "purchasing:read",
                    "customers:read",
                    "analytics:read",
                }
            ),
            requires_mfa=True,
        ),
        BuiltinRole(
            "support_agent",
            _l("Support agent"),
            frozenset(
                {
                    "orders:read",
                    "customers:read",
                    "customers:write",
                    "support:read",
                    "support:write",
                    "messaging:read",
                }
            ),
        ),
        BuiltinRole(
            "marketing",
            _l("Marketing"),
            frozenset(
                {
                    "catalog:read",
                    "catalog:write",
                    "customers:read",
                    "messaging:read",
                    "messaging:write",
                    "automation:read",
                    "automation:write",
                    "analytics:read",
                }
            ),
        ),
        BuiltinRole("read_only", _l("Read-only"), READ_SCOPES),
    )
}

MFA_ROLES: Final = frozenset(key for key, role in BUILTIN_ROLES.items() if role.requires_mfa)


def is_known_scope(scope: str) -> bool:
    """Whether ``scope`` is in the catalogue."""
    return scope in SCOPES
