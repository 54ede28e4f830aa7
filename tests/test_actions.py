"""Corrective actions on both stores: made from findings, worked, verified, weighed by the next audit."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, timedelta

import pytest
from PIL import Image

from audit import workflow
from audit.actions import service as actions
from audit.actions.service import ActionError, ActionSettings
from audit.audits import capture as audits
from audit.core.errors import NotFound
from audit.i18n import error_text
from audit.model import AuditHeader, User
from audit.model.actions import Action, ActionFilter
from audit.people import accounts
from audit.photos import PhotoError
from audit.store import Store
from tests.conftest import answer_mini, photograph

TODAY = date.today().isoformat()


def jpeg(colour: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def mystery(store: Store, people: dict[str, User], *, publish: bool = True, location: str = "loc-a",
            visit_at: str | None = None, **answers: object) -> str:
    """A submitted (and published) mystery audit with the mini checklist's answers changed."""
    who = people["shopper2"]
    audit_id = audits.start_audit(store, who, location_id=location, template_id="mini",
                                  mode="mystery", lang="ru", visit_at=visit_at).id
    answer_mini(store, who, audit_id, **answers)
    photograph(store, who, audit_id, "office.facade")
    if answers.get("entrance__dry") is False:
        photograph(store, who, audit_id, "entrance.dry", comment="Лужа")
    workflow.submit(store, who, audit_id)
    if publish:
        workflow.publish(store, people["hq"], audit_id)
    return audit_id


def by_key(store: Store, location: str = "loc-a") -> dict[str, Action]:
    return {a.key: a for a in store.location_actions(location)}


def later() -> str:
    """A visit after everything done so far (the audits' times are real clock times)."""
    return (date.today() + timedelta(days=1)).isoformat() + "T10:00:00+00:00"


# -- the rules a later audit applies, as a table ---------------------------------------------------

BASE = Action(id="x", location_id="loc-a", region="R", audit_id="first", template_id="mini",
              template_version=1, mode="mystery", key="entrance.dry", section="entrance",
              owner="mia", due="2026-05-10", status="open", created_at="2026-05-01T10:00:00",
              opened_at="2026-05-01T10:00:00")
DONE = dataclasses.replace(BASE, status="done", done_at="2026-05-05T10:00:00", done_by="mia")
VERIFIED = dataclasses.replace(DONE, status="verified", verified_by="boss",
                               verified_at="2026-05-06T10:00:00")
AFTER, BEFORE_FIX, BEFORE_ACTION = "2026-06-01T09:00:00", "2026-05-03T09:00:00", "2026-04-20T09:00:00"


def later_audit(visit: str, mode: str = "mystery", auditor: str = "sue", audit_id: str = "second"
                ) -> AuditHeader:
    return AuditHeader(id=audit_id, template_id="mini", template_version=1, location_id="loc-a",
                       mode=mode, auditor=auditor, lang="ru", status="submitted", visit_at=visit)


# (action, later audit, what it says of the item) → (status, repeats, confirmed_by, verified_by)
RULES = [
    ("closed, later mystery answers well → verified by it", DONE, later_audit(AFTER), "good",
     ("verified", 0, "second", "audit:second")),
    ("verified, later answers well → confirmed, verifier kept", VERIFIED, later_audit(AFTER), "good",
     ("verified", 0, "second", "boss")),
    ("closed, later fails → reopened as a repeat", DONE, later_audit(AFTER), "failed",
     ("open", 1, "", "")),
    ("verified, later fails → reopened as a repeat", VERIFIED, later_audit(AFTER), "failed",
     ("open", 1, "", "")),
    ("open, later fails → still open, not a repeat", BASE, later_audit(AFTER), "failed",
     ("open", 0, "", "")),
    ("open, a later mystery audit answers well → closed, confirmed by it", BASE,
     later_audit(AFTER), "good", ("verified", 0, "second", "audit:second")),
    ("open, the owner's own self-audit answers well → done, waiting for verification", BASE,
     later_audit(AFTER, mode="self", auditor="mia"), "good", ("done", 0, "", "")),
    ("open, a colleague's self-audit answers well → closed, confirmed by it", BASE,
     later_audit(AFTER, mode="self", auditor="max"), "good", ("verified", 0, "second", "audit:second")),
    ("closed, audit visited before the fix fails → nothing (it predates the fix)", DONE,
     later_audit(BEFORE_FIX), "failed", ("done", 0, "", "")),
    ("open, audit visited before the action → nothing", BASE, later_audit(BEFORE_ACTION),
     "failed", ("open", 0, "", "")),
    ("closed, later says N/A → nothing", DONE, later_audit(AFTER), "silent", ("done", 0, "", "")),
    ("closed, the fixer's own self-audit answers well → no proof", DONE,
     later_audit(AFTER, mode="self", auditor="mia"), "good", ("done", 0, "", "")),
    ("closed, a colleague's self-audit answers well → confirmed", DONE,
     later_audit(AFTER, mode="self", auditor="max"), "good", ("verified", 0, "second", "audit:second")),
    ("closed, a self-audit fails it → a repeat all the same", DONE,
     later_audit(AFTER, mode="self", auditor="mia"), "failed", ("open", 1, "", "")),
    ("the action's own audit → nothing", DONE, later_audit(AFTER, audit_id="first"), "failed",
     ("done", 0, "", "")),
]


@pytest.mark.parametrize(("case", "action", "header", "state", "expected"), RULES,
                         ids=[r[0] for r in RULES])
def test_weigh__confirmed_and_repeat_rules(case: str, action: Action, header: AuditHeader,
                                           state: str, expected: tuple[str, int, str, str]) -> None:
    new = actions.weigh(action, header, state, now="2026-06-02T08:00:00", due="2026-06-16")
    assert (new.status, new.repeats, new.confirmed_by, new.verified_by) == expected
    if new.repeats:
        assert (new.due, new.opened_at, new.done_at) == ("2026-06-16", "2026-06-02T08:00:00", "")
        assert new.history[-1] == {"type": "repeat", "by": "", "at": "2026-06-02T08:00:00",
                                   "audit": "second"}
    again = actions.weigh(new, header, state, now="2026-06-03T08:00:00", due="2026-06-20")
    assert again == new  # an audit is weighed once: a re-publish changes nothing


# -- the hook on both stores -------------------------------------------------------------------


def test_mystery_audit__actions_appear_when_published_not_when_submitted(
        store: Store, network: dict[str, User]) -> None:
    audit_id = mystery(store, network, publish=False, entrance__dry=False, office__guard=False)
    assert store.location_actions("loc-a") == []
    workflow.publish(store, network["hq"], audit_id, now=f"{TODAY}T09:00:00+00:00")
    found = by_key(store)
    assert set(found) >= {"entrance.dry", "office.guard"}
    guard, dry = found["office.guard"], found["entrance.dry"]
    assert guard.critical and not dry.critical
    day = date.today()
    assert guard.due == (day + timedelta(days=2)).isoformat()
    assert dry.due == (day + timedelta(days=14)).isoformat()
    assert dry.owner == "mia" and dry.audit_id == audit_id and dry.section == "entrance"
    assert dry.answer is False and dry.loss > 0
    assert [a.id for a in store.owner_actions("mia")] == sorted(a.id for a in found.values()) or \
        {a.id for a in store.owner_actions("mia")} == {a.id for a in found.values()}
    workflow.publish(store, network["hq"], audit_id, False)
    workflow.publish(store, network["hq"], audit_id)  # published again: nothing doubles
    assert {a.id: a for a in store.location_actions("loc-a")} == {a.id: a for a in found.values()}


def test_self_audit__its_manager_owns_the_actions(store: Store, network: dict[str, User]) -> None:
    mia = network["manager"]
    audit_id = audits.start_audit(store, mia, location_id="loc-a", template_id="mini", mode="self",
                                  lang="ru").id
    answer_mini(store, mia, audit_id, entrance__clean=2)
    photograph(store, mia, audit_id, "office.facade")
    workflow.submit(store, mia, audit_id)
    made = store.location_actions("loc-a")
    assert "entrance.clean" in {a.key for a in made} and {a.owner for a in made} == {"mia"}
    assert {a.mode for a in made} == {"self"}


def test_checklist_settings__critical_only_and_due_days(store: Store, network: dict[str, User]) -> None:
    actions.set_action_settings(store, network["hq"], "mini",
                                ActionSettings(auto="critical", due_critical=1, due_other=30))
    audit_id = mystery(store, network, entrance__dry=False, office__guard=False)
    found = by_key(store)
    assert list(found) == ["office.guard"]  # critical failures always; the rest on request
    assert found["office.guard"].due == (date.today() + timedelta(days=1)).isoformat()
    made = actions.request_action(store, network["manager"], audit_id, "entrance.dry",
                                  location_id="loc-a")
    assert (made.owner, made.created_by) == ("mia", "mia")
    assert made.due == (date.today() + timedelta(days=30)).isoformat()
    with pytest.raises(ActionError) as err:
        actions.request_action(store, network["hq"], audit_id, "entrance.dry", location_id="loc-a")
    assert err.value.code == "action_exists"


def test_min_loss__small_findings_wait_for_a_request(store: Store, network: dict[str, User]) -> None:
    actions.set_action_settings(store, network["hq"], "mini", ActionSettings(min_loss=10))
    mystery(store, network, entrance__dry=False, entrance__clean=4)
    found = by_key(store)
    assert "entrance.dry" in found and "entrance.clean" not in found


def test_loop__fixed_with_a_photo_verified_then_confirmed_by_the_next_audit(
        store: Store, network: dict[str, User]) -> None:
    mia, hq = network["manager"], network["hq"]
    mystery(store, network, entrance__dry=False)
    action = by_key(store)["entrance.dry"]
    actions.start_work(store, mia, action.id)
    ref = actions.add_evidence(store, mia, action.id, jpeg())
    assert store.photo_files().exists(ref.sha256)
    actions.mark_done(store, mia, action.id, note="Постелили коврик")
    actions.verify(store, hq, action.id)
    done = store.get_action(action.id)
    assert done is not None and (done.status, done.verified_by, done.note) == (
        "verified", "boss", "Постелили коврик")
    assert [e["type"] for e in done.history] == ["created", "status", "photo", "status", "status"]
    second = mystery(store, network, visit_at=later())
    confirmed = store.get_action(action.id)
    assert confirmed is not None and confirmed.confirmed_by == second
    assert "entrance.dry" not in {a.key for a in store.location_actions("loc-a")
                                  if a.audit_id == second}


def test_loop__failed_again_after_close__reopened_as_a_repeat_not_a_new_action(
        store: Store, network: dict[str, User]) -> None:
    mia = network["manager"]
    mystery(store, network, entrance__dry=False)
    action = by_key(store)["entrance.dry"]
    actions.mark_done(store, mia, action.id, note="Вытерли")
    third = mystery(store, network, visit_at=later(), entrance__dry=False)
    again = store.get_action(action.id)
    assert again is not None and (again.status, again.repeats) == ("open", 1)
    assert again.history[-1]["audit"] == third
    assert [a.key for a in store.location_actions("loc-a")].count("entrance.dry") == 1


def test_open_action__a_second_failing_audit_adds_no_second_action(
        store: Store, network: dict[str, User]) -> None:
    mystery(store, network, entrance__dry=False)
    mystery(store, network, visit_at=later(), entrance__dry=False)
    found = [a for a in store.location_actions("loc-a") if a.key == "entrance.dry"]
    assert len(found) == 1 and found[0].repeats == 0
    assert found[0].history[-1]["type"] == "failed_again"


def test_send_back__reason_recorded_owner_works_on(store: Store, network: dict[str, User]) -> None:
    mia, hq = network["manager"], network["hq"]
    mystery(store, network, entrance__dry=False)
    action = by_key(store)["entrance.dry"]
    actions.mark_done(store, mia, action.id, note="done")
    with pytest.raises(ActionError) as err:
        actions.send_back(store, hq, action.id, "  ")
    assert err.value.code == "reason_needed"
    back = actions.send_back(store, hq, action.id, "На фото не видно коврика")
    assert (back.status, back.reason, back.done_at) == ("rejected", "На фото не видно коврика", "")
    assert actions.start_work(store, mia, action.id).status == "in_progress"


# -- bad input: a clear message in ru and en, nothing saved is lost ----------------------------------


def test_bad_input__due_date_in_the_past(store: Store, network: dict[str, User]) -> None:
    mystery(store, network, entrance__dry=False)
    action = by_key(store)["entrance.dry"]
    past = (date.today() - timedelta(days=1)).isoformat()
    with pytest.raises(ActionError) as err:
        actions.assign(store, network["hq"], action.id, due=past)
    assert error_text(err.value, "en") == f"The due date {past} is in the past. Pick today or a later day."
    assert error_text(err.value, "ru").startswith(f"Срок {past} уже прошёл")
    assert store.get_action(action.id) == action


def test_bad_input__owner_without_access_to_the_location(store: Store, network: dict[str, User]) -> None:
    mystery(store, network, entrance__dry=False)
    action = by_key(store)["entrance.dry"]
    for who in ("max", "sam", "nobody"):  # a manager elsewhere, a shopper, no such person
        with pytest.raises(ActionError) as err:
            actions.assign(store, network["hq"], action.id, owner=who)
        assert "no access to this location" in error_text(err.value, "en")
        assert "нет доступа к этой точке" in error_text(err.value, "ru")
    assert store.get_action(action.id) == action
    moved = actions.assign(store, network["hq"], action.id, owner="boss")
    assert moved.owner == "boss"
    assert action.id not in {a.id for a in store.owner_actions("mia")}
    assert action.id in {a.id for a in store.owner_actions("boss")}


def test_bad_input__evidence_that_is_not_a_photo(store: Store, network: dict[str, User]) -> None:
    mia = network["manager"]
    mystery(store, network, entrance__dry=False)
    action = by_key(store)["entrance.dry"]
    actions.add_evidence(store, mia, action.id, jpeg())
    kept = store.get_action(action.id)
    for data in (b"%PDF-1.4 not a photo", b"<svg/>", b""):
        with pytest.raises(PhotoError):
            actions.add_evidence(store, mia, action.id, data)
    assert store.get_action(action.id) == kept


def test_bad_input__action_on_another_locations_audit(store: Store, network: dict[str, User]) -> None:
    actions.set_action_settings(store, network["hq"], "mini", ActionSettings(auto="critical"))
    audit_id = mystery(store, network, entrance__dry=False)
    with pytest.raises(ActionError) as err:
        actions.request_action(store, network["hq"], audit_id, "entrance.dry", location_id="loc-b")
    assert "another location" in error_text(err.value, "en")
    assert "другой точки" in error_text(err.value, "ru")
    with pytest.raises(NotFound):  # a manager of another location cannot even see the audit
        actions.request_action(store, network["manager_b"], audit_id, "entrance.dry",
                               location_id="loc-b")
    assert store.location_actions("loc-a") == [] and store.location_actions("loc-b") == []


def test_bad_input__manager_verifying_their_own_action(store: Store, network: dict[str, User]) -> None:
    mia = network["manager"]
    mystery(store, network, entrance__dry=False)
    action = by_key(store)["entrance.dry"]
    done = actions.mark_done(store, mia, action.id, note="fixed")
    with pytest.raises(ActionError) as err:
        actions.verify(store, mia, action.id)
    assert error_text(err.value, "en") == "You cannot verify your own action: HQ or a regional reviewer does."
    assert error_text(err.value, "ru").startswith("Свою задачу проверить нельзя")
    assert store.get_action(action.id) == done
    boss_owned = actions.assign(store, network["hq"], action.id, owner="boss")
    with pytest.raises(ActionError) as err:  # HQ neither, when the action is theirs
        actions.verify(store, network["hq"], action.id)
    assert err.value.code == "own_action"
    assert store.get_action(action.id) == boss_owned


def test_done_needs_a_photo_or_a_note(store: Store, network: dict[str, User]) -> None:
    mystery(store, network, entrance__dry=False)
    action = by_key(store)["entrance.dry"]
    with pytest.raises(ActionError) as err:
        actions.mark_done(store, network["manager"], action.id)
    assert err.value.code == "no_proof"


def test_shoppers_and_other_branches_see_no_actions(store: Store, network: dict[str, User]) -> None:
    mystery(store, network, entrance__dry=False)
    action = by_key(store)["entrance.dry"]
    for who in ("shopper", "shopper2", "manager_b"):
        with pytest.raises(NotFound):
            actions.load_action(store, network[who], action.id)
        assert actions.visible_actions(store, network[who]) == []
    assert [a.id for a in actions.visible_actions(store, network["manager"])] == [
        a.id for a in store.location_actions("loc-a")]


def test_reviewer__verifies_in_their_region_only(store: Store, network: dict[str, User]) -> None:
    rita = accounts.create_user(store, "rita", "reviewer", "secret-pass")
    rita = accounts.update_user(store, "rita", regions=("Москва",))
    mystery(store, network, entrance__dry=False)
    mystery(store, network, location="loc-b", entrance__dry=False)
    a = by_key(store, "loc-a")["entrance.dry"]
    b = by_key(store, "loc-b")["entrance.dry"]
    actions.mark_done(store, network["manager"], a.id, note="ok")
    actions.mark_done(store, network["manager_b"], b.id, note="ok")
    assert actions.verify(store, rita, a.id).verified_by == "rita"
    with pytest.raises(NotFound):
        actions.verify(store, rita, b.id)
    assert {x.location_id for x in actions.visible_actions(store, rita)} == {"loc-a"}


# -- lists, figures and the PDF's data ------------------------------------------------------------


def _at(status: str, due: str, **kw: object) -> Action:
    fields: dict[str, object] = {"id": f"{status}-{due}", **kw}
    return dataclasses.replace(BASE, status=status, due=due, **fields)  # type: ignore[arg-type]


def test_my_actions__overdue_this_week_the_rest_and_waiting() -> None:
    today = "2026-06-10"
    mine = [_at("open", "2026-06-09"), _at("rejected", "2026-06-01"), _at("in_progress", "2026-06-10"),
            _at("open", "2026-06-16"), _at("open", "2026-06-17"), _at("done", "2026-06-01"),
            _at("verified", "2026-06-01")]
    got = actions.my_actions(mine, today)
    assert [a.id for a in got.overdue] == ["rejected-2026-06-01", "open-2026-06-09"]
    assert [a.id for a in got.this_week] == ["in_progress-2026-06-10", "open-2026-06-16"]
    assert [a.id for a in got.later] == ["open-2026-06-17"]
    assert [a.id for a in got.waiting] == ["done-2026-06-01"]


def test_metrics__per_location_and_the_fast_but_failing() -> None:
    def closed(loc: str, n: int, days: int, **kw: object) -> Action:
        return dataclasses.replace(BASE, id=f"{loc}-{n}", location_id=loc, status="verified",
                                   opened_at="2026-05-01T00:00:00",
                                   done_at=f"2026-05-{1 + days:02d}T00:00:00", **kw)  # type: ignore[arg-type]

    rows = [closed("fast", 1, 1, repeats=1), closed("fast", 2, 2), closed("fast", 3, 1),
            closed("slow", 1, 20, confirmed_by="a9"), closed("slow", 2, 10),
            _at("open", "2026-06-01", id="o1", location_id="slow"),
            _at("open", "2026-07-01", id="o2", location_id="slow")]
    from audit.model.actions import fact_of, stats_of

    m = actions.metrics(stats_of([fact_of(a) for a in rows], "2026-06-10"))
    fast, slow = m.locations
    assert (fast.location_id, fast.closed, fast.median_days, fast.repeats) == ("fast", 3, 1.0, 1)
    assert (slow.open, slow.overdue, slow.median_days, slow.confirmed_share) == (2, 1, 15.0, 0.5)
    assert m.fast_but_failing == ("fast",)
    assert (m.open, m.overdue, m.closed, m.median_days) == (2, 1, 5, 2.0)


def test_plan_lines_and_sign_off(store: Store, network: dict[str, User], mini) -> None:  # type: ignore[no-untyped-def]
    audit_id = mystery(store, network, entrance__dry=False, office__guard=False)
    people = {u.name: u for u in store.list_users()}
    audit = store.get_audit(audit_id)
    assert audit is not None
    lines = actions.plan_lines(actions.plan_for(store, audit, None, mini), mini, people, "ru")
    assert [ln.finding for ln in lines] == [i.text.ru for s, i in mini.items()
                                            if f"{s.id}.{i.id}" in {a.key for a in
                                                                     store.location_actions("loc-a")}]
    first = lines[0]
    assert (first.section, first.answer, first.owner, first.status, first.state) == (
        "Вход", "Нет", "mia", "Открыта", "новая")
    header = store.get_header(audit_id)
    assert header is not None and actions.sign_off(header, people) is None
    with pytest.raises(ActionError):  # HQ reads it, but the sign-off is the branch manager's
        actions.acknowledge(store, network["hq"], audit_id)
    with pytest.raises(NotFound):  # another branch's manager cannot even see it
        actions.acknowledge(store, network["manager_b"], audit_id)
    actions.acknowledge(store, network["manager"], audit_id, now="2026-06-01T09:30:00+00:00")
    header = store.get_header(audit_id)
    assert header is not None
    signed = actions.sign_off(header, people)
    assert signed is not None and (signed.name, signed.at) == ("mia", "2026-06-01T09:30:00+00:00")


# -- the store's own guarantees -----------------------------------------------------------------


def test_store__filters_facts_and_ids(store: Store, network: dict[str, User]) -> None:
    mystery(store, network, entrance__dry=False, office__guard=False)
    mystery(store, network, location="loc-b", entrance__dry=False)
    every = store.list_actions()
    assert {a.location_id for a in every} == {"loc-a", "loc-b"}
    assert {a.id for a in store.list_actions(ActionFilter(region="СПб"))} == {
        a.id for a in every if a.location_id == "loc-b"}
    facts = store.action_facts(ActionFilter(statuses=("open",)))
    assert sorted(f.id for f in facts) == sorted(a.id for a in every)
    one = every[0]
    assert store.get_action(one.id) == one and store.get_action("nope") is None


def test_outbox__claim_lease_finish_retry(store: Store) -> None:
    from audit.model.actions import Message

    msgs = [Message(id=f"m{i}", to=f"p{i}@example.test", user=f"p{i}", lang="en", kind="test",
                    subject="s", body="b", created_at=f"2026-06-01T10:00:0{i}") for i in range(3)]
    assert store.enqueue_messages(msgs) == 3 and store.enqueue_messages(msgs[:1]) == 0
    now, lease = "2026-06-01T10:01:00", "2026-06-01T10:06:00"
    a = store.claim_messages("A", now, lease, 2)
    b = store.claim_messages("B", now, lease, 5)
    assert [m.id for m in a] == ["m0", "m1"] and [m.id for m in b] == ["m2"]
    assert store.claim_messages("C", "2026-06-01T10:02:00", lease, 5) == []
    assert store.finish_message("m0", "A", now="2026-06-01T10:01:05")
    assert not store.finish_message("m1", "B", now="2026-06-01T10:01:05")  # not B's
    assert store.finish_message("m1", "A", now="2026-06-01T10:01:06", error="refused",
                                next_try="2026-06-01T10:03:00")
    # m2's lease runs out: another drainer takes it over, and the old claim is void
    late = store.claim_messages("C", "2026-06-01T10:07:00", "2026-06-01T10:12:00", 5)
    assert {m.id for m in late} == {"m1", "m2"}
    assert not store.finish_message("m2", "B", now="2026-06-01T10:07:01")
    status = store.outbox_status()
    assert (status.pending, status.last_sent_at, status.last_error) == (2, "2026-06-01T10:01:05",
                                                                        "refused")
    assert store.claim_once("digest", "2026-06-01") and not store.claim_once("digest", "2026-06-01")
    assert store.claim_once("digest", "2026-06-02")


def test_export__actions_as_csv_and_xlsx_from_the_cli(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io as io_

    from openpyxl import load_workbook

    from audit.ops.cli import main
    from audit.store.folder.backend import TinyStore
    from tests.conftest import populate

    store = TinyStore(tmp_path / "data")
    people = populate(store)
    mystery(store, people, entrance__dry=False, office__guard=False)
    action = by_key(store)["entrance.dry"]
    actions.set_note(store, people["manager"], action.id, "=HYPERLINK(\"http://x\")")
    out = tmp_path / "out"
    assert main(["--data-dir", str(store.root), "export", "--what", "actions", "--format", "csv",
                 "--lang", "ru", "-o", str(out)]) == 0
    text = (tmp_path / "out-actions.csv").read_bytes().decode("utf-8-sig")
    rows = {r["key"]: r for r in csv.DictReader(io_.StringIO(text))}
    assert set(rows) == {a.key for a in store.location_actions("loc-a")}
    dry = rows["entrance.dry"]
    assert (dry["finding"], dry["answer"], dry["owner"], dry["status"]) == (
        "У входа сухо, нет луж", "Нет", "mia", "Открыта")
    assert dry["note"].startswith("'=")  # a formula in a note is shown, never run
    assert main(["--data-dir", str(store.root), "export", "--what", "actions", "--format", "xlsx",
                 "-o", str(tmp_path / "acts.xlsx")]) == 0
    sheet = load_workbook(tmp_path / "acts.xlsx")["actions"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:4] == ["action_id", "location_id", "location_name", "region"]
    assert sheet.max_row == 1 + len(rows)


def test_store__action_stats_equal_the_sums_of_the_facts(store: Store, network: dict[str, User]) -> None:
    from audit.model.actions import stats_of

    mystery(store, network, entrance__dry=False, office__guard=False)
    mystery(store, network, location="loc-b", entrance__dry=False)
    a = by_key(store)["entrance.dry"]
    actions.mark_done(store, network["manager"], a.id, note="ok")
    soon = (date.today() + timedelta(days=30)).isoformat()
    got = store.action_stats(None, soon)
    want = stats_of(store.action_facts(), soon)
    assert [dataclasses.replace(r, median_days=None) for r in got.locations] == \
        [dataclasses.replace(r, median_days=None) for r in want.locations]
    for g, w in zip(got.locations, want.locations, strict=True):  # SQL's float against Python's
        assert (g.median_days is None) == (w.median_days is None)
        assert g.median_days is None or g.median_days == pytest.approx(w.median_days, abs=1e-6)
    assert got.median_days == pytest.approx(want.median_days, abs=1e-6)
    assert sum(r.overdue for r in got.locations) == sum(r.open for r in got.locations) > 0
    only_b = store.action_stats(ActionFilter(region="СПб"), soon)
    assert [r.location_id for r in only_b.locations] == ["loc-b"]
