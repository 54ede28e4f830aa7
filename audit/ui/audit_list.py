"""The audits page: one audit by id, or the person's drafts and submitted audits."""

from __future__ import annotations

import streamlit as st

from audit.audits import capture as audits
from audit.checklist.templates import get_checklist
from audit.core.errors import AppError
from audit.model import Location, SummaryRow, User
from audit.people import access
from audit.scoring.score import progress
from audit.store import AuditFilter
from audit.ui import visits as visits_ui
from audit.ui.common import T, esc, fmt_score, get_store, level_badge, moment
from audit.ui.walk import page as walk

PAGE = "audit/ui/pages/audits.py"
LATEST = 30  # audits a list shows before one picks a month


def render() -> None:
    user = st.session_state["_user"]
    audit_id = st.query_params.get("id")
    if audit_id:
        walk.render(user, audit_id)
        return
    store = get_store()
    if user.role == "reviewer":  # a reviewer's home is what waits for review
        visits_ui.render_review_queue()
        return
    if user.role == "shopper":
        visits_ui.my_visits(user)  # a shopper's home: their planned visits first
    locations = {loc.id: loc for loc in store.list_locations()}
    codes = audits.auditor_codes(store)
    # each list reads the person's own index or their locations' newest months: never the archive
    drafts = store.recent_summaries(AuditFilter(auditor=user.name, status="draft"), limit=None)
    st.header(T("ui.my_drafts"), anchor=False)
    if not drafts:
        st.caption(T("ui.no_drafts"))
        st.page_link("audit/ui/pages/start.py", label=T("ui.start_audit"), icon=":material/add_circle:")
    for r in drafts:
        _row(r, locations, user, codes, draft=True)
    mine = AuditFilter(auditor=user.name, status="submitted")
    if user.role == "manager":
        theirs = AuditFilter(location_ids=user.locations, status="submitted")
        _submitted(user, T("ui.recent_mine"), theirs, locations, codes, key="list.mine")
        return
    _submitted(user, T("ui.my_submitted"), mine, locations, codes, key="list.own")
    if user.role == "hq":
        visits_ui.arriving_list(user, locations)
        others = store.recent_summaries(AuditFilter(status="submitted"), limit=LATEST,
                                        keep=lambda r: r.auditor != user.name)
        if others:
            st.header(T("ui.recent_network"), anchor=False)
            for r in others:
                _row(r, locations, user, codes, draft=False)


def _submitted(user: User, title: str, flt: AuditFilter, locations: dict[str, Location],
               codes: dict[str, str], *, key: str) -> None:
    """The latest submitted audits, or those of a month picked from the months there are."""
    store = get_store()
    months = store.summary_months(flt)
    if not months:
        return
    st.header(title, anchor=False)
    latest = T("ui.latest_n", n=LATEST)  # fixed now: Streamlit may format options later
    month = st.selectbox(T("ui.show_month"), ["", *months], key=key,
                         format_func=lambda m: m or latest)
    rows = store.recent_summaries(flt, month=month or None, limit=None if month else LATEST,
                                  keep=lambda r: access.may(user, access.VIEW_AUDIT, r))
    for r in rows:
        _row(r, locations, user, codes, draft=False)
    if not rows:
        st.caption(T("ui.no_audits_yet"))


def _draft_progress(r: SummaryRow) -> tuple[int, int]:
    """Answered of asked, from the draft itself: a tap writes only the audit's file, so the
    row's count is the one of its start (a person has a few drafts; each is one small file)."""
    store = get_store()
    try:
        audit = store.get_audit(r.audit_id)
        checklist = get_checklist(store, r.template_id, r.template_version)
    except AppError:
        return r.answered, r.total
    if audit is None:
        return r.answered, r.total
    return progress(checklist, audit.answers, photos=audit.photos)[""]


def _row(r: SummaryRow, locations: dict[str, Location], user: User, codes: dict[str, str], *,
         draft: bool) -> None:
    loc = locations.get(r.location_id)
    name = esc(loc.name) if loc else r.location_id
    when = moment(r.visit_at or r.started_at, loc.tz if loc else "")
    with st.container(border=True):
        line = f"**{name}** · {T('mode.' + r.mode)} · {when}"
        if draft:
            done, total = _draft_progress(r)
            line += f"  \n{T('ui.progress', done=done, total=total)}"
        else:
            line += f"  \n{fmt_score(r.overall)} {level_badge(r.level)}"
            if r.critical:
                line += " :red-badge[" + T("ui.critical") + "]"
            if r.mode == "mystery" and user.role != "shopper":
                line += f" · {esc(access.auditor_label(user, r, codes))}"
        st.markdown(line)
        st.page_link(PAGE, label=T("ui.resume") if draft else T("ui.open"),
                     icon=":material/edit:" if draft else ":material/visibility:",
                     query_params={"id": r.audit_id})
