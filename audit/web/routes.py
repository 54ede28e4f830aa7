"""The routes beside the Streamlit app: the session cookie, the walk's outbox sync, photo uploads."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from audit.audits import sync
from audit.audits.evidence import PhoneReport, add_photo
from audit.core.errors import AppError, AuditLocked, NotFound
from audit.i18n import error_text, t
from audit.ops.process import process_store
from audit.people import handoff
from audit.people.ratelimit import RateLimited, photo_uploads
from audit.photos import PhotoError, message
from audit.web.session import Caller, caller, clear_cookie, csrf_ok, same_origin, set_cookie

MAX_PHOTO_BYTES = 25 * 1024 * 1024
MAX_BATCH_BYTES = 2 * 1024 * 1024


def _lang(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.headers.get("x-lang") or ""
    if chosen in ("ru", "en"):
        return chosen
    return "ru" if request.headers.get("accept-language", "").lower().startswith("ru") else "en"


def _error(status: int, code: str, text: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": text}, status_code=status,
                        headers={"Cache-Control": "no-store"})


def refusal_text(code: str, params: dict[str, Any], lang: str) -> str:
    text = t(f"err.{code}", lang, **params)
    return text if text != f"err.{code}" else code


async def _checked_caller(request: Request) -> Caller | JSONResponse:
    """The signed-in caller of a state-changing request, or the response that refuses it."""
    lang = _lang(request)
    if not same_origin(request):
        return _error(403, "forbidden_origin", t("err.forbidden_origin", lang))
    who = await run_in_threadpool(caller, process_store(), request)
    if who is None:
        return _error(401, "signed_out", t("err.signed_out", lang))
    if not csrf_ok(request, who):
        return _error(403, "forbidden_origin", t("err.forbidden_origin", lang))
    return who


def _store_error(err: AppError, lang: str) -> JSONResponse:
    if isinstance(err, NotFound):
        return _error(404, "not_found", t("err.not_found", lang))
    if isinstance(err, AuditLocked):
        return _error(409, "audit_locked", t("err.audit_locked", lang))
    if isinstance(err, sync.SyncError):
        return _error(400, "bad_batch", error_text(err, lang))
    return _error(503, err.code, error_text(err, lang))


def _result_json(result: sync.SyncResult, lang: str) -> dict[str, Any]:
    refused = [{"seq": r.seq, "code": r.code, "message": refusal_text(r.code, r.params, lang)}
               for r in result.refused]
    return {"acked": sorted({*result.applied, *result.duplicates, *(r.seq for r in result.refused)}),
            "refused": refused,
            "answers": {k: sync.answer_json(a) for k, a in result.answers.items()},
            "section": result.section}


async def session_start(request: Request) -> Response:
    """Exchange the page's one-time ticket for the HttpOnly session cookie."""
    lang = _lang(request)
    if not same_origin(request):
        return _error(403, "forbidden_origin", t("err.forbidden_origin", lang))
    try:
        ticket = (await request.json()).get("ticket")
    except (ValueError, AttributeError):
        ticket = None
    token = handoff.redeem_ticket(ticket) if isinstance(ticket, str) else None
    if token is None:
        return _error(401, "signed_out", t("err.signed_out", lang))
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    set_cookie(response, request, token)
    return response


async def session_end(request: Request) -> Response:
    """Forget the cookie (the session itself was ended by sign-out)."""
    if not same_origin(request):
        return _error(403, "forbidden_origin", t("err.forbidden_origin", _lang(request)))
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    clear_cookie(response, request)
    return response


async def sync_batch(request: Request) -> Response:
    """Apply a phone's outbox batch; answer what was stored, and the audit's answers if changed."""
    lang = _lang(request)
    who = await _checked_caller(request)
    if isinstance(who, JSONResponse):
        return who
    body = await request.body()
    if len(body) > MAX_BATCH_BYTES:
        return _error(413, "bad_batch", t("err.bad_batch", lang, reason="too large"))
    try:
        payload = json.loads(body or b"null")
        audit_id, client, changes = sync.parse_batch(payload)
    except ValueError:
        return _error(400, "bad_batch", t("err.bad_batch", lang, reason="not JSON"))
    except sync.SyncError as err:
        return _store_error(err, lang)
    known = payload.get("known")
    store = process_store()

    def work() -> dict[str, Any]:
        result = sync.apply_batch(store, who.user, audit_id, client, changes)
        out = _result_json(result, lang)
        out["digest"] = result.digest
        if known != result.digest_before:
            # the phone missed a change made elsewhere: it gets the whole picture; otherwise the
            # batch's own items are all it lacks, and a reply on a slow link stays small
            audit = store.get_audit(audit_id)
            if audit is not None:
                out["snapshot"], out["digest"] = sync.snapshot(audit.answers)
        return out

    try:
        out = await run_in_threadpool(work)
    except AppError as err:
        return _store_error(err, lang)
    return JSONResponse(out, headers={"Cache-Control": "no-store"})


async def photo_upload(request: Request) -> Response:
    """A photo from the phone's outbox: the bytes as the body, the rest in the query and a header."""
    lang = _lang(request)
    who = await _checked_caller(request)
    if isinstance(who, JSONResponse):
        return who
    try:  # counted before the body is read: a flood costs the server no photo work
        photo_uploads.hit(who.user.name)
    except RateLimited as limited:
        # 503, not 4xx: the phone keeps the photo in its outbox and sends it again later
        text = t(f"err.{limited.code}", lang, **limited.params)
        return JSONResponse({"code": limited.code, "message": text}, status_code=503,
                            headers={"Retry-After": str(limited.params["seconds"])})
    q = request.query_params
    try:
        seq = int(q.get("seq", ""))
        at = sync.phone_time(q.get("at"))
    except (ValueError, sync.SyncError):
        return _error(400, "bad_batch", t("err.bad_batch", lang, reason="no sequence or time"))
    audit_id, key, client = q.get("audit", ""), q.get("key", ""), q.get("client", "")
    if not sync.CLIENT_RE.match(client) or not audit_id or not key:
        return _error(400, "bad_batch", t("err.bad_batch", lang, reason="no audit, item or client"))
    declared = int(request.headers.get("content-length") or 0)
    if declared > MAX_PHOTO_BYTES:
        err = PhotoError("too_large", size=declared, limit=MAX_PHOTO_BYTES)
        return _error(413, "too_large", message(err, lang))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PHOTO_BYTES:
            err = PhotoError("too_large", size=size, limit=MAX_PHOTO_BYTES)
            return _error(413, "too_large", message(err, lang))
        chunks.append(chunk)
    try:
        raw_report = json.loads(unquote(request.headers.get("x-photo-report", "") or "{}"))
    except ValueError:
        raw_report = {}
    report = PhoneReport.from_json(raw_report)
    store = process_store()

    def work() -> dict[str, Any]:
        added = add_photo(store, who.user, audit_id, key, b"".join(chunks), report=report,
                          client=client, seq=seq, at=at)
        assert added.result is not None  # noqa: S101  a client was given
        out = _result_json(added.result, lang)
        out["sha"] = added.ref.sha256
        out["photo"] = added.ref.upload  # the id a later sync change names to attach it
        return out

    try:
        out = await run_in_threadpool(work)
    except PhotoError as err:
        return _error(422, err.code, message(err, lang))
    except AppError as err:
        return _store_error(err, lang)
    return JSONResponse(out, headers={"Cache-Control": "no-store"})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/session", session_start, methods=["POST"]),
        Route("/api/session", session_end, methods=["DELETE"]),
        Route("/api/sync", sync_batch, methods=["POST"]),
        Route("/api/photo", photo_upload, methods=["POST"]),
    ]
