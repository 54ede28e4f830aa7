"""Entry point: page config, sign-in, navigation by role. No domain logic here."""

from __future__ import annotations

import streamlit as st

from audit.core.errors import AppError
from audit.ui import auth, background, cookie
from audit.ui.actions import land_first
from audit.ui.common import (
    T,
    begin_run,
    current_user,
    esc,
    get_store,
    page_icon,
    page_lang,
    phone_css,
    session_token,
    show_error,
)

st.set_page_config(page_title="Customer journey audit", page_icon=page_icon(),
                   layout="centered", initial_sidebar_state="collapsed")
phone_css()
begin_run()
page_lang()

PAGES = {  # name: (file, icon, URL path)
    "dashboard": ("audit/ui/pages/dashboard.py", ":material/insights:", "dashboard"),
    "audits": ("audit/ui/pages/audits.py", ":material/fact_check:", "audit"),
    "start": ("audit/ui/pages/start.py", ":material/add_circle:", "start"),
    "locations": ("audit/ui/pages/locations.py", ":material/storefront:", "location"),
    "admin": ("audit/ui/pages/admin.py", ":material/settings:", "admin"),
    "plan": ("audit/ui/pages/plan.py", ":material/event:", "plan"),
    "review": ("audit/ui/pages/review.py", ":material/rate_review:", "review"),
    "actions": ("audit/ui/pages/actions.py", ":material/task_alt:", "actions"),
}
BY_ROLE = {
    "shopper": ("audits", "start"),  # the audits page opens with "My visits" for a shopper
    "manager": ("actions", "audits", "start", "locations"),  # "My actions" first after sign-in
    "reviewer": ("audits", "actions"),  # the audits page opens with the review queue for a reviewer
    "hq": ("dashboard", "plan", "review", "actions", "locations", "audits", "start", "admin"),
}


def pages(names: tuple[str, ...] | list[str], role: str = "") -> list[st.Page]:
    """The pages in the reader's language; "/" is always the audits page, for everyone, so an
    audit link (/?id=…&s=…) reads the same signed in or out. A shopper's reads "My visits"."""
    def title(n: str) -> str:
        if n == "audits" and role in ("shopper", "reviewer"):
            return T("nav.visits" if role == "shopper" else "nav.review")
        return T(f"nav.{n}")

    return [st.Page(PAGES[n][0], title=title(n), icon=PAGES[n][1], url_path=PAGES[n][2],
                    default=n == "audits") for n in names]


try:
    store = get_store()
    user = current_user()
    needs_first_run = auth.needs_first_run(store)
except AppError as err:
    show_error(err)
    st.stop()

if user is None:
    # every page stays routable while signed out, so the URL (audit id, section) survives sign-in
    page = st.navigation(pages(list(PAGES)), position="hidden")
    auth.cleared_cookie()
    if needs_first_run:
        auth.first_run_page()
    else:
        auth.demo_notice()
        auth.sign_in_page()
    st.stop()

nav = pages(BY_ROLE[user.role], user.role)
page = st.navigation(nav, position="top")
token = session_token()
if token:
    cookie.hand_over(token)
background.ensure_drainer()
if user.role == "manager" and page is nav[BY_ROLE["manager"].index("audits")]:
    land_first(PAGES["actions"][0])  # "My actions" first after signing in
with st.sidebar:
    st.markdown(f"**{esc(user.display_name or user.name)}** · {T('role.' + user.role)}")
    auth.language_picker("lang.side")
    if st.button(T("ui.sign_out"), icon=":material/logout:", key="signout"):
        auth.sign_out()
st.session_state["_user"] = user
page.run()
