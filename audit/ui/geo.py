"""Where the phone is: a small components-v2 element that asks for the position politely.

The element shows why it asks and a button; only a tap asks the browser (which then shows
its own permission prompt), unless the person already allowed it for this site. The position
comes back to Python as the element's state value `position` ({lat, lon, accuracy} or
{error}); the server checks it (audit.visits.proof.check_position) before anything is recorded.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from audit.i18n import error_text
from audit.ui.common import T, lang
from audit.visits.proof import BadPosition, Position, check_position

_HTML = """
<div class="geo">
  <p class="why"></p>
  <button type="button" class="ask"></button>
  <p class="state" aria-live="polite"></p>
</div>
"""

_CSS = """
.geo { font-family: var(--st-font, sans-serif); border: 1px solid var(--st-border-color, #ddd);
       border-radius: .6rem; padding: .6rem .8rem; }
.why { margin: 0 0 .5rem 0; color: var(--st-text-color, #222); font-size: .95rem; }
.ask { min-height: 2.75rem; width: 100%; border-radius: .5rem; font-size: 1rem; cursor: pointer;
       border: 1px solid var(--st-primary-color, #1f5f8b); color: var(--st-primary-color, #1f5f8b);
       background: var(--st-background-color, #fff); }
.ask[disabled] { opacity: .6; }
.state { margin: .4rem 0 0 0; font-size: .9rem; color: var(--st-text-color, #444); }
.state.ok { color: #1b7f3b; }
.state.err { color: #b3261e; }
"""

# Texts come in as data (set with textContent, never as markup); the state value goes back.
_JS = """
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const root = parentElement.querySelector('.geo');
  const why = root.querySelector('.why');
  const ask = root.querySelector('.ask');
  const state = root.querySelector('.state');
  why.textContent = data.why;
  ask.textContent = data.ask;
  const show = (text, kind) => { state.textContent = text; state.className = 'state ' + kind; };
  if (data.have) { show(data.have, 'ok'); }
  const locate = () => {
    if (!navigator.geolocation) { show(data.unsupported, 'err');
      setStateValue('position', { error: 'unsupported' }); return; }
    ask.disabled = true; show(data.asking, '');
    navigator.geolocation.getCurrentPosition((p) => {
      ask.disabled = false;
      setStateValue('position', { lat: p.coords.latitude, lon: p.coords.longitude,
                                  accuracy: p.coords.accuracy });
    }, (e) => {
      ask.disabled = false;
      show(e.code === 1 ? data.denied : data.failed, 'err');
      setStateValue('position', { error: e.code === 1 ? 'denied' : 'failed' });
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  };
  ask.onclick = locate;
  // asked before and allowed: no second question, just the position
  if (!data.have && navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: 'geolocation' }).then((r) => {
      if (r.state === 'granted') { locate(); }
    }).catch(() => {});
  }
}
"""

_element = st.components.v2.component("audit_geo", html=_HTML, css=_CSS, js=_JS)


def position_prompt(key: str, reason: str) -> Position | None:
    """The element, and the position it reported, checked; None until one is given.

    A position the server refuses (out of range, absurd accuracy) is shown as the error it is
    and counts as none.
    """
    have = st.session_state.get(f"_geo_ok.{key}")
    data = {"why": reason, "ask": T("geo.ask"), "asking": T("geo.asking"),
            "denied": T("geo.denied"), "failed": T("geo.failed"),
            "unsupported": T("geo.unsupported"), "have": have or ""}
    result = _element(key=key, data=data, default={"position": None},
                      on_position_change=lambda: None, height="content")
    raw = _value(result)
    if not raw or "error" in raw:
        return None
    try:
        pos = check_position(raw.get("lat"), raw.get("lon"), raw.get("accuracy"))
    except BadPosition as err:
        st.error(error_text(err, lang()), icon=":material/location_off:")
        return None
    st.session_state[f"_geo_ok.{key}"] = T("geo.have", accuracy=f"{pos.accuracy:.0f}")
    return pos


def _value(result: Any) -> dict[str, Any] | None:
    raw = getattr(result, "position", None)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    return raw if isinstance(raw, dict) else None
