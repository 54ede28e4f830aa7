"""The sign-in page: plain server-rendered HTML at /signin, a form that works without
JavaScript, in the reader's language (ru/en, with a switch), 320–430 px wide.

A phone on a slow link draws it from one small response; Streamlit's page (over half a
megabyte of scripts before it draws anything) is only fetched once the person is signed in,
and the sign-in page asks the browser to fetch those files meanwhile, while the person types.

The rule of who may sign in is `audit.people.accounts.sign_in` (its lock and rate limits),
the same function Streamlit's sign-in (audit/ui/auth.py, the fallback) calls. A browser
without a valid session cookie that opens a page of the app is sent here (`sign_in_first`,
asked by the page middleware), and back to that page once signed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from html import escape
from urllib.parse import parse_qs, quote

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

from audit.core.errors import AppError
from audit.i18n import error_text, t
from audit.ops.process import process_store
from audit.people import accounts
from audit.web.bodies import lang_of
from audit.web.marks import MARK
from audit.web.preload import page_files
from audit.web.session import COOKIE, caller, is_https, same_origin, set_cookie

PATH = "/signin"
LANG_COOKIE = "audit_lang"  # the reader's pick on this page; Streamlit's pages follow it
SSO_COOKIE = b"_streamlit_user"  # Streamlit's own sign-in with a company account
MAX_FIELDS = 10
MAX_NEXT = 2000  # characters of the page to return to

STYLE = """
*{box-sizing:border-box}
body{margin:0;font:17px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
 color:#1a1a1a;background:#fff}
main{max-width:26rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
h2{font-size:1.15rem;margin:0 0 .5rem}
.lang{text-align:right;margin:0}
.lang a{color:#0b4f8a;padding:.6rem .5rem;display:inline-block;min-height:44px;min-width:44px}
form{border:1px solid #8a8a8a;border-radius:8px;padding:1rem .9rem}
label{display:block;font-weight:600;margin:.6rem 0 .25rem}
input{display:block;width:100%;min-height:48px;font:inherit;border:1px solid #6b6b6b;
 border-radius:8px;padding:.5rem .65rem;background:#fff;color:inherit}
button{font:inherit;font-weight:600;color:#fff;background:#0b4f8a;border:0;border-radius:8px;
 padding:.75rem 1.5rem;min-height:48px;width:100%;margin-top:1.1rem;cursor:pointer}
.sso{display:flex;align-items:center;justify-content:center;min-height:48px;margin-top:1rem;
 border:1px solid #0b4f8a;border-radius:8px;color:#0b4f8a;text-decoration:none;padding:.5rem}
:focus-visible{outline:3px solid #c25400;outline-offset:2px}
.err{border:2px solid #b00020;border-radius:8px;padding:.5rem .75rem;margin:0 0 1rem;
 color:#7a0016;background:#fff5f6}
"""


def page_lang(request: Request) -> str:
    """The reader's language: the page's switch (?lang=), then their pick kept in a cookie,
    then the browser's (Accept-Language)."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or ""
    return chosen if chosen in ("ru", "en") else lang_of(request.headers, {})


def safe_next(value: str | None) -> str:
    """A page of this app to return to after sign-in: a path on this site, or "/"."""
    if (not value or len(value) > MAX_NEXT or not value.startswith("/") or value.startswith("//")
            or "\\" in value or not value.isascii() or not value.isprintable()
            or value.startswith(PATH)):
        return "/"
    return value


@cache
def _prefetch() -> str:
    """Streamlit's page files, fetched while the person types (the home page then finds them
    in the browser's cache)."""
    return "".join(f'<link rel="prefetch" crossorigin href="/{escape(f)}">' for f in page_files())


def _page(request: Request, lang: str, *, error: str = "", name: str = "", status: int = 200,
          headers: Mapping[str, str] | None = None) -> HTMLResponse:
    nxt = safe_next(request.query_params.get("next"))
    keep = "" if nxt == "/" else f"&next={quote(nxt, safe='')}"
    other, other_name = ("en", "English") if lang == "ru" else ("ru", "Русский")
    title = t("ui.app_title", lang)
    body = [f'<nav class="lang" aria-label="{escape(t("ui.language", lang))}">'
            f'<a href="{PATH}?lang={other}{escape(keep)}" lang="{other}" hreflang="{other}">'
            f"{other_name}</a></nav>",
            f"<h1>{escape(title)}</h1>"]
    if error:
        body.append(f'<div class="err" role="alert" id="problem">{escape(error)}</div>')
    described = ' aria-describedby="problem"' if error else ""
    body.append(
        f'<form method="post" action="{PATH}?lang={lang}{escape(keep)}" accept-charset="utf-8">'
        f'<h2>{escape(t("ui.sign_in", lang))}</h2>'
        f'<label for="name">{escape(t("ui.user_name", lang))}</label>'
        f'<input id="name" name="name" value="{escape(name)}" autocomplete="username" '
        f'autocapitalize="none" autocorrect="off" spellcheck="false" required maxlength="100"'
        f'{described}{"" if name else " autofocus"}>'
        f'<label for="password">{escape(t("ui.password", lang))}</label>'
        f'<input id="password" name="password" type="password" autocomplete="current-password" '
        f'required maxlength="1000"{described}{" autofocus" if name else ""}>'
        f'<button type="submit">{escape(t("ui.sign_in", lang))}</button></form>')
    if _sso():
        body.append(f'<a class="sso" href="/?signin=app">{escape(t("ui.sign_in_sso", lang))}</a>')
    html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style>{_prefetch()}</head><body><main>{''.join(body)}</main>"
            "</body></html>")
    return HTMLResponse(html, status_code=status,
                        headers={"Cache-Control": "no-store", **MARK, **(headers or {})})


def _sso() -> bool:
    """A company sign-in is configured (Streamlit's st.login, offered on its own page)."""
    try:
        return "auth" in st.secrets
    except Exception:  # a missing or broken secrets.toml must not take the page down
        return False


def _signed_in(request: Request) -> bool:
    try:
        return caller(process_store(), request) is not None
    except AppError:
        return False


async def sign_in_form(request: Request) -> Response:
    lang = page_lang(request)
    signed_in = bool(request.cookies.get(COOKIE)) and await run_in_threadpool(_signed_in, request)
    if signed_in:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303,
                                headers={"Cache-Control": "no-store"})
    response = _page(request, lang)
    if request.query_params.get("lang") in ("ru", "en"):  # picked here: kept for the app too
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, path="/",
                            secure=is_https(request), httponly=True, samesite="lax")
    return response


def _fields(request: Request, body: bytes) -> dict[str, list[str]] | None:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return None
    try:
        return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True,
                        max_num_fields=MAX_FIELDS)
    except ValueError:
        return None


async def sign_in_post(request: Request) -> Response:
    """Check the name and password (accounts.sign_in), set the HttpOnly session cookie, and
    answer 303 to the page the person came for; any refusal is this page again, saying why."""
    lang = page_lang(request)
    if not same_origin(request):
        return _page(request, lang, error=t("err.forbidden_origin", lang), status=403)
    body = await request.body()  # BodyLimit has held it to SIGN_IN_FORM_MAX_BYTES
    fields = _fields(request, body)
    if fields is None:
        return _page(request, lang, error=t("err.signin_bad_form", lang), status=400)
    name = (fields.get("name") or [""])[0].strip()
    password = (fields.get("password") or [""])[0]
    if not name or not password:
        return _page(request, lang, error=t("err.signin_missing", lang), name=name[:100],
                     status=400)
    address = request.client.host if request.client else None
    store = process_store()

    def work() -> str:
        user = accounts.sign_in(store, name, password, address=address)
        return accounts.start_session(store, user)

    try:
        token = await run_in_threadpool(work)
    except accounts.AccountError as err:
        status, extra = _refusal(err)
        return _page(request, lang, error=error_text(err, lang), name=name[:100], status=status,
                     headers=extra)
    except AppError as err:  # a full disk, a database away: said so, nothing half-kept
        return _page(request, lang, error=error_text(err, lang), name=name[:100], status=503,
                     headers={"Retry-After": "60"})
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303,
                                headers={"Cache-Control": "no-store"})
    set_cookie(response, request, token)
    return response


def _refusal(err: accounts.AccountError) -> tuple[int, dict[str, str]]:
    if err.code in ("rate_limited", "locked"):
        minutes = err.params.get("minutes", 1)
        seconds = int(minutes) * 60 if isinstance(minutes, int) else 60
        return 429, {"Retry-After": str(seconds)}
    if err.code == "busy":
        return 503, {"Retry-After": "60"}
    if err.code == "disabled":
        return 403, {}
    return 401, {}


async def sign_in_first(scope: Scope) -> str | None:
    """Where a browser that opened Streamlit's page at `scope` goes instead: this page (with
    the page it asked for to return to), unless it holds a valid session cookie, is signed in
    with a company account, asked for Streamlit's own sign-in (?signin=app), or the store has
    never had anybody (Streamlit's first run creates the first account)."""
    request = Request(scope)
    if request.query_params.get("signin") == "app":
        return None
    if any(k == b"cookie" and SSO_COOKIE + b"=" in v for k, v in scope.get("headers", [])):
        return None

    def decide() -> bool:
        store = process_store()
        if request.cookies.get(COOKIE) and caller(store, request) is not None:
            return False
        return not accounts.needs_first_run(store)

    try:
        if not await run_in_threadpool(decide):
            return None
    except AppError:  # Streamlit's page says what is wrong with the store
        return None
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    nxt = safe_next(target)
    return PATH if nxt == "/" else f"{PATH}?next={quote(nxt, safe='')}"


def routes() -> list[BaseRoute]:
    return [Route(PATH, sign_in_form, methods=["GET"]),
            Route(PATH, sign_in_post, methods=["POST"])]

