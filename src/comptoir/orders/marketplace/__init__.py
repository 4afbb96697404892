"""Marketplace orders: orders a marketplace already took (and usually collected), imported
into Comptoir once each, by the admin API or from a CSV file."""
