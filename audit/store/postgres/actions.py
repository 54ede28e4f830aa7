"""Corrective actions and the e-mail outbox on PostgreSQL (schema step 4).

Actions of one location change under an advisory lock on that location, so two audits of it
published at once weigh its actions one after the other. Outbox messages are claimed with
`FOR UPDATE SKIP LOCKED` and a lease: two drainers never take the same message.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from audit.model.actions import (
    Action,
    ActionFact,
    ActionFilter,
    ActionStats,
    LocationActions,
    Message,
    OutboxStatus,
)
from audit.store.actions import ActionChange

SCHEMA_V4 = """
CREATE TABLE actions (
    id text PRIMARY KEY, location_id text NOT NULL, region text NOT NULL, audit_id text NOT NULL,
    template_id text NOT NULL, key text NOT NULL, owner text NOT NULL, status text NOT NULL,
    due text COLLATE "C" NOT NULL, opened_at text COLLATE "C" NOT NULL,
    done_at text COLLATE "C" NOT NULL, confirmed boolean NOT NULL, repeats integer NOT NULL,
    doc jsonb NOT NULL);
CREATE INDEX actions_location ON actions (location_id, template_id, key);
CREATE INDEX actions_owner ON actions (owner, due);
CREATE INDEX actions_audit ON actions (audit_id);
CREATE INDEX actions_status ON actions (status, due);
CREATE TABLE outbox (
    id text PRIMARY KEY, status text NOT NULL, next_try text COLLATE "C" NOT NULL,
    lease_until text COLLATE "C" NOT NULL, claimed_by text NOT NULL,
    created_at text COLLATE "C" NOT NULL, sent_at text COLLATE "C" NOT NULL, doc jsonb NOT NULL);
CREATE INDEX outbox_due ON outbox (created_at) WHERE status = 'pending';
CREATE INDEX outbox_sent ON outbox (sent_at DESC) WHERE status = 'sent';
CREATE TABLE outbox_state (name text PRIMARY KEY, value text NOT NULL);
"""

_LOCATION_LOCK = 0x6163  # with hashtext(location id): one location's actions change one at a time
_OPEN = "('open', 'in_progress', 'rejected')"
_CLOSED = "('done', 'verified')"
# days to close in SQL: ISO times with their offsets read as timestamptz
_DAYS = (f"CASE WHEN status IN {_CLOSED} AND opened_at <> '' AND done_at <> '' THEN "
         "extract(epoch FROM done_at::timestamptz - opened_at::timestamptz)::float8 / 86400 END")
_FACT_COLUMNS = ("id, location_id, region, template_id, owner, status, due, opened_at, done_at, "
                 f"confirmed, repeats, {_DAYS}")


def _where(flt: ActionFilter | None) -> tuple[str, list[Any]]:
    sql: list[str] = ["TRUE"]
    args: list[Any] = []
    if flt is None:
        return "TRUE", []
    for column, value in (("region", flt.region), ("owner", flt.owner),
                          ("template_id", flt.template_id)):
        if value is not None:
            sql.append(f"{column} = %s")
            args.append(value)
    for column, values in (("location_id", flt.location_ids), ("region", flt.regions),
                           ("status", flt.statuses)):
        if values is not None:
            sql.append(f"{column} = ANY(%s)")
            args.append(list(values))
    return " AND ".join(sql), args


class PgActions:
    """Mixed into PostgresStore: the ActionStore half of the Store protocol."""

    def _tx(self) -> AbstractContextManager[psycopg.Cursor[Any]]:
        raise NotImplementedError  # PostgresStore's

    # -- actions ---------------------------------------------------------------------------

    @staticmethod
    def _upsert_action(cur: psycopg.Cursor[Any], a: Action) -> None:
        cur.execute(
            "INSERT INTO actions (id, location_id, region, audit_id, template_id, key, owner, status, "
            "due, opened_at, done_at, confirmed, repeats, doc) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
            "region = EXCLUDED.region, owner = EXCLUDED.owner, status = EXCLUDED.status, "
            "due = EXCLUDED.due, opened_at = EXCLUDED.opened_at, done_at = EXCLUDED.done_at, "
            "confirmed = EXCLUDED.confirmed, repeats = EXCLUDED.repeats, doc = EXCLUDED.doc",
            (a.id, a.location_id, a.region, a.audit_id, a.template_id, a.key, a.owner, a.status,
             a.due, a.opened_at, a.done_at, bool(a.confirmed_by), a.repeats, Jsonb(a.to_dict())))

    def change_actions(self, location_id: str, change: ActionChange) -> list[Action]:
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCATION_LOCK, location_id))
            current = [Action.from_dict(r[0]) for r in cur.execute(
                "SELECT doc FROM actions WHERE location_id = %s ORDER BY id", (location_id,)).fetchall()]
            result = list(change(current))
            for a in result:
                if a.location_id != location_id:
                    raise ValueError(f"action {a.id} is of {a.location_id}, not {location_id}")
                self._upsert_action(cur, a)
        return result

    def _actions(self, where: str, args: Sequence[Any]) -> list[Action]:
        with self._tx() as cur:
            rows = cur.execute(f"SELECT doc FROM actions WHERE {where} ORDER BY id", args).fetchall()
        return [Action.from_dict(r[0]) for r in rows]

    def get_action(self, action_id: str) -> Action | None:
        found = self._actions("id = %s", [action_id])
        return found[0] if found else None

    def location_actions(self, location_id: str) -> list[Action]:
        return self._actions("location_id = %s", [location_id])

    def owner_actions(self, owner: str) -> list[Action]:
        return self._actions("owner = %s", [owner])

    def audit_actions(self, audit_id: str, location_id: str) -> list[Action]:
        return self._actions("audit_id = %s AND location_id = %s", [audit_id, location_id])

    def list_actions(self, flt: ActionFilter | None = None) -> list[Action]:
        where, args = _where(flt)
        return self._actions(where, args)

    def action_facts(self, flt: ActionFilter | None = None) -> list[ActionFact]:
        where, args = _where(flt)
        with self._tx() as cur:
            rows = cur.execute(f"SELECT {_FACT_COLUMNS} FROM actions WHERE {where}", args).fetchall()
        return [ActionFact(*r) for r in rows]

    def action_stats(self, flt: ActionFilter | None, today: str) -> ActionStats:
        """The per-location sums in SQL: HQ's figures never move every action to Python."""
        where, args = _where(flt)
        facts = (f"SELECT location_id, status, due, confirmed, repeats, {_DAYS} AS days "
                 f"FROM actions WHERE {where}")
        with self._tx() as cur:
            rows = cur.execute(
                f"WITH f AS ({facts}) SELECT location_id, "
                f"count(*) FILTER (WHERE status IN {_OPEN}), "
                f"count(*) FILTER (WHERE status IN {_OPEN} AND due <> '' AND due < %s), "
                f"count(*) FILTER (WHERE status IN {_CLOSED}), "
                "percentile_cont(0.5) WITHIN GROUP (ORDER BY days), "
                f"count(*) FILTER (WHERE confirmed AND status IN {_CLOSED}), "
                "coalesce(sum(repeats), 0), count(*) FILTER (WHERE repeats > 0), "
                f"count(*) FILTER (WHERE repeats > 0 AND status IN {_OPEN}) "
                "FROM f GROUP BY location_id", [*args, today]).fetchall()
            network = cur.execute(f"WITH f AS ({facts}) SELECT percentile_cont(0.5) WITHIN GROUP "
                                  "(ORDER BY days) FROM f", args).fetchone()
        locations = sorted((LocationActions(r[0], int(r[1]), int(r[2]), int(r[3]),
                                            None if r[4] is None else float(r[4]), int(r[5]),
                                            int(r[6]), int(r[7]), int(r[8])) for r in rows),
                           key=lambda r: r.location_id)
        median = network[0] if network else None
        return ActionStats(tuple(locations), None if median is None else float(median))

    # -- outbox ----------------------------------------------------------------------------

    def enqueue_messages(self, messages: Sequence[Message]) -> int:
        added = 0
        with self._tx() as cur:
            for m in messages:
                cur.execute("INSERT INTO outbox VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                            "ON CONFLICT (id) DO NOTHING",
                            (m.id, m.status, m.next_try, m.lease_until, m.claimed_by, m.created_at,
                             m.sent_at, Jsonb(m.to_dict())))
                added += cur.rowcount
        return added

    @staticmethod
    def _state(cur: psycopg.Cursor[Any], name: str, value: str) -> None:
        cur.execute("INSERT INTO outbox_state VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
                    "SET value = EXCLUDED.value", (name, value))

    def claim_messages(self, worker: str, now: str, lease_until: str, limit: int) -> list[Message]:
        with self._tx() as cur:
            self._state(cur, "last_drain_at", now)
            rows = cur.execute(
                "UPDATE outbox SET lease_until = %s, claimed_by = %s, "
                "doc = doc || jsonb_build_object('lease_until', %s::text, 'claimed_by', %s::text) "
                "WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_try <= %s "
                "AND lease_until <= %s ORDER BY created_at, id LIMIT %s FOR UPDATE SKIP LOCKED) "
                "RETURNING doc", (lease_until, worker, lease_until, worker, now, now, limit)).fetchall()
        return sorted((Message.from_dict(r[0]) for r in rows), key=lambda m: (m.created_at, m.id))

    def finish_message(self, message_id: str, worker: str, *, now: str, error: str = "",
                       next_try: str = "", dead: bool = False, counted: bool = True) -> bool:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM outbox WHERE id = %s FOR UPDATE", (message_id,)).fetchone()
            if row is None or row[0].get("claimed_by") != worker or row[0].get("status") != "pending":
                return False
            d = dict(row[0])
            d.update(attempts=int(d.get("attempts", 0)) + int(counted or not error), lease_until="",
                     claimed_by="")
            if error:
                d.update(last_error=error, next_try=next_try, status="dead" if dead else "pending")
                self._state(cur, "last_error", error)
                self._state(cur, "last_error_at", now)
            else:
                d.update(status="sent", sent_at=now)
                self._state(cur, "last_sent_at", now)
            cur.execute("UPDATE outbox SET status = %s, next_try = %s, lease_until = '', claimed_by = '', "
                        "sent_at = %s, doc = %s WHERE id = %s",
                        (d["status"], d.get("next_try", "") or "", d.get("sent_at", "") or "",
                         Jsonb(d), message_id))
            return True

    def list_messages(self, statuses: tuple[str, ...] = ("pending", "dead"),
                      limit: int = 50) -> list[Message]:
        with self._tx() as cur:
            rows = cur.execute("SELECT doc FROM outbox WHERE status = ANY(%s) "
                               "ORDER BY greatest(sent_at, created_at) DESC, id DESC LIMIT %s",
                               (list(statuses), limit)).fetchall()
        return [Message.from_dict(r[0]) for r in rows]

    def retry_message(self, message_id: str, now: str) -> bool:
        with self._tx() as cur:
            cur.execute("UPDATE outbox SET status = 'pending', next_try = %s, lease_until = '', "
                        "claimed_by = '', doc = doc || jsonb_build_object('status', 'pending', "
                        "'attempts', 0, 'next_try', %s::text, 'lease_until', '', 'claimed_by', '') "
                        "WHERE id = %s AND status <> 'sent'", (now, now, message_id))
            return cur.rowcount > 0

    def outbox_status(self) -> OutboxStatus:
        with self._tx() as cur:
            counts = dict(cur.execute("SELECT status, count(*) FROM outbox WHERE status <> 'sent' "
                                      "GROUP BY status").fetchall())
            state = dict(cur.execute("SELECT name, value FROM outbox_state").fetchall())
        return OutboxStatus(pending=int(counts.get("pending", 0)), dead=int(counts.get("dead", 0)),
                            last_sent_at=state.get("last_sent_at", ""),
                            last_error=state.get("last_error", ""),
                            last_error_at=state.get("last_error_at", ""),
                            last_drain_at=state.get("last_drain_at", ""))

    def claim_once(self, name: str, value: str) -> bool:
        with self._tx() as cur:
            row = cur.execute("INSERT INTO outbox_state VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
                              "SET value = EXCLUDED.value WHERE outbox_state.value <> EXCLUDED.value "
                              "RETURNING name", (f"once:{name}", value)).fetchone()
        return row is not None
