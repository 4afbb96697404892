"""Delivery options: carriers and their rate tables, pickup points, click & collect."""
