"""A whole service-point audit on a slow phone: answers never wait for photos, photos travel
light whatever the camera made, and Submit does not wait for them (offline, then online)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from audit.audits import capture as audits
from audit.checklist import shipped_dir
from audit.checklist.templates import add_template, get_checklist
from audit.core import limits
from audit.model import Checklist, Item
from audit.store.folder.backend import TinyStore
from tests.conftest import photograph
from tests.e2e.conftest import PHONE_CONTEXT, card, sign_in, status, tap_option, throttle, wait_for
from tests.e2e.photos import heavy_jpeg, phone_jpeg

pytestmark = pytest.mark.e2e

# answered on the phone; everything else was answered earlier in the visit
ON_PHONE = {"entrance.entrance-dry": "Нет", "service.name-badge": "Нет", "farewell.thanks": "Да"}
PHOTOS = ("entrance.entrance-photo", "entrance.entrance-dry", "waiting-area.waiting-area-photo",
          "service.name-badge", "channels.messenger-reply")


def given(item: Item) -> Any:
    """A good answer of each type, as the phone would have sent it."""
    if item.type == "scale":
        return item.scale_max
    if item.type == "choice":
        return item.options[0].id
    if item.type == "multi":
        return [item.options[0].id]
    if item.type == "hours":
        return {d: ["09:00", "20:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
    if item.type == "wait_time":
        return {"minutes": 3}
    if item.type == "number":
        return 10
    if item.type == "typo_check":
        return {"text": "", "flagged": [], "typos": []}
    if item.type == "text":
        return "вежливо и быстро"
    return True


def answer_earlier(store: TinyStore, checklist: Checklist, audit_id: str) -> None:
    sam = store.get_user("sam")
    assert sam is not None
    for section in checklist.sections:
        for item in section.items:
            key = f"{section.id}.{item.id}"
            if item.type != "photo" and key not in ON_PHONE:
                audits.answer(store, sam, audit_id, key, value=given(item))
    photograph(store, sam, audit_id, "hours.opening-hours")  # the posted hours, at the door


def choose(page: Any, key: str, data: bytes, name: str) -> None:
    card(page, key).locator("input[type=file]:not([capture])").set_input_files(
        files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}])


def go(page: Any, section: str) -> None:
    page.locator("select.jump").select_option(section)


@pytest.mark.slow
def test_service_point__five_photos__submitted_offline_while_queued__whole_once_online(
        server: tuple[str, TinyStore], browser: Any) -> None:
    from playwright.sync_api import expect

    url, store = server
    add_template(store, (shipped_dir() / "service-point.yaml").read_text(encoding="utf-8"), by="test")
    sam = store.get_user("sam")
    assert sam is not None
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="service-point",
                                  mode="mystery", lang="ru").id
    checklist = get_checklist(store, "service-point")
    answer_earlier(store, checklist, audit_id)
    heavy = heavy_jpeg(seed=7)
    assert 2_500_000 < len(heavy) < 3_500_000  # "light" by its pixels, not by its bytes
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sign_in(page, url, "sam")
    page.goto(f"{url}/?id={audit_id}")
    expect(status(page)).to_have_attribute("data-state", "saved", timeout=60_000)
    throttle(ctx, page)

    # answers first: an answer given while a photo uploads arrives before the photo does
    go(page, "entrance")
    choose(page, "entrance.entrance-photo", heavy, "heavy.jpg")
    expect(card(page, "entrance.entrance-photo").locator(".tag")).to_contain_text("отправка",
                                                                                  timeout=60_000)
    tap_option(page, "entrance.entrance-dry", ON_PHONE["entrance.entrance-dry"])
    wait_for(lambda: "entrance.entrance-dry" in store.get_audit(audit_id).answers,
             "the answer, beside the photo", seconds=30)
    assert "entrance.entrance-photo" not in store.get_audit(audit_id).answers, \
        "the answer waited for the photo"

    # the signal goes; the rest of the visit is on the phone
    ctx.set_offline(True)
    choose(page, "entrance.entrance-dry", phone_jpeg(seed=8), "puddle.jpg")  # 12 MP
    go(page, "waiting-area")
    choose(page, "waiting-area.waiting-area-photo", phone_jpeg(seed=9, size=(3000, 2250)), "hall.jpg")
    go(page, "service")
    tap_option(page, "service.name-badge", ON_PHONE["service.name-badge"])
    choose(page, "service.name-badge", phone_jpeg(seed=10, size=(1600, 1200)), "badge.jpg")
    go(page, "channels")
    choose(page, "channels.messenger-reply", phone_jpeg(seed=11, size=(1200, 1600)), "chat.jpg")
    go(page, "farewell")
    tap_option(page, "farewell.thanks", ON_PHONE["farewell.thanks"])
    go(page, "review")
    submit = page.locator(".submit-block button.submit")
    expect(submit).to_be_enabled(timeout=120_000)  # every answer given; photos prepared, queued
    submit.tap()
    expect(page.locator(".submit-block")).to_contain_text("Отправлено с телефона")
    assert store.get_header(audit_id).status == "draft"  # type: ignore[union-attr]

    ctx.set_offline(False)
    wait_for(lambda: store.get_header(audit_id).arriving, "the submit, held for its photos", 120)
    row = store.get_summary(audit_id)
    assert row is not None and row.status == "draft" and row.arriving >= 1
    wait_for(lambda: store.get_header(audit_id).status == "submitted", "the last photo", 400)
    expect(page.get_by_text("Только чтение")).to_be_visible(timeout=120_000)

    a = store.get_audit(audit_id)
    assert a is not None and not a.header.arriving
    assert [e["type"] for e in a.header.events][-2:] == ["photos_arriving", "submitted"]
    assert a.answers["farewell.thanks"].value is True
    assert a.answers["service.name-badge"].value is False
    for key in PHOTOS:
        (sha,) = a.answers[key].photos
        ref = a.photos[sha]
        assert ref.size <= limits.PHOTO_SEND_MAX_BYTES, (key, ref.size)
        assert max(ref.width, ref.height) <= limits.PHOTO_SEND_LONG_EDGE
        assert ref.reported["captured_at"] == "2026-05-01T10:00:00"  # read on the phone
    light = a.photos[a.answers["entrance.entrance-photo"].photos[0]]
    assert light.reported["size"] == len(heavy) and light.reported.get("downscaled") is True
    assert hashlib.sha256(heavy).hexdigest() not in a.photos
    ctx.close()
