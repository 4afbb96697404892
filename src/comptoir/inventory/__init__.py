"""Inventory: locations, stock levels kept by a movement ledger, reservations, channel
availability, transfers, cycle counts and reorder parameters."""
