"""On the audit's page: its stage, history and proof of visit; the reviewer's and HQ's actions;
the reviewer's comments on items as the shopper sees them."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from audit import workflow
from audit.audits import capture as audits
from audit.core import limits
from audit.core.errors import AppError
from audit.i18n import error_text
from audit.model import Audit, AuditHeader, Checklist, Location, User
from audit.people import access, audience
from audit.review import steps as review
from audit.ui import geo
from audit.ui.common import T, esc, get_store, lang, moment
from audit.visits.proof import Position, proof_of, proof_text

STAGE_BADGE = {"draft": "gray", "sent_back": "orange", "submitted": "green", "in_review": "blue",
               "published": "green", "arriving": "violet"}


def stage_badge(header: AuditHeader) -> str:
    s = review.stage(header)
    return f":{STAGE_BADGE[s]}-badge[{T('stage.' + s)}]"


def sent_back_banner(user: User, header: AuditHeader) -> None:
    """On a draft the reviewer returned: why, and where the comments are."""
    if review.stage(header) != "sent_back" or not audience.may_see(user, audience.REVIEW_COMMENTS,
                                                                    header):
        return
    note = next((e.get("note", "") for e in reversed(header.events)
                 if e.get("type") == "sent_back"), "")
    keys = sorted({e.get("key", "") for e in review.sent_back_comments(header)})
    text = T("review.sent_back_banner", note=esc(note) or "—", count=len(keys))
    st.warning(text, icon=":material/undo:")


def sent_back_notes(user: User, header: AuditHeader, checklist: Checklist,
                    go: Callable[[str, str], None]) -> None:
    """Above the walk on a returned draft: each item the reviewer commented on, with the comment
    and a tap that opens the item."""
    if review.stage(header) != "sent_back" or not audience.may_see(user, audience.REVIEW_COMMENTS,
                                                                    header):
        return
    for c in review.sent_back_comments(header):
        key = str(c.get("key", ""))
        item = checklist.item(key)
        if item is None:
            continue
        st.info(f"**{esc(item.text.get(lang()))}**  \n{esc(str(c.get('text', '')))}",
                icon=":material/rate_review:")
        st.button(T("review.open_item"), key=f"review.open.{c.get('at', '')}.{key}",
                  icon=":material/arrow_forward:", type="tertiary", on_click=go,
                  args=(key.partition(".")[0], key))


def item_notes(user: User, header: AuditHeader, key: str) -> None:
    """The reviewer's comments on this item, shown on the item itself."""
    if not audience.may_see(user, audience.REVIEW_COMMENTS, header):
        return
    for c in review.item_comments(header, key):
        st.info(f"{esc(str(c.get('text', '')))}", icon=":material/rate_review:")


def submit_position(audit_id: str) -> Position | None:
    return geo.position_prompt(f"geo.submit.{audit_id}", T("geo.why_submit"))


def panel(user: User, audit: Audit, checklist: Checklist) -> None:
    """Stage, proof (HQ), history; then what this person may do to it."""
    store = get_store()
    header = audit.header
    location = store.get_location(header.location_id)
    region = location.region if location else None
    view = audience.view_of(user, header)
    st.markdown(stage_badge(header))
    if view.sees(audience.POSITIONS):
        _proof(audit, location)
    if access.may(user, access.REVIEW, header, region=region) and header.mode == "mystery":
        _review_actions(user, view, audit, checklist)
    if user.role == "hq":
        _hq_actions(user, audit)
    _history(view, header, location, {f"{sec.id}.{it.id}": f"«{it.text.get(lang())}»"
                                      for sec, it in checklist.items()})


def release_button(user: User, audit_id: str) -> None:
    """Complete an audit held for photos that never left the phone (workflow.release_held)."""
    with st.popover(T("review.release"), icon=":material/done_all:"):
        st.caption(T("review.release_help", hours=limits.HELD_AUDIT_RELEASE_HOURS))
        if st.button(T("review.release"), key=f"release.{audit_id}", type="primary"):
            _do(lambda: workflow.release_held(get_store(), user, audit_id))


def _proof(audit: Audit, location: Location | None) -> None:
    header = audit.header
    lines = []
    for stage in ("start", "submit"):
        event = next((e for e in reversed(header.events)
                      if e.get("type") == "position" and e.get("stage") == stage), None)
        p = proof_of(location, event.get("lat") if event else None,
                     event.get("lon") if event else None)
        lines.append(f"{T('review.proof_' + stage)}: **{proof_text(p, lang())}**")
    for sha, ref in audit.photos.items():
        if ref.gps:
            p = proof_of(location, ref.gps[0], ref.gps[1])
            lines.append(f"{T('review.proof_photo', sha=sha[:8])}: {proof_text(p, lang())}")
    if header.visit_id:
        visit = get_store().get_visit(header.visit_id)
        if visit is not None and visit.on_time is False:
            lines.append(f":orange-badge[{T('visit.outside_window')}]")
    with st.container(border=True, key="proof"):
        st.markdown(f"**{T('review.proof')}**  \n" + "  \n".join(lines))


def _review_actions(user: User, view: audience.View, audit: Audit, checklist: Checklist) -> None:
    store = get_store()
    header = audit.header
    stage = review.stage(header)
    if stage not in ("in_review", "published"):
        return
    texts = {f"{s.id}.{i.id}": f"{s.title.get(lang())} › {i.text.get(lang())}"
             for s, i in checklist.items()}
    keys = list(texts)
    with st.container(border=True, key="review.box"):
        st.markdown(f"**{T('review.title')}**")
        if stage == "in_review":
            with st.form("review.comment", clear_on_submit=True):
                key = st.selectbox(T("review.item"), keys, format_func=texts.__getitem__,
                                   key="review.key")
                text = st.text_area(T("review.comment"), key="review.text", height=80)
                if st.form_submit_button(T("review.add_comment")):
                    _do(lambda: review.comment(store, user, header.id, key or "", text))
            cols = st.columns(2)
            if cols[0].button(T("review.publish"), key="review.publish", type="primary",
                              icon=":material/visibility:", width="stretch"):
                _do(lambda: workflow.publish_reviewed(store, user, header.id))
            with cols[1].popover(T("review.send_back"), icon=":material/undo:", width="stretch"):
                note = st.text_area(T("review.send_back_note"), key="review.note", height=80)
                if st.button(T("review.send_back"), key="review.send_back.go"):
                    _do(lambda: review.send_back(store, user, header.id, note))
        if not view.sees(audience.SHOPPER_GRADE):
            return
        with st.form("review.grade"):
            got = review.latest_grade(header)
            value = st.segmented_control(T("review.grade"), list(review.GRADES),
                                         default=int(got["grade"]) if got else None,
                                         key="review.grade.value")
            note = st.text_input(T("review.grade_note"), key="review.grade.note",
                                 value=str(got.get("note", "")) if got else "")
            if st.form_submit_button(T("review.save_grade")):
                _do(lambda: review.grade(store, user, header.id, int(value or 0), note))


def _do(step) -> None:  # type: ignore[no-untyped-def]
    try:
        step()
    except AppError as err:
        st.error(error_text(err, lang()), icon=":material/block:")
        return
    st.rerun()


def _hq_actions(user: User, audit: Audit) -> None:
    store = get_store()
    cols = st.columns(2)
    if audit.header.mode == "mystery" and audit.header.published and cols[0].button(
            T("ui.unpublish"), key="publish", icon=":material/visibility_off:"):
        _do(lambda: workflow.publish(store, user, audit.id, False))
    with cols[1].popover(T("ui.reopen"), icon=":material/lock_open:"):
        reason = st.text_input(T("ui.reopen_reason"), key="reopen.reason")
        if st.button(T("ui.reopen"), key="reopen.go", disabled=not reason.strip()):
            _do(lambda: audits.reopen(store, user, audit.id, reason.strip()))


def _history(view: audience.View, header: AuditHeader, location: Location | None,
             items: dict[str, str]) -> None:
    who = {header.auditor: audience.auditor_label(view, header, audits.auditor_codes(get_store()))}
    lines = review.history_lines(header, location, lang(), view=view, who=who, items=items)
    with st.expander(T("review.history", count=len(lines)), icon=":material/history:"):
        for ln in lines:
            st.markdown(f":gray[{esc(ln.when)}] · **{esc(ln.who)}** · {esc(ln.what)}")


def submitted_note(header: AuditHeader, location: Location | None) -> str:
    return T("ui.submitted_read_only",
             time=moment(header.submitted_at, location.tz if location else ""))
