"""Till sales: a store sells over the counter through the channel API, paid on the spot and
taken from the store's stock at once."""
