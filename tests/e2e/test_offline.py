"""The app without a signal, in a real Chromium at a phone's size: the service worker opens an
audit started on this phone, its taps reach the store when the signal returns, a repeat visit
downloads none of Streamlit's files, and a sign-out leaves nothing private on the phone."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from audit.i18n import t
from audit.store.folder.backend import TinyStore
from tests.conftest import answer_mini, photograph
from tests.e2e.conftest import PHONE_CONTEXT, box, card, sign_in, status, tap_option, wait_for
from tests.e2e.link import Link
from tests.e2e.test_field import new_audit, open_audit
from tests.e2e.test_taps import phone
from tests.security.test_csp import VIOLATIONS

pytestmark = pytest.mark.e2e

# the walks kept for the offline page (js/offline.js): [audit, user] of each
KEPT_WALKS = """async () => {
  const names = (await indexedDB.databases()).map((d) => d.name);
  if (!names.includes('audit-offline')) return [];
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open('audit-offline'); r.onsuccess = () => ok(r.result); r.onerror = no; });
  if (!db.objectStoreNames.contains('walks')) { db.close(); return []; }
  const rows = await new Promise((ok) => {
    const r = db.transaction('walks').objectStore('walks').getAll(); r.onsuccess = () => ok(r.result); });
  db.close();
  return rows.map((w) => [w.audit, w.user]); }"""
# every URL in the page's caches (CacheStorage)
CACHED = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    for (const req of await (await caches.open(name)).keys()) out.push(new URL(req.url).pathname);
  }
  return out; }"""
CONTROLLED = "() => !!navigator.serviceWorker.controller"
# the position the queued submit of the phone's outbox (IndexedDB "audit-field") carries
QUEUED_POSITION = """async () => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open('audit-field'); r.onsuccess = () => ok(r.result); r.onerror = no; });
  const rows = await new Promise((ok) => {
    const r = db.transaction('outbox').objectStore('outbox').getAll(); r.onsuccess = () => ok(r.result); });
  db.close();
  const submit = rows.find((e) => e.kind === 'submit');
  return submit && submit.value.position ? [submit.value.position.lat, submit.value.position.lon] : null; }"""


def pressed(page: Any, key: str, label: str) -> Any:
    return card(page, key).get_by_role("button", name=label, exact=True)


def ready_offline(page: Any, audit_id: str) -> None:
    """Until the worker controls the page, its files are cached and the walk is kept."""
    wait_for(lambda: page.evaluate(CONTROLLED), "the service worker in control")
    wait_for(lambda: "/offline" in page.evaluate(CACHED), "the offline page cached")
    wait_for(lambda: [audit_id, "sam"] in page.evaluate(KEPT_WALKS), "the walk kept")


def test_worker_and_offline_page__served_with_the_policy__nothing_private(
        server: tuple[str, TinyStore]) -> None:
    url, _ = server
    sw = httpx.get(url + "/sw.js")
    assert sw.status_code == 200 and sw.headers["content-type"].startswith("text/javascript")
    assert sw.headers["cache-control"] == "no-cache"
    assert "content-security-policy" in sw.headers
    page = httpx.get(url + "/offline", headers={"Accept-Language": "ru"})
    assert page.status_code == 200 and '<html lang="ru">' in page.text
    assert "content-security-policy" in page.headers
    # the page's words in both languages, and no person's data (that is on the phone only)
    assert t("walk.offline_opened", "ru") in page.text and t("walk.offline_opened", "en") in page.text
    assert "sam" not in page.text and "csrf" not in page.text
    script = page.text.split('<script type="module" src="', 1)[1].split('"', 1)[0]
    js = httpx.get(url + script)
    assert js.status_code == 200 and "immutable" in js.headers["cache-control"]
    assert "class Walk" in js.text and "export default" not in js.text
    # another version of the script is not kept for a year
    assert httpx.get(url + "/offline/walk.js?v=old").headers["cache-control"] == "no-cache"
    # signed out, the app's address sends the browser to the light sign-in page
    away = httpx.get(url + "/audit?id=x")
    assert away.status_code == 303 and away.headers["location"] == "/signin?next=%2Faudit%3Fid%3Dx"
    # Streamlit's hashed files are kept for a year; its page is asked for again every time
    home = httpx.get(url + "/?signin=app")  # Streamlit's own sign-in, as a signed-out browser gets it
    assert home.headers["cache-control"] == "no-cache"
    first = next(p for p in home.text.split('"') if p.startswith("./static/js/index."))
    asset = httpx.get(f"{url}/{first}")
    assert asset.headers["cache-control"] == "public, immutable, max-age=31536000"
    for path in ("/?signin=app", "/audit?signin=app"):  # every page registers the worker, packed once
        got = httpx.get(url + path, headers={"Accept-Encoding": "gzip"})
        assert got.headers.get_list("content-encoding") == ["gzip"], path
        assert "navigator.serviceWorker.register" in got.text and "<html" in got.text


def test_offline_reload__the_audit_opens_from_the_phone__taps_reach_the_store_online(
        server: tuple[str, TinyStore], browser: Any) -> None:
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    ctx.add_init_script(VIOLATIONS)
    page = ctx.new_page()
    sign_in(page, url, "sam")
    open_audit(page, url, audit_id)
    tap_option(page, "entrance.dry", "Да")  # online: sent, then learnt back as stored
    wait_for(lambda: "entrance.dry" in store.get_audit(audit_id).answers, "the online tap stored")
    expect(status(page)).to_have_attribute("data-state", "saved")
    ready_offline(page, audit_id)

    ctx.set_offline(True)
    page.reload()  # no signal: the phone opens the audit from its cache
    expect(page.locator("#offline-note")).to_have_text(t("walk.offline_opened", "ru"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(pressed(page, "entrance.dry", "Да")).to_have_attribute("aria-pressed", "true")
    tap_option(page, "entrance.clean", "2")
    tap_option(page, "entrance.door", "Заперта")
    expect(pressed(page, "entrance.clean", "2")).to_have_attribute("aria-pressed", "true")
    expect(status(page)).to_have_attribute("data-state", "offline")
    expect(status(page)).to_have_attribute("data-count", "2")
    assert "entrance.clean" not in store.get_audit(audit_id).answers
    assert page.evaluate("window.__csp") == []  # the offline page keeps to the app's policy

    ctx.set_offline(False)  # the signal returns: the offline page sends its outbox itself
    wait_for(lambda: {"entrance.clean", "entrance.door"} <= set(store.get_audit(audit_id).answers),
             "the offline taps stored")
    a = store.get_audit(audit_id).answers
    assert (a["entrance.dry"].value, a["entrance.clean"].value,
            a["entrance.door"].value) == (True, 2, "locked")
    expect(status(page)).to_have_attribute("data-state", "saved")
    expect(page.locator("#offline-back")).to_be_visible()
    page.locator("#offline-back").tap()  # and the app takes over again
    expect(page.locator(box("signout"))).to_be_attached()
    ctx.close()


def test_repeat_visit__no_static_file_downloaded(server: tuple[str, TinyStore], browser: Any) -> None:
    url, store = server
    audit_id = new_audit(store)
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sign_in(page, url, "sam")
    open_audit(page, url, audit_id)
    ready_offline(page, audit_id)
    page.close()

    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    fetched: dict[str, str] = {}
    sizes: dict[str, int] = {}
    served: list[str] = []

    def response(ev: dict[str, Any]) -> None:
        r = ev["response"]
        if "/static/" not in r["url"]:
            return
        if r.get("fromServiceWorker") or r.get("fromDiskCache") or r.get("fromMemoryCache"):
            served.append(r["url"])
        else:
            fetched[ev["requestId"]] = r["url"]

    cdp.on("Network.responseReceived", response)
    cdp.on("Network.loadingFinished",
           lambda ev: sizes.__setitem__(ev["requestId"], int(ev.get("encodedDataLength", 0))))
    open_audit(page, url, audit_id)
    assert len(served) > 20, served  # Streamlit's files were asked for, and came from the phone
    downloaded = sum(sizes.get(i, 0) for i in fetched)
    print(f"repeat visit: {len(served)} static files from the phone, {len(fetched)} from the "
          f"network ({downloaded} bytes)")
    assert not fetched, sorted(fetched.values())
    ctx.close()


def test_sign_out__nothing_private_left_in_the_caches_or_for_the_offline_page(
        server: tuple[str, TinyStore], browser: Any) -> None:
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sign_in(page, url, "sam")
    open_audit(page, url, audit_id)
    ready_offline(page, audit_id)
    page.locator(box("signout")).locator("button").dispatch_event("click")  # in the closed sidebar
    expect(page.get_by_label("Имя пользователя")).to_be_visible()
    wait_for(lambda: not page.evaluate(KEPT_WALKS), "the kept walk deleted at sign-out")
    cached = page.evaluate(CACHED)
    # only files everybody gets alike: Streamlit's hashed files and the offline page with its script
    assert cached and all(p.startswith("/static/") or p in ("/offline", "/offline/walk.js")
                          for p in cached), cached
    ctx.set_offline(True)
    page.goto(f"{url}/?id={audit_id}")
    expect(page.locator("#offline-note")).to_have_text(t("walk.offline_nothing", "ru"))
    expect(card(page, "entrance.dry")).to_have_count(0)
    ctx.close()


@pytest.mark.parametrize("replies_only", [False, True], ids=["nothing-arrives", "reply-lost"])
def test_hung_sync__given_up_and_sent_again__nothing_lost_or_doubled(
        server: tuple[str, TinyStore], browser: Any, replies_only: bool) -> None:
    """A sync on a half-open socket never ends by itself; the phone gives it up and sends the
    same changes again (same client, same numbers), and the taps made meanwhile follow."""
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    with Link(int(url.rsplit(":", 1)[1])) as link:
        ctx, page = phone(browser, link.url, store, audit_id)
        sent: list[dict[str, Any]] = []
        page.on("request", lambda r: sent.append(json.loads(r.post_data or "{}"))
                if r.url.endswith("/api/sync") else None)
        tap_option(page, "entrance.dry", "Да")
        wait_for(lambda: "entrance.dry" in store.get_audit(audit_id).answers, "the first tap stored")
        expect(status(page)).to_have_attribute("data-state", "saved")

        link.hang(replies_only=replies_only)
        tap_option(page, "entrance.clean", "2")
        wait_for(lambda: b"/api/sync" in link.heard, "the sync under way on the hung link")
        if replies_only:  # the app has it; only its answer is lost
            wait_for(lambda: "entrance.clean" in store.get_audit(audit_id).answers, "applied")
        tap_option(page, "entrance.door", "Заперта")  # waits behind the hung sync
        expect(pressed(page, "entrance.door", "Заперта")).to_have_attribute("aria-pressed", "true")
        link.heal()

        wait_for(lambda: "entrance.door" in store.get_audit(audit_id).answers,
                 "the taps behind the hung sync stored", seconds=90)
        expect(status(page)).to_have_attribute("data-state", "saved", timeout=60_000)
        expect(status(page)).to_have_attribute("data-count", "0")
        a = store.get_audit(audit_id).answers
        assert (a["entrance.dry"].value, a["entrance.clean"].value,
                a["entrance.door"].value) == (True, 2, "locked")
        # the hung change went again under its own number: the app takes it once
        clean = [(b["client"], c["seq"]) for b in sent for c in b.get("changes", [])
                 if c["key"] == "entrance.clean"]
        assert len(clean) >= 2 and len(set(clean)) == 1, clean
        ctx.close()


def test_review_offline__drawn_on_the_phone__given_missing_held_no_score(
        server: tuple[str, TinyStore], browser: Any) -> None:
    """Without a signal the review is the phone's own: how much is given, what is missing (each
    a way to its item), what is still on the phone; no score until the answers are in. The
    same on the offline page, opened from the phone's cache."""
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sign_in(page, url, "sam")
    open_audit(page, url, audit_id)
    tap_option(page, "entrance.dry", "Да")
    wait_for(lambda: "entrance.dry" in store.get_audit(audit_id).answers, "the online tap stored")
    ready_offline(page, audit_id)

    ctx.set_offline(True)
    tap_option(page, "entrance.clean", "2")
    page.locator("select.jump").select_option("review")
    mine = page.locator(".phone-review")
    expect(mine).to_be_visible()
    expect(mine.locator(".review-note")).to_have_text(t("walk.review_offline", "ru"))
    held = int(status(page).get_attribute("data-count") or 0)
    assert held >= 1  # the tap made offline, beside any move
    expect(mine.locator(".review-held")).to_have_text(t("walk.review_on_phone", "ru").format(count=held))
    expect(mine.locator(".review-given")).to_contain_text("Дано ответов: 2 из")
    assert page.get_by_text("Итоговая оценка").count() == 0  # no score before the answers are in
    expect(page.locator(".st-key-walk-review")).to_be_hidden()
    missing = mine.locator("button.missing")
    expect(missing.first).to_be_visible()
    first = missing.first.get_attribute("data-missing")
    assert first and first not in ("entrance.dry", "entrance.clean")  # what is given is not missing
    missing.first.tap()
    expect(page.locator(f".card.focus[data-key='{first}']")).to_be_visible()
    expect(mine).to_have_count(0)

    page.reload()  # the offline page, from the phone's cache: the same review
    expect(page.locator("#offline-note")).to_have_text(t("walk.offline_opened", "ru"))
    page.locator("select.jump").select_option("review")
    expect(mine).to_be_visible()
    expect(mine.locator(".review-held")).to_have_text(
        t("walk.review_on_phone", "ru").format(count=status(page).get_attribute("data-count")))
    expect(mine.locator(".review-given")).to_contain_text("Дано ответов: 2 из")
    assert page.get_by_text("Итоговая оценка").count() == 0
    ctx.close()


def test_offline_submit__carries_where_the_phone_was_when_tapped(
        server: tuple[str, TinyStore], browser: Any) -> None:
    """Submit tapped without a signal: the queued submit takes the phone's position at that
    moment, and the server records it as the submit's proof when the signal returns."""
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    sam = store.get_user("sam")
    assert sam is not None
    answer_mini(store, sam, audit_id)
    photograph(store, sam, audit_id, "office.facade")
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU", permissions=["geolocation"],
                              geolocation={"latitude": 55.7539, "longitude": 37.6208, "accuracy": 12})
    page = ctx.new_page()
    sign_in(page, url, "sam")
    open_audit(page, url, audit_id)

    ctx.set_offline(True)
    tap_option(page, "entrance.clean", "4")  # an answer of its own, still on the phone
    page.locator("select.jump").select_option("review")
    submit = page.locator(".submit-block button.submit")
    expect(submit).to_be_enabled()
    submit.tap()
    expect(page.locator(".submit-block .submit-note")).to_contain_text("Отправлено с телефона")
    assert wait_for(lambda: page.evaluate(QUEUED_POSITION), "the position kept with the submit") == [
        55.7539, 37.6208]
    ctx.set_geolocation({"latitude": 10.0, "longitude": 10.0, "accuracy": 5})  # moved on since
    assert store.get_header(audit_id).status == "draft"

    ctx.set_offline(False)
    def proof() -> list[dict[str, Any]]:
        header = store.get_header(audit_id)
        return [e for e in header.events if e.get("type") == "position"
                and e.get("stage") == "submit"] if header.status == "submitted" else []

    where = wait_for(proof, "the queued submit arrived with its position", seconds=90)
    assert len(where) == 1, where
    assert (round(where[0]["lat"], 4), round(where[0]["lon"], 4)) == (55.7539, 37.6208)
    assert store.get_audit(audit_id).answers["entrance.clean"].value == 4
    ctx.close()
