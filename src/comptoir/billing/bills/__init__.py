"""Supplier bills: received for purchase orders, matched against the order and its receipts
(three-way match), approved, posted to the purchases journal and paid."""
