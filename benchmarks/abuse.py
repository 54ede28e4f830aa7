"""Benchmark: the worst inputs of the hardening report against ordinary work, in one run.

- typo check: 839 characters of random Latin words (192 s of CPU before) and 309 of German,
  through the worker pool as the page calls it, against 300 ordinary Russian words.
- photo: the 86 KB 16,000 × 3,000 WebP (+720 MB before) against a 12 MP phone JPEG; time in
  this process, peak memory growth each in a fresh process.
- sign-in: 24 sign-ins with unknown names at once against one sign-in; the burst's peak
  memory growth in a fresh process.

Each time is a median of several runs; every floor is measured in the same run. Goals: typo
ratio ≤ 3, photo peak memory ratio ≤ 2, sign-in burst ≤ 30 × one sign-in and under 300 MB.

    python benchmarks/abuse.py
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from audit.people import accounts  # noqa: E402
from audit.photos import PhotoError, prepare_photo  # noqa: E402
from audit.store.folder.backend import TinyStore  # noqa: E402
from audit.typos.check import check_typos  # noqa: E402
from benchmarks.photo import phone_jpeg  # noqa: E402
from tests.security.inputs import GERMAN, random_latin  # noqa: E402

MB = 2**20
RUSSIAN = (ROOT / "tests/security/typos/tune/ru-bank-deposits.txt").read_text(encoding="utf-8") + \
    (ROOT / "tests/security/typos/tune/ru-retail-delivery.txt").read_text(encoding="utf-8")


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def ordinary_russian(words: int) -> str:
    """The first `words` words of two shipped test pages, without their planted typos."""
    clean = "".join(part.split("|")[-1] if "|" in part else part
                    for part in RUSSIAN.replace("{", "\x00").replace("}", "\x00").split("\x00"))
    return " ".join(clean.split()[:words])


def typo_part() -> tuple[float, str]:
    floor_text = ordinary_russian(300)
    check_typos(floor_text)  # start the worker and load its dictionaries
    floor = median_ms(lambda: check_typos(floor_text), 15)
    latin = median_ms(lambda: check_typos(random_latin(839)), 15)
    german = median_ms(lambda: check_typos(GERMAN[:309]), 15)
    worst = max(latin, german)
    ratio = worst / floor
    print(f"typo: ratio={ratio:.2f} (839 random Latin chars {latin:.1f} ms, 309 German chars "
          f"{german:.1f} ms vs floor 300 Russian words {floor:.1f} ms; goal ≤ 3)")
    return ratio, f"typo {ratio:.2f}"


def webp_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16_000, 3_000), (90, 120, 200)).save(out, "WEBP", quality=80)
    return out.getvalue()


_PEAK = """
import json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from audit.photos import PhotoError, prepare_photo
data = Path({path!r}).read_bytes()
def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
open("/proc/self/clear_refs", "w").write("5")
before = rss("VmRSS")
try:
    prepare_photo(data)
    outcome = "accepted"
except PhotoError as err:
    outcome = err.code
print(json.dumps([rss("VmHWM") - before, outcome]))
"""


def peak_of(data: bytes) -> tuple[int, str]:
    with tempfile.NamedTemporaryFile(suffix=".img") as f:
        f.write(data)
        f.flush()
        runs = []
        for _ in range(3):
            out = subprocess.run([sys.executable, "-c", _PEAK.format(root=str(ROOT), path=f.name)],
                                 capture_output=True, text=True, check=True, timeout=300)
            runs.append(json.loads(out.stdout))
    return int(statistics.median(r[0] for r in runs)), runs[0][1]


def photo_part() -> tuple[float, str]:
    jpeg, bomb = phone_jpeg(1), webp_bomb()

    def refuse() -> None:
        with contextlib.suppress(PhotoError):
            prepare_photo(bomb)

    floor_ms = median_ms(lambda: prepare_photo(jpeg), 7)
    bomb_ms = median_ms(refuse, 7)
    floor_peak, _ = peak_of(jpeg)
    bomb_peak, outcome = peak_of(bomb)
    memory = bomb_peak / floor_peak
    ratio = bomb_ms / floor_ms
    print(f"photo: memory ratio={memory:.2f} (16000×3000 WebP of {len(bomb) // 1024} KB: {outcome}, "
          f"peak +{bomb_peak / MB:.0f} MB vs 12 MP JPEG +{floor_peak / MB:.0f} MB; goal ≤ 2), "
          f"time ratio={ratio:.2f} ({bomb_ms:.1f} ms vs {floor_ms:.1f} ms)")
    return ratio, f"photo {ratio:.2f}"


def sign_in_part() -> tuple[float, str]:
    folder = Path(tempfile.mkdtemp())
    store = TinyStore(folder / "data")
    accounts.create_user(store, "sam", "shopper", "secret-pass")
    counter = iter(range(10**9))

    def one() -> None:
        accounts.sign_in(store, "sam", "secret-pass", policy=accounts.SignInPolicy())

    def burst() -> None:
        batch = next(counter)
        policy = accounts.SignInPolicy()
        barrier = threading.Barrier(24)

        def guess(i: int) -> None:
            barrier.wait()
            with contextlib.suppress(accounts.AccountError):
                accounts.sign_in(store, f"nobody-{batch}-{i}", "secret-pass", policy=policy)

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    floor = median_ms(one, 7)
    burst_ms = median_ms(burst, 5)
    growth = _burst_memory()
    ratio = burst_ms / floor
    print(f"sign-in: ratio={ratio:.1f} (24 at once {burst_ms:.0f} ms vs one {floor:.0f} ms; goal ≤ 30), "
          f"peak memory +{growth / MB:.0f} MB (goal < 300 MB)")
    return ratio, f"sign-in {ratio:.1f}"


def _burst_memory() -> int:
    code = textwrap.dedent(f"""
        import json, sys, tempfile, threading
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from audit.people import accounts
        from audit.store.folder.backend import TinyStore
        store = TinyStore(Path(tempfile.mkdtemp()) / "d")
        def rss(field):
            for line in open("/proc/self/status"):
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        def guess(i):
            try:
                accounts.sign_in(store, f"nobody-{{i}}", "secret-pass")
            except accounts.AccountError:
                pass
        open("/proc/self/clear_refs", "w").write("5")
        before = rss("VmRSS")
        threads = [threading.Thread(target=guess, args=(i,)) for i in range(24)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(json.dumps(rss("VmHWM") - before))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=300)
    return int(json.loads(out.stdout))


def main() -> None:
    parts = [typo_part(), photo_part(), sign_in_part()]
    worst = max(parts, key=lambda p: p[0])
    print(f"abuse: ratio={worst[0]:.2f} (worst of the time ratios: "
          f"{', '.join(p[1] for p in parts)})")


if __name__ == "__main__":
    main()
