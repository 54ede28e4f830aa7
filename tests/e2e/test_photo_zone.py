"""A photo's capture time from a phone in another zone than the branch: the walk sends its zone."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from playwright.sync_api import expect

from audit.store.folder.backend import TinyStore
from tests.e2e.conftest import PHONE_CONTEXT, card, sign_in, wait_for
from tests.e2e.photos import TAKEN, phone_jpeg
from tests.e2e.test_field import add_photo, new_audit, open_audit

pytestmark = pytest.mark.e2e


def test_phone_in_yekaterinburg__its_camera_clock_read_in_its_zone(server: tuple[str, TinyStore],
                                                                     browser: Any) -> None:
    """EXIF says 10:00 with no offset; the phone is in Yekaterinburg (UTC+5), the branch in
    Moscow: the photo was taken at 05:00 UTC, printed 08:00 Moscow time, not 10:00 or 13:00."""
    url, store = server
    loc = store.get_location("loc-a")
    assert loc is not None
    store.put_location(dataclasses.replace(loc, tz="Europe/Moscow"))
    audit_id = new_audit(store)
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU", timezone_id="Asia/Yekaterinburg")
    page = ctx.new_page()
    sign_in(page, url, "sam")
    open_audit(page, url, audit_id)
    # small enough to travel as it is, so the server reads the EXIF itself
    add_photo(page, "entrance.dry", phone_jpeg(seed=7, size=(1200, 900)))
    wait_for(lambda: bool(store.get_audit(audit_id).photos), "the photo")  # type: ignore[union-attr]
    (ref,) = store.get_audit(audit_id).photos.values()  # type: ignore[union-attr]
    assert TAKEN == "2026:05:01 10:00:00"
    assert ref.reported["zone"] == "Asia/Yekaterinburg"
    assert ref.captured_at == "2026-05-01T05:00:00+00:00"
    expect(card(page, "entrance.dry").locator(".thumb img")).to_have_count(1)  # drawn after the ack
    ctx.close()
