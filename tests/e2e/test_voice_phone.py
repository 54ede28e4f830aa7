"""A customer's phone on the voice page (/v/<location>) of the real app: Chromium at 390×844 on
slow 3G with a CPU four times slower, with and without JavaScript, 320 px wide, axe-core."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from audit.core import limits
from audit.store.folder.backend import TinyStore
from audit.voice import service
from tests.conftest import populate
from tests.e2e.conftest import PHONE_CONTEXT, start_server, throttle
from tests.e2e.test_phone import serious

TAPPABLE = """() => [...document.querySelectorAll('a[href], button, label')]
  .map((e) => { const b = e.getBoundingClientRect();
                return [e.textContent.trim().slice(0, 20), b.width, b.height]; })"""


@pytest.fixture(scope="module")
def voice_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TinyStore]]:
    data = tmp_path_factory.mktemp("voice") / "data"
    store = TinyStore(data)
    populate(store)
    store.put_settings({service.TEMPLATE_SETTING: "mini"})
    url, proc = start_server(data)
    try:
        yield url, store
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def past_the_minimum_time(page: Any) -> None:
    """A customer reads before sending: until the page's signed time is VOICE_MIN_SECONDS old
    (the rule under test is a span of real time, so real time passes)."""
    issued = int(page.locator("input[name=t]").get_attribute("value").split(".")[0])
    left = issued + limits.VOICE_MIN_SECONDS + 1 - time.time()
    if left > 0:
        page.wait_for_timeout(left * 1000)


def answer(page: Any, *, entrance: tuple[str, str], waiting: tuple[str, str] | None, level: str) -> None:
    groups = page.locator("main > form > fieldset")
    for n, pair in enumerate([entrance, waiting]):
        if pair is None:
            continue
        inner = groups.nth(n).locator("fieldset")
        inner.nth(0).get_by_label(pair[0], exact=True).check()
        inner.nth(1).get_by_label(pair[1], exact=True).check()
    page.get_by_label(level).check()


def test_voice__phone_on_slow_3g__scan_answer_submit(voice_server: tuple[str, TinyStore],
                                                     browser: Any) -> None:
    from playwright.sync_api import expect

    url, store = voice_server
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    throttle(ctx, page)
    started = time.monotonic()
    page.goto(url + "/v/loc-a", wait_until="load")
    loaded = time.monotonic() - started
    assert loaded < 5, f"first load took {loaded:.1f} s on slow 3G"  # one request, a few KB
    expect(page.get_by_role("heading", name="Расскажите о визите")).to_be_visible()
    assert not serious(page), serious(page)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    small = [x for x in page.evaluate(TAPPABLE) if x[1] < 44 or x[2] < 44]
    assert not small, small
    # the keyboard: a radio group is one stop, arrows pick within it, the focus is drawn
    page.get_by_role("radio", name="1").first.focus()
    page.keyboard.press("ArrowRight")
    assert page.locator("#e-entrance-2").is_checked()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    answer(page, entrance=("4", "2"), waiting=("3", "5"), level="Вау!")
    page.get_by_label("Что-то ещё? (необязательно)").fill("Лужа у входа, но кофе отличный")
    past_the_minimum_time(page)
    page.get_by_role("button", name="Отправить").tap()
    expect(page.get_by_role("heading", name="Спасибо!")).to_be_visible()
    got = [r for r in store.list_voice_responses() if r.location_id == "loc-a"]
    assert len(got) == 1 and got[0].level == "wow"
    assert [(r.section, r.expected, r.perceived) for r in got[0].ratings] == [
        ("entrance", 4, 2), ("waiting", 3, 5)]
    # the same phone again today: told so, no second form
    page.goto(url + "/v/loc-a")
    expect(page.get_by_text("Вы уже рассказали нам")).to_be_visible()
    assert page.locator("form").count() == 0
    ctx.close()


def test_voice__javascript_off__the_plain_form_works(voice_server: tuple[str, TinyStore],
                                                     browser: Any) -> None:
    from playwright.sync_api import expect

    url, store = voice_server
    ctx = browser.new_context(**PHONE_CONTEXT, locale="en-GB", java_script_enabled=False)
    page = ctx.new_page()
    page.goto(url + "/v/loc-b")
    expect(page.get_by_role("heading", name="Tell us about your visit")).to_be_visible()
    answer(page, entrance=("2", "5"), waiting=None, level="As expected")
    past_the_minimum_time(page)
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    got = [r for r in store.list_voice_responses() if r.location_id == "loc-b"]
    assert len(got) == 1 and [(r.section, r.expected, r.perceived) for r in got[0].ratings] == [
        ("entrance", 2, 5)]
    # a mistake is shown on the page, the answers kept, still without a script
    page.goto(url + "/v/loc-a?lang=ru")
    page.get_by_role("link", name="English").click()
    answer(page, entrance=("3", "3"), waiting=None, level="Wow!")
    page.locator("main > form > fieldset").nth(1).locator("fieldset").nth(0).get_by_label(
        "1", exact=True).check()
    past_the_minimum_time(page)
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("alert")).to_contain_text("choose both what you expected")
    assert page.locator("#e-entrance-3").is_checked()
    ctx.close()


def test_voice__320_px_wide__nothing_sideways(voice_server: tuple[str, TinyStore], browser: Any) -> None:
    url, _ = voice_server
    ctx = browser.new_context(**{**PHONE_CONTEXT, "viewport": {"width": 320, "height": 640}}, locale="ru-RU")
    page = ctx.new_page()
    page.goto(url + "/v/loc-a?lang=ru")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
    assert not serious(page), serious(page)
    ctx.close()
