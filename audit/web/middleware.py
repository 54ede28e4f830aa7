"""Our middleware in front of Streamlit's: light static files, fonts fetched only when shown, the page."""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from audit.web import marks
from audit.web.bodies import BodyLimit
from audit.web.offline import REGISTER
from audit.web.preload import first_screen_links, home_links
from audit.web.signin import page_lang, sign_in_first

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml",
                "application/wasm", "application/manifest+json")
MIN_SIZE = 1024
# Streamlit's page preloads its own body font; the app's theme uses the phone's font instead
FONT_PRELOAD = re.compile(rb'<link\s+rel="preload"\s+href="[^"]*SourceSans[^"]*"[^>]*>', re.S)
# Streamlit's page says <html lang="en">; it is served in the browser's language (the app sets
# it again when the person picks another, see audit.ui.common.page_lang)
HTML_LANG = re.compile(rb'<html lang="en">')
STREAMLIT_PAGE = b'src="./static/js/'  # Streamlit's page names its scripts so; no other page does
# Two @font-face rules of Streamlit's stylesheet cost a first visit 530 KB without showing a
# thing on the sign-in page. Its icon font (366 KB) is asked for as soon as the page starts
# (document.fonts.load), icon or not: limited to the characters icon names are written in
# (icons are ligatures of their names), the browser fetches it once an icon is on screen.
# Source Sans (166 KB) is the font of the one line the page draws before the app's theme
# arrives (a hidden "skip to content" link); the theme uses the phone's own font, so the face
# is limited to no character at all and the phone's font stands in wherever it is named.
ICON_FACE = re.compile(rb'@font-face\{(?=[^}]*font-family:\s*"?Material Symbols Rounded"?\s*;)[^}]*\}')
TEXT_FACE = re.compile(rb'@font-face\{(?=[^}]*font-family:\s*"?Source Sans"?\s*;)[^}]*\}')
ICON_CHARS = b";unicode-range:U+0030-0039,U+005F,U+0061-007A"
NO_CHARS = b";unicode-range:U+0000"
# The space an icon's line is measured by then comes from this face, a font the phone has
# with the icon font's own height (ascent 1056, descent 96 of 960 units): icons stay where
# they were, and this is the face the page's early load finds (nothing to download).
ICON_SPACE = (b'@font-face{font-family:Material Symbols Rounded;font-style:normal;font-weight:400;'
              b'src:local("Roboto"),local("Helvetica Neue"),local("Arial"),local("DejaVu Sans");'
              b"unicode-range:U+0020;ascent-override:110%;descent-override:10%;line-gap-override:0%}")


def narrow_fonts(css: bytes) -> bytes:
    """Streamlit's stylesheet with its icon and text font faces narrowed (see above)."""
    css = ICON_FACE.sub(lambda m: m.group(0)[:-1] + ICON_CHARS + b"}" + ICON_SPACE, css, count=1)
    return TEXT_FACE.sub(lambda m: m.group(0)[:-1] + NO_CHARS + b"}", css)


class StaticCompression:
    """gzip for Streamlit's hashed static files (JS, CSS, JSON, SVG), compressed once per file.

    Streamlit serves /static/ uncompressed on purpose, because re-compressing on every hit
    costs CPU. Compressing each file once and keeping the bytes costs that CPU once per
    process, while a phone on a slow link downloads a quarter of the bytes. Everything else
    (the WebSocket, the routes, pages) passes straight through.
    """

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = ("/static/",),
                 level: int = 9) -> None:
        self.app = app
        self.prefixes = prefixes
        self.level = level
        self._cache: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if not str(scope.get("path", "")).startswith(self.prefixes):
            await self._page(scope, receive, send)
            return
        if not _accepts_gzip(scope):
            await self.app(scope, receive, send)
            return
        start: MutableMapping[str, Any] = {}
        body: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        await self.app(scope, receive, keep)
        headers = [(k.lower(), v) for k, v in start.get("headers", [])]
        data = b"".join(body)
        kind = dict(headers).get(b"content-type", b"").decode("latin-1")
        if (start.get("status") != 200 or dict(headers).get(b"content-encoding")
                or not kind.startswith(COMPRESSIBLE) or len(data) < MIN_SIZE):
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": data})
            return
        tag = dict(headers).get(b"etag", b"").decode("latin-1") or str(len(data))
        key = (str(scope["path"]), tag)
        packed = self._cache.get(key)
        if packed is None:
            if kind.startswith("text/css"):
                data = narrow_fonts(data)
            packed = await run_in_threadpool(gzip.compress, data, self.level, mtime=0)
            with self._lock:
                self._cache[key] = packed
        headers = [(k, v) for k, v in headers if k not in (b"content-length", b"vary")]
        headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding"),
                    (b"content-length", str(len(packed)).encode())]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else packed})


    async def _page(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The HTML page (any app path): without the font preload, with the service worker's
        registration and the sign-in form's files named (audit.web.preload), gzipped when it may be."""
        start: MutableMapping[str, Any] = {}
        body: list[bytes] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                kind = dict(headers).get(b"content-type", b"")
                if message.get("status") == 200 and kind.startswith(b"text/html"):
                    start.update(message)
                    return
                message = {**message, "headers": marks.unmarked(headers)}
            elif start and message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if not message.get("more_body"):
                    await self._send_page(scope, start, b"".join(body), send)
                return
            await send(message)

        await self.app(scope, receive, watch)

    @staticmethod
    async def _send_page(scope: Scope, start: MutableMapping[str, Any], data: bytes, send: Send) -> None:
        # Streamlit's own gzip has packed every page but "/" already: unpacked here, so the page
        # is changed as text and packed once (not sent as gzip of gzip under two headers)
        packed = {k.lower(): v for k, v in start.get("headers", [])}.get(b"content-encoding") == b"gzip"
        page = gzip.decompress(data) if packed else data
        if packed:
            start["headers"] = [(k, v) for k, v in start["headers"] if k.lower() != b"content-encoding"]
        data = page
        if marks.is_marked(start.get("headers", [])):  # a page its route made whole: as it is
            start["headers"] = marks.unmarked(start["headers"])
        elif STREAMLIT_PAGE in page and (where := await sign_in_first(scope)) is not None:
            await _redirect(send, where)  # signed out: the light sign-in page, not Streamlit's
            return
        else:
            data = _app_page(scope, page)
        headers = [(k.lower(), v) for k, v in start.get("headers", [])
                   if k.lower() not in (b"content-length", b"etag", b"vary")]
        if _accepts_gzip(scope):
            data = gzip.compress(data, 6, mtime=0)
            headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
        headers.append((b"content-length", str(len(data)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else data})


async def _redirect(send: Send, where: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", where.encode("ascii")), (b"content-length", b"0"),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": b""})


def _app_page(scope: Scope, data: bytes) -> bytes:
    """The app's page: without the font preload, in the reader's language, with the service
    worker's registration, and (Streamlit's page) the files of the first screen it will draw
    at once: the sign-in form's to someone not signed in, the home's to someone signed in."""
    data = FONT_PRELOAD.sub(b"", data)
    data = HTML_LANG.sub(b'<html lang="%s">' % _lang(scope).encode(), data, count=1)
    data = data.replace(b"</head>", REGISTER + b"</head>", 1)
    if STREAMLIT_PAGE in data:
        links = home_links() if _has_session(scope) else first_screen_links()
        data = data.replace(b"</head>", links + b"</head>", 1)
    return data


def _lang(scope: Scope) -> str:
    """The browser's language, or the one picked on the sign-in page (its cookie)."""
    from starlette.requests import Request

    return page_lang(Request(scope))


def _has_session(scope: Scope) -> bool:
    """The browser holds a session cookie (valid or not: only a hint is chosen by it)."""
    return any(name == b"cookie" and b"audit_session=" in value
               for name, value in scope.get("headers", []))


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"accept-encoding":
            return b"gzip" in value.lower()
    return False


# Everything the page loads comes from this server: Streamlit's own scripts and styles (some
# inline), images as data: or blob: URLs, the WebSocket. No other site is asked for anything,
# and no other site may frame the app. `connect-src` names the page's own host for the
# WebSocket (ws: and wss: of it, not of any host): 'self' covers ws: only in newer browsers.
# No 'unsafe-eval': no script of the page turns text into code (the dashboard's Vega charts
# draw without it, checked in Chromium). 'wasm-unsafe-eval' lets WebAssembly compile, and
# nothing else: Streamlit's protobuf reader (long.js) compiles a 200-byte module for 64-bit
# arithmetic, and without it every page logs a CSP violation (it falls back to JavaScript).
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval' blob:; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
       "connect-src 'self'{sockets}; media-src 'self' blob: data:; worker-src 'self' blob:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HOST = re.compile(rb"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def csp(host: bytes | None) -> bytes:
    """The policy for a page served to `host` (the Host header): its WebSocket there only."""
    if host is None or not HOST.match(host):
        return CSP.format(sockets="").encode()
    name = host.decode("ascii")
    return CSP.format(sockets=f" ws://{name} wss://{name}").encode()


HEADERS = [
    (b"content-security-policy", csp(None)),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
]
# Streamlit's routes that hand out or take in people's files: a photo's display copy or
# thumbnail (/media/…) and a file picked in an uploader (/_stcore/upload_file/…).
GUARDED = ("/media/", "/_stcore/upload_file/")


class Guard:
    """Security headers on every response, and people's files only for a live session.

    A /media/ URL of a photo, or an upload to a Streamlit uploader, needs the HttpOnly session
    cookie of a person signed in now: after sign-out (or when HQ disables the person) a copied
    photo link answers 403, and nobody without an account can park files in the server's memory.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if str(scope.get("path", "")).startswith(GUARDED) and not await _signed_in(scope):
            await _refuse(send)
            return

        host = dict(scope.get("headers", [])).get(b"host")
        headers = [(k, csp(host) if k == b"content-security-policy" else v) for k, v in HEADERS]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in headers if k not in have]]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _signed_in(scope: Scope) -> bool:
    from starlette.requests import Request

    from audit.ops.process import process_store
    from audit.web.session import caller

    request = Request(scope)
    if not request.cookies.get("audit_session"):
        return False
    from audit.core.errors import AppError

    try:
        return await run_in_threadpool(lambda: caller(process_store(), request) is not None)
    except AppError:  # a store that cannot tell who is signed in lets nobody's files out
        return False


async def _refuse(send: Send) -> None:
    body = b"Sign in first."
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})


def middleware() -> list[Middleware]:
    """Our middleware, outermost first: the guard and its headers, every body held to its
    route's size, then compression."""
    return [Middleware(Guard), Middleware(BodyLimit), Middleware(StaticCompression)]
