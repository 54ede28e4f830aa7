"""The real app in a real headless Chromium at a phone's size, with touch."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from audit import audits
from audit.store import Store
from tests.conftest import IN_CI, _free_port, make_store, populate

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("AUDIT_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module", params=["tinydb", "postgres"])
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """The app served on each backend: a data folder, or a database holding photos too."""
    folder = tmp_path_factory.mktemp("e2e")
    store = make_store(request.param, folder, request)
    populate(store)
    port = _free_port()
    env = {**os.environ, "AUDIT_DATA_DIR": str(folder / "data")}
    env.pop("AUDIT_DATABASE_URL", None)
    if request.param == "postgres":
        env["AUDIT_DATABASE_URL"] = store.url  # type: ignore[attr-defined]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
         "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, store
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    """Poll the health endpoint until the server answers (bounded by attempts, not a sleep)."""
    for _ in range(300):
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"streamlit exited: {out}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)  # polling interval while the server boots, not a timing assumption
    raise AssertionError("streamlit did not become healthy")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists()
                              else shutil.which("chromium"), args=FLAGS)
        yield b
        b.close()


def jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (1200, 900), (90, 140, 200))
    img.paste((230, 230, 40), (100, 100, 600, 500))
    img.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    main = page.evaluate("document.querySelector('[data-testid=stMain]').scrollWidth")
    assert main <= PHONE["width"]


def snap(page, folder: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(folder / f"{name}.png"))
    no_sideways_scroll(page)


def box(key: str) -> str:
    """The CSS class Streamlit gives a keyed element ("entrance.dry" → st-key-entrance-dry)."""
    return ".st-key-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def option(page, key: str, label: str):  # type: ignore[no-untyped-def]
    """The tap target of one option of a segmented control or pills widget."""
    return page.locator(box(key)).locator("button", has_text=re.compile(f"^{re.escape(label)}$"))


def test_phone__sign_in_tap_a_section_photo_reload_submit(server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # a shared, loaded machine: generous, never a sleep
    url, store = server
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                              locale="en-US")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password", exact=True).fill("secret-pass")
    snap(page, tmp_path, "01-sign-in")
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_text("My drafts")).to_be_visible()
    snap(page, tmp_path, "02-audits")

    page.goto(url + "/start")
    start = page.get_by_role("button", name="Start audit")
    expect(start).to_be_visible()
    snap(page, tmp_path, "03-start")
    start.tap()
    expect(page.get_by_text("0 of 11 answered")).to_be_visible()
    audit_id = re.search(r"id=([\w-]+)", page.url).group(1)  # type: ignore[union-attr]
    snap(page, tmp_path, "04-walk")

    # answer the whole first section by tapping
    option(page, "entrance.dry", "No").tap()
    expect(page.get_by_text("1 of 11 answered")).to_be_visible()
    option(page, "entrance.clean", "4").tap()
    expect(page.get_by_text("2 of 11 answered")).to_be_visible()
    option(page, "entrance.door", "Open").tap()
    expect(page.get_by_text("3 of 11 answered")).to_be_visible()
    a = store.get_audit(audit_id)
    assert a is not None
    assert (a.answers["entrance.dry"].value, a.answers["entrance.clean"].value,
            a.answers["entrance.door"].value) == (False, 4, "open")

    # a "no" on the entrance asks for its photo; the uploader opens the camera on phones
    expect(page.get_by_text("A photo is needed here.")).to_be_visible()
    page.locator(box("entrance.dry.photos")).locator("input[type=file]").set_input_files(
        files=[{"name": "puddle.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}])
    expect(page.locator(box("box.entrance.dry")).get_by_text("Photos (1) and comment")).to_be_visible()
    expect(page.locator(box("box.entrance.dry")).locator("img").first).to_be_visible()
    snap(page, tmp_path, "05-section-answered")
    a = store.get_audit(audit_id)
    assert a is not None and len(a.answers["entrance.dry"].photos) == 1

    # on to the next section; the phone sleeps, the page reloads: still signed in, the same
    # audit and section, and going back shows every answer in place
    page.locator(box("nav.next")).tap()
    expect(page.get_by_role("heading", name="Waiting")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Waiting")).to_be_visible()
    expect(page.get_by_text("3 of 11 answered")).to_be_visible()
    snap(page, tmp_path, "06a-reloaded-same-section")
    page.locator(box("nav.back")).tap()
    expect(page.get_by_role("heading", name="Entrance")).to_be_visible()
    for key, label in [("entrance.dry", "No"), ("entrance.clean", "4"), ("entrance.door", "Open")]:
        expect(option(page, key, label)).to_have_attribute("aria-checked", "true")
    expect(page.locator(box("box.entrance.dry")).locator("img").first).to_be_visible()
    snap(page, tmp_path, "06-after-reload")

    # the rest is answered elsewhere (another tab); then review and submit on the phone
    sam = store.get_user("sam")
    assert sam is not None
    for key, value in [("waiting.comforts", ["water"]), ("waiting.wait", {"minutes": 4}),
                       ("office.hours", {"mon": ["09:00", "20:00"]}),
                       ("office.site", {"text": "ok", "flagged": [], "typos": []}),
                       ("office.guard", True)]:
        audits.answer(store, sam, audit_id, key, value=value)
    audits.answer(store, sam, audit_id, "office.facade", add_photo=a.answers["entrance.dry"].photos[0])
    page.goto(f"{url}/?id={audit_id}&s=review")
    submit = page.get_by_role("button", name="Submit audit")
    expect(submit).to_be_visible()
    snap(page, tmp_path, "07-review")
    submit.tap()
    expect(page.get_by_text("Read-only")).to_be_visible()
    expect(page.get_by_text("Overall score")).to_be_visible()
    snap(page, tmp_path, "08-submitted")
    header = store.get_header(audit_id)
    assert header is not None and header.status == "submitted"
    ctx.close()
