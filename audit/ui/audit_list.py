"""The audits page: one audit by id, or the person's drafts and submitted audits."""

from __future__ import annotations

import streamlit as st

from audit import access, audits
from audit.model import Location, SummaryRow, User
from audit.ui.common import T, esc, fmt_score, get_store, level_badge
from audit.ui.walk import page as walk

PAGE = "audit/ui/pages/audits.py"


def render() -> None:
    user = st.session_state["_user"]
    audit_id = st.query_params.get("id")
    if audit_id:
        walk.render(user, audit_id)
        return
    store = get_store()
    rows = audits.visible_summaries(store, user)
    locations = {loc.id: loc for loc in store.list_locations()}
    mine = sorted((r for r in rows if r.auditor == user.name), key=lambda r: r.started_at, reverse=True)
    drafts = [r for r in mine if r.status == "draft"]
    st.header(T("ui.my_drafts"), anchor=False)
    if not drafts:
        st.caption(T("ui.no_drafts"))
        st.page_link("audit/ui/pages/start.py", label=T("ui.start_audit"), icon=":material/add_circle:")
    codes = audits.auditor_codes(store)
    for r in drafts:
        _row(r, locations, user, codes, draft=True)
    done = [r for r in mine if r.status == "submitted"]
    if done:
        st.header(T("ui.my_submitted"), anchor=False)
        for r in done[:30]:
            _row(r, locations, user, codes, draft=False)
    others = sorted((r for r in rows if r.auditor != user.name and r.status == "submitted"),
                    key=lambda r: r.visit_at, reverse=True)
    if others and user.role in ("manager", "hq"):
        st.header(T("ui.recent_network") if user.role == "hq" else T("ui.recent_mine"), anchor=False)
        for r in others[:30]:
            _row(r, locations, user, codes, draft=False)


def _row(r: SummaryRow, locations: dict[str, Location], user: User, codes: dict[str, str], *,
         draft: bool) -> None:
    loc = locations.get(r.location_id)
    name = esc(loc.name) if loc else r.location_id
    when = (r.visit_at or r.started_at)[:16].replace("T", " ")
    with st.container(border=True):
        line = f"**{name}** · {T('mode.' + r.mode)} · {when}"
        if draft:
            line += f"  \n{T('ui.progress', done=r.answered, total=r.total)}"
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
