"""Two app processes behind one address, on one PostgreSQL: one person on each sees the other's
writes. The replicas share nothing but the database (each has its own empty data folder)."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit.audits import capture as audits
from audit.store import Store
from tests.conftest import _free_port, answer_mini, make_store, photograph, populate
from tests.e2e.conftest import CHROMIUM, FLAGS, PHONE, box, wait_for_session_cookie
from tests.e2e.conftest import wait_healthy as _wait_healthy

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
COOKIE = b"audit_backend"


class StickyProxy:
    """One address for several backends. A page load without the cookie is sent to the next
    backend in turn and the answer sets the cookie; every later request (the page's WebSocket
    too) follows its cookie. Bytes pass through untouched otherwise."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.port = _free_port()
        self.turn = itertools.count()
        self.streams: list[int] = []  # backend of each WebSocket stream opened
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> StickyProxy:
        self.thread.start()
        assert self.ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port))
        self.ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        found = re.search(rb"(?im)^cookie:.*?" + COOKIE + rb"=(\d+)", head)
        page = re.search(rb"(?im)^sec-fetch-dest: document", head) is not None
        backend = int(found.group(1)) if found else (next(self.turn) % len(self.backends)
                                                     if page else 0)
        if b"/_stcore/stream" in head.split(b"\r\n", 1)[0]:
            self.streams.append(backend)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.backends[backend])
        up_writer.write(head)
        if page and not found:
            answer = await up_reader.readuntil(b"\r\n\r\n")
            status, rest = answer.split(b"\r\n", 1)
            writer.write(status + b"\r\nSet-Cookie: " + COOKIE + b"=%d; Path=/\r\n" % backend + rest)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except ConnectionError:
            pass
        finally:
            dst.close()


@pytest.fixture
def replicas(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, Store, StickyProxy]]:
    store = make_store("postgres", tmp_path, request)
    populate(store)
    procs, ports = [], []
    for n in range(2):
        port = _free_port()
        env = {**os.environ, "AUDIT_DATABASE_URL": store.url,  # type: ignore[attr-defined]
               "AUDIT_DATA_DIR": str(tmp_path / f"replica{n}")}
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "asgi.py"),
             "--server.port", str(port), "--server.headless", "true",
             "--server.address", "127.0.0.1"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT))
        ports.append(port)
    try:
        for port, proc in zip(ports, procs, strict=True):
            _wait_healthy(f"http://127.0.0.1:{port}", proc)
        with StickyProxy(ports) as proxy:
            yield f"http://127.0.0.1:{proxy.port}", store, proxy
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)


def test_two_replicas_one_database__each_person_sees_the_others_writes(replicas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    url, store, proxy = replicas
    sam = store.get_user("sam")
    assert sam is not None
    draft = audits.start_audit(store, sam, location_id="loc-a", template_id="mini", mode="mystery",
                               lang="en").id
    answer_mini(store, sam, draft)
    photograph(store, sam, draft, "office.facade")

    def signed_in(browser, name: str):  # type: ignore[no-untyped-def]
        ctx = browser.new_context(viewport=PHONE, locale="en-US")
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        page.goto(url)
        page.get_by_label("User name").fill(name)
        page.get_by_label("Password", exact=True).fill("secret-pass")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("My drafts")).to_be_visible()
        # the next page loads are signed in once the page has handed over the HttpOnly cookie
        wait_for_session_cookie(ctx)
        return ctx, page

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        shopper_ctx, shopper = signed_in(browser, "sam")  # the first page load: replica 0
        boss_ctx, boss = signed_in(browser, "boss")  # the second: replica 1
        assert [c["value"] for c in shopper_ctx.cookies() if c["name"] == "audit_backend"] == ["0"]
        assert [c["value"] for c in boss_ctx.cookies() if c["name"] == "audit_backend"] == ["1"]

        # the shopper changes an answer and submits on replica 0 ...
        shopper.goto(f"{url}/?id={draft}&s=entrance")
        heavy = shopper.locator("[data-key='entrance.door']").get_by_role("button", name="Heavy")
        heavy.click()  # a desktop-sized page without touch: a click
        expect(heavy).to_have_attribute("aria-pressed", "true")
        expect(shopper.locator(".status")).to_have_attribute("data-state", "saved")  # on the server
        shopper.goto(f"{url}/?id={draft}&s=review")
        shopper.get_by_role("button", name="Submit audit").click()
        expect(shopper.get_by_text("Read-only")).to_be_visible()

        # ... HQ on replica 1 sees it submitted, with that answer, and reopens it ...
        boss.goto(f"{url}/?id={draft}")
        expect(boss.get_by_text("Overall score")).to_be_visible()
        boss.get_by_text("Entrance ·").click()
        expect(boss.get_by_text("“Heavy” scores 0.5")).to_be_visible()  # its finding
        boss.get_by_role("button", name="Reopen").first.click()
        boss.get_by_label("Why reopen").fill("wrong branch photo")
        boss.get_by_label("Why reopen").press("Enter")  # the reason reaches the server
        go = boss.locator(box("reopen.go")).get_by_role("button")
        expect(go).to_be_enabled()
        go.click()
        expect(boss.get_by_text("Read-only")).not_to_be_visible()

        # ... and the shopper on replica 0 finds it open again
        shopper.reload()
        expect(shopper.get_by_text(re.compile(r"\d+ of 11 answered"))).to_be_visible()
        assert sorted(set(proxy.streams)) == [0, 1]  # each replica served a person
        header = store.get_header(draft)
        assert header is not None and header.status == "draft"
        assert header.events[-1]["reason"] == "wrong branch photo"
        browser.close()
