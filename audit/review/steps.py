"""Review before the branch sees a mystery audit: comments, send back, publish, grade, history.

The status machine (every step an event in the header, shown as the audit's history):

    draft ──submit──▶ submitted ──(self-audit)──▶ the branch sees it
                         │
                    (mystery) in review ──publish──▶ published (the branch sees it)
                         │
                         └──send back──▶ draft again, with the reviewer's comments on items
                                          ──resubmit──▶ in review …

`AuditHeader.status` stays "draft" or "submitted" (what rollups, indexes and locks know);
`published` stays "the branch may see it"; the stage a person reads comes from both and from
the events (`stage`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from audit.audits.capture import _not_found, region_of
from audit.core import limits
from audit.core.clock import now_iso
from audit.core.errors import AppError, AuditLocked
from audit.core.zones import parse_utc, utc_iso
from audit.i18n import t
from audit.i18n.formats import moment
from audit.model import AuditHeader, Location, SummaryRow, User
from audit.people import access, audience
from audit.store import AuditFilter, Store
from audit.visits.proof import proof_of, proof_text
from audit.visits.service import record_grade

MAX_COMMENT = limits.REVIEW_COMMENT_MAX_CHARS
GRADES = (1, 2, 3, 4, 5)
QUEUE_DAYS = 120  # the review queue looks this far back (a person's page never reads the archive)


class ReviewError(AppError):
    """A review step that does not fit the audit's stage or its input; `.code` says which."""

    code = "review_error"

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message, **params)
        self.code = code


def stage(header: AuditHeader) -> str:
    """draft, sent_back (a draft the reviewer returned), arriving (submitted on the phone, its
    photos on their way), submitted (a self-audit, which the
    branch sees), in_review (a mystery audit waiting), published."""
    if header.status == "draft":
        if header.arriving:
            return "arriving"
        for e in reversed(header.events):
            if e.get("type") in ("sent_back", "reopened", "started"):
                return "sent_back" if e["type"] == "sent_back" else "draft"
        return "draft"
    if header.mode != "mystery":
        return "submitted"
    return "published" if header.published else "in_review"


def _reviewable(store: Store, actor: User, audit_id: str, action: str = access.REVIEW
                ) -> tuple[AuditHeader, SummaryRow]:
    header = store.get_header(audit_id)
    region = region_of(store, header.location_id) if header is not None else None
    if header is None or not access.may(actor, access.VIEW_AUDIT, header, region=region):
        raise _not_found(audit_id)
    if header.mode != "mystery":
        raise ReviewError("review_not_mystery", "only mystery audits are reviewed",
                          audit_id=audit_id)
    if not access.may(actor, action, header, region=region):
        raise _not_found(audit_id)
    if header.status != "submitted":
        raise AuditLocked(f"audit {audit_id} is back with its shopper", audit_id=audit_id)
    row = store.get_summary(audit_id)
    if row is None:
        raise _not_found(audit_id)
    return header, row


def _event(header: AuditHeader, kind: str, by: str, at: str, **extra: Any) -> AuditHeader:
    return dataclasses.replace(header, events=(*header.events, {"type": kind, "by": by, "at": at,
                                                                **extra}))


def comment(store: Store, actor: User, audit_id: str, key: str, text: str,
            now: str | None = None) -> AuditHeader:
    """A reviewer's comment on one item; the shopper sees it on that item once sent back."""
    header, _ = _reviewable(store, actor, audit_id)
    text = text.strip()
    if not text:
        raise ReviewError("review_empty_comment", "write the comment first")
    if len(text) > MAX_COMMENT:
        raise ReviewError("review_comment_too_long", f"a comment is at most {MAX_COMMENT} "
                          "characters", limit=MAX_COMMENT)
    new = _event(header, "comment", actor.name, now or now_iso(), key=key, text=text)
    store.update_header(audit_id, new, allow_submitted=True)
    return new


def send_back(store: Store, actor: User, audit_id: str, note: str = "",
              now: str | None = None) -> AuditHeader:
    """Back to the shopper as a draft, with the comments; it leaves the rollups until resubmitted."""
    header, row = _reviewable(store, actor, audit_id)
    if header.published:
        raise ReviewError("review_already_published", "a published audit is not sent back; "
                          "HQ can unpublish it first", audit_id=audit_id)
    if not note.strip() and not pending_comments(header):
        raise ReviewError("review_say_why", "say what to fix: a note or a comment on an item")
    new = _event(dataclasses.replace(header, status="draft"), "sent_back", actor.name,
                 now or now_iso(), note=note.strip()[:MAX_COMMENT])
    store.send_back_audit(new, dataclasses.replace(row, status="draft"))
    return new


def publish(store: Store, actor: User, audit_id: str, now: str | None = None) -> AuditHeader:
    """The reviewed audit becomes visible to the branch."""
    header, row = _reviewable(store, actor, audit_id, access.PUBLISH)
    if header.published:
        return header
    at = now or now_iso()
    # final now: its actions are due, marked in the same step as the publish
    new = _event(dataclasses.replace(header, published=True, actions_due=True), "published",
                 actor.name, at)
    store.publish_reviewed_audit(new, dataclasses.replace(row, published=True))
    return new  # final now: audit.workflow.publish_reviewed makes its actions


def grade(store: Store, actor: User, audit_id: str, value: int, note: str = "",
          now: str | None = None) -> AuditHeader:
    """HQ's (or the reviewer's) grade of the shopper's report, 1–5 with a note."""
    header, _ = _reviewable(store, actor, audit_id)
    if value not in GRADES:
        raise ReviewError("review_bad_grade", f"a grade is 1 to 5, not {value!r}", value=value)
    at = now or now_iso()
    new = _event(header, "graded", actor.name, at, grade=value, note=note.strip()[:MAX_COMMENT])
    store.update_header(audit_id, new, allow_submitted=True)
    if header.visit_id:
        record_grade(store, header.visit_id, value, note.strip()[:MAX_COMMENT], actor.name)
    return new


def latest_grade(header: AuditHeader) -> dict[str, Any] | None:
    return next((e for e in reversed(header.events) if e.get("type") == "graded"), None)


def pending_comments(header: AuditHeader) -> list[dict[str, Any]]:
    """Comments made since the audit was last submitted (what a send-back carries)."""
    out: list[dict[str, Any]] = []
    for e in reversed(header.events):
        if e.get("type") == "submitted":
            break
        if e.get("type") == "comment":
            out.append(e)
    return out[::-1]


def sent_back_comments(header: AuditHeader) -> list[dict[str, Any]]:
    """The comments the last send-back carried (made between its submit and it)."""
    events = list(header.events)
    last = max((i for i, e in enumerate(events) if e.get("type") == "sent_back"), default=None)
    if last is None:
        return []
    return pending_comments(dataclasses.replace(header, events=tuple(events[:last])))


def item_comments(header: AuditHeader, key: str) -> list[dict[str, Any]]:
    """Every reviewer's comment on this item, oldest first."""
    return [e for e in header.events if e.get("type") == "comment" and e.get("key") == key]


def review_queue(store: Store, actor: User, now: str | None = None) -> list[SummaryRow]:
    """Submitted mystery audits not yet published that `actor` may review, oldest first."""
    if not access.may(actor, access.REVIEW_QUEUE):
        return []
    since = utc_iso(parse_utc(now or now_iso()) - timedelta(days=QUEUE_DAYS))[:10]
    regions = None if actor.role == "hq" else set(actor.regions)
    rows = store.list_summaries(AuditFilter(status="submitted", mode="mystery", date_from=since))
    out = [r for r in rows if not r.published and (regions is None or r.region in regions)]
    return sorted(out, key=lambda r: (r.submitted_at, r.audit_id))


def photos_arriving(store: Store, actor: User, now: str | None = None) -> list[SummaryRow]:
    """Audits submitted on the phone whose photos are still on their way ("submitted, photos
    arriving (N)"), for the reviewer (mystery, their regions) and HQ (all); oldest first. The
    branch never reads them: they are drafts until the last photo lands."""
    if not access.may(actor, access.REVIEW_QUEUE):
        return []
    since = utc_iso(parse_utc(now or now_iso()) - timedelta(days=QUEUE_DAYS))[:10]
    regions = None if actor.role == "hq" else set(actor.regions)
    mode = None if actor.role == "hq" else "mystery"
    rows = store.list_summaries(AuditFilter(status="draft", mode=mode, date_from=since))
    out = [r for r in rows if r.arriving and (regions is None or r.region in regions)]
    return sorted(out, key=lambda r: (r.visit_at or r.started_at, r.audit_id))


# --- the audit's history: lines for the app and the PDF's appendix ----------------------------


@dataclass(frozen=True)
class HistoryLine:
    at: str  # UTC ISO as stored
    when: str  # shown in the location's zone, labelled with it
    who: str
    what: str


def history_lines(header: AuditHeader, location: Location | None, lang: str, *,
                  view: audience.View, who: dict[str, str] | None = None,
                  items: dict[str, str] | None = None) -> list[HistoryLine]:
    """Who did what when, oldest first, times in the location's zone, as `view` may see it.

    `who` maps a person's name to what this reader may see of them (a shopper's code for a
    branch manager); the events are those the audience policy shows `view`
    (`audience.shown_events`); `items` names the items comments are about (key → its text).
    """
    tz = location.tz if location else ""
    names = who or {}
    out: list[HistoryLine] = []
    was_sent_back = False
    for e in audience.shown_events(view, header.events):
        kind = str(e.get("type", ""))
        params: dict[str, Any] = {}
        key = kind
        if kind == "submitted" and was_sent_back:
            key = "resubmitted"
        if kind == "sent_back":
            was_sent_back = True
            note = e.get("note") if view.sees(audience.REVIEW_COMMENTS) else ""
            params["note"] = note or "—"
        elif kind == "comment":
            key_ = str(e.get("key", ""))
            params = {"item": (items or {}).get(key_, key_), "text": e.get("text", "")}
        elif kind == "graded":
            params = {"grade": e.get("grade"), "note": e.get("note") or "—"}
        elif kind == "photos_arriving":
            params = {"count": e.get("photos", 0)}
        elif kind == "photos_released":
            missing = [str(k) for k in e.get("items") or ()]
            params = {"count": e.get("photos", 0), "hours": limits.HELD_AUDIT_RELEASE_HOURS,
                      "items": ", ".join((items or {}).get(k, k) for k in missing) or "—"}
            key = "photos_released_auto" if e.get("automatic") else kind
        elif kind == "reopened":
            params = {"reason": e.get("reason") or "—"}
        elif kind == "position":
            proof = proof_of(location, e.get("lat"), e.get("lon"))
            params = {"stage": t(f"history.stage_{e.get('stage', 'start')}", lang),
                      "proof": proof_text(proof, lang)}
        text = t(f"history.{key}", lang, **params)
        by = str(e.get("by", ""))
        at = str(e.get("at", ""))
        out.append(HistoryLine(at, moment(at, lang, tz), names.get(by, by), text))
    return out
