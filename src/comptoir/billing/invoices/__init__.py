"""Invoices, credit notes and proformas: issued from orders or by hand, numbered without gaps
per series, never changed once issued."""
