"""The audit page: the walk (an element on the phone), the review and submit, the read-only audit."""

from __future__ import annotations

import streamlit as st

from audit import workflow
from audit.audits import capture as audits
from audit.checklist.templates import get_checklist
from audit.core.errors import AppError, NotFound
from audit.i18n import answer_text, error_text, explain
from audit.model import Audit, Checklist, Location, User, item_key
from audit.people import access, handoff
from audit.scoring.score import missing_for_submit, score_audit
from audit.ui import items, review_panel, since
from audit.ui.common import T, esc, fmt_num, fmt_score, get_store, lang, level_badge, session_token
from audit.ui.walk import component

REVIEW = component.REVIEW


def _view_key(audit_id: str) -> str:
    return f"_walk_view.{audit_id}"


def _navigate(audit_id: str, view: str, focus: str | None = None) -> None:
    """Callback: show `view` (a section or the review) in the next run, and say so to the phone."""
    _, _, nav = st.session_state.get(_view_key(audit_id), ("", None, 0))
    st.session_state[_view_key(audit_id)] = (view, focus, nav + 1)


def current_view(audit: Audit, checklist: Checklist) -> tuple[str, str | None, int]:
    """(view, item to open, navigation count) that Python asks the element to show.

    "" means "where the shopper was": the element knows better than the server, since
    section moves wait in the phone's outbox like answers do. A link's ?s=… is followed
    once; Python moves the element itself only for the review and for a missing item.
    """
    ids = [s.id for s in checklist.sections] + [REVIEW]
    key = _view_key(audit.id)
    link = st.query_params.get("s")
    if link in ids:
        st.query_params.pop("s", None)  # a link is followed once; then the audit remembers
        _navigate(audit.id, str(link))
    view, focus, nav = st.session_state.get(key, ("", None, 0))
    return (view if view in ids else ""), focus, nav


def render(user: User, audit_id: str) -> None:
    """The audit page for one audit: walkthrough while a draft, read-only once submitted."""
    store = get_store()
    try:
        header = audits.load_header(store, user, audit_id)
        checklist = get_checklist(store, header.template_id, header.template_version)
    except NotFound:
        st.warning(T("err.not_found"), icon=":material/search_off:")
        st.page_link("audit/ui/pages/audits.py", label=T("ui.my_audits"), icon=":material/list:")
        return
    location = store.get_location(header.location_id)
    title = f"{location.name if location else header.location_id} · {checklist.title.get(lang())}"
    st.markdown(esc(title) + f" · {T('mode.' + header.mode)}")
    editable = header.status == "draft" and access.may(user, access.EDIT_AUDIT, header)
    if editable and not st.query_params.get("photo"):
        _walk(user, header.id, location)
        return
    audit = audits.load_audit(store, user, audit_id)
    photo = st.query_params.get("photo")
    if photo:
        _photo_page(user, audit, photo)
    else:
        _read_only(user, audit, checklist)


def _walk(user: User, audit_id: str, location: Location | None) -> None:
    """The element walks the sections on the phone; Python draws the review under it."""
    store = get_store()
    try:
        audit = audits.load_audit(store, user, audit_id)
    except NotFound:
        st.warning(T("err.not_found"))
        return
    checklist = get_checklist(store, audit.header.template_id, audit.header.template_version)
    review_panel.sent_back_banner(user, audit.header)
    review_panel.sent_back_notes(user, audit.header, checklist,
                                 lambda section, key: _navigate(audit.id, section, key))
    view, focus, nav = current_view(audit, checklist)
    if audit.header.arriving:  # submitted on the phone: its review, while the photos go
        view = REVIEW
    token = session_token() or ""
    data = component.walk_data(audit, checklist, lang=lang(), user=user.name,
                               csrf=handoff.csrf_token(token), ticket=None, view=view,
                               focus=focus, location=location, photos=store.photo_files())
    data["nav"] = nav
    result = component.mount(data)
    view = _follow_phone(audit, component.phone_view(result, audit.id,
                                                     [s.id for s in checklist.sections]), view, nav)
    if view == REVIEW:
        # keyed: the walk hides this container the moment the shopper leaves the review
        with st.container(key="walk-review"):
            _review(user, audit, checklist, component.holds(result, audit.id))


def _follow_phone(audit: Audit, shown: component.PhoneView | None, view: str, nav: int) -> str:
    """The view to draw under the walk: the phone's own move to or from the review stands when
    it came after Python's latest move (the same navigation count); it is kept, not counted as
    a move of Python's, so the walk is never sent back where it already is."""
    if shown is None or shown.nav != nav or audit.header.arriving:
        return view
    # off the review, the section is "where the shopper was": the phone knows it best
    followed = REVIEW if shown.view == REVIEW else ("" if view == REVIEW else view)
    if followed != view:
        st.session_state[_view_key(audit.id)] = (followed, None, nav)
    return followed


def _review(user: User, audit: Audit, checklist: Checklist,
            holds: component.PhoneHolds | None) -> None:
    """The server's score once the answers are all on it; what the phone still holds counted
    as given (answers: no score until they arrive; photos: Submit does not wait for them)."""
    store = get_store()
    if audit.header.arriving:  # submitted on the phone: the walk keeps sending the photos
        _score_header(score_audit(checklist, audit.answers), checklist)
        st.info(T("ui.arriving", count=len(audit.header.arriving)), icon=":material/cloud_upload:")
        location = store.get_location(audit.header.location_id)
        if access.may(user, access.RELEASE_HELD, audit.header,
                      region=location.region if location else None):
            review_panel.release_button(user, audit.id)  # the reviewer or HQ opening it
        return
    if holds is None or holds.answers:
        # answers on the phone would change the score and what is missing: neither is shown
        st.info(T("ui.outbox_waiting") if holds is None
                else T("ui.on_phone", count=holds.count), icon=":material/cloud_upload:")
        _delete_button(user, audit.id)
        return
    score = score_audit(checklist, audit.answers)
    on_phone = {key for key, _ in holds.photos}
    missing = [(key, what) for key, what in
               missing_for_submit(checklist, audit.answers, score, photos=audit.photos)
               if not (what == "photo" and key in on_phone)]
    _score_header(score, checklist)
    if missing:
        st.warning(T("ui.missing_title", count=len(missing)), icon=":material/checklist:")
        for key, what in missing:
            item = items.checklist_item(checklist, key)
            section_id = key.split(".")[0]
            section = checklist.section(section_id)
            label = (f"{esc(section.title.get(lang()))} › "  # type: ignore[union-attr]
                     f"{esc(item.text.get(lang()))}")
            st.button(f"{T('ui.missing_' + what)}: {label}", key=f"miss.{key}.{what}",
                      on_click=_navigate, args=(audit.id, section_id, key),
                      icon=":material/arrow_forward:", type="tertiary")
    _findings(checklist, audit, score)
    _skipped(checklist, score)
    position = review_panel.submit_position(audit.id)
    preparing = any(not sha for _, sha in holds.photos)  # its hash is what the server waits for
    if st.button(T("ui.submit"), type="primary", icon=":material/send:", key="submit",
                 width="stretch", disabled=preparing):
        try:
            workflow.submit_from_phone(store, user, audit.id, holds.photos, position=position)
        except audits.SubmitRefused as err:
            st.error(error_text(err, lang()), icon=":material/block:")
            return
        except AppError as err:
            st.error(error_text(err, lang()))
            return
        st.rerun(scope="app")
    if holds.photos:  # last on the screen: when it goes, nothing above it moves
        st.info(T("ui.photos_on_phone", count=len(holds.photos)), icon=":material/cloud_upload:")
    _delete_button(user, audit.id)


def _delete_button(user: User, audit_id: str) -> None:
    st.button(T("ui.delete_draft"), icon=":material/delete:", key="delete", type="tertiary",
              on_click=st.session_state.__setitem__, args=("_confirm_delete", audit_id))
    if st.session_state.get("_confirm_delete") == audit_id:
        _confirm_delete(user, audit_id)


def _forget_delete() -> None:
    st.session_state.pop("_confirm_delete", None)


@st.dialog(" ", on_dismiss=_forget_delete)
def _confirm_delete(user: User, audit_id: str) -> None:
    """Asked until answered: the question survives reruns, closing it means no."""
    st.write(T("ui.delete_confirm"))
    cols = st.columns(2)
    if cols[0].button(T("ui.delete_yes"), type="primary", key="delete.yes"):
        _forget_delete()
        try:
            audits.delete_draft(get_store(), user, audit_id)
        except AppError as err:
            st.error(error_text(err, lang()))
            return
        st.query_params.clear()
        st.rerun(scope="app")
    if cols[1].button(T("ui.cancel"), key="delete.no"):
        _forget_delete()
        st.rerun(scope="app")


def _score_header(score, checklist: Checklist) -> None:  # type: ignore[no-untyped-def]
    """The score, its level and a line per section, as plain text: nothing in it waits for a
    script to load and then changes its size."""
    _score_line(score)
    _section_scores(score, checklist)


def _score_line(score) -> None:  # type: ignore[no-untyped-def]
    st.markdown(f"{T('score.overall')}: **{fmt_score(score.overall)}** {level_badge(score.level)}")
    if score.is_critical_failure:
        st.error(T("ui.critical_banner", computed=fmt_score(score.computed),
                   capped=fmt_score(score.overall)), icon=":material/report:")


def _section_scores(score, checklist: Checklist) -> None:  # type: ignore[no-untyped-def]
    rows = [f"| {T('ui.section')} | % | {T('ui.points')} |", "| :-- | --: | --: |"]
    for sec, s in zip(checklist.sections, score.sections, strict=True):
        title = esc(sec.title.get(lang())).replace("|", "\\|")
        rows.append(f"| {title} | {fmt_score(s.percent)} | {fmt_num(s.earned)} / {fmt_num(s.possible)} |")
    st.markdown("\n".join(rows))


def _findings(checklist: Checklist, audit: Audit, score) -> None:  # type: ignore[no-untyped-def]
    since.findings(checklist, audit, score)


def _skipped(checklist: Checklist, score) -> None:  # type: ignore[no-untyped-def]
    """Items a condition left out, each with the answer that would have asked it."""
    hidden = [i for s in score.sections for i in s.items if i.reason[0] == "hidden"]
    if not hidden:
        return
    with st.expander(T("ui.skipped_items", count=len(hidden)), icon=":material/visibility_off:"):
        for s in hidden:
            item = items.checklist_item(checklist, s.key)
            st.markdown(f"{esc(item.text.get(lang()))}  \n:gray[{esc(explain(item, s, lang(), checklist))}]")


def _read_only(user: User, audit: Audit, checklist: Checklist) -> None:
    from audit.ui import actions as actions_ui
    from audit.ui import report_buttons

    score = score_audit(checklist, audit.answers)
    st.info(review_panel.submitted_note(audit.header, get_store().get_location(
        audit.header.location_id)), icon=":material/lock:")
    _score_line(score)
    since.since_block(user, audit, checklist, score)  # at the top: what changed since last time
    _section_scores(score, checklist)
    report_buttons.audit_pdf_button(user, audit, checklist)
    actions_ui.plan_link(user, audit.id)
    review_panel.panel(user, audit, checklist)
    _findings(checklist, audit, score)
    for section, s in zip(checklist.sections, score.sections, strict=True):
        shown = [(item, si) for item, si in zip(section.items, s.items, strict=True)
                 if si.reason[0] != "hidden"]
        if not shown:
            continue
        with st.expander(f"{esc(section.title.get(lang()))} · {fmt_score(s.percent)}"):
            for item, si in shown:
                key = item_key(section, item)
                ans = audit.answers.get(key)
                line = f"**{esc(item.text.get(lang()))}**  \n{esc(answer_text(item, ans, lang()))}"
                if si.reason[0] == "section_na":
                    line += f" · :gray[{esc(explain(item, si, lang()))}]"
                if si.possible:
                    line += f" · :gray[{fmt_num(si.earned)}/{fmt_num(si.possible)}]"
                if ans and ans.comment:
                    line += f"  \n💬 {esc(ans.comment)}"
                st.markdown(line)
                if ans and ans.photos:
                    items.photo_block(user, audit, key)


def _photo_page(user: User, audit: Audit, sha: str) -> None:
    """?photo=SHA: the display copy, if this photo belongs to an audit the person may see."""
    ref = audit.photos.get(sha)
    attached = any(sha in a.photos for a in audit.answers.values())
    if ref is None or not attached:
        st.warning(T("err.not_found"), icon=":material/search_off:")
        return
    try:
        st.image(get_store().photo_files().get(sha, "display"))
    except KeyError:
        st.warning(T("err.not_found"))
        return
    st.caption(items.photo_caption(user, audit, ref))
    st.page_link("audit/ui/pages/audits.py", label=T("ui.back"), icon=":material/arrow_back:",
                 query_params={"id": audit.id})
