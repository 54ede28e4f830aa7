"""Admin → Integrations: API tokens (made, shown once, revoked), webhook endpoints, deliveries."""

from __future__ import annotations

import streamlit as st

from audit.core.clock import now_iso
from audit.core.errors import AppError
from audit.i18n import error_text
from audit.model.integrations import EVENTS, SCOPES
from audit.notify import webhooks
from audit.people import tokens
from audit.ui.common import T, esc, get_store, lang


def _when(at: str) -> str:
    return at[:16].replace("T", " ")


def render() -> None:
    _tokens()
    _webhooks()


def _tokens() -> None:
    store = get_store()
    user = st.session_state["_user"]
    st.subheader(T("integ.tokens"), anchor=False)
    st.caption(T("integ.tokens_help"))
    locations = store.list_locations()
    regions = sorted({loc.region for loc in locations if loc.region})
    shown = st.session_state.pop("integ.new_token", None)
    if shown:
        st.success(T("integ.token_shown_once"), icon=":material/key:")
        st.code(shown, language=None)
    with st.form("integ.token.add", clear_on_submit=True):
        name = st.text_input(T("integ.token_name"), key="integ.token.name")
        scope = st.radio(T("integ.token_scope"), SCOPES, horizontal=True, key="integ.token.scope")
        locs = st.multiselect(T("integ.token_locations"), [loc.id for loc in locations],
                              format_func=lambda i: next((loc.name for loc in locations if loc.id == i), i),
                              key="integ.token.locations")
        regs = st.multiselect(T("integ.token_regions"), regions, key="integ.token.regions")
        if st.form_submit_button(T("integ.token_create"), icon=":material/add:"):
            try:
                secret, _ = tokens.issue_token(store, name, scope, by=user.name,
                                               locations=tuple(locs), regions=tuple(regs))
            except AppError as err:
                st.error(error_text(err, lang()))
            else:
                st.session_state["integ.new_token"] = secret
                st.rerun()
    for tk in reversed(store.list_tokens()):
        with st.container(border=True, key=f"integ.token.{tk.id}"):
            where = ", ".join(tk.locations + tk.regions) or T("integ.network")
            used = (T("integ.token_last_used", at=_when(tk.last_used_at)) if tk.last_used_at
                    else T("integ.token_never_used"))
            state = T("integ.token_revoked", at=_when(tk.revoked_at)) if tk.revoked_at else used
            st.markdown(f"**{esc(tk.name)}** · `{tk.id}` · {tk.scope} · {esc(where)}  \n{esc(state)}")
            if not tk.revoked_at and st.button(T("integ.token_revoke"), key=f"integ.revoke.{tk.id}",
                                               icon=":material/block:"):
                tokens.revoke_token(store, tk.id, by=user.name, now=now_iso())
                st.rerun()


def _webhooks() -> None:
    """Endpoints and deliveries (audit.notify.webhooks)."""
    store = get_store()
    user = st.session_state["_user"]
    st.subheader(T("integ.webhooks"), anchor=False)
    secret = st.session_state.pop("integ.new_secret", None)
    if secret:
        st.success(T("integ.webhook_secret"), icon=":material/key:")
        st.code(secret, language=None)
    with st.form("integ.webhook.add", clear_on_submit=True):
        url = st.text_input(T("integ.webhook_url"), key="integ.webhook.url")
        events = st.multiselect(T("integ.webhook_events"), EVENTS, default=list(EVENTS),
                                key="integ.webhook.events")
        if st.form_submit_button(T("integ.webhook_add"), icon=":material/add_link:"):
            try:
                endpoint = webhooks.add_endpoint(store, url, tuple(events), by=user.name)
            except AppError as err:
                st.error(error_text(err, lang()))
            else:
                st.session_state["integ.new_secret"] = endpoint.secret
                st.rerun()
    urls = {}
    for ep in store.list_endpoints():
        urls[ep.id] = ep.url
        if ep.disabled:
            continue
        with st.container(border=True, key=f"integ.endpoint.{ep.id}"):
            st.markdown(f"`{esc(ep.url)}`  \n{esc(', '.join(ep.events))}")
            if st.button(T("integ.webhook_disable"), key=f"integ.disable.{ep.id}"):
                webhooks.disable_endpoint(store, ep.id)
                st.rerun()
    st.markdown(f"**{T('integ.deliveries')}**")
    found = store.list_deliveries(("pending", "dead", "sent"), limit=30)
    if not found:
        st.caption(T("integ.no_deliveries"))
    for d in found:
        with st.container(border=True, key=f"integ.delivery.{d.id}"):
            error = f" — {d.last_error}" if d.last_error else ""
            st.markdown(esc(T("integ.delivery_line", event=d.event, url=urls.get(d.endpoint_id, "?"),
                              status=d.status, attempts=d.attempts, error=error)))
            if d.status != "sent" and d.attempts and st.button(
                    T("integ.send_again"), key=f"integ.again.{d.id}", icon=":material/replay:"):
                store.retry_delivery(d.id, now_iso())
                st.rerun()
