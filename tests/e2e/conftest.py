"""The real app (the ASGI entry) and a real headless Chromium at a phone's size, with touch."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from audit.store.folder.backend import TinyStore
from tests.conftest import IN_CI, _free_port, populate

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("AUDIT_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE_CONTEXT: dict[str, Any] = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True,
                                 "has_touch": True}
# DevTools' "slow 3G": 400 ms latency, 50 KB/s each way; with the phone's CPU four times slower
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 50 * 1024,
           "uploadThroughput": 50 * 1024}
CPU_SLOWDOWN = 4
# every layout shift of the page (installed before it loads); the sum of those since `t` that
# came without the shopper's own input, as the cumulative layout shift counts them
SHIFTS = """window.__shifts = [];
new PerformanceObserver((l) => { window.__shifts.push(...l.getEntries()); })
  .observe({ type: 'layout-shift', buffered: true });"""
CLS_SINCE = """(t) => window.__shifts.filter((e) => e.startTime >= t && !e.hadRecentInput)
  .reduce((sum, e) => sum + e.value, 0)"""


def start_server(data: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """`streamlit run asgi.py`, the README's app command, on a free port."""
    port = _free_port()
    env = {**os.environ, "AUDIT_DATA_DIR": str(data)}
    env.pop("AUDIT_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "asgi.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc)
    return url, proc


def wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    """Poll the health endpoint until the server answers (bounded by attempts, not a sleep)."""
    for _ in range(300):
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"the app exited: {out}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)  # polling interval while the server boots, not a timing assumption
    raise AssertionError("the app did not become healthy")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TinyStore]]:
    data = tmp_path_factory.mktemp("e2e") / "data"
    store = TinyStore(data)
    populate(store)
    url, proc = start_server(data)
    try:
        yield url, store
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def chromium_path() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    found = shutil.which("chromium")
    if found is None:
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    chromium_path()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a shared, loaded machine: generous, never a sleep
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    b = playwright.chromium.launch(executable_path=chromium_path(), args=FLAGS)
    yield b
    b.close()


def throttle(context: Any, page: Any) -> Any:
    """The page on a slow phone (SLOW_3G, CPU_SLOWDOWN); the DevTools session, to change it."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return cdp


def wait_for(check: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    """Poll `check` until it returns something true, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)  # polling interval, not a timing assumption
    raise AssertionError(f"timed out waiting for {what}")


def sign_in(page: Any, url: str, name: str, *, lang: str = "ru") -> None:
    """Sign in through the form (the sign-in page, /signin, where the app's address sends a
    signed-out browser) and wait until the home is drawn and the browser holds the HttpOnly
    session cookie (set by the form's answer)."""
    from playwright.sync_api import expect

    labels = {"ru": ("Имя пользователя", "Пароль", "Войти", "Мои черновики"),
              "en": ("User name", "Password", "Sign in", "My drafts")}[lang]
    page.goto(url)
    page.get_by_label(labels[0]).fill(name)
    page.get_by_label(labels[1], exact=True).fill("secret-pass")
    page.get_by_role("button", name=labels[2]).tap()
    expect(page.get_by_text(labels[3])).to_be_visible()
    wait_for_session_cookie(page.context)


def wait_for_session_cookie(context: Any) -> None:
    """Until the page has handed the session to the HttpOnly cookie: a new page load, an upload
    or a photo link is signed in only from then on."""
    wait_for(lambda: any(c["name"] == "audit_session" for c in context.cookies()),
             "the session cookie")


def card(page: Any, key: str) -> Any:
    """An item of the walk (inside the element's shadow root; locators reach in)."""
    return page.locator(f"[data-key='{key}']")


def tap_option(page: Any, key: str, label: str) -> None:
    card(page, key).get_by_role("button", name=re.compile(f"^{re.escape(label)}$")).tap()


def box(key: str) -> str:
    """The CSS class Streamlit gives a keyed element ("act.start" → .st-key-act-start)."""
    return ".st-key-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def option(page: Any, key: str, label: str) -> Any:
    """The tap target of one option of a keyed segmented control or pills widget (not the walk)."""
    return page.locator(box(key)).locator("button", has_text=re.compile(f"^{re.escape(label)}$"))


def jpeg_bytes() -> bytes:
    """A 1200×900 JPEG with a shape in it."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    img = Image.new("RGB", (1200, 900), (90, 140, 200))
    img.paste((230, 230, 40), (100, 100, 600, 500))
    img.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def status(page: Any) -> Any:
    return page.locator(".status")


def snap(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"))
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
