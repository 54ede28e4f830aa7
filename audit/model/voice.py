"""Customers' voice as values: one response (expected against got, per touchpoint), a filter.

Nothing in a response names the customer or their phone: `device` is a hash of the address
and browser under a salt that changes every day (and is then forgotten), kept only so that
one phone answers once per location per day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# the visit overall, as the customer puts it: the three levels of experience
VISIT_LEVELS = ("disappointed", "as_expected", "wow")
SCORE_MIN, SCORE_MAX = 1, 5
HELD_BURST = "burst"  # arrived in a burst over the location's allowance: held for HQ, not counted


@dataclass(frozen=True)
class Rating:
    """One touchpoint (a customer-facing section) as the customer met it: 1–5 each."""

    section: str
    expected: int
    perceived: int

    @property
    def gap(self) -> int:
        return self.perceived - self.expected


@dataclass(frozen=True)
class VoiceResponse:
    id: str  # "YYYYMMDD-<random>": the day first, so the month is known from the id
    location_id: str
    template_id: str
    template_version: int
    day: str  # YYYY-MM-DD, the location's day
    at: str  # ISO time, UTC
    ratings: tuple[Rating, ...]
    level: str  # one of VISIT_LEVELS
    text: str = ""  # plain text, capped; shown beyond HQ only once approved
    text_approved: bool = False
    device: str = ""  # the daily-salted hash (see the module's note); "" when not known
    held: str = ""  # "" counted; HELD_BURST: held for HQ

    @property
    def month(self) -> str:
        return self.day[:7]

    @property
    def is_counted(self) -> bool:
        return not self.held

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "location_id": self.location_id, "template_id": self.template_id,
                "template_version": self.template_version, "day": self.day, "at": self.at,
                "ratings": [[r.section, r.expected, r.perceived] for r in self.ratings],
                "level": self.level, "text": self.text, "text_approved": self.text_approved,
                "device": self.device, "held": self.held}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VoiceResponse:
        return cls(id=str(d["id"]), location_id=str(d["location_id"]),
                   template_id=str(d.get("template_id", "")),
                   template_version=int(d.get("template_version", 0)), day=str(d["day"]),
                   at=str(d.get("at", "")),
                   ratings=tuple(Rating(str(s), int(e), int(p)) for s, e, p in d.get("ratings", ())),
                   level=str(d.get("level", "")), text=str(d.get("text", "")),
                   text_approved=bool(d.get("text_approved", False)),
                   device=str(d.get("device", "")), held=str(d.get("held", "")))


@dataclass(frozen=True)
class VoiceFilter:
    """Which responses to list; None means any. Months "YYYY-MM", inclusive."""

    location_ids: tuple[str, ...] | None = None
    first_month: str | None = None
    last_month: str | None = None

    def matches(self, r: VoiceResponse) -> bool:
        if self.location_ids is not None and r.location_id not in self.location_ids:
            return False
        if self.first_month is not None and r.month < self.first_month:
            return False
        return not (self.last_month is not None and r.month > self.last_month)


def month_of_id(response_id: str) -> str | None:
    """The month a response id was made in ("YYYY-MM"), or None for an id not of this form."""
    day = response_id[:8]
    if len(day) != 8 or not day.isdigit() or response_id[8:9] != "-":
        return None
    return f"{day[:4]}-{day[4:6]}"
