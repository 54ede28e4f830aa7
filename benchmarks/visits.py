"""HQ's coverage grid and a shopper's "My visits" at 300 locations × 12 months, against pandas.

Builds a TinyDB store: 300 locations, 12 months of audits (the demo generator), 60 shoppers,
and a plan of two visits a month for every location (≈ 7,200 visits), the past ones linked to
the audits of their location and month. Then times what a page computes, from the store, in a
warm process as the app is:

  coverage  list_visits over 12 months → coverage grid (location × month: planned, done,
            overdue, missed, doubtful) and the late shoppers;
  my visits one shopper's visits and the open ones around this month → due, started,
            overdue, upcoming, done;

against a floor: the same figures from a pandas DataFrame of the same visit rows, built
beforehand and not timed (vectorised state, group-by and pivot). Runs are interleaved so
noise hits both alike; the figure is the ratio of the sums of the medians. Both sides must
compute the same figures first, or the script stops with an error. `--tiny` runs the same
path at 20 locations and 8 shoppers in a few seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd

from audit.model import User
from audit.model.visits import Plan, Visit, VisitFilter
from audit.ops.demo import generate
from audit.store.folder.backend import TinyStore
from audit.visits import plans as visits
from audit.visits import service as visit_service

NOW = "2026-11-15T12:00:00+00:00"
FIRST, LAST = "2025-12", "2026-11"
ZONES = ("Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Europe/Kaliningrad")


def build(root: Path, n_locations: int, n_audits: int, n_shoppers: int, *,
          photos: bool = True) -> TinyStore:
    store = TinyStore(root)
    generate(store, seed=5, audits=n_audits, locations=n_locations, today=date(2026, 11, 15),
             with_users=False, photos=photos)
    locs = store.list_locations()
    for i, loc in enumerate(locs):
        store.put_location(dataclasses.replace(loc, tz=ZONES[i % len(ZONES)], lat=55.0 + i / 100,
                                               lon=37.0 + i / 100))
    hq = User("boss", "hq")
    store.put_user(hq)
    shoppers = [f"shopper{i:02d}" for i in range(n_shoppers)]
    for name in shoppers:
        store.put_user(User(name, "shopper", any_location=True))
    plan = Plan(id="bench", template_id="service-point", first=date(2025, 12, 1),
                last=date(2026, 11, 30), region="", location_ids=tuple(loc.id for loc in locs),
                per_month=2, shoppers=tuple(shoppers), scenario_en="Ask about a deposit")
    planned = visits.expand(plan, {loc.id: dataclasses.replace(loc, tz=ZONES[i % len(ZONES)])
                                   for i, loc in enumerate(locs)},
                            {u.name: u for u in store.list_users()})
    # the past visits done by the audits of their location and month, some late or far
    by_cell: dict[tuple[str, str], list[str]] = {}
    for row in store.list_summaries():
        if row.mode == "mystery" and row.status == "submitted":
            by_cell.setdefault((row.location_id, row.visit_at[:7]), []).append(row.audit_id)
    done: list[Visit] = []
    for n, v in enumerate(planned):
        ids = by_cell.get((v.location_id, v.month))
        if v.closes_at < NOW and ids:
            at = v.opens_at
            done.append(dataclasses.replace(
                v, status="done", audit_id=ids.pop(), started_at=at, done_at=at,
                on_time=n % 9 != 0, start_distance=40.0 if n % 13 else 3200.0,
                grade=1 + n % 5))
        else:
            done.append(v)
    store.put_plan(plan, done)
    return store


def floor_frame(rows: list[Visit]) -> pd.DataFrame:
    return pd.DataFrame({
        "id": [v.id for v in rows], "location_id": [v.location_id for v in rows],
        "month": [v.month for v in rows], "shopper": [v.shopper for v in rows],
        "status": [v.status for v in rows], "opens_at": [v.opens_at for v in rows],
        "closes_at": [v.closes_at for v in rows], "done_at": [v.done_at for v in rows],
        "started_at": [v.started_at for v in rows],
        "far": [any(d is not None and d > 200 for d in (v.start_distance, v.submit_distance))
                or v.on_time is False for v in rows]})


def floor_state(df: pd.DataFrame, now: str) -> np.ndarray:
    """The same states, vectorised: stored times are UTC ISO strings and compare as text."""
    cut = visits.utc_iso(visits.parse_utc(now) - visits.GRACE)
    started = (df["status"] == "started").to_numpy()
    return np.select(
        [(df["status"] == "done").to_numpy(), (df["status"] == "cancelled").to_numpy(),
         (df["opens_at"] > now).to_numpy() & started, (df["opens_at"] > now).to_numpy(),
         (df["closes_at"] >= now).to_numpy() & started, (df["closes_at"] >= now).to_numpy(),
         (df["closes_at"] >= cut).to_numpy()],
        ["done", "cancelled", "started", "upcoming", "started", "due", "overdue"],
        default="missed")


def floor_coverage(df: pd.DataFrame, now: str) -> tuple[pd.DataFrame, pd.Series]:
    state = floor_state(df, now)
    cls = pd.Series(state, index=df.index).replace(
        {"upcoming": "planned", "due": "planned", "started": "planned"})
    keep = (cls != "cancelled").to_numpy()
    grid = df[keep].groupby(["location_id", "month", cls[keep]]).size().unstack(fill_value=0)
    doubtful = df[df["far"].to_numpy() & (state == "done")].groupby(
        ["location_id", "month"]).size()
    grid["doubtful"] = doubtful.reindex(grid.index, fill_value=0)
    has = (df["shopper"] != "").to_numpy()
    lateness = pd.Series(np.isin(state, ("overdue", "missed")), index=df.index)[has]
    late = lateness.groupby(df.loc[has, "shopper"]).sum()
    return grid, late[late > 0]


def floor_my_visits(df: pd.DataFrame, shopper: str, now: str) -> dict[str, pd.DataFrame]:
    lo, hi = visits.people_months(now)
    mine = df[((df["shopper"] == shopper) | (df["shopper"] == ""))
              & (df["month"] >= lo) & (df["month"] <= hi)]
    state = floor_state(mine, now)
    recent = visits.utc_iso(visits.parse_utc(now) - timedelta(days=14))
    out = {name: mine[state == name].sort_values([key, "id"]) for name, key in (
        ("due", "closes_at"), ("started", "started_at"), ("overdue", "closes_at"),
        ("upcoming", "opens_at"))}
    out["done"] = mine[(state == "done") & (mine["done_at"] >= recent).to_numpy()].sort_values(
        "done_at", ascending=False)
    return out


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--locations", type=int, default=300)
    parser.add_argument("--audits", type=int, default=7_200)
    parser.add_argument("--shoppers", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of each (min 9)")
    parser.add_argument("--tiny", action="store_true",
                        help="the whole run in a few seconds: 20 locations, 240 audits, 8 shoppers")
    args = parser.parse_args()
    if args.tiny:
        args.locations, args.audits, args.shoppers, args.repeat = 20, 240, 8, 3

    with tempfile.TemporaryDirectory(prefix="visits-") as tmp:
        t0 = time.perf_counter()
        store = build(Path(tmp) / "data", args.locations, args.audits, args.shoppers,
                      photos=not args.tiny)
        rows = store.list_visits(VisitFilter(FIRST, LAST))
        print(f"  built {len(rows)} visits and {args.audits} audits in "
              f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
        shopper = store.get_user("shopper07")
        assert shopper is not None
        df = floor_frame(rows)

        def ours_coverage() -> Any:
            grid, stats = visits.overview(store.list_visits(VisitFilter(FIRST, LAST)), NOW)
            return grid, visits.late_shoppers(stats)

        def ours_mine() -> visits.MyVisits:
            return visits.my_visits(visit_service.shopper_visits(store, shopper, NOW), NOW)

        # both sides must agree, or the ratio means nothing
        grid, late = ours_coverage()
        f_grid, f_late = floor_coverage(df, NOW)
        assert len(grid) == len(f_grid)
        for (loc, month), cell in list(grid.items())[::97]:
            row = f_grid.loc[(loc, month)]
            assert (cell.planned, cell.done, cell.overdue, cell.missed, cell.doubtful) == tuple(
                int(row.get(k, 0)) for k in ("planned", "done", "overdue", "missed", "doubtful"))
        assert sorted(s.shopper for s in late) == sorted(f_late.index)
        mine, f_mine = ours_mine(), floor_my_visits(df, "shopper07", NOW)
        for name in ("due", "started", "overdue", "upcoming", "done"):
            assert [v.id for v in getattr(mine, name)] == list(f_mine[name]["id"]), name
        print(f"  coverage: {len(grid)} cells, {len(late)} late shoppers; my visits: "
              f"{len(mine.due)} due, {len(mine.overdue)} overdue, {len(mine.upcoming)} upcoming",
              file=sys.stderr)

        pairs = {"coverage": (ours_coverage, lambda: floor_coverage(df, NOW)),
                 "my visits": (ours_mine, lambda: floor_my_visits(df, "shopper07", NOW))}
        medians: dict[str, tuple[float, float]] = {}
        gc.collect()
        for name, (ours, plain) in pairs.items():
            t_ours: list[float] = []
            t_floor: list[float] = []
            for i in range(args.repeat if args.tiny else max(args.repeat, 9)):
                if i % 2:
                    t_ours.append(timed(ours))
                    t_floor.append(timed(plain))
                else:
                    t_floor.append(timed(plain))
                    t_ours.append(timed(ours))
            medians[name] = (statistics.median(t_ours) * 1000, statistics.median(t_floor) * 1000)
            o, f = medians[name]
            print(f"  {name}: {o:.1f} ms vs floor {f:.1f} ms (ratio {o / f:.2f})")
        ms_ours = sum(o for o, _ in medians.values())
        ms_floor = sum(f for _, f in medians.values())
        print(f"visits: ratio={ms_ours / ms_floor:.2f} ({ms_ours:.1f} ms vs floor {ms_floor:.1f} ms)")


if __name__ == "__main__":
    main()
