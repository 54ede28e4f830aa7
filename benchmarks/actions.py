"""Corrective actions at 10,000 audits and 30,000 actions: a manager's list and HQ's figures.

Builds a TinyDB demo store of 10,000 audits at 300 locations, then 30,000 actions made from
their findings (owners, due dates, statuses, closes, confirmations and repeats spread over
the year), written through the store as the app writes them. Times, through the library as
the pages call it:

- my: "My actions" of one manager (their owner index and locations' files → overdue, this
  week, the rest), over 30 managers;
- hq: HQ's action figures (per location open, overdue, median days to close, share
  confirmed by a later audit, repeats — summed by the store, in SQL on PostgreSQL — and the
  fast-but-failing locations);

each against a floor: the same result computed the plain pandas way over the same 30,000
rows, already in one DataFrame in memory. Runs are interleaved, medians compared; with
--postgres the same on a PostgreSQL server started for the run. Both sides must compute the
same figures first, or the script stops with an error. Prints
`actions-NAME: ratio=R (X ms vs floor Y ms)` per figure and `actions: ratio=R (…)` last, R
being the worst. `--tiny` runs the same path (300 audits, 600 actions, 20 locations) in a few
seconds.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd

from audit.actions import service as actions
from audit.model import SummaryRow
from audit.model.actions import Action
from audit.ops.demo import generate
from audit.store import Store
from audit.store.folder.backend import TinyStore

TODAY = date(2026, 11, 1)
OPEN = ("open", "in_progress", "rejected")


def make_actions(rows: Sequence[SummaryRow], n: int, seed: int) -> dict[str, list[Action]]:
    """n actions from the rows' findings, by location; one manager per location owns most."""
    rnd = random.Random(seed)
    by_loc: dict[str, list[Action]] = {}
    pool = [(r, k) for r in rows if r.status == "submitted" for k in r.findings]
    rnd.shuffle(pool)
    for r, key in pool[:n]:
        created = datetime.fromisoformat((r.visit_at or r.started_at)[:19])
        status = rnd.choices(["open", "in_progress", "rejected", "done", "verified"],
                             [25, 10, 5, 15, 45])[0]
        done = created + timedelta(days=rnd.choice([1, 2, 3, 5, 8, 13, 21]))
        closed = status in ("done", "verified")
        critical = key in r.critical
        owner = f"mgr-{r.location_id}" if rnd.random() < 0.9 else "hq"
        a = Action(
            id=actions.action_id(r.location_id, r.audit_id, key), location_id=r.location_id, region=r.region,
            audit_id=r.audit_id, template_id=r.template_id, template_version=r.template_version,
            mode=r.mode, key=key, section=key.partition(".")[0], answer=False,
            loss=float(r.lost.get(key, 1.0)), critical=critical, owner=owner,
            due=(created + timedelta(days=2 if critical else 14)).date().isoformat(),
            status=status, created_at=created.isoformat(), opened_at=created.isoformat(),
            updated_at=created.isoformat(), done_at=done.isoformat() if closed else "",
            done_by=owner if closed else "",
            confirmed_by=r.audit_id if status == "verified" and rnd.random() < 0.4 else "",
            repeats=1 if rnd.random() < 0.08 else 0,
            history=({"type": "created", "by": "", "at": created.isoformat()},))
        by_loc.setdefault(r.location_id, []).append(a)
    return by_loc


def frame(every: Sequence[Action]) -> pd.DataFrame:
    return pd.DataFrame([{"id": a.id, "location_id": a.location_id, "owner": a.owner,
                          "status": a.status, "due": a.due, "opened_at": a.opened_at,
                          "done_at": a.done_at, "confirmed": bool(a.confirmed_by),
                          "repeats": a.repeats, "critical": a.critical, "loss": a.loss}
                         for a in every])


def floor_my(df: pd.DataFrame, owner: str, today: str) -> dict[str, list[str]]:
    """The same buckets, plain pandas: filter the owner, sort, split by due date."""
    week_end = (date.fromisoformat(today) + timedelta(days=6)).isoformat()
    mine = df[df["owner"] == owner].sort_values(["due", "critical", "loss", "id"],
                                                ascending=[True, False, False, True])
    open_ = mine[mine["status"].isin(OPEN)]
    return {"overdue": list(open_[open_["due"] < today]["id"]),
            "this_week": list(open_[(open_["due"] >= today) & (open_["due"] <= week_end)]["id"]),
            "later": list(open_[open_["due"] > week_end]["id"]),
            "waiting": list(mine[mine["status"] == "done"]["id"])}


def floor_hq(df: pd.DataFrame, today: str) -> pd.DataFrame:
    """Per location: open, overdue, closed, median days to close, confirmed, repeats; fast but failing."""
    is_open = df["status"].isin(OPEN)
    closed = df["status"].isin(("done", "verified"))
    days = (pd.to_datetime(df["done_at"].where(closed), format="ISO8601")
            - pd.to_datetime(df["opened_at"].where(closed), format="ISO8601")).dt.total_seconds() / 86400
    frame_ = pd.DataFrame({"location_id": df["location_id"], "open": is_open,
                           "overdue": is_open & (df["due"] < today), "closed": closed,
                           "days": days, "confirmed": df["confirmed"] & closed,
                           "repeats": df["repeats"], "repeated": df["repeats"] > 0,
                           "repeated_open": (df["repeats"] > 0) & is_open})
    g = frame_.groupby("location_id").agg(open=("open", "sum"), overdue=("overdue", "sum"),
                                          closed=("closed", "sum"), median_days=("days", "median"),
                                          confirmed=("confirmed", "sum"), repeats=("repeats", "sum"),
                                          repeated=("repeated", "sum"),
                                          repeated_open=("repeated_open", "sum"))
    network = frame_["days"].median()
    share = g["repeated"] / (g["closed"] + g["repeated_open"])
    g["fast_but_failing"] = (g["median_days"] <= network) & (share >= actions.FAILS_AGAIN)
    return g


def check_same(store: Store, df: pd.DataFrame, owners: Sequence[str], today: str) -> None:
    for owner in owners[:5]:
        ours = actions.my_actions(store.owner_actions(owner), today)
        plain = floor_my(df, owner, today)
        for name in ("overdue", "this_week", "later", "waiting"):
            assert [a.id for a in getattr(ours, name)] == plain[name], (owner, name)
    m = actions.metrics(store.action_stats(None, today))
    g = floor_hq(df, today)
    assert [r.location_id for r in m.locations] == list(g.index)
    assert [r.open for r in m.locations] == list(g["open"])
    assert [r.overdue for r in m.locations] == list(g["overdue"])
    assert np.allclose([r.median_days for r in m.locations], g["median_days"])
    assert set(m.fast_but_failing) == set(g.index[g["fast_but_failing"]])


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


Figure = tuple[float, float, float]  # ratio, ours ms, floor ms


def compare(name: str, ours: Callable[[], Any], floor: Callable[[], Any], repeat: int) -> Figure:
    a, b = [], []
    for _ in range(2):
        ours(), floor()  # warm both
    for _ in range(repeat):
        gc.collect()
        a.append(timed(ours))
        gc.collect()
        b.append(timed(floor))
    x, y = statistics.median(a) * 1000, statistics.median(b) * 1000
    ratio = x / y
    print(f"actions-{name}: ratio={ratio:.2f} ({x:.1f} ms vs floor {y:.1f} ms)")
    return ratio, x, y


def run(store: Store, label: str, rows: Sequence[SummaryRow], n: int, repeat: int) -> list[Figure]:
    t0 = time.perf_counter()
    by_loc = make_actions(rows, n, seed=5)
    for loc, made in by_loc.items():
        store.change_actions(loc, lambda cur, made=made: made)  # type: ignore[misc]
    every = [a for made in by_loc.values() for a in made]
    print(f"  {label}: wrote {len(every)} actions at {len(by_loc)} locations in "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    df = frame(every)
    today = TODAY.isoformat()
    owners = sorted({a.owner for a in every if a.owner != "hq"})[:30]
    check_same(store, df, owners, today)

    def ours_my() -> None:
        for owner in owners:
            actions.my_actions(store.owner_actions(owner), today)

    def floor_my_all() -> None:
        for owner in owners:
            floor_my(df, owner, today)

    return [compare(f"{label}-my", ours_my, floor_my_all, repeat),
            compare(f"{label}-hq", lambda: actions.metrics(store.action_stats(None, today)),
                    lambda: floor_hq(df, today), repeat)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audits", type=int, default=10_000)
    parser.add_argument("--actions", type=int, default=30_000)
    parser.add_argument("--locations", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=11, help="timed runs of each")
    parser.add_argument("--postgres", action="store_true", help="also on a PostgreSQL server")
    parser.add_argument("--tiny", action="store_true",
                        help="the whole run in a few seconds: 300 audits, 600 actions, 20 locations")
    args = parser.parse_args()
    if args.tiny:
        args.audits, args.actions, args.locations, args.repeat = 300, 600, 20, 3

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="actions-bench-") as tmp:
        store = TinyStore(Path(tmp) / "data")
        t0 = time.perf_counter()
        generate(store, seed=3, audits=args.audits, locations=args.locations, today=TODAY,
                 with_users=False, photos=not args.tiny)
        rows = store.list_summaries()
        print(f"  built {len(rows)} audits in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        figures += run(store, "tinydb", rows, args.actions, args.repeat)
        if args.postgres:
            from pgserver import temporary_postgres  # beside this script

            with temporary_postgres() as url:
                from audit.store.postgres.backend import PostgresStore

                pg = PostgresStore(url, photo_dir=Path(tmp) / "pg-photos")
                try:
                    figures += run(pg, "postgres", rows, args.actions, args.repeat)
                finally:
                    pg.close()
    ratio, x, y = max(figures)
    print(f"actions: ratio={ratio:.2f} ({x:.1f} ms vs floor {y:.1f} ms)")


if __name__ == "__main__":
    main()
