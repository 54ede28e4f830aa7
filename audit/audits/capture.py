"""What people do to audits: start, answer, attach, submit, reopen, publish, delete."""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Container, Sequence
from typing import Any

from audit.checklist.templates import get_checklist
from audit.core import limits
from audit.core.clock import now_iso
from audit.core.errors import AppError, AuditLocked, NotFound, StoreError
from audit.model import (
    MODES,
    Answer,
    Audit,
    AuditHeader,
    AuditScore,
    Checklist,
    PhotoRef,
    SummaryRow,
    User,
)
from audit.people import access
from audit.scoring.expect import expected_vs_got, summary_expectations
from audit.scoring.score import (
    AnswerError,
    check_value,
    impacts,
    missing_for_submit,
    progress,
    score_audit,
)
from audit.store import Store

_KEEP = object()
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class Forbidden(NotFound):
    """Raised where a person may not touch an object; reads exactly like 'not found'."""


class SubmitRefused(AppError):
    """Submit was refused; `.missing` lists (item key, "answer" | "photo")."""

    code = "submit_refused"

    def __init__(self, missing: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(missing)} required answers or photos are missing",
                         count=len(missing))
        self.missing = missing


def new_audit_id() -> str:
    return secrets.token_urlsafe(12)


def _not_found(audit_id: str) -> NotFound:
    return NotFound(f"no audit {audit_id!r}", audit_id=audit_id)


def _region_for(store: Store, actor: User | None, header: AuditHeader) -> str | None:
    """The audit's region where the rules need it (a reviewer's rights follow regions)."""
    return region_of(store, header.location_id) if actor and actor.role == "reviewer" else None


def load_audit(store: Store, actor: User | None, audit_id: str) -> Audit:
    """The audit if `actor` may see it; otherwise NotFound, the same as for a missing id."""
    audit = store.get_audit(audit_id)
    if audit is None or not access.may(actor, access.VIEW_AUDIT, audit.header,
                                       region=_region_for(store, actor, audit.header)):
        raise _not_found(audit_id)
    return audit


def load_header(store: Store, actor: User | None, audit_id: str) -> AuditHeader:
    """The audit's header if `actor` may see it; NotFound otherwise, as for a missing id."""
    header = store.get_header(audit_id)
    if header is None or not access.may(actor, access.VIEW_AUDIT, header,
                                        region=_region_for(store, actor, header)):
        raise _not_found(audit_id)
    return header


def checklist_for(store: Store, header: AuditHeader) -> Checklist:
    return get_checklist(store, header.template_id, header.template_version)


def region_of(store: Store, location_id: str) -> str:
    loc = store.get_location(location_id)
    return loc.region if loc else ""


def summary_of(header: AuditHeader, checklist: Checklist, answers: dict[str, Answer],
               score: AuditScore | None = None, *, region: str,
               photos: Container[str] | None = None) -> SummaryRow:
    """The index row for an audit: what the dashboard reads without opening the audit."""
    row = SummaryRow(
        audit_id=header.id,
        location_id=header.location_id,
        region=region,
        template_id=header.template_id,
        template_version=header.template_version,
        mode=header.mode,
        auditor=header.auditor,
        status=header.status,
        started_at=header.started_at,
        visit_at=header.visit_at,
        submitted_at=header.submitted_at,
        published=header.published,
    )
    prog = progress(checklist, answers, photos=photos)[""]
    row = dataclasses.replace(row, answered=prog[0], total=prog[1])
    if score is None:
        return row
    return dataclasses.replace(
        row,
        overall=_round(score.overall),
        computed=_round(score.computed),
        level=score.level,
        critical=score.critical_failures,
        sections={s.id: _round(s.percent) for s in score.sections},
        findings=tuple(i.key for i in score.findings),
        na=tuple(k for k, a in answers.items() if a.na and checklist.item(k) is not None),
        lost={k: round(v, 2) for k, v in impacts(score).items()},
        skipped=tuple(i.key for sec in score.sections for i in sec.items
                      if i.reason[0] in ("hidden", "section_na", "unanswered")),
        expectations=summary_expectations(expected_vs_got(checklist, answers, score)),
    )


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def start_audit(store: Store, actor: User, *, location_id: str, template_id: str, mode: str,
                lang: str, visit_at: str | None = None, now: str | None = None,
                audit_id: str | None = None, visit_id: str = "") -> AuditHeader:
    """A new draft. With `visit_id` (audit.visits.plans.start_visit, which has checked the visit is
    the actor's) the planned visit, not the actor's locations, allows the location."""
    if mode not in MODES:
        raise StoreError(f"unknown mode {mode!r}", mode=mode)
    action = access.START_MYSTERY if mode == "mystery" else access.START_SELF
    if store.get_location(location_id) is None or not (
            visit_id or access.may(actor, action, location_id)):
        raise NotFound(f"no location {location_id!r}", location_id=location_id)
    checklist = get_checklist(store, template_id)
    at = now or now_iso()
    header = AuditHeader(
        id=audit_id or new_audit_id(),
        template_id=checklist.id,
        template_version=checklist.version,
        location_id=location_id,
        mode=mode,
        auditor=actor.name,
        lang=lang,
        status="draft",
        started_at=at,
        visit_at=visit_at or at,
        events=({"type": "started", "by": actor.name, "at": at},),
        visit_id=visit_id,
    )
    store.create_audit(header, summary_of(header, checklist, {},
                                          region=region_of(store, location_id)))
    return header


def _editable_header(store: Store, actor: User, audit_id: str, *,
                     photos_arriving: bool = False) -> AuditHeader:
    """The draft's header if `actor` may edit it; with `photos_arriving`, also a draft submitted
    on the phone whose photos are still on their way (they may land; nothing else may change)."""
    header = store.get_header(audit_id)
    if header is None or not access.may(actor, access.VIEW_AUDIT, header):
        raise _not_found(audit_id)
    if photos_arriving and header.status != "draft" and (gave_up := released(header)):
        # a photo the audit was completed without: it stays out (the audit was scored without
        # it and may have been reviewed or read since), and the phone is told why
        raise PhotoTooLate(f"audit {audit_id} was completed without its missing photos",
                           audit_id=audit_id, at=str(gave_up.get("at", ""))[:10])
    if header.status != "draft" or (header.arriving and not photos_arriving):
        raise AuditLocked(f"audit {audit_id} is submitted and read-only", audit_id=audit_id)
    if not access.may(actor, access.EDIT_AUDIT, header):
        raise _not_found(audit_id)
    return header


def check_photo_welcome(store: Store, actor: User, audit_id: str) -> AuditHeader:
    """The header of a draft `actor` may add a photo to: an editable draft, or one submitted on
    the phone that waits for its photos; NotFound or AuditLocked otherwise."""
    return _editable_header(store, actor, audit_id, photos_arriving=True)


def check_editable(store: Store, actor: User, audit_id: str) -> AuditHeader:
    """The header of a draft `actor` may edit; NotFound or AuditLocked otherwise."""
    return _editable_header(store, actor, audit_id)


def answer(store: Store, actor: User, audit_id: str, key: str, *, value: Any = _KEEP,
           na: bool | None = None, comment: str | None = None,
           add_photo: str | None = None, remove_photo: str | None = None,
           now: str | None = None) -> Answer:
    """Save one change to one answer at once; other fields of the answer are kept.

    `add_photo` names a photo the audit holds (audit.audits.evidence.add_photo stores it
    first); any other hash is NotFound, as if no photo had it anywhere.
    Raises AnswerError for a value that does not fit the item, AuditLocked once submitted.
    """
    header = _editable_header(store, actor, audit_id)
    checklist = checklist_for(store, header)
    item = checklist.item(key)
    if item is None:
        raise AnswerError("unknown_item", f"no item {key!r} in this checklist", key=key)
    if add_photo is not None:
        held = store.get_audit(audit_id)
        if held is None or add_photo not in held.photos:
            raise NotFound(f"no photo {add_photo!r} in audit {audit_id!r}", audit_id=audit_id)
    checked = _KEEP if value is _KEEP else check_value(item, value)
    if na and not item.na:
        raise AnswerError("na_not_allowed", "N/A is not allowed for this item", key=key)
    if comment is not None and len(comment) > limits.COMMENT_MAX_CHARS:
        raise AnswerError("too_long", f"the comment is longer than {limits.COMMENT_MAX_CHARS} "
                          "characters", limit=limits.COMMENT_MAX_CHARS)
    at = now or now_iso()

    def update(old: Answer | None) -> Answer:
        a = old or Answer(key=key)
        photos = list(a.photos)
        if add_photo and add_photo not in photos:
            photos.append(add_photo)
        if remove_photo in photos:
            photos.remove(remove_photo)
        return dataclasses.replace(
            a,
            value=a.value if checked is _KEEP else checked,
            na=(False if checked is not _KEEP and checked is not None else a.na)
            if na is None else na,
            comment=a.comment if comment is None else comment,
            photos=tuple(photos),
            by=actor.name,
            at=at,
        )

    return store.save_answer(audit_id, key, update)


def set_section_na(store: Store, actor: User, audit_id: str, section_id: str, reason: str, *,
                   na: bool = True, now: str | None = None) -> Answer:
    """Answer a whole section N/A in one step, with the reason; saved at once.

    Recorded as an answer under the section's id (`Answer(key=section_id, na=True,
    comment=reason)`), so the item answers underneath are kept and come back if the
    section is put back (`na=False`). Raises AnswerError when the checklist does not allow
    N/A for the section or the reason is empty.
    """
    header = _editable_header(store, actor, audit_id)
    checklist = checklist_for(store, header)
    section = checklist.section(section_id)
    if section is None:
        raise AnswerError("unknown_item", f"no section {section_id!r} in this checklist", key=section_id)
    if not section.na:
        raise AnswerError("section_na_not_allowed", "this section cannot be answered N/A as a whole",
                          key=section_id)
    reason = reason.strip()
    if na and not reason:
        raise AnswerError("na_reason_needed", "say why the section does not apply", key=section_id)
    most = limits.SECTION_NA_REASON_MAX_CHARS
    if len(reason) > most:
        raise AnswerError("too_long", f"the reason is longer than {most} characters", limit=most)
    at = now or now_iso()

    def update(old: Answer | None) -> Answer:
        return Answer(key=section_id, value=None, na=na, comment=reason if na else "",
                      by=actor.name, at=at)

    return store.save_answer(audit_id, section_id, update)


def attach_photo(store: Store, actor: User, audit_id: str, key: str, ref: PhotoRef,
                 now: str | None = None) -> Answer:
    """Record a stored photo's metadata in the audit and link it to the item's answer."""
    _editable_header(store, actor, audit_id)
    store.save_photo_ref(audit_id, ref)
    return answer(store, actor, audit_id, key, add_photo=ref.sha256, now=now)


def caption_photo(store: Store, actor: User, audit_id: str, sha256: str, caption: str) -> PhotoRef:
    """Say what a photo shows; printed under it in the PDF."""
    _editable_header(store, actor, audit_id)
    audit = store.get_audit(audit_id)
    ref = audit.photos.get(sha256) if audit else None
    if ref is None:
        raise NotFound(f"no photo {sha256!r} in audit {audit_id!r}", audit_id=audit_id)
    new = dataclasses.replace(ref, caption=caption.strip()[:limits.CAPTION_MAX_CHARS])
    store.save_photo_ref(audit_id, new)
    return new


def set_section(store: Store, actor: User, audit_id: str, section: str) -> None:
    """Remember where the walkthrough is, for the next session on any device."""
    header = _editable_header(store, actor, audit_id)
    if header.section != section:
        store.update_header(audit_id, dataclasses.replace(header, section=section))


def _with_event(header: AuditHeader, kind: str, by: str, at: str, **extra: Any) -> AuditHeader:
    event = {"type": kind, "by": by, "at": at, **extra}
    return dataclasses.replace(header, events=(*header.events, event))


def submit(store: Store, actor: User, audit_id: str, now: str | None = None, *,
           excused: Container[str] = ()) -> SummaryRow:
    """Score and lock the audit; refuse with the list of what is missing. `excused`: items
    whose required photo never arrived from the phone (`release_held`): not asked for again."""
    header = _editable_header(store, actor, audit_id)
    audit = store.get_audit(audit_id)
    if audit is None:
        raise _not_found(audit_id)
    checklist = checklist_for(store, header)
    score = score_audit(checklist, audit.answers)
    missing = [m for m in missing_for_submit(checklist, audit.answers, score, photos=audit.photos)
               if not (m[1] == "photo" and m[0] in excused)]
    if missing:
        raise SubmitRefused(missing)
    at = now or now_iso()
    # a self-audit is final at once: its actions are due, marked in the same step
    new = _with_event(dataclasses.replace(audit.header, status="submitted", submitted_at=at,
                                          actions_due=audit.header.mode == "self"),
                      "submitted", actor.name, at)
    row = summary_of(new, checklist, audit.answers, score,
                     region=region_of(store, header.location_id), photos=audit.photos)
    store.submit_audit(new, row, list(audit.photos.values()))
    return row  # a self-audit is final now: audit.workflow.submit makes its actions


def hold_for_photos(store: Store, actor: User, audit_id: str, coming: Sequence[tuple[str, str]], *,
                    position: dict[str, Any] | None = None,
                    now: str | None = None) -> AuditHeader | None:
    """Submit on the phone while photos are still queued there: the draft is locked for answers
    and waits for the photos `coming` ((item key, sha256) each, as the phone holds them).

    The answers must be complete; a photo the rules ask for counts as given when one for that
    item is among `coming`. None when every one of them has landed already (the caller then
    submits as usual); SubmitRefused with what is missing otherwise. Nothing of it reaches
    anyone else: the audit stays a draft, marked, until `photo_arrived` says the last is in.
    """
    header = _editable_header(store, actor, audit_id)
    audit = store.get_audit(audit_id)
    if audit is None:
        raise _not_found(audit_id)
    waiting = {(k, sha) for k, sha in coming if _SHA_RE.match(sha) and sha not in audit.photos}
    if not waiting:
        return None
    checklist = checklist_for(store, header)
    keys = {k for k, _ in waiting}
    missing = [m for m in missing_for_submit(checklist, audit.answers, photos=audit.photos)
               if not (m[1] == "photo" and m[0] in keys)]
    if missing:
        raise SubmitRefused(missing)
    at = now or now_iso()
    shas = tuple(sorted({sha for _, sha in waiting}))
    # which item each photo is for: named in the history if the audit is released without it
    extra: dict[str, Any] = {"photos": len(shas), "waiting": sorted([k, sha] for k, sha in waiting)}
    if position:
        extra["position"] = position
    new = _with_event(dataclasses.replace(header, arriving=shas), "photos_arriving", actor.name,
                      at, **extra)
    row = store.get_summary(audit_id)
    if row is None:
        raise _not_found(audit_id)
    store.hold_audit(new, dataclasses.replace(row, arriving=len(shas)))
    return new


def photo_arrived(store: Store, audit_id: str, sha256: str) -> bool:
    """A photo a held audit waits for has landed; True when it was the last (the audit is a
    plain draft again, to be submitted at once by the caller: audit.workflow.photo_landed)."""
    header = store.get_header(audit_id)
    if header is None or not header.arriving or sha256 not in header.arriving:
        return False
    left = tuple(s for s in header.arriving if s != sha256)
    row = store.get_summary(audit_id)
    if row is None:
        raise _not_found(audit_id)
    store.hold_audit(dataclasses.replace(header, arriving=left),
                     dataclasses.replace(row, arriving=len(left)))
    return not left


class PhotoTooLate(AuditLocked):
    """A photo for an audit that was completed without it (released after waiting for it)."""

    code = "photo_too_late"


def held_since(header: AuditHeader) -> str | None:
    """When the phone submitted and the audit began to wait for its photos (None if it does not)."""
    if not header.arriving:
        return None
    for e in reversed(header.events):
        if e.get("type") == "photos_arriving":
            return str(e.get("at", "")) or None
    return header.started_at


def held_items(header: AuditHeader) -> tuple[str, ...]:
    """The items whose photos a held audit still waits for (as the phone named them)."""
    waiting = next((e.get("waiting") for e in reversed(header.events)
                    if e.get("type") == "photos_arriving"), None)
    keys = {str(pair[0]) for pair in waiting or () if isinstance(pair, list) and len(pair) == 2
            and pair[1] in header.arriving}
    return tuple(sorted(keys))


def released(header: AuditHeader) -> dict[str, Any] | None:
    """The event of the audit's last release without its missing photos, if any since it was
    last held."""
    for e in reversed(header.events):
        if e.get("type") == "photos_arriving":
            return None
        if e.get("type") == "photos_released":
            return dict(e)
    return None


def stop_waiting(store: Store, audit_id: str, by: str, *, automatic: bool,
                 now: str | None = None) -> tuple[str, ...]:
    """A held audit stops waiting for the photos it still lacks: it is a plain draft again,
    its history saying which items' photos never arrived, who gave up on them and why (the
    caller submits it at once: audit.workflow.release_held). The items whose photos are missing."""
    header = store.get_header(audit_id)
    if header is None:
        raise _not_found(audit_id)
    if not header.arriving:
        raise NotHeld(f"audit {audit_id} waits for no photos", audit_id=audit_id)
    row = store.get_summary(audit_id)
    if row is None:
        raise _not_found(audit_id)
    items = held_items(header)
    at = now or now_iso()
    new = _with_event(dataclasses.replace(header, arriving=()), "photos_released", by, at,
                      photos=len(header.arriving), items=list(items), automatic=automatic)
    store.hold_audit(new, dataclasses.replace(row, arriving=0))
    return items


class NotHeld(AppError):
    """Release asked of an audit that waits for no photos (they have landed, or it was released)."""

    code = "not_held"


def held_position(header: AuditHeader) -> dict[str, Any] | None:
    """Where the phone was when it submitted and held the audit for its photos, if it said."""
    for e in reversed(header.events):
        if e.get("type") == "photos_arriving":
            pos = e.get("position")
            return pos if isinstance(pos, dict) else None
    return None


def reopen(store: Store, actor: User, audit_id: str, reason: str,
           now: str | None = None) -> AuditHeader:
    header = store.get_header(audit_id)
    if header is None or not access.may(actor, access.REOPEN, header):
        raise _not_found(audit_id)
    if header.status == "draft":
        return header
    at = now or now_iso()
    new = _with_event(dataclasses.replace(header, status="draft"), "reopened", actor.name, at,
                      reason=reason)
    old = store.get_summary(audit_id)
    if old is None:
        raise _not_found(audit_id)
    store.reopen_audit(new, dataclasses.replace(old, status="draft"))
    return new


def publish(store: Store, actor: User, audit_id: str, published: bool = True,
            now: str | None = None) -> AuditHeader:
    header = store.get_header(audit_id)
    if header is None or not access.may(actor, access.PUBLISH, header):
        raise _not_found(audit_id)
    if header.arriving:  # nothing reaches the branch before the audit is whole
        raise AuditLocked(f"audit {audit_id} waits for its photos", audit_id=audit_id)
    at = now or now_iso()
    final = published and header.mode == "mystery" and header.status == "submitted"
    new = _with_event(dataclasses.replace(header, published=published,
                                          actions_due=header.actions_due or final),
                      "published" if published else "unpublished", actor.name, at)
    old = store.get_summary(audit_id)
    if old is None:
        raise _not_found(audit_id)
    store.publish_audit(new, dataclasses.replace(old, published=published))
    return new  # final now: audit.workflow.publish makes its actions


def delete_draft(store: Store, actor: User, audit_id: str) -> None:
    _editable_header(store, actor, audit_id)
    store.delete_audit(audit_id)


def auditor_codes(store: Store) -> dict[str, str]:
    """Shopper name → code, for showing mystery audits without naming the shopper."""
    return {u.name: u.code for u in store.list_users() if u.code}
