"""Cursors and ETags: pages ordered by (time of last change, id), and one tag per body."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from audit.api.problems import Problem
from audit.core import limits
from audit.store.integrations import stamp

T = TypeVar("T")
_CURSOR_RE = re.compile(r"^[A-Za-z0-9_-]{1,400}$")


def encode_cursor(changed_at: str, ident: str) -> str:
    raw = json.dumps([changed_at, ident], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, str] | None:
    """The (changed_at, id) a cursor holds; Problem 400 for anything this API did not give."""
    if cursor is None or cursor == "":
        return None
    if not _CURSOR_RE.match(cursor):
        raise Problem(400, "bad_request", "api.bad_cursor")
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as err:
        raise Problem(400, "bad_request", "api.bad_cursor") from err
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)):
        raise Problem(400, "bad_request", "api.bad_cursor")
    return data[0], data[1]


def check_time(name: str, value: str | None) -> str | None:
    """An ISO date or time given as a filter, as a string that sorts with the stored ones."""
    if value is None or value == "":
        return None
    if re.search(r" \d\d:?\d\d$", value):  # a "+" left unencoded in a URL arrives as a space
        value = value[:-6] + value[-6:].replace(" ", "+")
    try:
        at = datetime.fromisoformat(value)
    except ValueError as err:
        raise Problem(400, "bad_request", "api.bad_param", name=name,
                      problem="not an ISO 8601 date or time (2026-03-01 or 2026-03-01T09:00:00+00:00)"
                      ) from err
    return stamp(at if at.tzinfo is not None else at.replace(tzinfo=UTC))


def settled_until(now: datetime | None = None) -> str:
    """The latest time of change a page by last change may serve now.

    A writer stamps a row's time of change and commits a moment later, so two writers may
    commit out of the order of their stamps. A reader that had already passed the later stamp
    would never see the earlier row. Rows changed in the last `API_SETTLE_SECONDS` are
    therefore held back (a page ends before them; ask again later with its cursor): any write
    that commits within that time of its stamp is in place before its stamp can be served.
    Whole-second stamps (actions) count from the start of their second.
    """
    if limits.API_SETTLE_SECONDS <= 0:
        return "\uffff"
    at = (now or datetime.now(UTC)) - timedelta(seconds=limits.API_SETTLE_SECONDS)
    return stamp(at.replace(microsecond=0) - timedelta(microseconds=1))


def page_of(items: Iterable[T], key: Callable[[T], tuple[str, str]], after: tuple[str, str] | None,
            limit: int) -> tuple[list[T], tuple[str, str] | None, bool]:
    """In-memory paging for the smaller resources: sorted by key, those after the cursor; the
    page, the position after it (the cursor to go on from, now or later) and whether more follow."""
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [x for x in ordered if key(x) > after]
    page = ordered[:limit]
    return page, (key(page[-1]) if page else after), len(ordered) > limit


def etag_of(body: Any) -> str:
    return etag_of_bytes(to_json(body))


def to_json(body: Any) -> bytes:
    """The one serialisation of a response body: what is sent is what the ETag hashes."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      default=str).encode("utf-8")


def etag_of_bytes(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def matches(header: str | None, etag: str) -> bool:
    """If-None-Match / If-Match: a list of tags or *, weak tags compared by their value."""
    if not header:
        return False
    tags: Sequence[str] = [h.strip().removeprefix("W/") for h in header.split(",")]
    return "*" in tags or etag in tags
