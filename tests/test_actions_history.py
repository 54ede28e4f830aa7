"""Actions that match what the audits found, on both stores: a history of past audits weighed in
order by `audit actions sync`, every finding in the plan (app, PDF, e-mail), the bounded digest
and HQ's bulk reassignment."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from audit import workflow
from audit.actions import service as actions
from audit.actions.service import ActionError, ControlFilter
from audit.audits import capture as audits
from audit.checklist.templates import get_checklist
from audit.core.errors import NotFound
from audit.core.limits import DIGEST_MAX_LINES, DIGEST_MAX_LOCATIONS, MAIL_NEWS_DAYS, REASSIGN_MAX
from audit.i18n import error_text
from audit.model import Audit, User
from audit.model.actions import Action
from audit.notify import outbox
from audit.people import accounts, audience
from audit.reports.gather import audit_context, audit_trail, display_photo, pdf_auditor_label
from audit.reports.pdf import render_audit_pdf
from audit.scoring.score import score_audit
from audit.store import Store
from audit.visits import service as visit_service
from tests.conftest import answer_mini, photograph
from tests.test_actions import jpeg

NOW = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


def ago(days: int, hour: int = 10) -> str:
    return (NOW - timedelta(days=days)).replace(hour=hour).isoformat()


def day(days: int, plus: int = 0) -> str:
    return (NOW.date() - timedelta(days=days) + timedelta(days=plus)).isoformat()


# the mini checklist's answers with no finding at all (its defaults leave two partial ones)
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PERFECT = {"waiting__comforts": ["water", "wifi", "kids"],
           "office__hours": {d: ["09:00", "20:00"] for d in WEEK}}


def past_audit(store: Store, people: dict[str, User], days: int, *, mode: str = "mystery",
               **answers: object) -> str:
    """An audit visited `days` ago that reached its branch that day, as audits did before actions
    existed: final and owing its actions, its hook not run (what `audit actions sync` finds)."""
    who = people["shopper2"] if mode == "mystery" else people["manager"]
    audit_id = audits.start_audit(store, who, location_id="loc-a", template_id="mini", mode=mode,
                                  lang="ru", visit_at=ago(days), now=ago(days)).id
    answer_mini(store, who, audit_id, **(PERFECT | answers))
    photograph(store, who, audit_id, "office.facade")
    if answers.get("entrance__dry") is False:
        photograph(store, who, audit_id, "entrance.dry", comment="Лужа")
    visit_service.submit(store, who, audit_id, now=ago(days, 11))
    if mode == "mystery":
        audits.publish(store, people["hq"], audit_id, True, now=ago(days, 12))
    header = store.get_header(audit_id)
    assert header is not None and header.actions_due and actions.is_final(header)
    return audit_id


def with_mail(store: Store, people: dict[str, User]) -> dict[str, User]:
    for key in ("manager", "hq"):
        accounts.update_user(store, people[key].name, email=f"{people[key].name}@example.com", lang="en")
    return {**people, **{k: store.get_user(u.name) or u for k, u in people.items()}}


def by_key(store: Store) -> dict[str, Action]:
    return {a.key: a for a in store.location_actions("loc-a")}


# -- 1. a history of audits, weighed in order ------------------------------------------------------


def test_sync__later_audits_confirm_repeat_and_find_again__dated_from_the_audits(
        store: Store, network: dict[str, User]) -> None:
    people = with_mail(store, network)
    a = past_audit(store, people, 60, entrance__dry=False, office__guard=False)
    b = past_audit(store, people, 40, office__guard=False)  # the puddle is gone, the guard is not
    c = past_audit(store, people, 20, entrance__dry=False, office__guard=False,
                   entrance__door="locked")
    d = past_audit(store, people, 10, mode="self")  # the owner's own self-audit: all good
    assert store.location_actions("loc-a") == []  # nothing made yet: what an upgrade finds

    result = actions.sync(store, now=NOW.isoformat())

    assert (result.audits, result.made, result.closed, result.repeats, result.messages) == (4, 3, 1, 1, 0)
    assert result.again == 2  # the guard, found again by b and c while still open
    acts = by_key(store)
    dry, guard, door = acts["entrance.dry"], acts["office.guard"], acts["entrance.door"]
    # the puddle: made by a, confirmed by b, failed again in c → the same action, repeat ×1,
    # due from c's day; d (the owner's own self-audit) proves nothing of it … but answered it
    # well: done, waiting for HQ's verification
    assert dry.audit_id == a and dry.created_at[:10] == day(60) and dry.repeats == 1
    assert [e["type"] for e in dry.history] == ["created", "confirmed", "repeat", "passed"]
    assert dry.opened_at[:10] == day(20) and dry.due == day(20, 14)
    assert (dry.status, dry.done_by) == ("done", f"audit:{d}")
    # the guard (critical): made by a, due two days after a; found again by b and c; the
    # owner's self-audit d answered it well: done, waiting for verification, not verified
    assert (guard.audit_id, guard.due, guard.again) == (a, day(60, 2), 2)
    assert (guard.status, guard.done_by, guard.verified_by) == ("done", f"audit:{d}", "")
    assert result.passed == 3  # the door too: d answered all three well
    assert (door.audit_id, door.due, door.status) == (c, day(20, 14), "done")
    assert store.list_messages(("pending",), limit=100) == []  # 10 to 60 days old: no e-mail
    assert result.overdue == 0 and result.open == 0
    # the plans, one audit at a time: new, still open since …, repeat ×N
    plan_c = {e.proposal.key: e for e in actions.plan_for(store, must(store, c), None)}
    assert (plan_c["entrance.door"].state, plan_c["entrance.dry"].state,
            plan_c["entrance.dry"].repeats) == (actions.NEW, actions.REPEAT, 1)
    assert (plan_c["office.guard"].state, plan_c["office.guard"].since[:10]) == (actions.STILL_OPEN, day(60))
    plan_b = actions.plan_for(store, must(store, b), None)
    assert [(e.proposal.key, e.state) for e in plan_b] == [("office.guard", actions.STILL_OPEN)]

    again = actions.sync(store, now=NOW.isoformat())  # safe to run again: nothing changes
    assert (again.made, again.closed, again.passed, again.repeats, again.again, again.messages) == (0,) * 6
    assert by_key(store) == acts


def test_sync__open_and_overdue_counted_from_the_audits_day(store: Store, network: dict[str, User]) -> None:
    people = with_mail(store, network)
    past_audit(store, people, 30, entrance__dry=False)  # due 16 days ago
    past_audit(store, people, 5, entrance__dry=False, office__guard=False)  # the guard: critical, due
    # 3 days ago; the puddle found again (the same action); still news
    result = actions.sync(store, now=NOW.isoformat())
    assert (result.made, result.open, result.overdue) == (2, 2, 2)
    acts = by_key(store)
    assert acts["entrance.dry"].due == day(30, 14) and acts["office.guard"].due == day(5, 2)
    # the 5-day-old audit is news (within MAIL_NEWS_DAYS): its report and its action are mailed;
    # the 30-day-old one tells nobody
    sent = store.list_messages(("pending",), limit=100)
    assert MAIL_NEWS_DAYS >= 5
    assert sorted(m.kind for m in sent) == ["action_assigned", "audit_published"]
    assigned = next(m for m in sent if m.kind == "action_assigned")
    assert "sober" in assigned.body and "dry" not in assigned.body


def test_is_news__one_rule_for_every_mail(store: Store) -> None:
    assert outbox.is_news(ago(MAIL_NEWS_DAYS - 1), NOW.isoformat())
    assert not outbox.is_news(ago(MAIL_NEWS_DAYS + 1), NOW.isoformat())
    assert not outbox.is_news("", NOW.isoformat()) and not outbox.is_news("garbage", NOW.isoformat())


def must(store: Store, audit_id: str):  # type: ignore[no-untyped-def]
    audit = store.get_audit(audit_id)
    assert audit is not None
    return audit


# -- 2. every finding in the plan: app, PDF and e-mail read one function ------------------------

MANY = {"entrance__dry": False, "entrance__clean": 1, "entrance__door": "locked",
        "waiting__wait": {"minutes": 40}, "office__guard": False,
        "office__site": {"text": "x", "flagged": [], "typos": ["a", "b", "c"]}}


def test_new_audit_with_many_findings__plan_lists_all__mail_counts_the_plan(
        store: Store, network: dict[str, User]) -> None:
    people = with_mail(store, network)
    # findings costing under 5 points wait for a request; an earlier audit left the puddle open
    hq = people["hq"]
    actions.set_action_settings(store, hq, "mini", actions.ActionSettings(min_loss=5.0))
    past_audit(store, people, 30, entrance__dry=False)
    actions.sync(store, now=NOW.isoformat())
    who = people["shopper2"]
    audit_id = audits.start_audit(store, who, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="ru").id
    answer_mini(store, who, audit_id, **MANY)
    photograph(store, who, audit_id, "office.facade")
    photograph(store, who, audit_id, "entrance.dry")
    workflow.submit(store, who, audit_id)
    workflow.publish(store, hq, audit_id)

    audit = must(store, audit_id)
    score = score_audit(get_checklist(store, "mini", 1), audit.answers)
    plan = actions.plan_for(store, audit, people["manager"])
    assert len(score.findings) >= 6
    assert sorted(e.proposal.key for e in plan) == sorted(f.key for f in score.findings)
    states = {e.proposal.key: e.state for e in plan}
    assert states["entrance.dry"] == actions.STILL_OPEN  # carried by the earlier open action
    assert states["office.guard"] == actions.NEW  # critical: always an action
    assert actions.NO_ACTION in states.values()  # the cheap ones: listed, to make on request
    mail = next(m for m in store.list_messages(("pending",), limit=100) if m.kind == "audit_published")
    assert f"Its action plan lists {len(plan)} findings" in mail.body
    # the PDF's plan lists each of them too
    checklist = get_checklist(store, "mini", 1)
    trail = audit_trail(store, audit, checklist, lang="en",
                        view=audience.view_of(audience.BRANCH, audit.header, leaves_app=True))
    assert len(trail.plan) == len(plan)
    assert {ln.state for ln in trail.plan} >= {"new", "no action yet"}
    assert any(ln.state.startswith("still open since ") for ln in trail.plan)
    # a shopper's copy has no plan at all
    assert actions.plan_for(store, audit, who) == []


def done_with_photo(store: Store, network: dict[str, User]) -> tuple[Audit, User]:
    """A past audit whose wet-entrance action its manager has done, with a photo of the fix."""
    audit_id = past_audit(store, network, 3, entrance__dry=False)
    actions.sync(store, now=NOW.isoformat())
    dry = by_key(store)["entrance.dry"]
    mia = network["manager"]
    actions.add_evidence(store, mia, dry.id, jpeg((200, 30, 30)))
    actions.mark_done(store, mia, dry.id, note="Laid a mat at the door")
    return must(store, audit_id), mia


def fix_photos(page) -> int:  # type: ignore[no-untyped-def]
    """The page's pictures of the fix: the red one `done_with_photo` attaches."""
    def red(image) -> bool:  # type: ignore[no-untyped-def]
        r, g, b = image.image.convert("RGB").resize((1, 1)).getpixel((0, 0))
        return bool(r > 150 and g < 80 and b < 80)

    return sum(1 for image in page.images if red(image))


def test_done_action__note_and_photo_in_the_pdf_plan(store: Store, network: dict[str, User]) -> None:
    audit, mia = done_with_photo(store, network)
    checklist = get_checklist(store, "mini", 1)
    branch = audience.view_of(audience.BRANCH, audit.header, leaves_app=True)
    trail = audit_trail(store, audit, checklist, lang="en", view=branch, viewer=mia)
    line = next(ln for ln in trail.plan if ln.key == "entrance.dry")
    assert line.note == "Laid a mat at the door" and len(line.evidence) == 1
    data = render_audit_pdf(audit, checklist, location=store.get_location("loc-a"), lang="en",
                            auditor_label=pdf_auditor_label(store, audit, branch),
                            photo=display_photo(store, held={*audit.photos, *line.evidence}),
                            generated_at=NOW.isoformat(), view=branch, tz="UTC",
                            context=audit_context(store, audit), trail=trail)
    pages = PdfReader(io.BytesIO(data)).pages
    plan_page = next(p for p in pages if "Action plan" in p.extract_text())
    text = " ".join(plan_page.extract_text().split())
    assert "What was done: Laid a mat at the door" in text
    assert fix_photos(plan_page) == 1  # the photo of the fix (the sections may start below)
    # an open action shows neither (nothing is done yet)
    assert all(not ln.note and not ln.evidence for ln in trail.plan if ln.key != "entrance.dry")


# -- 3. the digest stays readable ----------------------------------------------------------------


def test_digest__2000_overdue_actions__by_location_and_bounded(store: Store,
                                                               network: dict[str, User]) -> None:
    with_mail(store, network)
    base = Action(id="", location_id="", region="Москва", audit_id="old", template_id="mini",
                  template_version=1, mode="mystery", key="entrance.dry", section="entrance",
                  owner="mia", due="2026-01-10", status="open", created_at="2026-01-01T10:00:00+00:00",
                  opened_at="2026-01-01T10:00:00+00:00")
    locations = [f"loc-{i:03d}" for i in range(80)]
    for loc in locations:
        made = [dataclasses.replace(base, id=actions.action_id(loc, f"old-{loc}-{k}", "entrance.dry"),
                                    location_id=loc, audit_id=f"old-{loc}-{k}",
                                    due=(date(2026, 1, 1) + timedelta(days=k)).isoformat(),
                                    critical=k % 7 == 0)
                for k in range(25)]
        store.change_actions(loc, lambda cur, made=made: made)
    assert len(store.list_actions()) == 2000
    messages = outbox.digest_messages(store, "2026-06-01", NOW.isoformat())
    hq = next(m for m in messages if m.user == "boss")
    lines = hq.body.splitlines()
    assert hq.subject == "2000 overdue actions"
    assert len(lines) <= DIGEST_MAX_LINES + DIGEST_MAX_LOCATIONS + 15
    assert len(hq.body.encode()) < 16_000
    assert sum(1 for ln in lines if ": 25 overdue, 4 critical, oldest due 1 Jan 2026" in ln) == \
        DIGEST_MAX_LOCATIONS
    assert f"and {80 - DIGEST_MAX_LOCATIONS} more locations: {25 * (80 - DIGEST_MAX_LOCATIONS)} overdue" \
        in hq.body
    assert f"…and {2000 - DIGEST_MAX_LINES} more overdue actions" in hq.body
    assert "/actions?state=overdue" in hq.body  # HQ's action control, on the overdue ones
    mia = next(m for m in messages if m.user == "mia")  # the owner: their own actions page
    assert "more overdue actions" in mia.body and "state=overdue" not in mia.body


# -- 4. HQ's control and bulk reassignment ------------------------------------------------------


def test_control_and_reassign__hq_only__all_or_nothing(store: Store, network: dict[str, User]) -> None:
    past_audit(store, network, 30, entrance__dry=False, office__guard=False)
    actions.sync(store, now=NOW.isoformat())
    hq, mia, max_ = network["hq"], network["manager"], network["manager_b"]
    today = NOW.date().isoformat()
    shown = actions.control_actions(store, hq, ControlFilter(location_id="loc-a", state="overdue"), today)
    assert sorted(a.key for a in shown) == ["entrance.dry", "office.guard"]
    groups = actions.control_groups(shown, today)
    assert [(g.location_id, g.owner, g.open, g.overdue) for g in groups] == [("loc-a", "mia", 2, 2)]
    assert actions.control_actions(store, hq, ControlFilter(state="repeated"), today) == []
    assert actions.control_actions(store, hq, ControlFilter(region="СПб"), today) == []
    with pytest.raises(ActionError) as bad:
        actions.control_actions(store, hq, ControlFilter(state="everything"), today)
    assert "not one of" in error_text(bad.value, "en")
    with pytest.raises(NotFound):
        actions.control_actions(store, mia, ControlFilter(), today)

    accounts.create_user(store, "nina", "manager", "secret-pass", locations=("loc-a",))
    ids = [a.id for a in shown]
    before = by_key(store)
    for who, owner, ident, code in [
            (mia, "nina", ids, "not_yours"),  # a manager may not
            (hq, "max", ids, "owner_no_access"),  # max has no access to loc-a
            (hq, "nobody", ids, "owner_unknown"),
            (hq, "nina", [], "nothing_chosen"),
            (hq, "nina", [f"x{i}" for i in range(REASSIGN_MAX + 1)], "too_many_actions")]:
        with pytest.raises(ActionError) as err:
            actions.reassign(store, who, ident, owner)
        assert err.value.code == code and error_text(err.value, "ru")
        assert by_key(store) == before  # nothing changed
    with pytest.raises(NotFound):
        actions.reassign(store, hq, [*ids, "no-such-action"], "nina")
    assert by_key(store) == before
    changed = actions.reassign(store, hq, ids, "nina", now=NOW.isoformat())
    assert sorted(a.owner for a in changed) == ["nina", "nina"]
    assert all(a.history[-1] == {"type": "assigned", "by": "boss", "at": NOW.isoformat(),
                                 "owner": "nina"} for a in by_key(store).values())
    assert max_.name != "nina"


def test_network_pdf__action_control_page(store: Store, network: dict[str, User]) -> None:
    past_audit(store, network, 30, entrance__dry=False, office__guard=False)
    actions.sync(store, now=NOW.isoformat())
    locations = {loc.id: loc for loc in store.list_locations()}
    checklist = get_checklist(store, "mini", 1)
    data = workflow.network_pdf(store, store.list_summaries(), locations, checklist, lang="en",
                                date_from=None, date_to=None, region=None, now=NOW.isoformat())
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]
    page = next(p for p in pages if "Action control" in p)
    assert "2 open actions shown: 2 overdue, 0 repeated" in page
    assert "Арбат Москва mia 2 2 0" in page
    # another region's report has no such page (nothing is open there)
    other = workflow.network_pdf(store, store.list_summaries(), locations, checklist, lang="en",
                                 date_from=None, date_to=None, region="СПб", now=NOW.isoformat())
    assert not any("Action control" in p.extract_text() for p in PdfReader(io.BytesIO(other)).pages)


def test_cli_sync__prints_the_figures__a_bad_date_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.ops.cli import main
    from audit.store.folder.backend import TinyStore
    from tests.conftest import populate

    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    folder = tmp_path / "data"
    store = TinyStore(folder)
    people = populate(store)
    past_audit(store, people, 30, entrance__dry=False)
    past_audit(store, people, 20)  # the puddle is gone
    assert main(["--data-dir", str(folder), "actions", "sync", "--since", "31.12.2025"]) == 1
    assert "is not a date like 2026-05-31" in capsys.readouterr().err
    assert store.location_actions("loc-a") == []  # nothing done
    assert main(["--data-dir", str(folder), "actions", "sync"]) == 0
    out = capsys.readouterr().out
    assert "2 audits weighed" in out and "made 1 actions; later audits closed 1 as confirmed" in out
    assert "open 0, overdue 0" in out and "e-mails queued 0" in out


def test_sync_redo__an_earlier_versions_backlog_is_weighed_again__touched_actions_kept(
        store: Store, network: dict[str, User]) -> None:
    past_audit(store, network, 60, entrance__dry=False, office__guard=False)
    past_audit(store, network, 40, office__guard=False)  # closes the puddle
    c = past_audit(store, network, 20, office__guard=False, entrance__door="locked")
    clean = actions.sync(store, now=NOW.isoformat())
    right = {k: (a.status, a.due, a.opened_at, a.confirmed_by, a.again)
             for k, a in by_key(store).items()}
    assert right["entrance.dry"] == ("verified", day(60, 14), ago(60, 12), c, 0)  # c confirms again

    # what the earlier version's sync left: every action opened today, due in two weeks, every
    # audit marked as weighed, nothing confirmed
    def old(cur: list[Action]) -> list[Action]:
        return [dataclasses.replace(a, status="open", opened_at=NOW.isoformat(),
                                    created_at=NOW.isoformat(), due=day(0, 14), done_at="",
                                    done_by="", verified_at="", verified_by="", confirmed_by="",
                                    again=0, found_at="",
                                    seen=tuple(h.audit_id for h in store.list_summaries()),
                                    history=({"type": "created", "by": "", "at": NOW.isoformat()},))
                for a in cur]
    store.change_actions("loc-a", old)
    # HQ already gave the door to someone: a person's step, which the redo keeps
    door = by_key(store)["entrance.door"]
    actions.assign(store, network["hq"], door.id, due=day(0, 30), now=NOW.isoformat())
    assert actions.sync(store, now=NOW.isoformat()).closed == 0  # a plain sync cannot see it
    with pytest.raises(ActionError) as err:
        actions.sync(store, since=day(30), now=NOW.isoformat(), redo=True)
    assert err.value.code == "redo_since"
    redone = actions.sync(store, now=NOW.isoformat(), redo=True)
    assert redone.reset == 2 and redone.messages == 0
    got = {k: (a.status, a.due, a.opened_at, a.confirmed_by, a.again) for k, a in by_key(store).items()}
    assert got["entrance.dry"] == right["entrance.dry"] and got["office.guard"] == right["office.guard"]
    assert got["entrance.door"][:2] == ("open", day(0, 30))  # kept as the person left it
    assert (redone.open, redone.overdue) == (2, 1) and (clean.open, clean.overdue) == (2, 2)


def test_done_action__its_photo_in_the_pdf_the_workflow_makes(store: Store,
                                                             network: dict[str, User]) -> None:
    """The PDF prints only photos the audit holds, and the fixes its plan shows: the photo of
    a done action is one of them."""
    from audit import workflow

    audit, mia = done_with_photo(store, network)
    data = workflow.audit_pdf(store, audit, lang="en", reader=audience.BRANCH, viewer=mia)
    plan_page = next(p for p in PdfReader(io.BytesIO(data)).pages
                     if "Action plan" in p.extract_text())
    assert fix_photos(plan_page) == 1
