"""The website typo check on the phone: when the server could check only part of the text, or
none of it, the shopper reads why in their language under the pasted text."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from audit.audits import capture as audits
from audit.store.folder.backend import TinyStore
from tests.e2e.conftest import PHONE_CONTEXT, card, sign_in, snap

pytestmark = pytest.mark.e2e


def test_typo_check__the_servers_note_shown_under_the_text(
        server: tuple[str, TinyStore], browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # a shared, loaded machine: generous, never a sleep
    url, store = server
    sam = store.get_user("sam")
    assert sam is not None
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="ru").id
    # what the server stores when its check stopped early (out of time on a long text)
    audits.answer(store, sam, audit_id, "office.site",
                  value={"text": "Мы всегда радв помочь.", "flagged": ["радв"], "typos": [],
                         "checked": "out_of_time", "checked_chars": 9000})
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sign_in(page, url, "sam")
    page.goto(f"{url}/?id={audit_id}&s=office")
    site = card(page, "office.site")
    note = site.locator(".hint.warn")
    expect(note).to_have_text("Проверка остановилась на 9\u00a0000 символах: в тексте слишком много "
                              "незнакомых слов. Он на русском или английском?")
    expect(site.get_by_role("button", name="радв")).to_be_visible()  # the words it did find
    site.scroll_into_view_if_needed()
    snap(page, Path(os.environ.get("AUDIT_SNAPS", tmp_path)), "typo-note")
    ctx.close()
