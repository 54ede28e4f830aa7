"""What one process lets in at once: photo uploads per person, and photo bytes in all.

Both are about this process's memory, so they are counted in it (the per-minute allowances,
which are about a person, are counted in the store: audit.people.ratelimit). A request over
either is answered at once with 503 and Retry-After, before its body is read, and the
phone's outbox sends it again.
"""

from __future__ import annotations

import asyncio
import threading

from audit.core import limits


class PerPerson:
    """At most `limit` requests at once per name, of which one has its turn at a time.

    The others are held before their body is read (the HTTP server buffers 64 KB of it, then
    stops reading), so one person's photos cost the memory of one upload however many come:
    a phone resending a photo whose first attempt is still under way waits for it, and
    anything past `limit` is sent back to wait on the phone.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held: dict[str, int] = {}
        self._turns: dict[str, asyncio.Lock] = {}
        self._lock = threading.Lock()

    def take(self, name: str) -> bool:
        """One place for `name`, or False when all of theirs are taken; `give` it back."""
        with self._lock:
            held = self._held.get(name, 0)
            if held >= self.limit:
                return False
            self._held[name] = held + 1
            if held == 0:  # made inside the serving loop, dropped once nobody holds a place
                self._turns[name] = asyncio.Lock()
            return True

    def turn(self, name: str) -> asyncio.Lock:
        """What a holder of a place awaits before it reads its body."""
        return self._turns[name]

    def give(self, name: str) -> None:
        with self._lock:
            held = self._held.get(name, 0) - 1
            if held > 0:
                self._held[name] = held
            else:
                self._held.pop(name, None)
                self._turns.pop(name, None)


class ByteBudget:
    """At most `total` bytes held at once; one request larger than the whole runs alone."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self._lock = threading.Lock()

    def take(self, need: int) -> bool:
        with self._lock:
            if self.used and self.used + need > self.total:
                return False
            self.used += need
            return True

    def give(self, need: int) -> None:
        with self._lock:
            self.used -= need


uploads_in_flight = PerPerson(limits.PHOTO_UPLOADS_IN_FLIGHT)
photo_bodies = ByteBudget(limits.PHOTO_BODIES_SHARED_BYTES)
