"""HTTP hygiene through the ASGI entry: security headers, nothing fetched from other sites,
people's files only for a live session (issue items 4 and 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from audit import workflow
from audit.audits import capture as audits
from audit.audits import evidence
from audit.people import accounts
from audit.store.folder.backend import TinyStore
from tests.conftest import answer_mini
from tests.e2e.conftest import PHONE_CONTEXT, sign_in, snap
from tests.e2e.photos import phone_jpeg

pytestmark = pytest.mark.e2e

VIOLATIONS = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


def test_headers__every_response_says_no_framing_no_referrer_one_origin(
        server: tuple[str, TinyStore]) -> None:
    url, _ = server
    for path in ("/", "/_stcore/health", "/api/sync"):
        r = httpx.get(url + path)
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/media/0123456789abcdef.jpg"),
    ("PUT", "/_stcore/upload_file/some-session/some-file"),
])
def test_files__refused_without_a_session__nothing_kept(server: tuple[str, TinyStore],
                                                        method: str, path: str) -> None:
    url, _ = server
    big = b"\0" * 2_000_000
    r = httpx.request(method, url + path, content=big if method == "PUT" else None,
                      cookies={"audit_session": "not-a-session"})
    assert r.status_code == 403 and "Sign in" in r.text


def test_photo_link__works_while_signed_in__dead_after_sign_out__page_fetches_no_other_site(
        server: tuple[str, TinyStore], browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # a shared, loaded machine: generous, never a sleep
    url, store = server
    sam = store.get_user("sam")
    assert sam is not None
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="ru").id
    answer_mini(store, sam, audit_id)
    added = evidence.add_photo(store, sam, audit_id, "office.facade", phone_jpeg())
    workflow.submit(store, sam, audit_id)

    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    ctx.add_init_script(VIOLATIONS)
    page = ctx.new_page()
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc) if r.url.startswith("http") else None)
    sign_in(page, url, "boss")
    page.goto(f"{url}/?id={audit_id}&photo={added.ref.sha256}")
    img = page.locator("img[src*='/media/']").first
    expect(img).to_be_visible()
    link = url + urlsplit(img.get_attribute("src") or "").path
    cookie = {c["name"]: c["value"] for c in ctx.cookies()}["audit_session"]
    assert httpx.get(link, cookies={"audit_session": cookie}).status_code == 200
    snap(page, tmp_path, "photo")
    assert page.evaluate("window.__csp") == []  # the app runs whole under its policy
    assert hosts == {urlsplit(url).netloc}  # no font CDN, no emoji icon site

    accounts.end_session(store, cookie)  # signed out (or disabled by HQ): the link is dead
    gone = httpx.get(link, cookies={"audit_session": cookie})
    assert gone.status_code == 403
    ctx.close()
