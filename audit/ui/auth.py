"""Sign-in, first run (first HQ account or demo data), sign-out, language."""

from __future__ import annotations

import streamlit as st

from audit.core.errors import AppError
from audit.i18n import error_text
from audit.model import User
from audit.people import accounts
from audit.store import Store
from audit.ui import cookie
from audit.ui.common import (
    LANGS,
    T,
    begin_run,
    end_cookie_session,
    esc,
    get_store,
    lang,
    oidc_configured,
)


def language_picker(key: str = "lang.pick") -> None:
    current = lang()
    choice = st.segmented_control(T("ui.language"), list(LANGS), default=current, key=key,
                                  format_func=lambda c: LANGS[c], label_visibility="collapsed")
    if choice and choice != current:
        st.session_state["lang"] = choice
        begin_run()
        st.rerun()


def _signed_in(user: User) -> None:
    try:
        token = accounts.start_session(get_store(), user)
    except AppError as err:  # a full disk: no session, and the person is told why
        st.error(error_text(err, lang()))
        return
    st.session_state["_token"] = token
    st.rerun()


# The password's show/hide eye is the only icon of the sign-in page, and its icon font is
# 366 KB: a phone on a slow link would wait for it before the form settles.
NO_EYE = "<style>button[aria-label='Show password']{display:none}</style>"


def sign_in_page() -> None:
    st.html(NO_EYE)
    st.title(T("ui.app_title"), anchor=False)
    language_picker()
    store = get_store()
    with st.form("signin", border=True):
        st.subheader(T("ui.sign_in"), anchor=False)
        name = st.text_input(T("ui.user_name"), key="signin.name", autocomplete="username")
        password = st.text_input(T("ui.password"), type="password", key="signin.password",
                                 autocomplete="current-password")
        go = st.form_submit_button(T("ui.sign_in"), type="primary", width="stretch")
    if go:
        try:
            user = accounts.sign_in(store, name, password, address=st.context.ip_address)
        except accounts.AccountError as err:
            st.error(error_text(err, lang()), icon=":material/lock:")
        except AppError as err:
            st.error(error_text(err, lang()))
        else:
            _signed_in(user)
    if oidc_configured():
        st.divider()
        if st.button(T("ui.sign_in_sso"), icon=":material/badge:", width="stretch", key="signin.sso"):
            st.login()
        if getattr(st.user, "is_logged_in", False):
            st.warning(T("ui.sso_unknown", email=esc(str(st.user.get("email", "")))))


def needs_first_run(store: Store) -> bool:
    """The first-run page instead of sign-in (accounts.needs_first_run: the sign-in route's rule too)."""
    return accounts.needs_first_run(store)


def first_run_page() -> None:
    """Shown only while the store has never had anybody (needs_first_run)."""
    st.title(T("ui.app_title"), anchor=False)
    language_picker()
    st.info(T("ui.first_run"), icon=":material/waving_hand:")
    store = get_store()
    with st.form("first", border=True):
        st.subheader(T("ui.first_hq"), anchor=False)
        name = st.text_input(T("ui.user_name"), key="first.name", autocomplete="username")
        password = st.text_input(T("ui.password"), type="password", key="first.password",
                                 autocomplete="new-password")
        again = st.text_input(T("ui.password_again"), type="password", key="first.again",
                              autocomplete="new-password")
        go = st.form_submit_button(T("ui.create_account"), type="primary", width="stretch")
    if go:
        if password != again:
            st.error(T("ui.passwords_differ"))
        else:
            try:
                user = accounts.create_first_hq(store, name.strip().lower(), password)
            except AppError as err:
                st.error(error_text(err, lang()))
            else:
                _signed_in(user)
    if not store.list_summaries():
        st.divider()
        st.markdown(T("ui.demo_offer"))
        if st.button(T("ui.load_demo"), icon=":material/dataset:", key="first.demo", width="stretch"):
            from audit.ops.demo import DEMO_PASSWORD, generate

            with st.spinner(T("ui.loading_demo")):
                generate(store, seed=1)
            st.session_state["_demo_loaded"] = DEMO_PASSWORD
            st.rerun()


def demo_notice() -> None:
    password = st.session_state.get("_demo_loaded")
    if password:
        st.success(T("ui.demo_loaded", password=password), icon=":material/check_circle:")


def sign_out() -> None:
    end_cookie_session()
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]
    st.session_state["_clear_cookie"] = True
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()
    st.rerun()


def cleared_cookie() -> None:
    if st.session_state.pop("_clear_cookie", False):
        cookie.forget()
