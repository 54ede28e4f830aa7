"""The browser and the served app of the phone tests, for the HTTP-level attacks here."""

from tests.e2e.conftest import browser, playwright, server  # noqa: F401  (fixtures)
