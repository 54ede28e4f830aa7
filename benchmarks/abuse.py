"""Benchmark: the worst inputs of the hardening report against ordinary work, in one run.

- typo check: 839 characters of random Latin words (192 s of CPU before) and 309 of German,
  through the worker pool as the page calls it, against 300 ordinary Russian words.
- photo: the 86 KB 16,000 × 3,000 WebP (+720 MB before) against a 12 MP phone JPEG; time in
  this process, peak memory growth each in a fresh process.
- sign-in: 24 sign-ins with unknown names at once against one sign-in; the burst's peak
  memory growth in a fresh process.
- http: the served app (`streamlit run asgi.py`), its process's memory read from /proc: five
  200 MB bodies at once to /api/session without signing in (+1.2 GB before bodies were capped
  by route), and one person's 30 parallel 24 MB photo uploads against one upload's peak
  (+1,091 MB before uploads were admitted before being read).

Each time is a median of several runs; every floor is measured in the same run. Goals: typo
ratio ≤ 3, photo peak memory ratio ≤ 2, sign-in burst ≤ 30 × one sign-in and under 300 MB,
the five bodies ≤ 50 MB, the 30 uploads ≤ 2 × one upload's peak. Each pair must also come out
as it should, or the script stops with an error: the checks of the ordinary and the worst
texts finish, the phone photo is taken and the WebP refused, the one sign-in succeeds and
every guess is refused, every body is refused with 413, the lone upload is taken and the 30
are taken or told to wait (503). The last line is the worst time ratio.

    python benchmarks/abuse.py [--tiny]  # --tiny: fewer runs, one memory probe, 4 sign-ins at once,
                                         # the WebP encoded lossless (fast)
"""

from __future__ import annotations

import argparse
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
from tests.security.texts import GERMAN, random_latin  # noqa: E402

MB = 2**20
REPEATS = {"typo": 15, "photo": 7, "sign-in": 7, "burst": 5, "probes": 3}
BURST = [24]  # sign-ins with unknown names at once (--tiny: 4)
Part = tuple[float, str, float, float]  # time ratio, label, ms, floor ms
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


def typo_part() -> Part:
    floor_text = ordinary_russian(300)
    # each text is checked to its end (not stopped by the size or time budget): else the
    # times would be of less work; this also starts the worker and loads its dictionaries
    for text in (floor_text, random_latin(839), GERMAN[:309]):
        result = check_typos(text)
        assert result.status == "ok", (result.status, text[:40])
    n = REPEATS["typo"]
    floor = median_ms(lambda: check_typos(floor_text), n)
    latin = median_ms(lambda: check_typos(random_latin(839)), n)
    german = median_ms(lambda: check_typos(GERMAN[:309]), n)
    worst = max(latin, german)
    ratio = worst / floor
    print(f"typo: ratio={ratio:.2f} (839 random Latin chars {latin:.1f} ms, 309 German chars "
          f"{german:.1f} ms vs floor 300 Russian words {floor:.1f} ms; goal ≤ 3)")
    return ratio, f"typo {ratio:.2f}", worst, floor


def webp_bomb(*, fast: bool = False) -> bytes:
    """16,000 × 3,000 pixels in a few KB; `fast`: lossless, encoded in a second, not five (the
    same pixels: the photo check refuses it the same way)."""
    out = io.BytesIO()
    options: dict[str, object] = {"lossless": True, "method": 0} if fast else {"quality": 80}
    Image.new("RGB", (16_000, 3_000), (90, 120, 200)).save(out, "WEBP", **options)
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
        for _ in range(REPEATS["probes"]):
            out = subprocess.run([sys.executable, "-c", _PEAK.format(root=str(ROOT), path=f.name)],
                                 capture_output=True, text=True, check=True, timeout=300)
            runs.append(json.loads(out.stdout))
    return int(statistics.median(r[0] for r in runs)), runs[0][1]


def photo_part(*, fast_bomb: bool = False) -> Part:
    jpeg, bomb = phone_jpeg(1), webp_bomb(fast=fast_bomb)
    prepare_photo(jpeg)  # the phone photo is taken, the WebP refused (below: in a fresh process too)
    try:
        prepare_photo(bomb)
    except PhotoError:
        pass
    else:
        raise AssertionError("the 16000×3000 WebP was accepted")

    def refuse() -> None:
        with contextlib.suppress(PhotoError):
            prepare_photo(bomb)

    floor_ms = median_ms(lambda: prepare_photo(jpeg), REPEATS["photo"])
    bomb_ms = median_ms(refuse, REPEATS["photo"])
    floor_peak, taken = peak_of(jpeg)
    bomb_peak, outcome = peak_of(bomb)
    assert taken == "accepted" and outcome != "accepted", (taken, outcome)
    memory = bomb_peak / floor_peak
    ratio = bomb_ms / floor_ms
    print(f"photo: memory ratio={memory:.2f} (16000×3000 WebP of {len(bomb) // 1024} KB: {outcome}, "
          f"peak +{bomb_peak / MB:.0f} MB vs 12 MP JPEG +{floor_peak / MB:.0f} MB; goal ≤ 2), "
          f"time ratio={ratio:.2f} ({bomb_ms:.1f} ms vs {floor_ms:.1f} ms)")
    return ratio, f"photo {ratio:.2f}", bomb_ms, floor_ms


def sign_in_part(folder: Path) -> Part:
    # the product's own password hashing (the tests' cheap one must not come along in an import)
    from argon2 import PasswordHasher

    real = PasswordHasher()
    assert (accounts._hasher.time_cost, accounts._hasher.memory_cost) == (
        real.time_cost, real.memory_cost), "sign-in timed with other password-hashing parameters"
    store = TinyStore(folder / "data")
    accounts.create_user(store, "sam", "shopper", "secret-pass")
    counter = iter(range(10**9))
    refusals: list[str] = []

    def one() -> None:
        user = accounts.sign_in(store, "sam", "secret-pass", policy=accounts.SignInPolicy())
        assert user.name == "sam"

    def burst() -> None:
        batch = next(counter)
        policy = accounts.SignInPolicy()
        barrier = threading.Barrier(BURST[0])

        def guess(i: int) -> None:
            barrier.wait()
            try:
                accounts.sign_in(store, f"nobody-{batch}-{i}", "secret-pass", policy=policy)
            except accounts.AccountError as err:
                refusals.append(err.code)
            else:
                refusals.append("signed in")

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(BURST[0])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    floor = median_ms(one, REPEATS["sign-in"])
    burst_ms = median_ms(burst, REPEATS["burst"])
    # every guess got the answer a wrong password gets: the burst did the work of its refusals
    assert refusals == ["bad_credentials"] * BURST[0] * REPEATS["burst"], sorted(set(refusals))
    growth = _burst_memory()
    ratio = burst_ms / floor
    print(f"sign-in: ratio={ratio:.1f} ({BURST[0]} at once {burst_ms:.0f} ms vs one {floor:.0f} ms; "
          "goal ≤ 30), "
          f"peak memory +{growth / MB:.0f} MB (goal < 300 MB)")
    return ratio, f"sign-in {ratio:.1f}", burst_ms, floor


def _burst_memory() -> int:
    code = textwrap.dedent(f"""
        import json, sys, tempfile, threading
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from audit.people import accounts
        from audit.store.folder.backend import TinyStore
        folder = tempfile.TemporaryDirectory()
        store = TinyStore(Path(folder.name) / "d")
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
        threads = [threading.Thread(target=guess, args=(i,)) for i in range({BURST[0]})]
        for t in threads: t.start()
        for t in threads: t.join()
        print(json.dumps(rss("VmHWM") - before))
        folder.cleanup()
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=300)
    return int(json.loads(out.stdout))


def http_part() -> None:
    """The served app against the report's HTTP floods (memory figures; no time ratio)."""
    from concurrent.futures import ThreadPoolExecutor

    from audit.audits import capture
    from audit.people import handoff
    from tests.conftest import populate
    from tests.e2e.conftest import start_server
    from tests.e2e.photos import phone_jpeg
    from tests.security import rawhttp
    from tests.security.test_upload_memory import Memory, server_pid

    with tempfile.TemporaryDirectory(prefix="abuse-http-") as tmp:
        store = TinyStore(Path(tmp) / "data")
        sam = populate(store)["shopper"]
        url, proc = start_server(store.root)
        try:
            pid = server_pid(url)
            memory = Memory(pid)
            with ThreadPoolExecutor(5) as pool:
                answers = list(pool.map(lambda _: rawhttp.request(
                    url, "POST", "/api/session", body=rawhttp.filler(200 * MB),
                    headers={"Origin": url, "Content-Type": "application/json"}), range(5)))
            bodies = memory.peak()
            assert [a.status for a in answers] == [413] * 5, [a.status for a in answers]
            print(f"http: 5 parallel 200 MB bodies to /api/session: peak memory growth "
                  f"+{bodies / MB:.1f} MB (goal ≤ 50 MB; before: +1.2 GB)")

            audit_id = capture.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                           mode="mystery", lang="en").id
            token = accounts.start_session(store, sam)
            jpeg = phone_jpeg(3)
            photo = jpeg + b"\0" * (24 * MB - len(jpeg))
            headers = {"Origin": url, "Content-Type": "image/jpeg", "Cookie": f"audit_session={token}",
                       "X-CSRF-Token": handoff.csrf_token(token)}

            def upload(seq: int) -> rawhttp.Answer:
                view = memoryview(photo)
                return rawhttp.request(
                    url, "POST", "/api/photo", length=len(photo), headers=headers,
                    body=(bytes(view[i:i + rawhttp.PIECE]) for i in range(0, len(photo), rawhttp.PIECE)),
                    params={"audit": audit_id, "key": "office.facade", "client": "phone-1234-abcd",
                            "seq": str(seq), "at": "2026-05-01T10:00:00.000Z"})

            assert upload(1).status == 200  # the first photo loads the photo code
            memory = Memory(pid)
            assert upload(2).status == 200
            one = memory.peak()
            memory = Memory(pid)
            with ThreadPoolExecutor(30) as pool:
                flood = list(pool.map(upload, range(3, 33)))
            peak = memory.peak()
            statuses = sorted({a.status for a in flood})
            assert set(statuses) <= {200, 503} and 200 in statuses, statuses
            print(f"http: 30 parallel 24 MB photo uploads from one person: peak growth "
                  f"+{peak / MB:.1f} MB vs one upload's +{one / MB:.1f} MB: "
                  f"{peak / max(one, 1):.2f}× (goal ≤ 2×; before: +1,091 MB)")
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true",
                        help="fewer runs, one memory probe, 4 sign-ins at once, a fast-encoded WebP")
    args = parser.parse_args()
    if args.tiny:
        REPEATS.update({"typo": 3, "photo": 3, "sign-in": 1, "burst": 1, "probes": 1})
        BURST[0] = 4
    with tempfile.TemporaryDirectory(prefix="abuse-") as tmp:
        parts = [typo_part(), photo_part(fast_bomb=args.tiny), sign_in_part(Path(tmp))]
    http_part()
    worst = max(parts, key=lambda p: p[0])
    print(f"  the time ratios: {', '.join(p[1] for p in parts)}; the worst: {worst[1]}")
    print(f"abuse: ratio={worst[0]:.2f} ({worst[2]:.1f} ms vs floor {worst[3]:.1f} ms)")


if __name__ == "__main__":
    main()
