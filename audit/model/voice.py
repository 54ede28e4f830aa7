"""Customers' voice as values: one response (expected against got, per touchpoint), a filter,
and HQ's gap table made of them.

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


# -- HQ's gap table (audit.reports.voice.gap_table builds it) --------------------------------


@dataclass(frozen=True)
class GapRow:
    """One location × touchpoint: what customers expected and got (1–5), the gap P − E with its
    95% interval, and — in its own columns — the audits' score of the same section."""

    location_id: str
    location: str
    section: str
    n: int
    expected: float
    perceived: float
    gap: float
    ci_low: float | None  # None below 2 responses: no interval from one answer
    ci_high: float | None
    where: str | None  # one of WHERE; None below 2 responses
    audit_score: float | None  # mean section % of the period's submitted audits
    audits: int


@dataclass(frozen=True)
class LevelShare:
    level: str
    count: int
    share: float  # of the period's counted responses


@dataclass(frozen=True)
class MonthRow:
    month: str
    responses: int
    ratings: int
    expected: float | None
    perceived: float | None
    gap: float | None
    shares: tuple[LevelShare, ...]


@dataclass(frozen=True)
class ShopperRow:
    """Mystery shoppers' own expectation of a section at a location (asked before the section)
    against what they got, over the period's audits: in minutes of wait (`kind` "minutes",
    less is better) or on 1–5 ("scale")."""

    location_id: str
    location: str
    section: str
    kind: str
    audits: int
    expected: float
    got: float
    below: int  # audits where it fell short of the expectation
    met: int
    above: int

    @property
    def better(self) -> float:
        """How much better than expected on average (minutes saved, or points of 5 above)."""
        return self.expected - self.got if self.kind == "minutes" else self.got - self.expected


@dataclass(frozen=True)
class VoiceTable:
    template_id: str
    responses: int  # counted
    held: int  # held as bursts for HQ: listed, never in the figures
    rows: tuple[GapRow, ...]
    let_down_where_audits_pass: tuple[GapRow, ...]
    audits_fail_where_customers_do_not_mind: tuple[GapRow, ...]
    levels: tuple[LevelShare, ...]
    months: tuple[MonthRow, ...]
    # the shoppers' own expected against got, per location × section that asks it
    shoppers: tuple[ShopperRow, ...] = ()


@dataclass(frozen=True)
class BranchVoice:
    """One location's customers' voice for its own report: its gap rows over whole months, and
    the customers' own words its reader may read (day, text), newest first."""

    location_id: str
    first_month: str
    last_month: str
    table: VoiceTable
    words: tuple[tuple[str, str], ...] = ()
