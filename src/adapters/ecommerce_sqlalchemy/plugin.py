"""Registers the SQL storage schemes."""
