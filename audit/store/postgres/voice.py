"""Customers' voice responses on PostgreSQL (schema step 7).

One phone per location per day is a partial unique index on (location, day, device): two
replicas taking a second response of one phone at once cannot both insert it.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from audit.model.voice import VoiceFilter, VoiceResponse

SCHEMA_V7 = """
CREATE TABLE IF NOT EXISTS voice_responses (
    id text PRIMARY KEY, location_id text NOT NULL, month text COLLATE "C" NOT NULL,
    day text COLLATE "C" NOT NULL, device text NOT NULL, doc jsonb NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS voice_one_per_device ON voice_responses (location_id, day, device)
    WHERE device <> '';
CREATE INDEX IF NOT EXISTS voice_by_month ON voice_responses (month, location_id);
"""


class PgVoice:
    """Mixed into PostgresStore: the VoiceStore half of the Store protocol."""

    def _tx(self) -> AbstractContextManager[psycopg.Cursor[Any]]:
        raise NotImplementedError

    def add_voice_response(self, response: VoiceResponse) -> bool:
        with self._tx() as cur:
            cur.execute("INSERT INTO voice_responses VALUES (%s, %s, %s, %s, %s, %s) "
                        "ON CONFLICT DO NOTHING",
                        (response.id, response.location_id, response.month, response.day,
                         response.device, Jsonb(response.to_dict())))
            return cur.rowcount == 1

    def import_voice_responses(self, responses: Iterable[VoiceResponse]) -> int:
        rows = [(r.id, r.location_id, r.month, r.day, r.device, Jsonb(r.to_dict())) for r in responses]
        if not rows:
            return 0
        with self._tx() as cur:
            before = cur.execute("SELECT count(*) FROM voice_responses").fetchone()
            cur.executemany("INSERT INTO voice_responses VALUES (%s, %s, %s, %s, %s, %s) "
                            "ON CONFLICT DO NOTHING", rows)
            after = cur.execute("SELECT count(*) FROM voice_responses").fetchone()
        return int(after[0] if after else 0) - int(before[0] if before else 0)

    def list_voice_responses(self, flt: VoiceFilter | None = None) -> list[VoiceResponse]:
        flt = flt or VoiceFilter()
        where: list[str] = ["TRUE"]
        args: list[Any] = []
        if flt.location_ids is not None:
            where.append("location_id = ANY(%s)")
            args.append(list(flt.location_ids))
        if flt.first_month is not None:
            where.append("month >= %s")
            args.append(flt.first_month)
        if flt.last_month is not None:
            where.append("month <= %s")
            args.append(flt.last_month)
        with self._tx() as cur:
            rows = cur.execute(f"SELECT doc FROM voice_responses WHERE {' AND '.join(where)}",
                               args).fetchall()
        out = [VoiceResponse.from_dict(r[0]) for r in rows]
        out.sort(key=lambda r: (r.at, r.id))
        return out

    def set_voice_text_approved(self, location_id: str, response_id: str, approved: bool) -> bool:
        with self._tx() as cur:
            cur.execute("UPDATE voice_responses SET doc = jsonb_set(doc, '{text_approved}', %s) "
                        "WHERE id = %s AND location_id = %s",
                        (Jsonb(bool(approved)), response_id, location_id))
            return cur.rowcount == 1
