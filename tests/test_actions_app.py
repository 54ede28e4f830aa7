"""The action views through AppTest: My actions, one action, verify, send back, the plan, Admin, the tab."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from audit import workflow
from audit.actions import service as actions
from audit.model import User
from audit.model.actions import Action, Message
from audit.notify import outbox as notify
from audit.people import accounts
from audit.store.folder.backend import TinyStore
from tests.conftest import populate
from tests.test_actions import jpeg, mystery
from tests.test_app import app_as, texts

ACTIONS = "audit/ui/pages/actions.py"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    monkeypatch.setenv("AUDIT_NOTIFY_IN_APP", "0")
    return TinyStore(tmp_path / "data")


@pytest.fixture
def people(data: TinyStore) -> dict[str, User]:
    return populate(data)


def open_action(at: AppTest, action_id: str) -> AppTest:
    at.query_params.clear()
    at.query_params["id"] = action_id
    return at.switch_page(ACTIONS).run()


def dry(store: TinyStore) -> Action:
    return next(a for a in store.location_actions("loc-a") if a.key == "entrance.dry")


def test_manager__lands_on_my_actions_overdue_first(data: TinyStore, people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False, office__guard=False)
    late = dry(data)
    data.change_actions("loc-a", lambda cur: [a.__class__(**{**a.__dict__, "due": "2020-01-01"})
                                              for a in cur if a.id == late.id])
    at = app_as(data, people["manager"]).run()
    assert not at.exception
    headers = [h.value for h in at.header]
    subheaders = [h.value for h in at.subheader]
    assert headers[0] == "My actions"
    assert subheaders[0].startswith("Overdue · 1") and subheaders[1].startswith("Due this week")
    assert "The entrance is dry, no puddle" in texts(at)


def test_manager__closes_an_action_with_a_photo_and_a_note(data: TinyStore,
                                                           people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False)
    action = dry(data)
    at = open_action(app_as(data, people["manager"], lang="ru").run(), action.id)
    assert not at.exception
    at.button(key="act.start").click().run()
    assert data.get_action(action.id).status == "in_progress"  # type: ignore[union-attr]
    # the photo goes the walk's way: made light on the phone, sent to /api/action-photo
    # (tests/test_action_photo_route.py); the page mounts the element that does it
    pick = pick_element(at)
    assert pick["url"] == f"/api/action-photo?action={action.id}" and pick["csrf"]
    assert (pick["lang"], pick["texts"]["camera"], pick["texts"]["gallery"]) == ("ru", "Камера", "Галерея")
    assert pick["limits"] == {"photo_edge": 2048, "photo_bytes": 600 * 1024}
    actions.add_evidence(data, people["manager"], action.id, jpeg())
    at.run()
    assert len(data.get_action(action.id).evidence) == 1  # type: ignore[union-attr]
    at.text_area(key=f"act.note.{action.id}").input("Постелили коврик у входа").run()
    at.button(key="act.done").click().run()
    done = data.get_action(action.id)
    assert done is not None and (done.status, done.note) == ("done", "Постелили коврик у входа")
    assert "Выполнена, ждёт проверки" in texts(at)
    assert not [b for b in at.button if b.key == "act.verify.go"]  # never their own


def test_manager__verifying_own_action_is_refused_with_a_message(data: TinyStore,
                                                                 people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False)
    action = dry(data)
    actions.mark_done(data, people["manager"], action.id, note="done")
    with pytest.raises(actions.ActionError):
        actions.verify(data, people["manager"], action.id)
    at = open_action(app_as(data, people["manager"]).run(), action.id)
    assert "act.verify.go" not in [b.key for b in at.button]


def test_hq__verifies_and_sends_back(data: TinyStore, people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False, office__guard=False)
    first, guard = dry(data), next(a for a in data.location_actions("loc-a") if a.key == "office.guard")
    actions.mark_done(data, people["manager"], first.id, note="ok")
    actions.mark_done(data, people["manager"], guard.id, note="ok")
    at = app_as(data, people["hq"]).run().switch_page(ACTIONS).run()
    assert "To verify" in [h.value for h in at.header]
    at = open_action(at, first.id)
    at.button(key="act.verify.go").click().run()
    assert data.get_action(first.id).status == "verified"  # type: ignore[union-attr]
    at = open_action(at, guard.id)
    at.button(key="act.send_back").click().run()
    assert "Say why the action goes back." in texts(at)
    assert data.get_action(guard.id).status == "done"  # type: ignore[union-attr]
    at.text_input(key="act.reason").input("Охранника не видно на фото").run()
    at.button(key="act.send_back").click().run()
    back = data.get_action(guard.id)
    assert back is not None and (back.status, back.reason) == ("rejected", "Охранника не видно на фото")


def test_hq__due_date_in_the_past_refused_on_the_page(data: TinyStore, people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False)
    action = dry(data)
    at = open_action(app_as(data, people["hq"]).run(), action.id)
    at.date_input(key="act.due").set_value(date.today() - timedelta(days=3)).run()
    at.button(key="act.assign.go").click().run()
    assert "is in the past" in texts(at)
    assert data.get_action(action.id) == action


def test_shopper_and_other_manager__no_action_page(data: TinyStore, people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False)
    action = dry(data)
    at = open_action(app_as(data, people["manager_b"]).run(), action.id)
    assert "Not found." in texts(at) and "The entrance is dry" not in texts(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app_as(data, people["shopper"]).run().switch_page(ACTIONS)


def test_plan__make_on_request_and_acknowledge(data: TinyStore, people: dict[str, User]) -> None:
    actions.set_action_settings(data, people["hq"], "mini", actions.ActionSettings(auto="critical"))
    audit_id = mystery(data, people, entrance__dry=False)
    at = app_as(data, people["manager"]).run()
    at.query_params["audit"] = audit_id
    at = at.switch_page(ACTIONS).run()
    assert "Findings without an action" in [h.value for h in at.subheader]
    at.button(key="make.entrance.dry").click().run()
    assert dry(data).owner == "mia"
    assert "Not acknowledged yet" in texts(at)
    at.button(key="act.ack").click().run()
    assert "Acknowledged by mia" in texts(at)
    header = data.get_header(audit_id)
    assert header is not None and header.events[-1]["type"] == "acknowledged"


def test_reviewer__sees_their_region_only(data: TinyStore, people: dict[str, User]) -> None:
    accounts.create_user(data, "rita", "reviewer", "secret-pass")
    rita = accounts.update_user(data, "rita", regions=("СПб",))
    mystery(data, people, entrance__dry=False)
    mystery(data, people, location="loc-b", entrance__dry=False)
    b = next(a for a in data.location_actions("loc-b"))
    actions.mark_done(data, people["manager_b"], b.id, note="ok")
    at = app_as(data, rita).run()  # a reviewer lands on the review queue; actions are a tap away
    assert not at.exception
    at.switch_page("audit/ui/pages/actions.py").run()
    assert not at.exception
    assert "Невский" in texts(at) and "Арбат" not in texts(at)


def test_admin__action_settings_and_email_status(data: TinyStore, people: dict[str, User],
                                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AUDIT_SECRETS", str(tmp_path / "none.toml"))
    monkeypatch.delenv("AUDIT_SMTP_HOST", raising=False)
    at = app_as(data, people["hq"]).run().switch_page("audit/ui/pages/admin.py").run()
    at.segmented_control(key="admin.part").set_value("actions").run()
    assert not at.exception
    assert "E-mail is not configured: nothing is sent." in texts(at)
    at.segmented_control(key="actset.auto.mini").set_value("critical")
    at.number_input(key="actset.dc.mini").set_value(1)
    at.button(key="FormSubmitter:actset.mini-Save").click().run()
    got = actions.action_settings(data, "mini")
    assert (got.auto, got.due_critical, got.due_other) == ("critical", 1, 14)
    monkeypatch.setenv("AUDIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.delenv("AUDIT_APP_URL", raising=False)
    at.run()
    assert "Sending through 127.0.0.1:587" in texts(at)
    assert "No public address configured" in texts(at)
    # a message with a link waits for the address: its error is shown, it is not given up
    data.enqueue_messages([Message(id="m-link", to="mia@example.test", user="mia", lang="en",
                                   kind="test", subject="Hello",
                                   body=f"Open: {notify.APP}/actions\n")])
    settings = notify.smtp_settings()
    assert settings is not None
    assert workflow.drain_outbox(data, settings).errors == (notify.NO_ADDRESS,)
    at.run()
    shown = texts(at)
    assert notify.NO_ADDRESS in shown and "will try again" in shown and "not sent" not in shown
    monkeypatch.setenv("AUDIT_APP_URL", "https://audit.example.test")
    at.run()
    assert "No public address configured" not in texts(at)


def test_dashboard__actions_tab(data: TinyStore, people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False, office__guard=False)
    action = dry(data)
    actions.mark_done(data, people["manager"], action.id, note="ok")
    at = app_as(data, people["hq"]).run().switch_page("audit/ui/pages/dashboard.py").run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Median days to close" in labels and "Verified by a later audit" in labels
    assert any(b.label == "Actions: CSV" for b in at.get("download_button"))


def test_audit_page__links_to_its_plan(data: TinyStore, people: dict[str, User]) -> None:
    audit_id = mystery(data, people, entrance__dry=False)
    at = app_as(data, people["manager"]).run()
    at.query_params["id"] = audit_id
    at = at.switch_page("audit/ui/pages/audits.py").run()
    assert "Action plan of this audit" in [p.label for p in at.get("page_link")]
    workflow.publish(data, people["hq"], audit_id, False)


# -- the plan lists every finding; a done action shows its note and photo ---------------------------


def test_plan__every_finding__a_done_action_shows_its_note_and_photo(data: TinyStore,
                                                                     people: dict[str, User]) -> None:
    audit_id = mystery(data, people, entrance__dry=False, office__guard=False)
    action = dry(data)
    mia = people["manager"]
    actions.add_evidence(data, mia, action.id, jpeg((30, 160, 60)))
    actions.mark_done(data, mia, action.id, note="Laid a mat at the door")
    at = app_as(data, people["hq"]).run()
    at.query_params["audit"] = audit_id
    at = at.switch_page(ACTIONS).run()
    assert not at.exception
    audit = data.get_audit(audit_id)
    assert audit is not None
    plan = actions.plan_for(data, audit, people["hq"])
    shown = texts(at)
    assert f"Every finding of this audit: {len(plan)}" in shown
    assert "Laid a mat at the door" in shown and "What was done" in shown
    assert "new" in shown  # each finding says what it is for this audit
    assert len(at.get("image")) == 1 and "Photos of the fix (1)" in shown  # the open guard has none
    # the one still open shows no note: there is none yet
    assert shown.count("What was done") == 1


# -- HQ's action control ---------------------------------------------------------------------------


def test_hq_control__filters_and_bulk_reassignment(data: TinyStore, people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False, office__guard=False)
    mystery(data, people, location="loc-b", entrance__dry=False)
    accounts.create_user(data, "nina", "manager", "secret-pass", locations=("loc-a",))
    late = dry(data)
    data.change_actions("loc-a", lambda cur: [a.__class__(**{**a.__dict__, "due": "2020-01-01"})
                                              for a in cur if a.id == late.id])
    at = app_as(data, people["hq"]).run().switch_page(ACTIONS).run()
    assert not at.exception
    assert "Action control" in [h.value for h in at.header]
    # the mini defaults leave two partial findings per audit: 4 actions at loc-a, 3 at loc-b
    assert "7 open actions shown: 1 overdue, 0 repeated" in texts(at)
    at.selectbox(key="ctl.state").set_value("overdue").run()
    assert "1 open actions shown: 1 overdue" in texts(at)
    at.selectbox(key="ctl.state").set_value("open").run()
    at.selectbox(key="ctl.region").set_value("Москва").run()
    assert "4 open actions shown" in texts(at)
    at.selectbox(key="ctl.location").set_value("loc-a").run()
    at.selectbox(key="ctl.owner").set_value("mia").run()
    rows = at.dataframe[1].value  # the second table: one row per action
    assert len(rows) == 4 and set(rows["Owner"]) == {"mia"}
    assert at.selectbox(key="ctl.new_owner").options == ["boss", "mia", "nina"]  # max: not loc-a
    at.selectbox(key="ctl.new_owner").set_value("nina").run()
    at.button(key="ctl.reassign.go").click().run()
    assert not at.exception
    assert "4 actions are nina's now." in texts(at)
    assert {a.owner for a in data.location_actions("loc-a")} == {"nina"}
    assert {a.owner for a in data.location_actions("loc-b")} == {"max"}  # outside the filter
    # a digest's link opens it on the overdue ones
    at = app_as(data, people["hq"]).run()
    at.query_params["state"] = "overdue"
    at = at.switch_page(ACTIONS).run()
    assert at.selectbox(key="ctl.state").value == "overdue"


def test_control__not_for_a_manager_or_a_reviewer(data: TinyStore, people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False)
    accounts.create_user(data, "rita", "reviewer", "secret-pass")
    rita = accounts.update_user(data, "rita", regions=("Москва",))
    for who in (people["manager"], rita):
        at = app_as(data, who).run().switch_page(ACTIONS).run()
        assert not at.exception
        assert "Action control" not in [h.value for h in at.header]
        assert not [s for s in at.selectbox if s.key == "ctl.new_owner"]
        with pytest.raises(actions.ActionError):
            actions.reassign(data, who, [dry(data).id], who.name)
    assert dry(data).owner == "mia"


ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
DIRECTIVE = re.compile(r":[a-z]+(-badge)?\[")
FILE_TYPES = {"JPG", "PNG", "WEBP", "HEIC", "UTC"}  # names of formats and of the time scale, not English


def pick_element(at: AppTest) -> dict:  # type: ignore[type-arg]
    """The data the photo element of the action page was mounted with."""
    (element,) = [e for e in at.get("bidi_component") if e.proto.component_name == "audit_photo_pick"]
    return json.loads(element.proto.json)  # type: ignore[no-any-return]


def screen_words(at: AppTest) -> list[str]:
    """Every text of the screen a person reads or hears: Markdown, alerts, captions, the labels
    and help of widgets and buttons, expanders, page links, photos' alt texts."""
    found = [texts(at)]
    for kind in ("button", "toggle", "text_area", "text_input", "date_input", "selectbox",
                 "file_uploader", "camera_input", "expander", "page_link"):
        for w in at.get(kind):
            found += [str(getattr(w, "label", "") or ""), str(getattr(w.proto, "help", "") or "")]
    found += [img.alt for el in at.get("image") for img in el.proto.imgs]
    return [f for f in found if f]


def test_manager__the_action_page_in_russian__no_keys_no_english_photos_described(
        data: TinyStore, people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False)
    action = dry(data)
    actions.start_work(data, people["manager"], action.id)
    actions.add_evidence(data, people["manager"], action.id, jpeg())
    data.change_actions("loc-a", lambda cur: [a.__class__(**{**a.__dict__, "loss": 6.25})
                                              for a in cur if a.id == action.id])
    at = open_action(app_as(data, people["manager"], lang="ru").run(), action.id)
    assert not at.exception
    words = screen_words(at)
    pick = pick_element(at)  # the photo element's words, in the reader's language too
    words += [pick["label"], *(re.sub(r"\{\w+\}", "", v) for v in pick["texts"].values())]
    assert "Добавить фото исправления" in words and "Камера" in words
    assert not [w for w in words if "ui." in w], words
    shown = [DIRECTIVE.sub("", w) for w in words]  # Markdown's colours and badges, not words
    english = {m for w in shown for m in ENGLISH_WORD.findall(w)} - FILE_TYPES
    english -= {u.name for u in people.values()}  # people's names are theirs
    assert not english, english
    alts = [img.alt for el in at.get("image") for img in el.proto.imgs]
    assert alts == ["Фото замечания 1 из 1", "Фото исправления 1 из 1"], alts
    assert "−6,2 б." in texts(at)  # one decimal, the Russian comma


def test_due_date__written_the_readers_way(data: TinyStore, people: dict[str, User]) -> None:
    mystery(data, people, entrance__dry=False)
    action = dry(data)
    formats = {}
    for lang in ("ru", "en"):
        at = open_action(app_as(data, people["hq"], lang=lang).run(), action.id)
        formats[lang] = at.date_input(key="act.due").proto.format
    assert formats == {"ru": "DD.MM.YYYY", "en": "YYYY-MM-DD"}
