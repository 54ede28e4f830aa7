"""The HttpOnly session cookie, set and cleared by the server route the page calls (a small element)."""

from __future__ import annotations

import streamlit as st

from audit.people import handoff
from audit.ui.common import COOKIE

# Posts the one-time ticket (or asks to forget the cookie) until the route answers; a phone
# that signs in on a weak signal keeps trying for a while.
JS = """
export default function ({ data, setStateValue }) {
  if (!data || data.done) return;
  const method = data.ticket ? "POST" : "DELETE";
  const body = data.ticket ? JSON.stringify({ ticket: data.ticket }) : undefined;
  let stop = false, delay = 1000;
  const go = async () => {
    for (let i = 0; i < 12 && !stop; i++) {
      try {
        const r = await fetch("/api/session", { method, body, credentials: "same-origin",
          headers: { "Content-Type": "application/json" } });
        if (r.ok) { setStateValue("done", data.id); return; }
        if (r.status < 500) return;
      } catch (e) { /* offline: try again */ }
      await new Promise((ok) => setTimeout(ok, delay));
      delay = Math.min(delay * 2, 15000);
    }
  };
  go();
  return () => { stop = true; };
}
"""

_element = st.components.v2.component("audit_session_cookie", js=JS)


def hand_over(token: str) -> None:
    """Until the browser holds this session's cookie, give it a ticket to exchange for one.

    Once mounted, the element stays (idle) for the rest of the session: its place on the
    page vanishing would move everything under it.
    """
    cookie = st.context.cookies.get(COOKIE) if st.context.cookies else None
    done = cookie == token or st.session_state.get("_cookie_set") == token[:12]
    if done and not st.session_state.get("_cookie_ticket"):
        return
    ticket = st.session_state.get("_cookie_ticket")
    if not done and (not ticket or ticket[0] != token):
        ticket = (token, handoff.issue_ticket(token))
        st.session_state["_cookie_ticket"] = ticket
    data = {"done": True, "id": token[:12]} if done or not ticket else {"ticket": ticket[1], "id": token[:12]}
    result = _element(key="session_cookie", data=data, on_done_change=lambda: None, height=0)
    if result.get("done") == token[:12]:
        st.session_state["_cookie_set"] = token[:12]


def forget() -> None:
    """After sign-out: the route clears the cookie (the session behind it has already ended)."""
    _element(key="session_cookie_clear", data={"id": "clear"}, height=0)
