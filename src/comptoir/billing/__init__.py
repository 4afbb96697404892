"""Billing: invoices and credit notes, e-invoices (Factur-X, UBL), the double-entry ledger on
the French chart of accounts, supplier bills, bank statements and their reconciliation, and
the FEC export."""
