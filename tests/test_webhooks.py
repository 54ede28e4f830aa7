"""Webhooks against a real receiver on a loopback port: every signature verified (Standard
Webhooks), a receiver down for ten minutes gets every event after, in order, none twice; a day
of failures gives up (Admin sends it again); a dead endpoint never holds a submit."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from audit import workflow
from audit.audits import capture as audits
from audit.model import User
from audit.notify import webhooks
from audit.notify.webhooks import WebhookError
from audit.store import Store
from tests.conftest import answer_mini, photograph, populate


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps what arrives and answers `status`."""

    def __init__(self, port: int = 0) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.status = 204
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                outer.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Every body, each signature checked as any receiver would."""
        hook = Webhook(secret)
        return [hook.verify(body, headers) | {"_id": headers["webhook-id"]} for headers, body in self.got]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> str:
        return self.at.isoformat()

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


def _queue(store: Store, n: int, clock: Clock, location: str = "loc-a") -> list[str]:
    ids = []
    for i in range(n):
        webhooks.queue_event(store, "audit.submitted", {"id": f"audit-{i}", "location_id": location},
                             location_id=location, region="Москва", now=clock())
        ids.append(f"audit-{i}")
    return ids


def test_signed__every_delivery_verifies_and_carries_ids_and_links(store: Store, receiver: Receiver) -> None:
    people = populate(store)
    endpoint = webhooks.add_endpoint(store, receiver.url, ("audit.submitted", "audit.published"), by="boss")
    sam: User = people["shopper"]
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini", mode="mystery",
                                  lang="ru").id
    answer_mini(store, sam, audit_id)
    photograph(store, sam, audit_id, "office.facade")
    workflow.submit(store, sam, audit_id)
    workflow.publish(store, people["hq"], audit_id)
    assert webhooks.send_due(store).sent == 1  # one at a time per endpoint, in order
    assert webhooks.send_due(store).sent == 1
    got = receiver.verified(endpoint.secret)
    assert [g["type"] for g in got] == ["audit.submitted", "audit.published"]
    data = got[0]["data"]
    assert data["id"] == audit_id and data["links"]["self"] == f"/api/v1/audits/{audit_id}"
    assert "sam" not in json.dumps(got)  # ids and links, not the shopper
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(receiver.got[0][1], receiver.got[0][0])
    assert [d.status for d in store.list_deliveries(("sent",))] == ["sent", "sent"]


def test_receiver_down_ten_minutes__every_event_after_in_order_none_twice(store: Store) -> None:
    clock = Clock()
    first = Receiver()
    port = first.port
    endpoint = webhooks.add_endpoint(store, first.url, ("audit.submitted",), by="boss")
    first.stop()  # down: the port refuses
    ids = _queue(store, 5, clock)
    attempts = 0
    for _ in range(20):  # ten minutes of rounds, every 30 s
        got = webhooks.send_due(store, now=clock, timeout=2)
        assert got.sent == 0
        attempts += got.failed
        clock.advance(seconds=30)
    head = {d.id: d for d in store.list_deliveries(("pending",))}
    assert len(head) == 5 and 1 < attempts < 20  # backing off, only the first of the line tried
    assert max(d.attempts for d in head.values()) == attempts
    back = Receiver(port)  # the receiver is back, on its address
    try:
        clock.advance(hours=2)
        while webhooks.send_due(store, now=clock, timeout=2).sent:
            pass
        got = back.verified(endpoint.secret)
        assert [g["data"]["id"] for g in got] == ids  # in order, each once
        assert len({g["_id"] for g in got}) == 5
        assert store.list_deliveries(("pending", "dead")) == []
    finally:
        back.stop()


def test_a_day_of_failures__given_up_then_sent_again_from_admin(store: Store, receiver: Receiver) -> None:
    clock = Clock()
    endpoint = webhooks.add_endpoint(store, receiver.url, ("audit.submitted",), by="boss")
    receiver.status = 500
    _queue(store, 2, clock)
    for _ in range(100):
        webhooks.send_due(store, now=clock)
        clock.advance(hours=1)
    dead = store.list_deliveries(("dead",))
    assert len(dead) == 2 and all("answered 500" in d.last_error for d in dead)
    assert {d.attempts for d in dead} == {webhooks.max_attempts()} and webhooks.max_attempts() > 10
    receiver.status = 200
    for d in dead:
        assert store.retry_delivery(d.id, clock())
    while webhooks.send_due(store, now=clock).sent:
        pass
    receiver.got = receiver.got[-2:]  # what came after the receiver was mended
    assert [g["data"]["id"] for g in receiver.verified(endpoint.secret)] == ["audit-0", "audit-1"]
    assert store.list_deliveries(("pending", "dead")) == []


def test_scoped_endpoint_hears_only_its_region(store: Store, receiver: Receiver) -> None:
    populate(store)
    webhooks.add_endpoint(store, receiver.url, ("audit.submitted",), by="boss", regions=("СПб",))
    clock = Clock()
    _queue(store, 2, clock, location="loc-a")
    assert store.list_deliveries(("pending",)) == []
    webhooks.queue_event(store, "audit.submitted", {"id": "x"}, location_id="loc-b", region="СПб")
    assert len(store.list_deliveries(("pending",))) == 1


def test_dead_endpoint_never_holds_a_submit(store: Store) -> None:
    people = populate(store)
    silent = socket.socket()  # accepts nothing, answers nothing
    silent.bind(("127.0.0.1", 0))
    silent.listen(0)
    try:
        for _ in range(5):
            webhooks.add_endpoint(store, f"http://127.0.0.1:{silent.getsockname()[1]}/", ("audit.submitted",),
                                  by="boss")
        sam = people["shopper"]
        audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                      mode="mystery", lang="ru").id
        answer_mini(store, sam, audit_id)
        photograph(store, sam, audit_id, "office.facade")
        started = time.monotonic()
        workflow.submit(store, sam, audit_id)
        assert time.monotonic() - started < 5  # queued, never posted in the submit
        assert store.get_summary(audit_id).status == "submitted"  # type: ignore[union-attr]
        assert len(store.list_deliveries(("pending",))) == 5
    finally:
        silent.close()


@pytest.mark.parametrize(("url", "events", "code"), [
    ("ftp://example.test/x", ("audit.submitted",), "webhook_bad_url"),
    ("https:///nohost", ("audit.submitted",), "webhook_bad_url"),
    ("https://example.test/a b", ("audit.submitted",), "webhook_bad_url"),
    ("https://example.test/" + "x" * 3000, ("audit.submitted",), "webhook_bad_url"),
    ("https://example.test/", (), "webhook_no_events"),
    ("https://example.test/", ("audit.deleted",), "webhook_unknown_event")])
def test_bad_endpoint__refused_and_nothing_kept(store: Store, url: str, events: tuple[str, ...],
                                                code: str) -> None:
    kept = webhooks.add_endpoint(store, "https://kept.example.test/", ("audit.submitted",), by="boss")
    with pytest.raises(WebhookError) as err:
        webhooks.add_endpoint(store, url, events, by="boss")
    assert err.value.code == code
    assert store.list_endpoints() == [kept]


def test_voice_let_down__a_disappointed_customer_heard_signed_without_words_or_phone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> None:
    from audit.voice import service
    from tests.conftest import served_folder
    from tests.test_voice_web import good, make_client

    data = served_folder(tmp_path, monkeypatch)
    populate(data)
    data.put_settings({service.TEMPLATE_SETTING: "mini"})
    endpoint = webhooks.add_endpoint(data, receiver.url, ("voice.let_down",), by="boss")
    webhooks.add_endpoint(data, receiver.url, ("audit.submitted",), by="boss")  # hears something else
    with make_client("203.0.113.7") as phone:
        r = phone.post("/v/loc-a", data=good(data, level="disappointed", text="Нагрубили, звоните 8900"))
        assert r.status_code == 200
    with make_client("203.0.113.8") as phone:
        assert phone.post("/v/loc-a", data=good(data, level="wow")).status_code == 200
    assert len(data.list_voice_responses()) == 2
    assert webhooks.send_due(data).sent == 1
    [got] = receiver.verified(endpoint.secret)
    [response] = [x for x in data.list_voice_responses() if x.level == "disappointed"]
    assert got["type"] == "voice.let_down" and got["data"]["id"] == response.id
    assert got["data"]["links"]["self"] == f"/api/v1/responses/{response.id}"
    assert got["data"]["region"] == "Москва" and got["data"]["ratings"]
    raw = receiver.got[0][1].decode()
    assert "8900" not in raw and response.device not in raw and "203.0.113" not in raw
    assert webhooks.send_due(data).sent == 0  # the pleased customer made no event
