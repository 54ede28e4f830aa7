"""The loop after a finding: actions proposed from an audit, worked on, verified, proved by the next audit.

`on_audit_final` is the one hook, run by `audit.workflow` when an audit becomes final (a
self-audit submitted, a mystery audit published). It weighs the location's earlier actions
against this audit (confirmed by it, or reopened as a repeat), makes the new ones its
findings call for, and queues the e-mails. Every other function here is something a person does to one action.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from audit import photos
from audit.audits.capture import load_header
from audit.checklist.templates import get_checklist
from audit.core import limits
from audit.core.clock import now_iso
from audit.core.errors import AppError, NotFound
from audit.core.limits import MAIL_NEWS_DAYS, REASSIGN_MAX
from audit.i18n import answer_text, t
from audit.i18n.formats import day
from audit.model import Answer, Audit, AuditHeader, AuditScore, Checklist, PhotoRef, User
from audit.model.actions import (
    OPEN_STATUSES,
    Action,
    ActionFilter,
    ActionStats,
    LocationActions,
    reached_at,
    visited_at,
)
from audit.notify import outbox as notify
from audit.notify import webhooks
from audit.people import access
from audit.scoring.score import cap_cost, impacts, ranked_findings, score_audit
from audit.store import AuditFilter, Store

AUTO_MODES = ("all", "critical")  # which findings make an action by themselves
MAX_NOTE = limits.ACTION_NOTE_MAX_CHARS
MAX_REASON = limits.ACTION_REASON_MAX_CHARS
MAX_EVIDENCE = 10
FAILS_AGAIN = 0.2  # "closes fast but fails again": at least this share of closed actions failed again


class ActionError(AppError):
    """Something a person asked of an action that cannot be done; `.code` names why (i18n err.*)."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message, **params)
        self.code = code


@dataclass(frozen=True)
class ActionSettings:
    """Per checklist, set by HQ: which findings make actions by themselves, and their due dates."""

    auto: str = "all"  # "all": every finding; "critical": only critical failures (others on request)
    min_loss: float = 0.0  # with "all": findings that cost less than this many points wait for a request
    due_critical: int = 2  # days
    due_other: int = 14
    owner: str = ""  # a named person who owns them; "" means a manager of the location

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> ActionSettings:
        d = d or {}
        return cls(auto=d.get("auto", "all") if d.get("auto") in AUTO_MODES else "all",
                   min_loss=float(d.get("min_loss", 0.0) or 0.0),
                   due_critical=int(d.get("due_critical", 2)), due_other=int(d.get("due_other", 14)),
                   owner=str(d.get("owner", "") or ""))


def action_settings(store: Store, template_id: str) -> ActionSettings:
    return ActionSettings.from_dict((store.get_settings().get("actions") or {}).get(template_id))


def set_action_settings(store: Store, actor: User, template_id: str,
                        settings: ActionSettings) -> ActionSettings:
    if not access.may(actor, access.MANAGE_TEMPLATES):
        raise NotFound("not found")
    if settings.auto not in AUTO_MODES:
        raise ActionError("bad_auto", f"auto must be one of {', '.join(AUTO_MODES)}")
    for days in (settings.due_critical, settings.due_other):
        if not 0 <= days <= 365:
            raise ActionError("bad_due_days", "due days must be 0 to 365", days=days)
    if settings.owner:
        person = store.get_user(settings.owner)
        if person is None or person.disabled or person.role == "shopper":
            raise ActionError("bad_default_owner", f"no manager, reviewer or HQ named {settings.owner}",
                              owner=settings.owner)
    every = dict(store.get_settings().get("actions") or {})
    every[template_id] = settings.to_dict()
    store.put_settings({"actions": every})
    return settings


# -- what an audit proposes --------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """A finding that can become an action; `auto` when it does so by itself."""

    key: str
    section: str
    answer: Any
    na: bool
    comment: str
    photos: tuple[str, ...]
    loss: float
    critical: bool
    auto: bool


def proposals(audit: Audit, score: AuditScore, settings: ActionSettings) -> list[Proposal]:
    """Every finding of the audit, the costliest first; critical failures always make one."""
    losses = impacts(score)
    out = []
    for f in score.findings:
        ans = audit.answers.get(f.key)
        loss = round(losses.get(f.key, 0.0), 2)
        critical = f.is_critical_failure
        auto = critical or (settings.auto == "all" and loss >= settings.min_loss)
        out.append(Proposal(key=f.key, section=f.key.partition(".")[0],
                            answer=ans.value if ans else None, na=bool(ans and ans.na),
                            comment=ans.comment if ans else "", photos=ans.photos if ans else (),
                            loss=loss, critical=critical, auto=auto))
    out.sort(key=lambda p: (not p.critical, -p.loss, p.key))
    return out


def action_id(location_id: str, audit_id: str, key: str) -> str:
    """One action per finding: the same audit and item always give the same id.

    The first three characters come from the location, so a store can keep the ids of one
    location's actions together (TinyDB writes one index file per change, not one per action).
    """
    where = hashlib.sha256(location_id.encode()).hexdigest()[:3]
    return where + hashlib.sha256(f"{audit_id}|{key}".encode()).hexdigest()[:17]


def due_from(day: str, critical: bool, settings: ActionSettings) -> str:
    start = date.fromisoformat(day[:10])
    return (start + timedelta(days=settings.due_critical if critical else settings.due_other)).isoformat()


def _event(kind: str, by: str, at: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "by": by, "at": at, **{k: v for k, v in extra.items() if v not in ("", None)}}


def _with(a: Action, event: dict[str, Any], **changes: Any) -> Action:
    return dataclasses.replace(a, history=(*a.history, event), updated_at=event["at"], **changes)


def new_action(header: AuditHeader, p: Proposal, *, region: str, owner: str, due: str, now: str,
               by: str = "", recorded: str = "") -> Action:
    """The finding's action, opened at `now`: for the hook, when its audit reached the branch
    (`recorded` is then the time it was written, if later); for a person, the moment they asked."""
    return Action(
        id=action_id(header.location_id, header.id, p.key), location_id=header.location_id, region=region,
        audit_id=header.id, template_id=header.template_id,
        template_version=header.template_version, mode=header.mode, key=p.key, section=p.section,
        answer=p.answer, na=p.na, comment=p.comment, photos=p.photos, loss=p.loss,
        critical=p.critical, owner=owner, due=due, status="open", created_at=now, created_by=by,
        opened_at=now, updated_at=now, found_at=visited_at(header),
        history=(_event("created", by, now, audit=header.id, owner=owner, due=due,
                        recorded=recorded if recorded and recorded != now else ""),))


# -- a later audit weighed against an action ---------------------------------------------------

GOOD, FAILED, SILENT = "good", "failed", "silent"


def item_state(score: AuditScore, key: str) -> str:
    """What an audit says of an item: answered well, failed, or nothing (N/A, unanswered, absent)."""
    s = score.item(key)
    if s is None or s.fraction is None:
        return SILENT
    if s.is_finding:
        return FAILED
    return GOOD if s.fraction >= 1 else SILENT


def proves(a: Action, mode: str, auditor: str) -> bool:
    """A mystery audit proves a fix; a self-audit does only when someone other than its fixer ran it."""
    return mode == "mystery" or auditor not in (a.owner, a.done_by)


def weigh(a: Action, header: AuditHeader, state: str, *, now: str, due: str) -> Action:
    """The action after a later audit of its location said `state` of its item (the rules' table).

    `now` is when that audit reached the branch (the events' time), `due` that day plus the
    checklist's days.

    - An audit already weighed, the action's own, or one visited before the finding (or, for a
      closed action, before its fix) changes nothing.
    - Closed (done or verified) and the item failed again: reopened as a repeat ×N, due anew.
    - Closed and the item answered well, by an audit that proves it: confirmed by that
      audit; a done action becomes verified by it.
    - Still open and the item failed again: the same action, found again (not a new one).
    - Still open and the item answered well: closed by that audit — verified and confirmed by
      an audit that proves it; done (waiting for HQ's verification) by the owner's own self-audit.
    """
    if header.id == a.audit_id or header.id in a.seen:
        return a
    since = a.done_at if a.is_closed else (a.found_at or a.opened_at)
    visit = visited_at(header)
    if not visit or visit <= since:
        return a  # it says nothing after the finding or fix; `since` only grows, so never will
    seen = (*a.seen, header.id)
    by_audit = f"audit:{header.id}"
    if state == FAILED and a.is_closed:
        return _with(a, _event("repeat", "", now, audit=header.id), status="open",
                     repeats=a.repeats + 1, opened_at=now, found_at=visit, due=due, done_at="",
                     done_by="", verified_at="", verified_by="", confirmed_by="", reason="", seen=seen)
    if state == FAILED:
        return _with(a, _event("failed_again", "", now, audit=header.id), again=a.again + 1,
                     found_at=visit, seen=seen)
    if state == GOOD and a.is_closed and proves(a, header.mode, header.auditor):
        extra: dict[str, Any] = {}
        if a.status == "done":
            extra = {"status": "verified", "verified_at": now, "verified_by": by_audit}
        return _with(a, _event("confirmed", "", now, audit=header.id), confirmed_by=header.id,
                     seen=seen, **extra)
    if state == GOOD and a.is_open:
        done_at = max(visit, a.opened_at)
        if proves(a, header.mode, header.auditor):
            return _with(a, _event("confirmed", "", now, audit=header.id), status="verified",
                         done_at=done_at, done_by=by_audit, verified_at=max(now, done_at),
                         verified_by=by_audit, confirmed_by=header.id, reason="", seen=seen)
        return _with(a, _event("passed", "", now, audit=header.id), status="done", done_at=done_at,
                     done_by=by_audit, reason="", seen=seen)
    return dataclasses.replace(a, seen=seen)


# -- the hook -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinalResult:
    """What one audit did to its location's actions, and the e-mails it queued."""

    created: tuple[Action, ...] = ()
    confirmed: tuple[Action, ...] = ()  # closed by this audit answering the item well
    reopened: tuple[Action, ...] = ()  # closed ones it failed again: repeats
    messages: int = 0
    again: tuple[Action, ...] = ()  # still open ones it failed again
    passed: tuple[Action, ...] = ()  # open ones the owner's own self-audit answered well: done
    plan: int = 0  # findings in the audit's action plan (what its e-mail counts)


def default_owner(people: Iterable[User], header: AuditHeader, region: str,
                  settings: ActionSettings) -> str:
    """The checklist's named owner if they cover the location; else the manager who ran the
    self-audit; else the location's first active manager; else nobody yet (HQ names one)."""
    people = list(people)
    by_name = {u.name: u for u in people}
    named = by_name.get(settings.owner)
    if named is not None and access.covers(named, header.location_id, region):
        return named.name
    auditor = by_name.get(header.auditor)
    if header.mode == "self" and auditor is not None and auditor.role == "manager" \
            and access.covers(auditor, header.location_id, region):
        return auditor.name
    managers = sorted(u.name for u in people if u.role == "manager" and not u.disabled
                      and header.location_id in u.locations)
    return managers[0] if managers else ""


def on_audit_final(store: Store, audit: Audit, score: AuditScore, now: str | None = None) -> FinalResult:
    """A self-audit was submitted or a mystery audit published: weigh and make the actions.

    Everything dates from when the audit reached the branch (`reached_at`), not from when this
    runs: a past audit (`audit actions sync`, a hook finished after a crash) makes the actions
    it made then, due as they were due then, and weighs them against the audits that follow
    when those are weighed in turn. E-mails go only while the audit is news
    (`notify.is_news`). Safe to call again for the same audit (a re-publish): an audit is
    weighed once and a finding makes one action. Sending never blocks.
    """
    at = now or now_iso()
    header = audit.header
    when = min(reached_at(header) or at, at)
    day = when[:10]
    location = store.get_location(header.location_id)
    region = location.region if location else ""
    settings = action_settings(store, header.template_id)
    people = store.list_users()
    owner = default_owner(people, header, region, settings)
    found = proposals(audit, score, settings)
    wanted = [p for p in found if p.auto]
    final: list[list[Action]] = []

    def change(current: list[Action]) -> list[Action]:
        out: dict[str, Action] = {}
        for a in current:
            if a.template_id != header.template_id:
                continue
            new = weigh(a, header, item_state(score, a.key), now=when,
                        due=due_from(day, a.critical, settings))
            if new != a:
                out[a.id] = new
        after = {a.id: out.get(a.id, a) for a in current}
        for p in wanted:
            aid = action_id(header.location_id, header.id, p.key)
            if aid in after or _carrier(after.values(), header, p.key) is not None:
                continue  # made already, or an open action (perhaps a repeat) carries this finding
            out[aid] = after[aid] = new_action(header, p, region=region, owner=owner,
                                               due=due_from(day, p.critical, settings), now=when,
                                               recorded=at)
        final[:] = [list(after.values())]
        return list(out.values())

    written = store.change_actions(header.location_id, change)
    mine = f"audit:{header.id}"
    created = tuple(a for a in written if a.audit_id == header.id and len(a.history) == 1)
    confirmed = tuple(a for a in written if a.confirmed_by == header.id)
    passed = tuple(a for a in written if a.status == "done" and a.done_by == mine)
    last = [a for a in written if a.history and a.history[-1].get("audit") == header.id]
    reopened = tuple(a for a in last if a.history[-1].get("type") == "repeat")
    again = tuple(a for a in last if a.history[-1].get("type") == "failed_again")
    plan = audit_plan(audit, score, final[0] if final else written, settings, found=found)
    messages = 0
    if notify.is_news(reached_at(header), at):
        messages = notify.queue_for_final(store, header, created + reopened, people, now=at,
                                          plan=len(plan))
        for a in created:  # integrations hear of new actions as the branch does: while news
            webhooks.action_event(store, "action.created", a, now=at)
    if header.actions_due:  # marked in the step that made it final: the actions are made now
        store.clear_actions_due(header.id)
    return FinalResult(created, confirmed, reopened, messages, again, passed, len(plan))


def final_audit(store: Store, audit_id: str, now: str | None = None) -> FinalResult:
    """Run the hook for a stored audit (a re-run after a failure, or `audit actions sync`)."""
    audit = store.get_audit(audit_id)
    if audit is None:
        raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
    checklist = get_checklist(store, audit.header.template_id, audit.header.template_version)
    return on_audit_final(store, audit, score_audit(checklist, audit.answers), now)


def is_final(header: AuditHeader) -> bool:
    """Whether the branch has the audit: a submitted self-audit, or a published mystery audit."""
    return header.status == "submitted" and (header.mode == "self" or header.published)


@dataclass(frozen=True)
class SyncResult:
    """What `audit actions sync` did, in numbers."""

    audits: int = 0  # final audits weighed
    made: int = 0
    closed: int = 0  # open ones a later audit that proves it answered well: verified by it
    passed: int = 0  # open ones the owner's own later self-audit answered well: done, to verify
    confirmed: int = 0  # closed ones a later audit answered well again
    repeats: int = 0  # closed ones a later audit failed again: reopened
    again: int = 0  # open ones a later audit failed again: the same action, found again
    open: int = 0  # open after the sync, at every location
    overdue: int = 0  # of those, past their due date today
    messages: int = 0  # e-mails queued (only audits still news)
    reset: int = 0  # untouched actions put back as their audits made them (--redo)

    def lines(self) -> list[str]:
        return [*([f"{self.reset} actions nobody had touched put back as their audits made them"]
                  if self.reset else []),
                f"{self.audits} audits weighed, oldest first",
                f"made {self.made} actions; later audits closed {self.closed} as confirmed, "
                f"the owners' own self-audits {self.passed} more (done, waiting for verification); "
                f"closed ones confirmed again {self.confirmed} times",
                f"repeats {self.repeats} (failed again after a close), found again while open "
                f"{self.again}",
                f"open {self.open}, overdue {self.overdue}",
                f"e-mails queued {self.messages} (audits older than {MAIL_NEWS_DAYS} days are "
                "e-mailed about to nobody)"]


def untouched(a: Action) -> bool:
    """Whether only the app has done anything to the action (no owner's work, no assignment)."""
    return all(not e.get("by") for e in a.history)


def restart(store: Store, now: str | None = None) -> int:
    """Put every action no person has touched back as its audit made it — opened when the audit
    reached the branch, due from then, weighed against nothing — so that `sync` weighs the later
    audits again, in order. For a store an earlier version synced (every action opened on the
    day of the sync, none weighed); an action someone worked on, assigned or verified stays as
    it is. How many were put back."""
    at = now or now_iso()
    headers: dict[str, AuditHeader | None] = {}
    n = 0
    for loc in sorted({a.location_id for a in store.list_actions()}):
        for a in store.location_actions(loc):  # read before the location's lock is taken
            if untouched(a) and a.audit_id not in headers:
                headers[a.audit_id] = store.get_header(a.audit_id)

        def change(current: list[Action]) -> list[Action]:
            out = []
            for a in current:
                if not untouched(a):
                    continue
                header = headers.get(a.audit_id)
                if header is None:
                    continue
                when = min(reached_at(header) or at, at)
                settings = action_settings(store, a.template_id)
                again = dataclasses.replace(
                    a, status="open", created_at=when, opened_at=when, updated_at=when,
                    found_at=visited_at(header), due=due_from(when, a.critical, settings),
                    done_at="", done_by="", verified_at="", verified_by="", confirmed_by="",
                    reason="", repeats=0, again=0, seen=(),
                    history=(_event("created", "", when, audit=a.audit_id, owner=a.owner,
                                    due=due_from(when, a.critical, settings), recorded=at),))
                if again != a:
                    out.append(again)
            return out
        n += len(store.change_actions(loc, change))
    return n


def sync(store: Store, since: str | None = None, now: str | None = None, *,
         redo: bool = False) -> SyncResult:
    """Weigh every final audit visited since `since` (every one without it), oldest visit first:
    each makes the actions it made when it reached its branch and weighs those its earlier
    audits made, so what is open afterwards is what the latest audits still find. Safe to run
    again: an audit is weighed once. With `redo` the actions no person has touched are first
    put back as their audits made them (`restart`) and weighed again."""
    at = now or now_iso()
    if since is not None:
        try:
            since = date.fromisoformat(since).isoformat()
        except ValueError:
            raise ActionError("bad_date", f"--since {since!r} is not a date like 2026-05-31",
                              value=since) from None
    if redo and since is not None:
        raise ActionError("redo_since", "--redo weighs every audit again: leave out --since")
    reset = restart(store, at) if redo else 0
    rows = store.list_summaries(AuditFilter(status="submitted", date_from=since))
    rows.sort(key=lambda r: (r.visit_at or r.started_at, r.audit_id))
    n = made = closed = passed = confirmed = repeats = again = messages = 0
    for row in rows:
        header = store.get_header(row.audit_id)
        if header is None or not is_final(header):
            continue
        result = final_audit(store, row.audit_id, at)
        n += 1
        made += len(result.created)
        by_it = sum(1 for a in result.confirmed if a.done_by == f"audit:{row.audit_id}")
        closed += by_it
        confirmed += len(result.confirmed) - by_it
        passed += len(result.passed)
        repeats += len(result.reopened)
        again += len(result.again)
        messages += result.messages
    m = metrics(store.action_stats(None, at[:10]))
    return SyncResult(n, made, closed, passed, confirmed, repeats, again, m.open, m.overdue, messages,
                      reset)


# -- what people do to one action -------------------------------------------------------------


def _load(store: Store, actor: User, action_id: str, what: str = access.VIEW_ACTION) -> Action:
    a = store.get_action(action_id)
    if a is None or not access.may_act(actor, access.VIEW_ACTION, a):
        raise NotFound(f"no action {action_id!r}", action_id=action_id)
    if what != access.VIEW_ACTION and not access.may_act(actor, what, a):
        if what == access.VERIFY_ACTION and actor.name in (a.owner, a.done_by):
            raise ActionError("own_action", "nobody verifies their own action; HQ or a reviewer does")
        raise ActionError("not_yours", f"{actor.name} may not change this action")
    return a


def load_action(store: Store, actor: User, action_id: str) -> Action:
    """The action if `actor` may see it; NotFound otherwise, as for a missing id."""
    return _load(store, actor, action_id)


def _change(store: Store, actor: User, action_id: str, what: str,
            fn: Any) -> Action:
    """Apply fn(action) → action under the location's lock, re-checking rights on fresh data."""
    a = _load(store, actor, action_id, what)

    def change(current: list[Action]) -> list[Action]:
        fresh = next((x for x in current if x.id == action_id), None)
        if fresh is None:
            raise NotFound(f"no action {action_id!r}", action_id=action_id)
        if not access.may_act(actor, what, fresh):
            raise ActionError("not_yours", f"{actor.name} may not change this action")
        return [fn(fresh)]

    return store.change_actions(a.location_id, change)[0]


def _check_status(a: Action, allowed: Sequence[str], target: str) -> None:
    if a.status not in allowed:
        raise ActionError("bad_transition", f"an action that is {a.status} cannot become {target}",
                          status=a.status, target=target)


def start_work(store: Store, actor: User, action_id: str, now: str | None = None) -> Action:
    at = now or now_iso()

    def fn(a: Action) -> Action:
        _check_status(a, ("open", "rejected"), "in_progress")
        return _with(a, _event("status", actor.name, at, status="in_progress"), status="in_progress")

    return _change(store, actor, action_id, access.WORK_ACTION, fn)


def set_note(store: Store, actor: User, action_id: str, note: str, now: str | None = None) -> Action:
    at = now or now_iso()
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ActionError("too_long", f"the note is longer than {MAX_NOTE} characters", limit=MAX_NOTE)

    def fn(a: Action) -> Action:
        if a.note == note:
            return a
        return _with(a, _event("note", actor.name, at), note=note)

    return _change(store, actor, action_id, access.WORK_ACTION, fn)


def mark_done(store: Store, actor: User, action_id: str, note: str | None = None,
              now: str | None = None) -> Action:
    at = now or now_iso()
    if note is not None and len(note.strip()) > MAX_NOTE:
        raise ActionError("too_long", f"the note is longer than {MAX_NOTE} characters", limit=MAX_NOTE)

    def fn(a: Action) -> Action:
        _check_status(a, ("open", "in_progress", "rejected"), "done")
        if not a.evidence and not (note or a.note).strip():
            raise ActionError("no_proof", "add a photo or a note saying what was done")
        return _with(a, _event("status", actor.name, at, status="done"), status="done",
                     done_at=at, done_by=actor.name, reason="",
                     note=a.note if note is None else note.strip())

    done = _change(store, actor, action_id, access.WORK_ACTION, fn)
    webhooks.action_event(store, "action.done", done, now=at)
    return done


def check_evidence_welcome(store: Store, actor: User, action_id: str) -> Action:
    """The action if `actor` may add a photo of the fix to it now; NotFound or ActionError
    (closed, or full) otherwise. Asked before a photo's bytes are read, and again as it lands."""
    a = _load(store, actor, action_id, access.WORK_ACTION)
    if a.is_closed:
        raise ActionError("bad_transition", f"an action that is {a.status} takes no more photos",
                          status=a.status, target="evidence")
    if len(a.evidence) >= MAX_EVIDENCE:
        raise ActionError("too_many_photos", f"at most {MAX_EVIDENCE} photos per action",
                          limit=MAX_EVIDENCE)
    return a


def add_evidence(store: Store, actor: User, action_id: str, data: bytes,
                 now: str | None = None, *, reported: Mapping[str, Any] | None = None) -> PhotoRef:
    """A photo of the fix, prepared like every photo; anything that is not a photo is refused
    (PhotoError) and the action keeps what it had. `reported`: what the phone read of the
    original before it sent a lighter copy (audit.audits.evidence.PhoneReport), kept beside
    what the server reads."""
    at = now or now_iso()
    check_evidence_welcome(store, actor, action_id)
    prepared = photos.prepare_sent(data).prepared  # the phone's word is kept in `reported`
    keep = bool(store.get_settings().get("keep_originals", True))
    store.photo_files(keep_originals=keep).put(prepared)
    ref = prepared.to_ref(at)
    if reported:
        ref = dataclasses.replace(ref, reported=dict(reported))

    def fn(x: Action) -> Action:
        if any(r.sha256 == ref.sha256 for r in x.evidence):
            return x
        return _with(x, _event("photo", actor.name, at, photo=ref.sha256), evidence=(*x.evidence, ref))

    _change(store, actor, action_id, access.WORK_ACTION, fn)
    return ref


def remove_evidence(store: Store, actor: User, action_id: str, sha256: str,
                    now: str | None = None) -> Action:
    at = now or now_iso()

    def fn(a: Action) -> Action:
        if a.is_closed:
            raise ActionError("bad_transition", f"an action that is {a.status} keeps its photos",
                              status=a.status, target="evidence")
        kept = tuple(r for r in a.evidence if r.sha256 != sha256)
        if len(kept) == len(a.evidence):
            return a
        return _with(a, _event("photo_removed", actor.name, at, photo=sha256), evidence=kept)

    return _change(store, actor, action_id, access.WORK_ACTION, fn)


def verify(store: Store, actor: User, action_id: str, now: str | None = None) -> Action:
    at = now or now_iso()

    def fn(a: Action) -> Action:
        if actor.name in (a.owner, a.done_by):
            raise ActionError("own_action", "nobody verifies their own action; HQ or a reviewer does")
        _check_status(a, ("done",), "verified")
        return _with(a, _event("status", actor.name, at, status="verified"), status="verified",
                     verified_at=at, verified_by=actor.name)

    verified = _change(store, actor, action_id, access.VERIFY_ACTION, fn)
    webhooks.action_event(store, "action.verified", verified, now=at)
    return verified


def send_back(store: Store, actor: User, action_id: str, reason: str,
              now: str | None = None) -> Action:
    """A done action goes back to its owner as "rejected", with the reason; they are e-mailed."""
    at = now or now_iso()
    reason = reason.strip()
    if not reason:
        raise ActionError("reason_needed", "say why the action goes back")
    if len(reason) > MAX_REASON:
        raise ActionError("too_long", f"the reason is longer than {MAX_REASON} characters",
                          limit=MAX_REASON)

    def fn(a: Action) -> Action:
        if actor.name in (a.owner, a.done_by):
            raise ActionError("own_action", "nobody verifies their own action; HQ or a reviewer does")
        _check_status(a, ("done",), "rejected")
        return _with(a, _event("sent_back", actor.name, at, reason=reason), status="rejected",
                     reason=reason, done_at="", done_by="")

    a = _change(store, actor, action_id, access.VERIFY_ACTION, fn)
    notify.queue_sent_back(store, a, actor, now=at)
    return a


def check_owner(store: Store, owner: str, location_id: str, region: str) -> User:
    person = store.get_user(owner)
    if person is None or not access.covers(person, location_id, region):
        raise ActionError("owner_no_access", f"{owner} has no access to location {location_id}",
                          owner=owner, location_id=location_id)
    return person


def check_due(due: str, today: str) -> str:
    try:
        day = date.fromisoformat(due).isoformat()
    except ValueError:
        raise ActionError("bad_date", f"{due!r} is not a date like 2026-05-31", value=due) from None
    if day < today:
        raise ActionError("due_past", f"the due date {day} is in the past", due=day)
    return day


def assign(store: Store, actor: User, action_id: str, *, owner: str | None = None,
           due: str | None = None, now: str | None = None) -> Action:
    """A new owner (who must answer for the location) or due date (not in the past)."""
    at = now or now_iso()
    a = _load(store, actor, action_id, access.ASSIGN_ACTION)
    if owner is not None and owner:
        check_owner(store, owner, a.location_id, a.region)
    if due is not None:
        due = check_due(due, at[:10])

    def fn(x: Action) -> Action:
        changes: dict[str, Any] = {}
        if owner is not None and owner != x.owner:
            changes["owner"] = owner
        if due is not None and due != x.due:
            changes["due"] = due
        if not changes:
            return x
        return _with(x, _event("assigned", actor.name, at, **changes), **changes)

    new = _change(store, actor, action_id, access.ASSIGN_ACTION, fn)
    if new.owner and new.owner != a.owner:
        notify.queue_assigned(store, [new], now=at)
    return new


def request_action(store: Store, actor: User, audit_id: str, key: str, *, location_id: str,
                   owner: str | None = None, due: str | None = None,
                   now: str | None = None) -> Action:
    """An action from a finding that did not make one by itself (HQ's checklist setting)."""
    at = now or now_iso()
    audit = store.get_audit(audit_id)
    if audit is None or not is_final(audit.header):
        raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
    header = audit.header
    location = store.get_location(header.location_id)
    region = location.region if location else ""
    if not access.may_act(actor, access.REQUEST_ACTION,
                          access_obj(header.location_id, region)):
        raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
    if location_id != header.location_id:
        raise ActionError("other_location", f"audit {audit_id} is of {header.location_id}, "
                          f"not {location_id}", audit_id=audit_id, location_id=location_id)
    checklist = get_checklist(store, header.template_id, header.template_version)
    settings = action_settings(store, header.template_id)
    found = next((p for p in proposals(audit, score_audit(checklist, audit.answers), settings)
                  if p.key == key), None)
    if found is None:
        raise ActionError("not_a_finding", f"{key} is not a finding of audit {audit_id}", key=key)
    who = owner if owner is not None else (actor.name if actor.role == "manager" else
                                           default_owner(store.list_users(), header, region, settings))
    if who:
        check_owner(store, who, header.location_id, region)
    day = check_due(due, at[:10]) if due else due_from(at, found.critical, settings)
    if due and actor.role == "manager":
        day = min(day, due_from(at, found.critical, settings))  # a manager may only bring it forward

    def change(current: list[Action]) -> list[Action]:
        aid = action_id(header.location_id, audit_id, key)
        if any(a.id == aid for a in current):
            raise ActionError("action_exists", "this finding already has an action")
        if any(a.key == key and a.template_id == header.template_id and a.is_open for a in current):
            raise ActionError("action_exists", "an open action of this location covers this item")
        return [new_action(header, found, region=region, owner=who, due=day, now=at, by=actor.name)]

    made = store.change_actions(header.location_id, change)[0]
    if made.owner and made.owner != actor.name:
        notify.queue_assigned(store, [made], now=at)
    webhooks.action_event(store, "action.created", made, now=at)
    return made


@dataclass(frozen=True)
class _Where:
    location_id: str
    region: str
    owner: str = ""


def access_obj(location_id: str, region: str) -> access.ActionLike:
    """A stand-in action at a location, to ask who may make one there."""
    return _Where(location_id, region)


def acknowledge(store: Store, actor: User, audit_id: str, now: str | None = None) -> AuditHeader:
    """A manager of the location says they read the report: the PDF's sign-off block."""
    at = now or now_iso()
    header = load_header(store, actor, audit_id)
    if actor.role != "manager" or header.location_id not in actor.locations or not is_final(header):
        raise ActionError("not_yours", f"{actor.name} may not acknowledge this report")
    if any(e.get("type") == "acknowledged" and e.get("by") == actor.name for e in header.events):
        return header
    new = dataclasses.replace(header, events=(*header.events,
                                              {"type": "acknowledged", "by": actor.name, "at": at}))
    store.update_header(audit_id, new, allow_submitted=True)
    return new


# -- lists and figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MyActions:
    overdue: tuple[Action, ...]
    this_week: tuple[Action, ...]
    later: tuple[Action, ...]
    waiting: tuple[Action, ...]  # done, waiting for HQ's verification


def my_actions(actions: Iterable[Action], today: str) -> MyActions:
    """An owner's open actions: overdue, due within 7 days, the rest; and those waiting for HQ."""
    week_end = (date.fromisoformat(today) + timedelta(days=6)).isoformat()
    overdue, week, later, waiting = [], [], [], []
    for a in actions:
        if a.status == "done":
            waiting.append(a)
        elif not a.is_open:
            continue
        elif a.due and a.due < today:
            overdue.append(a)
        elif a.due and a.due <= week_end:
            week.append(a)
        else:
            later.append(a)

    def order(xs: list[Action]) -> tuple[Action, ...]:
        return tuple(sorted(xs, key=lambda a: (a.due or "9999", not a.critical, -a.loss, a.id)))

    return MyActions(order(overdue), order(week), order(later), order(waiting))


def visible_actions(store: Store, actor: User, flt: ActionFilter | None = None) -> list[Action]:
    """Actions the person may see: their locations', their regions', or all for HQ."""
    if actor.role == "shopper" or actor.disabled:
        return []
    base = flt or ActionFilter()
    if actor.role == "manager":
        ids = actor.locations if base.location_ids is None else tuple(
            x for x in base.location_ids if x in actor.locations)
        base = dataclasses.replace(base, location_ids=ids)
    elif actor.role == "reviewer":
        base = dataclasses.replace(base, regions=actor.regions)
    found = store.list_actions(base)
    return [a for a in found if access.may_act(actor, access.VIEW_ACTION, a)]


@dataclass(frozen=True)
class ActionMetrics:
    locations: tuple[LocationActions, ...]
    open: int
    overdue: int
    closed: int
    median_days: float | None
    confirmed_share: float | None
    repeats: int
    fast_but_failing: tuple[str, ...]  # location ids: close faster than the network, fail again


def metrics(stats: ActionStats) -> ActionMetrics:
    """HQ's figures from the per-location sums a store gives (`Store.action_stats`)."""
    rows = stats.locations
    network_median = stats.median_days
    fast = tuple(r.location_id for r in sorted(
        (r for r in rows if r.median_days is not None and network_median is not None
         and r.median_days <= network_median and (r.repeat_share or 0.0) >= FAILS_AGAIN),
        key=lambda r: (-(r.repeat_share or 0.0), r.median_days or 0.0, r.location_id)))
    closed = sum(r.closed for r in rows)
    confirmed = sum(r.confirmed for r in rows)
    return ActionMetrics(
        locations=tuple(rows), open=sum(r.open for r in rows),
        overdue=sum(r.overdue for r in rows), closed=closed, median_days=network_median,
        confirmed_share=confirmed / closed if closed else None,
        repeats=sum(r.repeats for r in rows), fast_but_failing=fast)


# -- HQ's action control: the network's open actions by location and owner ---------------------

CONTROL_STATES = ("open", "overdue", "repeated")  # every open action; past due; failed again


@dataclass(frozen=True)
class ControlFilter:
    """Which open actions HQ's control table shows; None means any."""

    region: str | None = None
    location_id: str | None = None
    owner: str | None = None  # "" is the actions nobody owns yet
    state: str = "open"

    def matches(self, a: Action, today: str) -> bool:
        return (a.is_open and (self.region is None or a.region == self.region)
                and (self.location_id is None or a.location_id == self.location_id)
                and (self.owner is None or a.owner == self.owner)
                and (self.state != "overdue" or a.is_overdue(today))
                and (self.state != "repeated" or a.repeats > 0 or a.again > 0))


@dataclass(frozen=True)
class ControlGroup:
    """One location and owner: how many of its actions are open, overdue, repeated."""

    location_id: str
    region: str
    owner: str
    open: int
    overdue: int
    repeated: int  # failed again after a close (a repeat) or while open (found again)
    oldest_due: str


def control_actions(store: Store, actor: User, flt: ControlFilter, today: str) -> list[Action]:
    """The open actions HQ's control shows, the most overdue first; only HQ may ask."""
    if not access.may(actor, access.ACTION_CONTROL):
        raise NotFound("not found")
    if flt.state not in CONTROL_STATES:
        raise ActionError("bad_state", f"state must be one of {', '.join(CONTROL_STATES)}",
                          value=flt.state)
    found = store.list_actions(ActionFilter(
        statuses=OPEN_STATUSES, region=flt.region, owner=flt.owner,
        location_ids=(flt.location_id,) if flt.location_id is not None else None))
    return sorted((a for a in found if flt.matches(a, today)),
                  key=lambda a: (a.due or "9999", not a.critical, a.location_id, a.key, a.id))


def control_groups(found: Iterable[Action], today: str) -> list[ControlGroup]:
    """The control table: a row per location and owner, the most overdue first."""
    per: dict[tuple[str, str], list[Action]] = {}
    for a in found:
        per.setdefault((a.location_id, a.owner), []).append(a)
    rows = [ControlGroup(loc, xs[0].region, owner, len(xs), sum(a.is_overdue(today) for a in xs),
                         sum(1 for a in xs if a.repeats or a.again),
                         min((a.due for a in xs if a.due), default=""))
            for (loc, owner), xs in per.items()]
    return sorted(rows, key=lambda r: (-r.overdue, -r.open, r.location_id, r.owner))


def reassign(store: Store, actor: User, action_ids: Sequence[str], owner: str,
             now: str | None = None) -> list[Action]:
    """HQ gives many open actions a new owner at once (a manager left, a location changed
    hands). The new owner must answer for every one's location; if they do not, or an id is
    unknown or closed, nothing changes. The new owner is e-mailed once, listing them."""
    at = now or now_iso()
    if not access.may(actor, access.ACTION_CONTROL):
        raise ActionError("not_yours", f"{actor.name} may not reassign actions")
    ids = list(dict.fromkeys(action_ids))
    if not ids:
        raise ActionError("nothing_chosen", "choose the actions to reassign")
    if len(ids) > REASSIGN_MAX:
        raise ActionError("too_many_actions", f"at most {REASSIGN_MAX} actions at once", limit=REASSIGN_MAX)
    person = store.get_user(owner) if owner else None
    if person is None or person.disabled:
        raise ActionError("owner_unknown", f"nobody called {owner!r} may own actions", owner=owner)
    found = []
    for aid in ids:
        a = store.get_action(aid)
        if a is None:
            raise NotFound(f"no action {aid!r}", action_id=aid)
        if not a.is_open:
            raise ActionError("bad_transition", f"an action that is {a.status} keeps its owner",
                              status=a.status, target="owner")
        check_owner(store, owner, a.location_id, a.region)
        found.append(a)
    per: dict[str, set[str]] = {}
    for a in found:
        per.setdefault(a.location_id, set()).add(a.id)
    changed: list[Action] = []
    for loc, wanted in sorted(per.items()):
        def change(current: list[Action], wanted: set[str] = wanted) -> list[Action]:
            return [_with(a, _event("assigned", actor.name, at, owner=owner), owner=owner)
                    for a in current if a.id in wanted and a.is_open and a.owner != owner]
        changed += store.change_actions(loc, change)
    if changed:
        notify.queue_assigned(store, changed, now=at)
    return changed


# -- the PDF's action plan page and sign-off block (data side) --------------------------------


# what a finding is in its audit's plan
NEW, STILL_OPEN, REPEAT, NO_ACTION = "new", "open", "repeat", "none"


@dataclass(frozen=True)
class PlanEntry:
    """One finding of an audit and the action that answers for it.

    `state`: NEW (this audit made it), STILL_OPEN (an earlier action, open since `since`,
    which this audit found failing again), REPEAT (an action closed before and reopened by
    this audit, ×`repeats`), NO_ACTION (the checklist makes it only on request; none yet).
    """

    proposal: Proposal
    action: Action | None
    state: str
    since: str = ""  # STILL_OPEN: when its action opened (a stored time)
    repeats: int = 0  # REPEAT: the how-manieth repeat this audit made it


def _carrier(actions: Iterable[Action], header: AuditHeader, key: str) -> Action | None:
    """The action of an earlier audit that carries this audit's finding of `key`: open, or
    closed after this audit's visit (fixed since); the latest opened."""
    visit = visited_at(header)
    found = [a for a in actions if a.template_id == header.template_id and a.key == key
             and (a.is_open or (a.is_closed and a.done_at >= visit))]
    return max(found, key=lambda a: (a.opened_at, a.id)) if found else None


def audit_plan(audit: Audit, score: AuditScore, actions: Iterable[Action], settings: ActionSettings,
               *, found: Sequence[Proposal] | None = None) -> list[PlanEntry]:
    """Every finding of a final audit with its action, as new, still open since …, repeat ×N,
    or without one yet — the one rule the app's plan page, the PDF's action plan and the
    e-mail's count read. `actions` are the location's; a draft has no plan."""
    header = audit.header
    if not is_final(header):
        return []
    acts = [a for a in actions if a.template_id == header.template_id]
    out = []
    for p in (found if found is not None else proposals(audit, score, settings)):
        same = [a for a in acts if a.key == p.key]
        own = next((a for a in same if a.id == action_id(header.location_id, header.id, p.key)), None)
        if own is not None:
            out.append(PlanEntry(p, own, NEW))
            continue
        entry = None
        for a in same:
            repeats = 0
            for e in a.history:
                repeats += e.get("type") == "repeat"
                if e.get("audit") != header.id:
                    continue
                if e.get("type") == "repeat":
                    entry = PlanEntry(p, a, REPEAT, repeats=repeats)
                elif e.get("type") == "failed_again":
                    entry = PlanEntry(p, a, STILL_OPEN, since=a.opened_at)
            if entry is not None:
                break
        if entry is None:
            carrier = _carrier(same, header, p.key)
            entry = PlanEntry(p, None, NO_ACTION) if carrier is None else \
                PlanEntry(p, carrier, STILL_OPEN, since=carrier.opened_at)
        out.append(entry)
    return out


# what a finding did since the previous audit of the same location, checklist and mode
AGAIN, FIXED = "again", "fixed"  # and NEW: a finding the previous audit did not have


@dataclass(frozen=True)
class SinceEntry:
    """One item on page 1's "since last time": new, failed again, or fixed.

    `loss` is what the finding cost the computed score (`impacts`), `cap` what the critical
    cap took on top (a critical failure only); `plan` the item's entry in the audit's action
    plan where the reader sees one (a repeat's "repeat ×N", "open since …").
    """

    key: str
    change: str
    critical: bool = False
    loss: float = 0.0
    cap: float = 0.0
    plan: PlanEntry | None = None


def since_last(score: AuditScore, previous: AuditScore, plan: Sequence[PlanEntry] = ()) -> list[SinceEntry]:
    """This audit's findings against the previous audit's, item by item, by the rule the
    action loop weighs a later audit with (`item_state`): failed in both is AGAIN, failed now
    only is NEW, failed before and answered well now is FIXED.

    The one order the app and the PDF show them in: critical failures first, then what failed
    again, what is new, what was fixed; inside each, the order every surface lists findings in
    (`ranked_findings`), the fixed ones in checklist order.
    """
    losses = impacts(score)
    capped = cap_cost(score)
    entries = {e.proposal.key: e for e in plan}
    found = [SinceEntry(f.key, AGAIN if item_state(previous, f.key) == FAILED else NEW,
                        critical=f.is_critical_failure, loss=round(losses.get(f.key, 0.0), 2),
                        cap=round(capped, 2) if f.is_critical_failure else 0.0, plan=entries.get(f.key))
             for f in ranked_findings(score)]
    fixed = [SinceEntry(f.key, FIXED) for f in previous.findings if item_state(score, f.key) == GOOD]
    rank = {c: n for n, c in enumerate((AGAIN, NEW, FIXED))}
    return sorted(found + fixed, key=lambda e: (not e.critical, rank[e.change]))  # stable: keeps rank


SINCE_SHOWN = {"critical": 2, AGAIN: 2, NEW: 2, FIXED: 2}  # the first few of each kind on top


def since_top(entries: Sequence[SinceEntry]) -> list[SinceEntry]:
    """The few "since last time" entries page 1 and the top of the app's audit page show, in
    their order: the critical failures, then the first of what failed again, is new, was fixed.
    The rest are counted there and listed in full below."""
    taken: dict[str, int] = {}
    out = []
    for e in entries:
        kind = "critical" if e.critical else e.change
        if taken.get(kind, 0) < SINCE_SHOWN[kind]:
            taken[kind] = taken.get(kind, 0) + 1
            out.append(e)
    return out


@dataclass(frozen=True)
class SinceLastTime:
    """Page 1's "since last time": the previous audit of the location, checklist and mode, its
    scores (capped and computed) and what each item did since (`since_last`)."""

    previous_id: str
    previous_at: str
    previous_overall: float | None
    previous_computed: float | None
    entries: tuple[SinceEntry, ...]


def plan_for(store: Store, audit: Audit, viewer: User | None,
             checklist: Checklist | None = None) -> list[PlanEntry]:
    """The audit's plan for `viewer` (None: the operator, or the e-mail to the branch's
    managers); nothing for whoever may not see the location's actions (a shopper)."""
    header = audit.header
    if not is_final(header):
        return []
    location = store.get_location(header.location_id)
    if viewer is not None and not access.may_act(
            viewer, access.VIEW_ACTION, access_obj(header.location_id, location.region if location else "")):
        return []
    checklist = checklist or get_checklist(store, header.template_id, header.template_version)
    return audit_plan(audit, score_audit(checklist, audit.answers),
                      store.location_actions(header.location_id),
                      action_settings(store, header.template_id))


@dataclass(frozen=True)
class PlanLine:
    """One row of an audit's action plan: the finding, who owns it, by when, how far it is."""

    action_id: str
    section: str
    finding: str
    answer: str
    owner: str
    due: str
    status: str
    critical: bool
    loss: float
    key: str = ""  # the item, f"{section}.{item}": the PDF numbers the row as its sections do
    state: str = ""  # new, still open since …, repeat ×N, no action yet (in the reader's language)
    note: str = ""  # a closed action's note on what was done
    evidence: tuple[str, ...] = ()  # a closed action's photos of the fix (sha256)


@dataclass(frozen=True)
class SignOff:
    """Who acknowledged the report in the app, and when."""

    name: str
    display_name: str
    at: str


def state_text(entry: PlanEntry, lang: str, tz: str = "") -> str:
    """"открыта с 11 апр. 2026": the day the action opened, where the location is (`tz`)."""
    return t(f"act.plan.{entry.state}", lang, since=day(entry.since, lang, tz), n=entry.repeats)


def plan_lines(entries: Iterable[PlanEntry], checklist: Checklist, people: Mapping[str, User],
               lang: str, tz: str = "") -> list[PlanLine]:
    """The audit's plan as the PDF prints it, in checklist order; texts in `lang`. A closed
    action carries its note and photos of the fix."""
    order = {f"{s.id}.{i.id}": n for n, (s, i) in enumerate(checklist.items())}
    out = []
    for e in sorted(entries, key=lambda e: (order.get(e.proposal.key, len(order)), e.proposal.key)):
        p, a = e.proposal, e.action
        item = checklist.item(p.key)
        section = checklist.section(p.section)
        person = people.get(a.owner) if a else None
        answer = Answer(key=p.key, value=p.answer, na=p.na, comment=p.comment, photos=p.photos)
        owner = "—" if a is None else (person.display_name or person.name) if person else \
            (a.owner or t("act.nobody", lang))
        closed = a is not None and a.is_closed
        out.append(PlanLine(
            action_id=a.id if a else "", section=section.title.get(lang) if section else p.section,
            finding=item.text.get(lang) if item else p.key,
            answer=answer_text(item, answer, lang) if item else "",
            owner=owner, due=a.due if a else "",
            status=t(f"act.status.{a.status}", lang) if a else t("act.plan.none", lang),
            critical=p.critical, loss=p.loss, key=p.key, state=state_text(e, lang, tz),
            note=a.note if closed and a else "",
            evidence=tuple(r.sha256 for r in a.evidence) if closed and a else ()))
    return out


def _answer_of(a: Action) -> Any:
    return Answer(key=a.key, value=a.answer, na=a.na, comment=a.comment, photos=a.photos)


def sign_off(header: AuditHeader, people: Mapping[str, User]) -> SignOff | None:
    """The latest acknowledgement by a manager, or None while nobody has acknowledged the report."""
    acks = [e for e in header.events if e.get("type") == "acknowledged"]
    if not acks:
        return None
    last = acks[-1]
    person = people.get(last.get("by", ""))
    return SignOff(name=last.get("by", ""),
                   display_name=(person.display_name or person.name) if person else last.get("by", ""),
                   at=last.get("at", ""))
