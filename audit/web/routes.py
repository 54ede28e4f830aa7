"""The routes beside the Streamlit app: the sign-in page and the session cookie, the walk's
outbox sync, photo uploads."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from audit import workflow
from audit.actions import service as actions_service
from audit.audits import capture, sync
from audit.audits.evidence import PhoneReport, add_photo
from audit.core import limits
from audit.core.errors import AppError, AuditLocked, NotFound
from audit.i18n import error_text, t
from audit.ops.process import process_store
from audit.people import handoff
from audit.people.ratelimit import RateLimited, photo_uploads, sync_batches
from audit.photos import PhotoError, message
from audit.visits import service as visit_service
from audit.visits.proof import BadPosition, Position, check_position
from audit.web import signin, voice
from audit.web.bodies import BadJson, parse_json, request_lang
from audit.web.intake import photo_bodies, uploads_in_flight
from audit.web.offline import routes as offline_routes
from audit.web.session import Caller, caller, clear_cookie, csrf_ok, same_origin, set_cookie

MAX_PHOTO_BYTES = limits.PHOTO_MAX_BYTES
MAX_BATCH_BYTES = limits.SYNC_BODY_MAX_BYTES
_lang = request_lang


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
    try:
        who = await run_in_threadpool(caller, process_store(), request)
    except AppError as err:  # e.g. a damaged people file: said so, never a 500
        return _store_error(err, lang)
    if who is None:
        return _error(401, "signed_out", t("err.signed_out", lang))
    if not csrf_ok(request, who):
        return _error(403, "forbidden_origin", t("err.forbidden_origin", lang))
    return who


def _later(code: str, text: str, seconds: int) -> JSONResponse:
    """503 with Retry-After, never a 4xx: the phone keeps what it sent and sends it again."""
    return JSONResponse({"error": code, "code": code, "message": text}, status_code=503,
                        headers={"Retry-After": str(seconds), "Cache-Control": "no-store"})


def _limited(limited: RateLimited, lang: str) -> JSONResponse:
    return _later(limited.code, t(f"err.{limited.code}", lang, **limited.params),
                  int(limited.params["seconds"]))


def _bad_json(err: BadJson, lang: str) -> JSONResponse:
    status = 413 if err.code == "body_too_large" else 400
    return _error(status, err.code, err.text(lang))


def _store_error(err: AppError, lang: str) -> JSONResponse:
    if isinstance(err, NotFound):
        return _error(404, "not_found", t("err.not_found", lang))
    if isinstance(err, AuditLocked):  # or a kind of it that says more (a photo too late)
        return _error(409, err.code, error_text(err, lang))
    if isinstance(err, sync.SyncError):
        return _error(400, "bad_batch", error_text(err, lang))
    if err.code in ("bad_transition", "too_many_photos"):  # an action's state: not to retry
        return _error(409, err.code, error_text(err, lang))
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
        payload = parse_json(await request.body(), max_bytes=limits.BODY_MAX_BYTES)
    except BadJson as err:
        return _bad_json(err, lang)
    ticket = payload.get("ticket") if isinstance(payload, dict) else None
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
    store = process_store()
    try:  # counted before the body is read, in the store: every process counts the same
        await run_in_threadpool(sync_batches.hit, store, who.user.name)
    except RateLimited as limited:
        return _limited(limited, lang)
    except AppError as err:
        return _store_error(err, lang)
    try:
        payload = parse_json(await request.body(), max_bytes=limits.SYNC_BODY_MAX_BYTES)
        audit_id, client, changes = sync.parse_batch(payload)
    except BadJson as err:
        return _bad_json(err, lang)
    except sync.SyncError as err:
        return _store_error(err, lang)
    known = payload.get("known")

    def _submit(asked: tuple[int, tuple[tuple[str, str], ...]], out: dict[str, Any],
                lang: str) -> dict[str, Any]:
        """The phone's submit, after the answers it came with: held for its photos or done;
        with where the phone was when the shopper tapped Submit, if it said."""
        seq, coming = asked
        try:
            left = workflow.submit_from_phone(store, who.user, audit_id, coming,
                                              position=submit_position(payload, seq))
        except AppError as err:
            out["refused"].append({"seq": seq, "code": err.code, "message": error_text(err, lang)})
            return {"submitted": False, "arriving": 0}
        return {"submitted": True, "arriving": left}

    def work() -> dict[str, Any]:
        result = sync.apply_batch(store, who.user, audit_id, client, changes)
        out = _result_json(result, lang)
        out["digest"] = result.digest
        if result.submit is not None:
            out["status"] = _submit(result.submit, out, lang)
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


def submit_position(payload: Any, seq: int) -> Position | None:
    """The position a phone's queued submit carries ({lat, lon, accuracy, at} beside its photos,
    taken when Submit was tapped, perhaps without a signal); None when it carries none, or one
    that makes no sense (the submit itself stands: a position is proof, not a condition)."""
    changes = payload.get("changes") if isinstance(payload, dict) else None
    raw = next((c.get("value") for c in changes or () if isinstance(c, dict)
                and c.get("seq") == seq and c.get("kind") == "submit"), None)
    where = raw.get("position") if isinstance(raw, dict) else None
    if not isinstance(where, dict):
        return None
    try:
        at = sync.phone_time(where.get("at")) if where.get("at") else ""
        return check_position(where.get("lat"), where.get("lon"), where.get("accuracy"), at)
    except (BadPosition, sync.SyncError):
        return None


async def photo_upload(request: Request) -> Response:
    """A photo from the phone's outbox: the bytes as the body, the rest in the query and a header.

    Nothing of the body is read until the photo is known to be wanted (`_photo_intake`): the
    session, the person's minute allowance, the audit (it exists, this person may add to it,
    it is not submitted), this person's uploads under way in this process, and the process's
    budget of photo bytes held at once. A photo refused for the last three is kept on the
    phone (503 with Retry-After) and sent again.
    """
    lang = _lang(request)
    who = await _checked_caller(request)
    if isinstance(who, JSONResponse):
        return who
    q = request.query_params
    try:
        seq = int(q.get("seq", ""))
        at = sync.phone_time(q.get("at"))
    except (ValueError, sync.SyncError):
        return _error(400, "bad_batch", t("err.bad_batch", lang, reason="no sequence or time"))
    audit_id, key, client = q.get("audit", ""), q.get("key", ""), q.get("client", "")
    if not sync.CLIENT_RE.match(client) or not audit_id or not key:
        return _error(400, "bad_batch", t("err.bad_batch", lang, reason="no audit, item or client"))
    store = process_store()

    def work(data: bytes, report: PhoneReport) -> dict[str, Any]:
        added = add_photo(store, who.user, audit_id, key, data, report=report,
                          client=client, seq=seq, at=at)
        assert added.result is not None  # noqa: S101  a client was given
        out = _result_json(added.result, lang)
        out["sha"] = added.ref.sha256
        out["photo"] = added.ref.upload  # the id a later sync change names to attach it
        header = store.get_header(audit_id)
        if added.completes:  # the last photo a submit on the phone waited for
            # refused, it stays a draft: the shopper's review says what is missing
            with contextlib.suppress(AppError):
                workflow.photo_landed(store, who.user, audit_id)
            header = store.get_header(audit_id)
        if header is not None and (header.arriving or header.status == "submitted"):
            out["status"] = {"submitted": True, "arriving": len(header.arriving)}
        return out

    return await _photo_intake(request, who, lang,
                               lambda: capture.check_photo_welcome(store, who.user, audit_id), work)


async def action_photo(request: Request) -> Response:
    """A photo of a fix from the manager's phone (?action=ID): downscaled there like every photo
    (the walk's photos.js), let in like the walk's (`_photo_intake`), kept as the action's
    evidence with what the phone read of the original beside it."""
    lang = _lang(request)
    who = await _checked_caller(request)
    if isinstance(who, JSONResponse):
        return who
    action_id = request.query_params.get("action", "")
    if not action_id:
        return _error(400, "bad_batch", t("err.bad_batch", lang, reason="no action"))
    store = process_store()

    def admit() -> None:
        actions_service.check_evidence_welcome(store, who.user, action_id)

    def work(data: bytes, report: PhoneReport) -> dict[str, Any]:
        ref = actions_service.add_evidence(store, who.user, action_id, data,
                                           reported=report.to_dict())
        return {"sha": ref.sha256}

    return await _photo_intake(request, who, lang, admit, work)


async def location_photo(request: Request) -> Response:
    """A photo taken at a branch (?location=ID), from HQ's Admin page: where it was taken becomes
    the location's place (`visit_service.locate_from_photo`). Let in like every phone photo
    (`_photo_intake`: nobody but HQ gets a byte of the body read)."""
    lang = _lang(request)
    who = await _checked_caller(request)
    if isinstance(who, JSONResponse):
        return who
    location_id = request.query_params.get("location", "")
    store = process_store()

    def admit() -> None:
        visit_service.check_location_photo_welcome(store, who.user, location_id)

    def work(data: bytes, report: PhoneReport) -> dict[str, Any]:
        loc = visit_service.locate_from_photo(store, who.user, location_id, data, report.gps)
        return {"lat": loc.lat, "lon": loc.lon, "tz": loc.tz}

    return await _photo_intake(request, who, lang, admit, work)


async def _photo_intake(request: Request, who: Caller, lang: str, admit: Callable[[], Any],
                        work: Callable[[bytes, PhoneReport], dict[str, Any]]) -> Response:
    """Every phone photo's way in: its declared size, the person's minute allowance and
    `admit` (may they add it there) before a byte is read; then one of their photos at a time
    within the process's budget of photo bytes; then `work` with the bytes and the phone's
    report of the original. A refusal for being busy is a 503 the phone sends again."""
    declared_text = request.headers.get("content-length")
    declared = int(declared_text) if declared_text and declared_text.isdigit() else None
    if declared is not None and declared > MAX_PHOTO_BYTES:  # BodyLimit refuses it first
        err = PhotoError("too_large", size=declared, limit=MAX_PHOTO_BYTES)
        return _error(413, "too_large", message(err, lang))
    name = who.user.name
    retry = limits.PHOTO_BUSY_RETRY_SECONDS
    if not uploads_in_flight.take(name):
        return _later("uploads_in_flight", t("err.uploads_in_flight", lang, seconds=retry,
                                             count=uploads_in_flight.limit), retry)
    try:
        store = process_store()

        def admitted() -> None:
            photo_uploads.hit(store, name)
            admit()

        try:
            await run_in_threadpool(admitted)
        except RateLimited as limited:
            return _limited(limited, lang)
        except AppError as err:
            return _store_error(err, lang)
        need = declared if declared is not None else MAX_PHOTO_BYTES
        async with uploads_in_flight.turn(name):  # one of this person's photos at a time
            if not photo_bodies.take(need):
                return _later("photos_busy", t("err.photos_busy", lang, seconds=retry), retry)
            try:
                return await _receive_photo(request, lang, work)
            finally:
                photo_bodies.give(need)
    finally:
        uploads_in_flight.give(name)


async def _receive_photo(request: Request, lang: str,
                         work: Callable[[bytes, PhoneReport], dict[str, Any]]) -> Response:
    # one buffer, grown in place, handed over without a copy (BytesIO.getvalue shares it)
    buf, size = io.BytesIO(), 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PHOTO_BYTES:  # BodyLimit refuses it first; kept for the message
            err = PhotoError("too_large", size=size, limit=MAX_PHOTO_BYTES)
            return _error(413, "too_large", message(err, lang))
        buf.write(chunk)
    data = buf.getvalue()
    del buf
    try:
        raw_report = json.loads(unquote(request.headers.get("x-photo-report", "") or "{}"))
    except (ValueError, RecursionError):
        raw_report = {}
    report = PhoneReport.from_json(raw_report)
    try:
        out = await run_in_threadpool(work, data, report)
    except PhotoError as err:
        return _error(422, err.code, message(err, lang))
    except visit_service.NoGps as err:
        return _error(422, err.code, error_text(err, lang))
    except AppError as err:
        return _store_error(err, lang)
    return JSONResponse(out, headers={"Cache-Control": "no-store"})


def routes() -> list[BaseRoute]:
    return [
        *voice.routes(),
        *signin.routes(),  # the sign-in page
        Route("/api/session", session_start, methods=["POST"]),
        Route("/api/session", session_end, methods=["DELETE"]),
        Route("/api/sync", sync_batch, methods=["POST"]),
        Route("/api/photo", photo_upload, methods=["POST"]),
        Route("/api/action-photo", action_photo, methods=["POST"]),
        Route("/api/location-photo", location_photo, methods=["POST"]),
        *offline_routes(),  # the service worker and the offline page
    ]
