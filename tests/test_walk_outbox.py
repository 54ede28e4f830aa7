"""The phone's outbox (audit/ui/walk/js: db.js, outbox.js, sync.js) in a real headless Chromium,
with the network replaced by a hand that answers when the test says: the moments between a
batch's answer arriving and its changes being forgotten, where a tap can fall through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from audit.ui.walk import component
from tests.e2e.conftest import FLAGS, chromium_path

ORIGIN = "http://walk.test/"  # a real origin: the outbox keeps its changes in IndexedDB
FILES = ("rules.js", "db.js", "outbox.js", "sync.js", "texts.js")

# The network: each /api/sync call recorded; the first answer's body is held until released.
HAND = """() => {
  window.calls = [];
  let release;
  window.held = new Promise((r) => { release = r; });
  window.release = () => release();
  window.fetch = async (url, opts) => {
    const body = JSON.parse(opts.body);
    window.calls.push(body);
    const answer = { acked: body.changes.map((c) => c.seq), refused: [], answers: {}, digest: "d" };
    const first = window.calls.length === 1;
    return { ok: true, status: 200,
             text: async () => { if (first) await window.held; return JSON.stringify(answer); },
             json: async () => { if (first) await window.held; return answer; } };
  };
}"""


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    executable = chromium_path()  # CI: fails when Chromium is missing; elsewhere skips
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=FLAGS)
        pg = browser.new_page()
        pg.route(ORIGIN, lambda route: route.fulfill(status=200, content_type="text/html",
                                                     body="<!doctype html><title>outbox</title>"))
        pg.goto(ORIGIN)
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        for name in FILES:
            pg.add_script_tag(content=(component.HERE / "js" / name).read_text(encoding="utf-8"))
        assert pg.evaluate("typeof enqueue") == "function", errors
        yield pg
        assert not errors
        browser.close()


def test_a_tap_while_the_answer_to_the_last_one_is_being_read__is_sent(page: Any) -> None:
    """"Да", then "Нет" on the same question while the server's answer to "Да" is still being
    read: "Нет" must reach the server (it once joined the "Да" change, which the answer then
    forgot, so the server kept "Да")."""
    page.evaluate(HAND)
    page.evaluate("""async () => {
      box.session = { user: "sam", csrf: "t", lang: "ru" };
      await box.ready;
      enqueue("a1", "answer", "talk.promised", { value: true });
    }""")
    page.wait_for_function("window.calls.length === 1")  # "Да" sent; its answer's body held
    page.evaluate("""() => enqueue("a1", "answer", "talk.promised", { value: false })""")
    page.evaluate("window.release()")
    page.wait_for_function("box.entries.length === 0 && !box.sending")
    sent = page.evaluate("window.calls.map((c) => c.changes.map((x) => x.value))")
    assert sent[0] == [True]
    assert [False] in sent[1:], sent  # the second tap went out after the first


def test_a_sync_that_never_answers__given_up_and_sent_again_under_its_numbers(page: Any) -> None:
    """A half-open socket: the fetch neither answers nor fails. After the wait the phone gives it
    up and sends the same changes again (same numbers: the server applies them once), and the
    outbox empties; before, the lane waited behind it for ever."""
    page.evaluate("""() => {
      window.calls = [];
      window.fetch = (url, opts) => new Promise((resolve, reject) => {
        const body = JSON.parse(opts.body);
        window.calls.push(body);
        const mine = body.audit === "a2" && body.changes.length;
        if (mine && window.calls.filter((c) => c.audit === "a2").length === 1) {
          // the first never answers: only the phone's own abort ends it
          const gone = () => reject(new DOMException("gone", "AbortError"));
          if (opts.signal) opts.signal.addEventListener("abort", gone);
          return;
        }
        const answer = { acked: body.changes.map((c) => c.seq), refused: [], answers: {}, digest: "d" };
        resolve({ ok: true, status: 200, text: async () => JSON.stringify(answer),
                  json: async () => answer });
      });
    }""")
    page.evaluate("""async () => {
      box.syncWait = 300;
      box.session = { user: "sam", csrf: "t", lang: "ru" };
      await box.ready;
      enqueue("a2", "answer", "talk.greets", { value: true });
      enqueue("a2", "comment", "talk.greets", { value: "smiled" });
    }""")
    page.wait_for_function("box.entries.filter((e) => e.audit === 'a2').length === 0 && !box.sending",
                           timeout=20_000)
    sent = page.evaluate("""window.calls.filter((c) => c.audit === "a2" && c.changes.length)
      .map((c) => c.changes.map((x) => [x.kind, x.seq, x.value]))""")
    assert len(sent) >= 2, sent
    again = {tuple(c) for c in sent[1]}
    assert all(tuple(c) in again for c in sent[0]), sent  # the given-up batch, under its numbers
    assert sorted({tuple(c) for b in sent for c in b}) == [("answer", 3, True), ("comment", 4, "smiled")]
