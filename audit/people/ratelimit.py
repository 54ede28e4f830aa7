"""Sliding-window rate limits: sign-ins in this process's memory; photo uploads and phone
batches in the store, so that every process and replica counts against one allowance."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from audit.core import limits
from audit.store import Store


class RateLimited(Exception):
    """Too many attempts; `.code` feeds i18n, `.params["seconds"]` says when to try again."""

    def __init__(self, code: str, what: str, count: int, seconds: int) -> None:
        super().__init__(f"too many {what}; try again in {seconds} s")
        self.code = code
        self.params = {"count": count, "seconds": seconds, "minutes": max(1, math.ceil(seconds / 60))}


class RateLimiter:
    """At most `count` hits per key in any `window` seconds.

    Memory stays bounded: a key keeps at most `count` timestamps, and keys whose window has
    passed are dropped once the table grows past `max_keys` (an attacker who invents names or
    addresses cannot make it grow without end).
    """

    def __init__(self, code: str, what: str, count: int, window: float, *,
                 max_keys: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.code = code
        self.what = what
        self.count = count
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one attempt for `key`, or raise RateLimited without counting it."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self.max_keys:
                    self._sweep(now)
                hits = self._hits[key] = deque(maxlen=self.count)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.count:
                raise RateLimited(self.code, self.what, self.count,
                                  max(1, math.ceil(hits[0] + self.window - now)))
            hits.append(now)

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._hits.clear()
            else:
                self._hits.pop(key, None)

    def _sweep(self, now: float) -> None:
        stale = [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]
        for k in stale:
            del self._hits[k]
        if len(self._hits) >= self.max_keys:  # all busy: forget the oldest half
            for k in sorted(self._hits, key=lambda k: self._hits[k][-1])[: self.max_keys // 2]:
                del self._hits[k]


class SharedRateLimiter:
    """At most `count` hits per key in any `window` seconds, counted in the store.

    A limit kept in one process's memory is a limit per process: two app processes (or
    replicas) would each allow it once more. The store keeps the hits instead (a file
    under the data folder's lock, a row in PostgreSQL), read and written under one lock.
    """

    def __init__(self, code: str, what: str, count: int, window: float, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.code = code
        self.what = what
        self.count = count
        self.window = window
        self._clock = clock

    def hit(self, store: Store, key: str) -> None:
        """Count one attempt for `key`, or raise RateLimited without counting it."""
        wait = store.count_hit(f"{self.code}:{key}", self.count, self.window, self._clock())
        if wait > 0:
            raise RateLimited(self.code, self.what, self.count, max(1, math.ceil(wait)))


# Photos a person may upload, and batches a phone may send: the routes call `.hit(store, name)`.
photo_uploads = SharedRateLimiter("too_many_uploads", "photo uploads", limits.UPLOADS_PER_MINUTE, 60)
sync_batches = SharedRateLimiter("too_many_batches", "outbox batches", limits.SYNC_BATCHES_PER_MINUTE,
                                 60)
