"""The first screen on a throttled phone: the sign-in form on a first visit and a shopper's home
on a repeat visit, against a bare Streamlit hello page served the same way on the same link.

Chromium with DevTools throttling (slow 3G: 400 ms latency, 50 KB/s each way; CPU ×4), the
real app (`streamlit_app.py` with our routes and middleware) in one process and a one-line
Streamlit script (`st.write`) with the same routes and middleware in another (gzip once, the
service worker), but without the app's lists of its first screens' files (audit.web.preload)
and without sending a signed-out visitor to the sign-in page.

- sign-in-first: a fresh browser profile (empty cache, no service worker) opens the app's
  address; from the navigation until the password field of the sign-in page (/signin, plain
  HTML: the app sends a signed-out browser there) can be typed in. Floor: the hello page,
  first visit (what any Streamlit page costs before it draws a thing).
- sign-in-home (reported, no floor): the same visit goes on: name and password typed at once,
  the form sent, until "My drafts" is on screen.
- home-repeat: a signed-in shopper who has opened the app before opens it again (a new tab
  of the same profile: its HTTP cache and service worker kept); from the navigation until
  "My drafts" is on screen. Floor: the hello page, opened again. The last line.

Each visit also reports what came over the network: responses that were not served from a
cache, their bytes, and the WebSocket's bytes.

    python benchmarks/first_screen.py [--runs 3] [--tiny]  # --tiny: one run of each
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("AUDIT_CHROMIUM", "/usr/bin/chromium")
HELLO = 'import streamlit as st\n\nst.write("Hello, world")\n'
SIGN_IN_GOAL_MS = 10_000
# until the page's service worker (if its HTML registers one) has installed and taken the page
READY = """() => new Promise((ok) => {
  const check = async () => {
    const r = await navigator.serviceWorker.getRegistration();
    if (!r) {
      const registers = document.documentElement.innerHTML.includes('serviceWorker.register');
      if (document.readyState === 'complete' && !registers) return ok(false);
      return setTimeout(check, 100);
    }
    await navigator.serviceWorker.ready;
    if (navigator.serviceWorker.controller) return ok(true);
    navigator.serviceWorker.addEventListener('controllerchange', () => ok(true), { once: true });
  };
  check(); })"""
HOME_GOAL_MS = 3_000


def serve(port: int, script: str) -> None:
    """`script` as `asgi.py` serves the app: our routes and middleware around it."""
    from streamlit.starlette import App

    from audit.web import middleware as ours
    from audit.web.routes import routes

    if Path(script).name != "streamlit_app.py":
        # the floor is bare Streamlit: the app's own hints for its first screens are left out,
        # and a signed-out visitor gets the page itself, not the app's sign-in page
        ours.first_screen_links = lambda: b""  # type: ignore[assignment]
        ours.home_links = lambda: b""  # type: ignore[assignment]

        async def no_sign_in(_: object) -> None:
            return None

        ours.sign_in_first = no_sign_in  # type: ignore[assignment]
    app = App(script, routes=routes(), middleware=ours.middleware())
    app.run(config={"server.port": port, "server.address": "127.0.0.1", "server.headless": True})


class Wire:
    """What one page took from the network (not from the HTTP cache or the service worker)."""

    def __init__(self, cdp: Any) -> None:
        self.responses = 0
        self.http_bytes = 0
        self.ws_bytes = 0
        self.cached = 0
        self._ids: set[str] = set()
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketFrameReceived", self._frame)

    def _response(self, ev: dict[str, Any]) -> None:
        r = ev["response"]
        if r.get("fromDiskCache") or r.get("fromServiceWorker") or r.get("fromPrefetchCache") \
                or r.get("fromMemoryCache"):
            self.cached += 1
            return
        self.responses += 1
        self._ids.add(ev["requestId"])

    def _finished(self, ev: dict[str, Any]) -> None:
        if ev["requestId"] in self._ids:
            self.http_bytes += int(ev.get("encodedDataLength", 0))

    def _frame(self, ev: dict[str, Any]) -> None:
        self.ws_bytes += len(ev["response"].get("payloadData", ""))

    def __str__(self) -> str:
        return (f"{self.responses} from the network ({self.http_bytes / 1024:.1f} KB), "
                f"{self.cached} from a cache, WebSocket {self.ws_bytes / 1024:.1f} KB")


def visit(ctx: Any, url: str, shown: Any, link: dict[str, Any], cpu: float,
          then: Any = None) -> tuple[float, Wire]:
    """A new tab of `ctx` on `link` opens `url`: (ms until `shown(page)` is ready, wire).
    `then(page, t0)`, if given, goes on in the same tab before it closes."""
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", link)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    wire = Wire(cdp)
    t0 = time.monotonic()
    page.goto(url, wait_until="commit")
    shown(page)
    ms = (time.monotonic() - t0) * 1000
    wire = copy.copy(wire)  # what the first screen took (its counts stop here)
    if then is not None:
        then(page, t0)
    # a visit ends with the service worker installed, as the next visit finds it
    page.evaluate(READY)
    page.close()
    return ms, wire


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="visits of each kind")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--script", help=argparse.SUPPRESS)
    parser.add_argument("--tiny", action="store_true",
                        help="one visit of each kind, on a fast link: the path runs in seconds")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.script)
        return
    from tests.e2e.conftest import CPU_SLOWDOWN, SLOW_3G

    link, cpu = SLOW_3G, CPU_SLOWDOWN
    if args.tiny:
        args.runs = 1
        link, cpu = {**SLOW_3G, "latency": 20, "downloadThroughput": 1 << 20,
                     "uploadThroughput": 1 << 20}, 1

    from playwright.sync_api import expect, sync_playwright

    from audit.model import Location
    from audit.people import accounts
    from audit.store.folder.backend import TinyStore
    from tests.conftest import _free_port
    from tests.e2e.conftest import FLAGS, PHONE_CONTEXT, wait_healthy

    with tempfile.TemporaryDirectory(prefix="first-screen-") as tmp:
        data = Path(tmp) / "data"
        store = TinyStore(data)
        store.put_location(Location(id="loc-a", name="Арбат", region="Москва"))
        sam = accounts.create_user(store, "sam", "shopper", "bench-password", locations=("loc-a",))
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO, encoding="utf-8")
        procs, urls = [], []
        for script in (str(ROOT / "streamlit_app.py"), str(hello)):
            port = _free_port()
            procs.append(subprocess.Popen(
                [sys.executable, __file__, "--serve", str(port), "--script", script], cwd=ROOT,
                env={**os.environ, "AUDIT_DATA_DIR": str(data)},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}")
        app, floor = urls
        times: dict[str, list[float]] = {k: [] for k in
                                         ("sign-in", "hello-first", "home", "hello-repeat")}
        signed_in: list[float] = []
        wires: dict[str, Wire] = {}
        try:
            for url, proc in zip(urls, procs, strict=True):
                wait_healthy(url, proc)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                expect.set_options(timeout=120_000)
                def form(page: Any) -> None:  # the sign-in page's password field takes typing
                    expect(page.locator("input[type=password]")).to_be_editable()
                    if urlsplit(page.url).path != "/signin":
                        raise SystemExit(f"the app's address showed {page.url}, not the sign-in page")

                def drafts(page: Any) -> None:
                    expect(page.get_by_text("Мои черновики")).to_be_visible()

                def said(page: Any) -> None:
                    expect(page.get_by_text("Hello, world")).to_be_visible()

                def sign_in(page: Any, t0: float) -> None:
                    page.locator("input[name=name]").fill("sam")
                    page.locator("input[type=password]").fill("bench-password")
                    page.get_by_role("button", name="Войти").click()
                    drafts(page)
                    signed_in.append((time.monotonic() - t0) * 1000)

                for _ in range(args.runs):
                    # first visits alternate with the floor's, each in a fresh profile
                    for name, url, shown, then in (("sign-in", app, form, sign_in),
                                                   ("hello-first", floor, said, None)):
                        ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
                        ms, wires[name] = visit(ctx, url, shown, link, cpu, then)
                        times[name].append(ms)
                        ctx.close()
                    # repeat visits: the profile has opened the page once, on the same link
                    for name, url, shown in (("home", app, drafts), ("hello-repeat", floor, said)):
                        ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
                        ctx.add_cookies([{"name": "audit_session", "url": url, "httpOnly": True,
                                          "value": accounts.start_session(store, sam),
                                          "sameSite": "Lax"}])
                        visit(ctx, url, shown, link, cpu)
                        ms, wires[name] = visit(ctx, url, shown, link, cpu)
                        times[name].append(ms)
                        ctx.close()
                browser.close()
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"  {args.runs} visits each; link {link['latency']} ms, "
          f"{link['downloadThroughput'] // 1024} KB/s, CPU ×{cpu}; ms: "
          + ", ".join(f"{k} {min(v):.0f}–{max(v):.0f}" for k, v in times.items()), file=sys.stderr)
    for name, wire in wires.items():
        print(f"  {name} (last visit): {wire}", file=sys.stderr)
    print(f"sign-in-first: ratio={med['sign-in'] / med['hello-first']:.2f} "
          f"({med['sign-in']:.0f} ms vs floor {med['hello-first']:.0f} ms; goal ≤ {SIGN_IN_GOAL_MS} ms)")
    print(f"sign-in-home: {statistics.median(signed_in):.0f} ms (the form sent at once, until the home)")
    print(f"home-repeat: {med['home']:.0f} ms (goal ≤ {HOME_GOAL_MS} ms)")
    print(f"first_screen: ratio={med['home'] / med['hello-repeat']:.2f} "
          f"({med['home']:.0f} ms vs floor {med['hello-repeat']:.0f} ms)")


if __name__ == "__main__":
    main()
