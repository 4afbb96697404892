"""Customers: people and companies, their addresses, consents and groups, one customer across
channels, merging and unmerging, erasure by crypto-shredding."""
