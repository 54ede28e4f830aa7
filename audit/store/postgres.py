"""The scale path: the same Store on PostgreSQL, for several app replicas behind a balancer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from audit.model import Answer, Audit, AuditHeader, Location, PhotoRef, SummaryRow, User
from audit.store import (
    AuditFilter,
    AuditLocked,
    BatchUpdate,
    NotFound,
    Session,
    StoreError,
    StoreUnavailable,
    TemplateInfo,
)
from audit.store.tinydb import _yaml_title

SCHEMA = """
CREATE TABLE IF NOT EXISTS locations (id text PRIMARY KEY, doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS users (name text PRIMARY KEY, doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash text PRIMARY KEY, user_name text NOT NULL, created_at text NOT NULL,
    expires_at text NOT NULL);
CREATE TABLE IF NOT EXISTS templates (
    id text NOT NULL, version integer NOT NULL, yaml text NOT NULL, title_ru text, title_en text,
    uploaded_by text, uploaded_at text, PRIMARY KEY (id, version));
CREATE TABLE IF NOT EXISTS audits (id text PRIMARY KEY, header jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    audit_id text NOT NULL REFERENCES audits(id) ON DELETE CASCADE, key text NOT NULL,
    doc jsonb NOT NULL, PRIMARY KEY (audit_id, key));
CREATE TABLE IF NOT EXISTS audit_photos (
    audit_id text NOT NULL REFERENCES audits(id) ON DELETE CASCADE, sha256 text NOT NULL,
    doc jsonb NOT NULL, PRIMARY KEY (audit_id, sha256));
CREATE TABLE IF NOT EXISTS summaries (
    audit_id text PRIMARY KEY, location_id text NOT NULL, status text NOT NULL,
    doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS photo_hashes (
    audit_id text NOT NULL, sha256 text NOT NULL, phash text NOT NULL);
CREATE INDEX IF NOT EXISTS photo_hashes_audit ON photo_hashes (audit_id);
CREATE TABLE IF NOT EXISTS sync_receipts (
    audit_id text PRIMARY KEY REFERENCES audits(id) ON DELETE CASCADE, doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS settings (id integer PRIMARY KEY, doc jsonb NOT NULL);
"""


class PostgresStore:
    """Tables mirror the TinyDB layout; photos stay on a shared folder (`photo_dir`)."""

    def __init__(self, url: str, *, photo_dir: Path, pool_size: int = 4) -> None:
        self.url = url
        self._photo_dir = Path(photo_dir)
        try:
            (self._photo_dir / "photos").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"cannot use the photo folder {self._photo_dir}: {exc.strerror}",
                                   path=str(self._photo_dir)) from exc
        try:
            self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=True,
                                        kwargs={"autocommit": False}, timeout=10)
            self._pool.wait(timeout=10)
        except Exception as exc:
            raise StoreUnavailable(
                f"cannot connect to PostgreSQL: {exc}. Check AUDIT_DATABASE_URL.",
                reason=str(exc)) from exc
        with self._tx() as cur:
            cur.execute(SCHEMA)

    def __repr__(self) -> str:
        return f"PostgresStore({self.url.rsplit('@', 1)[-1]!r})"

    def close(self) -> None:
        self._pool.close()

    @property
    def photo_dir(self) -> Path:
        return self._photo_dir

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Cursor[Any]]:
        try:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield cur
        except psycopg.OperationalError as exc:
            raise StoreError(f"database error: {exc}", reason=str(exc)) from exc

    # -- locations -------------------------------------------------------------------------

    def list_locations(self) -> list[Location]:
        with self._tx() as cur:
            rows = cur.execute("SELECT doc FROM locations").fetchall()
        return sorted((Location.from_dict(r[0]) for r in rows), key=lambda loc: loc.name)

    def get_location(self, location_id: str) -> Location | None:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM locations WHERE id = %s", (location_id,)).fetchone()
        return Location.from_dict(row[0]) if row else None

    def put_location(self, location: Location) -> None:
        with self._tx() as cur:
            cur.execute("INSERT INTO locations (id, doc) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE "
                        "SET doc = EXCLUDED.doc", (location.id, Jsonb(location.to_dict())))

    # -- users and sessions ----------------------------------------------------------------

    def list_users(self) -> list[User]:
        with self._tx() as cur:
            rows = cur.execute("SELECT doc FROM users ORDER BY name").fetchall()
        return [User.from_dict(r[0]) for r in rows]

    def get_user(self, name: str) -> User | None:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM users WHERE name = %s", (name,)).fetchone()
        return User.from_dict(row[0]) if row else None

    def put_user(self, user: User) -> None:
        with self._tx() as cur:
            cur.execute("INSERT INTO users (name, doc) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
                        "SET doc = EXCLUDED.doc", (user.name, Jsonb(user.to_dict())))

    def user_count(self) -> int:
        with self._tx() as cur:
            row = cur.execute("SELECT count(*) FROM users").fetchone()
        return int(row[0]) if row else 0

    def add_session(self, session: Session) -> None:
        with self._tx() as cur:
            cur.execute("INSERT INTO sessions VALUES (%s, %s, %s, %s)",
                        (session.token_hash, session.user, session.created_at, session.expires_at))

    def get_session(self, token_hash: str) -> Session | None:
        with self._tx() as cur:
            row = cur.execute("SELECT token_hash, user_name, created_at, expires_at FROM sessions "
                              "WHERE token_hash = %s", (token_hash,)).fetchone()
        return Session(*row) if row else None

    def delete_sessions(self, user: str, keep: str | None = None) -> int:
        with self._tx() as cur:
            cur.execute("DELETE FROM sessions WHERE user_name = %s AND token_hash IS DISTINCT FROM %s",
                        (user, keep))
            return cur.rowcount

    def delete_session(self, token_hash: str) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM sessions WHERE token_hash = %s", (token_hash,))

    # -- templates -------------------------------------------------------------------------

    def put_template(self, template_id: str, version: int, yaml_text: str, by: str,
                     at: str) -> None:
        ru, en = _yaml_title(yaml_text)
        try:
            with self._tx() as cur:
                cur.execute("INSERT INTO templates VALUES (%s, %s, %s, %s, %s, %s, %s)",
                            (template_id, version, yaml_text, ru, en, by, at))
        except psycopg.errors.UniqueViolation as exc:
            raise StoreError(f"template {template_id} version {version} already exists",
                             template=template_id, version=version) from exc

    def get_template_text(self, template_id: str, version: int | None = None
                          ) -> tuple[int, str] | None:
        with self._tx() as cur:
            if version is None:
                row = cur.execute("SELECT version, yaml FROM templates WHERE id = %s "
                                  "ORDER BY version DESC LIMIT 1", (template_id,)).fetchone()
            else:
                row = cur.execute("SELECT version, yaml FROM templates WHERE id = %s AND version = %s",
                                  (template_id, version)).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def list_templates(self) -> list[TemplateInfo]:
        with self._tx() as cur:
            rows = cur.execute("SELECT id, version, title_ru, title_en, uploaded_at, uploaded_by "
                               "FROM templates ORDER BY id, version").fetchall()
        return [TemplateInfo(r[0], int(r[1]), r[2] or "", r[3] or "", r[4] or "", r[5] or "")
                for r in rows]

    # -- audits ----------------------------------------------------------------------------

    def create_audit(self, header: AuditHeader, summary: SummaryRow) -> None:
        try:
            with self._tx() as cur:
                cur.execute("INSERT INTO audits (id, header) VALUES (%s, %s)",
                            (header.id, Jsonb(header.to_dict())))
                self._put_summary(cur, summary)
        except psycopg.errors.UniqueViolation as exc:
            raise StoreError(f"audit {header.id} already exists", audit_id=header.id) from exc

    def get_audit(self, audit_id: str) -> Audit | None:
        with self._tx() as cur:
            row = cur.execute("SELECT header FROM audits WHERE id = %s", (audit_id,)).fetchone()
            if row is None:
                return None
            answers = cur.execute("SELECT doc FROM answers WHERE audit_id = %s",
                                  (audit_id,)).fetchall()
            photos = cur.execute("SELECT doc FROM audit_photos WHERE audit_id = %s",
                                 (audit_id,)).fetchall()
        by_key = {a.key: a for a in (Answer.from_dict(r[0]) for r in answers)}
        refs = {p.sha256: p for p in (PhotoRef.from_dict(r[0]) for r in photos)}
        return Audit(header=AuditHeader.from_dict(row[0]), answers=by_key, photos=refs)

    def get_header(self, audit_id: str) -> AuditHeader | None:
        with self._tx() as cur:
            row = cur.execute("SELECT header FROM audits WHERE id = %s", (audit_id,)).fetchone()
        return AuditHeader.from_dict(row[0]) if row else None

    @staticmethod
    def _lock_draft(cur: psycopg.Cursor[Any], audit_id: str) -> dict[str, Any]:
        row = cur.execute("SELECT header FROM audits WHERE id = %s FOR UPDATE", (audit_id,)).fetchone()
        if row is None:
            raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
        header: dict[str, Any] = row[0]
        if header.get("status") != "draft":
            raise AuditLocked(f"audit {audit_id} is {header.get('status')} and read-only",
                              audit_id=audit_id)
        return header

    def save_answer(self, audit_id: str, key: str,
                    update: Callable[[Answer | None], Answer]) -> Answer:
        with self._tx() as cur:
            self._lock_draft(cur, audit_id)
            row = cur.execute("SELECT doc FROM answers WHERE audit_id = %s AND key = %s",
                              (audit_id, key)).fetchone()
            new = update(Answer.from_dict(row[0]) if row else None)
            cur.execute("INSERT INTO answers (audit_id, key, doc) VALUES (%s, %s, %s) "
                        "ON CONFLICT (audit_id, key) DO UPDATE SET doc = EXCLUDED.doc",
                        (audit_id, key, Jsonb(new.to_dict())))
        return new

    def save_photo_ref(self, audit_id: str, ref: PhotoRef) -> None:
        with self._tx() as cur:
            self._lock_draft(cur, audit_id)
            cur.execute("INSERT INTO audit_photos (audit_id, sha256, doc) VALUES (%s, %s, %s) "
                        "ON CONFLICT (audit_id, sha256) DO UPDATE SET doc = EXCLUDED.doc",
                        (audit_id, ref.sha256, Jsonb(ref.to_dict())))

    def save_answers(self, audit_id: str, update: BatchUpdate) -> None:
        """Several answers and the audit's sync record in one transaction."""
        with self._tx() as cur:
            self._lock_draft(cur, audit_id)
            rows = cur.execute("SELECT doc FROM answers WHERE audit_id = %s", (audit_id,)).fetchall()
            answers = {a.key: a for a in (Answer.from_dict(r[0]) for r in rows)}
            row = cur.execute("SELECT doc FROM sync_receipts WHERE audit_id = %s",
                              (audit_id,)).fetchone()
            changed, sync = update(answers, dict(row[0]) if row else {})
            cur.executemany("INSERT INTO answers (audit_id, key, doc) VALUES (%s, %s, %s) "
                            "ON CONFLICT (audit_id, key) DO UPDATE SET doc = EXCLUDED.doc",
                            [(audit_id, a.key, Jsonb(a.to_dict())) for a in changed])
            cur.execute("INSERT INTO sync_receipts (audit_id, doc) VALUES (%s, %s) "
                        "ON CONFLICT (audit_id) DO UPDATE SET doc = EXCLUDED.doc",
                        (audit_id, Jsonb(sync)))

    def update_header(self, audit_id: str, header: AuditHeader, *,
                      allow_submitted: bool = False) -> None:
        with self._tx() as cur:
            if allow_submitted:
                row = cur.execute("SELECT 1 FROM audits WHERE id = %s FOR UPDATE",
                                  (audit_id,)).fetchone()
                if row is None:
                    raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
            else:
                self._lock_draft(cur, audit_id)
            cur.execute("UPDATE audits SET header = %s WHERE id = %s",
                        (Jsonb(header.to_dict()), audit_id))

    @staticmethod
    def _put_summary(cur: psycopg.Cursor[Any], row: SummaryRow) -> None:
        cur.execute("INSERT INTO summaries (audit_id, location_id, status, doc) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (audit_id) DO UPDATE SET "
                    "location_id = EXCLUDED.location_id, status = EXCLUDED.status, doc = EXCLUDED.doc",
                    (row.audit_id, row.location_id, row.status, Jsonb(row.to_dict())))

    def put_summary(self, row: SummaryRow) -> None:
        with self._tx() as cur:
            self._put_summary(cur, row)

    def get_summary(self, audit_id: str) -> SummaryRow | None:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM summaries WHERE audit_id = %s", (audit_id,)).fetchone()
        return SummaryRow.from_dict(row[0]) if row else None

    def list_summaries(self, flt: AuditFilter | None = None) -> list[SummaryRow]:
        with self._tx() as cur:
            rows = cur.execute("SELECT doc FROM summaries ORDER BY audit_id").fetchall()
        out = [SummaryRow.from_dict(r[0]) for r in rows]
        return [r for r in out if flt.matches(r)] if flt is not None else out

    def delete_audit(self, audit_id: str) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM audits WHERE id = %s", (audit_id,))
            cur.execute("DELETE FROM summaries WHERE audit_id = %s", (audit_id,))
            cur.execute("DELETE FROM photo_hashes WHERE audit_id = %s", (audit_id,))

    def import_audits(self, audits: Iterable[tuple[Audit, SummaryRow]]) -> int:
        n = 0
        with self._tx() as cur:
            for audit, summary in audits:
                cur.execute("INSERT INTO audits (id, header) VALUES (%s, %s)",
                            (audit.id, Jsonb(audit.header.to_dict())))
                cur.executemany("INSERT INTO answers (audit_id, key, doc) VALUES (%s, %s, %s)",
                                [(audit.id, a.key, Jsonb(a.to_dict())) for a in audit.answers.values()])
                cur.executemany("INSERT INTO audit_photos (audit_id, sha256, doc) VALUES (%s, %s, %s)",
                                [(audit.id, p.sha256, Jsonb(p.to_dict())) for p in audit.photos.values()])
                cur.executemany("INSERT INTO photo_hashes VALUES (%s, %s, %s)",
                                [(audit.id, p.sha256, p.phash) for p in audit.photos.values()])
                self._put_summary(cur, summary)
                n += 1
        return n

    # -- photos ----------------------------------------------------------------------------

    def index_photo_hashes(self, audit_id: str, refs: Iterable[PhotoRef]) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM photo_hashes WHERE audit_id = %s", (audit_id,))
            cur.executemany("INSERT INTO photo_hashes VALUES (%s, %s, %s)",
                            [(audit_id, r.sha256, r.phash) for r in refs])

    def known_photo_hashes(self) -> list[tuple[str, str, str]]:
        with self._tx() as cur:
            rows = cur.execute("SELECT audit_id, sha256, phash FROM photo_hashes").fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    # -- settings --------------------------------------------------------------------------

    def get_settings(self) -> dict[str, Any]:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM settings WHERE id = 1").fetchone()
        return dict(row[0]) if row else {}

    def put_settings(self, settings: dict[str, Any]) -> None:
        merged = {**self.get_settings(), **settings}
        with self._tx() as cur:
            cur.execute("INSERT INTO settings VALUES (1, %s) ON CONFLICT (id) DO UPDATE "
                        "SET doc = EXCLUDED.doc", (Jsonb(json.loads(json.dumps(merged))),))
