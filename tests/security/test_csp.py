"""The Content-Security-Policy without 'unsafe-eval', its WebSocket to the page's host only,
and HQ's dashboard charts (Vega) drawn in the real Chromium under it with no violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from audit.i18n import t
from audit.ops import demo
from audit.store.folder.backend import TinyStore
from tests.e2e.conftest import start_server, wait_for_session_cookie

pytestmark = pytest.mark.e2e

VIOLATIONS = """window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
  e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));"""
CHART = "[data-testid=stVegaLiteChart]"
TABS = ("ui.tab_heatmap", "ui.tab_trends", "ui.tab_items", "ui.tab_gap")


def both(key: str) -> re.Pattern[str]:
    """A label in either language, whole."""
    return re.compile(f"^\\s*({re.escape(t(key, 'en'))}|{re.escape(t(key, 'ru'))})\\s*$")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("csp") / "data"
    demo.generate(TinyStore(data), audits=120, photos=False)
    url, proc = start_server(data)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_policy__no_eval__websocket_to_this_host_only(demo_server: str) -> None:
    host = demo_server.split("//", 1)[1]
    csp = httpx.get(demo_server + "/").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "'unsafe-eval'" not in csp
    assert directives["connect-src"].split() == ["'self'", f"ws://{host}", f"wss://{host}"]
    # a Host header that is not a host name gets no WebSocket source at all
    odd = httpx.get(demo_server + "/_stcore/health", headers={"Host": "x' 'unsafe-eval"})
    assert re.search(r"connect-src 'self';", odd.headers["content-security-policy"])


def test_dashboard__charts_drawn__no_policy_violation(demo_server: str, browser: Any,
                                                      tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(VIOLATIONS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(demo_server)
    page.get_by_label(both("ui.user_name")).fill("hq")
    page.get_by_label(both("ui.password")).fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name=both("ui.sign_in")).click()
    # the page hands the session to its cookie and runs again: what is clicked before that
    # may be drawn anew under the finger
    wait_for_session_cookie(page.context)
    page.get_by_role("link", name=both("nav.dashboard")).click()
    drawn = page.locator(f"{CHART} canvas, {CHART} svg.marks")
    for shown, key in enumerate(TABS, 1):  # a tab's chart is drawn once the tab is shown
        page.get_by_role("tab", name=both(key)).click()
        expect(drawn).to_have_count(shown)
    page.screenshot(path=str(tmp_path / "dashboard.png"))
    assert page.evaluate("window.__csp") == []
    assert not [e for e in errors if "Content Security Policy" in e or "unsafe-eval" in e], errors
    page.close()
