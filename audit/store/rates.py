"""Sliding-window counts that every process of one store shares (rate limits per person).

The store keeps, per key, the times of its recent hits; `window_hit` is the one rule both
backends apply to them under their lock (a file lock on the data folder, a row lock in
PostgreSQL), so two processes, or two replicas, count against one allowance.
"""

from __future__ import annotations

from typing import Any


def window_hit(stored: Any, limit: int, window: float, now: float) -> tuple[list[float], float]:
    """(the hits to store, 0.0) when one more hit fits in `limit` per `window` seconds; else
    (the hits to store, seconds until one fits), the refused hit not counted. `stored` is
    what was kept (anything unreadable counts as no hits: these are counters, not data)."""
    # a hit a little in the future is kept: another process read its clock a moment later
    # than this one and took the lock first (or a replica's clock runs ahead)
    hits = sorted(float(h) for h in stored if isinstance(h, (int, float)) and h > now - window) \
        if isinstance(stored, list) else []
    hits = hits[-limit:] if limit > 0 else []
    if len(hits) >= limit:
        return hits, max(0.001, hits[0] + window - now) if hits else window
    return [*hits, now], 0.0


def expired(stored: Any, window: float, now: float) -> bool:
    """True when a key kept nothing within the window (its entry may go)."""
    return not isinstance(stored, list) or not any(
        isinstance(h, (int, float)) and h > now - window for h in stored)
