"""The customer's voice page: plain server-rendered HTML at /v/<location>, a form that works
without JavaScript, in the phone's language (ru/en, with a switch), 320–430 px wide.

The rule of what is taken lives in `audit.voice.service.take_response`; this module reads the
request, calls it and draws the answer. No script, no font, no image: one small page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from audit.checklist.voice import NotForVoice
from audit.core import clock, limits
from audit.core.errors import AppError, NotFound
from audit.i18n import t
from audit.model import Text
from audit.model.voice import SCORE_MAX, SCORE_MIN, VISIT_LEVELS
from audit.notify import webhooks
from audit.ops.process import process_store
from audit.voice import service
from audit.voice.service import HONEYPOT, Outcome, VoicePage
from audit.web.bodies import request_lang
from audit.web.marks import MARK
from audit.web.session import is_https

PREFIX = "/v/"
COOKIE = "voice_done"
MAX_FIELDS = 200  # more fields than any checklist's touchpoints need: a damaged or forged form

STYLE = """
*{box-sizing:border-box}
body{margin:0;font:17px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
 color:#1a1a1a;background:#fff}
main{max-width:30rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0 .6rem}
.lang{text-align:right;margin:0 0 .4rem}
.lang a{color:#0b4f8a;padding:.5rem;display:inline-block;min-height:44px}
fieldset{border:1px solid #8a8a8a;border-radius:8px;margin:0 0 1rem;padding:.5rem .75rem .75rem}
legend{font-weight:600;padding:0 .3rem}
fieldset fieldset{border:0;margin:.3rem 0 0;padding:0}
fieldset fieldset legend{font-weight:500;padding:0;font-size:.95rem}
.row{display:flex;gap:.35rem;flex-wrap:wrap}
.row label,.levels label{display:flex;align-items:center;justify-content:center;
 gap:.3rem;min-width:44px;min-height:44px;border:1px solid #6b6b6b;border-radius:8px;
 padding:0 .55rem;cursor:pointer}
.levels{display:flex;flex-direction:column;gap:.4rem}
.levels label{justify-content:flex-start}
input[type=radio]{width:1.15rem;height:1.15rem;margin:0;accent-color:#0b4f8a}
label:has(input:checked){background:#e3eefa;border-color:#0b4f8a}
label[for=text]{display:block;min-height:44px;padding-top:.6rem}
textarea{width:100%;min-height:6rem;font:inherit;border:1px solid #6b6b6b;border-radius:8px;padding:.5rem}
.hint{color:#4a4a4a;font-size:.9rem;margin:.2rem 0 .5rem}
button{font:inherit;font-weight:600;color:#fff;background:#0b4f8a;border:0;border-radius:8px;
 padding:.75rem 1.5rem;min-height:48px;width:100%}
:focus-visible{outline:3px solid #c25400;outline-offset:2px}
.err{border:2px solid #b00020;border-radius:8px;padding:.5rem .75rem;color:#7a0016;background:#fff5f6}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
"""


def _lang(request: Request) -> str:
    return request_lang(request)


def _text(value: Any, lang: str) -> Any:
    return value.get(lang) if isinstance(value, Text) else value


def _page(lang: str, title: str, body: str, status: int = 200,
          headers: Mapping[str, str] | None = None) -> HTMLResponse:
    html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head><body><main>{body}</main></body></html>")
    return HTMLResponse(html, status_code=status,
                        headers={"Cache-Control": "no-store", **MARK, **(headers or {})})


def _switch(request: Request, lang: str) -> str:
    path = escape(request.url.path)
    other, name = ("en", "English") if lang == "ru" else ("ru", "Русский")
    return (f'<nav class="lang" aria-label="{escape(t("voice.language", lang))}">'
            f'<a href="{path}?lang={other}" lang="{other}" hreflang="{other}">{name}</a></nav>')


def _message(lang: str, title: str, text: str, request: Request, status: int,
             headers: Mapping[str, str] | None = None) -> HTMLResponse:
    body = f"{_switch(request, lang)}<h1>{escape(title)}</h1><p>{escape(text)}</p>"
    return _page(lang, title, body, status, headers)


def form_html(page: VoicePage, lang: str, token: str, *, action: str,
              values: Mapping[str, Sequence[str]] | None = None, error: str = "") -> str:
    """The form: one fieldset per touchpoint (expected, got: 1–5), the visit overall, a comment."""
    values = values or {}

    def checked(name: str, value: str) -> str:
        return " checked" if value in values.get(name, ()) else ""

    out = [f"<h1>{escape(t('voice.title', lang))}</h1>"]
    if error:
        out.append(f'<div class="err" role="alert" id="problem"><strong>'
                   f'{escape(t("voice.problem", lang))}</strong><p>{escape(error)}</p></div>')
    out.append(f'<p>{escape(t("voice.intro", lang, location=page.location.name))}</p>')
    out.append(f'<form method="post" action="{escape(action)}" accept-charset="utf-8">')
    out.append(f'<input type="hidden" name="t" value="{escape(token)}">')
    out.append(f'<p class="hint" id="scale">{escape(t("voice.scale_hint", lang))}</p>')
    for s in page.sections:
        name = (s.customer or s.title).get(lang)
        out.append(f'<fieldset><legend>{escape(name)}</legend>')
        for kind, key in (("e", "voice.expected"), ("p", "voice.perceived")):
            field = f"{kind}.{s.id}"
            out.append(f'<fieldset aria-describedby="scale"><legend>{escape(t(key, lang))}</legend>'
                       '<div class="row">')
            for n in range(SCORE_MIN, SCORE_MAX + 1):
                ident = f"{kind}-{s.id}-{n}"
                out.append(f'<label for="{ident}"><input type="radio" id="{ident}" '
                           f'name="{escape(field)}" value="{n}"{checked(field, str(n))}>{n}</label>')
            out.append("</div></fieldset>")
        out.append("</fieldset>")
    out.append(f'<fieldset><legend>{escape(t("voice.level", lang))}</legend><div class="levels">')
    for level in VISIT_LEVELS:
        out.append(f'<label for="level-{level}"><input type="radio" id="level-{level}" name="level" '
                   f'value="{level}"{checked("level", level)}>'
                   f'{escape(t(f"voice.level.{level}", lang))}</label>')
    out.append("</div></fieldset>")
    text = (values.get("text") or [""])[0]
    limit = limits.VOICE_TEXT_MAX_CHARS
    out.append(f'<label for="text"><strong>{escape(t("voice.text", lang))}</strong></label>'
               f'<p class="hint" id="text-hint">{escape(t("voice.text_hint", lang, limit=limit))}</p>'
               f'<textarea id="text" name="text" maxlength="{limit}" aria-describedby="text-hint">'
               f"{escape(text)}</textarea>")
    out.append(f'<div class="hp" aria-hidden="true"><label for="{HONEYPOT}">'
               f'{escape(t("voice.honeypot", lang))}</label><input type="text" id="{HONEYPOT}" '
               f'name="{HONEYPOT}" tabindex="-1" autocomplete="off"></div>')
    out.append(f'<p><button type="submit">{escape(t("voice.send", lang))}</button></p></form>')
    return "".join(out)


def _location_key(location_id: str) -> str:
    return hashlib.sha256(location_id.encode()).hexdigest()[:10]


def cookie_done(request: Request, location_id: str, day: str) -> bool:
    raw = request.cookies.get(COOKIE, "")
    seen_day, _, keys = raw.partition(":")
    return seen_day == day and _location_key(location_id) in keys.split(".")


def _mark_done(response: Response, request: Request, location_id: str, day: str) -> None:
    raw = request.cookies.get(COOKIE, "")
    seen_day, _, keys = raw.partition(":")
    kept = [k for k in keys.split(".") if len(k) == 10 and k.isalnum()] if seen_day == day else []
    kept = [*kept[-30:], _location_key(location_id)]
    response.set_cookie(COOKIE, f"{day}:{'.'.join(kept)}", max_age=36 * 3600, path=PREFIX,
                        secure=is_https(request), httponly=True, samesite="lax")


async def _voice_page(request: Request, lang: str) -> VoicePage | HTMLResponse:
    location_id = str(request.path_params.get("location", ""))
    store = process_store()
    try:
        return await run_in_threadpool(service.voice_page, store, location_id)
    except NotFound:
        return _message(lang, t("voice.title", lang), t("voice.not_found", lang), request, 404)
    except NotForVoice:
        return _message(lang, t("voice.title", lang), t("voice.closed", lang), request, 503)


def _store_trouble(request: Request, lang: str, err: AppError) -> HTMLResponse:
    """The store could not answer (a full disk, a database away): said so, nothing half-kept."""
    return _message(lang, t("voice.title", lang), t("voice.trouble", lang), request, 503,
                    {"Retry-After": "60"})


async def voice_form(request: Request) -> Response:
    lang = _lang(request)
    try:
        page = await _voice_page(request, lang)
        if isinstance(page, HTMLResponse):
            return page
        now = clock.now()
        if cookie_done(request, page.location.id, service.local_day(page.location, now)):
            return _message(lang, t("voice.thanks_title", lang), t("err.voice_already", lang),
                            request, 200)
        token = await run_in_threadpool(service.issue_token, process_store(), page, now)
    except AppError as err:
        return _store_trouble(request, lang, err)
    body = _switch(request, lang) + form_html(page, lang, token, action=_action(request, lang))
    return _page(lang, t("voice.title", lang), body)


def _action(request: Request, lang: str) -> str:
    return f"{request.url.path}?lang={lang}"


def _fields(body: bytes) -> dict[str, list[str]] | None:
    try:
        return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True,
                        max_num_fields=MAX_FIELDS)
    except ValueError:
        return None


async def voice_submit(request: Request) -> Response:
    lang = _lang(request)
    try:
        page = await _voice_page(request, lang)
        if isinstance(page, HTMLResponse):
            return page
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()  # BodyLimit has held it to VOICE_BODY_MAX_BYTES
        fields = _fields(body) if kind == "application/x-www-form-urlencoded" else None
        if fields is None:
            return _message(lang, t("voice.title", lang), t("err.voice_bad_form", lang),
                            request, 400)
        now = clock.now()
        day = service.local_day(page.location, now)
        address = request.client.host if request.client else ""
        outcome = await run_in_threadpool(
            lambda: service.take_response(
                process_store(), page, fields, address=address,
                user_agent=request.headers.get("user-agent", "")[:500],
                cookie_says_done=cookie_done(request, page.location.id, day), now=now))
        if outcome.status == "saved" and outcome.response is not None:
            await run_in_threadpool(webhooks.voice_event, process_store(), outcome.response)
        return await _answer(request, lang, page, fields, outcome, day)
    except AppError as err:
        return _store_trouble(request, lang, err)


async def _answer(request: Request, lang: str, page: VoicePage, fields: dict[str, list[str]],
                  outcome: Outcome, day: str) -> Response:
    params = {k: _text(v, lang) for k, v in outcome.params.items()}
    if outcome.status in ("saved", "held"):
        response = _message(lang, t("voice.thanks_title", lang),
                            t("voice.thanks", lang, location=page.location.name), request, 200)
        _mark_done(response, request, page.location.id, day)
        return response
    if outcome.status == "duplicate":
        response = _message(lang, t("voice.thanks_title", lang), t(f"err.{outcome.code}", lang),
                            request, 409)
        _mark_done(response, request, page.location.id, day)
        return response
    if outcome.status == "limited":
        seconds = max(1, outcome.seconds)
        return _message(lang, t("voice.title", lang),
                        t("err.voice_too_many", lang, minutes=max(1, -(-seconds // 60))),
                        request, 429, {"Retry-After": str(seconds)})
    if outcome.status == "refused":
        return _message(lang, t("voice.title", lang), t("err.voice_refused", lang), request, 400)
    token = await run_in_threadpool(service.issue_token, process_store(), page, clock.now())
    kept = {k: v for k, v in fields.items() if k not in ("t", HONEYPOT)}
    body = _switch(request, lang) + form_html(page, lang, token, action=_action(request, lang),
                                              values=kept, error=t(f"err.{outcome.code}", lang, **params))
    return _page(lang, t("voice.title", lang), body, 422)


def routes() -> list[BaseRoute]:
    return [Route(PREFIX + "{location}", voice_form, methods=["GET"]),
            Route(PREFIX + "{location}", voice_submit, methods=["POST"])]
