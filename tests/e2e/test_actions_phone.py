"""A branch manager closes an action with a photo from the phone: real Chromium at 390×844, touch."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.core import limits
from audit.model import User
from tests.e2e.conftest import (
    PHONE,
    SLOW_3G,
    box,
    snap,
    throttle,
    wait_for,
    wait_for_session_cookie,
)
from tests.e2e.photos import phone_jpeg
from tests.e2e.test_phone import server  # noqa: F401  the fixture on both backends
from tests.test_actions import mystery

pytestmark = pytest.mark.e2e


def test_phone__manager_closes_an_action_with_a_photo(server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
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
    page.goto(url)
    page.get_by_label("User name").fill("mia")
    page.get_by_label("Password", exact=True).fill("secret-pass")
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", name="My actions")).to_be_visible()
    # uploads and photo links answer to the HttpOnly session cookie the page hands over
    wait_for_session_cookie(ctx)
    expect(page.get_by_text("The entrance is dry, no puddle").first).to_be_visible()
    snap(page, tmp_path, "01-my-actions")

    page.locator(box(f"my.later.{action.id}")).get_by_role("link", name="Open").tap()  # due in 14 days
    expect(page.get_by_role("heading", name="The entrance is dry, no puddle")).to_be_visible()
    page.locator(box("act.start")).locator("button").tap()
    expect(page.get_by_text("In progress").first).to_be_visible()
    # a 12 MP photo on slow 3G: made light on the phone (the walk's way), then sent
    cdp = throttle(ctx, page)
    photo = phone_jpeg(seed=31)
    page.locator("[data-pick] input[data-gallery]").set_input_files(
        files=[{"name": "mat.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    wait_for(lambda: store.get_action(action.id).evidence, "the photo of the fix, stored", 180)
    expect(page.locator("[data-pick] [data-state]")).to_have_text("Photo added.")
    cdp.send("Network.emulateNetworkConditions", {**SLOW_3G, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    (ref,) = store.get_action(action.id).evidence
    assert ref.size <= limits.PHOTO_SEND_MAX_BYTES and max(ref.width, ref.height) <= 2048
    assert ref.reported["size"] == len(photo) and ref.reported["captured_at"] == "2026-05-01T10:00:00"
    expect(page.locator(box("act.work")).locator("img").first).to_be_visible()
    note = page.locator(box(f"act.note.{action.id}")).locator("textarea")
    note.tap()
    note.fill("A new mat at the door; the cleaner checks it every hour")
    snap(page, tmp_path, "02-action-with-photo")
    page.locator(box("act.done")).locator("button").tap()
    expect(page.get_by_text("Done, waiting for verification").first).to_be_visible()
    snap(page, tmp_path, "03-action-done")

    done = store.get_action(action.id)
    assert done is not None and done.status == "done" and len(done.evidence) == 1
    assert done.note.startswith("A new mat")
    ctx.close()
