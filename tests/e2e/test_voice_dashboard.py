"""HQ's customers' voice tab on a phone: real Chromium at 390×844 — no horizontal page scroll,
no label over another, no table column cut off at the screen's edge."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from audit.ops.demo import generate
from audit.store.folder.backend import TinyStore
from tests.conftest import populate
from tests.e2e.conftest import PHONE, PHONE_CONTEXT, sign_in, start_server, wait_for

# every visible text box in the voice tab's panel, with its page rectangle; the boxes of two
# texts that overlap (by more than a pixel either way) are one label over another
BOXES = """(panel) => {
  const out = [];
  const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width < 1 || r.height < 1) continue;
      const el = node.parentElement;
      // inside a closed expander, or otherwise not shown: nobody reads it
      if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
      out.push({text: node.textContent.trim().slice(0, 40), x: r.left, y: r.top,
                w: r.width, h: r.height});
    }
  }
  return out;
}"""
# every table shown (a data grid, a Markdown table): its box against the screen, and how much
# of it lies beyond its own box (a column the reader would have to scroll sideways to, or that
# is cut off)
TABLES = """(panel) => [...panel.querySelectorAll('[data-testid="stDataFrame"], table')]
  .filter((el) => el.checkVisibility())
  .map((el) => {
    const box = el.getBoundingClientRect();
    const scroller = el.matches('table') ? el.parentElement : el.querySelector('.dvn-scroller');
    return {kind: el.tagName, left: box.left, right: box.right,
            hidden: scroller ? scroller.scrollWidth - scroller.clientWidth : 0};
  })"""


@pytest.fixture(scope="module")
def voice_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("e2e-voice") / "data"
    store = TinyStore(data)
    generate(store, seed=2, audits=60, today=datetime.now(UTC).date(), photos=False)  # with voice
    populate(store)  # "boss", HQ, signs in with the tests' password
    url, proc = start_server(data)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def overlaps(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > 1 and dy > 1:
                found.append((a["text"], b["text"]))
    return found


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_voice_tab__readable_at_390(voice_server: str, browser: Any, lang: str,
                                    tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(**PHONE_CONTEXT, locale={"ru": "ru-RU", "en": "en-US"}[lang])
    page = context.new_page()
    try:
        # the server's first run of the app with a year of data: given time once, not per step
        page.goto(voice_server)
        expect(page.get_by_role("button", name={"ru": "Войти", "en": "Sign in"}[lang])
               ).to_be_visible(timeout=120_000)
        sign_in(page, voice_server, "boss", lang=lang)
        page.goto(voice_server + "/dashboard")
        tab = page.get_by_role("tab", name={"ru": "Голос клиента", "en": "Customers' voice"}[lang])
        tab.scroll_into_view_if_needed()
        tab.tap()
        panel = page.get_by_role("tabpanel").filter(
            has=page.get_by_text({"ru": "Ожидание и реальность по точкам контакта",
                                  "en": "Expected against got, by touchpoint"}[lang]))
        expect(panel).to_be_visible()
        expect(panel.locator('table').first).to_be_visible()
        wait_for(lambda: page.evaluate("document.querySelectorAll('[data-stale=\"true\"]').length")
                 == 0, "the page to settle")
        page.screenshot(path=str(tmp_path / f"voice-{lang}.png"), full_page=True)
        # no horizontal scroll of the page itself
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        handle = panel.element_handle()
        # no label over another
        assert overlaps(page.evaluate(BOXES, handle)) == []
        # every text box and every table inside the screen's width
        for b in page.evaluate(BOXES, handle):
            assert b["x"] >= -1 and b["x"] + b["w"] <= PHONE["width"] + 1, b
        tables = page.evaluate(TABLES, handle)
        assert len(tables) >= 2  # the gap table and the shoppers' own, as the phone shows them
        for table in tables:
            assert table["left"] >= -1 and table["right"] <= PHONE["width"] + 1, table
            assert table["hidden"] <= 1, table
    finally:
        context.close()
