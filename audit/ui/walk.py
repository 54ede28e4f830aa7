"""The walkthrough: one section per screen, progress, review, submit; the audit id in the URL."""

from __future__ import annotations

import contextlib

import streamlit as st

from audit import access, audits, visits
from audit.conditions import Visibility, visibility
from audit.i18n import answer_text, error_text, explain
from audit.model import Audit, Checklist, Section, User, item_key
from audit.scoring import AnswerError, missing_for_submit, progress, score_audit, score_item
from audit.store import NotFound, StoreError
from audit.templates import get_checklist
from audit.ui import items, review_panel
from audit.ui.common import T, esc, fmt_score, get_store, lang, level_badge

REVIEW = "review"


def current_section(user: User, audit: Audit, checklist: Checklist) -> str:
    """The section to show: a link's ?s=… when it is new, else where this audit was left.

    The section is remembered with the audit rather than written into the URL: in a multipage
    app Streamlit 1.67 shows query-string changes in the address bar one run late, so a reload
    would land on the section before. Remembered with the audit, a reload, another device or
    a phone waking up all resume where the shopper was.
    """
    ids = [s.id for s in checklist.sections] + [REVIEW]
    key, seen_key = f"_section.{audit.id}", f"_section_link.{audit.id}"
    target = st.session_state.pop("_goto", None)
    link = st.query_params.get("s")
    if target is None and link in ids and link != st.session_state.get(seen_key):
        target = link
        st.query_params.pop("s", None)  # a link is followed once; then the audit remembers
    st.session_state[seen_key] = link
    if target in ids:
        st.session_state[key] = target
        with contextlib.suppress(StoreError):  # a convenience; the answers are what matter
            audits.set_section(get_store(), user, audit.id, target)
    elif st.session_state.get(key) not in ids:
        st.session_state[key] = audit.header.section if audit.header.section in ids else ids[0]
    return str(st.session_state[key])


def go(section_id: str) -> None:
    """Callback: show another section in the run that follows."""
    st.session_state["_goto"] = section_id


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
    st.caption(esc(title) + f" · {T('mode.' + header.mode)}")
    editable = header.status == "draft" and access.may(user, access.EDIT_AUDIT, header)
    if editable and not st.query_params.get("photo"):
        _walk(user, header.id)
        return
    audit = audits.load_audit(store, user, audit_id)
    photo = st.query_params.get("photo")
    if photo:
        _photo_page(user, audit, photo)
    else:
        _read_only(user, audit, checklist)


@st.fragment
def _walk(user: User, audit_id: str) -> None:
    """A tap reruns only this: the answers of one section and the progress above them."""
    store = get_store()
    try:
        audit = audits.load_audit(store, user, audit_id)
    except NotFound:
        st.warning(T("err.not_found"))
        return
    if not audit.is_draft:
        st.rerun(scope="app")
    checklist = get_checklist(store, audit.header.template_id, audit.header.template_version)
    location = store.get_location(audit.header.location_id)
    vis = visibility(checklist, audit.answers)
    prog = progress(checklist, audit.answers, vis)
    done, total = prog[""]
    st.progress(done / total if total else 0.0, text=T("ui.progress", done=done, total=total))
    review_panel.sent_back_banner(audit.header)

    # a section whose condition does not match is left out, as if the checklist had none
    ids = [s.id for s in checklist.sections if vis.shows_section(s.id)] + [REVIEW]
    names = {s.id: s.title.get(lang()) for s in checklist.sections} | {REVIEW: T("ui.review")}

    def label(sid: str) -> str:
        if sid == REVIEW:
            return "✔ " + names[sid]
        d, n = prog[sid]
        mark = "●" if d == n else ("◐" if d else "○")
        return f"{mark} {names[sid]} · {d}/{n}"

    current = current_section(user, audit, checklist)
    if current not in ids:  # hidden by an answer given since: the next section that shows
        order = [s.id for s in checklist.sections]
        current = next((sid for sid in order[order.index(current):] if sid in ids), REVIEW)
    idx = ids.index(current)
    nav = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
    nav.button("", icon=":material/chevron_left:", key="nav.back", disabled=idx == 0,
               on_click=go, args=(ids[max(0, idx - 1)],), help=T("ui.back"))
    nav.selectbox(T("ui.jump"), ids, index=idx, format_func=label, key=f"nav.jump.{current}",
                  label_visibility="collapsed", on_change=_jump, args=(f"nav.jump.{current}",),
                  width="stretch")
    nav.button("", icon=":material/chevron_right:", key="nav.next",
               disabled=idx == len(ids) - 1, on_click=go, args=(ids[min(len(ids) - 1, idx + 1)],),
               help=T("ui.next"), type="primary")

    if current == REVIEW:
        _review(user, audit, checklist)
        return
    section = checklist.section(current)
    assert section is not None  # noqa: S101  current_section only returns known ids
    st.subheader(section.title.get(lang()), anchor=False)
    if section.description:
        st.caption(section.description.get(lang()))
    # a section answered N/A as a whole has nothing left to answer
    skipped = section.na and _section_na(user, audit.id, section, vis)
    section_items = [] if skipped else [i for i in section.items if vis.shows(item_key(section, i))]
    for item in section_items:
        key = item_key(section, item)
        s = score_item(item, key, audit.answers.get(key))  # this section only: taps stay cheap
        with st.container(border=True, key=f"box.{key}"):
            head = f"**{esc(item.text.get(lang()))}**"
            if item.critical:
                head += " :red-badge[" + T("ui.critical") + "]"
            if item.required and item.is_scored:
                head += " :gray[*]"
            st.markdown(head)
            if item.guidance:
                with st.expander(T("ui.guidance"), icon=":material/info:"):
                    st.markdown(esc(item.guidance.get(lang())))
            review_panel.item_notes(audit.header, key)
            items.item_widget(user, audit, item, key, location=location)
            ans = audit.answers.get(key)
            needs_photo = item.photo == "required" or item.type == "photo" or (
                item.photo == "on_fail" and s.is_finding)
            n_photos = len(ans.photos) if ans else 0
            comment = ans.comment if ans else ""
            extra = T("ui.comment_photos", photos=n_photos) + (" · 💬" if comment else "")
            if needs_photo and not n_photos and not (ans and ans.na):
                st.warning(T("ui.photo_needed"), icon=":material/photo_camera:")
            with st.expander(extra, icon=":material/add_a_photo:",
                             expanded=needs_photo or bool(n_photos)):
                items.photo_block(user, audit, key, disabled=False, want=needs_photo)
                items.comment_block(user, audit, key, disabled=False)
    bottom = st.container(horizontal=True, gap="small")
    if idx > 0:
        bottom.button(T("ui.back"), icon=":material/chevron_left:", key="nav.back2",
                      on_click=go, args=(ids[idx - 1],), width="stretch")
    bottom.button(T("ui.next") if idx < len(ids) - 2 else T("ui.review"),
                  icon=":material/chevron_right:", key="nav.next2", type="primary",
                  on_click=go, args=(ids[idx + 1],), width="stretch")


def _section_na(user: User, audit_id: str, section: Section, vis: Visibility) -> bool:
    """The one-tap "this section does not apply" with its reason, or the way back; True when N/A."""
    reason = vis.na_sections.get(section.id)
    if reason is not None:
        st.info(T("ui.section_na_done", reason=esc(reason)), icon=":material/block:")
        st.button(T("ui.section_na_undo"), key=f"na.{section.id}.undo", icon=":material/undo:",
                  on_click=_set_section_na, args=(user, audit_id, section.id, "", False))
        return True
    default = section.na_reason.get(lang()) if section.na_reason else ""
    if default:
        st.button(T("ui.section_na_tap", reason=default), key=f"na.{section.id}", icon=":material/block:",
                  on_click=_set_section_na, args=(user, audit_id, section.id, default, True), width="stretch")
    else:
        with st.popover(T("ui.section_na"), icon=":material/block:", width="stretch"):
            st.text_input(T("ui.section_na_reason"), key=f"na.{section.id}.reason", max_chars=500)
            st.button(T("ui.section_na"), key=f"na.{section.id}", on_click=_set_section_na,
                      args=(user, audit_id, section.id, None, True))
    err = st.session_state.get(f"_na_err.{section.id}")
    if err:
        st.error(err, icon=":material/error:")
    return False


def _set_section_na(user: User, audit_id: str, section_id: str, reason: str | None, na: bool) -> None:
    if reason is None:  # typed in the popover
        reason = st.session_state.get(f"na.{section_id}.reason") or ""
    st.session_state.pop(f"_na_err.{section_id}", None)
    try:
        audits.set_section_na(get_store(), user, audit_id, section_id, reason, na=na)
    except (AnswerError, StoreError) as err:
        st.session_state[f"_na_err.{section_id}"] = error_text(err, lang())


def _jump(key: str) -> None:
    go(st.session_state[key])


def _review(user: User, audit: Audit, checklist: Checklist) -> None:
    store = get_store()
    score = score_audit(checklist, audit.answers)
    missing = missing_for_submit(checklist, audit.answers, score)
    st.subheader(T("ui.review"), anchor=False)
    _score_header(score, checklist)
    if missing:
        st.warning(T("ui.missing_title", count=len(missing)), icon=":material/checklist:")
        for key, what in missing:
            item = items.checklist_item(checklist, key)
            section_id = key.split(".")[0]
            label = f"{checklist.section(section_id).title.get(lang())} › {item.text.get(lang())}"  # type: ignore[union-attr]
            st.button(f"{T('ui.missing_' + what)}: {label}", key=f"miss.{key}.{what}",
                      on_click=go, args=(section_id,), icon=":material/arrow_forward:",
                      type="tertiary")
    _findings(checklist, audit, score)
    _skipped(checklist, score)
    position = review_panel.submit_position(audit.id)
    if st.button(T("ui.submit"), type="primary", icon=":material/send:", key="submit",
                 width="stretch"):
        try:
            visits.submit(store, user, audit.id, position=position)
        except audits.SubmitRefused as err:
            st.error(error_text(err, lang()), icon=":material/block:")
            return
        except StoreError as err:
            st.error(error_text(err, lang()))
            return
        st.rerun(scope="app")
    st.button(T("ui.delete_draft"), icon=":material/delete:", key="delete", type="tertiary",
              on_click=st.session_state.__setitem__, args=("_confirm_delete", audit.id))
    if st.session_state.get("_confirm_delete") == audit.id:
        _confirm_delete(user, audit.id)


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
        except StoreError as err:
            st.error(error_text(err, lang()))
            return
        st.query_params.clear()
        st.rerun(scope="app")
    if cols[1].button(T("ui.cancel"), key="delete.no"):
        _forget_delete()
        st.rerun(scope="app")


def _score_header(score, checklist: Checklist) -> None:  # type: ignore[no-untyped-def]
    cols = st.columns(2)
    cols[0].metric(T("score.overall"), fmt_score(score.overall))
    cols[1].markdown(f"{level_badge(score.level)}")
    if score.is_critical_failure:
        st.error(T("ui.critical_banner", computed=fmt_score(score.computed),
                   capped=fmt_score(score.overall)), icon=":material/report:")
    rows = []
    for sec, s in zip(checklist.sections, score.sections, strict=True):
        rows.append({T("ui.section"): sec.title.get(lang()), "%": s.percent,
                     T("ui.points"): f"{s.earned:g} / {s.possible:g}"})
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"%": st.column_config.ProgressColumn("%", min_value=0,
                                                                     max_value=100, format="%.0f")})


def _findings(checklist: Checklist, audit: Audit, score) -> None:  # type: ignore[no-untyped-def]
    findings = sorted(score.findings, key=lambda f: (not f.is_critical_failure,
                                                     -(f.possible - f.earned)))
    if not findings:
        return
    with st.expander(T("ui.why_points_lost", count=len(findings)), expanded=True,
                     icon=":material/trending_down:"):
        for f in findings:
            item = items.checklist_item(checklist, f.key)
            mark = "🔴 " if f.is_critical_failure else ""
            st.markdown(f"{mark}**{esc(item.text.get(lang()))}** — "
                        f"{esc(answer_text(item, audit.answers.get(f.key), lang()))}  \n"
                        f":gray[{esc(explain(item, f, lang(), checklist))}]")


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
    _score_header(score, checklist)
    report_buttons.audit_pdf_button(user, audit, checklist)
    actions_ui.plan_link(user, audit.id)
    review_panel.panel(user, audit, checklist)
    _findings(checklist, audit, score)
    for section, s in zip(checklist.sections, score.sections, strict=True):
        shown = [(item, si) for item, si in zip(section.items, s.items, strict=True)
                 if si.reason[0] != "hidden"]
        if not shown:
            continue
        with st.expander(f"{section.title.get(lang())} · {fmt_score(s.percent)}"):
            for item, si in shown:
                key = item_key(section, item)
                ans = audit.answers.get(key)
                line = f"**{esc(item.text.get(lang()))}**  \n{esc(answer_text(item, ans, lang()))}"
                if si.reason[0] == "section_na":
                    line += f" · :gray[{esc(explain(item, si, lang()))}]"
                if si.possible:
                    line += f" · :gray[{si.earned:g}/{si.possible:g}]"
                if ans and ans.comment:
                    line += f"  \n💬 {esc(ans.comment)}"
                st.markdown(line)
                if ans and ans.photos:
                    items.photo_block(user, audit, key, disabled=True, want=False)


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
    if user.role == "hq" and ref.gps:
        st.caption(f"GPS {ref.gps[0]:.5f}, {ref.gps[1]:.5f}")
    st.page_link("audit/ui/pages/audits.py", label=T("ui.back"), icon=":material/arrow_back:",
                 query_params={"id": audit.id})
