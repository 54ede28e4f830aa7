"""The photo element outside the walk keeps a chosen photo on the phone until the server has it:
real Chromium at 390×844, touch. A page closed mid-upload loses nothing, and the photo lands once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from audit.model import Location, User
from tests.e2e.conftest import PHONE, box, snap, wait_for, wait_for_session_cookie
from tests.e2e.photos import phone_jpeg
from tests.test_actions import mystery

pytestmark = pytest.mark.e2e

KEPT = "() => new Promise((ok, bad) => { const r = indexedDB.open('audit-pick', 1); " \
       "r.onupgradeneeded = () => r.result.createObjectStore('queue', { keyPath: 'id' }); " \
       "r.onerror = () => bad(r.error); r.onsuccess = () => { const q = r.result" \
       ".transaction(['queue']).objectStore('queue').getAll(); " \
       "q.onsuccess = () => ok(q.result.map((x) => ({ url: x.url, size: x.blob.size, " \
       "report: x.report }))); }; })"


def open_action(page: Any, url: str, action_id: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    home = page.get_by_role("heading", name="My actions")
    home.or_(page.get_by_label("User name")).first.wait_for()
    if not home.is_visible():  # a new page: Streamlit's session is new, so is the sign-in
        page.get_by_label("User name").fill("mia")
        page.get_by_label("Password", exact=True).fill("secret-pass")
        page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", name="My actions")).to_be_visible()
    wait_for_session_cookie(page.context)
    page.locator(box(f"my.later.{action_id}")).get_by_role("link", name="Open").tap()
    expect(page.get_by_role("heading", name="The entrance is dry, no puddle")).to_be_visible()


def test_photo_pick__page_closed_mid_upload__kept_on_the_phone__sent_once_when_reopened(
        server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    url, store = server
    people: dict[str, User] = {k: store.get_user(n) for k, n in  # type: ignore[misc]
                               (("hq", "boss"), ("shopper2", "sue"), ("manager", "mia"))}
    mystery(store, people, entrance__dry=False)
    action = next(a for a in store.location_actions("loc-a") if a.key == "entrance.dry")

    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                              locale="en-US")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    open_action(page, url, action.id)
    page.locator(box("act.start")).locator("button").tap()
    expect(page.get_by_text("In progress").first).to_be_visible()

    # the upload starts and never ends: the link hangs (the request is held, never answered)
    held: list[Any] = []
    page.route("**/api/action-photo**", lambda route: held.append(route))
    photo = phone_jpeg(seed=7)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    with page.expect_request("**/api/action-photo**", timeout=60_000):
        page.locator("[data-pick] input[data-gallery]").set_input_files(
            files=[{"name": "mat.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    assert not errors
    kept = page.evaluate(KEPT)
    assert held and len(kept) == 1 and kept[0]["url"].endswith(f"action={action.id}")
    assert 0 < kept[0]["size"] < len(photo)  # the light copy is what waits
    assert kept[0]["report"]["size"] == len(photo)  # the original's facts beside it
    assert kept[0]["report"]["captured_at"] == "2026-05-01T10:00:00"
    snap(page, tmp_path, "01-upload-under-way")
    page.close()  # the manager moves on before the photo has left
    assert store.get_action(action.id).evidence == ()  # type: ignore[union-attr]

    # the page opened again, the link back: the photo leaves the phone by itself, once
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    open_action(page, url, action.id)
    wait_for(lambda: store.get_action(action.id).evidence, "the kept photo, stored", 120)
    expect(page.locator("[data-pick] [data-state]")).to_have_text("Photo added.")
    wait_for(lambda: page.evaluate(KEPT) == [], "the phone's copy dropped once acknowledged")
    (ref,) = store.get_action(action.id).evidence  # type: ignore[union-attr]
    assert ref.reported["size"] == len(photo) and ref.size == kept[0]["size"]
    snap(page, tmp_path, "02-landed-after-reopen")

    # stored on the server, the answer lost on the way back: kept, sent again, stored once
    def stored_then_lost(route: Any) -> None:
        route.fetch()  # the server gets it and stores it
        route.abort()  # the phone never hears so

    page.route("**/api/action-photo**", stored_then_lost)
    page.locator("[data-pick] input[data-gallery]").set_input_files(
        files=[{"name": "sign.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg(seed=9)}])
    expect(page.locator("[data-pick] [data-state]")).to_contain_text("1 photo(s) kept on this phone")
    assert len(store.get_action(action.id).evidence) == 2  # type: ignore[union-attr]
    page.unroute("**/api/action-photo**")
    wait_for(lambda: page.evaluate(KEPT) == [], "the photo acknowledged at last", 120)
    assert len(store.get_action(action.id).evidence) == 2  # type: ignore[union-attr]  once

    # offline again: the next photo waits, says so, and goes when the signal returns
    ctx.set_offline(True)
    page.locator("[data-pick] input[data-gallery]").set_input_files(
        files=[{"name": "door.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg(seed=8)}])
    expect(page.locator("[data-pick] [data-state]")).to_contain_text("1 photo(s) kept on this phone")
    ctx.set_offline(False)
    wait_for(lambda: len(store.get_action(action.id).evidence) == 3,  # type: ignore[union-attr]
             "the third photo, sent when the signal returned", 120)
    wait_for(lambda: page.evaluate(KEPT) == [], "nothing left on the phone")
    assert len({r.sha256 for r in store.get_action(action.id).evidence}) == 3  # type: ignore[union-attr]
    ctx.close()


def gps_phone_jpeg(lat: float, lon: float) -> bytes:
    """A 12 MP photo whose EXIF says where it was taken: the phone's light copy drops EXIF, so
    only the phone's reading of the original can carry the place."""
    import io

    from PIL import Image

    from tests.test_photos import _exif

    with Image.open(io.BytesIO(phone_jpeg(seed=3))) as im:
        out = io.BytesIO()
        im.save(out, "JPEG", quality=90, exif=_exif(gps=(lat, lon), taken="2026:05:01 10:00:00").tobytes())
    return out.getvalue()


def test_admin__a_locations_place_from_a_photo_through_the_photo_element(
        server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    url, store = server
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                              locale="en-US")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.get_by_label("User name").fill("boss")
    page.get_by_label("Password", exact=True).fill("secret-pass")
    page.get_by_role("button", name="Sign in").tap()
    wait_for_session_cookie(ctx)
    page.wait_for_url(lambda u: "/signin" not in u, wait_until="load")  # the form's 303 home
    page.goto(url + "/admin")
    page.locator(box("admin.part")).get_by_text("Locations", exact=True).tap()
    page.get_by_text("Невский · СПб").tap()  # the location's expander
    spb = page.locator(box("place.photo.loc-b")).locator("[data-pick]")
    expect(spb).to_contain_text("Take the coordinates")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    photo = gps_phone_jpeg(59.9343, 30.3351)
    spb.locator("input[data-gallery]").set_input_files(
        files=[{"name": "nevsky.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    wait_for(lambda: (store.get_location("loc-b") or Location("x", "x", "x")).lat is not None,
             "the place from the photo", 120)
    loc = store.get_location("loc-b")
    assert loc is not None and round(loc.lat or 0, 3) == 59.934 and round(loc.lon or 0, 3) == 30.335
    assert loc.tz == "Europe/Moscow" and store.get_location("loc-a").lat is None  # type: ignore[union-attr]
    expect(page.get_by_text("Saved from the photo: 59.93430")).to_be_visible()
    assert not errors
    snap(page, tmp_path, "03-admin-place-from-photo")
    ctx.close()
