"""Visit plans: windows, recurring rules, their expansion into visits, and what is due or missed.

A plan names locations (or a whole region), a checklist, a scenario, shoppers (or none: open
to any shopper of the region) and when: one window, or N windows a month over some months.
A window is days in the location's time zone, optionally only some weekdays and a time of day
("Saturday 10:00–14:00"); it is stored as the UTC instants it opens and closes, computed with
the zone's rules for each day, so a DST change moves the UTC hours, never the local ones.
Everything here is a pure function of values, except the actions at the bottom.
"""

from __future__ import annotations

import calendar
import dataclasses
import functools
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from audit.core.errors import AppError
from audit.core.zones import BadZone, parse_utc, utc_iso, zone
from audit.model import WEEKDAYS, Location, User
from audit.model.visits import Plan, Visit, Window

GRACE = timedelta(days=7)  # after its window a visit is overdue this long, then missed
MAX_PER_MONTH = 8
MAX_MONTHS = 24


class PlanError(AppError):
    """A plan that cannot make visits; `.code` says why and `.params` where."""

    code = "plan_error"

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message, **params)
        self.code = code


class VisitError(AppError):
    """A visit that cannot be started or changed now; `.code` says why."""

    code = "visit_error"

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message, **params)
        self.code = code


# --- windows --------------------------------------------------------------------------------


def _clock(text: str, field_name: str) -> time:
    try:
        hh, mm = text.split(":")
        return time(int(hh), int(mm))
    except ValueError as exc:
        raise PlanError("plan_bad_time", f"{field_name} {text!r} is not a time like 10:00",
                        field=field_name, value=text) from exc


def check_window(w: Window) -> None:
    """PlanError for a window that cannot hold a visit, naming what is wrong."""
    if w.last < w.first:
        raise PlanError("plan_window_backwards",
                        f"the window ends ({w.last}) before it starts ({w.first})",
                        first=w.first.isoformat(), last=w.last.isoformat())
    bad = [d for d in w.weekdays if d not in WEEKDAYS]
    if bad:
        raise PlanError("plan_bad_weekday", f"unknown weekday {bad[0]!r}; use {', '.join(WEEKDAYS)}",
                        value=bad[0])
    start = _clock(w.time_from, "time_from") if w.time_from else None
    end = _clock(w.time_to, "time_to") if w.time_to else None
    if start is not None and end is not None and end <= start:
        raise PlanError("plan_time_backwards",
                        f"the time of day ends ({w.time_to}) before it starts ({w.time_from})",
                        time_from=w.time_from, time_to=w.time_to)
    if not allowed_days(w):
        raise PlanError("plan_no_day", f"no {'/'.join(w.weekdays)} between {w.first} and {w.last}",
                        first=w.first.isoformat(), last=w.last.isoformat())


def allowed_days(w: Window) -> list[date]:
    days = []
    d = w.first
    while d <= w.last:
        if not w.weekdays or WEEKDAYS[d.weekday()] in w.weekdays:
            days.append(d)
        d += timedelta(days=1)
    return days


def window_instants(w: Window, tz_name: str) -> tuple[str, str]:
    """(opens, closes) in UTC: the first allowed day at time_from, the last at time_to,
    each read in the zone's rules for that day (a DST change moves the UTC hour)."""
    days = allowed_days(w)
    tz = zone(tz_name)
    start = _clock(w.time_from, "time_from") if w.time_from else time(0, 0)
    opens = datetime.combine(days[0], start, tzinfo=tz)
    if w.time_to:
        closes = datetime.combine(days[-1], _clock(w.time_to, "time_to"), tzinfo=tz)
    else:  # the end of the last day is the start of the next, in that day's offset
        closes = datetime.combine(days[-1] + timedelta(days=1), time(0, 0), tzinfo=tz)
    return utc_iso(opens), utc_iso(closes - timedelta(seconds=1))


def in_window(v: Visit, at: str) -> bool:
    """Whether a UTC time falls inside the visit's window: its days, weekdays and hours,
    read in the location's zone."""
    try:
        when = parse_utc(at).astimezone(zone(v.tz))
    except (ValueError, BadZone):
        return False
    if not v.first or not (v.first <= when.date().isoformat() <= v.last):
        return False
    if v.weekdays and WEEKDAYS[when.weekday()] not in v.weekdays:
        return False
    hm = when.strftime("%H:%M")
    if v.time_from and hm < v.time_from:
        return False
    return not (v.time_to and hm >= v.time_to)


def month_windows(year: int, month: int, n: int, w: Window) -> list[Window]:
    """The month cut into n nearly equal runs of days, each keeping w's weekdays and hours."""
    days = calendar.monthrange(year, month)[1]
    out = []
    for i in range(n):
        a = 1 + (days * i) // n
        b = (days * (i + 1)) // n
        out.append(dataclasses.replace(w, first=date(year, month, a), last=date(year, month, b)))
    return out


def _months(first: date, last: date) -> list[tuple[int, int]]:
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# --- expansion ------------------------------------------------------------------------------


def plan_locations(plan: Plan, locations: Mapping[str, Location]) -> list[Location]:
    """The plan's locations: those named, and every active one of its region. A named one that
    does not exist or is disabled is an error; a region with none is too."""
    chosen: dict[str, Location] = {}
    for loc_id in plan.location_ids:
        loc = locations.get(loc_id)
        if loc is None:
            raise PlanError("plan_unknown_location", f"no location {loc_id!r}", location_id=loc_id)
        if not loc.active:
            raise PlanError("plan_location_disabled", f"location {loc.name} is disabled",
                            location_id=loc_id, name=loc.name)
        chosen[loc_id] = loc
    if plan.region:
        found = [loc for loc in locations.values() if loc.region == plan.region and loc.active]
        if not found:
            raise PlanError("plan_empty_region", f"no active location in region {plan.region!r}",
                            region=plan.region)
        for loc in found:
            chosen.setdefault(loc.id, loc)
    if not chosen:
        raise PlanError("plan_no_locations", "pick at least one location or a region")
    return sorted(chosen.values(), key=lambda loc: loc.id)


def check_shopper(name: str, people: Mapping[str, User]) -> None:
    """A person a visit may be given to: a mystery shopper whose account is on."""
    user = people.get(name)
    if user is None:
        raise PlanError("plan_unknown_shopper", f"no person {name!r}", shopper=name)
    if user.role != "shopper":
        raise PlanError("plan_not_a_shopper", f"{name} is not a mystery shopper", shopper=name)
    if user.disabled:
        raise PlanError("plan_shopper_disabled", f"{name}'s account is disabled", shopper=name)


def check_shoppers(plan: Plan, people: Mapping[str, User]) -> None:
    for name in plan.shoppers:
        check_shopper(name, people)


def changed_visit(v: Visit, *, shopper: str | None = None, status: str | None = None) -> Visit:
    """HQ's change of a visit not yet under way: another shopper ("" opens it to any shopper of
    the region), cancelled, or planned again after a cancel. VisitError when it is under way or
    done (its audit is the shopper's now)."""
    if v.status == "started":
        raise VisitError("visit_already_started", "this visit is already under way",
                         audit_id=v.audit_id)
    if v.status == "done":
        raise VisitError("visit_done", "this visit is done", audit_id=v.audit_id)
    if status not in (None, "planned", "cancelled"):
        raise VisitError("visit_bad_status", f"a visit can be planned or cancelled, not {status!r}",
                         status=status)
    if shopper is not None and (status or v.status) == "cancelled":
        raise VisitError("visit_cancelled", "HQ cancelled this visit")
    return dataclasses.replace(v, shopper=v.shopper if shopper is None else shopper,
                               status=status or v.status)


def _visit_id(plan_id: str, location_id: str, w: Window, n: int) -> str:
    digest = hashlib.sha256(f"{plan_id}|{location_id}|{w.first}|{n}".encode()).hexdigest()[:12]
    return f"v{w.first:%Y-%m}-{digest}"


def expand(plan: Plan, locations: Mapping[str, Location], people: Mapping[str, User]
           ) -> list[Visit]:
    """Every visit the plan makes, checked; PlanError on the first thing wrong.

    Shoppers are taken in turn per location, shifted by the location's place in the plan, so
    neighbouring branches do not get the same person on the same day and a branch sees
    different people month after month.
    """
    if plan.per_month < 0 or plan.per_month > MAX_PER_MONTH:
        raise PlanError("plan_bad_count", f"visits a month must be 0..{MAX_PER_MONTH}",
                        value=plan.per_month, limit=MAX_PER_MONTH)
    shape = Window(plan.first, plan.last, plan.weekdays, plan.time_from, plan.time_to)
    check_window(shape)
    months = _months(plan.first, plan.last)
    if len(months) > MAX_MONTHS:
        raise PlanError("plan_too_long", f"a plan covers at most {MAX_MONTHS} months",
                        limit=MAX_MONTHS)
    check_shoppers(plan, people)
    chosen = plan_locations(plan, locations)
    windows: list[Window] = []
    if plan.per_month:
        for y, m in months:
            for w in month_windows(y, m, plan.per_month, shape):
                w = dataclasses.replace(w, first=max(w.first, plan.first),
                                        last=min(w.last, plan.last))
                if w.first <= w.last:
                    windows.append(w)
    else:
        windows = [shape]
    out: list[Visit] = []
    for li, loc in enumerate(chosen):
        try:
            zone(loc.tz)
        except BadZone as err:
            raise PlanError("plan_bad_zone", str(err), location_id=loc.id, zone=loc.tz) from err
        for n, w in enumerate(windows):
            if not allowed_days(w):
                raise PlanError("plan_no_day",
                                f"no {'/'.join(w.weekdays)} between {w.first} and {w.last}",
                                first=w.first.isoformat(), last=w.last.isoformat())
            opens, closes = window_instants(w, loc.tz)
            shopper = plan.shoppers[(li + n) % len(plan.shoppers)] if plan.shoppers else ""
            out.append(Visit(
                id=_visit_id(plan.id, loc.id, w, n), plan_id=plan.id, month=f"{w.first:%Y-%m}",
                location_id=loc.id, region=loc.region, template_id=plan.template_id,
                opens_at=opens, closes_at=closes, tz=loc.tz, first=w.first.isoformat(),
                last=w.last.isoformat(), weekdays=w.weekdays, time_from=w.time_from,
                time_to=w.time_to, shopper=shopper, scenario_ru=plan.scenario_ru,
                scenario_en=plan.scenario_en))
    return out


# --- what a visit means today ----------------------------------------------------------------

def state(v: Visit, now: str) -> str:
    """upcoming (not open yet), due (open now), started (its audit is a draft), overdue (the
    window closed less than GRACE ago), missed (longer), done, cancelled."""
    if v.status in ("done", "cancelled"):
        return v.status
    if now < v.opens_at:
        return "started" if v.status == "started" else "upcoming"
    if now <= v.closes_at:
        return "started" if v.status == "started" else "due"
    return "overdue" if v.closes_at >= _grace_cut(now) else "missed"


@functools.lru_cache(maxsize=16)
def _grace_cut(now: str) -> str:
    """The oldest close that is still overdue at `now`. Stored times are all `utc_iso` strings
    (UTC, whole seconds, "+00:00"), so they compare as text in time order; a page classifies
    thousands of visits against one `now`."""
    return utc_iso(parse_utc(now) - GRACE)


@dataclass(frozen=True)
class MyVisits:
    due: tuple[Visit, ...] = ()
    started: tuple[Visit, ...] = ()
    overdue: tuple[Visit, ...] = ()
    upcoming: tuple[Visit, ...] = ()
    done: tuple[Visit, ...] = ()


def my_visits(visits: Iterable[Visit], now: str, *, done_days: int = 14) -> MyVisits:
    """A shopper's home page: what is due now, in progress, overdue, coming, lately done."""
    groups: dict[str, list[Visit]] = {k: [] for k in ("due", "started", "overdue", "upcoming",
                                                      "done")}
    recent = utc_iso(parse_utc(now) - timedelta(days=done_days))
    for v in visits:
        s = state(v, now)
        if s == "done" and v.done_at >= recent:
            groups["done"].append(v)
        elif s in groups and s != "done":
            groups[s].append(v)
    return MyVisits(
        due=tuple(sorted(groups["due"], key=lambda v: (v.closes_at, v.id))),
        started=tuple(sorted(groups["started"], key=lambda v: (v.started_at, v.id))),
        overdue=tuple(sorted(groups["overdue"], key=lambda v: (v.closes_at, v.id))),
        upcoming=tuple(sorted(groups["upcoming"], key=lambda v: (v.opens_at, v.id))),
        done=tuple(sorted(groups["done"], key=lambda v: v.done_at, reverse=True)))


# --- HQ's coverage and shoppers ---------------------------------------------------------------

COVERAGE = ("planned", "done", "overdue", "missed")


@dataclass(frozen=True)
class CoverageCell:
    planned: int = 0
    done: int = 0
    overdue: int = 0
    missed: int = 0
    doubtful: int = 0  # done, but far from the location or outside its window

    @property
    def total(self) -> int:
        return self.planned + self.done + self.overdue + self.missed


def is_doubtful(v: Visit, on_site_m: float) -> bool:
    """Done, but started or submitted far away, or outside its window."""
    if v.status != "done":
        return False
    far = any(d is not None and d > on_site_m for d in (v.start_distance, v.submit_distance))
    return far or v.on_time is False


def coverage(visits: Iterable[Visit], now: str, *, on_site_m: float = 200.0
             ) -> dict[tuple[str, str], CoverageCell]:
    """(location id, month) → counts of planned, done, overdue, missed and doubtful visits."""
    return overview(visits, now, on_site_m=on_site_m)[0]


@dataclass(frozen=True)
class ShopperStats:
    shopper: str
    planned: int = 0  # every visit given to them (not cancelled)
    done: int = 0
    on_time: int = 0  # done and started inside the window
    overdue: int = 0
    missed: int = 0
    graded: int = 0
    grade_sum: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.done else self.on_time / self.done

    @property
    def grade(self) -> float | None:
        return None if not self.graded else self.grade_sum / self.graded


def shopper_stats(visits: Iterable[Visit], now: str) -> list[ShopperStats]:
    """Per shopper: visits, done, on time, overdue, missed, mean grade; the latest first."""
    return overview(visits, now)[1]


_COLUMN = {"upcoming": 0, "due": 0, "started": 0, "done": 1, "overdue": 2, "missed": 3}


def overview(visits: Iterable[Visit], now: str, *, on_site_m: float = 200.0
             ) -> tuple[dict[tuple[str, str], CoverageCell], list[ShopperStats]]:
    """HQ's coverage page in one pass over the visits: the grid and the shoppers' figures."""
    counts: dict[tuple[str, str], list[int]] = {}
    acc: dict[str, list[int]] = {}
    for v in visits:
        s = state(v, now)
        if s == "cancelled":
            continue
        key = (v.location_id, v.month)
        cell = counts.get(key)
        if cell is None:
            cell = counts[key] = [0, 0, 0, 0, 0]
        cell[_COLUMN[s]] += 1
        if s == "done" and is_doubtful(v, on_site_m):
            cell[4] += 1
        if not v.shopper:
            continue
        a = acc.get(v.shopper)
        if a is None:
            a = acc[v.shopper] = [0] * 7
        a[0] += 1
        if s == "done":
            a[1] += 1
            a[2] += 1 if v.on_time else 0
        elif s == "overdue":
            a[3] += 1
        elif s == "missed":
            a[4] += 1
        if v.grade is not None:
            a[5] += 1
            a[6] += v.grade
    stats = sorted((ShopperStats(name, *a) for name, a in acc.items()),
                   key=lambda st: (-(st.overdue + st.missed), st.shopper))
    return {k: CoverageCell(*c) for k, c in counts.items()}, stats


def late_shoppers(stats: Sequence[ShopperStats]) -> list[ShopperStats]:
    return [s for s in stats if s.overdue or s.missed]


def shift_month(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    k = y * 12 + (m - 1) + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def new_plan_id() -> str:
    return "p" + secrets.token_hex(6)


def people_months(now: str, back: int = 1, ahead: int = 1) -> tuple[str, str]:
    """The months a shopper's page reads: enough for overdue visits and the next month's."""
    month = now[:7]
    return shift_month(month, -back), shift_month(month, ahead)
