"""The feed: flat tables as CSV that Excel's and Power BI's "from web" load by URL.

`/api/v1/feed/{audits,answers,actions,visits}.csv`, with the token in the Authorization header
(Power BI and Excel: "Advanced", an HTTP request header) or as `?token=` where a tool can only
take a URL. No redirect, ever (a BI tool drops the header on one). Rows are streamed as they
are read from the store, a thousand at a time, so 100,000 audits never sit in memory at once.
The same access rules and audience policy as the API decide which rows and which facts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from audit.actions import service as actions
from audit.api import views
from audit.api.auth import bearer, token_reader
from audit.api.paging import check_time
from audit.api.problems import Problem
from audit.core import limits
from audit.core.clock import now_iso
from audit.model.actions import ActionFilter
from audit.model.visits import VisitFilter
from audit.people import access
from audit.people.tokens import TokenReader
from audit.store import AuditFilter, Store
from audit.visits import plans as visit_plans

CHUNK = 1000

AUDIT_COLUMNS = ("id", "changed_at", "location_id", "region", "checklist_id", "checklist_version",
                 "mode", "state", "auditor", "visit_at", "submitted_at", "score", "computed_score",
                 "level", "critical_failure", "answered", "total")
ANSWER_COLUMNS = ("audit_id", "location_id", "checklist_id", "key", "value", "na", "comment",
                  "photos", "lost")
ACTION_COLUMNS = ("id", "changed_at", "location_id", "region", "audit_id", "checklist_id", "key",
                  "section", "critical", "lost", "owner", "due", "status", "created_at", "done_at",
                  "verified_at", "repeats")
VISIT_COLUMNS = ("id", "plan_id", "month", "location_id", "region", "checklist_id", "opens_at",
                 "closes_at", "shopper", "status", "state", "audit_id", "started_at", "done_at",
                 "on_time")


def _cell(value: Any) -> Any:
    """A value as a spreadsheet cell: lists and objects as JSON, a leading =+-@ defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict, tuple)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # a formula injected through a comment is shown, not run
    return value


def _csv(columns: tuple[str, ...], rows: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")  # the BOM: Excel reads UTF-8 as UTF-8
    for n, row in enumerate(rows, start=1):
        if n > limits.FEED_MAX_ROWS:
            break
        buf.seek(0)
        buf.truncate()
        writer.writerow([_cell(row.get(c)) for c in columns])
        yield buf.getvalue().encode("utf-8")


def _audit_rows(store: Store, who: TokenReader, flt: AuditFilter, after: tuple[str, str] | None,
                state: str | None) -> Iterator[tuple[Any, dict[str, Any]]]:
    codes = {u.name: u.code for u in store.list_users()}
    seen_as: dict[Any, Any] = {}
    last = after
    while True:
        got = store.changed_summaries(flt, last, CHUNK)
        for changed_at, row in got:
            if views.may_read_audit(who, row) and (state is None or views.state_of(row) == state):
                yield row, views.audit_row(who, row, changed_at, codes, seen_as)
        if len(got) < CHUNK:
            return
        last = (got[-1][0], got[-1][1].audit_id)


def _answer_rows(store: Store, audits: Iterator[tuple[Any, dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    for row, _ in audits:
        audit = store.get_audit(row.audit_id)
        if audit is None:
            continue
        for a in sorted(audit.answers.values(), key=lambda a: a.key):
            yield {"audit_id": row.audit_id, "location_id": row.location_id,
                   "checklist_id": row.template_id, "key": a.key, "value": a.value, "na": a.na,
                   "comment": a.comment, "photos": len(a.photos), "lost": row.lost.get(a.key)}


def feed_router(get_store: Callable[[], Store]) -> APIRouter:
    router = APIRouter(tags=["feed"])

    @router.get("/feed/{table}.csv", summary="A flat table as CSV (Excel, Power BI: from web)",
                response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}})
    async def feed(request: Request, table: Literal["audits", "answers", "actions", "visits"],
                   authorization: Annotated[str | None, Header(max_length=400)] = None,
                   token: Annotated[str | None, Query(max_length=200)] = None,
                   location: Annotated[str | None, Query(max_length=120)] = None,
                   region: Annotated[str | None, Query(max_length=120)] = None,
                   checklist: Annotated[str | None, Query(max_length=120)] = None,
                   mode: Literal["mystery", "self"] | None = None,
                   state: Annotated[str | None, Query(max_length=20)] = None,
                   changed_after: Annotated[str | None, Query(max_length=40)] = None) -> Response:
        store = get_store()
        who = await run_in_threadpool(token_reader, store, bearer(authorization) or (token or ""))
        since = check_time("changed_after", changed_after)
        after = (since, "\uffff") if since else None
        mine = who.location_ids
        places = mine if location is None else ((location,) if mine is None or location in mine else ())
        if table in ("audits", "answers"):
            if state not in (None, "submitted", "published"):
                raise Problem(400, "bad_request", "api.bad_param", name="state",
                              problem="submitted or published")
            flt = AuditFilter(status="submitted", location_ids=places, region=region,
                              template_id=checklist, mode=mode)
            audits = _audit_rows(store, who, flt, after, state)
            rows: Iterator[dict[str, Any]] = (
                (d for _, d in audits) if table == "audits" else _answer_rows(store, audits))
            columns: tuple[str, ...] = AUDIT_COLUMNS if table == "audits" else ANSWER_COLUMNS
        elif table == "actions":
            aflt = ActionFilter(location_ids=places, region=region, template_id=checklist,
                                statuses=(state,) if state else None)
            found = (views.action(a) for a in actions.visible_actions(store, who.user, aflt))
            rows = (a for a in found if since is None or a["changed_at"] > since)
            columns = ACTION_COLUMNS
        else:
            if not who.is_network:
                raise Problem(403, "forbidden", "api.hq_only")
            now = now_iso()
            vflt = VisitFilter(location_ids=(location,) if location else None, region=region)
            rows = (views.visit(v, visit_plans.state(v, now)) for v in store.list_visits(vflt)
                    if access.may(who.user, access.VIEW_VISIT, v))
            columns = VISIT_COLUMNS
        return StreamingResponse(_csv(columns, rows), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'inline; filename="{table}.csv"',
                                          "Cache-Control": "no-store"})

    return router
