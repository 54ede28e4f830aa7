"""The walk as a shopper meets it in Chromium at 390×844: sign-in to submit, and how it behaves."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audit.audits import capture as audits
from audit.store import Store
from tests.conftest import IN_CI, _free_port, make_store, populate
from tests.e2e.conftest import (
    CLS_SINCE,
    PHONE,
    PHONE_CONTEXT,
    ROOT,
    SHIFTS,
    card,
    sign_in,
    snap,
    status,
    tap_option,
    wait_healthy,
)
from tests.e2e.photos import phone_jpeg

pytestmark = pytest.mark.e2e

AXE_DIR = Path(os.environ.get("AUDIT_AXE_DIR", Path.home() / ".cache" / "audit-tests" / "axe"))
# every tap target on screen: the walk's own (inside its shadow root) and the page's
TARGETS = """() => {
  const hosts = [...document.querySelectorAll('*')].filter((e) => e.shadowRoot);
  const roots = [document, ...hosts.map((e) => e.shadowRoot)];
  const tappable = 'button, select, summary, a[href], label.pick, input[type=checkbox]';
  const out = [];
  for (const r of roots) for (const e of r.querySelectorAll(tappable)) {
    const b = (e.closest('label.check') || e).getBoundingClientRect();
    if (b.width < 2 || b.height < 2 || b.bottom < 0 || b.top > innerHeight) continue;
    if (b.right <= 0 || b.left >= innerWidth) continue;
    if (getComputedStyle(e).visibility === 'hidden') continue;
    const name = (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 30);
    out.push([e.tagName + ' ' + name, b.width, b.height]);
  }
  return out; }"""
SETTLED = """() => {
  if (document.querySelector('[data-stale="true"]')) return false;
  const hosts = [...document.querySelectorAll('*')].filter((e) => e.shadowRoot);
  return hosts.every((h) => [...h.shadowRoot.querySelectorAll('button')].every(
    (b) => b.hidden || (b.getAttribute('aria-label') || b.textContent).trim())); }"""
SCROLLED = """() => { let t = document.scrollingElement.scrollTop;
  for (const e of document.querySelectorAll('*')) if (e.scrollTop > t) t = e.scrollTop; return t; }"""


@pytest.fixture(scope="module", params=["tinydb", "postgres"])
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """The app (the README's command) on each backend: a data folder, or a database holding
    photos too."""
    folder = tmp_path_factory.mktemp("e2e")
    store = make_store(request.param, folder, request)
    populate(store)
    port = _free_port()
    env = {**os.environ, "AUDIT_DATA_DIR": str(folder / "data")}
    env.pop("AUDIT_DATABASE_URL", None)
    if request.param == "postgres":
        env["AUDIT_DATABASE_URL"] = store.url  # type: ignore[attr-defined]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "asgi.py"),
         "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, store
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def axe_source() -> str:
    """axe-core from npm, installed into a cache folder on first use (never from a CDN)."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            if IN_CI:
                pytest.fail("npm is missing (Node 20 and npm are needed for axe-core)")
            pytest.skip("npm is missing")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(AXE_DIR), "--no-save", "--no-audit", "--no-fund",
                        "axe-core@4"], check=True, capture_output=True, timeout=300)
    return script.read_text(encoding="utf-8")


def serious(page: Any) -> list[str]:
    # on the screen as it settles: while a script run is under way Streamlit fades what it may
    # replace (data-stale), and an element's words are set by its script a moment after it
    # mounts; axe would judge a passing fade, or a button whose name is on its way
    page.wait_for_function(SETTLED)
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                          ".map((v) => [v.id, v.impact, v.nodes.length, v.nodes[0].target])")
    detail = page.evaluate("async () => (await axe.run(document)).violations"
                           ".filter(v => v.impact === 'serious')"
                           ".map(v => v.nodes.map(n => n.html + ' :: ' + n.failureSummary))")
    return [f"{v[0]} ({v[1]}, {v[2]}×, {json.dumps(v[3])}) {detail}" for v in found
            if v[1] in ("critical", "serious")]


def test_phone__whole_walk_feels_native(server: tuple[str, Store], browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, store = server
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    page.add_init_script(SHIFTS)
    sign_in(page, url, "sam")
    snap(page, tmp_path, "01-audits")
    page.goto(url + "/start")
    page.get_by_role("button", name="Начать аудит").tap()
    expect(status(page)).to_have_attribute("data-state", "saved")
    audit_id = re.search(r"id=([\w-]+)", page.url).group(1)  # type: ignore[union-attr]
    walk_started = page.evaluate("performance.now()")
    snap(page, tmp_path, "02-walk")
    assert not serious(page), serious(page)

    # every tap target on the walk is at least 44×44
    small = [t for t in page.evaluate(TARGETS) if t[1] < 44 or t[2] < 44]
    assert not small, small

    tap_option(page, "entrance.dry", "Нет")
    tap_option(page, "entrance.clean", "4")
    tap_option(page, "entrance.door", "Открыта")
    card(page, "entrance.dry").locator("input[type=file]:not([capture])").set_input_files(
        files=[{"name": "puddle.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg(seed=7)}])
    expect(card(page, "entrance.dry").locator(".thumb img")).to_be_visible()
    expect(status(page)).to_have_attribute("data-state", "saved", timeout=60_000)

    # the photo viewer: a big close button, and it never opens again by itself
    card(page, "entrance.dry").locator(".thumb").first.tap()
    close = page.get_by_role("button", name=re.compile("Закрыть"))
    box = close.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    snap(page, tmp_path, "03-photo")
    assert not serious(page), serious(page)
    close.tap()
    expect(page.locator(".viewer")).to_be_hidden()
    tap_option(page, "entrance.clean", "5")
    expect(page.locator(".viewer")).to_be_hidden()

    # each section opens at its top; the stopwatch ticks on the phone
    page.evaluate("window.scrollTo(0, 10000)")
    for name in ["Ожидание", "Офис"]:
        page.locator(".bottom button.primary").tap()
        expect(page.get_by_role("heading", name=name)).to_be_visible()
        assert page.evaluate(SCROLLED) == 0
        if name == "Ожидание":
            tap_option(page, "waiting.comforts", "Вода")
            card(page, "waiting.wait").get_by_role("button", name=re.compile("Начал ждать")).tap()
            live = card(page, "waiting.wait").locator(".live")
            first = live.inner_text()
            expect(live).not_to_have_text(first, timeout=5000)  # it ticks
            card(page, "waiting.wait").get_by_role("button", name=re.compile("Обслужили")).tap()
            expect(card(page, "waiting.wait").locator(".live")).to_contain_text("Ожидание")
        page.evaluate("window.scrollTo(0, 10000)")
    tap_option(page, "office.guard", "Да")

    # review: a missing item opens that item; back to the review from the top bar, then to a
    # section from the list; submit waits until the phone has sent everything
    page.locator(".bottom button.primary").tap()
    submit = page.get_by_role("button", name=re.compile("Отправить аудит"))
    expect(submit).to_be_visible()
    snap(page, tmp_path, "04-review")
    assert not serious(page), serious(page)
    page.get_by_role("button", name=re.compile("Фото: Офис › Фото фасада")).tap()
    expect(page.locator(".card.focus[data-key='office.facade']")).to_be_visible()
    expect(submit).to_have_count(0)
    page.locator(".nav .next").tap()
    expect(submit).to_be_visible()
    page.locator("select.jump").select_option("entrance")
    expect(card(page, "entrance.dry")).to_be_visible()
    expect(submit).to_have_count(0)

    # nothing moved under the thumb over the whole walk, the review and back
    shift = page.evaluate(CLS_SINCE, walk_started)
    print(f"cumulative layout shift over the walk and its review transitions: {shift:.4f}")
    assert shift < 0.1

    # the phone's Back from the walk: the audits list, never a new-audit form
    page.go_back()
    drafts = page.get_by_role("heading", name="Мои черновики")
    try:
        expect(drafts).to_be_visible(timeout=10_000)
    except AssertionError:  # a section link the walk followed can leave a history entry of its own
        page.go_back()
        expect(drafts).to_be_visible()
    expect(page.get_by_role("button", name="Начать аудит")).to_have_count(0)
    sam = store.get_user("sam")
    assert sam is not None
    for key, value in [("office.hours", {"mon": ["09:00", "20:00"]}),
                       ("office.site", {"text": "ok", "flagged": [], "typos": []})]:
        audits.answer(store, sam, audit_id, key, value=value)
    photo = store.get_audit(audit_id).answers["entrance.dry"].photos[0]
    audits.answer(store, sam, audit_id, "office.facade", add_photo=photo)

    page.goto(f"{url}/?id={audit_id}&s=review")
    submit = page.get_by_role("button", name=re.compile("Отправить аудит"))
    expect(submit).to_be_enabled()
    submit.tap()
    expect(page.get_by_text("Только чтение", exact=False)).to_be_visible()
    snap(page, tmp_path, "05-submitted")
    header = store.get_header(audit_id)
    assert header is not None and header.status == "submitted"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    ctx.close()


# Every report the walk makes to Python (its view, a trigger in older builds) is followed, in the
# same tick and then every few milliseconds for a second, by another state report: each one a
# rerun request that stops the script run under way at its next yield, as the review's
# "pending" report does on a busy server.
RERUN_STORM = """() => {
  const hosts = [...document.querySelectorAll('*')].filter((e) => e.shadowRoot);
  const nodes = [...document.querySelectorAll('*'),
                 ...hosts.flatMap((e) => [e.shadowRoot, ...e.shadowRoot.querySelectorAll('*')])];
  const walk = nodes.find((e) => e.__walk).__walk;
  if (walk.storming) return;
  walk.storming = true;
  let api = walk.api;  // each mount hands the walk its api again: the wrapper stays around it
  const audit = walk.data.audit;
  const storm = () => {
    let i = 0;
    const one = () => api.setStateValue('pending', { audit, count: 0, answers: 0, photos: [],
                                                      submitted: false, noise: ++i });
    one();
    const timer = setInterval(() => { one(); if (i >= 200) clearInterval(timer); }, 5);
  };
  const wrapped = {
    setTriggerValue: (k, v) => { api.setTriggerValue(k, v); storm(); },
    setStateValue: (k, v) => { api.setStateValue(k, v); if (k === 'view') storm(); },
  };
  Object.defineProperty(walk, 'api', { get: () => wrapped, set: (v) => { api = v; } });
}"""


def test_phone__review_drawn_though_reruns_preempt_the_move(server: tuple[str, Store],
                                                             browser: Any) -> None:
    """The review Python draws comes however many reruns follow the move to it: the move is a
    state the walk keeps, not a one-shot trigger a preempted run drops."""
    from playwright.sync_api import expect

    url, store = server
    sam = store.get_user("sam")
    assert sam is not None
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="ru").id
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sign_in(page, url, "sam")
    page.goto(f"{url}/?id={audit_id}")
    expect(card(page, "entrance.dry")).to_be_visible()
    expect(status(page)).to_have_attribute("data-state", "saved")
    review = page.locator(".st-key-walk-review")
    for _ in range(3):  # to the review and back, three times, each under a storm of reruns
        page.evaluate(RERUN_STORM)
        page.locator("select.jump").select_option("review")
        expect(review.get_by_role("button", name=re.compile("Отправить аудит"))).to_be_visible()
        page.evaluate(RERUN_STORM)
        page.locator("select.jump").select_option("entrance")
        expect(card(page, "entrance.dry")).to_be_visible()
        expect(review).to_be_hidden()
    ctx.close()
