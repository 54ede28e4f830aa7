"""`when:` conditions and a section answered N/A, on the phone: shown and hidden at the tap, kept
on the server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from audit.audits import capture as audits
from audit.checklist.templates import add_template
from audit.store.folder.backend import TinyStore
from tests.e2e.conftest import PHONE_CONTEXT, card, sign_in, snap, status, tap_option, wait_for
from tests.test_conditions import COND_YAML

pytestmark = pytest.mark.e2e


def test_walk__an_answer_shows_and_hides_items_and_a_section_is_skipped_in_one_tap(
        server: tuple[str, TinyStore], browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # a shared, loaded machine: generous, never a sleep
    url, store = server
    add_template(store, COND_YAML, by="test")
    sam = store.get_user("sam")
    assert sam is not None
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="cond",
                                  mode="mystery", lang="ru").id
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sign_in(page, url, "sam")
    page.goto(f"{url}/?id={audit_id}")
    expect(card(page, "talk.promised")).to_be_visible()
    expect(card(page, "talk.kept")).to_have_count(0)  # nothing promised yet
    tap_option(page, "talk.promised", "Да")
    expect(card(page, "talk.kept")).to_be_visible()  # on the same screen, at the tap
    tap_option(page, "talk.promised", "Нет")
    expect(card(page, "talk.kept")).to_have_count(0)
    jump = page.locator("select.jump")
    tap_option(page, "talk.channel", "Никакой")  # the parking section's condition fails
    expect(jump.locator("option", has_text="Парковка")).to_have_count(0)
    tap_option(page, "talk.channel", "Телефон")
    expect(jump.locator("option", has_text="Парковка")).to_have_count(1)

    page.locator("[data-act=next]").tap()
    expect(page.get_by_role("heading", name="Туалет")).to_be_visible()
    skip = page.locator("[data-act=section-na]")
    expect(skip).to_have_text("Пропустить раздел: В отделении нет туалета для клиентов")
    skip.tap()
    expect(card(page, "restroom.clean")).to_have_count(0)  # nothing left to answer
    expect(page.get_by_text("Пропущен: В отделении нет туалета для клиентов")).to_be_visible()
    expect(jump.locator("option", has_text="Туалет")).to_have_text(re.compile(r"● Туалет · 2/2"))
    expect(status(page)).to_have_attribute("data-state", "saved")
    snap(page, tmp_path, "section-na")

    def stored() -> Any:
        a = store.get_audit(audit_id)
        return a if a is not None and "restroom" in a.answers and a.answers["restroom"].na else None

    a = wait_for(stored, "the skipped section on the server")
    assert a.answers["restroom"].comment == "В отделении нет туалета для клиентов"
    assert a.answers["talk.promised"].value is False and a.answers["talk.channel"].value == "phone"

    page.locator("[data-act=section-na-undo]").tap()
    expect(card(page, "restroom.clean")).to_be_visible()
    wait_for(lambda: not store.get_audit(audit_id).answers["restroom"].na,  # type: ignore[union-attr]
             "the section answered again")
    ctx.close()
