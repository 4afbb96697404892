"""Purchasing's service: what other modules, the API and the back office call.

Every function works in the caller's transaction and never commits.
"""

from comptoir.purchasing.errors import (
    OverReceipt,
    PurchaseOrderNotFound,
    PurchaseOrderStateConflict,
    SupplierNameTaken,
    SupplierNotFound,
    SupplierPriceConflict,
    SupplierPriceNotFound,
    UnknownOrderLine,
)
from comptoir.purchasing.service.orders import (
    cancel_purchase_order,
    count_orders,
    create_purchase_order,
    get_purchase_order,
    list_purchase_orders,
    next_number,
    order_view,
    receive_purchase_order,
    send_purchase_order,
)
from comptoir.purchasing.service.suppliers import (
    create_supplier,
    get_supplier,
    list_suppliers,
    price_for,
    price_view,
    remove_supplier_price,
    set_supplier_price,
    supplier_prices,
    update_supplier,
)

__all__ = [
    "OverReceipt",
    "PurchaseOrderNotFound",
    "PurchaseOrderStateConflict",
    "SupplierNameTaken",
    "SupplierNotFound",
    "SupplierPriceConflict",
    "SupplierPriceNotFound",
    "UnknownOrderLine",
    "cancel_purchase_order",
    "count_orders",
    "create_purchase_order",
    "create_supplier",
    "get_purchase_order",
    "get_supplier",
    "list_purchase_orders",
    "list_suppliers",
    "next_number",
    "order_view",
    "price_for",
    "price_view",
    "receive_purchase_order",
    "remove_supplier_price",
    "send_purchase_order",
    "set_supplier_price",
    "supplier_prices",
    "update_supplier",
]
