"""The bank: accounts, imported statements (CAMT.053, OFX, CSV), their lines, the matching of
each line with what it pays (invoices, card payouts, supplier bills, bank fees) and the
reconciliation that settles, posts and letters them."""
