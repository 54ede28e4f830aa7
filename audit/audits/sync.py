"""A phone's batch of changes, applied once each (client id + sequence); later wins by phone time."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from audit.audits import capture as audits
from audit.core import limits
from audit.core.clock import now_iso
from audit.core.errors import AppError, AuditLocked
from audit.model import Answer, Checklist, Item, PhotoRef, User
from audit.scoring.score import AnswerError, check_value
from audit.store import Store
from audit.typos.check import check_typos

KINDS = ("answer", "comment", "add_photo", "remove_photo", "caption", "section", "submit")
MAX_CHANGES = limits.SYNC_MAX_CHANGES
CLIENT_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
UPLOAD_RE = re.compile(r"^up_[A-Za-z0-9_-]{16,40}$")


def new_upload_id() -> str:
    """The id an upload answers with: what a phone names to attach that photo."""
    return "up_" + secrets.token_urlsafe(15)


class _Keep:
    """The answer's value is left as it is (a change that only sets N/A)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


class SyncError(AppError):
    """A batch the server cannot read at all; nothing of it was applied."""

    code = "bad_batch"


@dataclass(frozen=True)
class Change:
    """One thing a person did on the phone, numbered by that phone (`client`, `seq`)."""

    seq: int
    kind: str
    key: str  # an item key; the section id for "section"
    at: str  # when it was done, by the phone's clock, as UTC ISO with milliseconds
    # answer: the value; comment: text; photos: sha256; caption: text; submit: the photos
    # still on the phone, [{"key", "sha"}, …]
    value: Any = KEEP
    na: bool | None = None  # answer only
    sha: str = ""  # caption only


@dataclass(frozen=True)
class Refusal:
    seq: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SyncResult:
    applied: tuple[int, ...]  # newly applied (or newly known to be older than what is stored)
    duplicates: tuple[int, ...]  # delivered before: nothing done
    refused: tuple[Refusal, ...]
    answers: dict[str, Answer]  # the stored answers of every item the batch named
    section: str = ""  # the section the audit is remembered at, after the batch
    # a submit the batch carried, newly: its sequence and the photos still on the phone
    # ((item key, sha256) each); the caller submits (audit.workflow.submit_from_phone)
    submit: tuple[int, tuple[tuple[str, str], ...]] | None = None
    digest_before: str = ""  # snapshot() digests of all the audit's answers, before and after
    digest: str = ""


# -- reading a batch ---------------------------------------------------------------------------


def _bad(message: str, **params: Any) -> SyncError:
    return SyncError(message, reason=message, **params)


def phone_time(raw: Any) -> str:
    """An ISO time from the phone as UTC with milliseconds, so times compare as strings."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise _bad("a change has no time")
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{raw!r} is not a time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def _bounded(now: str) -> str:
    """The latest phone time taken as it came: the server's now plus the allowed skew, in
    phone_time's shape; a change dated later counts as made at the server's now."""
    when = datetime.fromisoformat(now) + timedelta(seconds=limits.PHONE_CLOCK_SKEW_SECONDS)
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_change(raw: Any) -> Change:
    if not isinstance(raw, dict):
        raise _bad("a change is not an object")
    seq, kind, key = raw.get("seq"), raw.get("kind"), raw.get("key")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq < 2**53:
        raise _bad("a change has no sequence number")
    if kind not in KINDS:
        raise _bad(f"unknown change kind {kind!r}")
    if not isinstance(key, str) or not 0 < len(key) <= 200:
        raise _bad("a change names no item")
    na = raw.get("na")
    if na is not None and not isinstance(na, bool):
        raise _bad("na must be true or false")
    sha = raw.get("sha", "")
    if not isinstance(sha, str):
        raise _bad("sha must be text")
    value = raw.get("value", KEEP)
    return Change(seq=seq, kind=kind, key=key, at=phone_time(raw.get("at")), value=value, na=na,
                  sha=sha)


def parse_batch(payload: Any) -> tuple[str, str, list[Change]]:
    """(audit id, client id, changes) from the JSON a phone posts; SyncError if unreadable."""
    if not isinstance(payload, dict):
        raise _bad("the batch is not an object")
    audit_id, client, changes = payload.get("audit"), payload.get("client"), payload.get("changes", [])
    if not isinstance(audit_id, str) or not 0 < len(audit_id) <= 64:
        raise _bad("the batch names no audit")
    if not isinstance(client, str) or not CLIENT_RE.match(client):
        raise _bad("the batch names no client")
    if not isinstance(changes, list) or len(changes) > MAX_CHANGES:
        raise _bad(f"a batch holds at most {MAX_CHANGES} changes", limit=MAX_CHANGES)
    return audit_id, client, [parse_change(c) for c in changes]


# -- receipts and clocks -----------------------------------------------------------------------
# The audit's sync record: {"clients": {client: {"upto": n, "extra": [seq, …]}},
#                           "clock": {field: [phone time, client, seq]}}
# "upto" is the highest sequence below which everything arrived; "extra" what arrived past a gap.


def _received(sync: Mapping[str, Any], client: str, seq: int) -> bool:
    mark = sync.get("clients", {}).get(client)
    return bool(mark) and (seq <= mark["upto"] or seq in mark["extra"])


def _receipt(sync: dict[str, Any], client: str, seq: int, seen: str) -> None:
    clients = sync.setdefault("clients", {})
    mark = clients.setdefault(client, {"upto": 0, "extra": []})
    extra = set(mark["extra"]) | {seq}
    upto = mark["upto"]
    while upto + 1 in extra:
        upto += 1
        extra.discard(upto)
    clients[client] = {"upto": upto, "extra": sorted(extra), "seen": seen}


def _prune_receipts(sync: dict[str, Any], client: str,
                    photos: Mapping[str, PhotoRef] | None) -> None:
    """Keep only what a phone can still send again: the newest sequences past a gap, and the
    phones seen most recently. A change whose receipt was dropped and that comes once more
    meets its own time on the field's clock and is kept out as not newer. Removals of photos
    the audit does not hold (waiting for a late upload) are kept, the newest few."""
    clock = sync.get("clock", {})
    waiting = [] if photos is None else sorted(
        (v, k) for k, v in clock.items() if k.startswith("p:") and k.rsplit(":", 1)[1] not in photos)
    for _, k in waiting[:max(0, len(waiting) - limits.SYNC_RECEIPT_GAPS_MAX)]:
        del clock[k]
    clients = sync.get("clients", {})
    for mark in clients.values():
        if len(mark["extra"]) > limits.SYNC_RECEIPT_GAPS_MAX:
            mark["extra"] = mark["extra"][-limits.SYNC_RECEIPT_GAPS_MAX:]
    if len(clients) > limits.SYNC_CLIENTS_MAX:
        others = sorted((c for c in clients if c != client),
                        key=lambda c: (str(clients[c].get("seen", "")), c))
        for old in others[:len(clients) - limits.SYNC_CLIENTS_MAX]:
            del clients[old]


def _field(change: Change) -> str:
    if change.kind == "answer":
        return f"v:{change.key}"
    if change.kind == "comment":
        return f"c:{change.key}"
    if change.kind in ("add_photo", "remove_photo"):
        return f"p:{change.key}:{change.value}"
    if change.kind == "caption":
        return f"cap:{change.sha}"
    return "@section"


def _newer(sync: dict[str, Any], change: Change, client: str, latest: str) -> bool:
    """Record the change's time on its field if it is the latest; True if so.

    A time on the clock past `latest` (the server's now and the allowed skew) was stored
    before phone times were bounded: it no longer holds the field.
    """
    clock = sync.setdefault("clock", {})
    mine = [change.at, client, change.seq]
    stored = clock.get(_field(change))
    if stored is not None and str(stored[0]) <= latest and list(stored) >= mine:
        return False
    clock[_field(change)] = mine
    return True


# -- applying ----------------------------------------------------------------------------------


def _prepare(checklist: Checklist, section_ids: set[str], change: Change,
             photos: Mapping[str, PhotoRef]) -> Change | Refusal:
    """The change with its value in stored shape, or why it is refused (checked before locking).

    `photos` are the audit's photo records: a photo change names one of them (to attach,
    by the id its upload answered; to remove or caption, by that id or its hash).
    """
    try:
        if change.kind == "submit":
            coming = _coming(change.value)
            if coming is None:
                return Refusal(change.seq, "bad_batch", {"reason": "a submit names its photos"})
            return dataclasses.replace(change, value=coming)
        if change.kind == "section":
            if change.key not in section_ids:
                return Refusal(change.seq, "unknown_section", {"key": change.key})
            return change
        if change.kind == "caption":
            if not isinstance(change.value, str):
                return Refusal(change.seq, "not_text")
            if change.sha not in photos:
                return Refusal(change.seq, "photo_not_uploaded")
            return dataclasses.replace(change,
                                       value=change.value.strip()[:limits.CAPTION_MAX_CHARS])
        if change.kind == "answer" and change.key in section_ids:
            return _section_na(checklist, change)
        item = checklist.item(change.key)
        if item is None:
            return Refusal(change.seq, "unknown_item", {"key": change.key})
        if change.kind == "comment":
            if not isinstance(change.value, str):
                return Refusal(change.seq, "not_text")
            if len(change.value) > limits.COMMENT_MAX_CHARS:
                return Refusal(change.seq, "too_long", {"limit": limits.COMMENT_MAX_CHARS})
            return change
        if change.kind in ("add_photo", "remove_photo"):
            sha = _photo_named(change, photos)
            if isinstance(sha, Refusal):
                return sha
            return dataclasses.replace(change, value=sha)
        # an answer
        if change.na and not item.na:
            return Refusal(change.seq, "na_not_allowed")
        if change.value is KEEP:
            return change
        return dataclasses.replace(change, value=_checked(item, change.value))
    except AnswerError as err:
        return Refusal(change.seq, err.code, dict(err.params))


def _coming(raw: Any) -> tuple[tuple[str, str], ...] | None:
    """The photos a submit says are still on the phone, or None if it says it unreadably."""
    photos = raw.get("photos", []) if isinstance(raw, dict) else None
    if not isinstance(photos, list) or len(photos) > limits.SYNC_MAX_CHANGES:
        return None
    out: list[tuple[str, str]] = []
    for p in photos:
        key, sha = (p.get("key"), p.get("sha")) if isinstance(p, dict) else (None, None)
        if not isinstance(key, str) or not isinstance(sha, str) or not SHA_RE.match(sha):
            return None
        out.append((key, sha))
    return tuple(out)


def _photo_named(change: Change, photos: Mapping[str, PhotoRef]) -> str | Refusal:
    """The hash of the audit's photo a photo change names, or why not.

    Attaching takes the upload id only: a hash names no upload (an old outbox entry, or
    someone trying a photo stored elsewhere), and is refused alike whether or not any photo
    has it. Removing may name the hash the phone shows, even before the upload it removes
    has arrived (it then keeps that late upload out); removing what is not attached does
    nothing, whatever the hash.
    """
    named = change.value
    if not isinstance(named, str):
        return Refusal(change.seq, "photo_not_uploaded")
    if UPLOAD_RE.match(named):
        for sha, ref in photos.items():
            if ref.upload == named:
                return sha
        return Refusal(change.seq, "photo_not_uploaded")
    if change.kind == "add_photo":
        return Refusal(change.seq, "photo_by_hash" if SHA_RE.match(named) else "photo_not_uploaded")
    if SHA_RE.match(named):
        return named
    return Refusal(change.seq, "photo_not_uploaded")


def _section_na(checklist: Checklist, change: Change) -> Change | Refusal:
    """A whole section answered N/A (na true, the reason as the value) or put back (na false)."""
    section = checklist.section(change.key)
    if section is None or not section.na:
        return Refusal(change.seq, "section_na_not_allowed", {"key": change.key})
    reason = change.value.strip() if isinstance(change.value, str) else ""
    if change.na and not reason:
        return Refusal(change.seq, "na_reason_needed", {"key": change.key})
    if len(reason) > limits.SECTION_NA_REASON_MAX_CHARS:
        return Refusal(change.seq, "too_long", {"limit": limits.SECTION_NA_REASON_MAX_CHARS})
    return dataclasses.replace(change, value=reason, na=bool(change.na))


def _checked(item: Item, value: Any) -> Any:
    if item.type == "typo_check" and isinstance(value, dict):
        # the server, not the phone, decides which words are suspect
        text = value.get("text") or ""
        if not isinstance(text, str):
            raise AnswerError("bad_typos", "website text must be text")
        if not text.strip():
            return None
        found = check_typos(text)
        flagged = [s.word for s in found.suspects]
        typos = [w for w in value.get("typos") or [] if w in flagged]
        checked = {} if found.status == "ok" else {"checked": found.status,
                                                   "checked_chars": found.checked_chars}
        return check_value(item, {"text": text, "flagged": flagged, "typos": typos, **checked})
    return check_value(item, value)


def _apply(old: Answer | None, key: str, change: Change, by: str, at: str) -> Answer:
    a = old or Answer(key=key)
    photos = list(a.photos)
    if "." not in key:  # a section's own answer: N/A as a whole, with the reason
        na = bool(change.na)
        return dataclasses.replace(a, value=None, na=na, comment=change.value if na else "",
                                   by=by, at=at)
    if change.kind == "answer":
        value = a.value if change.value is KEEP else change.value
        na = change.na if change.na is not None else (
            False if change.value is not KEEP and change.value is not None else a.na)
        a = dataclasses.replace(a, value=value, na=na)
    elif change.kind == "comment":
        a = dataclasses.replace(a, comment=change.value)
    elif change.kind == "add_photo" and change.value not in photos:
        photos.append(change.value)
    elif change.kind == "remove_photo" and change.value in photos:
        photos.remove(change.value)
    return dataclasses.replace(a, photos=tuple(photos), by=by, at=at)


def apply_batch(store: Store, user: User, audit_id: str, client: str, changes: list[Change], *,
                now: str | None = None, photos_arriving: bool = False) -> SyncResult:
    """Apply a phone's changes to one audit once each; the later change of a field wins.

    Access is checked as for every other edit (NotFound for an audit that is not the
    person's, AuditLocked once submitted). A change delivered again is acknowledged and
    not applied again; a change older (by the phone's clock) than what is stored for the
    same field is acknowledged and kept out. A change that does not fit its item is refused
    with the same reason an answer typed on the screen gets.
    """
    try:
        header = (audits.check_photo_welcome if photos_arriving else audits.check_editable)(
            store, user, audit_id)
    except AuditLocked:
        if changes and all(c.kind == "submit" for c in changes):
            # a submit sent again after its answer was lost: the audit is submitted already
            return SyncResult(applied=(), duplicates=tuple(c.seq for c in changes), refused=(),
                              answers={})
        raise
    checklist = audits.checklist_for(store, header)
    section_ids = {s.id for s in checklist.sections}
    at = now or now_iso()
    latest = _bounded(at)
    changes = [c if c.at <= latest else dataclasses.replace(c, at=phone_time(at)) for c in changes]
    photos: Mapping[str, PhotoRef] | None = None  # read only for a batch that names photos
    if any(c.kind in ("add_photo", "remove_photo", "caption") for c in changes):
        audit = store.get_audit(audit_id)
        photos = audit.photos if audit is not None else {}
    prepared = [_prepare(checklist, section_ids, c, photos or {}) for c in changes]
    applied: list[int] = []
    duplicates: list[int] = []
    refused: list[Refusal] = []
    later: list[Change] = []  # captions and the section live outside the answers
    keys = {c.key for c in changes if c.kind not in ("section", "caption", "submit")}
    stored: dict[str, Answer] = {}
    digests = ["", ""]

    def update(answers: Mapping[str, Answer], sync_in: Mapping[str, Any]
               ) -> tuple[list[Answer], dict[str, Any]]:
        applied.clear()
        duplicates.clear()
        refused.clear()
        later.clear()
        sync = json.loads(json.dumps(sync_in))  # a private copy to edit
        current = dict(answers)
        touched: dict[str, Answer] = {}
        for change, ready in zip(changes, prepared, strict=True):
            if _received(sync, client, change.seq):
                duplicates.append(change.seq)
                continue
            _receipt(sync, client, change.seq, at)
            if isinstance(ready, Refusal):
                refused.append(ready)
                continue
            applied.append(change.seq)
            if ready.kind == "submit":
                later.append(ready)
                continue
            if not _newer(sync, ready, client, latest):
                continue
            if ready.kind in ("section", "caption"):
                later.append(ready)
                continue
            touched[ready.key] = current[ready.key] = _apply(current.get(ready.key), ready.key,
                                                             ready, user.name, at)
        _prune_receipts(sync, client, photos)
        stored.clear()
        stored.update({k: current[k] for k in keys if k in current})
        before = snapshot(answers)[1]
        digests[:] = [before, snapshot(current)[1] if touched else before]
        return list(touched.values()), sync

    store.save_answers(audit_id, update)
    section = header.section
    submit: tuple[int, tuple[tuple[str, str], ...]] | None = None
    for change in later:
        if change.kind == "submit":
            submit = (change.seq, change.value)
        elif change.kind == "section":
            audits.set_section(store, user, audit_id, change.key)
            section = change.key
        else:
            try:
                audits.caption_photo(store, user, audit_id, change.sha, change.value)
            except AppError as err:
                refused.append(Refusal(change.seq, err.code, dict(err.params)))
    return SyncResult(applied=tuple(applied), duplicates=tuple(duplicates), refused=tuple(refused),
                      answers=dict(stored), section=section, digest_before=digests[0],
                      digest=digests[1], submit=submit)


# -- what the phone shows ----------------------------------------------------------------------


def answer_json(answer: Answer) -> dict[str, Any]:
    """An answer as the walk's JavaScript reads it."""
    return {"value": answer.value, "na": answer.na, "comment": answer.comment,
            "photos": list(answer.photos)}


def snapshot(answers: Mapping[str, Answer]) -> tuple[dict[str, Any], str]:
    """The answers as the phone reads them, and a digest that says whether they changed."""
    out = {k: answer_json(a) for k, a in sorted(answers.items())}
    digest = hashlib.sha256(json.dumps(out, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return out, digest[:16]
