"""Names, addresses and checklist texts HQ types are shown as text: no Markdown, no outside images.

Every page, for every role, through AppTest: Markdown, links and HTML put into every text a
person or a checklist writes are read back from every element the page sends (Markdown bodies,
captions, headers, alerts, widget and expander labels, options); none makes a link, an image
or an HTML element, and each reads literally. The served app in Chromium checks the same for
HQ's pages (and that nothing is fetched).
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from audit import workflow
from audit.actions import service as actions
from audit.audits import capture as audits
from audit.checklist.templates import add_template
from audit.model import User
from audit.model.visits import Plan
from audit.people import accounts
from audit.review import steps as review
from audit.store.folder.backend import TinyStore
from audit.ui.common import close_app_stores, esc
from audit.visits import service as visit_service
from tests.conftest import MINI_GOOD, MINI_YAML, _free_port, photograph, populate
from tests.e2e.conftest import PHONE, browser, option, playwright  # noqa: F401  (fixtures)
from tests.e2e.conftest import wait_healthy as _wait_healthy

ROOT = Path(__file__).resolve().parents[2]
TRACKER = "127.0.0.1:9"  # the discard port: nothing answers, but a request would be seen
NAME = f"Арбат **жирный** ![p](http://{TRACKER}/name.png) :red[красный] $x^2$"
REGION = f"[клик](http://{TRACKER}/region) _курсив_"
ADDRESS = f"<img src=http://{TRACKER}/address.png> # улица"
PERSON = f"Иван ![i](http://{TRACKER}/person.png) :material/warning: `код` :smile:"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TinyStore, str]]:
    data = tmp_path_factory.mktemp("plain") / "data"
    store = TinyStore(data)
    people = populate(store)
    loc = store.get_location("loc-a")
    assert loc is not None
    store.put_location(dataclasses.replace(loc, name=NAME, region=REGION, address=ADDRESS))
    accounts.update_user(store, "boss", display_name=PERSON)
    token = accounts.start_session(store, people["hq"])
    port = _free_port()
    env = {**os.environ, "AUDIT_DATA_DIR": str(data)}
    env.pop("AUDIT_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "asgi.py"),
         "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, store, token
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.e2e
def test_hq_pages__hostile_names_read_literally_and_fetch_nothing(
        hostile: tuple[str, TinyStore, str], browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    url, store, token = hostile
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                              locale="ru-RU")
    ctx.add_cookies([{"name": "audit_session", "value": token, "url": url}])
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))

    def shown() -> str:  # what a person reads (the word joiners esc adds are invisible)
        return page.inner_text("body").replace("\u2060", "")

    def appears(*starts: str) -> None:  # poll until each is drawn (the page runs in steps)
        for start in starts:
            expect(page.get_by_text(start).first).to_be_visible()

    page.goto(url + "/location")
    appears("Арбат **жирный**", "[клик]")
    assert NAME in shown() and REGION in shown()
    page.screenshot(path=str(tmp_path / "locations.png"))
    page.goto(url + "/location?id=loc-a")
    expect(page.get_by_role("heading", name="Арбат **жирный**")).to_be_visible()
    appears("<img src")
    assert NAME in shown() and ADDRESS in shown()
    page.screenshot(path=str(tmp_path / "location.png"))
    page.goto(url + "/admin")
    appears("Иван ![i]")
    assert PERSON in shown()
    page.screenshot(path=str(tmp_path / "admin.png"))
    option(page, "admin.part", "Точки").tap()
    appears("Арбат **жирный**")
    assert NAME in shown()
    page.screenshot(path=str(tmp_path / "admin-locations.png"))

    assert not [u for u in fetched if TRACKER in u]
    assert page.locator(f"img[src*='{TRACKER}']").count() == 0
    assert page.locator(f"a[href*='{TRACKER}']").count() == 0
    assert store.get_location("loc-a").name == NAME  # type: ignore[union-attr]


# -- every page, every role, through AppTest -----------------------------------------------------


def attack(tag: str) -> str:
    """Markdown, a link, an image, HTML, Streamlit's colour, an emoji shortcode, maths and a bare
    web address, after a tag that says which field it was put into."""
    return (f"ZQ{tag} **b** _i_ [l](http://{TRACKER}/{tag}) ![p](http://{TRACKER}/{tag}.png) "
            "<b>h</b> :red[r] :smile: $x$ www.x.io")


PAGES = "audit/ui/pages/"
BY_ROLE = {  # the pages each role's navigation offers (streamlit_app.BY_ROLE)
    "shopper": ("audits", "start"),
    "manager": ("actions", "audits", "start", "locations"),
    "reviewer": ("audits", "actions"),
    "hq": ("dashboard", "plan", "review", "actions", "locations", "audits", "start", "admin"),
}
PARTS = {"admin": ("admin.part", ("people", "locations", "templates", "brand", "actions")),
         "plan": ("plan.part", ("coverage", "plan", "shoppers"))}
# (element, field) whose text is shown as it is: options of a select box, st.text, inputs' values,
# chart specs; the phone's walk element (its own JS renders texts as text) sends JSON
PLAIN = {("selectbox", "options"), ("multiselect", "options"), ("text", "body"),
         ("text_input", "default"), ("text_input", "value"), ("text_area", "default"),
         ("text_area", "value"), ("vega_lite_chart", "spec"),
         ("arrow_vega_lite_chart", "spec"), ("bidi_component", "json")}
RAW = (":red[r]", ":smile:", "$x$", "http://", "www.x")  # Streamlit's own syntax, and autolinks
MADE = {"link_open", "image", "html_inline", "html_block"}  # never made from people's text
# a tag is lower case after "ZQ" with nothing of a word on either side: a random id (an audit's,
# an upload's) that happens to hold "ZQ" is not taken for one
TAG = re.compile(r"(?<![\w-])ZQ([a-z][a-z0-9_-]*)(?![\w-])")
_md = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def read_as_markdown(source: str) -> tuple[str, set[str]]:
    """What CommonMark makes of `source`: the text a person reads, and the kinds of element made
    (the word joiners `esc` adds are invisible)."""
    text: list[str] = []
    made: set[str] = set()
    for tok in _md.parse(source):
        made.add(tok.type)
        for child in tok.children or []:
            made.add(child.type)
            if child.type in ("text", "code_inline"):
                text.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                text.append(" ")
    return "".join(text).replace("\u2060", ""), made


def problems(element: str, field: str, source: str) -> list[str]:
    """What is wrong with one string a page sent, for each hostile text in it."""
    if (element, field.split(".")[0]) in PLAIN:
        return [f"{t}: not literal" for t in TAG.findall(source) if attack(t) not in source]
    text, made = read_as_markdown(source)
    return ([f"made {m}" for m in sorted(made & MADE)] + [f"{r} left as syntax" for r in RAW
                                                          if r in source]
            + [f"{t}: not literal" for t in TAG.findall(text) if attack(t) not in text])


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _strings(msg: Any, path: str = "") -> Iterator[tuple[str, str]]:
    for field, value in msg.ListFields():
        name = f"{path}.{field.name}" if path else field.name
        values = value if field.is_repeated else [value]
        if field.type == field.TYPE_MESSAGE:
            for v in values:
                if hasattr(v, "ListFields"):
                    yield from _strings(v, name)
        elif field.type == field.TYPE_STRING:
            for v in values:
                yield name, v


def sent(at: AppTest) -> Iterator[tuple[str, str, str]]:
    """(element, field, text) of every string of every element and block the page sent that
    holds a hostile text."""
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        for field, text in _strings(proto):
            if "ZQ" in text:
                yield str(getattr(node, "type", type(node).__name__)), field, text


def build_hostile(folder: Path) -> tuple[TinyStore, dict[str, User], dict[str, str]]:
    """A network where every text people and the checklist write is hostile: names, places,
    the checklist (titles, sections, items, options, guidance), a scenario, answers and
    comments, a reviewer's comment and grade, an action's note, the brand."""
    store = TinyStore(folder)
    populate(store)
    for loc_id in ("loc-a", "loc-b"):
        loc = store.get_location(loc_id)
        assert loc is not None
        store.put_location(dataclasses.replace(loc, name=attack(f"name-{loc_id}"),
                                               region=attack(f"region-{loc_id}"),
                                               address=attack(f"address-{loc_id}")))
    accounts.create_user(store, "rev", "reviewer", "secret-pass",
                         regions=(attack("region-loc-a"),))
    for u in store.list_users():
        accounts.update_user(store, u.name, display_name=attack(f"person-{u.name}"))
    people = {role: store.get_user(name) for role, name in (
        ("hq", "boss"), ("shopper", "sam"), ("shopper2", "sue"), ("manager", "mia"),
        ("reviewer", "rev"))}
    doc = yaml.safe_load(MINI_YAML)
    doc["title"] = {lang: attack(f"checklist-{lang}") for lang in ("ru", "en")}
    for s in doc["sections"]:
        s["title"] = {lang: attack(f"section-{s['id']}-{lang}") for lang in ("ru", "en")}
        for it in s["items"]:
            it["text"] = {lang: attack(f"item-{it['id']}-{lang}") for lang in ("ru", "en")}
            for o in it.get("options", []):
                o["text"] = {lang: attack(f"option-{o['id']}-{lang}") for lang in ("ru", "en")}
            if "guidance" in it:
                it["guidance"] = {lang: attack(f"guidance-{lang}") for lang in ("ru", "en")}
    add_template(store, yaml.safe_dump(doc, allow_unicode=True), by="boss")  # mini, version 2
    today = date.today()
    visit_service.plan_visits(store, people["hq"], Plan(  # type: ignore[arg-type]
        id="", template_id="mini", first=today - timedelta(days=2), last=today + timedelta(days=3),
        location_ids=("loc-a",), shoppers=("sam",), scenario_en=attack("scenario-en"),
        scenario_ru=attack("scenario-ru")))
    sue = people["shopper2"]
    assert sue is not None
    ids: dict[str, str] = {}

    def submitted(publish: bool, who: User = sue) -> str:
        audit_id = audits.start_audit(store, who, location_id="loc-a", template_id="mini",
                                      mode="mystery", lang="en").id
        for key, value in (MINI_GOOD | {"entrance.dry": False, "office.guard": False}).items():
            audits.answer(store, who, audit_id, key, value=value)
        photograph(store, who, audit_id, "office.facade")
        photograph(store, who, audit_id, "entrance.dry", comment=attack("comment"))
        audits.answer(store, who, audit_id, "office.notes", value=attack("text-answer"))
        workflow.submit(store, who, audit_id)
        review.comment(store, people["hq"], audit_id, "entrance.dry",  # type: ignore[arg-type]
                       attack("review-comment"))
        if publish:
            review.grade(store, people["hq"], audit_id, 4, attack("grade-note"))  # type: ignore[arg-type]
            workflow.publish(store, people["hq"], audit_id)  # type: ignore[arg-type]
        return audit_id

    ids["audit"] = submitted(publish=True)
    ids["in_review"] = submitted(publish=False)
    ids["sent_back"] = submitted(publish=False, who=people["shopper"])  # type: ignore[arg-type]
    review.send_back(store, people["hq"], ids["sent_back"],  # type: ignore[arg-type]
                     attack("send-back-note"))
    found = {a.key: a for a in store.audit_actions(ids["audit"], "loc-a")}
    ids["action"] = found["entrance.dry"].id
    manager = people["manager"]
    assert manager is not None
    actions.start_work(store, manager, ids["action"])
    actions.mark_done(store, manager, ids["action"], note=attack("action-note"))
    ids["rejected"] = found["office.guard"].id
    actions.mark_done(store, manager, ids["rejected"], note=attack("done-note"))
    actions.send_back(store, people["hq"], ids["rejected"],  # type: ignore[arg-type]
                      attack("send-back-reason"))
    draft = audits.start_audit(store, people["shopper"], location_id="loc-a",  # type: ignore[arg-type]
                               template_id="mini", mode="mystery", lang="en").id
    audits.answer(store, people["shopper"], draft, "entrance.clean", value=2,  # type: ignore[arg-type]
                  comment=attack("draft-comment"))
    ids["draft"] = draft
    store.put_settings({"brand_name": attack("brand")})
    return store, {k: v for k, v in people.items() if v is not None}, ids


def visit_every_page(store: TinyStore, user: User, ids: dict[str, str],
                     lang: str) -> Iterator[tuple[str, AppTest]]:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["_token"] = accounts.start_session(store, user)
    at.run()
    yield "first page", at
    for page, params in (("audits", {}), ("audits", {"id": ids["audit"]}),
                         ("audits", {"id": ids["in_review"]}), ("audits", {"id": ids["draft"]}),
                         ("audits", {"id": ids["draft"], "s": "review"}),
                         ("audits", {"id": ids["sent_back"]}),
                         ("actions", {"id": ids["rejected"]}),
                         ("start", {}), ("locations", {}), ("locations", {"id": "loc-a"}),
                         ("actions", {}), ("actions", {"id": ids["action"]}),
                         ("actions", {"audit": ids["audit"]}), ("dashboard", {}), ("plan", {}),
                         ("review", {}), ("admin", {})):
        if page not in BY_ROLE[user.role]:
            continue
        at.query_params.clear()
        for k, v in params.items():
            at.query_params[k] = v
        at.switch_page(PAGES + page + ".py").run()
        where = page + "".join(f"?{k}=…" for k in params)
        yield where, at
        key, parts = PARTS.get(page, ("", ()))
        for part in parts[1:]:
            at.segmented_control(key=key).set_value(part).run()
            yield f"{where} {part}", at


@pytest.fixture(scope="module")
def hostile_network(tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[tuple[TinyStore, dict[str, User], dict[str, str]]]:
    folder = tmp_path_factory.mktemp("hostile") / "data"
    mp = pytest.MonkeyPatch()
    mp.setenv("AUDIT_DATA_DIR", str(folder))
    mp.delenv("AUDIT_DATABASE_URL", raising=False)
    close_app_stores()
    try:
        yield build_hostile(folder)
    finally:
        close_app_stores()
        mp.undo()


@pytest.mark.parametrize("role", ["shopper", "manager", "reviewer", "hq"])
def test_every_page__hostile_texts_make_no_link_no_markup_no_html__read_literally(
        hostile_network: tuple[TinyStore, dict[str, User], dict[str, str]], role: str) -> None:
    store, people, ids = hostile_network
    wrong: list[str] = []
    seen: set[str] = set()
    for lang in ("en", "ru"):
        for where, at in visit_every_page(store, people[role], ids, lang):
            assert not at.exception, (where, at.exception[0].value)
            for element, field, text in sent(at):
                seen.update(TAG.findall(text))
                wrong += [f"{lang} {where}: {element}.{field}: {p}"
                          for p in problems(element, field, text)]
    assert not wrong, "\n".join(sorted(set(wrong)))
    # the texts each role reads at all were there to be checked
    expected = {"shopper": {"name-loc-a", "address-loc-a", "person-sam", "scenario-en",
                            "scenario-ru", "checklist-en", "checklist-ru", "send-back-note",
                            "review-comment", "item-dry-en", "section-entrance-en"},
                "manager": {"name-loc-a", "region-loc-a", "person-mia", "checklist-en",
                            "section-entrance-en", "item-dry-en", "item-dry-ru", "option-open-en",
                            "comment", "text-answer", "action-note"},
                "reviewer": {"name-loc-a", "person-rev", "review-comment",
                             "item-dry-en", "section-office-en", "comment"},
                "hq": {"name-loc-a", "name-loc-b", "region-loc-b", "address-loc-a",
                       "person-boss", "person-mia", "person-sue", "checklist-en",
                       "section-waiting-en", "item-guard-en", "comment", "action-note",
                       "send-back-reason", "brand"}}[role]
    assert expected <= seen, sorted(expected - seen)
    if role == "manager":  # the grade of the shopper is not the branch's to read (tests/test_audience.py)
        assert "grade-note" not in seen


def test_manager_action_cards__a_display_name_makes_no_link(
        hostile_network: tuple[TinyStore, dict[str, User], dict[str, str]]) -> None:
    """The attack found: a person's display name made live links on a manager's action cards."""
    store, people, ids = hostile_network
    at = next(visit_every_page(store, people["manager"], ids, "en"))[1]
    cards = [str(m.value) for m in at.markdown
             if "ZQperson-mia" in str(m.value) and "ZQname-loc-a" in str(m.value)]
    assert cards  # each card names its place and its owner
    for card in cards:
        text, made = read_as_markdown(card)
        assert not made & MADE, card
        assert attack("person-mia") in text and attack("name-loc-a") in text


@pytest.mark.parametrize("text", [attack("x"), "1. list", "- item", "> quote", "# head",
                                  "a\nb", "===", "| a | b |", "<script>x</script>",
                                  "mail me@ex.com", "`code`", "~~gone~~", "a\\*b"])
def test_esc__any_text_reads_back_literally_and_makes_nothing(text: str) -> None:
    shown, made = read_as_markdown(esc(text))
    assert shown == " ".join(text.splitlines())
    assert not made & (MADE | {"strong_open", "em_open", "s_open", "heading_open",
                               "bullet_list_open", "ordered_list_open", "blockquote_open",
                               "code_inline", "table_open", "hr"})
