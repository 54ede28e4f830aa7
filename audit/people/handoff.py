"""Hand a sign-in from the page to the cookie route (one-time tickets), and the CSRF token of a session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

TICKET_SECONDS = 120

_lock = threading.Lock()
_tickets: dict[str, tuple[str, float]] = {}  # sha256(ticket) -> (session token, expiry)


def issue_ticket(token: str, *, now: float | None = None) -> str:
    """A one-time ticket the page exchanges for the HttpOnly session cookie.

    Tickets live in this process only: the page that got one talks to the same process
    (one server, or sticky sessions behind a balancer), and a restart simply issues another.
    """
    at = time.monotonic() if now is None else now
    ticket = secrets.token_urlsafe(24)
    with _lock:
        for key in [k for k, (_, until) in _tickets.items() if until <= at]:
            del _tickets[key]
        _tickets[_digest(ticket)] = (token, at + TICKET_SECONDS)
    return ticket


def redeem_ticket(ticket: str, *, now: float | None = None) -> str | None:
    """The session token behind a ticket, once; None if unknown, used or expired."""
    at = time.monotonic() if now is None else now
    with _lock:
        found = _tickets.pop(_digest(ticket), None)
    if found is None or found[1] <= at:
        return None
    return found[0]


def csrf_token(token: str) -> str:
    """Derived from the session: a page of that session can show it, another site cannot make it."""
    return hmac.new(token.encode(), b"audit-csrf-v1", hashlib.sha256).hexdigest()[:32]


def csrf_ok(token: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(token), presented or "")


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()
