"""The real app through AppTest: sign-in, first run, roles, the walkthrough, admin, bad input."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from audit import workflow
from audit.audits import capture as audits
from audit.core import limits
from audit.model import Location, User
from audit.ops.demo import DEMO_PASSWORD, generate
from audit.people import accounts
from audit.store import Store
from audit.store.folder.backend import TinyStore
from audit.ui.common import close_app_stores
from tests.conftest import MINI_YAML, answer_mini, make_store, photograph, populate

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
AUDITS = "audit/ui/pages/audits.py"


def jpeg(colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (640, 480)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG", quality=85)
    return buf.getvalue()


@pytest.fixture(params=["tinydb", "postgres"])
def data(request: pytest.FixtureRequest, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The app's store, on each backend: a data folder, or a database (photos in it too)."""
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "data"))
    store = make_store(request.param, tmp_path, request)
    if request.param == "postgres":
        monkeypatch.setenv("AUDIT_DATABASE_URL", store.url)  # type: ignore[attr-defined]
    else:
        monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    yield store
    close_app_stores()


@pytest.fixture
def people(data: Store) -> dict[str, User]:
    return populate(data)


def stored_photos(store: Store) -> list[tuple[str, str]]:
    """(sha256, kind) of every stored photo file, wherever this store keeps them."""
    if isinstance(store, TinyStore):
        return sorted((p.name.split(".", 1)[0], p.name.split(".", 1)[1].removesuffix(".jpg"))
                      for p in (store.photo_dir / "photos").rglob("*.*"))
    import psycopg

    with psycopg.connect(store.url) as conn:  # type: ignore[attr-defined]
        rows = conn.execute("SELECT sha256, CASE WHEN kind = 'original' THEN ext ELSE kind END "
                            "FROM photo_files ORDER BY 1, 2").fetchall()
    return [(r[0], r[1]) for r in rows]


def app_as(store: Store, user: User | None = None, *, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state["_token"] = accounts.start_session(store, user)
    return at


def texts(at: AppTest) -> str:
    """What the screen says: Markdown's backslash escapes read as the characters they show, and
    the invisible word joiners esc() puts after a colon (no emoji shortcode) dropped."""
    parts = [*at.markdown, *at.error, *at.warning, *at.info, *at.success, *at.caption]
    return "\n".join(re.sub(r"\\(.)", r"\1", str(p.value)).replace("\u2060", "") for p in parts)


def open_audit(at: AppTest, audit_id: str, section: str | None = None) -> AppTest:
    at.query_params["id"] = audit_id
    if section:
        at.query_params["s"] = section
    return at.switch_page(AUDITS).run()


# -- first run and sign-in ------------------------------------------------------------------


def test_first_run__offers_first_hq_account_only_while_nobody_exists(data: Store) -> None:
    at = app_as(data).run()
    assert not at.exception
    assert "Create account" in [b.label for b in at.button]
    at.text_input(key="first.name").input("Boss")
    at.text_input(key="first.password").input("long-password")
    at.text_input(key="first.again").input("long-password")
    at.button(key="FormSubmitter:first-Create account").click().run()
    assert not at.exception
    user = data.get_user("boss")
    assert user is not None and user.role == "hq"
    assert "signout" in [b.key for b in at.button]  # signed in straight away

    again = app_as(data).run()  # a new visitor now gets sign-in, never the first-run form
    assert "first.name" not in [w.key for w in again.text_input]
    assert "signin.name" in [w.key for w in again.text_input]


def test_first_run__demo_data_on_offer(data: Store) -> None:
    at = app_as(data).run()
    # the whole demo (reviews, the actions sync, people's work) runs behind the spinner
    at.button(key="first.demo").click().run(timeout=240)
    assert not at.exception
    assert DEMO_PASSWORD in texts(at)
    assert len(data.list_summaries()) >= 200
    assert data.get_user("hq") is not None


def test_sign_in__wrong_password__clear_error(data: Store, people: dict[str, User]) -> None:
    at = app_as(data).run()
    at.text_input(key="signin.name").input("sam")
    at.text_input(key="signin.password").input("nope")
    at.button(key="FormSubmitter:signin-Sign in").click().run()
    assert "Wrong name or password." in texts(at)
    at.text_input(key="signin.name").input("nobody")
    at.button(key="FormSubmitter:signin-Sign in").click().run()
    assert "Wrong name or password." in texts(at)  # an unknown name reads the same


def test_sign_in__repeated_failures_lock_the_account_and_say_so(data: Store,
                                                                 people: dict[str, User]) -> None:
    at = app_as(data).run()
    for _ in range(accounts.MAX_FAILURES):
        at.text_input(key="signin.name").input("sam")
        at.text_input(key="signin.password").input("wrong-password")
        at.button(key="FormSubmitter:signin-Sign in").click().run()
    assert "locked for 15 min" in texts(at)
    at.text_input(key="signin.password").input("secret-pass")  # even the right one waits
    at.button(key="FormSubmitter:signin-Sign in").click().run()
    assert "locked" in texts(at)
    assert "signout" not in [b.key for b in at.button]


def test_sign_in__right_password__lands_on_audits(data: Store, people: dict[str, User]) -> None:
    at = app_as(data).run()
    at.text_input(key="signin.name").input("Sam")
    at.text_input(key="signin.password").input("secret-pass")
    at.button(key="FormSubmitter:signin-Sign in").click().run()
    assert not at.exception
    assert "My drafts" in [h.value for h in at.header]


def test_sign_out__ends_the_session(data: Store, people: dict[str, User]) -> None:
    at = app_as(data, people["shopper"]).run()
    token = at.session_state["_token"]
    at.button(key="signout").click().run()
    assert "signin.name" in [w.key for w in at.text_input]
    assert accounts.session_user(data, token) is None


def test_changed_password__ends_other_sessions(data: Store, people: dict[str, User]) -> None:
    at = app_as(data, people["shopper"]).run()
    assert "signout" in [b.key for b in at.button]
    accounts.set_password(data, "sam", "another-pass")
    at.run()
    assert "signin.name" in [w.key for w in at.text_input]


@pytest.mark.parametrize(("role", "allowed", "refused"), [
    ("shopper", ["audit/ui/pages/audits.py", "audit/ui/pages/start.py"],
     ["audit/ui/pages/admin.py", "audit/ui/pages/dashboard.py", "audit/ui/pages/locations.py",
      "audit/ui/pages/actions.py"]),
    ("manager", ["audit/ui/pages/actions.py", "audit/ui/pages/audits.py", "audit/ui/pages/start.py",
                 "audit/ui/pages/locations.py"],
     ["audit/ui/pages/admin.py", "audit/ui/pages/dashboard.py"]),
    ("hq", ["audit/ui/pages/audits.py", "audit/ui/pages/start.py", "audit/ui/pages/locations.py",
            "audit/ui/pages/admin.py", "audit/ui/pages/dashboard.py", "audit/ui/pages/actions.py"], []),
])
def test_each_role__sees_its_pages_only(data: Store, people: dict[str, User], role: str,
                                        allowed: list[str], refused: list[str]) -> None:
    at = app_as(data, people[role]).run()
    for page in allowed:
        at.switch_page(page).run()
        assert not at.exception, page
    for page in refused:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


# -- the walkthrough --------------------------------------------------------------------------


def test_start__only_assigned_locations_offered(data: Store, people: dict[str, User]) -> None:
    at = app_as(data, people["shopper"]).run()
    at.switch_page("audit/ui/pages/start.py").run()
    assert at.selectbox(key="start.location").options == ["Арбат — ул. Арбат, 1"]
    at.button(key="start.go").click().run()
    assert not at.exception
    (row,) = data.list_summaries()
    assert (row.location_id, row.mode, row.auditor, row.template_id) == ("loc-a", "mystery", "sam", "mini")
    assert at.query_params["id"] == row.audit_id


def walk_element(at: AppTest) -> dict:  # type: ignore[type-arg]
    """The data the walk element was mounted with."""
    (element,) = [e for e in at.get("bidi_component") if e.proto.component_name == "audit_walk"]
    return json.loads(element.proto.json)  # type: ignore[no-any-return]


def test_walk__element_gets_every_item_type_in_the_audits_language(data: TinyStore,
                                                                   people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="ru").id
    audits.answer(data, sam, audit_id, "entrance.clean", value=4, comment="пыль <b>")
    at = open_audit(app_as(data, sam, lang="ru").run(), audit_id)
    assert not at.exception
    walk = walk_element(at)
    assert walk["audit"] == audit_id and walk["user"] == "sam" and walk["lang"] == "ru"
    types = {i["type"] for s in walk["sections"] for i in s["items"]}
    assert types == {"yes_no", "scale", "choice", "multi", "wait_time", "number", "hours",
                     "typo_check", "text", "photo"}
    dry = walk["sections"][0]["items"][0]
    assert (dry["text"], dry["guidance"], dry["photo"]) == ("У входа сухо, нет луж",
                                                            "Сфотографируйте лужу", "on_fail")
    assert walk["answers"]["entrance.clean"] == {"value": 4, "na": False, "comment": "пыль <b>",
                                                 "photos": []}
    assert walk["texts"]["all_saved"] == "Всё сохранено"
    assert walk["csrf"] and walk["view"] == ""


def test_walk__link_section_then_review_waits_for_the_phone(data: TinyStore,
                                                             people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(data, sam, audit_id)
    photograph(data, sam, audit_id, "office.facade")
    at = open_audit(app_as(data, sam).run(), audit_id, "waiting")
    assert walk_element(at)["view"] == "waiting"
    at = open_audit(app_as(data, sam).run(), audit_id, "review")
    assert walk_element(at)["view"] == "review"
    # until the phone says what it holds: no score, no Submit
    assert not [b for b in at.button if b.key == "submit"]
    assert "Reading what this phone still holds" in texts(at) and "Overall" not in texts(at)
    at.session_state["walk"] = {"pending": {"audit": audit_id, "count": 2, "answers": 2,
                                            "photos": []}}
    at.run()
    assert not [b for b in at.button if b.key == "submit"]
    assert "2 more on this phone, counted as given" in texts(at) and "Overall" not in texts(at)
    at.session_state["walk"] = {"pending": {"audit": audit_id, "count": 0}}
    at.run()
    assert "Overall" in texts(at)
    at.button(key="submit").click().run()
    assert not at.exception
    header = data.get_header(audit_id)
    assert header is not None and header.status == "submitted"


def test_review__submit_refused_until_required_photo__missing_item_opens_it(
        data: TinyStore, people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(data, sam, audit_id, office__guard=False)
    at = open_audit(app_as(data, sam).run(), audit_id, "review")
    at.session_state["walk"] = {"pending": {"audit": audit_id, "count": 0}}
    at.run()
    assert "1 things are missing" in texts(at)
    assert "Critical failure: computed" in texts(at)
    at.button(key="submit").click().run()
    assert "1 required answers or photos are missing." in texts(at)
    header = data.get_header(audit_id)
    assert header is not None and header.status == "draft"
    at.button(key="miss.office.facade.photo").click().run()
    walk = walk_element(at)
    assert (walk["view"], walk["focus"]) == ("office", "office.facade")
    photograph(data, sam, audit_id, "office.facade")
    at = open_audit(app_as(data, sam).run(), audit_id, "review")
    at.session_state["walk"] = {"pending": {"audit": audit_id, "count": 0}}
    at.run()
    at.button(key="submit").click().run()
    header = data.get_header(audit_id)
    assert header is not None and header.status == "submitted"
    at = open_audit(app_as(data, sam).run(), audit_id)
    assert "Read-only" in texts(at)
    assert not [e for e in at.get("bidi_component") if e.proto.component_name == "audit_walk"]


def test_review__scores_and_points_written_as_russian_writes_them(
        data: TinyStore, people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="ru").id
    answer_mini(data, sam, audit_id, entrance__door="heavy")  # half a point on the door
    at = open_audit(app_as(data, sam, lang="ru").run(), audit_id, "review")
    at.session_state["walk"] = {"pending": {"audit": audit_id, "count": 0}}
    at.run()
    shown = texts(at)
    entrance = next(line for line in shown.splitlines() if line.startswith("| Вход |"))
    assert "\u00a0%" in entrance and "3,5 / 4" in entrance, entrance
    assert not re.search(r"\d\.\d", entrance), entrance
    at = open_audit(app_as(data, sam, lang="en").run(), audit_id, "review")
    at.session_state["walk"] = {"pending": {"audit": audit_id, "count": 0}}
    at.run()
    entrance = next(line for line in texts(at).splitlines() if line.startswith("| Entrance |"))
    assert "% |" in entrance and "3.5 / 4" in entrance, entrance


def test_drafts__list_counts_the_answers_given_since_the_start(data: Store,
                                                               people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    audits.answer(data, sam, audit_id, "entrance.dry", value=True)
    audits.answer(data, sam, audit_id, "entrance.clean", value=4)
    row = data.get_summary(audit_id)
    assert row is not None and row.answered == 0  # taps write the audit's file, not its row
    assert f"2 of {row.total} answered" in texts(app_as(data, sam).run())


def test_drafts__resume_and_delete_with_confirmation(data: Store, people: dict[str, User]) -> None:
    sam = people["shopper"]
    keep = audits.start_audit(data, sam, location_id="loc-a", template_id="mini", mode="mystery",
                              lang="en").id
    drop = audits.start_audit(data, sam, location_id="loc-a", template_id="mini", mode="mystery",
                              lang="en").id
    at = app_as(data, sam).run()
    assert len([p for p in at.get("page_link") if p.proto.label == "Resume"]) == 2
    at = open_audit(at, drop, "review")
    at.button(key="delete").click().run()
    at.button(key="delete.yes").click().run()
    assert not at.exception
    assert data.get_audit(drop) is None and data.get_audit(keep) is not None


def test_reload__the_element_resumes_at_the_remembered_section(data: TinyStore,
                                                             people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    audits.set_section(data, sam, audit_id, "office")  # a section move the phone sent
    fresh = open_audit(app_as(data, sam).run(), audit_id)  # the phone slept: a new session
    assert walk_element(fresh)["section"] == "office"


# -- who may see what -------------------------------------------------------------------------


def test_someone_elses_audit_url__reads_exactly_like_a_missing_one(
        data: Store, people: dict[str, User]) -> None:
    sam, sue = people["shopper"], people["shopper2"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    theirs = open_audit(app_as(data, sue).run(), audit_id)
    missing = open_audit(app_as(data, sue).run(), "no-such-audit-id")
    assert texts(theirs) == texts(missing)
    assert "Not found." in texts(theirs)
    photo = app_as(data, sue).run()
    photo.query_params["photo"] = "a" * 64
    assert "Not found." in texts(open_audit(photo, audit_id))


def test_manager__sees_published_mystery_audit_with_a_code_not_the_shopper(
        data: Store, people: dict[str, User]) -> None:
    sam, boss, mia = people["shopper"], people["hq"], people["manager"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(data, sam, audit_id)
    photograph(data, sam, audit_id, "office.facade")
    workflow.submit(data, sam, audit_id)
    before = open_audit(app_as(data, mia).run(), audit_id)
    assert "Not found." in texts(before)
    workflow.publish(data, boss, audit_id)
    after = open_audit(app_as(data, mia).run(), audit_id)
    assert "Read-only" in texts(after)
    listing = app_as(data, mia).run()  # a manager lands on their actions first
    assert "My actions" in [h.value for h in listing.header]
    listing.switch_page(AUDITS).run()
    assert sam.code in texts(listing) and "sam" not in texts(listing).replace(sam.code, "")


# -- HQ administration ------------------------------------------------------------------------


def test_admin__template_upload_with_errors_is_refused_with_reasons(
        data: Store, people: dict[str, User]) -> None:
    at = app_as(data, people["hq"]).run()
    at.switch_page("audit/ui/pages/admin.py").run()
    at.segmented_control(key="admin.part").set_value("templates").run()
    before = data.list_templates()
    bad = MINI_YAML.replace("type: yes_no\n        weight: 2", "type: yesno\n        weight: 2")
    at.file_uploader(key="tpl.upload").set_value(("mini.yaml", bad.encode(), "application/yaml")).run()
    assert "Refused, nothing changed" in texts(at)
    assert any('did you mean "yes_no"' in c.value for c in at.code)
    at.file_uploader(key="tpl.upload").set_value(("x.yaml", b"\x89PNG\r\n\x1a\n\x00", "image/png")).run()
    assert any("not a UTF-8 text file" in c.value for c in at.code)
    assert data.list_templates() == before
    good = MINI_YAML.replace("Mini check", "Mini check, revised")
    at.file_uploader(key="tpl.upload").set_value(("mini2.yaml", good.encode(), "application/yaml")).run()
    assert "Added mini version 2" in texts(at)
    assert [t.version for t in data.list_templates() if t.id == "mini"] == [1, 2]


def test_admin__add_person_and_location_with_markup_shown_as_text(
        data: Store, people: dict[str, User]) -> None:
    at = app_as(data, people["hq"]).run()
    at.switch_page("audit/ui/pages/admin.py").run()
    at.segmented_control(key="admin.part").set_value("locations").run()
    at.text_input(key="loc.id").input("loc-c")
    at.text_input(key="loc.name").input("<script>alert(1)</script> **Бутово**")
    at.text_input(key="loc.region").input("Москва")
    at.text_input(key="loc.hours.mon").input("9-21")
    at.button(key="FormSubmitter:loc.add-Add location").click().run()
    assert not at.exception
    loc = data.get_location("loc-c")
    assert loc is not None and loc.hours["mon"] == ["09:00", "21:00"]
    assert loc.name == "<script>alert(1)</script> **Бутово**"

    at.segmented_control(key="admin.part").set_value("people").run()
    at.text_input(key="person.name").input("newbie")
    at.text_input(key="person.password").input("short")
    at.button(key="FormSubmitter:person.add-Add person").click().run()
    assert "at least 8 characters" in texts(at)
    assert data.get_user("newbie") is None


def test_admin__voice_poster__made_on_request_then_offered(
        data: Store, people: dict[str, User], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AUDIT_APP_URL", raising=False)
    monkeypatch.setenv("AUDIT_SECRETS", str(tmp_path / "none.toml"))
    at = app_as(data, people["hq"]).run()
    at.switch_page("audit/ui/pages/admin.py").run()
    at.segmented_control(key="admin.part").set_value("locations").run()
    at.button(key="poster.loc-a.make").click().run()
    assert "No public address is configured" in texts(at) and not at.exception
    monkeypatch.setenv("AUDIT_APP_URL", "https://audit.example.com")
    at.button(key="poster.loc-a.make").click().run()
    assert not at.exception
    made = at.session_state["poster.loc-a"]
    assert made.startswith(b"%PDF")  # what it holds: tests/test_voice_poster.py
    assert any(d.proto.label == "Download PDF" for d in at.get("download_button"))


def test_markup_in_location_name__printed_literally_in_lists(data: Store,
                                                             people: dict[str, User]) -> None:
    data.put_location(Location(id="loc-a", name="<b>Арбат</b> *1*", region="Москва"))
    sam = people["shopper"]
    audits.start_audit(data, sam, location_id="loc-a", template_id="mini", mode="mystery", lang="en")
    at = app_as(data, sam).run()
    md = "\n".join(m.value for m in at.markdown)  # the Markdown source, escapes and all
    assert "<b>Арбат</b>" not in md  # never handed to markdown as markup
    assert "\\*1\\*" in md


def test_demo_network__hq_pages_render_without_errors(data: Store) -> None:
    store = data
    generate(store, seed=1, audits=60, today=date(2026, 11, 1))
    hq = store.get_user("hq")
    assert hq is not None
    at = app_as(store, hq).run()
    for page in ["audit/ui/pages/dashboard.py", "audit/ui/pages/locations.py",
                 "audit/ui/pages/audits.py", "audit/ui/pages/start.py", "audit/ui/pages/admin.py"]:
        at.switch_page(page).run()
        assert not at.exception, page
    row = store.list_summaries()[0]
    assert not open_audit(at, row.audit_id).exception


def test_dashboard__customers_voice_tab__gap_beside_the_audits(data: Store) -> None:
    generate(data, seed=2, audits=60, today=date(2026, 11, 1), photos=False)  # with its voice
    hq = data.get_user("hq")
    assert hq is not None
    at = app_as(data, hq).run()
    at.switch_page("audit/ui/pages/dashboard.py").run()
    assert not at.exception
    heads = [h.value for h in at.subheader]
    assert "Customers let down where audits pass" in heads
    assert "Audits fail where customers do not mind" in heads
    frames = [f.value for f in at.dataframe if "Touchpoint" in f.value.columns]
    (frame,) = frames
    assert {"Expected", "Got", "Gap (got − expected)", "95% interval", "Audit score"} <= set(frame.columns)
    assert "The restroom" in set(frame["Touchpoint"]) and len(frame) > 20
    # beside the customers: the shoppers' own expectation, asked before the section
    assert "Shoppers' own expectations (mystery audits)" in heads
    (own,) = [f.value for f in at.dataframe if "Let down / as expected / wow" in f.value.columns]
    assert set(own["Section"]) == {"Wait time", "Restroom"}
    assert set(own["Unit"]) == {"min of wait", "1–5"} and (own["Audits"] > 0).all()
    # customers' words: plain text, approved one by one
    said = [r for r in data.list_voice_responses() if r.text and not r.held][::-1]
    newest = said[0]
    toggle = at.toggle(key=f"vw.{newest.id}")
    assert toggle.value is newest.text_approved
    toggle.set_value(not newest.text_approved).run()
    assert not at.exception
    again = next(r for r in data.list_voice_responses() if r.id == newest.id)
    assert again.text_approved is not newest.text_approved


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_audit_page__shoppers_expected_against_got__beside_unchanged_scores(
        data: Store, people: dict[str, User], lang: str) -> None:
    from audit.checklist.templates import add_template
    from audit.scoring import score_audit
    from tests.test_expectation import MINI_EXPECT

    add_template(data, MINI_EXPECT, by="test")
    shopper = people["shopper"]
    audit_id = audits.start_audit(data, shopper, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang=lang).id
    answer_mini(data, shopper, audit_id, waiting__wait={"minutes": 12}, waiting__expected=5,
                entrance__expected=3)
    photograph(data, shopper, audit_id, "office.facade")
    workflow.submit(data, shopper, audit_id)
    at = open_audit(app_as(data, people["hq"], lang=lang).run(), audit_id)
    assert not at.exception
    shown = texts(at)
    if lang == "en":
        assert "Expected against got" in shown
        assert "expected 5 min, waited 12 min — let down" in shown
        assert "expected 3 of 5, got" in shown
    else:
        assert "Ожидание и реальность" in shown
        assert "ожидали 5 мин, ждали 12 мин — ниже ожиданий" in shown
    audit = data.get_audit(audit_id)
    assert audit is not None
    plain = {k: a for k, a in audit.answers.items() if not k.endswith(".expected")}
    checklist = get_checklist_of(data, audit_id)
    assert score_audit(checklist, audit.answers).overall == score_audit(checklist, plain).overall


def get_checklist_of(store: Store, audit_id: str):  # type: ignore[no-untyped-def]
    from audit.checklist.templates import get_checklist

    header = store.get_header(audit_id)
    assert header is not None
    return get_checklist(store, header.template_id, header.template_version)


def test_location_page__branch_sees_its_voice_and_approved_words_only(
        data: Store, people: dict[str, User]) -> None:
    from audit.model.voice import Rating, VoiceResponse
    from audit.voice.service import TEMPLATE_SETTING

    data.put_settings({TEMPLATE_SETTING: "mini"})
    for n, (text, ok) in enumerate([("Лужа у входа — секрет", False), ("Спасибо за кофе", True)]):
        data.add_voice_response(VoiceResponse(
            id=f"20261101-t{n}", location_id="loc-a", template_id="mini", template_version=1,
            day="2026-11-01", at=f"2026-11-01T10:0{n}:00+00:00",
            ratings=(Rating("entrance", 4, 2), Rating("waiting", 3, 4)), level="disappointed",
            text=text, text_approved=ok))
    at = app_as(data, people["manager"]).run()
    at.query_params["id"] = "loc-a"
    at.switch_page("audit/ui/pages/locations.py").run()
    assert not at.exception
    shown = "\n".join(str(x.value) for x in at.text)
    assert "Спасибо за кофе" in shown and "секрет" not in shown
    (frame,) = [f.value for f in at.dataframe if "Touchpoint" in f.value.columns]
    assert list(frame["Touchpoint"]) == ["The way in", "Waiting your turn"]
    assert "Audit score" not in frame.columns  # the branch's audits are read above, by its rules


def test_company_sign_in__email_mapped_to_a_role(data: TinyStore, people: dict[str, User]) -> None:
    accounts.update_user(data, "mia", email="mia@example.com")
    at = app_as(data)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "s" * 32, "client_id": "x", "client_secret": "y",
                          "server_metadata_url": "https://login.example.com/.well-known/openid-configuration"}
    at.user = {"is_logged_in": True, "email": "Mia@Example.com", "name": "Mia"}
    at.run()
    assert not at.exception
    assert "signout" in [b.key for b in at.button]
    assert at.session_state["_user"].name == "mia"  # the account HQ mapped the e-mail to
    stranger = app_as(data)
    stranger.secrets["auth"] = at.secrets["auth"]
    stranger.user = {"is_logged_in": True, "email": "eve@example.com"}
    stranger.run()
    assert "signout" not in [b.key for b in stranger.button]
    assert "eve@example.com has no account here yet" in texts(stranger)


def test_admin__huge_template_upload_refused(data: Store, people: dict[str, User]) -> None:
    at = app_as(data, people["hq"]).run()
    at.switch_page("audit/ui/pages/admin.py").run()
    at.segmented_control(key="admin.part").set_value("templates").run()
    before = data.list_templates()
    huge = MINI_YAML + "#" + "x" * 1_200_000 + "\n"
    at.file_uploader(key="tpl.upload").set_value(("big.yaml", huge.encode(), "application/yaml")).run()
    assert any(f"larger than {limits.TEMPLATE_MAX_BYTES // 1000} KB" in c.value for c in at.code)
    assert data.list_templates() == before


def test_start__visit_time_in_the_shoppers_time_zone_stored_as_utc(data: Store,
                                                                   people: dict[str, User]) -> None:
    at = app_as(data, people["shopper"])
    at.context["timezone"] = "Europe/Moscow"
    at.run()
    at.switch_page("audit/ui/pages/start.py").run()
    at.date_input(key="start.date").set_value(date(2026, 5, 1))
    at.time_input(key="start.time").set_value(time(10, 0))
    at.button(key="start.go").click().run()
    (row,) = data.list_summaries()
    assert row.visit_at == "2026-05-01T07:00:00+00:00"


def test_walk__conditions_and_section_na_reach_the_element__review_lists_what_was_skipped(
        data: Store, people: dict[str, User]) -> None:
    """What the phone needs to show and hide items itself; the review then says what was left
    out and why (the phone's part is tests/e2e/test_conditions_phone.py)."""
    from audit.checklist.templates import add_template
    from tests.test_conditions import COND_YAML

    add_template(data, COND_YAML, by="test")
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="cond",
                                  mode="mystery", lang="ru").id
    audits.answer(data, sam, audit_id, "talk.promised", value=False)
    audits.set_section_na(data, sam, audit_id, "restroom", "В отделении нет туалета для клиентов")
    at = open_audit(app_as(data, sam, lang="ru").run(), audit_id)
    assert not at.exception
    walk = walk_element(at)
    assert walk["conditions"]["talk.kept"]["item"] == "talk.promised"
    assert walk["conditions"]["parking"] == {"not": {"item": "talk.channel", "is": ["none"]}}
    restroom = next(s for s in walk["sections"] if s["id"] == "restroom")
    assert restroom["na"] and restroom["na_reason"] == "В отделении нет туалета для клиентов"
    assert walk["answers"]["restroom"]["na"]
    assert walk["answers"]["restroom"]["comment"] == "В отделении нет туалета для клиентов"
    at = open_audit(app_as(data, sam, lang="ru").run(), audit_id, "review")
    at.session_state["walk"] = {"pending": {"audit": audit_id, "count": 0}}
    at.run()
    assert not at.exception
    assert "Не спрашивались после предыдущих ответов" in " ".join(e.label for e in at.expander)
    assert "пропущен: задаётся, только если «Обещали перезвонить» — «Да»" in texts(at)


def test_dashboard__a_submit_shows_at_once_whatever_was_kept(data: Store, people: dict[str, User],
                                                             tmp_path: Path) -> None:
    import os
    import time as clock

    from audit.store.folder import docs

    sam, boss = people["shopper"], people["hq"]

    def submitted() -> None:
        audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                      mode="mystery", lang="en").id
        answer_mini(data, sam, audit_id)
        photograph(data, sam, audit_id, "office.facade")
        workflow.submit(data, sam, audit_id)

    def settle() -> None:  # as if nothing had been written for a while: kept in memory
        past = clock.time_ns() - 10 * docs.RACY_NS
        for folder in (tmp_path / "data" / "rollups").rglob("*"):
            if folder.is_dir():
                os.utime(folder, ns=(past, past))

    def audits_shown() -> int:
        at = app_as(data, boss).run()
        at.switch_page("audit/ui/pages/dashboard.py").run()
        assert not at.exception
        return int(next(m.value for m in at.metric if m.label == "Audits"))

    submitted()
    settle()
    assert audits_shown() == 1
    assert audits_shown() == 1  # the second look is served from what was kept
    submitted()
    assert audits_shown() == 2
    settle()
    assert audits_shown() == 2


def test_dashboard__heatmap_on_a_phone__names_upright_numbers_only_where_they_fit(
        data: Store, people: dict[str, User]) -> None:
    """At 390 px a cell is a third of a laptop's: the chart itself turns the section names
    upright and hides the numbers when a column is under 26 px (colour and tooltip stay)."""
    from PIL import Image

    from audit.audits.evidence import add_photo
    from audit.checklist.templates import get_checklist

    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(data, sam, audit_id)
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 200)).save(photo, "JPEG")
    add_photo(data, sam, audit_id, "office.facade", photo.getvalue())
    workflow.submit(data, sam, audit_id)
    at = app_as(data, people["hq"]).run()
    at.switch_page("audit/ui/pages/dashboard.py").run()
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    heat = next(c for c in charts if any(layer.get("mark", {}).get("type") == "rect"
                                         for layer in c.get("layer", [])))
    rect, text = heat["layer"]
    sections = len({s.id for s in get_checklist(data, "mini").sections})
    narrow = f"width / {sections} < 26"
    assert text["encoding"]["opacity"]["condition"] == {"test": narrow, "value": 0}
    assert rect["encoding"]["x"]["axis"]["labelAngle"] == {"expr": f"{narrow} ? -90 : -35"}


def test_review__a_photo_on_the_phone_counts_as_given__submit_holds_the_audit_for_it(
        data: TinyStore, people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="ru").id
    answer_mini(data, sam, audit_id)  # the facade's photo (required) is still on the phone
    sha = "ab" * 32
    at = open_audit(app_as(data, sam, lang="ru").run(), audit_id, "review")
    at.session_state["walk"] = {"pending": {"audit": audit_id, "count": 1, "answers": 0,
                                            "photos": [{"key": "office.facade", "sha": sha}]}}
    at.run()
    shown = texts(at)
    assert "Итоговая оценка" in shown and "Перед отправкой не хватает" not in shown
    assert "Фото ещё на телефоне: 1" in shown
    at.button(key="submit").click().run()
    assert not at.exception
    header = data.get_header(audit_id)
    assert header is not None and (header.status, header.arriving) == ("draft", (sha,))
    at = open_audit(app_as(data, sam, lang="ru").run(), audit_id)
    assert "Отправлен, фото в пути (1)" in texts(at)
    assert walk_element(at)["view"] == "review" and walk_element(at)["arriving"] == 1
    assert not [b for b in at.button if b.key in ("submit", "delete")]
    boss = people["hq"]
    hq = app_as(data, boss).run().switch_page(AUDITS).run()
    assert not hq.exception and "submitted, photos arriving (1)" in texts(hq)
    mia = app_as(data, people["manager"]).run().switch_page(AUDITS).run()
    assert "photos arriving" not in texts(mia) and "Арбат" not in texts(mia)
