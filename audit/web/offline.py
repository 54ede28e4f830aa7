"""The app without a signal: its service worker and the walk's offline page, as routes.

- /sw.js: the service worker (static/sw.js) with this build's version and the files it keeps
  on the phone: the offline page and its script, and Streamlit's files every page loads first.
- /offline: the offline page: the walk's element (walk.html, walk.css) and its script, which
  opens the audit kept on this phone (js/offline.js) and queues changes in the same outbox.
- /offline/walk.js: the walk's script as the element runs it (component.SCRIPTS in order),
  with the offline page's entry (static/offline_page.js) in place of the element's (main.js).

The page registers the worker (REGISTER, put into Streamlit's page by the middleware).
Nothing here is private: what a person left on the phone lives in the phone's IndexedDB.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from audit.i18n import t
from audit.web.preload import page_files

HERE = Path(__file__).parent / "static"
WALK = Path(__file__).resolve().parents[1] / "ui" / "walk"
SCRIPT = "offline/walk.js"
# Registers the worker once the page has loaded (its files then come from the HTTP cache).
REGISTER = (b'<script>"serviceWorker"in navigator&&addEventListener("load",function(){'
            b'navigator.serviceWorker.register("/sw.js").catch(function(){})})</script>')
LANGS = ("en", "ru")
WORDS = {"title": "walk.offline_title", "opened": "walk.offline_opened",
         "nothing": "walk.offline_nothing", "pick": "walk.offline_pick",
         "back": "walk.offline_back"}


def walk_scripts() -> tuple[str, ...]:
    """The element's files of js/ in its order (component.SCRIPTS, read from its source: the
    web layer does not import the Streamlit one), all but its entry (main.js)."""
    source = (WALK / "component.py").read_text(encoding="utf-8")
    found = re.search(r"^SCRIPTS = \(([^)]*)\)", source, re.M)
    if found is None:
        raise RuntimeError("audit/ui/walk/component.py names no SCRIPTS")
    return tuple(n for n in re.findall(r'"([^"]+\.js)"', found.group(1)) if n != "main.js")


@cache
def walk_script() -> bytes:
    """The walk's script with the offline page's entry (static/offline_page.js) at its end."""
    files = [(f"js/{name}", WALK / "js" / name) for name in walk_scripts()]
    files.append(("offline_page.js", HERE / "offline_page.js"))
    return "\n".join(f"// -- {name} --\n" + path.read_text(encoding="utf-8")
                     for name, path in files).encode()


def _words() -> str:
    words = {lang: {k: t(key, lang) for k, key in WORDS.items()} for lang in LANGS}
    # inside <script type="application/json">: no "</" may end it early
    return json.dumps(words, ensure_ascii=False).replace("</", "<\\/")


@cache
def offline_page() -> bytes:
    page = (HERE / "offline.html").read_text(encoding="utf-8")
    parts = {"__WALK_CSS__": (WALK / "walk.css").read_text(encoding="utf-8"),
             "__WALK_HTML__": (WALK / "walk.html").read_text(encoding="utf-8"),
             "__WORDS__": _words(), "__HOME__": "/",
             "__SCRIPT__": html.escape(f"/{SCRIPT}?v={_digest(walk_script())}")}
    for key, value in parts.items():
        page = page.replace(key, value)
    return page.encode()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def precache() -> list[str]:
    """The paths the worker keeps (relative to its scope): the offline page and its script."""
    return ["offline", f"{SCRIPT}?v={_digest(walk_script())}"]


def streamlit_files() -> list[str]:
    """Streamlit's hashed files every page of the app loads first (audit.web.preload): the
    worker keeps them too, and answers them from its cache (why: static/sw.js)."""
    return list(page_files())


@cache
def worker() -> bytes:
    files, shared = precache(), streamlit_files()
    source = (HERE / "sw.js").read_text(encoding="utf-8")
    version = _digest(json.dumps([files, shared]).encode() + source.encode() + offline_page())
    return (source.replace("__VERSION__", version)
            .replace("__PRECACHE__", json.dumps(files))
            .replace("__STREAMLIT__", json.dumps(shared))).encode()


def _send(request: Request, body: bytes, kind: str, cache_control: str,
          extra: dict[str, str] | None = None) -> Response:
    headers = {"Cache-Control": cache_control, **(extra or {})}
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        body = _packed(body)
        headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(body, media_type=kind, headers=headers)


@cache
def _packed(body: bytes) -> bytes:
    return gzip.compress(body, 9, mtime=0)


async def service_worker(request: Request) -> Response:
    # always asked again (no-cache): a new build's worker replaces the old one on the next visit
    return _send(request, worker(), "text/javascript", "no-cache",
                 {"Service-Worker-Allowed": "/"})


async def offline(request: Request) -> Response:
    return Response(offline_page(), media_type="text/html", headers={"Cache-Control": "no-cache"})


async def offline_script(request: Request) -> Response:
    # its URL names its content (?v=…): a phone keeps it until the script changes
    fresh = request.query_params.get("v") == _digest(walk_script())
    return _send(request, walk_script(), "text/javascript",
                 "public, max-age=31536000, immutable" if fresh else "no-cache")


def routes() -> list[BaseRoute]:
    return [Route("/sw.js", service_worker, methods=["GET"]),
            Route("/offline", offline, methods=["GET"]),
            Route(f"/{SCRIPT}", offline_script, methods=["GET"])]
