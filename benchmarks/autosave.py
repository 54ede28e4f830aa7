"""Autosave must not slow down as the archive grows: one answer into a draft, 10 vs 10,000 audits.

Builds two demo stores (10 and 10,000 submitted audits), starts a draft in each, then saves
answers into both drafts, interleaved so machine noise hits both alike, and compares medians;
the small store is the floor. Both drafts must hold the same answer afterwards, or the script
stops with an error. `--tiny` runs the same path at 200 audits and 20 saves in a few seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit.audits import capture as audits
from audit.ops.demo import generate
from audit.store.folder.backend import TinyStore

KEY = "entrance.entrance-dry"


def build(root: Path, n: int, *, photos: bool = True) -> tuple[TinyStore, str]:
    store = TinyStore(root)
    t0 = time.perf_counter()
    generate(store, seed=7, audits=n, locations=15, today=date(2026, 11, 1), photos=photos)
    print(f"  built {n} audits in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    shopper = store.get_user("shopper1")
    assert shopper is not None
    loc = shopper.locations[0]
    header = audits.start_audit(store, shopper, location_id=loc, template_id="service-point",
                                mode="mystery", lang="ru")
    return store, header.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", type=int, default=10_000, help="audits in the big store")
    parser.add_argument("--saves", type=int, default=300, help="timed saves per store")
    parser.add_argument("--tiny", action="store_true",
                        help="the whole run in a few seconds: 200 audits, 20 saves")
    args = parser.parse_args()
    if args.tiny:
        args.big, args.saves = 200, 20

    with tempfile.TemporaryDirectory(prefix="autosave-") as tmp:
        small, small_id = build(Path(tmp) / "small", 10, photos=not args.tiny)
        big, big_id = build(Path(tmp) / "big", args.big, photos=not args.tiny)
        shopper = small.get_user("shopper1")
        assert shopper is not None
        def size(root: Path) -> int:  # everything but the audits and photos
            return sum(p.stat().st_size for p in root.rglob("*.json")
                       if p.relative_to(root).parts[0] != "audits") // 1024

        print(f"  rows, indexes and rollups: {size(Path(tmp) / 'small')} KB vs "
              f"{size(Path(tmp) / 'big')} KB", file=sys.stderr)

        def save(store: TinyStore, audit_id: str, i: int) -> float:
            t0 = time.perf_counter()
            audits.answer(store, shopper, audit_id, KEY, value=bool(i % 2),
                          comment=f"лужа у входа #{i}")
            return time.perf_counter() - t0

        for i in range(3 if args.tiny else 20):  # warm caches of both
            save(small, small_id, i)
            save(big, big_id, i)
        t_small, t_big = [], []
        for i in range(args.saves):
            if i % 2:
                t_small.append(save(small, small_id, i))
                t_big.append(save(big, big_id, i))
            else:
                t_big.append(save(big, big_id, i))
                t_small.append(save(small, small_id, i))
        # both drafts hold the last answer saved, or the times were of something else
        last = args.saves - 1
        for store, audit_id in ((small, small_id), (big, big_id)):
            audit = store.get_audit(audit_id)
            assert audit is not None and KEY in audit.answers, "the answer was not stored"
            got = audit.answers[KEY]
            assert (got.value, got.comment) == (bool(last % 2), f"лужа у входа #{last}"), got

    ms_small = statistics.median(t_small) * 1000
    ms_big = statistics.median(t_big) * 1000
    print(f"  one save: {ms_big:.2f} ms with {args.big} audits stored vs {ms_small:.2f} ms with 10")
    print(f"autosave: ratio={ms_big / ms_small:.2f} ({ms_big:.2f} ms vs floor {ms_small:.2f} ms)")


if __name__ == "__main__":
    main()
