"""Session glue for every page: the store, the language, the signed-in person, small widgets."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable
from typing import Any

import streamlit as st

from audit.i18n import error_text, t
from audit.i18n.formats import Fmt, fmt, vega_locale
from audit.model import User
from audit.ops.process import close_stores, process_store
from audit.people import accounts
from audit.store import Store

COOKIE = "audit_session"
LANG_COOKIE = "audit_lang"  # the sign-in page's language switch keeps the pick here
LANGS = {"ru": "Русский", "en": "English"}


@functools.cache
def page_icon() -> str:
    """The tab's icon as a data: URL drawn here (a checklist mark in the theme's blue): an emoji
    icon would be fetched from a third-party site on every first visit."""
    import base64
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((2, 2, 61, 61), radius=12, fill=(31, 95, 139, 255))
    draw.line([(16, 33), (28, 45), (49, 20)], fill=(255, 255, 255, 255), width=8, joint="curve")
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def get_store() -> Store:
    """One store per server process, shared by every session and the web routes.

    A plain dict rather than st.cache_resource: a screen asks for the store a dozen times and
    the cache's key hashing cost more than everything else a tap does.
    """
    return process_store()


def close_app_stores() -> None:
    """Close and forget every store this process opened (tests start each with a new one)."""
    close_stores()


_run = threading.local()  # each session's script runs on its own thread


def begin_run() -> None:
    """Settle the language once per script run; a screen asks for it a hundred times."""
    _run.lang = _choose_lang()


def _choose_lang() -> str:
    chosen = st.session_state.get("lang")
    if chosen in LANGS:
        return str(chosen)
    picked = st.context.cookies.get(LANG_COOKIE) if st.context.cookies else None
    if picked in LANGS:  # chosen on the sign-in page (audit.web.signin)
        return str(picked)
    locale = (st.context.locale or "").lower()
    return "ru" if locale.startswith("ru") else "en"


def lang() -> str:
    """The chosen language, else the browser's (ru for Russian browsers, en otherwise)."""
    current = getattr(_run, "lang", None)
    return current if current is not None else _choose_lang()


def T(key: str, **params: Any) -> str:
    return t(key, lang(), **params)


def labeller(prefix: str) -> Callable[[Any], str]:
    """A format_func for options: the language is fixed now, since Streamlit may call it later
    outside the script run (where session state is out of reach)."""
    current = lang()
    return lambda value: t(f"{prefix}{value}", current)


def show_error(err: Exception) -> None:
    st.error(error_text(err, lang()), icon=":material/error:")


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # a missing or broken secrets.toml must not lock everyone out
        return False


def session_token() -> str | None:
    token = st.session_state.get("_token")
    if token:
        return str(token)
    cookie = st.context.cookies.get(COOKIE) if st.context.cookies else None
    return cookie or None


def current_user() -> User | None:
    """The signed-in person for this run, re-checked against the store every time.

    Re-checking means a disabled account or a changed password ends this session at once.
    """
    store = get_store()
    token = session_token()
    user = accounts.session_user(store, token)
    if user is not None:
        st.session_state["_token"] = token
        return user
    st.session_state.pop("_token", None)
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        email = st.user.get("email")
        return accounts.user_for_email(store, email if isinstance(email, str) else None)
    return None


# Characters Markdown or Streamlit give a meaning inside a line ("/" too: Streamlit finds
# `:material/icon:` in the source); `-`, `+`, `=` and `.` mean something only where a line
# starts, so only a leading one is escaped.
_MARKUP = re.compile(r"([\\`*_{}\[\]<>()#!|~$:&^/])")
_LEADING = re.compile(r"^(\d*)([-+=.])")
_AUTOLINK = re.compile(r":[/\w]|www\.|@\w", re.IGNORECASE)


def esc(text: str) -> str:
    """The one way any text a person or a checklist wrote (names, addresses, regions, checklist,
    section and item titles, options, scenarios, answers, comments, notes, reasons) goes into
    something Streamlit reads as Markdown: st.markdown/write/caption/title/header/subheader,
    alerts, and the labels of widgets, buttons, page links, expanders and tabs, and the options
    of pills, segmented controls and radios. Select boxes, multiselects, st.text, inputs'
    values and tables show text as it is: there it goes in unescaped.

    Markdown's punctuation is backslash-escaped, which CommonMark always reads as the literal
    character: no emphasis, links, images (tracking pixels), HTML, headings or lists,
    and none of Streamlit's own `:red[…]`, `:material/…:` or `$…$`. Line breaks become spaces.
    Autolinks and emoji shortcodes are found in the text after escapes are read, so an
    invisible word joiner goes into "://", ":smile:", "www." and "@": they stay text.
    """
    flat = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + "\u2060" + m.group(0)[-1],
                         " ".join(text.splitlines()))
    return _LEADING.sub(r"\1\\\2", _MARKUP.sub(r"\\\1", flat))


def level_badge(level: str | None) -> str:
    colour = {"disappointment": "red", "average": "orange", "wow": "green"}.get(level or "", "gray")
    return f":{colour}-badge[{T('level.' + level) if level else T('level.none')}]"


def F(tz: str = "") -> Fmt:
    """Numbers, dates and times in the reader's language, moments in the zone `tz` (a
    location's; "" is UTC): the one formatter every page asks (audit.i18n.formats)."""
    return fmt(lang(), tz)


def zone_of(location_id: str) -> str:
    """The location's time zone ("" where it has none): where its moments are shown."""
    loc = get_store().get_location(location_id) if location_id else None
    return loc.tz if loc else ""


def moment(iso: str | None, tz: str = "") -> str:
    """A stored moment in the location's zone, labelled: "7 дек. 2026, 13:30 UTC+03:00"."""
    return F(tz).when(iso)


def day(value: Any, tz: str = "") -> str:
    """A day (a due date, or a moment's date in the zone): "21 дек. 2026"."""
    return F(tz).day(value)


def fmt_score(x: float | None) -> str:
    """A score as the reader's language writes it: "69%", "69 %"."""
    return F().pct0(x)


def fmt_num(x: float) -> str:
    """Points as the reader's language writes them: "1.5", "1,5"."""
    return F().num(x)


def fmt_points(x: float) -> str:
    """Points lost or won, to one decimal as the reader's language writes it: "6.3", "6,3"."""
    return F().num1(x)


def fmt_signed(x: float | None, digits: int = 1) -> str:
    """A change in points: "+3,2", "−1,9", "±0"; "—" where there is none."""
    return F().signed(x, digits)


def show_chart(chart: Any, **kw: Any) -> None:
    """An Altair chart whose numbers and dates read as the reader writes them (Vega's own
    locale is English: "8.3" on a Russian screen)."""
    st.altair_chart(chart.configure(locale=vega_locale(lang())), **kw)


def tip(field: str, key: str, fmt: str | None = None) -> Any:
    """A tooltip line titled in the reader's language (a bare field shows its English name)."""
    import altair as alt

    if fmt:
        return alt.Tooltip(field, title=T(key), format=fmt)
    return alt.Tooltip(field, title=T(key))


DATE_FORMATS = {"ru": "DD.MM.YYYY", "en": "YYYY-MM-DD"}


def date_format() -> str:
    """The format of a date picker's field in the reader's language (st.date_input's format)."""
    return DATE_FORMATS.get(lang(), "YYYY-MM-DD")


def end_cookie_session() -> None:
    accounts.end_session(get_store(), session_token())


PHONE_CSS = """
<style>
/* phones: less empty space above the content, thumb-sized tap targets */
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 4rem; padding-left: .8rem; padding-right: .8rem; }
}
[data-testid="stButtonGroup"] button { min-height: 2.75rem; }
[data-testid="stBaseButton-secondary"], [data-testid="stBaseButton-primary"] { min-height: 2.75rem; }
[data-testid="stPageLink"] a { min-height: 2.75rem; display: flex; align-items: center; }
/* grey captions dark enough to read in daylight (WCAG AA contrast) */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #4a4f58 !important; }
[data-testid="stCaptionContainer"] { opacity: 1 !important; } /* Streamlit's 0.6 made that 3:1 */
/* thumb-sized header buttons (menu, sidebar) */
[data-testid="stHeader"] button, [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"] button {
  min-width: 2.75rem; min-height: 2.75rem;
}
/* Streamlit's own connection states are English and block the screen; the walk shows its own
   status (ru/en), and a dialog the app opens always holds a block of elements */
[data-testid="stStatusWidget"], [data-testid="stConnectionStatus"] { display: none !important; }
div[data-testid="stDialog"]:not(:has([data-testid="stVerticalBlock"])) { display: none !important; }
/* nor does that hidden notice stop the page from scrolling; the walk marks the page while one
   is open and gives the page its taps back (audit/ui/walk/js/notice.js) */
html[data-notice] { overflow: auto !important; }
/* the walk says which screen it shows; a review still on screen from the server's last run
   is hidden at once when the shopper goes back to a section, or when the walk draws its own
   review without a signal (see audit/ui/walk) */
html[data-walk="section"] .st-key-walk-review,
html[data-walk="phone-review"] .st-key-walk-review { display: none !important; }
.st-key-page-lang { display: none !important; }
/* a view drawn twice, for a laptop and for a phone (a wide table, and the same rows as a list
   that wraps): keyed containers "only-wide-…" and "only-phone-…", one shown per screen width */
@media (max-width: 640px) { [class*="st-key-only-wide-"] { display: none !important; } }
@media (min-width: 641px) { [class*="st-key-only-phone-"] { display: none !important; } }
</style>
"""


def phone_css() -> None:
    st.html(PHONE_CSS)


def css_string(text: str) -> str:
    """`text` as a CSS string literal (content: …): every character outside plain letters,
    digits and spaces written as a CSS escape, so no text can end the string or the rule."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"'


def uploader_css(button: str) -> str:
    """Streamlit's file uploader speaks English ("Upload", "25MB per file • JPG, …") whatever
    the page's language: its size-and-types line is hidden (the uploader's help says it in
    the reader's language) and its button reads `button`."""
    return ("<style>"
            '[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }'
            '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]'
            " { display: none; }"
            '[data-testid="stFileUploaderDropzone"] button::after'
            f" {{ content: {css_string(button)}; margin-left: .4rem; }}"
            "</style>")


def page_lang() -> None:
    """The document's language (<html lang>) is the reader's, set again when it changes: the
    page is served once, in the browser's language (audit.web.middleware)."""
    with st.container(key="page-lang"):
        st.html(f"<script>document.documentElement.lang = {json.dumps(lang())};</script>",
                unsafe_allow_javascript=True)
