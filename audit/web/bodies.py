"""Request bodies held to their route's size as they arrive, and JSON bodies read within bounds.

A body is never read whole before it is known to fit: `BodyLimit` refuses a declared
Content-Length over the route's cap before the app sees the request, and counts the bytes of
a body sent without one (chunked) as they arrive, refusing at the first byte over. Either
way the refusal is a 413 in the caller's language; what the caller still sends is read and
dropped by the HTTP server as it arrives (never held), until the connection's keep-alive
timeout closes it, so a browser that sends first and reads after still gets the answer.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from audit.core import limits
from audit.i18n import t
from audit.photos import PhotoError, message

# (method, path or path prefix ending in "/") → the most bytes its body may hold; anything
# else gets limits.BODY_MAX_BYTES: nobody signed in can make the server hold more than that
ROUTE_CAPS: dict[tuple[str, str], int] = {
    ("POST", "/api/sync"): limits.SYNC_BODY_MAX_BYTES,
    ("POST", "/api/photo"): limits.PHOTO_MAX_BYTES,
    ("POST", "/api/action-photo"): limits.PHOTO_MAX_BYTES,
    ("POST", "/api/location-photo"): limits.PHOTO_MAX_BYTES,
    ("PUT", "/_stcore/upload_file/"): limits.UPLOAD_FORM_MAX_BYTES,
    ("POST", "/v/"): limits.VOICE_BODY_MAX_BYTES,  # a customer's voice form
    ("POST", "/signin"): limits.SIGN_IN_FORM_MAX_BYTES,  # the sign-in page's form
    ("POST", "/api/v1/"): limits.API_BODY_MAX_BYTES,
    ("PATCH", "/api/v1/"): limits.API_BODY_MAX_BYTES,
}


def body_cap(method: str, path: str) -> int:
    """The most bytes a request's body may hold on this route."""
    for (m, route), cap in ROUTE_CAPS.items():
        if m == method and (path == route or (route.endswith("/") and path.startswith(route))):
            return cap
    return limits.BODY_MAX_BYTES


def lang_of(headers: Any, query: Any) -> str:
    """The caller's language: the page's choice (?lang=, X-Lang), else Accept-Language."""
    chosen = query.get("lang") or headers.get("x-lang") or ""
    if chosen in ("ru", "en"):
        return chosen
    return "ru" if headers.get("accept-language", "").lower().startswith("ru") else "en"


def request_lang(request: Request) -> str:
    return lang_of(request.headers, request.query_params)


def too_large_text(cap: int, lang: str) -> str:
    return t("err.body_too_large", lang, limit=_size(cap, lang))


def _size(n: int, lang: str) -> str:
    if n >= 2**20:
        text = f"{n / 2**20:.0f} MB" if lang == "en" else f"{n / 2**20:.0f} МБ"
    else:
        text = f"{math.ceil(n / 1024)} KB" if lang == "en" else f"{math.ceil(n / 1024)} КБ"
    return text


class BodyLimit:
    """Every request body capped by its route (`body_cap`) as it streams in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = body_cap(str(scope.get("method", "")), str(scope.get("path", "")))
        request = Request(scope)
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > cap):
            size = int(declared) if declared.strip().isdigit() else cap + 1
            await _refuse(send, scope, cap, size, request_lang(request))
            return
        received = 0
        refused = False
        started = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    refused = True
                    if not started:
                        await _refuse(send, scope, cap, received, request_lang(request))
                    # the app sees the caller gone: it stops reading and its answer goes nowhere
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not refused:  # the app's own failure; one caused by the cut-off body is answered
                raise


def _posted_form(scope: Scope) -> bool:
    """A browser's form sent to one of the plain pages (the sign-in page, a customer's survey):
    the person reads the answer as a page, not as JSON."""
    kind = dict(scope.get("headers", [])).get(b"content-type", b"").split(b";")[0].strip().lower()
    path = str(scope.get("path", ""))
    return (kind in (b"application/x-www-form-urlencoded", b"multipart/form-data")
            and not path.startswith(("/api/", "/_stcore/")))


def refusal_page(text: str, lang: str, back: str) -> bytes:
    """A small page that says why a form was refused, with the way back to it."""
    back_word = html.escape(t("ui.form_back", lang))
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1"><title>413</title>'
            '<style>body{font:17px/1.45 system-ui,sans-serif;margin:0}main{max-width:26rem;'
            'margin:0 auto;padding:1rem}a{display:inline-block;min-height:44px;padding:.6rem 0;'
            f'color:#0b4f8a}}</style></head><body><main><p role="alert">{html.escape(text)}</p>'
            f'<p><a href="{html.escape(back)}">{back_word}</a></p></main></body></html>').encode()


async def _refuse(send: Send, scope: Scope, cap: int, size: int, lang: str) -> None:
    if scope.get("path") == "/api/photo":  # the phone shows the photo's own words for it
        error = PhotoError("too_large", size=size, limit=cap)
        code, text = error.code, message(error, lang)
    else:
        code, text = "body_too_large", too_large_text(cap, lang)
    if _posted_form(scope):
        query = scope.get("query_string", b"").decode("latin-1")
        back = str(scope.get("path", "/")) + (f"?{query}" if query else "")
        body, kind = refusal_page(text, lang, back), b"text/html; charset=utf-8"
    else:
        body = json.dumps({"error": code, "message": text}, ensure_ascii=False).encode()
        kind = b"application/json"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", kind),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


# -- JSON bodies ---------------------------------------------------------------------------


class BadJson(ValueError):
    """A JSON body refused before or while it is parsed; `code` names why for i18n."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def text(self, lang: str) -> str:
        if self.code == "body_too_large":
            return too_large_text(self.params["limit"], lang)
        return t(f"err.{self.code}", lang, **self.params)


def _no_constant(name: str) -> Any:
    raise BadJson("json_number", value=name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 reads as infinity
        raise BadJson("json_number", value=text[:20])
    return value


def parse_json(body: bytes, *, max_bytes: int, max_depth: int = limits.JSON_MAX_DEPTH) -> Any:
    """The JSON value of a request body, or BadJson: too long, not JSON, nested deeper than
    `max_depth`, or a number that is not finite (NaN, Infinity, 1e999)."""
    if len(body) > max_bytes:
        raise BadJson("body_too_large", limit=max_bytes)
    try:
        value = json.loads(body, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:  # deeper than Python's own stack allows: deeper than ours too
        raise BadJson("json_depth", limit=max_depth) from None
    except BadJson:
        raise
    except ValueError:  # not UTF-8, not JSON, an integer of thousands of digits
        raise BadJson("json_syntax") from None
    if _depth_over(value, max_depth):
        raise BadJson("json_depth", limit=max_depth)
    return value


def _depth_over(value: Any, limit: int) -> bool:
    todo: list[tuple[Any, int]] = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        todo.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
