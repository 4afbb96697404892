"""The double-entry ledger on the French chart of accounts (PCG): accounts, journals, entries
numbered per journal and fiscal year, the period lock, year-end closing and the reports."""
