"""A Russian phone screen speaks Russian to a screen reader too: the document's language, tap
targets a thumb can hit, photos described; real Chromium at 390×844."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from audit.actions import service as actions
from audit.audits import capture as audits
from audit.store.folder.backend import TinyStore
from tests.e2e.conftest import (
    PHONE_CONTEXT,
    box,
    option,
    sign_in,
    snap,
    wait_for_session_cookie,
)
from tests.test_actions import jpeg, mystery

pytestmark = pytest.mark.e2e
TAP = 44  # px, the smallest tap target


def test_phone__russian_screens__lang_tap_targets_and_photo_alt_texts(
        server: tuple[str, TinyStore], browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # a shared, loaded machine: generous, never a sleep
    url, store = server
    people = {k: store.get_user(n) for k, n in  # the populate() people by role
              (("hq", "boss"), ("shopper2", "sue"), ("manager", "mia"), ("shopper", "sam"))}
    assert all(people.values())
    audits.start_audit(store, people["shopper"], location_id="loc-a",  # type: ignore[arg-type]
                       template_id="mini", mode="mystery", lang="ru")
    mystery(store, people, entrance__dry=False)  # type: ignore[arg-type]
    action = next(a for a in store.location_actions("loc-a") if a.key == "entrance.dry")
    actions.start_work(store, people["manager"], action.id)  # type: ignore[arg-type]
    actions.add_evidence(store, people["manager"], action.id, jpeg())  # type: ignore[arg-type]

    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sign_in(page, url, "sam")  # the home page: the shopper's drafts
    assert page.evaluate("document.documentElement.lang") == "ru"
    resume = page.get_by_role("link", name="Продолжить").first
    expect(resume).to_be_visible()
    height = resume.bounding_box()["height"]
    assert height >= TAP, height
    snap(page, tmp_path, "01-home")
    page.locator("[data-testid=stExpandSidebarButton]").tap()  # English chosen: the page says so
    option(page, "lang.side", "English").tap()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Resume").first).to_be_visible()
    ctx.close()

    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    page.goto(url)
    assert page.evaluate("document.documentElement.lang") == "ru"  # as served, before the app runs
    page.get_by_label("Имя пользователя").fill("mia")
    page.get_by_label("Пароль", exact=True).fill("secret-pass")
    page.get_by_role("button", name="Войти").tap()
    expect(page.get_by_role("heading", name="Мои задачи")).to_be_visible()
    wait_for_session_cookie(ctx)
    page.goto(f"{url}/actions?id={action.id}")
    work = page.locator(box("act.work"))
    expect(work.locator("img").first).to_be_visible()
    page.get_by_text("Замечание").first.tap()  # the finding's photos in its expander
    expect(page.get_by_role("img", name="Фото замечания 1 из 1")).to_be_visible()
    images = page.locator("[data-testid=stMain] img")
    alts = images.evaluate_all("(els) => els.map((e) => e.getAttribute('alt') || '')")
    assert len(alts) >= 2 and all(a.strip() for a in alts), alts
    assert page.evaluate("document.documentElement.lang") == "ru"
    picker = page.locator("[data-pick]")  # the walk's way for a photo, in the reader's words
    expect(picker.get_by_label("Галерея")).to_be_attached()
    expect(picker.get_by_label("Камера")).to_be_attached()
    shown = picker.inner_text()
    assert "Добавить фото исправления" in shown and "Камера" in shown, shown
    assert "Upload" not in shown and "per file" not in shown, shown
    height = picker.locator("label.btn").first.evaluate("(e) => e.getBoundingClientRect().height")
    assert height >= 44, height  # thumb-sized
    captions = page.locator("[data-testid=stMain] [data-testid=stCaptionContainer]").evaluate_all(
        "(els) => els.map((e) => { let o = 1; for (let n = e; n; n = n.parentElement)"
        " o *= +getComputedStyle(n).opacity; return [e.innerText, getComputedStyle(e).color, o]; })")
    assert captions
    for text, colour, opacity in captions:  # grey text on the white page, as the eye gets it
        rgb = [int(x) for x in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]]
        seen = [c * opacity + 255 * (1 - opacity) for c in rgb]
        assert contrast(seen, [255, 255, 255]) >= 4.5, (text, colour, opacity)
    snap(page, tmp_path, "02-action")
    ctx.close()


def contrast(a: list[float], b: list[float]) -> float:
    """WCAG's contrast ratio of two sRGB colours (0–255)."""
    def luminance(c: list[float]) -> float:
        lin = [(v / 255) / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
