"""Sales channels: the web shop, the app, the store tills and the marketplaces that sell."""
