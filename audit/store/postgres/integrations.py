"""API tokens, webhook endpoints and deliveries on PostgreSQL (schema step 8), and rows by their
last change (a column of `summaries` with its own index).

Deliveries are claimed with `FOR UPDATE SKIP LOCKED` and a lease, like the e-mail outbox; only
each endpoint's oldest unsent one, so a receiver hears its events in the order they happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from audit.model.integrations import ApiToken, Delivery, Endpoint

SCHEMA_V8 = """
CREATE TABLE IF NOT EXISTS api_tokens (
    id text PRIMARY KEY, token_hash text NOT NULL UNIQUE, doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_endpoints (id text PRIMARY KEY, doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id text PRIMARY KEY, seq bigserial NOT NULL, endpoint_id text NOT NULL, status text NOT NULL,
    next_try text COLLATE "C" NOT NULL, lease_until text COLLATE "C" NOT NULL,
    claimed_by text NOT NULL, created_at text COLLATE "C" NOT NULL,
    sent_at text COLLATE "C" NOT NULL, doc jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS webhook_deliveries_head ON webhook_deliveries (endpoint_id, seq)
    WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_sent ON webhook_deliveries (sent_at DESC) WHERE status = 'sent';
ALTER TABLE summaries ADD COLUMN IF NOT EXISTS changed_at text COLLATE "C" NOT NULL DEFAULT '';
UPDATE summaries SET changed_at = to_char(
    coalesce(nullif(submitted_at, ''), nullif(doc->>'started_at', ''), '2000-01-01')::timestamptz
    AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') WHERE changed_at = '';
UPDATE summaries SET doc = doc || jsonb_build_object('changed_at', changed_at)
    WHERE doc->>'changed_at' IS DISTINCT FROM changed_at;
CREATE INDEX IF NOT EXISTS summaries_changed ON summaries (changed_at, audit_id);
"""


class PgIntegrations:
    """Mixed into PostgresStore: the IntegrationStore half of the Store protocol."""

    def _tx(self) -> AbstractContextManager[psycopg.Cursor[Any]]:
        raise NotImplementedError  # PostgresStore's

    # -- tokens ----------------------------------------------------------------------------

    def put_token(self, token: ApiToken) -> None:
        with self._tx() as cur:
            cur.execute("INSERT INTO api_tokens VALUES (%s, %s, %s) ON CONFLICT (id) DO UPDATE "
                        "SET token_hash = EXCLUDED.token_hash, doc = EXCLUDED.doc",
                        (token.id, token.token_hash, Jsonb(token.to_dict())))

    def list_tokens(self) -> list[ApiToken]:
        with self._tx() as cur:
            rows = cur.execute("SELECT doc FROM api_tokens").fetchall()
        return sorted((ApiToken.from_dict(r[0]) for r in rows), key=lambda t: (t.created_at, t.id))

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM api_tokens WHERE token_hash = %s", (token_hash,)).fetchone()
        return ApiToken.from_dict(row[0]) if row else None

    def update_token(self, token_id: str, change: Callable[[ApiToken], ApiToken]) -> ApiToken | None:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM api_tokens WHERE id = %s FOR UPDATE", (token_id,)).fetchone()
            if row is None:
                return None
            new = change(ApiToken.from_dict(row[0]))
            cur.execute("UPDATE api_tokens SET token_hash = %s, doc = %s WHERE id = %s",
                        (new.token_hash, Jsonb(new.to_dict()), token_id))
        return new

    # -- webhook endpoints and deliveries --------------------------------------------------

    def put_endpoint(self, endpoint: Endpoint) -> None:
        with self._tx() as cur:
            cur.execute("INSERT INTO webhook_endpoints VALUES (%s, %s) ON CONFLICT (id) DO UPDATE "
                        "SET doc = EXCLUDED.doc", (endpoint.id, Jsonb(endpoint.to_dict())))

    def list_endpoints(self) -> list[Endpoint]:
        with self._tx() as cur:
            rows = cur.execute("SELECT doc FROM webhook_endpoints").fetchall()
        return sorted((Endpoint.from_dict(r[0]) for r in rows), key=lambda e: (e.created_at, e.id))

    def enqueue_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        added = 0
        with self._tx() as cur:
            for d in deliveries:
                cur.execute("INSERT INTO webhook_deliveries (id, endpoint_id, status, next_try, "
                            "lease_until, claimed_by, created_at, sent_at, doc) VALUES "
                            "(%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                            (d.id, d.endpoint_id, d.status, d.next_try, d.lease_until, d.claimed_by,
                             d.created_at, d.sent_at, Jsonb(d.to_dict())))
                added += cur.rowcount
        return added

    @staticmethod
    def _delivery(doc: dict[str, Any], seq: int) -> Delivery:
        return Delivery.from_dict({**doc, "seq": seq})

    def claim_deliveries(self, worker: str, now: str, lease_until: str, limit: int) -> list[Delivery]:
        with self._tx() as cur:
            rows = cur.execute(
                "UPDATE webhook_deliveries SET lease_until = %s, claimed_by = %s, "
                "doc = doc || jsonb_build_object('lease_until', %s::text, 'claimed_by', %s::text) "
                "WHERE id IN (SELECT id FROM webhook_deliveries d WHERE status = 'pending' "
                "AND next_try <= %s AND lease_until <= %s AND NOT EXISTS (SELECT 1 FROM "
                "webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id AND e.status = 'pending' "
                "AND e.seq < d.seq) ORDER BY seq LIMIT %s FOR UPDATE SKIP LOCKED) "
                "RETURNING doc, seq", (lease_until, worker, lease_until, worker, now, now, limit)).fetchall()
        return sorted((self._delivery(r[0], r[1]) for r in rows), key=lambda d: d.seq)

    def finish_delivery(self, delivery_id: str, worker: str, *, now: str, error: str = "",
                        next_try: str = "", dead: bool = False) -> bool:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM webhook_deliveries WHERE id = %s FOR UPDATE",
                              (delivery_id,)).fetchone()
            if row is None or row[0].get("claimed_by") != worker or row[0].get("status") != "pending":
                return False
            d = dict(row[0])
            d.update(attempts=int(d.get("attempts", 0)) + 1, lease_until="", claimed_by="")
            if error:
                d.update(last_error=error, next_try=next_try, status="dead" if dead else "pending")
            else:
                d.update(status="sent", sent_at=now)
                d.pop("payload", None)  # what was said is the receiver's; only the record stays
            cur.execute("UPDATE webhook_deliveries SET status = %s, next_try = %s, lease_until = '', "
                        "claimed_by = '', sent_at = %s, doc = %s WHERE id = %s",
                        (d["status"], d.get("next_try", "") or "", d.get("sent_at", "") or "",
                         Jsonb(d), delivery_id))
            return True

    def list_deliveries(self, statuses: tuple[str, ...] = ("pending", "dead"),
                        limit: int = 50) -> list[Delivery]:
        with self._tx() as cur:
            rows = cur.execute("SELECT doc, seq FROM webhook_deliveries WHERE status = ANY(%s) "
                               "ORDER BY greatest(sent_at, created_at) DESC, seq DESC LIMIT %s",
                               (list(statuses), limit)).fetchall()
        return [self._delivery(r[0], r[1]) for r in rows]

    def retry_delivery(self, delivery_id: str, now: str) -> bool:
        with self._tx() as cur:
            cur.execute("UPDATE webhook_deliveries SET status = 'pending', next_try = %s, "
                        "lease_until = '', claimed_by = '', doc = doc || jsonb_build_object("
                        "'status', 'pending', 'attempts', 0, 'next_try', %s::text, "
                        "'lease_until', '', 'claimed_by', '') WHERE id = %s AND status <> 'sent'",
                        (now, now, delivery_id))
            return cur.rowcount > 0
