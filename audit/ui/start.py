"""Start an audit where the person may: location, template, mode, language, visit time."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from audit.audits import capture as audits
from audit.checklist.templates import latest_templates
from audit.core import clock
from audit.core.errors import AppError
from audit.i18n import error_text
from audit.people import access
from audit.ui.common import LANGS, T, get_store, labeller, lang


def browser_zone() -> tzinfo:
    """The shopper's own time zone (the browser says it), else the server's."""
    name = st.context.timezone
    if name:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(name)
    return datetime.now().astimezone().tzinfo or UTC


def render() -> None:
    if st.query_params.get("id"):
        # Switching to the new audit, Streamlit first puts its id on this page's address
        # (/start?id=…, a history entry of its own), so the phone's Back from the walk comes
        # here: it gets the audits list, never a second new-audit form.
        st.switch_page("audit/ui/pages/audits.py")
    user = st.session_state["_user"]
    store = get_store()
    st.header(T("nav.start"), anchor=False)
    modes = access.startable_modes(user)
    mode = modes[0]
    if len(modes) > 1:
        mode = st.segmented_control(T("ui.mode"), modes, default=modes[0], key="start.mode",
                                    format_func=labeller("mode."), width="stretch") or modes[0]
    action = access.START_MYSTERY if mode == "mystery" else access.START_SELF
    locations = [loc for loc in store.list_locations()
                 if loc.active and access.may(user, action, loc.id)]
    if not locations:
        st.info(T("ui.no_locations"), icon=":material/storefront:")
        return
    names = {loc.id: f"{loc.name} — {loc.address}" if loc.address else loc.name for loc in locations}
    location_id = st.selectbox(T("ui.location"), list(names), format_func=names.__getitem__,
                               key="start.location")
    templates = latest_templates(store)
    if not templates:
        st.info(T("ui.no_templates"))
        return
    titles = {c.id: f"{c.title.get(lang())} (v{c.version})" for c in templates}
    template_id = st.selectbox(T("ui.template"), list(titles), format_func=titles.__getitem__,
                               key="start.template")
    audit_lang = st.segmented_control(T("ui.audit_language"), list(LANGS), default=lang(),
                                      key="start.lang", format_func=LANGS.__getitem__) or lang()
    now = clock.now().astimezone(browser_zone())
    cols = st.columns(2)
    day = cols[0].date_input(T("ui.visit_date"), value=now.date(), key="start.date",
                             max_value=now.date())
    time = cols[1].time_input(T("ui.visit_time"), value=now.time().replace(second=0, microsecond=0),
                              key="start.time", step=300)
    if st.button(T("ui.start_audit"), type="primary", icon=":material/play_arrow:", key="start.go",
                 width="stretch"):
        visit = datetime.combine(day, time, tzinfo=now.tzinfo).astimezone(UTC).isoformat()
        try:
            header = audits.start_audit(store, user, location_id=location_id, template_id=template_id,
                                        mode=mode, lang=audit_lang, visit_at=visit)
        except AppError as err:
            st.error(error_text(err, lang()))
            return
        if audit_lang != lang():
            st.session_state["lang"] = audit_lang
        st.switch_page("audit/ui/pages/audits.py", query_params={"id": header.id})
