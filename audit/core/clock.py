"""What time it is, for every surface: one clock, UTC to the second, as the stores keep times.

Times are shown in a location's zone by `audit.core.zones`; nothing else reads the wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """This moment, aware, in UTC, whole seconds."""
    return datetime.now(UTC).replace(microsecond=0)


def now_iso() -> str:
    """This moment as stored: "2026-03-14T07:05:00+00:00"."""
    return now().isoformat()
