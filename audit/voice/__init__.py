"""Customers' voice: a location's touchpoints rated by real customers (expected against got)."""
