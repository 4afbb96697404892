"""Fulfilment: picking, packing, shipments (partial ones too), delivery, click & collect."""
