"""Real touches on the phone walk, for the tests and benchmarks/field.py alike.

- ghost_moves: every way of moving between sections (the bottom and top buttons, the section
  list, the review's links), each by a real touch, and what the move changed on the screen it
  opened that nobody touched: an answer, a comment or panel opened, a photo viewer.
- drop_taps: a tap every 500 ms on the walk's answers through a hard drop of the link and the
  reconnect after it; which taps never showed.

Touches go through DevTools' Input.dispatchTouchEvent (page.touchscreen.tap), so the browser
makes of them what a phone's screen would: pointer and touch events, then its own click.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# what a screen of the walk shows that only the shopper should change: answers chosen, boxes
# ticked, panels (comment and photos, guidance, section N/A) open, the photo viewer, text typed
STATE = """(walk) => {
  const page = walk.querySelector('.page');
  const where = (el) => { const c = el.closest('[data-key], [data-section]');
    return c ? (c.dataset.key || c.dataset.section) : ''; };
  return {
    screen: (page.querySelector('h2') || {}).textContent || '',
    pressed: [...page.querySelectorAll('[aria-pressed="true"]')].map((b) => where(b) + ':' + b.textContent),
    open: [...page.querySelectorAll('details')].map((d, i) => where(d) + '#' + i + ':' + d.open),
    checked: [...page.querySelectorAll('input[type=checkbox]:checked')].map(where),
    typed: [...page.querySelectorAll('textarea, input[type=text], input[type=number]')]
      .filter((f) => f.value).map(where),
    viewer: !walk.querySelector('.viewer').hidden,
  };
}"""
# resolves once the frame after the next has been painted: a click the browser makes of a
# touch is dispatched with the touch's end, before that
FRAMES = """() => new Promise((ok) =>
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(ok, 0))))"""


def walk(page: Any) -> Any:
    return page.locator("div.walk[data-walk]")


def state(page: Any) -> dict[str, Any]:
    return walk(page).evaluate(STATE)  # type: ignore[no-any-return]


def tap(page: Any, target: Any) -> None:
    """A finger on the middle of `target` (scrolled into view first), as a phone's screen sends it."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None, "nothing to tap"
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def shows(page: Any, title: str, seconds: float = 30) -> None:
    """Until the walk shows the screen titled `title`, and two more frames."""
    from playwright.sync_api import expect

    expect(walk(page).locator(".page > h2")).to_have_text(title, timeout=seconds * 1000)
    page.evaluate(FRAMES)


@dataclass
class Moves:
    """Every move made and, per control, the moves that changed something on the new screen."""

    made: dict[str, int] = field(default_factory=dict)
    changed: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.made.values())


def ghost_moves(page: Any, titles: list[tuple[str, str]], review: str, *,
                controls: tuple[str, ...] = ("bottom-next", "bottom-back", "top-next", "top-prev",
                                             "list", "review-links")) -> Moves:
    """Move through the sections `titles` ([(id, title)], in order) by each of `controls`;
    `review` is the review's title. The walk must show no answer: each screen is first seen
    by the list (no touch) and must look the same after every touched move to it."""
    jump = walk(page).locator("select.jump")
    seen: dict[str, dict[str, Any]] = {}
    for sid, title in [*titles, ("review", review)]:
        jump.select_option(sid)
        shows(page, title)
        seen[title] = state(page)
    out = Moves()

    def check(control: str, title: str) -> None:
        shows(page, title)
        now = state(page)
        out.made[control] = out.made.get(control, 0) + 1
        if now != seen[title]:
            out.changed.append((control, title, seen[title], now))

    names = [t for _, t in titles] + [review]
    bottom = walk(page).locator(".page > .bottom")
    for control in controls:
        if control in ("bottom-next", "top-next"):
            jump.select_option(titles[0][0])
            shows(page, names[0])
            for title in names[1:]:
                button = (bottom.locator("button.primary") if control == "bottom-next"
                          else walk(page).locator(".nav button.next"))
                tap(page, button)
                check(control, title)
        elif control in ("bottom-back", "top-prev"):
            # the review has no bottom row: back from the last section
            start = -2 if control == "bottom-back" else -1
            jump.select_option(titles[-1][0] if control == "bottom-back" else "review")
            shows(page, names[start])
            for title in reversed(names[:start]):
                button = (bottom.locator("button:not(.primary)") if control == "bottom-back"
                          else walk(page).locator(".nav button.prev"))
                tap(page, button)
                check(control, title)
        elif control == "list":
            for sid, title in [*titles[1:], titles[0]]:
                tap(page, jump)  # the finger opens the list; the phone's own picker chooses
                jump.select_option(sid)
                check(control, title)
        elif control == "review-links":
            for _, title in titles:
                jump.select_option("review")
                shows(page, review)
                link = page.get_by_role("button", name=re.compile(rf": {re.escape(title)} › ")).first
                link.wait_for(timeout=60_000)
                tap(page, link)
                check(control, title)
        else:
            raise ValueError(f"no such control: {control}")
    return out


@dataclass
class Taps:
    """Taps made through a drop: (seconds from the first tap, item, label, link up) of each,
    and those the screen never showed."""

    made: list[tuple[float, str, str, bool]] = field(default_factory=list)
    dead: list[tuple[float, str, str, bool]] = field(default_factory=list)
    last: dict[str, str] = field(default_factory=dict)  # item -> label of its last tap


def drop_taps(page: Any, keys: list[str], labels: tuple[str, str], *, cut: Callable[[], None],
              restore: Callable[[], None], up: float, down: float, after: float,
              reconnected: Callable[[], bool], every: float = 0.5, shown_within: float = 3) -> Taps:
    """Tap an answer of `keys` in turn every `every` s: `up` s with the link, `down` s cut, then
    on until `reconnected()` (the page has its socket again) and `after` s more. Each pass over
    `keys` taps the other of `labels`, so every tap changes its answer. A tap counts as shown
    when its button is pressed within `shown_within` s (a busy machine draws late, but a
    swallowed tap never draws)."""
    out = Taps()
    start = time.monotonic()
    phase = "up"
    back_at: float | None = None
    n = 0
    while True:
        now = time.monotonic() - start
        if phase == "up" and now >= up:
            cut()
            phase = "down"
        elif phase == "down" and now >= up + down:
            restore()
            phase = "back"
        if phase == "back" and back_at is None and reconnected():
            back_at = now
        if back_at is not None and now >= back_at + after:
            break
        if now > up + down + 120:
            raise AssertionError("the page did not reconnect within 2 minutes of the link's return")
        key = keys[n % len(keys)]
        label = labels[(n // len(keys)) % 2]
        button = page.locator(f"[data-key='{key}'] .opts button").filter(
            has_text=re.compile(f"^{re.escape(label)}$"))
        tap(page, button)
        made = (round(now, 1), key, label, phase != "down")
        out.made.append(made)
        out.last[key] = label
        shown = time.monotonic() + shown_within
        while button.get_attribute("aria-pressed") != "true":
            if time.monotonic() > shown:
                out.dead.append(made)
                break
            time.sleep(0.02)  # polling interval, not a timing assumption
        n += 1
        next_at = start + n * every
        while time.monotonic() < next_at:
            time.sleep(0.01)  # the cadence of the taps: the scenario, not a wait for the app
    return out
