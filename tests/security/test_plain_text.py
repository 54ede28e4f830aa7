"""Names, addresses and checklist texts HQ types are shown as text: no Markdown, no outside images."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit.people import accounts
from audit.store.folder.backend import TinyStore
from tests.conftest import _free_port, populate
from tests.e2e.conftest import PHONE, browser, option, playwright  # noqa: F401  (fixtures)
from tests.e2e.conftest import wait_healthy as _wait_healthy

ROOT = Path(__file__).resolve().parents[2]
TRACKER = "127.0.0.1:9"  # the discard port: nothing answers, but a request would be seen
NAME = f"Арбат **жирный** ![p](http://{TRACKER}/name.png) :red[красный] $x^2$"
REGION = f"[клик](http://{TRACKER}/region) _курсив_"
ADDRESS = f"<img src=http://{TRACKER}/address.png> # улица"
PERSON = f"Иван ![i](http://{TRACKER}/person.png) :material/warning: `код` :smile:"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TinyStore, str]]:
    data = tmp_path_factory.mktemp("plain") / "data"
    store = TinyStore(data)
    people = populate(store)
    loc = store.get_location("loc-a")
    assert loc is not None
    store.put_location(dataclasses.replace(loc, name=NAME, region=REGION, address=ADDRESS))
    accounts.update_user(store, "boss", display_name=PERSON)
    token = accounts.start_session(store, people["hq"])
    port = _free_port()
    env = {**os.environ, "AUDIT_DATA_DIR": str(data)}
    env.pop("AUDIT_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "asgi.py"),
         "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, store, token
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.e2e
def test_hq_pages__hostile_names_read_literally_and_fetch_nothing(
        hostile: tuple[str, TinyStore, str], browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    url, store, token = hostile
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                              locale="ru-RU")
    ctx.add_cookies([{"name": "audit_session", "value": token, "url": url}])
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))

    def shown() -> str:  # what a person reads (the word joiners esc adds are invisible)
        return page.inner_text("body").replace("\u2060", "")

    def appears(*starts: str) -> None:  # poll until each is drawn (the page runs in steps)
        for start in starts:
            expect(page.get_by_text(start).first).to_be_visible()

    page.goto(url + "/location")
    appears("Арбат **жирный**", "[клик]")
    assert NAME in shown() and REGION in shown()
    page.screenshot(path=str(tmp_path / "locations.png"))
    page.goto(url + "/location?id=loc-a")
    expect(page.get_by_role("heading", name="Арбат **жирный**")).to_be_visible()
    appears("<img src")
    assert NAME in shown() and ADDRESS in shown()
    page.screenshot(path=str(tmp_path / "location.png"))
    page.goto(url + "/admin")
    appears("Иван ![i]")
    assert PERSON in shown()
    page.screenshot(path=str(tmp_path / "admin.png"))
    option(page, "admin.part", "Точки").tap()
    appears("Арбат **жирный**")
    assert NAME in shown()
    page.screenshot(path=str(tmp_path / "admin-locations.png"))

    assert not [u for u in fetched if TRACKER in u]
    assert page.locator(f"img[src*='{TRACKER}']").count() == 0
    assert page.locator(f"a[href*='{TRACKER}']").count() == 0
    assert store.get_location("loc-a").name == NAME  # type: ignore[union-attr]
