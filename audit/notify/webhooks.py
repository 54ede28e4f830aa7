"""Webhooks: events queued in the store for each endpoint that hears them, posted later, signed
the Standard Webhooks way (`standardwebhooks`: webhook-id, webhook-timestamp, webhook-signature).

Designed like the e-mail outbox (audit.notify.outbox): queuing is one small write and never
waits for a receiver, nor fails a person's action (an error is logged, the action stands).
Sending — the app's background thread or `audit webhooks send` from cron — claims each
endpoint's oldest unsent delivery with a lease, posts it, and records what happened; a failure
is retried with backoff for WEBHOOK_RETRY_HOURS, then given up (Admin can send it again). An
endpoint hears its events one at a time, in the order they happened, so a receiver that was
down gets every event after it is back, in order, none twice unless a retry was needed (its
webhook-id is the same each time: a receiver drops a repeat by it).

Payloads carry ids and links, never names, comments, secrets or anything a scoped endpoint's
locations do not cover: `{"type", "timestamp", "data": {"id", "location_id", …, "links"}}`.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from standardwebhooks.webhooks import Webhook

from audit.core import limits
from audit.core.clock import now_iso
from audit.core.errors import AppError
from audit.model import SummaryRow
from audit.model.actions import OPEN_STATUSES, Action, ActionFilter
from audit.model.integrations import EVENTS, Delivery, Endpoint
from audit.model.voice import VoiceResponse
from audit.store import Store

log = logging.getLogger(__name__)

API = "/api/v1"
LEASE_SECONDS = 120
BATCH = 50


class WebhookError(AppError):
    """An endpoint that cannot be registered; `.code` names the i18n message."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message, **params)
        self.code = code


# -- endpoints -------------------------------------------------------------------------------------

def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if (len(url) > limits.WEBHOOK_URL_MAX_CHARS or parts.scheme not in ("http", "https")
            or not parts.hostname or any(c.isspace() for c in url)):
        raise WebhookError("webhook_bad_url", f"{url[:200]!r} is not an http(s) address", url=url[:200])
    return url


def add_endpoint(store: Store, url: str, events: tuple[str, ...], *, by: str,
                 locations: tuple[str, ...] = (), regions: tuple[str, ...] = (),
                 now: str | None = None) -> Endpoint:
    """A new endpoint with its own signing secret ("whsec_…", shown to HQ once in Admin)."""
    url = check_url(url)
    if not events:
        raise WebhookError("webhook_no_events", "pick at least one event")
    for e in events:
        if e not in EVENTS:
            raise WebhookError("webhook_unknown_event", f"event {e!r} is unknown", event=e)
    if sum(1 for e in store.list_endpoints() if not e.disabled) >= limits.WEBHOOK_ENDPOINTS_MAX:
        raise WebhookError("webhook_too_many", f"at most {limits.WEBHOOK_ENDPOINTS_MAX} endpoints",
                           limit=limits.WEBHOOK_ENDPOINTS_MAX)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    endpoint = Endpoint(id="ep_" + secrets.token_hex(6), url=url, events=tuple(dict.fromkeys(events)),
                        secret=secret, locations=locations, regions=regions,
                        created_at=now or now_iso(), created_by=by)
    store.put_endpoint(endpoint)
    return endpoint


def disable_endpoint(store: Store, endpoint_id: str) -> None:
    for e in store.list_endpoints():
        if e.id == endpoint_id:
            store.put_endpoint(replace(e, disabled=True))


# -- events ----------------------------------------------------------------------------------------

def queue_event(store: Store, event: str, data: Mapping[str, Any], *, location_id: str, region: str,
                now: str | None = None) -> int:
    """One delivery per endpoint that hears `event` at this location; how many were queued.

    Never raises: a person's submit or tap stands whatever happens here (it is logged).
    """
    try:
        hearing = [e for e in store.list_endpoints() if e.hears(event, location_id, region)]
        if not hearing:
            return 0
        at = now or now_iso()
        payload = {"type": event, "timestamp": at, "data": dict(data)}
        return store.enqueue_deliveries([
            Delivery(id="msg_" + secrets.token_hex(12), endpoint_id=e.id, event=event,
                     payload=payload, created_at=at) for e in hearing])
    except Exception:
        log.exception("webhook %s at %s: not queued", event, location_id)
        return 0


def audit_event(store: Store, event: str, audit_id: str, *, now: str | None = None,
                row: SummaryRow | None = None) -> int:
    """audit.submitted / audit.published: the audit's ids and links (`row`: its row, if at hand)."""
    try:
        row = row or store.get_summary(audit_id)
    except Exception:
        log.exception("webhook %s for %s: no row", event, audit_id)
        return 0
    if row is None:
        return 0
    data = {"id": row.audit_id, "location_id": row.location_id, "region": row.region,
            "checklist_id": row.template_id, "checklist_version": row.template_version,
            "mode": row.mode, "state": "published" if row.published else row.status,
            "score": row.overall,
            "links": {"self": f"{API}/audits/{row.audit_id}",
                      "location": f"{API}/locations/{row.location_id}"}}
    return queue_event(store, event, data, location_id=row.location_id, region=row.region, now=now)


def action_event(store: Store, event: str, action: Action, *, now: str | None = None) -> int:
    """action.created / .done / .verified / .overdue: the action's ids, state and links."""
    data = {"id": action.id, "location_id": action.location_id, "region": action.region,
            "audit_id": action.audit_id, "key": action.key, "status": action.status,
            "due": action.due, "critical": action.critical,
            "links": {"self": f"{API}/actions/{action.id}", "audit": f"{API}/audits/{action.audit_id}"}}
    return queue_event(store, event, data, location_id=action.location_id, region=action.region,
                       now=now)


def voice_event(store: Store, response: VoiceResponse, *, now: str | None = None) -> int:
    """voice.let_down: a counted customer response whose visit disappointed. Ids, the level,
    the touchpoints' gaps and a link — never the customer's words nor their phone's hash."""
    if response.level != "disappointed" or not response.is_counted:
        return 0
    try:
        location = store.get_location(response.location_id)
    except Exception:
        log.exception("webhook voice.let_down at %s: no location", response.location_id)
        return 0
    region = location.region if location is not None else ""
    data = {"id": response.id, "location_id": response.location_id, "region": region,
            "checklist_id": response.template_id, "day": response.day, "at": response.at,
            "level": response.level,
            "ratings": [{"section": r.section, "expected": r.expected, "perceived": r.perceived}
                        for r in response.ratings],
            "links": {"self": f"{API}/responses/{response.id}",
                      "location": f"{API}/locations/{response.location_id}"}}
    return queue_event(store, "voice.let_down", data, location_id=response.location_id,
                       region=region, now=now)


def daily_events(store: Store, *, now: str | None = None,
                 missed: Callable[[Store, str], list[dict[str, Any]]] | None = None) -> int:
    """Once a day (whichever process gets there first): actions that became overdue yesterday,
    and visits the caller finds missed since the day before (`missed(store, now)`)."""
    at = now or now_iso()
    today = at[:10]
    if not store.claim_once("webhooks-daily", today):
        return 0
    if not any(not e.disabled for e in store.list_endpoints()):
        return 0
    yesterday = (datetime.fromisoformat(today) - timedelta(days=1)).date().isoformat()
    n = 0
    for a in store.list_actions(ActionFilter(statuses=OPEN_STATUSES)):
        if a.due == yesterday:
            n += action_event(store, "action.overdue", a, now=at)
    for v in (missed(store, at) if missed is not None else []):
        n += queue_event(store, "visit.missed", v, location_id=str(v.get("location_id", "")),
                         region=str(v.get("region", "")), now=at)
    return n


# -- sending ---------------------------------------------------------------------------------------

Post = Callable[[str, bytes, Mapping[str, str], float], int]  # url, body, headers, timeout → status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is the receiver's answer (a failure), never followed


def http_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    check_url(url)  # http(s) only, again: the store may hold what no save checked
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def signed_headers(endpoint: Endpoint, delivery: Delivery, body: bytes, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers: the delivery's id (the same on every retry), the time, the
    signature over id.timestamp.body with the endpoint's secret."""
    signature = Webhook(endpoint.secret).sign(delivery.id, at, body.decode("utf-8"))
    return {"content-type": "application/json", "user-agent": "customer-journey-audit-webhooks/1",
            "webhook-id": delivery.id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature}


def backoff(attempts: int) -> timedelta:
    """30 s, 1, 2, 4 … minutes after each failure, at most 2 hours apart."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 7200))


def max_attempts() -> int:
    """As many tries as the backoff spreads over WEBHOOK_RETRY_HOURS (counted from the first
    try, so a delivery that waited behind a dead one still gets its day)."""
    total, n = timedelta(0), 1
    while total < timedelta(hours=limits.WEBHOOK_RETRY_HOURS):
        total += backoff(n)
        n += 1
    return n


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()


def _iso(dt: datetime) -> str:
    return dt.replace(microsecond=0).isoformat()


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{secrets.token_hex(3)}"


def send_due(store: Store, *, now: Callable[[], str] = now_iso, post: Post = http_post,
             worker: str | None = None, limit: int = BATCH,
             timeout: float = limits.WEBHOOK_TIMEOUT_SECONDS) -> SendResult:
    """One round: each endpoint's next due delivery claimed, posted, its outcome recorded."""
    me = worker or worker_id()
    at = now()
    lease = _iso(datetime.fromisoformat(at) + timedelta(seconds=LEASE_SECONDS + timeout))
    claimed = store.claim_deliveries(me, at, lease, limit)
    endpoints = {e.id: e for e in store.list_endpoints()} if claimed else {}
    sent = failed = 0
    errors: list[str] = []
    for d in claimed:
        endpoint = endpoints.get(d.endpoint_id)
        when = now()
        if endpoint is None or endpoint.disabled:
            store.finish_delivery(d.id, me, now=when, error="the endpoint was removed", dead=True)
            failed += 1
            continue
        body = json.dumps(d.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            # signed at the moment it leaves (the wall clock: a receiver refuses an old signature)
            status = post(endpoint.url, body, signed_headers(endpoint, d, body, datetime.now(UTC)), timeout)
            error = "" if 200 <= status < 300 else f"the receiver answered {status}"
        except Exception as err:  # refused, timed out, TLS: recorded on the delivery
            error = f"{type(err).__name__}: {err}"[:500]
        when = now()
        if not error:
            store.finish_delivery(d.id, me, now=when)
            sent += 1
            continue
        failed += 1
        errors.append(error)
        given_up = d.attempts + 1 >= max_attempts()
        store.finish_delivery(d.id, me, now=when, error=error, dead=given_up,
                              next_try=_iso(datetime.fromisoformat(when) + backoff(d.attempts + 1)))
        log.warning("webhook %s to %s: %s", d.id, endpoint.url, error)
    return SendResult(sent, failed, tuple(errors))


def send_forever(open_store: Callable[[], Store], stop: threading.Event, interval: float = 5.0,
                 daily: Callable[[Store], int] | None = None) -> None:
    """The app's sender: every `interval` seconds a round (more at once while there is more),
    and once a day the daily events, until `stop`."""
    while not stop.is_set():
        try:
            store = open_store()
            if daily is not None:
                daily(store)
            while not stop.is_set() and send_due(store).sent > 0:
                pass  # something went: the next of each endpoint's line may be due now
        except Exception:  # the thread must outlive a bad round
            log.exception("webhook round failed")
        stop.wait(interval)
