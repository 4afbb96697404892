"""Comptoir: the open-source back office that runs a small online shop end to end."""

__version__ = "0.1.0"
