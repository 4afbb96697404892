"""Imports of a shop's history from other systems' exports."""
