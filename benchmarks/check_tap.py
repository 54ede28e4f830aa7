"""A shopper's tap while `audit check` reads the whole data folder, against a tap with nothing running.

The store is the scale benchmark's (benchmarks/scale.py builds it: 300 locations, a year of
audits, their photos' hashes): its cached 100,000-audit folder copied when it is there (the
cache is never changed), else one built here (`--audits`, default 10,000). A shopper starts a
draft; then, per run, the floor: taps (an answer saved through audit.audits.capture, as the
phone's tap is) with nothing else running, half before the check and half after; and the taps
made one after another while a full `audit check` runs in a second process (from the moment
it starts reading until its report is back). The check must find nothing and the draft must
hold the last tap, or the script stops with an error. Goal: the median tap during the check
≤ 2 × the floor's (before, a tap waited for the whole check: 142.5 s at 100,000 audits).

Prints per run the check's time and peak memory, the taps' medians and slowest, then
`check_tap: ratio=R (X ms vs floor Y ms)` last. `--tiny` runs the same path on 150 audits, once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import scale  # noqa: E402

from audit.audits import capture as audits  # noqa: E402
from audit.checklist.templates import get_checklist  # noqa: E402
from audit.ops import check  # noqa: E402
from audit.store.folder.backend import TinyStore  # noqa: E402

CACHED = 100_000  # the scale benchmark's big store, used when its cache has it


def say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def checker(root: str, started: Event, out: Any) -> None:
    """The second process: `audit check` on the folder, as the CLI runs it."""
    store = TinyStore(root)
    started.set()
    t0 = time.perf_counter()
    report = check.run(store)
    out.put((time.perf_counter() - t0, [check.describe(f, "en") for f in report.findings],
             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))


def store_for(work: Path, n: int, cache: Path) -> int:
    """The folder timed: the cached scale store copied, or one of `n` audits built; its size."""
    cached = cache / f"tinydb-{CACHED}"
    if n == CACHED and (cache / f"tinydb-{CACHED}.built").exists():
        t0 = time.perf_counter()
        shutil.copytree(cached, work, symlinks=True)
        say(f"copied the cached store of {CACHED} audits in {time.perf_counter() - t0:.0f} s")
        return CACHED
    t0 = time.perf_counter()
    scale.build_tinydb(work, n)
    say(f"built a store of {n} audits in {time.perf_counter() - t0:.0f} s")
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audits", type=int, default=CACHED,
                        help="audits in the store (the scale cache's when it has this many, "
                             "else built here)")
    parser.add_argument("--runs", type=int, default=3, help="checks timed (odd is best)")
    parser.add_argument("--floor", type=int, default=40, help="taps per run with nothing running")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "audit-scale-cache"
                                               / f"{scale.VERSION}-{date.today():%Y-%m}"))
    parser.add_argument("--tiny", action="store_true", help="150 audits, one run, in seconds")
    args = parser.parse_args()
    if args.tiny:
        scale.NET = scale.TINY
        args.audits, args.runs, args.floor = 150, 1, 10
    cache = Path(args.cache)
    if args.audits == CACHED and not (cache / f"tinydb-{CACHED}.built").exists():
        args.audits = 10_000  # building 100,000 here takes long: the scale benchmark caches it
    spawn = multiprocessing.get_context("spawn")  # a fresh process, as `audit check` is

    with tempfile.TemporaryDirectory(prefix="check-tap-") as tmp:
        work = Path(tmp) / "data"
        n = store_for(work, args.audits, cache)
        store = TinyStore(work)
        shopper = next(u for u in store.list_users() if u.role == "shopper" and u.locations)
        draft = audits.start_audit(store, shopper, location_id=shopper.locations[0],
                                   template_id=scale.TEMPLATE, mode="mystery", lang="ru").id
        checklist = get_checklist(store, scale.TEMPLATE)
        key = next(f"{s.id}.{i.id}" for s, i in checklist.items() if i.type == "yes_no")
        taps = 0

        def tap() -> float:
            nonlocal taps
            taps += 1
            t0 = time.perf_counter()
            audits.answer(store, shopper, draft, key, value=bool(taps % 2))
            return time.perf_counter() - t0

        os.sync()  # the store's build flushed: its writeback slows no tap timed
        for _ in range(5):  # warm the caches
            tap()
        floor: list[float] = []
        during: list[float] = []
        for run in range(args.runs):
            mine = [tap() for _ in range(args.floor // 2)]  # half before the check
            started, out = spawn.Event(), spawn.Queue()
            proc = spawn.Process(target=checker, args=(str(work), started, out))
            proc.start()
            started.wait()
            busy: list[float] = []
            while out.empty() and proc.is_alive():
                busy.append(tap())
            seconds, findings, peak_mb = out.get()
            proc.join()
            assert not findings, f"audit check found: {findings[:5]} ({len(findings)} in all)"
            assert busy, "no tap was made while the check ran"
            during += busy
            mine += [tap() for _ in range(args.floor - args.floor // 2)]  # and half after
            floor += mine
            say(f"run {run + 1}: check {seconds:.1f} s, {peak_mb} MB at most; {len(busy)} taps "
                f"meanwhile, median {statistics.median(busy) * 1000:.1f} ms, slowest "
                f"{max(busy) * 1000:.1f} ms; "
                f"floor median {statistics.median(mine) * 1000:.1f} ms")
        audit = store.get_audit(draft)
        assert audit is not None and audit.answers[key].value == bool(taps % 2), \
            "the last tap is not in the draft"

    x, y = statistics.median(during) * 1000, statistics.median(floor) * 1000
    print(f"  a tap during `audit check` of {n} audits: median {x:.1f} ms, slowest "
          f"{max(during) * 1000:.1f} ms; with nothing running {y:.1f} ms", flush=True)
    print(f"check_tap: ratio={x / y:.2f} ({x:.1f} ms vs floor {y:.1f} ms)", flush=True)


if __name__ == "__main__":
    main()
