"""Values and small helpers for the store contract (tests/test_store_contract.py)."""
