"""Spreadsheets: the catalogue and its stock imported from, and exported to, CSV and XLSX
files (a shop's move from spreadsheets to Comptoir, and back)."""
