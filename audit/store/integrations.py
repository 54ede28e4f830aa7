"""The part of the Store that keeps what integrations need (both backends): API tokens, webhook
endpoints and their delivery queue, and each audit row's time of last change.

A row's last change is stamped by the backend whenever it writes the row (start, submit,
publish, reopen, review), in UTC to the microsecond; listing by (changed_at, audit id) gives
the API its cursor: a row changed meanwhile moves to the end, a row not changed is listed once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from audit.model import SummaryRow
from audit.model.integrations import ApiToken, Delivery, Endpoint


def stamp(at: datetime | None = None) -> str:
    """A time of change as stored: "2026-03-14T07:05:00.123456+00:00" (sorts as it happened)."""
    return (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")


def row_time(row: SummaryRow) -> str:
    """The time of change a row had before rows kept one: its submit, else its start."""
    for when in (row.submitted_at, row.started_at, row.visit_at):
        try:
            at = datetime.fromisoformat(when)
        except (TypeError, ValueError):
            continue
        return stamp(at if at.tzinfo else at.replace(tzinfo=UTC))
    return stamp(datetime(2000, 1, 1, tzinfo=UTC))


class IntegrationStore(Protocol):
    # API tokens: by id; looked up by the hash of the secret a request brings
    def put_token(self, token: ApiToken) -> None: ...
    def list_tokens(self) -> list[ApiToken]: ...
    def token_by_hash(self, token_hash: str) -> ApiToken | None: ...
    def update_token(self, token_id: str, change: Callable[[ApiToken], ApiToken]) -> ApiToken | None: ...

    # webhook endpoints, and deliveries queued like e-mail (claimed with a lease by one sender);
    # an endpoint's deliveries go one at a time in the order they were queued
    def put_endpoint(self, endpoint: Endpoint) -> None: ...
    def list_endpoints(self) -> list[Endpoint]: ...
    def enqueue_deliveries(self, deliveries: Sequence[Delivery]) -> int: ...  # ids already there: skipped
    def claim_deliveries(self, worker: str, now: str, lease_until: str, limit: int) -> list[Delivery]:
        """Each endpoint's oldest unsent delivery, if it is due and not leased: claimed."""
        ...
    def finish_delivery(self, delivery_id: str, worker: str, *, now: str, error: str = "",
                        next_try: str = "", dead: bool = False) -> bool: ...
    def list_deliveries(self, statuses: tuple[str, ...] = ("pending", "dead"),
                        limit: int = 50) -> list[Delivery]: ...
    def retry_delivery(self, delivery_id: str, now: str) -> bool: ...
