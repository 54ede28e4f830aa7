"""Every HQ dashboard aggregate at 10,000 audits and 300 locations, against plain pandas.

Builds a TinyDB demo store, then times what the dashboard does, reading the store's monthly
rollups and computing `analytics.dashboard` (ranking, heatmap, trend, worst items, self vs
mystery) from them, against a floor: the same aggregates written as the simplest direct
pandas group-bys over the summary rows, read once beforehand. Runs are interleaved so machine
noise hits both alike; the figure is the ratio of the medians. (The pages themselves, at up to
100,000 audits, are timed by benchmarks/scale.py.) Both sides must compute the same figures
first, or the script stops with an error. `--tiny` runs the same path on 300 audits at 30
locations in a few seconds.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd

from audit.checklist.templates import get_checklist
from audit.model import Checklist, Location, SummaryRow
from audit.ops.demo import generate
from audit.reports import analytics
from audit.store.folder.backend import TinyStore

TEMPLATE = "service-point"


def floor(rows: Sequence[SummaryRow], locations: Mapping[str, Location],
          checklist: Checklist) -> dict[str, pd.DataFrame]:
    """The same five aggregates, written the plain pandas way."""
    df = pd.DataFrame([vars(r) for r in rows])
    df = df[(df["status"] == "submitted") & (df["template_id"] == TEMPLATE)]

    # ranking: mean overall, audits, audits with a critical failure, level, rank
    df["has_critical"] = df["critical"].str.len() > 0
    rank = df.groupby("location_id").agg(score=("overall", "mean"), audits=("audit_id", "size"),
                                         critical=("has_critical", "sum"))
    rank["name"] = rank.index.map(lambda i: locations[i].name)
    rank["region"] = rank.index.map(lambda i: locations[i].region)
    rank["level"] = pd.cut(rank["score"], bins=[*(lv.min for lv in checklist.levels), np.inf],
                           labels=[lv.key for lv in checklist.levels], right=False)
    rank = rank.sort_values(["score", "name"], ascending=[False, True])
    rank["rank"] = rank["score"].rank(ascending=False, method="min")

    # heatmap: mean section percent per location and section, and how many audits it is over
    sections = pd.DataFrame(df["sections"].tolist(), index=df.index)
    heat = sections.groupby(df["location_id"]).agg(["mean", "count"]).stack(level=0)

    # trend: the network's mean overall per month
    trend = df.groupby(df["visit_at"].str[:7])["overall"].agg(["mean", "count"])

    # worst items: the points of 100 an item cost the audits' overall scores, summed, the
    # largest first (equal losses by key); beside it the audits that failed it and the audits
    # it applied to (not N/A, not skipped; at least those that failed it)
    pairs = df["lost"].map(lambda d: list(d.items()))
    lost = df[["template_id"]].assign(pair=pairs).explode("pair").dropna()
    lost["key"] = lost["pair"].str[0]
    lost["points"] = lost["pair"].str[1].astype(float)
    worst = lost.groupby(["template_id", "key"])["points"].sum().round(2).rename("lost").to_frame()
    worst = worst[worst["lost"] > 0]
    failed = df[["template_id", "findings"]].explode("findings").dropna()
    failed = failed.reset_index().drop_duplicates(["index", "findings"])
    failed = failed.groupby(["template_id", "findings"]).size().rename_axis(["template_id", "key"])
    out = df[["template_id"]].assign(key=df["na"] + df["skipped"]).explode("key").dropna()
    out = out.reset_index().drop_duplicates(["index", "key"]).groupby(["template_id", "key"]).size()
    audits = df.groupby("template_id").size()
    worst["failed"] = failed.reindex(worst.index, fill_value=0).to_numpy()
    worst["applicable"] = np.maximum(
        audits.reindex(worst.index.get_level_values(0)).to_numpy()
        - out.reindex(worst.index, fill_value=0).to_numpy(), worst["failed"].to_numpy())
    worst = worst.reset_index().sort_values(["lost", "template_id", "key"],
                                            ascending=[False, True, True]).head(15)
    worst = worst.set_index(["template_id", "key"])

    # self vs mystery: per location with both kinds, the gap between their means
    by_mode = df.groupby(["location_id", "mode"])["overall"].agg(["mean", "count"])
    both = by_mode.unstack("mode").dropna()
    gaps = pd.DataFrame({"self": both[("mean", "self")], "mystery": both[("mean", "mystery")],
                         "self_audits": both[("count", "self")],
                         "mystery_audits": both[("count", "mystery")]})
    gaps["gap"] = gaps["self"] - gaps["mystery"]
    gaps["flagged"] = gaps["gap"] >= 10.0
    gaps = gaps.sort_values("gap", ascending=False)
    return {"ranking": rank, "heatmap": heat, "trend": trend, "worst": worst, "gaps": gaps}


def check_same(ours: analytics.Dashboard, plain: dict[str, pd.DataFrame]) -> None:
    """Both sides must compute the same figures, or the ratio means nothing."""
    rank = plain["ranking"]
    assert [r.location_id for r in ours.ranking] == list(rank.index)
    assert np.allclose(np.array([r.score for r in ours.ranking], dtype=float), rank["score"])
    assert [r.level for r in ours.ranking] == [str(x) for x in rank["level"]]
    assert [r.critical for r in ours.ranking] == list(rank["critical"])
    heat = plain["heatmap"]
    assert len(ours.heatmap) == len(heat)
    cell = ours.heatmap[17]
    assert np.isclose(cell.score or 0.0, heat.loc[(cell.location_id, cell.section_id), "mean"])
    assert [p.audits for p in ours.trend] == list(plain["trend"]["count"])
    worst = plain["worst"]
    assert [(w.key, w.failed, w.applicable) for w in ours.worst_items] == [
        (k, int(n), int(a)) for (_, k), n, a in zip(worst.index, worst["failed"],
                                                      worst["applicable"], strict=True)]
    assert np.allclose([w.lost for w in ours.worst_items], worst["lost"])
    assert [g.location_id for g in ours.gaps] == list(plain["gaps"].index)
    assert [g.flagged for g in ours.gaps] == list(plain["gaps"]["flagged"])


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audits", type=int, default=10_000)
    parser.add_argument("--locations", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of each (min 9)")
    parser.add_argument("--tiny", action="store_true",
                        help="the whole run in a few seconds: 300 audits, 30 locations, 3 runs")
    args = parser.parse_args()
    if args.tiny:
        args.audits, args.locations, args.repeat = 300, 30, 3

    tmp = tempfile.mkdtemp(prefix="dashboard-")
    try:
        run(Path(tmp), args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, args: argparse.Namespace) -> None:
    store = TinyStore(tmp / "data")
    t0 = time.perf_counter()
    generate(store, seed=3, audits=args.audits, locations=args.locations,
             today=date(2026, 11, 1), with_users=False, photos=not args.tiny)
    print(f"  built {args.audits} audits in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    rows = store.list_summaries()
    locations = {loc.id: loc for loc in store.list_locations()}
    checklist = get_checklist(store, TEMPLATE)
    f = analytics.Filters(template_id=TEMPLATE)

    def ours() -> analytics.Dashboard:
        return analytics.dashboard(store.get_rollups(template_id=TEMPLATE), locations, f,
                                   checklist=checklist)

    def plain() -> dict[str, pd.DataFrame]:
        return floor(rows, locations, checklist)

    check_same(ours(), plain())
    t_ours: list[float] = []
    t_floor: list[float] = []
    gc.collect()
    for i in range(args.repeat if args.tiny else max(args.repeat, 9)):
        if i % 2:
            t_ours.append(timed(ours))
            t_floor.append(timed(plain))
        else:
            t_floor.append(timed(plain))
            t_ours.append(timed(ours))
    ms_ours = statistics.median(t_ours) * 1000
    ms_floor = statistics.median(t_floor) * 1000
    print(f"dashboard: ratio={ms_ours / ms_floor:.2f} ({ms_ours:.1f} ms vs floor {ms_floor:.1f} ms)")


if __name__ == "__main__":
    main()
