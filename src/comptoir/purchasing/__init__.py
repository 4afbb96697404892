"""Purchasing: suppliers, their price lists, purchase orders and their receipts into stock."""
