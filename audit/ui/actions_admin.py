"""Admin → Actions and e-mail: per-checklist action settings, SMTP status, the outbox."""

from __future__ import annotations

import streamlit as st

from audit.actions import service as actions
from audit.checklist.templates import latest_templates
from audit.core.addresses import visible
from audit.core.clock import now_iso
from audit.core.errors import AppError
from audit.i18n import error_text
from audit.notify import outbox as notify
from audit.ui.common import T, esc, get_store, labeller, lang, moment


def render() -> None:
    settings_form()
    st.divider()
    email_status()


def settings_form() -> None:
    store = get_store()
    user = st.session_state["_user"]
    templates = latest_templates(store)
    if not templates:
        return
    titles = {c.id: c.title.get(lang()) for c in templates}
    template_id = st.selectbox(T("ui.act.settings_for"), list(titles), key="actset.template",
                               format_func=titles.__getitem__)
    current = actions.action_settings(store, template_id)
    people = [u.name for u in store.list_users() if u.role != "shopper" and not u.disabled]
    with st.form(f"actset.{template_id}"):
        auto = st.segmented_control(T("ui.act.auto"), list(actions.AUTO_MODES), default=current.auto,
                                    key=f"actset.auto.{template_id}", format_func=labeller("ui.act.auto."))
        min_loss = st.number_input(T("ui.act.min_loss"), min_value=0.0, max_value=100.0, step=0.5,
                                   value=float(current.min_loss), key=f"actset.min.{template_id}")
        cols = st.columns(2)
        critical = cols[0].number_input(T("ui.act.due_critical"), 0, 365, current.due_critical,
                                        key=f"actset.dc.{template_id}")
        other = cols[1].number_input(T("ui.act.due_other"), 0, 365, current.due_other,
                                     key=f"actset.do.{template_id}")
        owner = st.selectbox(T("ui.act.default_owner"), ["", *people], key=f"actset.owner.{template_id}",
                             index=([""] + people).index(current.owner) if current.owner in people else 0,
                             format_func=lambda n: n or "—")
        go = st.form_submit_button(T("ui.save"), type="primary")
    if go:
        try:
            actions.set_action_settings(store, user, template_id, actions.ActionSettings(
                auto=auto or "all", min_loss=float(min_loss), due_critical=int(critical),
                due_other=int(other), owner=owner or ""))
        except AppError as err:
            st.error(error_text(err, lang()))
        else:
            st.success(T("ui.saved"))


def email_status() -> None:
    store = get_store()
    user = st.session_state["_user"]
    st.subheader(T("ui.smtp"), anchor=False)
    found = notify.smtp_settings()
    if found is None:
        st.warning(T("ui.smtp.off"), icon=":material/mail_lock:")
    else:
        st.info(T("ui.smtp.on", host=esc(found.host), port=found.port, security=found.security,
                  sender=esc(found.sender)), icon=":material/mail:")
        if not found.app_url:
            st.warning(T("ui.smtp.no_app_url"), icon=":material/link_off:")
    status = store.outbox_status()
    cols = st.columns(2)
    cols[0].metric(T("ui.smtp.pending"), status.pending)
    cols[1].metric(T("ui.smtp.dead"), status.dead)
    last_sent = moment(status.last_sent_at) if status.last_sent_at else T("ui.smtp.never")
    st.markdown(f"**{T('ui.smtp.last_sent')}:** {last_sent}  \n"
                f"**{T('ui.smtp.last_error')}:** "
                + (f"{moment(status.last_error_at)} — {esc(status.last_error)}"
                   if status.last_error else "—"))
    for m in store.list_messages(("dead", "pending"), limit=20):
        if not m.last_error:
            continue
        with st.container(border=True, key=f"outbox.{m.id}"):
            state = T("ui.smtp.failed") if m.status == "dead" else T("ui.smtp.will_retry")
            st.markdown(f"{esc(visible(m.to))} · {esc(m.subject)}  \n"
                        f"**{state}** · {T('ui.smtp.attempts', count=m.attempts)}  \n"
                        f":red[{esc(m.last_error)}]")
            if m.status == "dead" and st.button(T("ui.smtp.retry"), key=f"outbox.retry.{m.id}"):
                store.retry_message(m.id, now_iso())
                st.rerun()
    if st.button(T("ui.smtp.test"), key="smtp.test", icon=":material/outgoing_mail:"):
        if not user.email:
            st.error(T("ui.smtp.no_email"))
        else:
            notify.queue_test(store, user)
            st.success(T("ui.smtp.test_queued", to=esc(user.email)))
