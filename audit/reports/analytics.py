"""HQ comparisons over rollups: ranking, heatmap, trends, worst items, self vs mystery."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from audit.model import MODES, Checklist, Location, SummaryRow
from audit.model.rollups import Rollup, Rollups
from audit.scoring.score import level_for

NETWORK = "network"  # the series name of the whole network in a trend


class FilterError(ValueError):
    """A filter value that cannot be applied; the message says which and how to fix it."""


def _check_day(name: str, value: str | None) -> None:
    if value is None:
        return
    try:
        ok = len(value) == 10 and date.fromisoformat(value).isoformat() == value
    except ValueError:
        ok = False
    if not ok:
        raise FilterError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-05-31")


@dataclass(frozen=True)
class Filters:
    """What HQ is looking at. None means any; dates are inclusive days of the visit."""

    date_from: str | None = None  # "YYYY-MM-DD", inclusive, on visit_at's date
    date_to: str | None = None  # "YYYY-MM-DD", inclusive
    region: str | None = None
    location_ids: tuple[str, ...] | None = None  # an empty tuple selects nothing
    template_id: str | None = None
    mode: str | None = None  # "mystery" | "self" | None for both

    def __post_init__(self) -> None:
        # widgets hand over "", "both" and lists; tidy them here so every caller agrees
        for name in ("date_from", "date_to", "region", "template_id", "mode"):
            if getattr(self, name) == "":
                object.__setattr__(self, name, None)
        if self.mode == "both":
            object.__setattr__(self, "mode", None)
        if self.mode is not None and self.mode not in MODES:
            raise FilterError(f"mode {self.mode!r} is unknown; choose mystery, self or both")
        if self.location_ids is not None and not isinstance(self.location_ids, tuple):
            object.__setattr__(self, "location_ids", tuple(self.location_ids))
        _check_day("date_from", self.date_from)
        _check_day("date_to", self.date_to)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise FilterError(f"the period starts ({self.date_from}) after it ends "
                              f"({self.date_to}); swap the two dates")


def _day(row: SummaryRow) -> str:
    return (row.visit_at or row.started_at)[:10]


def select(rows: Sequence[SummaryRow], f: Filters) -> list[SummaryRow]:
    """Submitted rows matching `f`, in their given order."""
    out = [r for r in rows if r.status == "submitted"]
    if f.template_id is not None:
        out = [r for r in out if r.template_id == f.template_id]
    if f.mode is not None:
        out = [r for r in out if r.mode == f.mode]
    if f.region is not None:
        out = [r for r in out if r.region == f.region]
    if f.location_ids is not None:
        wanted = set(f.location_ids)
        out = [r for r in out if r.location_id in wanted]
    if f.date_from is not None:
        lo = f.date_from
        out = [r for r in out if _day(r) >= lo]
    if f.date_to is not None:
        hi = f.date_to
        out = [r for r in out if _day(r) <= hi]
    return out


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def previous_period(f: Filters) -> Filters | None:
    """The period of the same length just before `f`'s (None without both dates).

    Whole calendar months step back by months (October → September, Q3 → Q2), since that is
    what HQ means by "last month"; any other span steps back by its number of days.
    """
    if f.date_from is None or f.date_to is None:
        return None
    start, end = date.fromisoformat(f.date_from), date.fromisoformat(f.date_to)
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        prev_start = _add_months(start, -months)
    else:
        prev_start = start - timedelta(days=(end - start).days + 1)
    prev_end = start - timedelta(days=1)
    return replace(f, date_from=prev_start.isoformat(), date_to=prev_end.isoformat())


def report_period(f: Filters, rows: Iterable[SummaryRow], today: str) -> Filters:
    """`f` with both dates set, so a report always has a period with dates and a period of the
    same length before it to compare with (`previous_period`).

    A missing end is the newest visit day among `rows` that match the rest of `f` (`today`
    without any); a missing start is the first day of the month two months before the end's:
    the quarter up to the newest audit.
    """
    if f.date_from is not None and f.date_to is not None:
        return f
    end = f.date_to
    if end is None:
        days = [(r.visit_at or r.started_at)[:10] for r in rows
                if (f.template_id is None or r.template_id == f.template_id)
                and (f.mode is None or r.mode == f.mode) and (f.region is None or r.region == f.region)
                and (f.date_from is None or (r.visit_at or r.started_at)[:10] >= f.date_from)]
        end = max(days, default=today[:10])
    if f.date_from is not None and f.date_from > end:
        end = f.date_from
    start = f.date_from or _add_months(date.fromisoformat(end).replace(day=1), -2).isoformat()
    return replace(f, date_from=start, date_to=end)


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    location_id: str
    name: str
    region: str
    score: float | None  # mean capped overall of the period's audits
    level: str | None
    change: float | None  # score minus the previous period's score
    audits: int
    critical: int  # audits in the period with at least one critical failure
    rank: int  # 1 is best; equal scores share a rank


@dataclass(frozen=True)
class HeatCell:
    location_id: str
    section_id: str
    score: float | None  # mean section percent; None when every audit had it all N/A
    audits: int  # audits the mean is over


@dataclass(frozen=True)
class ExpectCell:
    """Mystery shoppers' own expectation of one section at one location, against what they
    got (audit.scoring.expect): means in the section's unit, and where each audit fell."""

    location_id: str
    section_id: str
    audits: int
    expected: float
    got: float
    below: int
    met: int
    above: int


@dataclass(frozen=True)
class TrendPoint:
    month: str  # "YYYY-MM"
    series: str  # a location id, a section id, or "network"
    score: float
    audits: int  # audits with a score that month


@dataclass(frozen=True)
class ItemTally:
    """One checklist item over a set of audits (an item rollup carries one per item).

    `applicable`: audits where the item was scored (not N/A, not hidden by a condition, not in
    a section answered N/A, not left unanswered); `failed`: audits where it lost points (for a
    yes/no item, the audits that said no); `lost`: the points of 100 it cost the overall
    scores (audit.scoring.score.impacts), summed over those audits.
    """

    template_id: str
    key: str  # "section.item"
    applicable: int
    failed: int
    lost: float

    @property
    def fail_rate(self) -> float:
        """Failed ÷ applicable: reads true only for an item answered pass or fail (yes/no)."""
        return self.failed / self.applicable if self.applicable else 0.0

    @property
    def mean_lost(self) -> float:
        """Points of 100 the item costs an audit it applies to, on average."""
        return self.lost / self.applicable if self.applicable else 0.0


@dataclass(frozen=True)
class Gap:
    location_id: str
    self_score: float
    mystery_score: float
    gap: float  # self − mystery: positive when self-audits flatter
    self_audits: int
    mystery_audits: int
    flagged: bool  # gap ≥ threshold


@dataclass(frozen=True)
class Dashboard:
    """Every HQ aggregate for one set of filters, computed from one selection of rollups."""

    filters: Filters
    audits: int  # audits matching the filters
    ranking: list[RankRow] = field(default_factory=list)
    heatmap: list[HeatCell] = field(default_factory=list)
    sections: tuple[str, ...] = ()  # heatmap columns, in the order the audits name them
    trend: list[TrendPoint] = field(default_factory=list)
    worst_items: list[ItemTally] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    # the sums behind these figures, for dashboard(..., base=this) after a few groups change
    sums: _Tally | None = field(default=None, compare=False, repr=False)


# --- periods --------------------------------------------------------------------------------


def month_filters(first: str, last: str, **others: Any) -> Filters:
    """Filters for whole months, "YYYY-MM" to "YYYY-MM" inclusive (the dashboard's period)."""
    for name, value in (("from", first), ("to", last)):
        try:
            ok = len(value) == 7 and date.fromisoformat(value + "-01").isoformat()[:7] == value
        except ValueError:
            ok = False
        if not ok:
            raise FilterError(f"month {name} {value!r} is not a month; write it as YYYY-MM, e.g. 2026-05")
    end = _add_months(date.fromisoformat(last + "-01"), 1) - timedelta(days=1)
    return Filters(date_from=first + "-01", date_to=end.isoformat(), **others)


def months_to_read(f: Filters) -> tuple[str | None, str | None]:
    """The months of rollups `f` needs: its period and the period before it (for the change)."""
    prev = previous_period(f)
    first = (prev.date_from if prev is not None else f.date_from) or None
    return (first[:7] if first else None, f.date_to[:7] if f.date_to else None)


def _check_months(data: Rollups, f: Filters) -> None:
    """Monthly rollups answer for whole months only; say so rather than answer wrongly."""
    if not any(len(r.period) == 7 for r in data.locations) and not any(
            len(r.period) == 7 for r in data.items):
        return
    if f.date_from is not None and not f.date_from.endswith("-01"):
        raise FilterError(f"the period must start on the first of a month, not {f.date_from}; "
                          "HQ's views add up whole months")
    if f.date_to is not None:
        after = date.fromisoformat(f.date_to) + timedelta(days=1)
        if after.day != 1:
            raise FilterError(f"the period must end on the last day of a month, not {f.date_to}; "
                              "HQ's views add up whole months")


def _in_period(period: str, f: Filters) -> bool:
    n = len(period)
    lo = f.date_from[:n] if f.date_from else None
    hi = f.date_to[:n] if f.date_to else None
    return not ((lo is not None and period < lo) or (hi is not None and period > hi))


# --- picking rollups ------------------------------------------------------------------------


def _pick(data: Rollups, f: Filters, *, any_mode: bool = False) -> list[Rollup]:
    """The location groups `f` selects, in the data's order (one plain loop: HQ's pages run
    it over every group of a year)."""
    _check_months(data, f)
    wanted = set(f.location_ids) if f.location_ids is not None else None
    template_id, region = f.template_id, f.region
    mode = None if any_mode else f.mode
    bounds: dict[int, tuple[str | None, str | None]] = {}
    out = []
    for r in data.locations:
        if ((template_id is not None and r.template_id != template_id)
                or (mode is not None and r.mode != mode)
                or (region is not None and r.region != region)
                or (wanted is not None and r.location_id not in wanted)):
            continue
        period = r.period
        lo, hi = bounds.get(len(period)) or bounds.setdefault(len(period), (
            f.date_from[:len(period)] if f.date_from else None,
            f.date_to[:len(period)] if f.date_to else None))
        if (lo is None or period >= lo) and (hi is None or period <= hi):
            out.append(r)
    return out


def _pick_with_previous(data: Rollups, f: Filters) -> tuple[list[Rollup], list[Rollup]]:
    """_pick(data, f, any_mode=True) and _pick(data, previous_period(f)) in one pass."""
    prev = previous_period(f)
    if prev is None:
        return _pick(data, f, any_mode=True), []
    _check_months(data, f)
    wanted = set(f.location_ids) if f.location_ids is not None else None
    template_id, region, mode = f.template_id, f.region, f.mode
    spans: dict[int, tuple[str, str, str, str]] = {}
    now: list[Rollup] = []
    before: list[Rollup] = []
    for r in data.locations:
        if ((template_id is not None and r.template_id != template_id)
                or (region is not None and r.region != region)
                or (wanted is not None and r.location_id not in wanted)):
            continue
        period = r.period
        n = len(period)
        span = spans.get(n)
        if span is None:
            span = spans[n] = (f.date_from[:n], f.date_to[:n],  # type: ignore[index]
                               prev.date_from[:n], prev.date_to[:n])  # type: ignore[index]
        if span[0] <= period <= span[1]:
            now.append(r)
        elif span[2] <= period <= span[3] and (mode is None or r.mode == mode):
            before.append(r)
    return now, before


def _mean(total: int, n: int) -> float | None:
    return total / n / 100 if n else None


class _Sums:
    """Score sums of some groups: audits, overall (sum, n), critical, sections."""

    __slots__ = ("audits", "critical", "groups", "n", "sections", "total")

    def __init__(self) -> None:
        self.audits = self.critical = self.total = self.n = self.groups = 0
        self.sections: dict[str, list[int]] = {}

    def add(self, r: Rollup, order: dict[str, None] | None = None, sign: int = 1) -> None:
        """Add a group (sign -1: take it away); with `order`, its sections too (new section
        ids noted there, in turn)."""
        self.groups += sign
        self.audits += sign * r.audits
        self.critical += sign * r.critical
        self.total += sign * r.overall[0]
        self.n += sign * r.overall[1]
        if order is not None:
            mine = self.sections
            for sid, total, counted, present in r.sections:
                acc = mine.get(sid)
                if acc is None:
                    acc = mine[sid] = [0, 0, 0]
                    if sid not in order:
                        order[sid] = None
                acc[0] += sign * total
                acc[1] += sign * counted
                acc[2] += sign * present

    def copy(self) -> _Sums:
        out = _Sums()
        out.audits, out.critical, out.total, out.n, out.groups = (
            self.audits, self.critical, self.total, self.n, self.groups)
        out.sections = {sid: acc[:] for sid, acc in self.sections.items()}
        return out

    def merge(self, other: _Sums) -> None:
        self.groups += other.groups
        self.audits += other.audits
        self.critical += other.critical
        self.total += other.total
        self.n += other.n
        for sid, (total, counted, present) in other.sections.items():
            acc = self.sections.setdefault(sid, [0, 0, 0])
            acc[0] += total
            acc[1] += counted
            acc[2] += present

    @property
    def mean(self) -> float | None:
        return _mean(self.total, self.n)


def _by_location(groups: Iterable[Rollup], order: dict[str, None] | None = None) -> dict[str, _Sums]:
    """Sums per location id (and per section, when `order` is given to note section ids in)."""
    out: dict[str, _Sums] = {}
    for r in groups:
        acc = out.get(r.location_id)
        if acc is None:
            acc = out[r.location_id] = _Sums()
        acc.add(r, order)
    return out


# --- the aggregates -----------------------------------------------------------------------


def _ranking(sums: Mapping[str, _Sums], regions: Mapping[str, str],
             locations: Mapping[str, Location], checklist: Checklist | None,
             previous: Mapping[str, float]) -> list[RankRow]:
    scores = {loc: acc.mean for loc, acc in sums.items()}
    order = sorted(sums, key=lambda i: (scores[i] is None, -(scores[i] or 0.0),
                                        _name(locations, i), i))
    out: list[RankRow] = []
    rank, last = 0, object()
    for pos, loc_id in enumerate(order, start=1):
        score = scores[loc_id]
        if score != last:
            rank, last = pos, score
        loc = locations.get(loc_id)
        before = previous.get(loc_id)
        out.append(RankRow(
            location_id=loc_id,
            name=loc.name if loc else loc_id,
            region=loc.region if loc else regions.get(loc_id, ""),
            score=score,
            level=level_for(checklist, score) if checklist is not None else None,
            change=None if score is None or before is None else score - before,
            audits=sums[loc_id].audits,
            critical=sums[loc_id].critical,
            rank=rank,
        ))
    return out


def _regions(groups: Iterable[Rollup]) -> dict[str, str]:
    return {r.location_id: r.region for r in groups}


def _name(locations: Mapping[str, Location], loc_id: str) -> str:
    loc = locations.get(loc_id)
    return loc.name if loc else loc_id


def _previous_means(data: Rollups, f: Filters) -> dict[str, float]:
    prev = previous_period(f)
    if prev is None:
        return {}
    return {loc: m for loc, acc in _by_location(_pick(data, prev)).items()
            if (m := acc.mean) is not None}


def _heatmap(sums: Mapping[str, _Sums], sections: Sequence[str]) -> list[HeatCell]:
    cells = []
    for loc_id in sorted(sums):
        per = sums[loc_id].sections
        for sid in sections:
            acc = per.get(sid)
            if acc is not None and acc[2] > 0:
                cells.append(HeatCell(loc_id, sid, _mean(acc[0], acc[1]), acc[1]))
    return cells


def _with_sections(groups: Iterable[Rollup]) -> tuple[dict[str, _Sums], tuple[str, ...]]:
    """Per-location sums with sections, and the section ids in the order the groups name them."""
    order: dict[str, None] = {}
    sums = _by_location(groups, order)
    return sums, tuple(order)


def _month_points(groups: Iterable[Rollup], series: str,
                  value: Callable[[Rollup], tuple[int, int] | None]) -> list[TrendPoint]:
    by_month: dict[str, list[int]] = {}
    for r in groups:
        got = value(r)
        if got is None:
            continue
        acc = by_month.setdefault(r.period[:7], [0, 0])
        acc[0] += got[0]
        acc[1] += got[1]
    return [TrendPoint(m, series, total / n / 100, n)
            for m, (total, n) in sorted(by_month.items()) if n > 0]


def _trend(groups: Sequence[Rollup], location_ids: Sequence[str]) -> list[TrendPoint]:
    out = _month_points(groups, NETWORK, lambda r: r.overall)
    for loc_id in dict.fromkeys(location_ids):
        out += _month_points((r for r in groups if r.location_id == loc_id), loc_id,
                             lambda r: r.overall)
    return out


def item_tallies(data: Rollups, f: Filters) -> list[ItemTally]:
    """One tally per item that lost points over the item rollups `f` selects (days or months
    of one checklist, mode and region): an item missing from a group applied to all its audits."""
    if f.location_ids is not None:
        raise FilterError("the items that cost the most are counted for the network, not per "
                          "location; drop the location filter")
    _check_months(data, f)
    audits: dict[str, int] = {}
    per_item: dict[tuple[str, str], list[int]] = {}
    for g in data.items:
        if ((f.template_id is not None and g.template_id != f.template_id)
                or (f.mode is not None and g.mode != f.mode)
                or (f.region is not None and g.region != f.region) or not _in_period(g.period, f)):
            continue
        audits[g.template_id] = audits.get(g.template_id, 0) + g.audits
        for key, not_applicable, failed, lost in g.items:
            acc = per_item.setdefault((g.template_id, key), [0, 0, 0])
            acc[0] += not_applicable
            acc[1] += failed
            acc[2] += lost
    return [ItemTally(template_id, key, max(audits[template_id] - out, failed), failed, lost / 100)
            for (template_id, key), (out, failed, lost) in per_item.items() if failed or lost]


def worst_by_loss(tallies: Sequence[ItemTally], *, limit: int = 15) -> list[ItemTally]:
    """Tallies of the same item added up (e.g. two periods into one), the largest total loss
    first; equal losses by checklist and key."""
    summed: dict[tuple[str, str], list[float]] = {}
    for tally in tallies:
        acc = summed.setdefault((tally.template_id, tally.key), [0, 0, 0.0])
        acc[0] += tally.applicable
        acc[1] += tally.failed
        acc[2] += tally.lost
    out = [ItemTally(tid, key, int(a), int(f), lost)
           for (tid, key), (a, f, lost) in summed.items() if lost > 0]
    out.sort(key=lambda x: (-round(x.lost, 6), x.template_id, x.key))
    return out[:max(limit, 0)]


def _gaps(own: Mapping[str, _Sums], theirs: Mapping[str, _Sums], threshold: float) -> list[Gap]:
    """Self-audit means (`own`) against mystery means (`theirs`), per location with both."""
    out = []
    for loc_id in sorted(own.keys() & theirs.keys()):
        s, m = own[loc_id], theirs[loc_id]
        if s.mean is None or m.mean is None:
            continue
        gap = s.mean - m.mean
        out.append(Gap(loc_id, s.mean, m.mean, gap, s.n, m.n, gap >= threshold))
    out.sort(key=lambda g: (-g.gap, g.location_id))
    return out


def _gaps_of(groups: Sequence[Rollup], threshold: float) -> list[Gap]:
    return _gaps(_by_location(r for r in groups if r.mode == "self"),
                 _by_location(r for r in groups if r.mode == "mystery"), threshold)


# --- the public functions: rollups in, values out -------------------------------------------


def ranking(data: Rollups, locations: Mapping[str, Location], f: Filters, *,
            checklist: Checklist | None = None, previous: Rollups | None = None) -> list[RankRow]:
    """Locations with audits in the period, best first, with the change since the period before.

    The period before is looked up in `previous` when given, else in `data`.
    """
    prev = _previous_means(previous if previous is not None else data, f)
    groups = _pick(data, f)
    return _ranking(_by_location(groups), _regions(groups), locations, checklist, prev)


def heatmap(data: Rollups, f: Filters) -> list[HeatCell]:
    """Mean section percent per location and section (None-aware), by location then section."""
    return _heatmap(*_with_sections(_pick(data, f)))


def expectation_cells(data: Rollups, f: Filters) -> list[ExpectCell]:
    """Per location and section, the mystery audits' expected against got over the period, by
    location id then section id (a section's unit is its checklist's `expect.type`)."""
    sums: dict[tuple[str, str], list[int]] = {}
    for r in _pick(data, replace(f, mode="mystery")):
        for sid, *counts in r.expectations:
            acc = sums.setdefault((r.location_id, sid), [0] * 6)
            for i, x in enumerate(counts):
                acc[i] += x
    return [ExpectCell(loc, sid, acc[2], acc[0] / acc[2] / 100, acc[1] / acc[2] / 100, *acc[3:6])
            for (loc, sid), acc in sorted(sums.items()) if acc[2] > 0]


def trend(data: Rollups, f: Filters, location_ids: Sequence[str] = ()) -> list[TrendPoint]:
    """Mean overall per month: the network first, then each chosen location."""
    return _trend(_pick(data, f), location_ids)


def worst_items(data: Rollups, f: Filters, *, limit: int = 15) -> list[ItemTally]:
    """The items that cost the most weighted points over the period, network-wide; each with
    its fail rate beside (meaningful for yes/no items)."""
    return worst_by_loss(item_tallies(data, f), limit=limit)


def self_vs_mystery(data: Rollups, f: Filters, *, threshold: float = 10.0) -> list[Gap]:
    """Per location with both kinds: self-audit mean minus mystery mean, largest gap first."""
    return _gaps_of(_pick(data, f, any_mode=True), threshold)


def section_trend(data: Rollups, location_id: str, f: Filters) -> list[TrendPoint]:
    """One location's mean section percent per month; `series` is the section id."""
    groups = _pick(data, replace(f, location_ids=(location_id,)))
    out: list[TrendPoint] = []
    for sid in _with_sections(groups)[1]:
        out += _month_points(groups, sid, _section_value(sid))
    return out


def _section_value(section_id: str) -> Callable[[Rollup], tuple[int, int] | None]:
    def value(r: Rollup) -> tuple[int, int] | None:
        return next(((t, n) for s, t, n, _ in r.sections if s == section_id), None)

    return value


def mode_trend(data: Rollups, location_id: str, f: Filters) -> list[TrendPoint]:
    """One location's mean overall per month and mode; `series` is the mode."""
    groups = _pick(data, replace(f, location_ids=(location_id,)), any_mode=True)
    out: list[TrendPoint] = []
    for mode in MODES:
        out += _month_points((r for r in groups if r.mode == mode), mode, lambda r: r.overall)
    return out


def compare(data: Rollups, a: str, b: str, f: Filters) -> dict[str, Any]:
    """Two locations side by side.

    {"a": side, "b": side, "sections": [{"section_id", "a", "b", "diff"}]} where a side is
    {"location_id", "score", "audits", "critical", "sections": {id: mean},
     "self_score", "mystery_score", "gap"}; scores are None where there is nothing to average.
    """
    both = _pick(data, replace(f, location_ids=(a, b)), any_mode=True)
    t = both if f.mode is None else [r for r in both if r.mode == f.mode]
    sums, sections = _with_sections(t)
    per_section = {(c.location_id, c.section_id): c.score for c in _heatmap(sums, sections)}
    rank = {r.location_id: r for r in _ranking(sums, _regions(t), {}, None, {})}
    gaps = {g.location_id: g for g in _gaps_of(both, 0.0)}

    def side(loc_id: str) -> dict[str, Any]:
        r, g = rank.get(loc_id), gaps.get(loc_id)
        return {
            "location_id": loc_id,
            "score": r.score if r else None,
            "audits": r.audits if r else 0,
            "critical": r.critical if r else 0,
            "sections": {s: per_section.get((loc_id, s)) for s in sections},
            "self_score": g.self_score if g else None,
            "mystery_score": g.mystery_score if g else None,
            "gap": g.gap if g else None,
        }

    left, right = side(a), side(b)
    rows_out = []
    for s in sections:
        x, y = left["sections"][s], right["sections"][s]
        rows_out.append({"section_id": s, "a": x, "b": y,
                         "diff": None if x is None or y is None else x - y})
    return {"a": left, "b": right, "sections": rows_out}


@dataclass(frozen=True)
class _Tally:
    """What dashboard() added up, kept with its figures: when the rollups change in a few
    groups (a submit changes one location's month), the next call takes the old groups away
    and adds the new ones instead of adding up a year of groups again. Never changed once
    made: an update copies what it changes."""

    now: dict[int, Rollup]  # the period's groups by id (held, so no other object takes an id)
    before: dict[int, Rollup]  # the period before's
    per_mode: dict[str, dict[str, _Sums]]  # mode → location → sums (sections for shown modes)
    before_sums: dict[str, _Sums]  # location → sums of the period before (no sections)
    uses: dict[str, int]  # section id → groups of the shown modes that name it
    touched: frozenset[str] | None = None  # locations changed since the base (None: all)
    merged: dict[str, _Sums] = field(default_factory=dict)  # location → sums of shown modes
    sections: tuple[str, ...] = ()  # the heatmap's columns the cells were made for
    cells: dict[str, list[HeatCell]] = field(default_factory=dict)  # location → its cells


def _tally(both: Sequence[Rollup], before: Sequence[Rollup], mode: str | None) -> _Tally:
    per_mode: dict[str, dict[str, _Sums]] = {}
    uses: dict[str, int] = {}
    for r in both:
        by_loc = per_mode.setdefault(r.mode, {})
        acc = by_loc.get(r.location_id)
        if acc is None:
            acc = by_loc[r.location_id] = _Sums()
        shown = mode is None or r.mode == mode
        acc.add(r, {} if shown else None)
        if shown:
            for sid, *_ in r.sections:
                uses[sid] = uses.get(sid, 0) + 1
    return _Tally({id(r): r for r in both}, {id(r): r for r in before}, per_mode,
                  _by_location(before), uses)


def _retally(old: _Tally, both: Sequence[Rollup], before: Sequence[Rollup], mode: str | None
             ) -> _Tally | None:
    """`old` with the groups that left taken away and the new ones added; None when adding
    up afresh is as quick, or when a section id appears or goes (their order is then the
    groups' order, which only a fresh pass knows)."""
    now = {id(r): r for r in both}
    prev = {id(r): r for r in before}
    gone = [r for k, r in old.now.items() if k not in now]
    came = [r for k, r in now.items() if k not in old.now]
    gone_before = [r for k, r in old.before.items() if k not in prev]
    came_before = [r for k, r in prev.items() if k not in old.before]
    if 4 * (len(gone) + len(came) + len(gone_before) + len(came_before)) > len(now) + len(prev):
        return None
    per_mode = {m: dict(by_loc) for m, by_loc in old.per_mode.items()}
    uses = dict(old.uses)
    copied: set[tuple[str, str]] = set()
    for sign, groups in ((-1, gone), (1, came)):
        for r in groups:
            by_loc = per_mode.setdefault(r.mode, {})
            if (r.mode, r.location_id) not in copied:
                acc = by_loc.get(r.location_id)
                by_loc[r.location_id] = acc.copy() if acc is not None else _Sums()
                copied.add((r.mode, r.location_id))
            shown = mode is None or r.mode == mode
            if shown:
                for sid, *_ in r.sections:
                    if sid not in uses:
                        return None
                    uses[sid] += sign
            by_loc[r.location_id].add(r, {} if shown else None, sign)
    if any(n <= 0 for n in uses.values()):
        return None
    for m, loc_id in copied:
        if per_mode[m][loc_id].groups == 0:
            del per_mode[m][loc_id]
    changed_before = {r.location_id for r in (*gone_before, *came_before)}
    before_sums = dict(old.before_sums)
    for loc_id in changed_before:
        acc = before_sums.get(loc_id)
        before_sums[loc_id] = acc.copy() if acc is not None else _Sums()
    for sign, groups in ((-1, gone_before), (1, came_before)):
        for r in groups:
            before_sums[r.location_id].add(r, None, sign)
    for loc_id in changed_before:
        if before_sums[loc_id].groups == 0:
            del before_sums[loc_id]
    return _Tally(now, prev, {m: b for m, b in per_mode.items() if b}, before_sums, uses,
                  touched=frozenset(loc for _, loc in copied), merged=old.merged,
                  sections=old.sections, cells=old.cells)


def _finish(tally: _Tally, mode: str | None, sections: tuple[str, ...]) -> _Tally:
    """The tally with its per-location sums over the shown modes and its heatmap cells: made
    again only for the locations it touched (all of them for a fresh tally)."""
    touched = tally.touched
    merged = {} if touched is None else dict(tally.merged)
    for m, by_loc in tally.per_mode.items():
        if mode is not None and m != mode:
            continue
        for loc_id, acc in by_loc.items():
            if touched is None or loc_id in touched:
                if loc_id not in merged or merged[loc_id] is tally.merged.get(loc_id):
                    merged[loc_id] = _Sums()
                merged[loc_id].merge(acc)
    for loc_id in touched or ():  # a location whose last groups went
        if not any(loc_id in by_loc for m, by_loc in tally.per_mode.items()
                   if mode is None or m == mode):
            merged.pop(loc_id, None)
    reuse = touched is not None and sections == tally.sections
    cells = {loc_id: (tally.cells[loc_id] if reuse and loc_id not in touched  # type: ignore[operator]
                      and loc_id in tally.cells else _heatmap({loc_id: acc}, sections))
             for loc_id, acc in merged.items()}
    return replace(tally, touched=None, merged=merged, sections=sections, cells=cells)


def _section_order(both: Sequence[Rollup], mode: str | None, count: int) -> tuple[str, ...]:
    """The section ids in the order the shown groups first name them (`count` of them)."""
    order: dict[str, None] = {}
    for r in both:
        if mode is None or r.mode == mode:
            for sid, *_ in r.sections:
                order.setdefault(sid)
            if len(order) == count:
                break
    return tuple(order)


def dashboard(data: Rollups, locations: Mapping[str, Location], f: Filters, *,
              checklist: Checklist | None = None, chosen: Sequence[str] = (),
              threshold: float = 10.0, limit: int = 15, previous: Rollups | None = None,
              base: Dashboard | None = None) -> Dashboard:
    """Every HQ aggregate at once over one selection of rollups.

    The selection holds both modes so the self-vs-mystery gap can ignore `f.mode`; the other
    aggregates read the groups of `f.mode` only. With `base` (a dashboard of the same filters
    over rollups most of which are the same objects, as a store's cache returns them), its
    sums are updated rather than added up again; the figures are the same either way.
    """
    if previous is None:
        both, before = _pick_with_previous(data, f)
    else:
        both = _pick(data, f, any_mode=True)
        prev = previous_period(f)
        before = _pick(previous, prev) if prev is not None else []
    tally = None
    if base is not None and base.sums is not None and base.filters == f:
        tally = _retally(base.sums, both, before, f.mode)
    if tally is None:
        tally = _tally(both, before, f.mode)
    sections = _section_order(both, f.mode, len(tally.uses))
    tally = _finish(tally, f.mode, sections)
    sums = tally.merged
    t = both if f.mode is None else [r for r in both if r.mode == f.mode]
    return Dashboard(
        filters=f,
        audits=sum(acc.audits for acc in sums.values()),
        ranking=_ranking(sums, _regions(t), locations, checklist,
                         {loc: m for loc, acc in tally.before_sums.items()
                          if (m := acc.mean) is not None}),
        heatmap=[c for loc_id in sorted(sums) for c in tally.cells[loc_id]],
        sections=sections,
        trend=_trend(t, chosen),
        worst_items=worst_items(data, f, limit=limit),
        gaps=_gaps(tally.per_mode.get("self", {}), tally.per_mode.get("mystery", {}), threshold),
        sums=tally,
    )
