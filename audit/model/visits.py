"""Visit plans and visits as values: what HQ asked for, each visit, and a filter over them.

The store keeps and returns these; `audit.visits` expands plans and judges visits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Window:
    """Local days first..last (inclusive), some weekdays (empty: any), a time of day."""

    first: date
    last: date
    weekdays: tuple[str, ...] = ()
    time_from: str = ""  # "HH:MM"; empty: from the start of the day
    time_to: str = ""  # "HH:MM"; empty: to the end of the day


@dataclass(frozen=True)
class Plan:
    """What HQ asked for; `expand` turns it into visits."""

    id: str
    template_id: str
    first: date
    last: date
    location_ids: tuple[str, ...] = ()
    region: str = ""  # every active location of this region (with or instead of location_ids)
    per_month: int = 0  # 0: one visit per location in first..last; N: N windows in each month
    weekdays: tuple[str, ...] = ()
    time_from: str = ""
    time_to: str = ""
    shoppers: tuple[str, ...] = ()  # empty: open to any shopper of the region; several: in turn
    scenario_ru: str = ""
    scenario_en: str = ""
    created_by: str = ""
    created_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["first"], d["last"] = self.first.isoformat(), self.last.isoformat()
        for k in ("location_ids", "weekdays", "shoppers"):
            d[k] = list(d[k])
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Plan:
        return cls(
            id=d["id"], template_id=d["template_id"], first=date.fromisoformat(d["first"]),
            last=date.fromisoformat(d["last"]), location_ids=tuple(d.get("location_ids", ())),
            region=d.get("region", ""), per_month=int(d.get("per_month", 0)),
            weekdays=tuple(d.get("weekdays", ())), time_from=d.get("time_from", ""),
            time_to=d.get("time_to", ""), shoppers=tuple(d.get("shoppers", ())),
            scenario_ru=d.get("scenario_ru", ""), scenario_en=d.get("scenario_en", ""),
            created_by=d.get("created_by", ""), created_at=d.get("created_at", ""))


@dataclass(frozen=True)
class Visit:
    """One planned visit of one location. `status` is what happened (planned, started, done,
    cancelled); what it means today (due, overdue, missed) is `state(visit, now)`."""

    id: str
    plan_id: str
    month: str  # "YYYY-MM" of the window's first local day: where the visit is filed
    location_id: str
    region: str
    template_id: str
    opens_at: str  # UTC ISO: the first moment of the window
    closes_at: str  # UTC ISO: the last moment of the window
    tz: str = ""
    first: str = ""  # the window as the shopper reads it, in the location's zone
    last: str = ""
    weekdays: tuple[str, ...] = ()
    time_from: str = ""
    time_to: str = ""
    shopper: str = ""
    scenario_ru: str = ""
    scenario_en: str = ""
    status: str = "planned"
    audit_id: str = ""
    started_at: str = ""
    done_at: str = ""
    on_time: bool | None = None  # started inside its window
    start_pos: dict[str, Any] | None = None
    submit_pos: dict[str, Any] | None = None
    start_distance: float | None = None
    submit_distance: float | None = None
    grade: int | None = None
    grade_note: str = ""
    graded_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["weekdays"] = list(self.weekdays)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Visit:
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["weekdays"] = tuple(kw.get("weekdays", ()))
        return cls(**kw)

    def scenario(self, lang: str) -> str:
        return (self.scenario_ru or self.scenario_en) if lang == "ru" else \
            (self.scenario_en or self.scenario_ru)


@dataclass(frozen=True)
class VisitFilter:
    """Which visits to list; months "YYYY-MM" inclusive, None means any."""

    first_month: str | None = None
    last_month: str | None = None
    shopper: str | None = None
    location_ids: tuple[str, ...] | None = None
    region: str | None = None
    open_only: bool = False

    def matches(self, v: Visit) -> bool:
        if self.first_month is not None and v.month < self.first_month:
            return False
        if self.last_month is not None and v.month > self.last_month:
            return False
        if self.shopper is not None and v.shopper != self.shopper:
            return False
        if self.location_ids is not None and v.location_id not in self.location_ids:
            return False
        if self.region is not None and v.region != self.region:
            return False
        return not (self.open_only and v.shopper)
