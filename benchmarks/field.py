"""A tap in the walk on a throttled phone, against the same tap on a plain page, same server, same run.

Chromium with DevTools throttling (slow 3G: 400 ms latency, 50 KB/s each way; CPU ×4), the
real app (`streamlit_app.py` with our routes and middleware) plus two benchmark routes: a
static page with one plain HTML radio button, and a POST that only reads its body.

- tap-local: from the finger lifting off a yes/no item to the next painted frame that shows
  it answered; floor: the same tap on the plain radio button.
- tap-sync: from the same tap until the server's acknowledgement of the stored change has
  arrived; floor: a tap on the plain page that posts the same bytes the walk sent, through
  the same throttled link.
- field-lost: answers tapped offline (every item of a section), then online: how many never
  reached the store.
- drop-taps: a tap every 500 ms on a section's answers through a hard drop of the link (a
  relay in front of the app breaks every connection and refuses new ones; the browser is not
  told it is offline) and Streamlit's reconnect after it: taps the screen never showed, or
  whose answer the store does not hold once the link is back, of all taps made.
- ghost-taps: the walk moved through every section by each control (the bottom and top
  buttons, the section list, the review's links), each move a real touch: moves whose touch
  changed the screen it opened (an answer, a panel) plus answers the store got, of all moves.
- photo-any: a photo chosen in the walk until the server has stored it, for a 3 MB photo no
  larger than 2048 px and a 12 MP one (each recompressed on the phone to the send budget,
  PHOTO_SEND_*); floor: a plain POST of that budget's bytes (600 KB) from a plain page on the
  same throttled link. The ratio is the slower photo's.
- walk-bytes: every byte on the walk page's wire from its first tap to its last photo (the
  WebSocket both ways, HTTP responses as received, request bodies as the server counted
  them) against the bodies the phone sent to /api/sync and /api/photo (its answers and
  photos as the routes got them). The page's own load is not counted.

Taps alternate between the walk and the plain page so machine noise hits both alike; the
figures are medians. The last line is the tap-local figure. Every tap must be stored and
acknowledged, the plain page's POST must carry the very bytes the walk sent (the route
answers with their hash), or the script stops with an error. field-lost, drop-taps and
ghost-taps are figures, not checks (tests/e2e/test_taps.py holds the last two at 0).

    python benchmarks/field.py [--taps 15] [--tiny]  # --tiny: 3 taps, 2 warm-ups, 4 offline items,
                                                      # a 6 s drop, moves by the bottom button only,
                                                      # photo-any of the 12 MP photo only
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("AUDIT_CHROMIUM", "/usr/bin/chromium")
ITEM = "hours.hours-consistent"  # a yes/no item that asks for no photo either way
PHOTO_ITEM = "entrance.entrance-photo"  # a photo item: each photo chosen is attached
OFFLINE_SECTION = "service"

RADIO_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>radio</title>
<style>body { font: 16px system-ui, sans-serif; margin: 1rem; }
label { display: flex; align-items: center; gap: .6rem; min-height: 2.75rem; }
input { width: 1.4rem; height: 1.4rem; }</style></head>
<body><p>Часы на входе совпадают с сайтом</p>
<form><label><input type="radio" name="answer" value="yes">Да</label>
<label><input type="radio" name="answer" value="no">Нет</label></form>
<script>
// the same bytes the walk sent, posted once per tap, as plainly as the browser allows
document.querySelector("form").addEventListener("change", () => {
  window.__echo = null;
  if (window.__body) fetch("/bench/post", { method: "POST", body: window.__body,
    headers: { "Content-Type": "application/json" } }).then((r) => r.json())
    .then((j) => { window.__echo = j.sha256; });
});
</script></body></html>"""

# Waits for the next tap and reports (ms from the finger lifting to the painted frame that
# shows `shown()`, ms to the end of the first response of `url` that started after the tap).
MEASURE = """([want, url]) => new Promise((resolve, reject) => {
  // a tap that changed nothing never shows or posts: fail, rather than wait for ever
  setTimeout(() => reject(new Error(`no answer shown or no response of ${url} in 60 s`)), 60000);
  const find = () => {
    for (const root of [document, ...[...document.querySelectorAll('*')].filter((e) => e.shadowRoot)
                                                     .map((e) => e.shadowRoot)]) {
      const found = root.querySelector(want);
      if (found) return found;
    }
    return null;
  };
  const shown = (el) => el && (el.type === 'radio' ? el.checked : el.getAttribute('aria-pressed') === 'true');
  let local = null;
  let synced = null;
  const done = () => { if (local !== null && synced !== null) resolve([local, synced]); };
  addEventListener('touchend', (ev) => {
    const t0 = ev.timeStamp;
    const frame = () => {
      if (!shown(find())) { requestAnimationFrame(frame); return; }
      // a task queued from the frame's callbacks runs once that frame is painted
      setTimeout(() => { local = performance.now() - t0; done(); }, 0);
    };
    requestAnimationFrame(frame);
    const seen = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (synced === null && e.name.endsWith(url) && e.startTime >= t0 && e.responseEnd > 0) {
          synced = e.responseEnd - t0; seen.disconnect(); done();
        }
      }
    });
    seen.observe({ type: 'resource' });
  }, { capture: true, once: true });
})"""


# request bodies the served process got, by where they went (its content-length)
BODIES: dict[str, int] = {}


class CountBodies:
    """ASGI: adds up the declared body of every HTTP request, by route group."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            group = path if path in ("/api/sync", "/api/photo", "/bench/post") else "other"
            length = dict(scope.get("headers") or []).get(b"content-length", b"0")
            BODIES[group] = BODIES.get(group, 0) + int(length or 0)
        await self.app(scope, receive, send)


# A plain POST of n bytes from the plain page: (ms to the response, the hash the server read)
FLOOR_POST = """async (n) => {
  const body = new Uint8Array(n);
  for (let i = 0; i < n; i++) body[i] = (i * 7919) % 251;
  const t0 = performance.now();
  const r = await fetch("/bench/post", { method: "POST", body,
    headers: { "Content-Type": "application/octet-stream" } });
  const j = await r.json();
  return [performance.now() - t0, j.sha256];
}"""


def floor_bytes(n: int) -> bytes:
    return bytes((i * 7919) % 251 for i in range(n))


def read_bodies(url: str) -> dict[str, int]:
    """What the served process has counted, read past the browser (so not counted itself)."""
    import urllib.request

    with urllib.request.urlopen(url + "/bench/bodies", timeout=10) as r:  # noqa: S310
        return dict(json.loads(r.read()))


class PlainPost:
    """ASGI, outermost: /bench/post answered here, before our middleware caps unknown routes'
    bodies at 4 KB; the floor's POST meets no check at all."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/bench/post":
            await self.app(scope, receive, send)
            return
        digest = hashlib.sha256()
        more = True
        while more:
            message = await receive()
            digest.update(message.get("body", b""))
            more = message.get("more_body", False)
        body = json.dumps({"ok": True, "sha256": digest.hexdigest()}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})


def serve(port: int) -> None:
    """The app as `asgi.py` builds it, plus the plain page and the plain POST."""
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route
    from streamlit.starlette import App

    from audit.web.middleware import middleware
    from audit.web.routes import routes

    async def radio(_: Request) -> Response:
        return HTMLResponse(RADIO_PAGE, headers={"Cache-Control": "no-store"})

    async def post(request: Request) -> Response:
        body = await request.body()
        return JSONResponse({"ok": True, "sha256": hashlib.sha256(body).hexdigest()},
                            headers={"Cache-Control": "no-store"})

    async def bodies(_: Request) -> Response:
        return JSONResponse(BODIES, headers={"Cache-Control": "no-store"})

    extra = [Route("/bench/radio", radio), Route("/bench/post", post, methods=["POST"]),
             Route("/bench/bodies", bodies)]
    app = App(str(ROOT / "streamlit_app.py"), routes=routes() + extra,
              middleware=[Middleware(CountBodies), Middleware(PlainPost), *middleware()])
    app.run(config={"server.port": port, "server.address": "127.0.0.1", "server.headless": True})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--taps", type=int, default=15, help="timed taps on each page")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tiny", action="store_true",
                        help="the whole run in seconds: 3 taps, 2 warm-ups, 4 items offline")
    args = parser.parse_args()
    warm_ups, offline_items = 4, None
    drop = {"up": 2.0, "down": 12.0, "after": 4.0}
    controls: tuple[str, ...] = ("bottom-next", "bottom-back", "top-next", "top-prev", "list",
                                 "review-links")
    if args.tiny:
        args.taps, warm_ups, offline_items = 3, 2, 4  # warm-ups even: each tap changes the answer
        drop, controls = {"up": 1.0, "down": 6.0, "after": 2.0}, ("bottom-next",)
    if args.serve:
        serve(args.serve)
        return

    from playwright.sync_api import expect, sync_playwright

    from audit.audits import capture as audits
    from audit.checklist import shipped_dir
    from audit.checklist.templates import add_template
    from audit.core import limits
    from audit.i18n import t
    from audit.model import Location
    from audit.people import accounts
    from audit.store.folder.backend import TinyStore
    from tests.conftest import _free_port
    from tests.e2e.conftest import CPU_SLOWDOWN, FLAGS, PHONE_CONTEXT, SLOW_3G, throttle, wait_healthy
    from tests.e2e.link import Link
    from tests.e2e.photos import heavy_jpeg, phone_jpeg
    from tests.e2e.taps import drop_taps, ghost_moves

    with tempfile.TemporaryDirectory(prefix="field-") as tmp:
        data = Path(tmp) / "data"
        store = TinyStore(data)
        store.put_location(Location(id="loc-a", name="Арбат", region="Москва"))
        add_template(store, (shipped_dir() / "service-point.yaml").read_text(encoding="utf-8"),
                     by="bench")
        sam = accounts.create_user(store, "sam", "shopper", "bench-password", locations=("loc-a",))
        audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="service-point",
                                      mode="mystery", lang="ru").id
        token = accounts.start_session(store, sam)
        checklist = audits.checklist_for(store, store.get_header(audit_id))  # type: ignore[arg-type]

        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], cwd=ROOT,
                                env={**os.environ, "AUDIT_DATA_DIR": str(data)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_healthy(url, proc)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
                ctx.add_cookies([{"name": "audit_session", "value": token, "url": url,
                                  "httpOnly": True, "sameSite": "Lax"}])
                expect.set_options(timeout=120_000)
                walk = ctx.new_page()
                # the walk's wire, counted from its first tap (the Network domain on before the
                # page opens its WebSocket, or that socket's frames are never reported)
                counter = ctx.new_cdp_session(walk)
                counter.send("Network.enable")
                wire = {"ws-sent": 0, "ws-received": 0, "http-received": 0}
                load = {"ws-sent": 0, "ws-received": 0, "http-received": 0}  # the page's own load
                counting = [False]

                def frame(kind: str) -> Any:
                    def count(ev: dict[str, Any]) -> None:
                        r = ev["response"]
                        data = r.get("payloadData", "")
                        (wire if counting[0] else load)[kind] += (
                            len(base64.b64decode(data)) if r.get("opcode") == 2 else len(data.encode()))
                    return count

                def received(ev: dict[str, Any]) -> None:
                    (wire if counting[0] else load)["http-received"] += int(ev.get("encodedDataLength", 0))

                counter.on("Network.webSocketFrameSent", frame("ws-sent"))
                counter.on("Network.webSocketFrameReceived", frame("ws-received"))
                counter.on("Network.loadingFinished", received)
                walk.goto(f"{url}/?id={audit_id}")
                status = walk.locator(".status")
                expect(status).to_have_attribute("data-state", "saved")
                plain = ctx.new_page()
                plain.goto(f"{url}/bench/radio")
                walk_cdp = throttle(ctx, walk)
                throttle(ctx, plain)
                bodies_before = read_bodies(url)
                counting[0] = True

                timings: dict[str, list[float]] = {"walk": [], "walk-sync": [], "plain": [],
                                                   "plain-sync": []}
                sent = [""]  # the body of the walk's last sync: the plain page posts it too

                def tap(page: Any, target: str, url_end: str) -> tuple[float, float]:
                    """Tap `target`; (ms to the painted answer, ms to the response of url_end)."""
                    page.bring_to_front()  # the phone's page in front: a page behind gets input late
                    page.evaluate(f"a => {{ window.__measured = ({MEASURE})(a); }}", [target, url_end])
                    page.locator(target).tap()
                    local, synced = page.evaluate("window.__measured")
                    return float(local), float(synced)

                def tap_walk(i: int) -> None:
                    expect(status).to_have_attribute("data-state", "saved")
                    target = f"[data-key='{ITEM}'] .opts button:nth-child({1 + i % 2})"
                    with walk.expect_request(lambda r: r.url.endswith("/api/sync")
                                             and ITEM in (r.post_data or "")) as request:
                        local, synced = tap(walk, target, "/api/sync")
                    answers = store.get_audit(audit_id).answers  # type: ignore[union-attr]
                    assert answers[ITEM].value is (i % 2 == 0), "the acknowledged tap is not stored"
                    sent[0] = request.value.post_data or ""
                    plain.evaluate("b => { window.__body = b; }", sent[0])
                    timings["walk"].append(local)
                    timings["walk-sync"].append(synced)

                def tap_plain(i: int) -> None:
                    local, synced = tap(plain, f"input[value={'yes' if i % 2 == 0 else 'no'}]", "/bench/post")
                    # the floor's POST carried the same bytes as the walk's, through the same link
                    echo = plain.wait_for_function("() => window.__echo").json_value()
                    assert echo == hashlib.sha256(sent[0].encode()).hexdigest(), "the floor sent other bytes"
                    timings["plain"].append(local)
                    timings["plain-sync"].append(synced)

                for i in range(warm_ups):  # warm up both pages; then every tap changes the answer
                    tap_walk(i)
                    tap_plain(i)
                for v in timings.values():
                    v.clear()
                for i in range(args.taps):
                    if i % 2:
                        tap_walk(i)
                        tap_plain(i)
                    else:
                        tap_plain(i)
                        tap_walk(i)

                # offline round: every item of a section, a comment and a photo tapped without a
                # signal, then online; what the store holds is counted
                walk.locator("select.jump").select_option(OFFLINE_SECTION)
                section = checklist.section(OFFLINE_SECTION)
                assert section is not None
                walk_cdp.send("Network.emulateNetworkConditions", {**SLOW_3G, "offline": True})
                expect(status).to_have_attribute("data-state", "offline")
                wanted: dict[str, Any] = {}
                for item in section.items[:offline_items]:
                    key = f"{section.id}.{item.id}"
                    buttons = walk.locator(f"[data-key='{key}'] .opts button")
                    if item.type == "yes_no":
                        buttons.first.tap()
                        wanted[key] = True
                    elif item.type == "scale":
                        buttons.nth(3).tap()
                        wanted[key] = item.scale_min + 3
                noted = f"{section.id}.{section.items[0].id}"
                walk.locator(f"[data-key='{noted}'] details.extra > summary").tap()
                walk.locator(f"[data-key='{noted}'] textarea").fill("поздоровался не сразу")
                walk.locator(f"[data-key='{noted}'] textarea").blur()
                walk.locator(f"[data-key='{noted}'] input[type=file]:not([capture])").set_input_files(
                    files=[{"name": "desk.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg(seed=3)}])
                # every change and the photo wait on the phone (the section move too); a tap the
                # page did not take never gets there and is counted in field-lost below
                with contextlib.suppress(AssertionError):
                    expect(status).to_have_attribute("data-count", str(len(wanted) + 3),
                                                     timeout=20_000)
                walk_cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                expect(status).to_have_attribute("data-state", "saved", timeout=300_000)
                answers = store.get_audit(audit_id).answers  # type: ignore[union-attr]
                lost = sum(1 for k, v in wanted.items() if k not in answers or answers[k].value != v)
                lost += answers[noted].comment != "поздоровался не сразу"
                lost += len(answers[noted].photos) != 1
                changed = len(wanted) + 2

                # photo-any: each photo from the gallery until the server has stored it,
                # against a plain POST of the send budget's bytes on the same link
                walk.locator("select.jump").select_option(PHOTO_ITEM.split(".")[0])
                gallery = walk.locator(f"[data-key='{PHOTO_ITEM}'] input[type=file]:not([capture])")
                chosen = {"3 MB ≤ 2048 px": heavy_jpeg(seed=21), "12 MP": phone_jpeg(seed=22)}
                if args.tiny:  # the 12 MP one only: the other's 600 KB and its floor's take 25 s
                    del chosen["3 MB ≤ 2048 px"]
                photo_s: dict[str, float] = {}
                sent_kb: dict[str, float] = {}
                floors: list[float] = []
                budget = limits.PHOTO_SEND_MAX_BYTES
                for label, photo in chosen.items():
                    plain.bring_to_front()
                    ms, echo = plain.evaluate(FLOOR_POST, budget)
                    assert echo == hashlib.sha256(floor_bytes(budget)).hexdigest(), "the floor: other bytes"
                    floors.append(ms / 1000)
                    walk.bring_to_front()
                    expect(status).to_have_attribute("data-state", "saved")
                    t0 = time.perf_counter()
                    with walk.expect_response(lambda r: "/api/photo?" in r.url, timeout=300_000) as got:
                        gallery.set_input_files(files=[{"name": "photo.jpg", "mimeType": "image/jpeg",
                                                        "buffer": photo}])
                    photo_s[label] = time.perf_counter() - t0
                    assert got.value.status == 200, got.value.text()
                    stored = store.get_audit(audit_id).photos.get(got.value.json()["sha"])  # type: ignore[union-attr]
                    assert stored is not None, "the photo the server acknowledged is not stored"
                    assert stored.size <= budget, f"{label}: {stored.size} bytes sent"
                    sent_kb[label] = stored.size / 1024
                expect(status).to_have_attribute("data-state", "saved")
                bodies = {k: v - bodies_before.get(k, 0) for k, v in read_bodies(url).items()}

                def phone(at: str, audit: str) -> tuple[Any, Any]:
                    """A fresh phone signed in at `at`, showing `audit` with everything sent."""
                    other = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
                    other.add_cookies([{"name": "audit_session", "value": token, "url": at,
                                        "httpOnly": True, "sameSite": "Lax"}])
                    page = other.new_page()
                    page.goto(f"{at}/?id={audit}")
                    expect(page.locator(".status")).to_have_attribute("data-state", "saved")
                    return other, page

                def new_audit() -> str:
                    return audits.start_audit(store, sam, location_id="loc-a",
                                              template_id="service-point", mode="mystery",
                                              lang="ru").id

                # ghost-taps: every move by every control on a fresh audit; the screen a move
                # opens must look as it did when reached without a touch, the store stay empty
                ghost_audit = new_audit()
                gctx, gpage = phone(url, ghost_audit)
                moves = ghost_moves(gpage, [(s.id, s.title.get("ru")) for s in checklist.sections],
                                    t("walk.review", "ru"), controls=controls)
                expect(gpage.locator(".status")).to_have_attribute("data-state", "saved")
                ghosts = len(moves.changed) + len(store.get_audit(ghost_audit).answers)  # type: ignore[union-attr]
                gctx.close()

                # drop-taps: through a relay that breaks the link; the phone throttled once the
                # page has loaded, as above
                drop_audit = new_audit()
                with Link(port) as link:
                    dctx, dpage = phone(link.url, drop_audit)
                    dpage.locator("select.jump").select_option(OFFLINE_SECTION)
                    throttle(dctx, dpage)
                    keys = [f"{section.id}.{i.id}" for i in section.items
                            if i.type == "yes_no" and i.photo == "none"][:12]
                    sockets: list[Any] = []
                    dpage.on("websocket", lambda ws: sockets.append(ws))
                    opened = [0]

                    def restore() -> None:
                        opened[0] = len(sockets)
                        link.restore()

                    taps = drop_taps(dpage, keys, ("Да", "Нет"), cut=link.cut, restore=restore,
                                     reconnected=lambda: len(sockets) > opened[0]
                                     and not sockets[-1].is_closed(), **drop)
                    expect(dpage.locator(".status")).to_have_attribute("data-state", "saved",
                                                                      timeout=300_000)
                    kept = store.get_audit(drop_audit).answers  # type: ignore[union-attr]
                    unsaved = sum(1 for k, label in taps.last.items()
                                  if k not in kept or kept[k].value is not (label == "Да"))
                    dead = len(taps.dead) + unsaved
                    dctx.close()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    floor_s = statistics.median(floors)
    routes_bytes = bodies.get("/api/sync", 0) + bodies.get("/api/photo", 0)
    http_sent = routes_bytes + bodies.get("other", 0)
    on_wire = wire["ws-sent"] + wire["ws-received"] + wire["http-received"] + http_sent
    med = {k: statistics.median(v) for k, v in timings.items()}
    spread = {k: f"{min(v):.0f}–{max(v):.0f}" for k, v in timings.items()}
    print(f"  {args.taps} taps each; slow 3G {SLOW_3G['latency']} ms, "
          f"{SLOW_3G['downloadThroughput'] // 1024} KB/s, CPU ×{CPU_SLOWDOWN}; ranges (ms): "
          + json.dumps(spread, ensure_ascii=False), file=sys.stderr)
    print(f"  the walk page's own load, not counted in walk-bytes: WebSocket "
          f"{load['ws-received'] / 1024:.0f} KB in + {load['ws-sent'] / 1024:.0f} KB out, "
          f"HTTP {load['http-received'] / 1024:.0f} KB in", file=sys.stderr)
    print(f"tap-sync: ratio={med['walk-sync'] / med['plain-sync']:.2f} "
          f"({med['walk-sync']:.0f} ms vs floor {med['plain-sync']:.0f} ms)")
    print(f"field-lost: {lost} of {changed}")
    print(f"drop-taps: {dead} dead of {len(taps.made)}")
    print(f"ghost-taps: {ghosts} of {moves.total}")
    print("photo-any: ratio={:.2f} ({}; floor: {} KB POST {:.1f} s)".format(
        max(photo_s.values()) / floor_s,
        ", ".join(f"{k}: {v:.1f} s, {sent_kb[k]:.0f} KB sent" for k, v in photo_s.items()),
        limits.PHOTO_SEND_MAX_BYTES // 1024, floor_s))
    print(f"walk-bytes: ratio={on_wire / routes_bytes:.2f} ({on_wire / 1024:.0f} KB on the wire: "
          f"WebSocket {wire['ws-received'] / 1024:.0f} KB in + {wire['ws-sent'] / 1024:.0f} KB out, "
          f"HTTP {wire['http-received'] / 1024:.0f} KB in + {http_sent / 1024:.0f} KB out; "
          f"vs {routes_bytes / 1024:.0f} KB of answers and photos sent to the routes)")
    print(f"field: ratio={med['walk'] / med['plain']:.2f} "
          f"({med['walk']:.1f} ms vs floor {med['plain']:.1f} ms)")


if __name__ == "__main__":
    main()
