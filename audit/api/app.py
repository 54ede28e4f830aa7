"""/api/v1: FastAPI mounted beside the Streamlit app, so its OpenAPI document and docs page are
generated from this code (never hand-written schemas).

Every request brings a token (`Authorization: Bearer cja_…`), is counted against the token's
rate limit in the store (every process and replica shares it), and reads only what a person
of the token's scope may (`audit.people.tokens.reader_of`). Lists are paged by a cursor over
(time of last change, id): a row changed meanwhile moves to the end and is listed again, a row
not changed is listed once. Each item and page carries an ETag; `If-None-Match` gets a 304.
Refusals are RFC 9457 problem details in the caller's language (`audit.api.problems`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from audit.actions import service as actions
from audit.api import views
from audit.api.auth import bearer, token_reader
from audit.api.feed import feed_router
from audit.api.paging import (
    check_time,
    decode_cursor,
    encode_cursor,
    etag_of,
    etag_of_bytes,
    matches,
    page_of,
    settled_until,
    to_json,
)
from audit.api.problems import Problem, lang_of, problem_response, render
from audit.core import limits
from audit.core.clock import now_iso
from audit.core.errors import AppError, NotFound, StoreUnavailable
from audit.i18n import error_text, t
from audit.model import WEEKDAYS, Location
from audit.model.actions import ActionFilter
from audit.model.visits import Plan, VisitFilter
from audit.model.voice import VISIT_LEVELS, VoiceFilter, month_of_id
from audit.people import access, audience, places
from audit.people.tokens import TokenReader
from audit.reports import voice
from audit.store import AuditFilter, Store
from audit.store.integrations import row_time
from audit.visits import plans as visit_plans
from audit.visits import service as visit_service

log = logging.getLogger(__name__)

ID = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.~-]+$")]
Limit = Annotated[int, Query(ge=1, le=limits.API_PAGE_MAX, description="rows per page")]
Cursor = Annotated[str | None, Query(max_length=400, description="next_cursor of the page before")]
Text = Annotated[str | None, Query(max_length=120)]
Since = Annotated[str | None, Query(max_length=40, description="ISO 8601 date or time")]
Month = Annotated[str | None, Query(pattern=r"^2\d{3}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


# -- the shapes the OpenAPI document shows ------------------------------------------------------

class Links(BaseModel):
    model_config = ConfigDict(extra="allow")
    self: str


class LocationOut(BaseModel):
    id: str
    name: str
    region: str
    address: str
    active: bool
    tz: str
    lat: float | None
    lon: float | None
    hours: dict[str, list[str] | None]
    links: Links


class ChecklistOut(BaseModel):
    id: str
    version: int
    title: dict[str, str]
    uploaded_at: str
    links: Links


class AuditOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    changed_at: str
    location_id: str
    region: str
    checklist_id: str
    checklist_version: int
    mode: str
    state: Literal["submitted", "published"]
    auditor: str = Field(description="the shopper's name for a whole-network token, else their code "
                                     "(a self-audit's auditor by name)")
    visit_at: str
    submitted_at: str
    score: float | None
    computed_score: float | None
    level: str | None
    critical_failure: bool
    answered: int
    total: int
    links: Links


class ActionOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    changed_at: str
    location_id: str
    audit_id: str
    key: str
    owner: str
    due: str
    status: str
    links: Links


class VisitOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    location_id: str
    state: str
    links: dict[str, str | None]


class Page(BaseModel):
    data: list[dict[str, Any]]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page, or keep it to "
                                                "ask later for what changed since")
    has_more: bool = Field(description="more rows follow now")
    links: dict[str, str | None]


class LocationIn(BaseModel):
    """A new location: its id (Latin letters, digits, hyphens), name, region; address and zone."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=40)
    name: str = Field(max_length=200)
    region: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=500)
    tz: str = Field(default="", max_length=64, description="IANA time zone, e.g. Europe/Moscow")


class ActionPatch(BaseModel):
    """What a write may change of an action: its status, owner or due date (and a note)."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["in_progress", "done", "verified", "rejected"] | None = None
    owner: str | None = Field(default=None, max_length=120)
    due: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD")
    note: str | None = Field(default=None, max_length=limits.ACTION_NOTE_MAX_CHARS)
    reason: str | None = Field(default=None, max_length=limits.ACTION_REASON_MAX_CHARS,
                               description="why a done action goes back (status rejected)")


Name = Annotated[str, Field(min_length=1, max_length=120)]


class PlanIn(BaseModel):
    """A visit plan, as HQ makes one on the Plan page: a checklist, days first..last, locations
    (named, and/or every active one of a region), visits a month per location (0: one in the
    whole period), weekdays and a time of day, and shoppers taken in turn (none: open to any)."""

    model_config = ConfigDict(extra="forbid")
    checklist_id: Name
    first: date = Field(ge=date(2000, 1, 1), le=date(2199, 12, 31))
    last: date = Field(ge=date(2000, 1, 1), le=date(2199, 12, 31))
    location_ids: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list,
                                                                      max_length=1000)
    region: str = Field(default="", max_length=120)
    per_month: int = Field(default=0, ge=0, le=visit_plans.MAX_PER_MONTH)
    weekdays: list[Literal[WEEKDAYS]] = Field(default_factory=list, max_length=7)  # type: ignore[valid-type]
    time_from: str = Field(default="", max_length=5, description="HH:MM, the location's time")
    time_to: str = Field(default="", max_length=5)
    shoppers: list[Name] = Field(default_factory=list, max_length=200)
    scenario_ru: str = Field(default="", max_length=4000)
    scenario_en: str = Field(default="", max_length=4000)


class PlanOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    checklist_id: str
    first: str
    last: str
    links: dict[str, str | None]


class VisitPatch(BaseModel):
    """HQ's change of a visit not yet under way: another shopper ("" opens it to any shopper of
    its region), cancelled, or planned again."""

    model_config = ConfigDict(extra="forbid")
    shopper: str | None = Field(default=None, max_length=120)
    status: Literal["planned", "cancelled"] | None = None


class ResponseOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    location_id: str
    level: str
    text: str | None = Field(description="the customer's words once HQ approved them, else null")
    links: Links


PROBLEM = {"description": "RFC 9457 problem details in the caller's language",
           "content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM,
                                           429: PROBLEM, 503: PROBLEM}


# -- the app -------------------------------------------------------------------------------------

def create_api(get_store: Callable[[], Store] | None = None) -> FastAPI:
    """The API; `get_store` gives the store (the server process's one by default)."""
    if get_store is None:
        from audit.ops.process import process_store

        get_store = process_store
    api = FastAPI(
        title="Customer-journey audit API", version="1.0.0", docs_url=None, redoc_url=None,
        description="Audits, actions, visits and locations of the network for integrations. "
                    "Authenticate with `Authorization: Bearer <token>` (Admin → Integrations or "
                    "`audit tokens add`). Pages: pass `next_cursor` back as `cursor`.",
        responses=ERRORS)
    api.state.get_store = get_store

    @api.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return render(request, exc)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("query", "path", "body"))
        text = str(first.get("msg", "invalid"))
        key = "api.bad_body" if first.get("loc", ("",))[0] == "body" else "api.bad_param"
        return render(request, Problem(400, "bad_request", key, name=where or "?", problem=text))

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return problem_response(request, 404, "not_found", t("api.no_route", lang_of(request)))
        return problem_response(request, exc.status_code, "bad_request", str(exc.detail),
                                headers=dict(exc.headers or {}))

    @api.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        lang = lang_of(request)
        if isinstance(exc, NotFound):
            return problem_response(request, 404, "not_found", error_text(exc, lang))
        if isinstance(exc, StoreUnavailable):
            return problem_response(request, 503, "unavailable", error_text(exc, lang),
                                    headers={"Retry-After": "30"})
        return problem_response(request, 400, "bad_request", error_text(exc, lang))

    @api.exception_handler(Exception)
    async def _surprise(request: Request, exc: Exception) -> Response:  # pragma: no cover - a bug
        log.exception("API %s %s", request.method, request.url.path)
        return problem_response(request, 503, "unavailable", str(type(exc).__name__),
                                headers={"Retry-After": "30"})

    @api.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(openapi_url=f"{root}/openapi.json", title="API — Customer-journey audit")
        # the page loads Swagger UI from its CDN: allowed here, on this page only
        cdn = "https://cdn.jsdelivr.net"
        page.headers["content-security-policy"] = (
            f"default-src 'self'; script-src 'self' 'unsafe-inline' {cdn}; style-src 'self' "
            f"'unsafe-inline' {cdn}; img-src 'self' data: https://fastapi.tiangolo.com; "
            "frame-ancestors 'none'")
        return page

    api.include_router(feed_router(get_store))
    _routes(api, get_store)
    return api


async def _caller(request: Request,
                  authorization: Annotated[str | None, Header(max_length=400)] = None) -> TokenReader:
    """The calling token's reader (the store from the app that serves the request)."""
    store = request.app.state.get_store()
    return await run_in_threadpool(token_reader, store, bearer(authorization))


Who = Annotated[TokenReader, Depends(_caller)]


def _json(request: Request, body: Any, *, status: int = 200) -> Response:
    """The body with its ETag (of the very bytes sent); 304 when the caller has it already."""
    data = to_json(body)
    tag = etag_of_bytes(data)
    if status == 200 and matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers={"ETag": tag})
    return Response(data, status_code=status, media_type="application/json",
                    headers={"ETag": tag, "Cache-Control": "private, no-cache"})


def _page(request: Request, data: list[dict[str, Any]], last: tuple[str, str] | None,
          more: bool) -> Response:
    """A page: its rows, the cursor after its last row (kept to go on later, whether or not more
    follow now), and the next page's link while more follow."""
    cursor = encode_cursor(*last) if last is not None else None
    nxt = None
    if more and cursor is not None:
        url = request.url.include_query_params(cursor=cursor)
        nxt = f"{url.path}?{url.query}"
    return _json(request, {"data": data, "next_cursor": cursor, "has_more": more, "links": {"next": nxt}})


def _locations_filter(who: TokenReader, location: str | None) -> tuple[str, ...] | None:
    """The locations a list may come from: the token's, narrowed by the `location` filter."""
    mine = who.location_ids
    if location is None:
        return mine
    return (location,) if mine is None or location in mine else ()


def _hq_only(who: TokenReader) -> None:
    if not who.is_network:
        raise Problem(403, "forbidden", "api.hq_only")


def _writer(who: TokenReader) -> None:
    if who.token.scope != "write":
        raise Problem(403, "forbidden", "api.read_only")


def _routes(api: FastAPI, get_store: Callable[[], Store]) -> None:
    # -- locations -------------------------------------------------------------------------

    @api.get("/locations", response_model=Page, tags=["locations"], summary="Locations (branches)")
    def list_locations(request: Request, who: Who, region: Text = None,
                       limit: Limit = limits.API_PAGE_DEFAULT, cursor: Cursor = None) -> Response:
        after = decode_cursor(cursor)
        allowed = who.location_ids
        found = [loc for loc in get_store().list_locations()
                 if (allowed is None or loc.id in allowed) and (region is None or loc.region == region)]
        page, last, more = page_of(found, lambda loc: ("", loc.id), after, limit)
        return _page(request, [views.location(loc) for loc in page], last, more)

    @api.post("/locations", response_model=LocationOut, status_code=201, tags=["locations"],
              summary="Add a location (a write token for the whole network)")
    def post_location(request: Request, who: Who, new: LocationIn) -> Response:
        _writer(who)
        _hq_only(who)
        store = get_store()
        try:
            places.check_location(store, new.id, new.name, new=True)
        except places.PlaceError as err:
            status = 409 if err.code == "location_exists" else 400
            return problem_response(request, status, "conflict" if status == 409 else "bad_request",
                                    t(f"ui.{err.code}", lang_of(request)))
        loc = Location(id=new.id, name=new.name.strip(), region=new.region.strip(),
                       address=new.address.strip(), tz=new.tz)
        if new.tz:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(new.tz)
            except (ZoneInfoNotFoundError, ValueError) as err:
                raise Problem(400, "bad_request", "api.bad_param", name="tz",
                              problem="not an IANA time zone (Europe/Moscow)") from err
        store.put_location(loc)
        return _json(request, views.location(loc), status=201)

    @api.get("/locations/{location_id}", response_model=LocationOut, tags=["locations"])
    def get_location(request: Request, who: Who, location_id: ID) -> Response:
        loc = get_store().get_location(location_id)
        if loc is None or (who.location_ids is not None and loc.id not in who.location_ids):
            raise Problem(404, "not_found", "api.not_found", what="location", id=location_id)
        return _json(request, views.location(loc))

    # -- checklists ------------------------------------------------------------------------

    @api.get("/checklists", response_model=Page, tags=["checklists"], summary="Checklist versions")
    def list_checklists(request: Request, who: Who, checklist: Text = None,
                        limit: Limit = limits.API_PAGE_DEFAULT, cursor: Cursor = None) -> Response:
        after = decode_cursor(cursor)
        found = [i for i in get_store().list_templates() if checklist is None or i.id == checklist]
        page, last, more = page_of(found, lambda i: (i.id, f"{i.version:09d}"), after, limit)
        return _page(request, [views.checklist(i) for i in page], last, more)

    @api.get("/checklists/{checklist_id}/versions/{version}", tags=["checklists"],
             summary="One checklist version: sections and items")
    def get_checklist(request: Request, who: Who, checklist_id: ID,
                      version: Annotated[int, Path(ge=1, le=1_000_000)]) -> Response:
        from audit.checklist.templates import get_checklist as load

        try:
            c = load(get_store(), checklist_id, version)
        except NotFound as err:
            raise Problem(404, "not_found", "api.not_found", what="checklist",
                          id=f"{checklist_id} v{version}") from err
        body = {"id": c.id, "version": c.version, "title": {"ru": c.title.ru, "en": c.title.en},
                "sections": [{"id": s.id, "title": {"ru": s.title.ru, "en": s.title.en}, "weight": s.weight,
                              "items": [{"key": f"{s.id}.{i.id}", "id": i.id, "type": i.type,
                                         "text": {"ru": i.text.ru, "en": i.text.en}, "weight": i.weight,
                                         "critical": i.critical} for i in s.items]}
                             for s in c.sections]}
        return _json(request, body)

    # -- audits ----------------------------------------------------------------------------

    @api.get("/audits", response_model=Page, tags=["audits"],
             summary="Submitted audits, oldest change first")
    def list_audits(request: Request, who: Who, location: Text = None, region: Text = None,
                    checklist: Text = None, mode: Literal["mystery", "self"] | None = None,
                    state: Literal["submitted", "published"] | None = None,
                    changed_after: Since = None, limit: Limit = limits.API_PAGE_DEFAULT,
                    cursor: Cursor = None) -> Response:
        after = decode_cursor(cursor)
        since = check_time("changed_after", changed_after)
        if since is not None and (after is None or after[0] < since):
            after = (since, "\uffff")  # everything changed later than the time itself
        store = get_store()
        flt = AuditFilter(status="submitted", location_ids=_locations_filter(who, location),
                          region=region, template_id=checklist, mode=mode)
        codes = _codes(store)
        settled = settled_until()
        seen_as: dict[Any, Any] = {}
        out: list[dict[str, Any]] = []
        last, more = after, True
        while len(out) < limit and more:
            want = limit - len(out)
            got = store.changed_summaries(flt, last, want)
            more = len(got) == want
            for changed_at, row in got:
                if changed_at > settled:  # still settling: served by a later call
                    more = False
                    break
                last = (changed_at, row.audit_id)
                if views.may_read_audit(who, row) and (state is None or views.state_of(row) == state):
                    out.append(views.audit_row(who, row, changed_at, codes, seen_as))
        return _page(request, out, last, more)

    @api.get("/audits/{audit_id}", response_model=AuditOut, tags=["audits"],
             summary="One audit: header, score, sections, answers, findings, photos as links")
    def get_audit(request: Request, who: Who, audit_id: ID) -> Response:
        store = get_store()
        row, audit = _readable_audit(store, who, audit_id)
        return _json(request, views.audit_detail(who, row, row.changed_at or row_time(row), audit,
                                                 _codes(store)))

    @api.get("/audits/{audit_id}/photos/{sha256}", tags=["audits"], summary="A photo of the audit (JPEG)",
             response_class=Response, responses={200: {"content": {"image/jpeg": {}}}})
    def get_photo(request: Request, who: Who, audit_id: ID,
                  sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]) -> Response:
        store = get_store()
        _, audit = _readable_audit(store, who, audit_id)
        if sha256 not in audit.photos:
            raise Problem(404, "not_found", "api.not_found", what="photo", id=sha256)
        try:
            data = store.photo_files().get(sha256, "display")
        except (OSError, KeyError, ValueError, AppError) as err:
            raise Problem(404, "not_found", "api.not_found", what="photo", id=sha256) from err
        tag = f'"{sha256[:32]}"'
        if matches(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers={"ETag": tag})
        return Response(data, media_type="image/jpeg", headers={"ETag": tag, "Cache-Control": "private"})

    # -- actions ---------------------------------------------------------------------------

    @api.get("/actions", response_model=Page, tags=["actions"], summary="Corrective actions")
    def list_actions(request: Request, who: Who, location: Text = None, region: Text = None,
                     checklist: Text = None,
                     state: Literal["open", "in_progress", "done", "verified", "rejected"] | None = None,
                     changed_after: Since = None, limit: Limit = limits.API_PAGE_DEFAULT,
                     cursor: Cursor = None) -> Response:
        after = decode_cursor(cursor)
        since = check_time("changed_after", changed_after)
        flt = ActionFilter(location_ids=_locations_filter(who, location), region=region,
                           statuses=(state,) if state else None, template_id=checklist)
        found = [views.action(a) for a in actions.visible_actions(get_store(), who.user, flt)]
        settled = settled_until()
        found = [a for a in found if (since is None or a["changed_at"] > since)
                 and a["changed_at"] <= settled]
        page, last, more = page_of(found, lambda a: (a["changed_at"], a["id"]), after, limit)
        return _page(request, page, last, more)

    @api.get("/actions/{action_id}", response_model=ActionOut, tags=["actions"])
    def get_action(request: Request, who: Who, action_id: ID) -> Response:
        return _json(request, views.action(_readable_action(get_store(), who, action_id)))

    @api.patch("/actions/{action_id}", response_model=ActionOut, tags=["actions"],
               summary="Change an action's status, owner or due date (a write token)")
    def patch_action(request: Request, who: Who, action_id: ID, change: ActionPatch,
                     if_match: Annotated[str | None, Header(max_length=200)] = None) -> Response:
        _writer(who)
        store = get_store()
        current = _readable_action(store, who, action_id)
        if if_match and not matches(if_match, etag_of(views.action(current))):
            raise Problem(412, "conflict", "api.changed")
        a = current
        if change.owner is not None or change.due is not None:
            a = actions.assign(store, who.user, action_id, owner=change.owner, due=change.due)
        if change.note is not None and change.status != "done":
            a = actions.set_note(store, who.user, action_id, change.note)
        if change.status == "in_progress":
            a = actions.start_work(store, who.user, action_id)
        elif change.status == "done":
            a = actions.mark_done(store, who.user, action_id, note=change.note)
        elif change.status == "verified":
            a = actions.verify(store, who.user, action_id)
        elif change.status == "rejected":
            a = actions.send_back(store, who.user, action_id, change.reason or "")
        return _json(request, views.action(a))

    # -- visits, plans, people (the whole network's token only) ----------------------------

    @api.get("/visits", response_model=Page, tags=["visits"], summary="Planned visits (network token)")
    def list_visits(request: Request, who: Who, location: Text = None, region: Text = None,
                    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
                    plan: Text = None,
                    limit: Limit = limits.API_PAGE_DEFAULT, cursor: Cursor = None) -> Response:
        _hq_only(who)
        after = decode_cursor(cursor)
        flt = VisitFilter(first_month=month, last_month=month,
                          location_ids=(location,) if location else None, region=region)
        now = now_iso()
        found = [views.visit(v, visit_plans.state(v, now)) for v in get_store().list_visits(flt)
                 if access.may(who.user, access.VIEW_VISIT, v) and (plan is None or v.plan_id == plan)]
        page, last, more = page_of(found, lambda v: (v["month"], v["id"]), after, limit)
        return _page(request, page, last, more)

    @api.get("/visits/{visit_id}", response_model=VisitOut, tags=["visits"])
    def get_visit(request: Request, who: Who, visit_id: ID) -> Response:
        _hq_only(who)
        v = get_store().get_visit(visit_id)
        if v is None or not access.may(who.user, access.VIEW_VISIT, v):
            raise Problem(404, "not_found", "api.not_found", what="visit", id=visit_id)
        return _json(request, views.visit(v, visit_plans.state(v, now_iso())))

    @api.patch("/visits/{visit_id}", response_model=VisitOut, tags=["visits"],
               summary="Give a planned visit to another shopper, cancel it or plan it again "
                       "(a write token for the whole network)")
    def patch_visit(request: Request, who: Who, visit_id: ID, change: VisitPatch,
                    if_match: Annotated[str | None, Header(max_length=200)] = None) -> Response:
        _writer(who)
        _hq_only(who)
        now = now_iso()

        def expect(v: Any) -> None:  # checked under the visit's lock: nobody changes it between
            if if_match and not matches(if_match, etag_of(views.visit(v, visit_plans.state(v, now)))):
                raise Problem(412, "conflict", "api.changed")

        try:
            v = visit_service.change_visit(get_store(), who.user, visit_id,
                                           shopper=None if change.shopper is None else change.shopper.strip(),
                                           status=change.status, expect=expect)
        except visit_plans.VisitError as err:
            if err.code != "visit_not_found":
                raise
            raise Problem(404, "not_found", "api.not_found", what="visit", id=visit_id) from err
        return _json(request, views.visit(v, visit_plans.state(v, now_iso())))

    @api.post("/plans", response_model=PlanOut, status_code=201, tags=["visits"],
              summary="Plan visits, by the Plan page's rules (a write token for the whole network)")
    def post_plan(request: Request, who: Who, new: PlanIn) -> Response:
        _writer(who)
        _hq_only(who)
        store = get_store()
        plan = Plan(id=visit_plans.new_plan_id(), template_id=new.checklist_id, first=new.first,
                    last=new.last, location_ids=tuple(x.strip() for x in new.location_ids),
                    region=new.region.strip(), per_month=new.per_month, weekdays=tuple(new.weekdays),
                    time_from=new.time_from.strip(), time_to=new.time_to.strip(),
                    shoppers=tuple(x.strip() for x in new.shoppers),
                    scenario_ru=new.scenario_ru.strip(), scenario_en=new.scenario_en.strip())
        made = visit_service.plan_visits(store, who.user, plan)
        saved = next((p for p in store.list_plans() if p.id == plan.id), plan)
        return _json(request, views.plan(saved) | {"visits": len(made)}, status=201)

    @api.get("/plans/{plan_id}", response_model=PlanOut, tags=["visits"],
             summary="One visit plan (network token)")
    def get_plan(request: Request, who: Who, plan_id: ID) -> Response:
        _hq_only(who)
        found = next((p for p in get_store().list_plans() if p.id == plan_id), None)
        if found is None:
            raise Problem(404, "not_found", "api.not_found", what="plan", id=plan_id)
        return _json(request, views.plan(found))

    # -- customers' voice ------------------------------------------------------------------

    @api.get("/responses", response_model=Page, tags=["voice"],
             summary="Customers' responses, oldest first (words only once HQ approved them)")
    def list_responses(request: Request, who: Who, location: Text = None, region: Text = None,
                       level: Literal[VISIT_LEVELS] | None = None,  # type: ignore[valid-type]
                       first_month: Month = None, last_month: Month = None,
                       changed_after: Since = None, limit: Limit = limits.API_PAGE_DEFAULT,
                       cursor: Cursor = None) -> Response:
        after = decode_cursor(cursor)
        since = check_time("changed_after", changed_after)
        _check_months(first_month, last_month)
        store = get_store()
        regions = {loc.id: loc.region for loc in store.list_locations()}
        chosen = _voice_places(who, regions, location, region)
        if since is not None and (first_month is None or first_month < since[:7]):
            first_month = since[:7]
        settled = settled_until()
        found = [r for r in store.list_voice_responses(VoiceFilter(chosen, first_month, last_month))
                 if (level is None or r.level == level) and (since is None or r.at > since)
                 and r.at <= settled and (r.is_counted or who.is_network)]
        page, last, more = page_of(found, lambda r: (r.at, r.id), after, limit)
        return _page(request, [views.response(who, r, regions.get(r.location_id, "")) for r in page],
                     last, more)

    @api.get("/responses/{response_id}", response_model=ResponseOut, tags=["voice"])
    def get_response(request: Request, who: Who, response_id: ID) -> Response:
        store = get_store()
        month = month_of_id(response_id)
        regions = {loc.id: loc.region for loc in store.list_locations()}
        found = None if month is None else next(
            (r for r in store.list_voice_responses(VoiceFilter(who.location_ids, month, month))
             if r.id == response_id and (r.is_counted or who.is_network)), None)
        if found is None:
            raise Problem(404, "not_found", "api.not_found", what="response", id=response_id)
        return _json(request, views.response(who, found, regions.get(found.location_id, "")))

    @api.get("/gaps", response_model=Page, tags=["voice"],
             summary="Customers' expected against got per location and touchpoint, for whole months")
    def list_gaps(request: Request, who: Who, location: Text = None, region: Text = None,
                  first_month: Month = None, last_month: Month = None,
                  limit: Limit = limits.API_PAGE_DEFAULT, cursor: Cursor = None) -> Response:
        after = decode_cursor(cursor)
        _check_months(first_month, last_month)
        store = get_store()
        regions = {loc.id: loc.region for loc in store.list_locations()}
        chosen = _voice_places(who, regions, location, region)
        table = voice.voice_table(store, first_month=first_month, last_month=last_month,
                                  location_ids=chosen)
        audits_too = audience.sees_audits_beside_voice(who.reader)
        page, last, more = page_of(table.rows, lambda r: (r.location_id, r.section), after, limit)
        return _page(request, [views.gap(r, regions.get(r.location_id, ""), audits_too) for r in page],
                     last, more)

    @api.get("/plans", response_model=Page, tags=["visits"], summary="Visit plans (network token)")
    def list_plans(request: Request, who: Who, limit: Limit = limits.API_PAGE_DEFAULT,
                   cursor: Cursor = None) -> Response:
        _hq_only(who)
        after = decode_cursor(cursor)
        page, last, more = page_of(get_store().list_plans(), lambda p: (p.created_at, p.id), after, limit)
        return _page(request, [views.plan(p) for p in page], last, more)

    @api.get("/people", response_model=Page, tags=["people"], summary="People (network token)")
    def list_people(request: Request, who: Who, limit: Limit = limits.API_PAGE_DEFAULT,
                    cursor: Cursor = None) -> Response:
        _hq_only(who)
        after = decode_cursor(cursor)
        page, last, more = page_of(get_store().list_users(), lambda u: ("", u.name), after, limit)
        return _page(request, [views.person(u) for u in page], last, more)


def _check_months(first: str | None, last: str | None) -> None:
    if first is not None and last is not None and first > last:
        raise Problem(400, "bad_request", "api.bad_param", name="first_month",
                      problem=f"{first} > {last}")


def _voice_places(who: TokenReader, regions: dict[str, str], location: str | None,
                  region: str | None) -> tuple[str, ...] | None:
    """The locations whose voice a list reads: the token's, narrowed by the filters."""
    chosen = _locations_filter(who, location)
    if region is not None:
        chosen = tuple(loc for loc, r in sorted(regions.items())
                       if r == region and (chosen is None or loc in chosen))
    return chosen


def _codes(store: Store) -> dict[str, str]:
    return {u.name: u.code for u in store.list_users()}


def _readable_audit(store: Store, who: TokenReader, audit_id: str) -> tuple[Any, Any]:
    row = store.get_summary(audit_id)
    audit = store.get_audit(audit_id) if row is not None and views.may_read_audit(who, row) else None
    if row is None or audit is None:
        raise Problem(404, "not_found", "api.not_found", what="audit", id=audit_id)
    return row, audit


def _readable_action(store: Store, who: TokenReader, action_id: str) -> Any:
    try:
        return actions.load_action(store, who.user, action_id)
    except NotFound as err:
        raise Problem(404, "not_found", "api.not_found", what="action", id=action_id) from err
