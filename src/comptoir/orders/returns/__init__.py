"""Returns (RMA): requests with a reason per line, reception, inspection, refunds, exchanges."""
