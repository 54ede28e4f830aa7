"""Field-proof capture in a real Chromium: offline, reloads, a closed browser, two devices."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from audit.audits import capture as audits
from audit.store.folder.backend import TinyStore
from tests.e2e.conftest import (
    FLAGS,
    PHONE_CONTEXT,
    card,
    chromium_path,
    sign_in,
    snap,
    status,
    tap_option,
    wait_for,
)
from tests.e2e.photos import phone_jpeg

pytestmark = pytest.mark.e2e


# how many changes the phone holds in IndexedDB, numbered and ready to send
KEPT = """async () => {
  const db = await new Promise((ok) => {
    const r = indexedDB.open('audit-field'); r.onsuccess = () => ok(r.result); });
  const rows = await new Promise((ok) => {
    const r = db.transaction('outbox').objectStore('outbox').getAll(); r.onsuccess = () => ok(r.result); });
  return rows.filter((e) => e.seq).length; }"""


def new_audit(store: TinyStore) -> str:
    sam = store.get_user("sam")
    assert sam is not None
    return audits.start_audit(store, sam, location_id="loc-a", template_id="mini", mode="mystery",
                              lang="ru").id


def open_audit(page: Any, url: str, audit_id: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/?id={audit_id}")
    expect(card(page, "entrance.dry")).to_be_visible()
    expect(status(page)).to_have_attribute("data-state", "saved")


def add_photo(page: Any, key: str, data: bytes, name: str = "photo.jpg") -> None:
    gallery = card(page, key).locator("input[type=file]:not([capture])")
    gallery.set_input_files(files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}])


@pytest.mark.slow
@pytest.mark.parametrize("seconds", [20, 120])
def test_offline_mid_section__every_answer_comment_and_photo_arrives_once(
        server: tuple[str, TinyStore], browser: Any, tmp_path: Path, seconds: int) -> None:
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sign_in(page, url, "sam")
    open_audit(page, url, audit_id)
    tap_option(page, "entrance.dry", "Да")  # online: arrives at once
    wait_for(lambda: "entrance.dry" in store.get_audit(audit_id).answers, "the online answer")

    ctx.set_offline(True)
    tap_option(page, "entrance.dry", "Нет")
    tap_option(page, "entrance.clean", "4")
    tap_option(page, "entrance.door", "Тяжёлая")
    comment = card(page, "entrance.dry").locator("textarea")
    comment.fill("лужа у самой двери")
    comment.blur()
    photo = phone_jpeg(seed=seconds)
    add_photo(page, "entrance.dry", photo)
    expect(card(page, "entrance.dry").locator(".thumb img")).to_be_visible()
    expect(status(page)).to_have_attribute("data-state", "offline")
    expect(status(page)).to_contain_text("Нет связи: ответы сохранены на телефоне (5)")
    snap(page, tmp_path, f"offline-{seconds}")
    page.wait_for_timeout(seconds * 1000)  # the scenario: this long without a signal
    assert store.get_audit(audit_id).answers["entrance.dry"].value is True  # nothing arrived yet

    ctx.set_offline(False)
    expect(status(page)).to_have_attribute("data-state", "saved", timeout=90_000)
    expect(status(page)).to_contain_text("Всё сохранено")
    a = store.get_audit(audit_id)
    sent = {k: (x.value, x.comment, len(x.photos)) for k, x in a.answers.items()}
    assert sent == {"entrance.dry": (False, "лужа у самой двери", 1), "entrance.clean": (4, "", 0),
                    "entrance.door": ("heavy", "", 0)}
    (sha,) = a.answers["entrance.dry"].photos
    ref = a.photos[sha]
    assert max(ref.width, ref.height) == 2048  # downscaled on the phone, never upscaled
    assert ref.reported["captured_at"] == "2026-05-01T10:00:00"  # read on the phone from EXIF
    assert ref.reported["width"] == 4000 and ref.reported["size"] == len(photo)
    assert abs(ref.reported["gps"][0] - 55.75) < 1e-3
    print(f"field-lost: 0 of {len(sent)} answers, 1 comment, 1 photo after {seconds} s offline")
    ctx.close()


def test_reload_while_offline__then_the_link__nothing_lost(server: tuple[str, TinyStore],
                                                          browser: Any) -> None:
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sign_in(page, url, "sam")
    open_audit(page, url, audit_id)
    ctx.set_offline(True)
    tap_option(page, "entrance.dry", "Нет")
    tap_option(page, "entrance.clean", "2")
    wait_for(lambda: page.evaluate(KEPT) >= 2, "the taps in IndexedDB")
    page.reload()  # the service worker opens the audit from the phone (tests/e2e/test_offline.py)
    expect(card(page, "entrance.dry").get_by_role("button", name="Нет", exact=True)).to_have_attribute(
        "aria-pressed", "true")
    ctx.set_offline(False)
    page.goto(f"{url}/?id={audit_id}")
    wait_for(lambda: {"entrance.dry", "entrance.clean"} <= set(store.get_audit(audit_id).answers),
             "the outbox sent after the reload")
    a = store.get_audit(audit_id)
    assert (a.answers["entrance.dry"].value, a.answers["entrance.clean"].value) == (False, 2)
    ctx.close()


def test_browser_closed_offline__outbox_drains_next_time(server: tuple[str, TinyStore], playwright: Any,
                                                         tmp_path: Path) -> None:
    url, store = server
    audit_id = new_audit(store)
    profile = tmp_path / "profile"
    opts = {**PHONE_CONTEXT, "locale": "ru-RU", "executable_path": chromium_path(), "args": FLAGS}
    ctx = playwright.chromium.launch_persistent_context(str(profile), **opts)
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    sign_in(page, url, "sam")
    open_audit(page, url, audit_id)
    ctx.set_offline(True)
    tap_option(page, "entrance.door", "Заперта")
    card(page, "entrance.door").locator("summary", has_text="Фото").tap()
    card(page, "entrance.door").locator("textarea").fill("закрыто на обед")
    card(page, "entrance.door").locator("textarea").blur()
    wait_for(lambda: page.evaluate(KEPT) >= 2, "the taps in IndexedDB")
    ctx.close()  # the phone closes the browser while offline
    assert "entrance.door" not in store.get_audit(audit_id).answers

    ctx = playwright.chromium.launch_persistent_context(str(profile), **opts)
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.goto(f"{url}/?id={audit_id}")  # still signed in: the cookie outlived the browser
    wait_for(lambda: "entrance.door" in store.get_audit(audit_id).answers, "the outbox drained")
    door = store.get_audit(audit_id).answers["entrance.door"]
    assert (door.value, door.comment) == ("locked", "закрыто на обед")
    ctx.close()
    shutil.rmtree(profile, ignore_errors=True)


def test_two_devices_one_offline__the_later_change_wins_on_both(server: tuple[str, TinyStore],
                                                                browser: Any) -> None:
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    phones = [browser.new_context(**PHONE_CONTEXT, locale="ru-RU") for _ in range(2)]
    pages = [c.new_page() for c in phones]
    for page in pages:
        sign_in(page, url, "sam")
        open_audit(page, url, audit_id)
    first, second = pages
    phones[0].set_offline(True)
    tap_option(first, "entrance.dry", "Да")  # earlier, but stuck on the phone
    tap_option(second, "entrance.dry", "Нет")  # later, and online
    wait_for(lambda: "entrance.dry" in store.get_audit(audit_id).answers, "the online device's answer")
    phones[0].set_offline(False)
    expect(status(first)).to_have_attribute("data-state", "saved", timeout=60_000)
    assert store.get_audit(audit_id).answers["entrance.dry"].value is False
    for page in pages:
        expect(card(page, "entrance.dry").get_by_role("button", name="Нет")).to_have_attribute(
            "aria-pressed", "true")
    for c in phones:
        c.close()
