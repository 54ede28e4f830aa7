"""The per-minute allowances for photos and phone batches are kept in the store, so that two
handles on one store (two processes, two replicas) count against one allowance."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from audit.people.ratelimit import RateLimited, SharedRateLimiter
from audit.store import Store
from audit.store.folder import rates
from audit.store.folder.backend import TinyStore
from audit.store.postgres.backend import PostgresStore
from audit.store.rates import window_hit

ROOT = Path(__file__).resolve().parents[2]


def second_handle(store: Store) -> Store:
    if isinstance(store, PostgresStore):
        other = PostgresStore(store.url, photo_dir=store.photo_dir)
        return other
    assert isinstance(store, TinyStore)
    return TinyStore(store.root)


def test_window__counts_up_to_the_limit__then_says_when_one_fits() -> None:
    hits: list[float] = []
    for t in range(3):
        hits, wait = window_hit(hits, 3, 60, 100.0 + t)
        assert wait == 0.0
    kept, wait = window_hit(hits, 3, 60, 110.0)
    assert kept == [100.0, 101.0, 102.0] and wait == pytest.approx(50.0)  # refused: not counted
    kept, wait = window_hit(hits, 3, 60, 160.5)  # the first has left the window
    assert wait == 0.0 and kept == [101.0, 102.0, 160.5]
    assert window_hit("garbage", 3, 60, 1.0) == ([1.0], 0.0)  # unreadable counts as nothing


def test_two_handles_at_once__one_allowance(store: Store) -> None:
    other = second_handle(store)
    limiter = SharedRateLimiter("too_many_uploads", "photo uploads", 25, 60)
    taken: list[str] = []
    refused: list[int] = []
    lock = threading.Lock()

    def hammer(handle: Store) -> None:
        for _ in range(20):
            try:
                limiter.hit(handle, "sam")
            except RateLimited as limited:
                with lock:
                    refused.append(int(limited.params["seconds"]))
            else:
                with lock:
                    taken.append("ok")

    threads = [threading.Thread(target=hammer, args=(h,)) for h in (store, other, store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if isinstance(other, PostgresStore):
        other.close()
    assert len(taken) == 25 and len(refused) == 55
    assert all(1 <= s <= 60 for s in refused)
    # another person, another allowance
    limiter.hit(store, "sue")


def test_folder__another_process__one_allowance(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    code = textwrap.dedent(f"""
        import json, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from audit.store.folder.backend import TinyStore
        store = TinyStore({str(store.root)!r})
        print(json.dumps([store.count_hit("k", 30, 60, time.time()) for _ in range(20)]))
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    import time

    mine = [store.count_hit("k", 30, 60, time.time()) for _ in range(20)]
    out, _ = child.communicate(timeout=120)
    theirs = json.loads(out)
    assert sum(w == 0 for w in mine + theirs) == 30  # 40 tries, 30 counted, across both


def test_folder__a_damaged_counter_file__counts_from_zero(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    assert store.count_hit("k", 2, 60, 1000.0) == 0.0
    for f in (store.root / rates.RATES_DIR).glob("*.json"):
        f.write_bytes(b"\x00{not json")
    assert store.count_hit("k", 2, 60, 1001.0) == 0.0
    assert store.count_hit("k", 2, 60, 1002.0) == 0.0
    assert store.count_hit("k", 2, 60, 1003.0) > 0
