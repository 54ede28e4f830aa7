"""Customers' voice against its floors, in one run.

- page: the voice page's first load on a throttled phone (Chromium, slow 3G: 400 ms latency,
  50 KB/s each way; CPU ×4), from navigation to the load event, a fresh browser context each
  time (nothing cached); floor: a static HTML page of the same questions (the very bytes the
  voice route answered) served by the same server. Goal ≤ 1.5.
- post: 200 customers' forms posted at once (from 200 loopback addresses, so the per-address
  allowance holds, over 12 locations, so none is a burst), each stored and thanked; floor:
  the same 200 bodies posted at once to a bare route that reads them. Goal ≤ 2.0.
- table: HQ's gap table over 100,000 responses (`audit.reports.voice.gap_table`) against
  pandas computing the same figures from the same responses (its frame built too); the
  figures must agree. Goal ≤ 2.0.

Loads alternate between the two pages so machine noise hits both alike; figures are medians.
The last line is the worst ratio.

    python benchmarks/voice.py [--tiny]  # --tiny: 2 loads each, 40 posts, 5,000 responses
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("AUDIT_CHROMIUM", "/usr/bin/chromium")
LOCATIONS = tuple(f"loc-{c}" for c in "abcdefghijkl")  # 3 rounds of 200: under 60 an hour each
TODAY = date(2026, 11, 30)


def serve(port: int) -> None:
    """The app as `asgi.py` builds it, plus the static page and the bare POST."""
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route
    from streamlit.starlette import App

    from audit.web.middleware import middleware
    from audit.web.routes import routes

    static = Path(os.environ["VOICE_BENCH_STATIC"])

    async def page(_: Request) -> Response:
        return HTMLResponse(static.read_bytes(), headers={"Cache-Control": "no-store"})

    async def post(request: Request) -> Response:
        body = await request.body()
        return Response(f"{len(body)}", headers={"Cache-Control": "no-store"})

    extra = [Route("/bench/static", page), Route("/bench/post", post, methods=["POST"])]
    app = App(str(ROOT / "streamlit_app.py"), routes=routes() + extra, middleware=middleware())
    app.run(config={"server.port": port, "server.address": "127.0.0.1", "server.headless": True})


def load_times(url: str, loads: int) -> tuple[list[float], list[float]]:
    """(voice page ms, static page ms): navigation to the load event on a throttled phone."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import FLAGS, PHONE_CONTEXT, throttle

    voice: list[float] = []
    plain: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)

        def once(path: str) -> float:
            ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
            page = ctx.new_page()
            throttle(ctx, page)
            page.goto(url + path, wait_until="load")
            assert page.locator("form input[type=radio]").count() > 0, f"{path} shows no form"
            ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            ctx.close()
            return float(ms)

        once("/v/loc-a")  # warm both: the server's first answer of each is not the measure
        once("/bench/static")
        for i in range(loads):
            order = (("/v/loc-a", voice), ("/bench/static", plain))
            for path, into in order if i % 2 == 0 else order[::-1]:
                into.append(once(path))
        browser.close()
    return voice, plain


def post_all(port: int, bodies: list[tuple[str, bytes, str]], path_of: str | None,
             phone: str = "") -> tuple[float, list[int]]:
    """Post every (location, body, address) at once; wall ms and the statuses."""

    def one(item: tuple[str, bytes, str]) -> int:
        loc, body, address = item
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120, source_address=(address, 0))
        try:
            conn.request("POST", path_of or f"/v/{loc}", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": f"Bench/{address}/{phone}", "Accept-Language": "ru"})
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        started = time.perf_counter()
        statuses = list(pool.map(one, bodies))
        return (time.perf_counter() - started) * 1000, statuses


def pandas_table(responses: list, sections: list[str], scores: dict) -> dict:  # type: ignore[type-arg]
    """The gap table's figures by pandas: (location, section) → (n, E, P, gap, low, high)."""
    import pandas as pd

    from audit.reports.voice import t_quantile

    frame = pd.DataFrame([(r.location_id, x.section, x.expected, x.perceived)
                          for r in responses if not r.held for x in r.ratings],
                         columns=["location", "section", "e", "p"])
    frame = frame[frame["section"].isin(sections)]
    frame["gap"] = frame["p"] - frame["e"]
    g = frame.groupby(["location", "section"]).agg(
        n=("gap", "size"), e=("e", "mean"), p=("p", "mean"), gap=("gap", "mean"), sd=("gap", "std"))
    half = g["sd"] / g["n"].pow(0.5) * g["n"].map(lambda n: t_quantile(int(n) - 1) if n > 1 else math.nan)
    g["low"], g["high"] = g["gap"] - half, g["gap"] + half
    g["audit"] = [scores.get(k, (None, 0))[0] for k in g.index]
    return {k: (int(v.n), v.e, v.p, v.gap, v.low, v.high) for k, v in g.iterrows()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tiny", action="store_true", help="2 loads each, 40 posts, 5,000 responses")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    loads, posts, responses = (2, 40, 5_000) if args.tiny else (7, 200, 100_000)

    from audit.checklist import shipped_dir
    from audit.checklist.templates import add_template
    from audit.model import Location
    from audit.ops.demo_voice import story_responses
    from audit.reports.voice import gap_table
    from audit.store.folder.backend import TinyStore
    from audit.voice import service
    from tests.conftest import _free_port
    from tests.e2e.conftest import CPU_SLOWDOWN, SLOW_3G, wait_healthy

    parts: list[tuple[float, str, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="voice-") as tmp:
        data = Path(tmp) / "data"
        store = TinyStore(data)
        for loc in LOCATIONS:
            store.put_location(Location(id=loc, name=f"Отделение {loc[-1].upper()}", region="Москва"))
        add_template(store, (shipped_dir() / "service-point.yaml").read_text(encoding="utf-8"), by="bench")
        static = Path(tmp) / "static.html"
        static.write_bytes(b"")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], cwd=ROOT,
                                env={**os.environ, "AUDIT_DATA_DIR": str(data),
                                     "VOICE_BENCH_STATIC": str(static)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_healthy(url, proc)
            request = urllib.request.Request(url + "/v/loc-a", headers={"Accept-Language": "ru"})  # noqa: S310
            with urllib.request.urlopen(request, timeout=30) as r:  # noqa: S310  http, our own server
                static.write_bytes(r.read())  # the floor: the very bytes of the page, served as a file
            voice_ms, plain_ms = load_times(url, loads)
            parts.append(_part("page", voice_ms, plain_ms))

            salt, _ = service.day_salts(store, datetime.now(UTC).date().isoformat())
            page = service.voice_page(store, "loc-a")
            issued = int(time.time()) - 60
            sections = [s.id for s in page.sections]
            bodies = []
            for n in range(posts):
                loc = LOCATIONS[n % len(LOCATIONS)]
                fields = {"t": service.form_token(salt, loc, issued), "level": "as_expected",
                          "text": "Всё хорошо", "website": ""}
                for s in sections[: 3 + n % 4]:
                    fields[f"e.{s}"], fields[f"p.{s}"] = str(1 + n % 5), str(1 + (n + 2) % 5)
                address = f"127.0.{1 + n // 250}.{1 + n % 250}"  # loopback: one per customer
                bodies.append((loc, urllib.parse.urlencode(fields).encode(), address))
            floor_times, voice_times = [], []
            rounds = 3 if not args.tiny else 1
            for i in range(rounds):  # each round other phones (the browser differs) at the same places
                ms, statuses = post_all(port, bodies, "/bench/post")
                assert statuses == [200] * posts, "the bare POST failed"
                floor_times.append(ms)
                ms, statuses = post_all(port, bodies, None, phone=f"round{i}")
                assert statuses == [200] * posts, f"not every form was thanked: {sorted(set(statuses))}"
                voice_times.append(ms)
            stored = store.list_voice_responses()
            assert len(stored) == posts * rounds and not any(r.held for r in stored), "not every form stored"
            parts.append(_part("post", voice_times, floor_times))
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    sections = ["parking", "entrance", "security", "waiting-area", "waiting", "service", "restroom",
                "farewell"]
    locs = [f"loc-{i:03d}" for i in range(40)]
    made = story_responses(locs, sections, responses, seed=5, today=TODAY,
                           offsets={("loc-001", "restroom"): -1.8})
    scores = {(loc, s): (70.0 + (hash((loc, s)) % 30), 3) for loc in locs for s in sections}
    names = {loc: loc for loc in locs}
    ours, floor = [], []
    for i in range(5 if not args.tiny else 2):
        for which in (("ours", "pandas") if i % 2 == 0 else ("pandas", "ours")):
            started = time.perf_counter()
            if which == "ours":
                table = gap_table(made, sections, scores, names)
                ours.append((time.perf_counter() - started) * 1000)
            else:
                want = pandas_table(made, sections, scores)
                floor.append((time.perf_counter() - started) * 1000)
    assert len(table.rows) == len(want)
    for r in table.rows:
        n, e, p, gap, low, high = want[(r.location_id, r.section)]
        assert r.n == n and math.isclose(r.gap, gap, abs_tol=1e-9)
        assert math.isclose(r.expected, e, abs_tol=1e-9) and math.isclose(r.perceived, p, abs_tol=1e-9)
        assert r.ci_low is not None and math.isclose(r.ci_low, low, abs_tol=1e-9)
        assert r.ci_high is not None and math.isclose(r.ci_high, high, abs_tol=1e-9)
    parts.append(_part("table", ours, floor))

    print(f"  slow 3G {SLOW_3G['latency']} ms, {SLOW_3G['downloadThroughput'] // 1024} KB/s, "
          f"CPU ×{CPU_SLOWDOWN}; {loads} loads each, {posts} posts at once, {responses:,} responses; "
          f"ranges (ms): page {min(voice_ms):.0f}–{max(voice_ms):.0f} vs {min(plain_ms):.0f}–"
          f"{max(plain_ms):.0f}, post {min(voice_times):.0f}–{max(voice_times):.0f} vs "
          f"{min(floor_times):.0f}–{max(floor_times):.0f}", file=sys.stderr)
    for ratio, name, ms, floor_ms in parts:
        print(f"voice-{name}: ratio={ratio:.2f} ({ms:.0f} ms vs floor {floor_ms:.0f} ms)")
    worst = max(parts)
    print(f"voice: ratio={worst[0]:.2f} ({worst[2]:.0f} ms vs floor {worst[3]:.0f} ms)")


def _part(name: str, ours: list[float], floor: list[float]) -> tuple[float, str, float, float]:
    a, b = statistics.median(ours), statistics.median(floor)
    return a / b, name, a, b


if __name__ == "__main__":
    main()
