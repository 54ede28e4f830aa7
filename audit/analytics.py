"""HQ comparisons over summary rows: ranking, heatmap, trends, worst items, self vs mystery."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.model import MODES, Checklist, Location, SummaryRow
from audit.scoring import level_for

NETWORK = "network"  # the series name of the whole network in a trend

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


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


# --- the frame ----------------------------------------------------------------------------

_TEXT_FIELDS = ("audit_id", "location_id", "region", "template_id", "mode", "auditor", "status",
                "level")
_FIELDS = (*_TEXT_FIELDS, "template_version", "published", "overall", "computed", "visit_at",
           "started_at", "critical")
FRAME_COLUMNS = ("audit_id", "location_id", "region", "template_id", "template_version", "mode",
                 "auditor", "status", "published", "visit_at", "date", "month", "overall",
                 "computed", "level", "n_critical")


def frame(rows: Sequence[SummaryRow]) -> pd.DataFrame:
    """One row per audit, in the rows' order, with a RangeIndex.

    `visit_at` is the visit as a UTC timestamp; `date` ("YYYY-MM-DD") and `month` ("YYYY-MM")
    are the visit's day as the auditor recorded it, the same day `select` filters on.
    """
    if not rows:
        return pd.DataFrame({name: pd.Series([], dtype=_EMPTY_DTYPES.get(name, object))
                             for name in FRAME_COLUMNS})
    # one C-level pass: a tuple per row, transposed into a tuple per field
    cols = dict(zip(_FIELDS, zip(*map(attrgetter(*_FIELDS), rows), strict=True), strict=True))
    when = [v or s for v, s in zip(cols["visit_at"], cols["started_at"], strict=True)]
    # object columns: pandas' string inference costs more than every aggregate after it
    data: dict[str, Any] = {name: _objects(cols[name]) for name in _TEXT_FIELDS}
    data["template_version"] = np.array(cols["template_version"], dtype=np.int64)
    data["published"] = np.array(cols["published"], dtype=bool)
    data["visit_at"] = pd.to_datetime(pd.Series(when, dtype=object), utc=True, format="ISO8601",
                                      errors="coerce")
    data["date"] = _objects([w[:10] for w in when])
    data["month"] = _objects([w[:7] for w in when])
    data["overall"] = np.array(cols["overall"], dtype=np.float64)
    data["computed"] = np.array(cols["computed"], dtype=np.float64)
    data["n_critical"] = np.fromiter(map(len, cols["critical"]), dtype=np.int64, count=len(rows))
    return pd.DataFrame({name: data[name] for name in FRAME_COLUMNS}, copy=False)


def _objects(values: Sequence[Any]) -> pd.Series:
    return pd.Series(np.array(values, dtype=object), dtype=object, copy=False)


_EMPTY_DTYPES: dict[str, Any] = {
    "template_version": np.int64, "published": bool, "visit_at": "datetime64[ns, UTC]",
    "overall": np.float64, "computed": np.float64, "n_critical": np.int64,
}


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
class TrendPoint:
    month: str  # "YYYY-MM"
    series: str  # a location id, a section id, or "network"
    score: float
    audits: int  # audits with a score that month


@dataclass(frozen=True)
class ItemFailRate:
    key: str  # "section.item"
    failed: int
    applicable: int
    rate: float  # failed / applicable, 0..1
    template_id: str = ""  # the item's checklist: the UI needs it to show the item's text


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
    """Every HQ aggregate for one set of filters, computed from one frame."""

    filters: Filters
    audits: int  # audits matching the filters
    ranking: list[RankRow] = field(default_factory=list)
    heatmap: list[HeatCell] = field(default_factory=list)
    sections: tuple[str, ...] = ()  # heatmap columns, in checklist order
    trend: list[TrendPoint] = field(default_factory=list)
    worst_items: list[ItemFailRate] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


# --- the working table: the frame plus the nested parts of the rows, aligned -----------------


class _Table:
    """Selected rows and their frame; group codes are computed once and shared."""

    def __init__(self, rows: list[SummaryRow]) -> None:
        self.rows = rows
        self.df = frame(rows)
        codes, uniques = pd.factorize(self.df["location_id"], sort=True)
        self.loc_codes: IntArray = np.asarray(codes, dtype=np.intp)
        self.loc_ids: list[str] = [str(u) for u in uniques]
        self.overall: FloatArray = self.df["overall"].to_numpy(dtype=np.float64)

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, mask: npt.NDArray[np.bool_]) -> _Table:
        return _Table([r for r, keep in zip(self.rows, mask.tolist(), strict=True) if keep])

    def mode_mask(self, mode: str) -> npt.NDArray[np.bool_]:
        return np.asarray(self.df["mode"].to_numpy() == mode, dtype=np.bool_)


def _means(codes: IntArray, values: FloatArray, n: int) -> tuple[FloatArray, IntArray, IntArray]:
    """Per group code: NaN-skipping mean, values counted, and rows."""
    seen = ~np.isnan(values)
    sums = np.bincount(codes, weights=np.where(seen, values, 0.0), minlength=n)
    counted = np.bincount(codes, weights=seen, minlength=n).astype(np.intp)
    size = np.bincount(codes, minlength=n).astype(np.intp)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counted > 0, sums / np.maximum(counted, 1), np.nan)
    return mean, counted, size


def _opt(x: float) -> float | None:
    return None if x != x else x  # NaN → None


def _location_means(rows: Sequence[SummaryRow]) -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    for r in rows:
        if r.overall is not None:
            acc = sums.setdefault(r.location_id, [0.0, 0.0])
            acc[0] += r.overall
            acc[1] += 1
    return {loc: s / n for loc, (s, n) in sums.items()}


def _ranking(t: _Table, locations: Mapping[str, Location], checklist: Checklist | None,
             previous: Mapping[str, float]) -> list[RankRow]:
    if not len(t):
        return []
    n = len(t.loc_ids)
    mean, _, size = _means(t.loc_codes, t.overall, n)
    critical = np.bincount(t.loc_codes, weights=t.df["n_critical"].to_numpy() > 0, minlength=n)
    region_of = dict(zip(t.df["location_id"].tolist(), t.df["region"].tolist(), strict=True))
    scores = [_opt(x) for x in mean.tolist()]
    order = sorted(range(n), key=lambda i: (scores[i] is None, -(scores[i] or 0.0),
                                            _name(locations, t.loc_ids[i]), t.loc_ids[i]))
    out: list[RankRow] = []
    rank, last = 0, object()
    for pos, i in enumerate(order, start=1):
        loc_id, score = t.loc_ids[i], scores[i]
        if score != last:
            rank, last = pos, score
        loc = locations.get(loc_id)
        before = previous.get(loc_id)
        out.append(RankRow(
            location_id=loc_id,
            name=loc.name if loc else loc_id,
            region=loc.region if loc else region_of.get(loc_id, ""),
            score=score,
            level=level_for(checklist, score) if checklist is not None else None,
            change=None if score is None or before is None else score - before,
            audits=int(size[i]),
            critical=int(critical[i]),
            rank=rank,
        ))
    return out


def _name(locations: Mapping[str, Location], loc_id: str) -> str:
    loc = locations.get(loc_id)
    return loc.name if loc else loc_id


def _section_blocks(rows: Sequence[SummaryRow]) -> list[tuple[tuple[str, ...], IntArray, FloatArray]]:
    """(section ids, row positions, percents with NaN for None) per set of section ids.

    Rows of one template version share their sections, so grouping by it and reading each
    row with one itemgetter call is fast; a row whose sections differ gets its own block.
    """
    by_version: dict[tuple[str, int], list[int]] = {}
    for i, key in enumerate(zip(map(attrgetter("template_id"), rows),
                                map(attrgetter("template_version"), rows), strict=True)):
        by_version.setdefault(key, []).append(i)
    blocks: dict[tuple[str, ...], list[tuple[list[int], list[Any]]]] = {}
    for positions in by_version.values():
        keys = tuple(rows[positions[0]].sections)
        get = itemgetter(*keys) if keys else None
        width = len(keys)
        try:
            sections = [rows[i].sections for i in positions]
            if get is None or any(len(s) != width for s in sections):
                raise KeyError(keys)
            values = [get(s) for s in sections] if width > 1 else [(get(s),) for s in sections]
            blocks.setdefault(keys, []).append((positions, values))
        except KeyError:  # a template version whose rows disagree: group row by row
            for i in positions:
                own = tuple(rows[i].sections)
                if own:
                    blocks.setdefault(own, []).append(([i], [tuple(rows[i].sections.values())]))
    out = []
    for keys, parts in blocks.items():
        pos = np.fromiter(itertools.chain.from_iterable(p for p, _ in parts), dtype=np.intp)
        vals = np.array(list(itertools.chain.from_iterable(v for _, v in parts)), dtype=np.float64)
        out.append((keys, pos, vals.reshape(len(pos), len(keys))))
    return out


def _section_order(blocks: Sequence[tuple[tuple[str, ...], IntArray, FloatArray]]) -> list[str]:
    return list(dict.fromkeys(itertools.chain.from_iterable(k for k, _, _ in blocks)))


def _heatmap(t: _Table) -> tuple[list[HeatCell], tuple[str, ...]]:
    if not len(t):
        return [], ()
    blocks = _section_blocks(t.rows)
    sections = _section_order(blocks)
    n_loc, n_sec = len(t.loc_ids), len(sections)
    sums = np.zeros((n_loc, n_sec))
    counted = np.zeros((n_loc, n_sec), dtype=np.intp)
    present = np.zeros((n_loc, n_sec), dtype=bool)
    col_of = {s: j for j, s in enumerate(sections)}
    for keys, pos, vals in blocks:
        codes = t.loc_codes[pos]
        has_rows = np.bincount(codes, minlength=n_loc) > 0
        for k, sec in enumerate(keys):
            j = col_of[sec]
            column = vals[:, k]
            seen = ~np.isnan(column)
            sums[:, j] += np.bincount(codes, weights=np.where(seen, column, 0.0), minlength=n_loc)
            counted[:, j] += np.bincount(codes, weights=seen, minlength=n_loc).astype(np.intp)
            present[:, j] |= has_rows
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counted > 0, sums / np.maximum(counted, 1), np.nan)
    li, sj = np.nonzero(present)  # row-major: by location id, then checklist order
    cells = [HeatCell(t.loc_ids[i], sections[j], _opt(m), c) for i, j, m, c in
             zip(li.tolist(), sj.tolist(), mean[li, sj].tolist(), counted[li, sj].tolist(),
                 strict=True)]
    return cells, tuple(sections)


def _month_series(t: _Table, mask: npt.NDArray[np.bool_] | None, values: FloatArray,
                  series: str) -> list[TrendPoint]:
    months = t.df["month"].to_numpy()
    if mask is not None:
        months, values = months[mask], values[mask]
    if not len(values):
        return []
    codes, uniques = pd.factorize(months, sort=True)
    mean, counted, _ = _means(np.asarray(codes, dtype=np.intp), values, len(uniques))
    return [TrendPoint(str(m), series, float(x), int(c))
            for m, x, c in zip(uniques.tolist(), mean.tolist(), counted.tolist(), strict=True)
            if c > 0]


def _trend(t: _Table, location_ids: Sequence[str]) -> list[TrendPoint]:
    out = _month_series(t, None, t.overall, NETWORK)
    loc_col = t.df["location_id"].to_numpy()
    for loc_id in dict.fromkeys(location_ids):
        out += _month_series(t, loc_col == loc_id, t.overall, loc_id)
    return out


def _worst_items(t: _Table, limit: int) -> list[ItemFailRate]:
    by_template: dict[str, list[SummaryRow]] = {}
    for r in t.rows:
        by_template.setdefault(r.template_id, []).append(r)
    found: list[tuple[float, int, str, str, int]] = []
    for template_id, rows in by_template.items():
        failed = Counter(itertools.chain.from_iterable(map(attrgetter("findings"), rows)))
        if not failed:
            continue
        na = Counter(k for k in itertools.chain.from_iterable(map(attrgetter("na"), rows))
                     if k in failed)
        audits = len(rows)
        for key, n in failed.items():
            applicable = max(audits - na[key], n)
            found.append((n / applicable, n, key, template_id, applicable))
    found.sort(key=lambda x: (-x[0], -x[1], x[2], x[3]))
    return [ItemFailRate(key, n, applicable, rate, template_id)
            for rate, n, key, template_id, applicable in found[:max(limit, 0)]]


def _gaps(t: _Table, threshold: float) -> list[Gap]:
    if not len(t):
        return []
    n = len(t.loc_ids)
    mine = t.mode_mask("self")
    theirs = t.mode_mask("mystery")
    s_mean, s_n, _ = _means(t.loc_codes[mine], t.overall[mine], n)
    m_mean, m_n, _ = _means(t.loc_codes[theirs], t.overall[theirs], n)
    out = [Gap(t.loc_ids[i], s, m, s - m, sn, mn, s - m >= threshold)
           for i, (s, m, sn, mn) in enumerate(zip(s_mean.tolist(), m_mean.tolist(), s_n.tolist(),
                                                  m_n.tolist(), strict=True))
           if sn > 0 and mn > 0]
    out.sort(key=lambda g: (-g.gap, g.location_id))
    return out


def _table_for(rows: Sequence[SummaryRow], f: Filters) -> _Table:
    return _Table(select(rows, f))


def _previous_means(rows: Sequence[SummaryRow], f: Filters) -> dict[str, float]:
    prev = previous_period(f)
    return _location_means(select(rows, prev)) if prev is not None else {}


# --- the public functions -----------------------------------------------------------------


def ranking(rows: Sequence[SummaryRow], locations: Mapping[str, Location], f: Filters, *,
            checklist: Checklist | None = None,
            all_rows: Sequence[SummaryRow] | None = None) -> list[RankRow]:
    """Locations with audits in the period, best first, with the change since the period before."""
    previous = _previous_means(all_rows if all_rows is not None else rows, f)
    return _ranking(_table_for(rows, f), locations, checklist, previous)


def heatmap(rows: Sequence[SummaryRow], f: Filters) -> list[HeatCell]:
    """Mean section percent per location and section (None-aware), by location then section."""
    return _heatmap(_table_for(rows, f))[0]


def trend(rows: Sequence[SummaryRow], f: Filters, location_ids: Sequence[str] = ()) -> list[TrendPoint]:
    """Mean overall per month: the network first, then each chosen location."""
    return _trend(_table_for(rows, f), location_ids)


def worst_items(rows: Sequence[SummaryRow], f: Filters, *, limit: int = 15) -> list[ItemFailRate]:
    """Items most often failed: audits with the item among findings ÷ audits it applied to."""
    return _worst_items(_table_for(rows, f), limit)


def self_vs_mystery(rows: Sequence[SummaryRow], f: Filters, *, threshold: float = 10.0) -> list[Gap]:
    """Per location with both kinds: self-audit mean minus mystery mean, largest gap first."""
    return _gaps(_table_for(rows, replace(f, mode=None)), threshold)


def location_history(rows: Sequence[SummaryRow], location_id: str) -> list[SummaryRow]:
    """A location's submitted audits, newest visit first."""
    mine = [r for r in rows if r.location_id == location_id and r.status == "submitted"]
    return sorted(mine, key=lambda r: (r.visit_at or r.started_at, r.audit_id), reverse=True)


def section_trend(rows: Sequence[SummaryRow], location_id: str, f: Filters) -> list[TrendPoint]:
    """One location's mean section percent per month; `series` is the section id."""
    t = _table_for(rows, replace(f, location_ids=(location_id,)))
    out: list[TrendPoint] = []
    if not len(t):
        return out
    blocks = _section_blocks(t.rows)
    for sec in _section_order(blocks):
        values = np.full(len(t), np.nan)
        for keys, pos, vals in blocks:
            if sec in keys:
                values[pos] = vals[:, keys.index(sec)]
        out += _month_series(t, None, values, sec)
    return out


def compare(rows: Sequence[SummaryRow], a: str, b: str, f: Filters) -> dict[str, Any]:
    """Two locations side by side.

    {"a": side, "b": side, "sections": [{"section_id", "a", "b", "diff"}]} where a side is
    {"location_id", "score", "audits", "critical", "sections": {id: mean},
     "self_score", "mystery_score", "gap"}; scores are None where there is nothing to average.
    """
    both = _table_for(rows, replace(f, location_ids=(a, b), mode=None))
    t = both if f.mode is None else both.take(both.mode_mask(f.mode))
    cells, sections = _heatmap(t)
    per_section = {(c.location_id, c.section_id): c.score for c in cells}
    rank = {r.location_id: r for r in _ranking(t, {}, None, {})}
    gaps = {g.location_id: g for g in _gaps(both, 0.0)}

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


def dashboard(rows: Sequence[SummaryRow], locations: Mapping[str, Location], f: Filters, *,
              checklist: Checklist | None = None, chosen: Sequence[str] = (),
              threshold: float = 10.0, limit: int = 15) -> Dashboard:
    """Every HQ aggregate at once: one selection, one frame, shared group codes.

    The frame holds both modes so the self-vs-mystery gap can ignore `f.mode`; the other
    aggregates read the rows of `f.mode` only.
    """
    both = _table_for(rows, replace(f, mode=None))
    t = both if f.mode is None else both.take(both.mode_mask(f.mode))
    cells, sections = _heatmap(t)
    return Dashboard(
        filters=f,
        audits=len(t),
        ranking=_ranking(t, locations, checklist, _previous_means(rows, f)),
        heatmap=cells,
        sections=sections,
        trend=_trend(t, chosen),
        worst_items=_worst_items(t, limit),
        gaps=_gaps(both, threshold),
    )


# --- worst items by what they cost: pure, over per-item tallies ------------------------------


@dataclass(frozen=True)
class ItemTally:
    """One checklist item over a set of audits (a month's rollup carries one per item).

    `applicable`: audits where the item was scored; `failed`: audits where it lost points
    (for a yes/no item, the audits that said no); `lost`: the points of 100 it cost the
    overall scores (audit.scoring.impacts), summed over those audits.
    """

    template_id: str
    key: str
    applicable: int
    failed: int
    lost: float

    @property
    def fail_rate(self) -> float:
        return self.failed / self.applicable if self.applicable else 0.0

    @property
    def mean_lost(self) -> float:
        """Points of 100 the item costs an audit it applies to, on average."""
        return self.lost / self.applicable if self.applicable else 0.0


def item_tallies(rows: Sequence[SummaryRow]) -> list[ItemTally]:
    """Per (template, item) tallies of the given rows, from each row's `lost`, `na` and `skipped`.

    Only items that lost points somewhere are listed; an item is applicable in every row of
    its template except those where it was N/A or skipped.
    """
    by_template: dict[str, list[SummaryRow]] = {}
    for r in rows:
        by_template.setdefault(r.template_id, []).append(r)
    out: list[ItemTally] = []
    for template_id, group in by_template.items():
        lost: dict[str, float] = {}
        failed: Counter[str] = Counter()
        for r in group:
            for key, points in r.lost.items():
                lost[key] = lost.get(key, 0.0) + points
                failed[key] += 1
        if not lost:
            continue
        out_of = Counter(k for r in group for k in itertools.chain(r.na, r.skipped) if k in lost)
        for key in sorted(lost):
            applicable = max(len(group) - out_of[key], failed[key])
            out.append(ItemTally(template_id, key, applicable, failed[key], lost[key]))
    return out


def worst_by_loss(tallies: Sequence[ItemTally], *, limit: int = 15) -> list[ItemTally]:
    """Tallies of the same item added up (months into a period), the largest total loss first."""
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
