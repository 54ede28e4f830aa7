"""Frozen values of the loop after a finding: corrective actions, their history, e-mails to send."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from audit.model import AuditHeader, PhotoRef

# open → in_progress → done → verified; "rejected" is a done action sent back with a reason,
# which its owner works on again
STATUSES = ("open", "in_progress", "done", "verified", "rejected")
OPEN_STATUSES = ("open", "in_progress", "rejected")  # work is still owed
CLOSED_STATUSES = ("done", "verified")


@dataclass(frozen=True)
class Action:
    """One finding of one audit to fix: who, by when, how far, and the proof."""

    id: str
    location_id: str
    region: str
    audit_id: str  # the audit whose finding made it
    template_id: str
    template_version: int
    mode: str  # of that audit
    key: str  # the item, f"{section}.{item}"
    section: str
    answer: Any = None  # the finding's answer value, as the audit has it
    na: bool = False
    comment: str = ""
    photos: tuple[str, ...] = ()  # the finding's photos (sha256)
    loss: float = 0.0  # points of 100 the finding cost (audit.scoring.score.impacts)
    critical: bool = False
    owner: str = ""  # a person's name; "" until someone is named
    due: str = ""  # YYYY-MM-DD
    status: str = "open"
    note: str = ""  # the owner's note on what was done
    evidence: tuple[PhotoRef, ...] = ()
    reason: str = ""  # why it was last sent back
    created_at: str = ""
    created_by: str = ""  # a person, or "" when the audit made it by itself
    opened_at: str = ""  # created, or reopened as a repeat: the start of the current round
    updated_at: str = ""
    done_at: str = ""
    done_by: str = ""
    verified_at: str = ""
    verified_by: str = ""  # a person, or "audit:<id>" when a later audit proved it
    confirmed_by: str = ""  # the later audit that answered the item well
    repeats: int = 0  # how often a later audit failed the item after it was closed
    again: int = 0  # how often a later audit found the item failing while it was still open
    found_at: str = ""  # the visit of the audit that last found the item failing
    seen: tuple[str, ...] = ()  # audits already weighed against it (so a re-publish adds nothing)
    history: tuple[dict[str, Any], ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def is_overdue(self, today: str) -> bool:
        return self.is_open and bool(self.due) and self.due < today

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "location_id": self.location_id, "region": self.region,
            "audit_id": self.audit_id, "template_id": self.template_id,
            "template_version": self.template_version, "mode": self.mode, "key": self.key,
            "section": self.section, "answer": self.answer, "na": self.na, "comment": self.comment,
            "photos": list(self.photos), "loss": self.loss, "critical": self.critical,
            "owner": self.owner, "due": self.due, "status": self.status, "note": self.note,
            "evidence": [p.to_dict() for p in self.evidence], "reason": self.reason,
            "created_at": self.created_at, "created_by": self.created_by,
            "opened_at": self.opened_at, "updated_at": self.updated_at, "done_at": self.done_at,
            "done_by": self.done_by, "verified_at": self.verified_at,
            "verified_by": self.verified_by, "confirmed_by": self.confirmed_by,
            "repeats": self.repeats, "again": self.again, "found_at": self.found_at,
            "seen": list(self.seen), "history": list(self.history),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Action:
        return cls(
            id=d["id"], location_id=d["location_id"], region=d.get("region", ""),
            audit_id=d["audit_id"], template_id=d["template_id"],
            template_version=int(d.get("template_version", 0)), mode=d.get("mode", ""),
            key=d["key"], section=d.get("section", ""), answer=d.get("answer"),
            na=bool(d.get("na", False)), comment=d.get("comment", "") or "",
            photos=tuple(d.get("photos") or ()), loss=float(d.get("loss") or 0.0),
            critical=bool(d.get("critical", False)), owner=d.get("owner", "") or "",
            due=d.get("due", "") or "", status=d.get("status", "open"),
            note=d.get("note", "") or "",
            evidence=tuple(PhotoRef.from_dict(p) for p in d.get("evidence") or ()),
            reason=d.get("reason", "") or "", created_at=d.get("created_at", ""),
            created_by=d.get("created_by", ""), opened_at=d.get("opened_at", ""),
            updated_at=d.get("updated_at", ""), done_at=d.get("done_at", ""),
            done_by=d.get("done_by", ""), verified_at=d.get("verified_at", ""),
            verified_by=d.get("verified_by", ""), confirmed_by=d.get("confirmed_by", ""),
            repeats=int(d.get("repeats", 0)), again=int(d.get("again", 0)),
            found_at=d.get("found_at", "") or "", seen=tuple(d.get("seen") or ()),
            history=tuple(d.get("history") or ()),
        )


def reached_at(header: AuditHeader) -> str:
    """When an audit reached its branch (ISO time): a mystery audit's last publishing, a
    self-audit's submission; the visit where neither is recorded. Its actions date from here:
    opened then, due that day plus the checklist's days, and e-mailed only while it is news."""
    published = [str(e.get("at")) for e in header.events
                 if e.get("type") == "published" and e.get("at")]
    if header.mode == "mystery" and published:
        return published[-1]
    return header.submitted_at or header.visit_at or header.started_at


def visited_at(header: AuditHeader) -> str:
    return header.visit_at or header.started_at


@dataclass(frozen=True)
class ActionFilter:
    """Which actions to list; None means any."""

    location_ids: tuple[str, ...] | None = None
    region: str | None = None
    regions: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    owner: str | None = None
    template_id: str | None = None

    def matches(self, a: Action) -> bool:
        return ((self.location_ids is None or a.location_id in self.location_ids)
                and (self.region is None or a.region == self.region)
                and (self.regions is None or a.region in self.regions)
                and (self.statuses is None or a.status in self.statuses)
                and (self.owner is None or a.owner == self.owner)
                and (self.template_id is None or a.template_id == self.template_id))


@dataclass(frozen=True)
class Message:
    """One e-mail in the outbox: written in its reader's language when queued, sent later."""

    id: str
    to: str  # e-mail address
    user: str  # the person's name
    lang: str
    kind: str  # audit_published | action_assigned | action_sent_back | digest | test
    subject: str
    body: str
    attach_audit: str = ""  # an audit whose PDF goes with it, rendered when it is sent
    status: str = "pending"  # pending | sent | dead (gave up after MAX_ATTEMPTS; kept for Admin)
    attempts: int = 0
    next_try: str = ""  # ISO time; "" means now
    lease_until: str = ""  # a drainer has claimed it until then
    claimed_by: str = ""
    last_error: str = ""
    created_at: str = ""
    sent_at: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "to": self.to, "user": self.user, "lang": self.lang,
                "kind": self.kind, "subject": self.subject, "body": self.body,
                "attach_audit": self.attach_audit, "status": self.status,
                "attempts": self.attempts, "next_try": self.next_try,
                "lease_until": self.lease_until, "claimed_by": self.claimed_by,
                "last_error": self.last_error, "created_at": self.created_at,
                "sent_at": self.sent_at, "meta": dict(self.meta)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Message:
        return cls(id=d["id"], to=d["to"], user=d.get("user", ""), lang=d.get("lang", "ru"),
                   kind=d.get("kind", ""), subject=d.get("subject", ""), body=d.get("body", ""),
                   attach_audit=d.get("attach_audit", "") or "", status=d.get("status", "pending"),
                   attempts=int(d.get("attempts", 0)), next_try=d.get("next_try", "") or "",
                   lease_until=d.get("lease_until", "") or "",
                   claimed_by=d.get("claimed_by", "") or "",
                   last_error=d.get("last_error", "") or "", created_at=d.get("created_at", ""),
                   sent_at=d.get("sent_at", "") or "", meta=dict(d.get("meta") or {}))


@dataclass(frozen=True)
class OutboxStatus:
    """What Admin shows: how many wait, the last success and the last failure."""

    pending: int = 0
    dead: int = 0
    last_sent_at: str = ""
    last_error: str = ""
    last_error_at: str = ""
    last_drain_at: str = ""


class ActionFact(NamedTuple):
    """The few fields HQ's action metrics read, without the history and photos."""

    id: str
    location_id: str
    region: str
    template_id: str
    owner: str
    status: str
    due: str
    opened_at: str
    done_at: str
    confirmed: bool
    repeats: int
    days: float | None  # from (re)opening to done, for a done or verified action


def days_to_close(status: str, opened_at: str, done_at: str) -> float | None:
    if status not in CLOSED_STATUSES or not opened_at or not done_at:
        return None
    span = datetime.fromisoformat(done_at) - datetime.fromisoformat(opened_at)
    return span.total_seconds() / 86400


def fact_of(a: Action) -> ActionFact:
    return ActionFact(a.id, a.location_id, a.region, a.template_id, a.owner, a.status, a.due,
                      a.opened_at, a.done_at, bool(a.confirmed_by), a.repeats,
                      days_to_close(a.status, a.opened_at, a.done_at))


@dataclass(frozen=True)
class LocationActions:
    location_id: str
    open: int
    overdue: int
    closed: int  # done or verified
    median_days: float | None  # from (re)opening to done
    confirmed: int  # closed ones a later audit proved
    repeats: int  # failures after a close
    repeated: int  # actions that failed again at least once
    repeated_open: int = 0  # of those, the ones open again now

    @property
    def confirmed_share(self) -> float | None:
        return None if not self.closed else self.confirmed / self.closed

    @property
    def repeat_share(self) -> float | None:
        """Of the actions ever closed (closed now, or reopened after a close), the share that failed again."""
        ever = self.closed + self.repeated_open
        return None if not ever else self.repeated / ever


@dataclass(frozen=True)
class ActionStats:
    """Per-location sums of actions and the network's median days to close: what HQ's figures read."""

    locations: tuple[LocationActions, ...] = ()
    median_days: float | None = None


def stats_of(facts: Iterable[ActionFact], today: str) -> ActionStats:
    """The sums from the actions' facts (TinyDB; PostgreSQL sums the same in SQL)."""
    per: dict[str, list[ActionFact]] = {}
    for f in facts:
        per.setdefault(f.location_id, []).append(f)
    rows = []
    all_days: list[float] = []
    for loc, fs in sorted(per.items()):
        days = [f.days for f in fs if f.days is not None]
        all_days += days
        open_ = [f for f in fs if f.status in OPEN_STATUSES]
        rows.append(LocationActions(
            location_id=loc, open=len(open_),
            overdue=sum(1 for f in open_ if f.due and f.due < today),
            closed=sum(1 for f in fs if f.status in CLOSED_STATUSES),
            median_days=statistics.median(days) if days else None,
            confirmed=sum(1 for f in fs if f.confirmed and f.status in CLOSED_STATUSES),
            repeats=sum(f.repeats for f in fs), repeated=sum(1 for f in fs if f.repeats),
            repeated_open=sum(1 for f in open_ if f.repeats)))
    return ActionStats(tuple(rows), statistics.median(all_days) if all_days else None)
