"""Every tap on the phone walk is the shopper's own and none is lost, by real touches in Chromium.

- A touch that moves to another screen ends there: the browser's click that follows the finger
  lifting never reaches the new screen's controls, whichever control made the move.
- A tap every 500 ms through a hard drop of the link (the socket broken, not a browser switch)
  and the reconnect: every one shown at once and stored once the link is back.
- Steady screens: the saved mark of a card changes nothing below it; the status line is whole,
  its count too, from 320 to 430 px.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audit.audits import capture as audits
from audit.checklist import shipped_dir
from audit.checklist.parse import parse_checklist
from audit.checklist.templates import add_template
from audit.model import Checklist
from audit.people import accounts
from audit.store.folder.backend import TinyStore
from tests.e2e.conftest import PHONE_CONTEXT, card, snap, status
from tests.e2e.link import Link
from tests.e2e.taps import FRAMES, drop_taps, ghost_moves, state, tap

pytestmark = pytest.mark.e2e

REVIEW = "Проверка и отправка"
# a section's card tops, from the top of the walk's page (whatever is scrolled)
TOPS = """(walk) => { const top = walk.querySelector('.page').getBoundingClientRect().top;
  return Object.fromEntries([...walk.querySelectorAll('.card')]
    .map((c) => [c.dataset.key, c.getBoundingClientRect().top - top])); }"""
# the status line: wider or taller than its box means some of it is cut
STATUS_FITS = """(s) => { const t = s.querySelector('.status-text');
  return { text: t.textContent, fits: s.scrollWidth <= s.clientWidth && t.scrollWidth <= t.clientWidth
    && t.scrollHeight <= t.clientHeight + 1 && t.getBoundingClientRect().right <= innerWidth }; }"""


@pytest.fixture(scope="module")
def service(server: tuple[str, TinyStore]) -> Checklist:
    """The shipped service-point checklist (twelve sections, long ones) in the served store."""
    _, store = server
    text = (shipped_dir() / "service-point.yaml").read_text(encoding="utf-8")
    add_template(store, text, by="test")
    return parse_checklist(text, source="service-point.yaml")


@pytest.fixture
def link(server: tuple[str, TinyStore]) -> Iterator[Link]:
    url, _ = server
    with Link(int(url.rsplit(":", 1)[1])) as relay:
        yield relay


def new_audit(store: TinyStore) -> str:
    sam = store.get_user("sam")
    assert sam is not None
    return audits.start_audit(store, sam, location_id="loc-a", template_id="service-point",
                              mode="mystery", lang="ru").id


def phone(browser: Any, url: str, store: TinyStore, audit_id: str, **extra: Any) -> tuple[Any, Any]:
    """A signed-in phone showing the audit, every change on it sent."""
    from playwright.sync_api import expect

    sam = store.get_user("sam")
    assert sam is not None
    ctx = browser.new_context(**{**PHONE_CONTEXT, **extra}, locale="ru-RU")
    ctx.add_cookies([{"name": "audit_session", "value": accounts.start_session(store, sam),
                      "url": url, "httpOnly": True, "sameSite": "Lax"}])
    page = ctx.new_page()
    page.goto(f"{url}/?id={audit_id}")
    expect(status(page)).to_have_attribute("data-state", "saved")
    return ctx, page


@pytest.mark.slow
def test_moves_by_every_control__the_touch_changes_nothing_on_the_new_screen(
        server: tuple[str, TinyStore], browser: Any, service: Checklist, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    ctx, page = phone(browser, url, store, audit_id)
    snap(page, tmp_path, "walk-start")
    titles = [(s.id, s.title.get("ru")) for s in service.sections]
    moves = ghost_moves(page, titles, REVIEW)
    n = len(titles)
    assert moves.made == {"bottom-next": n, "bottom-back": n - 1, "top-next": n, "top-prev": n,
                          "list": n, "review-links": n}
    assert moves.changed == [], "a move's touch changed the screen it opened"
    expect(status(page)).to_have_attribute("data-state", "saved")
    assert store.get_audit(audit_id).answers == {}  # type: ignore[union-attr]
    print(f"ghost-taps: {len(moves.changed)} of {moves.total}")
    ctx.close()


@pytest.mark.slow
def test_a_tap_every_500_ms_through_a_hard_drop_and_reconnect__each_shown_and_stored(
        server: tuple[str, TinyStore], browser: Any, service: Checklist, link: Link) -> None:
    from playwright.sync_api import expect

    _, store = server
    audit_id = new_audit(store)
    ctx, page = phone(browser, link.url, store, audit_id)
    page.locator("select.jump").select_option("service")
    section = service.section("service")
    assert section is not None
    keys = [f"service.{i.id}" for i in section.items if i.type == "yes_no" and i.photo == "none"][:12]
    assert len(keys) == 12
    sockets: list[Any] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    restored_at = [0]

    def restore() -> None:
        restored_at[0] = len(sockets)
        link.restore()

    def reconnected() -> bool:
        return len(sockets) > restored_at[0] and not sockets[-1].is_closed()

    taps = drop_taps(page, keys, ("Да", "Нет"), cut=link.cut, restore=restore, up=2, down=12,
                     after=4, reconnected=reconnected)
    assert link.cuts == 1
    assert sum(1 for t in taps.made if not t[3]) >= 20  # the drop had taps all through it
    assert taps.dead == [], "taps the screen never showed"
    expect(status(page)).to_have_attribute("data-state", "saved", timeout=90_000)
    answers = store.get_audit(audit_id).answers  # type: ignore[union-attr]
    assert {k: answers[k].value if k in answers else None for k in taps.last} == {
        k: label == "Да" for k, label in taps.last.items()}
    print(f"drop-taps: {len(taps.dead)} dead of {len(taps.made)}")
    ctx.close()


def test_saved_mark_changes__nothing_below_the_card_moves(
        server: tuple[str, TinyStore], browser: Any, service: Checklist) -> None:
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    ctx, page = phone(browser, url, store, audit_id)
    page.locator("select.jump").select_option("service")
    section = service.section("service")
    assert section is not None
    keys = [f"service.{i.id}" for i in section.items if i.type == "yes_no" and i.photo == "none"]
    walk = page.locator("div.walk[data-walk]")
    before = walk.evaluate(TOPS)
    ctx.set_offline(True)  # each answer stays "on this phone" until the link is back
    for key in keys:
        tap(page, card(page, key).get_by_role("button", name="Да", exact=True))
    expect(status(page)).to_have_attribute("data-count", str(len(keys)))  # all "on this phone"
    page.evaluate(FRAMES)
    pending = walk.evaluate(TOPS)
    ctx.set_offline(False)
    expect(status(page)).to_have_attribute("data-state", "saved", timeout=60_000)  # all "saved"
    page.evaluate(FRAMES)
    saved = walk.evaluate(TOPS)
    assert pending == before
    assert saved == pending, {k: (pending[k], saved[k]) for k in saved if saved[k] != pending[k]}
    ctx.close()


@pytest.mark.parametrize("width", [320, 390, 430])
def test_status_line__whole_with_its_count_at_every_phone_width(
        server: tuple[str, TinyStore], browser: Any, service: Checklist, width: int,
        tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, store = server
    audit_id = new_audit(store)
    ctx, page = phone(browser, url, store, audit_id, viewport={"width": width, "height": 844})
    bar = status(page)
    ctx.set_offline(True)
    expect(bar).to_have_attribute("data-state", "offline")
    assert bar.evaluate(STATUS_FITS) == {"text": "Нет связи: новые ответы сохранятся на телефоне",
                                         "fits": True}
    for key, label in [("hours.hours-posted", "Да"), ("hours.hours-consistent", "Да"),
                       ("hours.open-as-posted", "Да")]:
        tap(page, card(page, key).get_by_role("button", name=label, exact=True))
    expect(bar).to_have_attribute("data-count", "3")
    assert bar.evaluate(STATUS_FITS) == {"text": "Нет связи: ответы сохранены на телефоне (3)",
                                         "fits": True}
    page.screenshot(path=str(tmp_path / f"status-{width}.png"))
    ctx.set_offline(False)
    expect(bar).to_have_attribute("data-state", "saved", timeout=60_000)
    ctx.close()


def test_state_helper_reads_the_walk(server: tuple[str, TinyStore], browser: Any,
                                     service: Checklist) -> None:
    """The ghost test's eyes: an answer, an open panel and typed text all show in `state`."""
    url, store = server
    audit_id = new_audit(store)
    ctx, page = phone(browser, url, store, audit_id)
    empty = state(page)
    tap(page, card(page, "hours.hours-posted").get_by_role("button", name="Да", exact=True))
    extra = card(page, "hours.hours-consistent").locator("details.extra > summary")
    tap(page, extra)
    card(page, "hours.hours-consistent").locator("textarea").fill("табличка выцвела")
    now = state(page)
    assert empty["pressed"] == [] and now["pressed"] == ["hours.hours-posted:Да"]
    opened = [sum(o.endswith(":true") for o in s["open"]) for s in (empty, now)]
    assert opened[1] == opened[0] + 1
    assert now["typed"] == ["hours.hours-consistent"]
    ctx.close()
