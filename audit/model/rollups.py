"""Rollups: sums per location × template × mode × month that HQ's views read instead of audits.

A submitted audit's summary row adds one *part* to two groups: its location's group (audits,
score sums, critical failures, section sums) and the network's item group for its template,
mode, month and region (not applicable, failures and points lost per item). Reopening subtracts the same
part. Scores are kept as whole hundredths, so adding and subtracting is exact and the rollups
always equal a computation from scratch.

Groups are plain JSON-shaped dicts: both stores keep them, and `build` computes them from rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from audit.model import EXPECT_WHERE, SummaryRow

Group = dict[str, Any]
# (period, location id, template id, mode, region, shown to the branch)
LocationKey = tuple[str, str, str, str, str, bool]
# (period, template id, mode, region)
ItemKey = tuple[str, str, str, str]


def period_of(row: SummaryRow, *, daily: bool = False) -> str:
    """The visit's month ("YYYY-MM"), or its day with daily=True, as the auditor recorded it."""
    when = row.visit_at or row.started_at
    return when[:10] if daily else when[:7]


def hundredths(x: float) -> int:
    return round(x * 100)


def _pair(x: float | None) -> list[int]:
    return [0, 0] if x is None else [hundredths(x), 1]


def shown_to_branch(row: SummaryRow) -> bool:
    """Whether the location's managers see this audit: self-audits, and published mystery ones."""
    return row.mode == "self" or row.published


def location_key(row: SummaryRow, *, daily: bool = False) -> LocationKey:
    return (period_of(row, daily=daily), row.location_id, row.template_id, row.mode, row.region,
            shown_to_branch(row))


def item_key(row: SummaryRow, *, daily: bool = False) -> ItemKey:
    return (period_of(row, daily=daily), row.template_id, row.mode, row.region)


def location_part(row: SummaryRow) -> Group:
    """What one submitted audit adds to its location's group.

    sections: id → [sum of percents in hundredths, audits with a percent, audits with the
    section at all] (a section all N/A is present without a percent).
    expect: the shopper's expectation per section (audit.scoring.expect) → [sum expected,
    sum got, both in hundredths, audits, below, met, above]; present only when the row has one.
    """
    part: Group = {
        "audits": 1,
        "overall": _pair(row.overall),
        "computed": _pair(row.computed),
        "critical": 1 if row.critical else 0,
        "sections": {sid: [0, 0, 1] if v is None else [hundredths(v), 1, 1]
                     for sid, v in row.sections.items()},
    }
    if row.expectations:
        part["expect"] = {sid: [hundredths(e), hundredths(g), 1,
                                *(int(where == w) for w in EXPECT_WHERE)]
                          for sid, (e, g, where) in row.expectations.items()}
    return part


def item_part(row: SummaryRow) -> Group:
    """What one submitted audit adds to its network item group: key → [out, failed, lost].

    `out` counts the audit when the item did not apply: answered N/A, or skipped (hidden by
    a condition, in a section answered N/A, left unanswered). `lost` is the points of 100 the
    finding cost the overall (the row's `lost`, from audit.scoring.score.impacts), in hundredths;
    an item is failed when its fraction is below 1 (the audit's findings).
    """
    items: dict[str, list[int]] = {}
    for key in dict.fromkeys((*row.na, *row.skipped)):
        items.setdefault(key, [0, 0, 0])[0] += 1
    for key in dict.fromkeys(row.findings):
        items.setdefault(key, [0, 0, 0])[1] += 1
    for key, lost in row.lost.items():
        items.setdefault(key, [0, 0, 0])[2] += hundredths(lost)
    return {"audits": 1, "items": items}


def _add_map(a: Mapping[str, list[int]], b: Mapping[str, list[int]], sign: int
             ) -> dict[str, list[int]]:
    """id → counts; an entry whose counts all reach zero leaves the map."""
    out = dict(a)
    for k, v in b.items():
        new = [x + sign * y for x, y in zip(out.get(k, [0] * len(v)), v, strict=True)]
        if any(new):
            out[k] = new
        else:
            out.pop(k, None)
    return out


def add(group: Group | None, part: Group, sign: int = 1) -> Group | None:
    """A new group: `group` plus (sign=1) or minus (sign=-1) `part`; None once no audit is left.

    Never changes `group` (stores cache what they read), only builds a new dict.
    """
    old = group or {}
    out: Group = dict(old)
    for k, b in part.items():
        a = old.get(k)
        if isinstance(b, dict):
            out[k] = _add_map(a or {}, b, sign)
        elif isinstance(b, list):
            out[k] = [x + sign * y for x, y in zip(a or [0] * len(b), b, strict=True)]
        else:
            out[k] = (a or 0) + sign * b
    if out.get("expect") == {}:  # the last audit with an expectation left: as if never there
        del out["expect"]
    if out["audits"] < 0:
        raise ValueError("a rollup went below zero: it was not built from these rows; "
                         "run `audit reindex`")
    return out if out["audits"] else None


def build(rows: Iterable[SummaryRow], *, daily: bool = False
          ) -> tuple[dict[LocationKey, Group], dict[ItemKey, Group]]:
    """Every group, from scratch, over the submitted rows."""
    locs: dict[LocationKey, Group] = {}
    items: dict[ItemKey, Group] = {}
    for row in rows:
        if row.status != "submitted":
            continue
        lk, ik = location_key(row, daily=daily), item_key(row, daily=daily)
        lg = add(locs.get(lk), location_part(row))
        ig = add(items.get(ik), item_part(row))
        assert lg is not None and ig is not None  # noqa: S101  adding a part is never empty
        locs[lk], items[ik] = lg, ig
    return locs, items


# --- what analytics reads -------------------------------------------------------------------


@dataclass(frozen=True)
class Rollup:
    """Submitted audits of one location, template, mode and region in one period."""

    period: str  # "YYYY-MM" (a store's rollups) or "YYYY-MM-DD" (daily, built from rows)
    location_id: str
    template_id: str
    mode: str
    region: str
    audits: int
    overall: tuple[int, int]  # (sum in hundredths, audits with a score)
    computed: tuple[int, int]
    critical: int  # audits with at least one critical failure
    sections: tuple[tuple[str, int, int, int], ...]  # (id, sum in hundredths, counted, present)
    branch: bool = True  # managers of the location see these audits (see shown_to_branch)
    # the shopper's expectations: (section id, sum expected, sum got in hundredths, audits,
    # below, met, above) — see location_part
    expectations: tuple[tuple[str, int, int, int, int, int, int], ...] = ()


@dataclass(frozen=True)
class ItemRollup:
    """Per item of one template, over the network's audits of one mode, region and period."""

    period: str
    template_id: str
    mode: str
    region: str
    audits: int
    items: tuple[tuple[str, int, int, int], ...]  # (key, not applicable, failed, lost in hundredths)


@dataclass(frozen=True)
class Rollups:
    """What HQ's views are computed from; a store returns those of a span of months."""

    locations: tuple[Rollup, ...] = ()
    items: tuple[ItemRollup, ...] = ()
    # what the store read, as a value that changes whenever any of it changes (None: unknown);
    # equal tokens mean equal rollups, so what is computed from them may be kept
    token: Any = field(default=None, compare=False)

    def __add__(self, other: Rollups) -> Rollups:
        return Rollups(self.locations + other.locations, self.items + other.items)

    def canonical(self) -> Rollups:
        """The same sums in one order (groups, sections, items sorted): for comparing two."""
        return Rollups(
            tuple(sorted((replace(r, sections=tuple(sorted(r.sections)),
                                  expectations=tuple(sorted(r.expectations)))
                          for r in self.locations),
                         key=repr)),
            tuple(sorted((replace(g, items=tuple(sorted(g.items))) for g in self.items), key=repr)))

    def for_branch(self) -> Rollups:
        """Only what a location's managers may see (no unpublished mystery audits, no items)."""
        return Rollups(tuple(r for r in self.locations if r.branch), ())


def to_rollup(key: LocationKey, g: Mapping[str, Any]) -> Rollup:
    period, location_id, template_id, mode, region, branch = key
    return Rollup(period, location_id, template_id, mode, region, int(g["audits"]),
                  (int(g["overall"][0]), int(g["overall"][1])),
                  (int(g["computed"][0]), int(g["computed"][1])), int(g["critical"]),
                  tuple((sid, int(v[0]), int(v[1]), int(v[2])) for sid, v in g["sections"].items()),
                  bool(branch),
                  tuple((sid, int(v[0]), int(v[1]), int(v[2]), int(v[3]), int(v[4]), int(v[5]))
                        for sid, v in (g.get("expect") or {}).items()))


def to_item_rollup(key: ItemKey, g: Mapping[str, Any]) -> ItemRollup:
    period, template_id, mode, region = key
    return ItemRollup(period, template_id, mode, region, int(g["audits"]),
                      tuple((k, int(v[0]), int(v[1]), int(v[2])) for k, v in g["items"].items()))


def rollups_of(rows: Iterable[SummaryRow], *, daily: bool = False) -> Rollups:
    """Rollups computed from summary rows (reports over any span of days use daily=True)."""
    locs, items = build(rows, daily=daily)
    return Rollups(tuple(to_rollup(k, g) for k, g in locs.items()),
                   tuple(to_item_rollup(k, g) for k, g in items.items()))
