"""The scale path: the same Store on PostgreSQL, for several app replicas behind a balancer.

Filters, per-person lists, photo-hash look-ups and rollups are SQL over indexed columns;
photos live in the database too, so replicas share nothing but it. The schema is versioned
(`schema_version`); `audit migrate` applies what is pending, and the app applies it at start
only while that is quick (a small database), under an advisory lock so replicas take turns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from audit.core.errors import (
    AuditLocked,
    LayoutOutdated,
    LayoutTooNew,
    NotFound,
    PeopleLost,
    StoreError,
    StoreFull,
    StoreUnavailable,
)
from audit.model import Answer, Audit, AuditHeader, Location, PhotoRef, SummaryRow, User, rollups
from audit.model.rollups import Rollups
from audit.model.visits import Plan, Visit, VisitFilter
from audit.photos.files import PhotoKind, PhotoStore
from audit.photos.hashing import NEAR_DISTANCE, hash_pieces
from audit.store import (
    AuditActions,
    AuditFilter,
    BatchUpdate,
    DerivedCounts,
    PhotoFiles,
    Session,
    TemplateInfo,
    template_titles,
)
from audit.store.integrations import row_time, stamp
from audit.store.integrity import row_problem
from audit.store.postgres.actions import SCHEMA_V4, PgActions
from audit.store.postgres.check import PostgresIntegrity
from audit.store.postgres.integrations import SCHEMA_V8, PgIntegrations
from audit.store.postgres.voice import SCHEMA_V7, PgVoice
from audit.store.rates import window_hit

if TYPE_CHECKING:
    from audit.photos.prepare import PreparedPhoto

# Each step takes the schema from the version before it to its own version.
SCHEMA_V1 = """
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
CREATE TABLE IF NOT EXISTS settings (id integer PRIMARY KEY, doc jsonb NOT NULL);
"""

# Summary rows get the columns people's pages filter and sort on ("C" collation: ISO times
# compare as text); photo hashes their 7 pieces; rollups and photo bytes their tables.
SCHEMA_V2 = """
ALTER TABLE summaries
    ADD COLUMN auditor text COLLATE "C", ADD COLUMN template_id text COLLATE "C",
    ADD COLUMN mode text COLLATE "C", ADD COLUMN region text COLLATE "C",
    ADD COLUMN visit text COLLATE "C", ADD COLUMN month text COLLATE "C",
    ADD COLUMN submitted_at text COLLATE "C";
UPDATE summaries SET auditor = doc->>'auditor', template_id = doc->>'template_id',
    mode = doc->>'mode', region = coalesce(doc->>'region', ''),
    visit = coalesce(nullif(doc->>'visit_at', ''), doc->>'started_at', ''),
    submitted_at = coalesce(doc->>'submitted_at', '');
UPDATE summaries SET month = left(visit, 7);
ALTER TABLE summaries ALTER COLUMN auditor SET NOT NULL, ALTER COLUMN template_id SET NOT NULL,
    ALTER COLUMN mode SET NOT NULL, ALTER COLUMN region SET NOT NULL,
    ALTER COLUMN visit SET NOT NULL, ALTER COLUMN month SET NOT NULL,
    ALTER COLUMN submitted_at SET NOT NULL;
CREATE INDEX summaries_auditor ON summaries (auditor, visit DESC);
CREATE INDEX summaries_location ON summaries (location_id, visit DESC);
CREATE INDEX summaries_month ON summaries (month);
CREATE INDEX summaries_submitted ON summaries (submitted_at DESC) WHERE status = 'submitted';
CREATE INDEX sessions_user ON sessions (user_name);
ALTER TABLE photo_hashes ADD COLUMN p0 integer, ADD COLUMN p1 integer, ADD COLUMN p2 integer,
    ADD COLUMN p3 integer, ADD COLUMN p4 integer, ADD COLUMN p5 integer, ADD COLUMN p6 integer;
CREATE INDEX photo_hashes_sha ON photo_hashes (sha256);
CREATE INDEX photo_hashes_p0 ON photo_hashes (p0);
CREATE INDEX photo_hashes_p1 ON photo_hashes (p1);
CREATE INDEX photo_hashes_p2 ON photo_hashes (p2);
CREATE INDEX photo_hashes_p3 ON photo_hashes (p3);
CREATE INDEX photo_hashes_p4 ON photo_hashes (p4);
CREATE INDEX photo_hashes_p5 ON photo_hashes (p5);
CREATE INDEX photo_hashes_p6 ON photo_hashes (p6);
CREATE TABLE rollup_groups (
    month text COLLATE "C" NOT NULL, location_id text NOT NULL, template_id text NOT NULL,
    mode text NOT NULL, region text NOT NULL, branch boolean NOT NULL, doc jsonb NOT NULL,
    PRIMARY KEY (month, location_id, template_id, mode, region, branch));
CREATE INDEX rollup_groups_location ON rollup_groups (location_id, month);
CREATE TABLE rollup_items (
    month text COLLATE "C" NOT NULL, template_id text NOT NULL, mode text NOT NULL,
    region text NOT NULL, doc jsonb NOT NULL,
    PRIMARY KEY (month, template_id, mode, region));
CREATE TABLE rollup_versions (
    month text COLLATE "C" NOT NULL, template_id text NOT NULL, version bigint NOT NULL,
    PRIMARY KEY (month, template_id));
CREATE TABLE photo_files (
    sha256 text NOT NULL, kind text NOT NULL, ext text NOT NULL, data bytea NOT NULL,
    PRIMARY KEY (sha256, kind));
"""

# Visit plans and their visits (issue 12): visits filed by month of the window and by shopper;
# open visits (no shopper yet) found by region.
SCHEMA_V3 = """
CREATE TABLE visit_plans (
    id text PRIMARY KEY, created_at text COLLATE "C" NOT NULL, doc jsonb NOT NULL);
CREATE TABLE visits (
    id text PRIMARY KEY, plan_id text NOT NULL, month text COLLATE "C" NOT NULL,
    location_id text NOT NULL, region text NOT NULL, shopper text NOT NULL,
    status text NOT NULL, opens_at text COLLATE "C" NOT NULL, closes_at text COLLATE "C" NOT NULL,
    doc jsonb NOT NULL);
CREATE INDEX visits_month ON visits (month, location_id);
CREATE INDEX visits_shopper ON visits (shopper, month);
CREATE INDEX visits_location ON visits (location_id, month);
CREATE INDEX visits_open ON visits (region, month) WHERE shopper = '';
CREATE INDEX visits_plan ON visits (plan_id);
"""

# What each audit's phone batches have already applied (audit.audits.sync), so a batch sent twice
# applies once.
SCHEMA_V5 = """
CREATE TABLE IF NOT EXISTS sync_receipts (
    audit_id text PRIMARY KEY REFERENCES audits(id) ON DELETE CASCADE, doc jsonb NOT NULL);
"""

# The store's marker: whether it has ever had people, so an emptied users table never reads as
# a new store (whose first visitor would become HQ). Set in the transaction that stores the
# first person; a database that has people when it gains the marker has had them.
SCHEMA_V6 = """
CREATE TABLE IF NOT EXISTS store_marker (
    id integer PRIMARY KEY CHECK (id = 1), had_people boolean NOT NULL);
INSERT INTO store_marker SELECT 1, EXISTS (SELECT 1 FROM users) ON CONFLICT (id) DO NOTHING;
"""

# step 4 (audit/store/postgres/actions.py): actions and the outbox; 5: sync receipts; 6: the marker;
# 7 (audit/store/postgres/voice.py): customers' voice responses;
# 8 (audit/store/postgres/integrations.py): API tokens, webhooks, rows' time of last change
LATEST = 8
AUTO_MIGRATE_ROWS = 20_000  # above this many audits the app asks for `audit migrate` instead
_ADVISORY_KEY = 0x617564_6974  # "audit": replicas starting at once migrate one at a time
_PIECES = ", ".join(f"p{i}" for i in range(7))


def _pieces(phash: str) -> tuple[int | None, ...]:
    found = hash_pieces(phash)
    return found if found is not None else (None,) * 7


class PgPhotoFiles:
    """Photo bytes in the `photo_files` table; files of an older photo folder still read."""

    def __init__(self, store: PostgresStore, keep_originals: bool = True) -> None:
        self.store = store
        self.keep_originals = keep_originals

    def put(self, p: PreparedPhoto) -> bool:
        if hashlib.sha256(p.original).hexdigest() != p.sha256:
            raise ValueError("the photo's sha256 is not the hash of its original bytes")
        kinds = [("thumb", "jpg", p.thumbnail), ("display", "jpg", p.display)]
        if self.keep_originals:
            kinds.append(("original", p.original_ext, p.original))
        added = 0
        with self.store._tx() as cur:
            for kind, ext, data in kinds:
                cur.execute("INSERT INTO photo_files VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                            (p.sha256, kind, ext, data))
                added += cur.rowcount
        return added > 0

    def get(self, sha256: str, kind: PhotoKind) -> bytes:
        if kind not in ("original", "display", "thumb"):
            raise ValueError(f"unknown photo kind {kind!r}")
        with self.store._tx() as cur:
            row = cur.execute("SELECT data FROM photo_files WHERE sha256 = %s AND kind = %s",
                              (sha256, kind)).fetchone()
        if row is not None:
            return bytes(row[0])
        return self._folder().get(sha256, kind)

    def exists(self, sha256: str) -> bool:
        with self.store._tx() as cur:
            row = cur.execute("SELECT 1 FROM photo_files WHERE sha256 = %s AND kind = 'display'",
                              (sha256,)).fetchone()
        return row is not None or self._folder().exists(sha256)

    def _folder(self) -> PhotoFiles:
        return PhotoStore(self.store.photo_dir)


class PostgresStore(PgActions, PgVoice, PgIntegrations, PostgresIntegrity, AuditActions):
    """One database for every replica: audits, rows, rollups, sessions and photos."""

    def __init__(self, url: str, *, photo_dir: Path, pool_size: int = 4,
                 migrate: bool | None = None) -> None:
        """migrate=None applies pending schema steps only while quick; True always; False never."""
        self.url = url
        self._photo_dir = Path(photo_dir)
        try:
            self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=True,
                                        kwargs={"autocommit": False}, timeout=10)
            self._pool.wait(timeout=10)
        except Exception as exc:
            raise StoreUnavailable(
                f"cannot connect to PostgreSQL: {exc}. Check AUDIT_DATABASE_URL.",
                reason=str(exc)) from exc
        self.migrated_from = self._schema(migrate)
        self._rates_ready = False  # rate_hits made (count_hit)
        # (month, checklist) → (its version, its groups, its item groups), see get_rollups
        self._months: dict[tuple[str, str], tuple[int, tuple[rollups.Rollup, ...],
                                                  tuple[rollups.ItemRollup, ...]]] = {}

    def __repr__(self) -> str:
        return f"PostgresStore({self.url.rsplit('@', 1)[-1]!r})"

    def close(self) -> None:
        self._pool.close()

    @property
    def photo_dir(self) -> Path:
        """Where photos of an older version were kept as files; still read, no longer written."""
        return self._photo_dir

    def photo_files(self, keep_originals: bool = True) -> PhotoFiles:
        return PgPhotoFiles(self, keep_originals)

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Cursor[Any]]:
        try:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield cur
        except psycopg.errors.DiskFull as exc:  # nothing of the transaction was written
            raise StoreFull(f"the database's disk is full: {exc}", reason=str(exc)) from exc
        except psycopg.OperationalError as exc:
            raise StoreError(f"database error: {exc}", reason=str(exc)) from exc

    # -- schema ------------------------------------------------------------------------------

    @staticmethod
    def _version(cur: psycopg.Cursor[Any]) -> int:
        tables = {r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()}
        if "schema_version" in tables:
            row = cur.execute("SELECT max(version) FROM schema_version").fetchone()
            return int(row[0]) if row and row[0] is not None else 0
        return 1 if "summaries" in tables else 0

    def schema_version(self) -> int:
        with self._tx() as cur:
            return self._version(cur)

    def _schema(self, migrate: bool | None) -> int:
        """Bring the schema to LATEST when allowed; the version found (LATEST if it was)."""
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_KEY,))
            found = self._version(cur)
            if found > LATEST:
                raise LayoutTooNew(f"the database was written by a newer version of the app "
                                   f"(schema {found}); upgrade the app to use it",
                                   found=found, known=LATEST)
            if found == LATEST:
                return found
            if found and migrate is False:
                raise LayoutOutdated(self._outdated(found), command="audit migrate")
            if found and migrate is None:
                row = cur.execute("SELECT count(*) FROM summaries").fetchone()
                if row and int(row[0]) > AUTO_MIGRATE_ROWS:
                    raise LayoutOutdated(self._outdated(found), command="audit migrate")
            self._upgrade(cur, found)
            return found

    @staticmethod
    def _outdated(found: int) -> str:
        return (f"the database schema is version {found}, this app needs {LATEST}; stop the app "
                "and run `audit migrate` with the same AUDIT_DATABASE_URL")

    def _upgrade(self, cur: psycopg.Cursor[Any], found: int) -> None:
        """Every step after `found`, in this one transaction: a failure leaves the old schema."""
        cur.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                    "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        if found < 1:
            cur.execute(SCHEMA_V1)
            cur.execute("INSERT INTO schema_version (version) VALUES (1) ON CONFLICT DO NOTHING")
        if found < 2:
            cur.execute(SCHEMA_V2)
            rows = [SummaryRow.from_dict(r[0]) for r in cur.execute(
                "SELECT doc FROM summaries WHERE status = 'submitted'").fetchall()]
            self._write_rollups(cur, rows)
            for audit_id, sha, phash in cur.execute(
                    "SELECT audit_id, sha256, phash FROM photo_hashes").fetchall():
                cur.execute(f"UPDATE photo_hashes SET ({_PIECES}) = ROW(%s, %s, %s, %s, %s, %s, %s) "
                            "WHERE audit_id = %s AND sha256 = %s", (*_pieces(phash), audit_id, sha))
            cur.execute("INSERT INTO schema_version (version) VALUES (2)")
        if found < 3:
            cur.execute(SCHEMA_V3)
            cur.execute("INSERT INTO schema_version (version) VALUES (3)")
        if found < 4:
            cur.execute(SCHEMA_V4)
            cur.execute("INSERT INTO schema_version (version) VALUES (4)")
        if found < 5:
            cur.execute(SCHEMA_V5)
            cur.execute("INSERT INTO schema_version (version) VALUES (5)")
        if found < 6:
            cur.execute(SCHEMA_V6)
            cur.execute("INSERT INTO schema_version (version) VALUES (6)")
        if found < 7:
            cur.execute(SCHEMA_V7)
            cur.execute("INSERT INTO schema_version (version) VALUES (7)")
        if found < 8:
            cur.execute(SCHEMA_V8)
            cur.execute("INSERT INTO schema_version (version) VALUES (8)")

    def import_photo_folder(self) -> int:
        """Photos an older version kept as files, copied into the database (audit migrate)."""
        folder = PhotoStore(self._photo_dir)
        count = 0
        root = self._photo_dir / "photos"
        for display in sorted(root.glob("*/*.display.jpg")) if root.exists() else []:
            sha = display.name.split(".", 1)[0]
            with self._tx() as cur:
                for kind in ("display", "thumb", "original"):
                    try:
                        data = folder.get(sha, kind)
                    except KeyError:
                        continue
                    ext = "jpg" if kind != "original" else next(
                        (p.suffix[1:] for p in display.parent.glob(f"{sha}.*")
                         if p.suffix[1:] in ("jpg", "png", "webp", "heic") and p.name.count(".") == 1),
                        "jpg")
                    cur.execute("INSERT INTO photo_files VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                                (sha, kind, ext, data))
                    count += cur.rowcount
        return count

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

    @staticmethod
    def _had_people(cur: psycopg.Cursor[Any]) -> bool:
        """The marker's word; a marker row gone is damage too (the schema step wrote it)."""
        row = cur.execute("SELECT had_people FROM store_marker WHERE id = 1").fetchone()
        return True if row is None else bool(row[0])

    def has_had_people(self) -> bool:
        with self._tx() as cur:
            return self._had_people(cur)

    def _nobody(self, cur: psycopg.Cursor[Any]) -> None:
        """Called when a read found no person: an empty users table in a store that has had
        people is damage, never a new store."""
        if cur.execute("SELECT NOT EXISTS (SELECT 1 FROM users)").fetchone() == (True,) \
                and self._had_people(cur):
            raise PeopleLost("the users table holds nobody, but the store's marker says it has "
                             "had people; restore it from a backup", path="users (PostgreSQL)")

    def list_users(self) -> list[User]:
        with self._tx() as cur:
            rows = cur.execute("SELECT doc FROM users ORDER BY name").fetchall()
            if not rows:
                self._nobody(cur)
        return [User.from_dict(r[0]) for r in rows]

    def get_user(self, name: str) -> User | None:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM users WHERE name = %s", (name,)).fetchone()
            if row is None:
                self._nobody(cur)
        return User.from_dict(row[0]) if row else None

    def put_user(self, user: User) -> None:
        """The marker learns the store has had people in the same transaction as the first one."""
        with self._tx() as cur:
            cur.execute("INSERT INTO users (name, doc) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
                        "SET doc = EXCLUDED.doc", (user.name, Jsonb(user.to_dict())))
            # no lock once it is set: only a row the UPDATE changes is locked
            cur.execute("UPDATE store_marker SET had_people = true WHERE NOT had_people")

    def update_user(self, name: str, change: Callable[[User], User]) -> User | None:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM users WHERE name = %s FOR UPDATE", (name,)).fetchone()
            if row is None:
                return None
            new = change(User.from_dict(row[0]))
            cur.execute("UPDATE users SET doc = %s WHERE name = %s", (Jsonb(new.to_dict()), name))
        return new

    def user_count(self) -> int:
        with self._tx() as cur:
            row = cur.execute("SELECT count(*) FROM users").fetchone()
            count = int(row[0]) if row else 0
            if not count:
                self._nobody(cur)
        return count

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

    def prune_sessions(self, now: str) -> int:
        with self._tx() as cur:
            cur.execute('DELETE FROM sessions WHERE expires_at COLLATE "C" <= %s', (now,))
            return cur.rowcount

    # -- templates -------------------------------------------------------------------------

    def put_template(self, template_id: str, version: int, yaml_text: str, by: str,
                     at: str) -> None:
        ru, en = template_titles(yaml_text)
        try:
            with self._tx() as cur:
                cur.execute("INSERT INTO templates VALUES (%s, %s, %s, %s, %s, %s, %s)",
                            (template_id, version, yaml_text, ru, en, by, at))
        except psycopg.errors.UniqueViolation as exc:
            raise StoreError(f"template {template_id} version {version} already exists",
                             template=template_id, version=version) from exc

    def latest_versions(self) -> dict[str, int]:
        with self._tx() as cur:
            rows = cur.execute("SELECT id, max(version) FROM templates GROUP BY id").fetchall()
        return {r[0]: int(r[1]) for r in rows}

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
                self._place_row(cur, None, summary)
        except psycopg.errors.UniqueViolation as exc:
            raise StoreError(f"audit {header.id} already exists", audit_id=header.id) from exc

    def get_audit(self, audit_id: str) -> Audit | None:
        with self._tx() as cur:
            return self._audit(cur, audit_id)

    @staticmethod
    def _audit(cur: psycopg.Cursor[Any], audit_id: str) -> Audit | None:
        row = cur.execute("SELECT header FROM audits WHERE id = %s", (audit_id,)).fetchone()
        if row is None:
            return None
        answers = cur.execute("SELECT doc FROM answers WHERE audit_id = %s", (audit_id,)).fetchall()
        photos = cur.execute("SELECT doc FROM audit_photos WHERE audit_id = %s",
                             (audit_id,)).fetchall()
        by_key = {a.key: a for a in (Answer.from_dict(r[0]) for r in answers)}
        refs = {p.sha256: p for p in (PhotoRef.from_dict(r[0]) for r in photos)}
        return Audit(header=AuditHeader.from_dict(row[0]), answers=by_key, photos=refs)

    def get_header(self, audit_id: str) -> AuditHeader | None:
        with self._tx() as cur:
            row = cur.execute("SELECT header FROM audits WHERE id = %s", (audit_id,)).fetchone()
        return AuditHeader.from_dict(row[0]) if row else None

    def audit_ids(self) -> Iterator[str]:
        with self._tx() as cur:
            ids = [r[0] for r in cur.execute("SELECT id FROM audits ORDER BY id").fetchall()]
        yield from ids

    @staticmethod
    def _lock(cur: psycopg.Cursor[Any], audit_id: str, expect: str | None = "draft") -> dict[str, Any]:
        row = cur.execute("SELECT header FROM audits WHERE id = %s FOR UPDATE", (audit_id,)).fetchone()
        if row is None:
            raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
        header: dict[str, Any] = row[0]
        if expect is not None and header.get("status") != expect:
            raise AuditLocked(f"audit {audit_id} is {header.get('status')}, not {expect}",
                              audit_id=audit_id)
        return header

    def save_answer(self, audit_id: str, key: str,
                    update: Callable[[Answer | None], Answer]) -> Answer:
        with self._tx() as cur:
            self._lock(cur, audit_id)
            row = cur.execute("SELECT doc FROM answers WHERE audit_id = %s AND key = %s",
                              (audit_id, key)).fetchone()
            new = update(Answer.from_dict(row[0]) if row else None)
            cur.execute("INSERT INTO answers (audit_id, key, doc) VALUES (%s, %s, %s) "
                        "ON CONFLICT (audit_id, key) DO UPDATE SET doc = EXCLUDED.doc",
                        (audit_id, key, Jsonb(new.to_dict())))
        return new

    def save_photo_ref(self, audit_id: str, ref: PhotoRef) -> None:
        with self._tx() as cur:
            self._lock(cur, audit_id)
            cur.execute("INSERT INTO audit_photos (audit_id, sha256, doc) VALUES (%s, %s, %s) "
                        "ON CONFLICT (audit_id, sha256) DO UPDATE SET doc = EXCLUDED.doc",
                        (audit_id, ref.sha256, Jsonb(ref.to_dict())))

    def save_answers(self, audit_id: str, update: BatchUpdate) -> None:
        """Several answers and the audit's sync record in one transaction."""
        with self._tx() as cur:
            self._lock(cur, audit_id)
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
            self._lock(cur, audit_id, None if allow_submitted else "draft")
            cur.execute("UPDATE audits SET header = %s WHERE id = %s",
                        (Jsonb(header.to_dict()), audit_id))
            old = self._row(cur, audit_id, lock=True)
            if old is not None and (header.visit_at or header.started_at) != (
                    old.visit_at or old.started_at):
                moved = SummaryRow.from_dict({**old.to_dict(), "visit_at": header.visit_at})
                self._place_row(cur, old, moved)

    def _state_change(self, header: AuditHeader, row: SummaryRow, *, expect: str | None,
                      photos: Sequence[PhotoRef] = ()) -> None:
        with self._tx() as cur:
            self._lock(cur, header.id, expect)
            cur.execute("UPDATE audits SET header = %s WHERE id = %s",
                        (Jsonb(header.to_dict()), header.id))
            self._place_row(cur, self._row(cur, header.id, lock=True), row)
            if photos:
                self._index_hashes(cur, header.id, photos)

    @staticmethod
    def _row(cur: psycopg.Cursor[Any], audit_id: str, *, lock: bool = False) -> SummaryRow | None:
        sql = "SELECT doc FROM summaries WHERE audit_id = %s" + (" FOR UPDATE" if lock else "")
        row = cur.execute(sql, (audit_id,)).fetchone()
        return SummaryRow.from_dict(row[0]) if row else None

    def _place_row(self, cur: psycopg.Cursor[Any], old: SummaryRow | None,
                   new: SummaryRow | None) -> None:
        """The audit's row, and the rollups that sum it, from `old` to `new`."""
        if new is None:
            if old is not None:
                cur.execute("DELETE FROM summaries WHERE audit_id = %s", (old.audit_id,))
        else:
            when = new.visit_at or new.started_at
            changed = stamp()
            cur.execute(
                "INSERT INTO summaries (audit_id, location_id, status, doc, auditor, template_id, "
                "mode, region, visit, month, submitted_at, changed_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (audit_id) DO UPDATE "
                "SET location_id = EXCLUDED.location_id, status = EXCLUDED.status, doc = EXCLUDED.doc, "
                "auditor = EXCLUDED.auditor, template_id = EXCLUDED.template_id, mode = EXCLUDED.mode, "
                "region = EXCLUDED.region, visit = EXCLUDED.visit, month = EXCLUDED.month, "
                "submitted_at = EXCLUDED.submitted_at, changed_at = EXCLUDED.changed_at",
                (new.audit_id, new.location_id, new.status,
                 Jsonb({**new.to_dict(), "changed_at": changed}), new.auditor,
                 new.template_id, new.mode, new.region, when, when[:7], new.submitted_at, changed))
        was_in = old is not None and old.status == "submitted"
        is_in = new is not None and new.status == "submitted"
        changes: list[tuple[SummaryRow, int]] = []
        if was_in and is_in and old is not None and new is not None and (
                rollups.location_key(old) == rollups.location_key(new)
                and rollups.location_part(old) == rollups.location_part(new)
                and rollups.item_part(old) == rollups.item_part(new)):
            return
        if was_in and old is not None:
            changes.append((old, -1))
        if is_in and new is not None:
            changes.append((new, +1))
        self._roll(cur, changes)

    @staticmethod
    def _roll(cur: psycopg.Cursor[Any], changes: Sequence[tuple[SummaryRow, int]]) -> None:
        """Add or subtract rows' parts; groups are locked in key order, so writers never deadlock."""
        loc_parts: dict[rollups.LocationKey, list[tuple[rollups.Group, int]]] = {}
        item_parts: dict[rollups.ItemKey, list[tuple[rollups.Group, int]]] = {}
        for row, sign in changes:
            loc_parts.setdefault(rollups.location_key(row), []).append((rollups.location_part(row), sign))
            item_parts.setdefault(rollups.item_key(row), []).append((rollups.item_part(row), sign))
        PostgresStore._touch_months(cur, sorted({(k[0], k[1]) for k in item_parts}))
        for lk in sorted(loc_parts):
            group: rollups.Group | None = PostgresStore._lock_group(cur, lk)
            for part, sign in loc_parts[lk]:
                group = rollups.add(group, part, sign)
            PostgresStore._save_group(cur, lk, group)
        for ik in sorted(item_parts):
            group = PostgresStore._lock_group(cur, ik)
            for part, sign in item_parts[ik]:
                group = rollups.add(group, part, sign)
            PostgresStore._save_group(cur, ik, group)

    @staticmethod
    def _touch_months(cur: psycopg.Cursor[Any], keys: Sequence[tuple[str, str]]) -> None:
        """A month's rollups of a checklist changed: readers holding them read them again."""
        for month, template_id in keys:
            cur.execute("INSERT INTO rollup_versions VALUES (%s, %s, 1) ON CONFLICT (month, "
                        "template_id) DO UPDATE SET version = rollup_versions.version + 1",
                        (month, template_id))

    @staticmethod
    def _group_table(key: tuple[Any, ...]) -> tuple[str, str]:
        if len(key) == 6:
            return "rollup_groups", ("month = %s AND location_id = %s AND template_id = %s AND "
                                     "mode = %s AND region = %s AND branch = %s")
        return "rollup_items", "month = %s AND template_id = %s AND mode = %s AND region = %s"

    @staticmethod
    def _lock_group(cur: psycopg.Cursor[Any], key: tuple[Any, ...]) -> rollups.Group | None:
        """The group's doc, its row locked (made first when missing) until the transaction ends."""
        table, where = PostgresStore._group_table(key)
        marks = ", ".join(["%s"] * len(key))
        cur.execute(f"INSERT INTO {table} VALUES ({marks}, '{{}}') ON CONFLICT DO NOTHING", key)
        found = cur.execute(f"SELECT doc FROM {table} WHERE {where} FOR UPDATE", key).fetchone()
        return (found[0] or None) if found else None

    @staticmethod
    def _save_group(cur: psycopg.Cursor[Any], key: tuple[Any, ...], group: rollups.Group | None) -> None:
        table, where = PostgresStore._group_table(key)
        if group is None:
            cur.execute(f"DELETE FROM {table} WHERE {where}", key)
        else:
            cur.execute(f"UPDATE {table} SET doc = %s WHERE {where}", (Jsonb(group), *key))

    def get_summary(self, audit_id: str) -> SummaryRow | None:
        with self._tx() as cur:
            return self._row(cur, audit_id)

    @staticmethod
    def _where(flt: AuditFilter) -> tuple[str, list[Any]]:
        sql: list[str] = ["TRUE"]
        args: list[Any] = []
        for column, value in (("status", flt.status), ("auditor", flt.auditor),
                              ("region", flt.region), ("template_id", flt.template_id),
                              ("mode", flt.mode)):
            if value is not None:
                sql.append(f"{column} = %s")
                args.append(value)
        if flt.location_ids is not None:
            sql.append("location_id = ANY(%s)")
            args.append(list(flt.location_ids))
        if flt.date_from is not None:
            sql.append("visit >= %s")  # a prefix at least date_from is the whole at least it
            args.append(flt.date_from)
        if flt.date_to is not None:
            sql.append("left(visit, %s) <= %s")
            args += [len(flt.date_to), flt.date_to]
        return " AND ".join(sql), args

    def list_summaries(self, flt: AuditFilter | None = None) -> list[SummaryRow]:
        where, args = self._where(flt or AuditFilter())
        with self._tx() as cur:
            rows = cur.execute(f"SELECT doc FROM summaries WHERE {where} ORDER BY audit_id",
                               args).fetchall()
        return [SummaryRow.from_dict(r[0]) for r in rows]

    def recent_summaries(self, flt: AuditFilter, *, month: str | None = None,
                         limit: int | None = 30,
                         keep: Callable[[SummaryRow], bool] | None = None) -> list[SummaryRow]:
        where, args = self._where(flt)
        if month is not None:
            where += " AND month = %s"
            args.append(month)
        order = ("submitted_at DESC, audit_id DESC"
                 if flt.status == "submitted" and flt.auditor is None and flt.location_ids is None
                 and month is None else "visit DESC, audit_id DESC")
        out: list[SummaryRow] = []
        page = max(limit or 0, 10) * 2  # a few more than asked, for what `keep` drops
        offset = 0
        with self._tx() as cur:
            while True:
                got = cur.execute(f"SELECT doc FROM summaries WHERE {where} ORDER BY {order} "
                                  "LIMIT %s OFFSET %s", [*args, page, offset]).fetchall()
                out += [r for r in (SummaryRow.from_dict(g[0]) for g in got)
                        if keep is None or keep(r)]
                offset += page
                if len(got) < page or (limit is not None and len(out) >= limit):
                    break
        out.sort(key=lambda r: (r.visit_at or r.started_at, r.audit_id), reverse=True)
        return out if limit is None else out[:limit]

    def changed_summaries(self, flt: AuditFilter, after: tuple[str, str] | None,
                          limit: int) -> list[tuple[str, SummaryRow]]:
        where, args = self._where(flt)
        start = after or ("", "")
        with self._tx() as cur:
            rows = cur.execute(f"SELECT changed_at, doc FROM summaries WHERE {where} AND "
                               "(changed_at, audit_id) > (%s, %s) ORDER BY changed_at, audit_id "
                               "LIMIT %s", [*args, start[0], start[1], limit]).fetchall()
        return [(r[0], SummaryRow.from_dict(r[1])) for r in rows]

    def summary_months(self, flt: AuditFilter) -> list[str]:
        where, args = self._where(flt)
        with self._tx() as cur:
            rows = cur.execute(f"SELECT DISTINCT month FROM summaries WHERE {where} "
                               "ORDER BY month DESC", args).fetchall()
        return [r[0] for r in rows]

    def delete_audit(self, audit_id: str) -> None:
        with self._tx() as cur:
            old = self._row(cur, audit_id, lock=True)
            cur.execute("DELETE FROM audits WHERE id = %s", (audit_id,))
            self._place_row(cur, old, None)
            cur.execute("DELETE FROM photo_hashes WHERE audit_id = %s", (audit_id,))

    def import_audits(self, audits: Iterable[tuple[Audit, SummaryRow]]) -> int:
        n = 0
        with self._tx() as cur:
            rows: list[SummaryRow] = []
            for audit, summary in audits:
                cur.execute("INSERT INTO audits (id, header) VALUES (%s, %s)",
                            (audit.id, Jsonb(audit.header.to_dict())))
                cur.executemany("INSERT INTO answers (audit_id, key, doc) VALUES (%s, %s, %s)",
                                [(audit.id, a.key, Jsonb(a.to_dict())) for a in audit.answers.values()])
                cur.executemany("INSERT INTO audit_photos (audit_id, sha256, doc) VALUES (%s, %s, %s)",
                                [(audit.id, p.sha256, Jsonb(p.to_dict())) for p in audit.photos.values()])
                if summary.status == "submitted":
                    self._index_hashes(cur, audit.id, list(audit.photos.values()))
                self._insert_row(cur, summary)
                rows.append(summary)
                n += 1
            self._add_rollups(cur, rows)
        return n

    @staticmethod
    def _insert_row(cur: psycopg.Cursor[Any], row: SummaryRow) -> None:
        when = row.visit_at or row.started_at
        changed = row_time(row)  # a bulk load or a rebuild: the row's own time, not the load's
        cur.execute(
            "INSERT INTO summaries (audit_id, location_id, status, doc, auditor, template_id, mode, "
            "region, visit, month, submitted_at, changed_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (row.audit_id, row.location_id, row.status, Jsonb({**row.to_dict(), "changed_at": changed}),
             row.auditor, row.template_id, row.mode, row.region, when, when[:7], row.submitted_at,
             changed))

    def _add_rollups(self, cur: psycopg.Cursor[Any], rows: Sequence[SummaryRow]) -> None:
        """Add many rows' parts at once: one read-modify-write per group, not per row."""
        locs, items = rollups.build(rows)
        self._touch_months(cur, sorted({(k[0], k[1]) for k in items}))
        for key, part in [*sorted(locs.items()), *sorted(items.items())]:
            self._save_group(cur, key, rollups.add(self._lock_group(cur, key), part))

    @staticmethod
    def _write_rollups(cur: psycopg.Cursor[Any], rows: Sequence[SummaryRow]) -> int:
        """Every rollup anew from these rows (a rebuild: the tables are emptied first)."""
        locs, items = rollups.build(rows)
        cur.execute("DELETE FROM rollup_groups")
        cur.execute("DELETE FROM rollup_items")
        cur.execute("UPDATE rollup_versions SET version = version + 1")
        PostgresStore._touch_months(cur, sorted({(k[0], k[1]) for k in items}))
        cur.executemany("INSERT INTO rollup_groups VALUES (%s, %s, %s, %s, %s, %s, %s)",
                        [(*k, Jsonb(g)) for k, g in locs.items()])
        cur.executemany("INSERT INTO rollup_items VALUES (%s, %s, %s, %s, %s)",
                        [(*k, Jsonb(g)) for k, g in items.items()])
        return len(locs)

    # -- rollups ---------------------------------------------------------------------------

    def get_rollups(self, first_month: str | None = None, last_month: str | None = None,
                    template_id: str | None = None, location_id: str | None = None) -> Rollups:
        """Every group of these months (of one template; of one location: then no item groups).

        A month's groups of a checklist are kept in this process under their version, which
        every change to them raises in its own transaction: HQ's next look reads only what
        changed since.
        """
        if location_id is not None:
            return self._location_rollups(first_month, last_month, template_id, location_id)
        where, args = "month >= %s AND month <= %s", [first_month or "", last_month or "\uffff"]
        if template_id is not None:
            where += " AND template_id = %s"
            args.append(template_id)
        with self._tx() as cur:
            versions = [(m, t, v) for m, t, v in cur.execute(
                f"SELECT month, template_id, version FROM rollup_versions WHERE {where} "
                "ORDER BY month, template_id", args).fetchall()]
            stale = {(m, t): v for m, t, v in versions if self._months.get((m, t), (None,))[0] != v}
            if stale:
                months = sorted({m for m, _ in stale})
                templates = sorted({t for _, t in stale})
                fresh: dict[tuple[str, str], tuple[list[rollups.Rollup], list[rollups.ItemRollup]]] = {
                    key: ([], []) for key in stale}
                for r in cur.execute(
                        "SELECT month, location_id, template_id, mode, region, branch, doc FROM "
                        "rollup_groups WHERE month = ANY(%s) AND template_id = ANY(%s) "
                        "ORDER BY month, location_id", (months, templates)).fetchall():
                    if (r[0], r[2]) in fresh:
                        fresh[(r[0], r[2])][0].append(
                            rollups.to_rollup((r[0], r[1], r[2], r[3], r[4], r[5]), r[6]))
                for r in cur.execute(
                        "SELECT month, template_id, mode, region, doc FROM rollup_items "
                        "WHERE month = ANY(%s) AND template_id = ANY(%s) ORDER BY month, template_id",
                        (months, templates)).fetchall():
                    if (r[0], r[1]) in fresh:
                        fresh[(r[0], r[1])][1].append(
                            rollups.to_item_rollup((r[0], r[1], r[2], r[3]), r[4]))
                for key, (new_locs, new_items) in fresh.items():
                    self._months[key] = (stale[key], tuple(new_locs), tuple(new_items))
        out_locs: list[rollups.Rollup] = []
        out_items: list[rollups.ItemRollup] = []
        for m, t, _ in versions:
            _, month_locs, month_items = self._months[(m, t)]
            out_locs += month_locs
            out_items += month_items
        return Rollups(tuple(out_locs), tuple(out_items), (repr(self), template_id, tuple(versions)))

    def _location_rollups(self, first_month: str | None, last_month: str | None,
                          template_id: str | None, location_id: str) -> Rollups:
        where = ["location_id = %s"]
        args: list[Any] = [location_id]
        for cond, value in (("month >= %s", first_month), ("month <= %s", last_month),
                            ("template_id = %s", template_id)):
            if value is not None:
                where.append(cond)
                args.append(value)
        with self._tx() as cur:
            rows = cur.execute("SELECT month, location_id, template_id, mode, region, branch, doc "
                               f"FROM rollup_groups WHERE {' AND '.join(where)} ORDER BY month",
                               args).fetchall()
        return Rollups(tuple(rollups.to_rollup((r[0], r[1], r[2], r[3], r[4], r[5]), r[6])
                             for r in rows), ())

    def rollup_months(self) -> list[str]:
        with self._tx() as cur:
            rows = cur.execute("SELECT DISTINCT month FROM rollup_items ORDER BY month").fetchall()
        return [r[0] for r in rows]

    def rebuild_derived(self, row_of: Callable[[Audit, SummaryRow | None], SummaryRow],
                        progress: Callable[[int, int], None] | None = None) -> DerivedCounts:
        """Rows, rollups and photo hashes anew from the audits, in one transaction that holds
        every writer off (readers go on reading the old ones until it commits)."""
        with self._tx() as cur:
            cur.execute("LOCK TABLE audits, answers, audit_photos, summaries, rollup_groups, "
                        "rollup_items, photo_hashes IN EXCLUSIVE MODE")
            ids = [r[0] for r in cur.execute("SELECT id FROM audits ORDER BY id").fetchall()]
            rows: list[SummaryRow] = []
            n_photos = 0
            cur.execute("DELETE FROM photo_hashes")
            for n, audit_id in enumerate(ids, start=1):
                audit = self._audit(cur, audit_id)
                if audit is None:
                    continue
                doc = cur.execute("SELECT doc FROM summaries WHERE audit_id = %s",
                                  (audit_id,)).fetchone()
                # a damaged row (`audit check` says so) is made anew from the audit
                old = (SummaryRow.from_dict(doc[0])
                       if doc and row_problem(audit_id, doc[0]) is None else None)
                row = row_of(audit, old)
                rows.append(row)
                if row.status == "submitted" and audit.photos:
                    self._index_hashes(cur, audit_id, list(audit.photos.values()))
                    n_photos += len(audit.photos)
                if progress is not None:
                    progress(n, len(ids))
            cur.execute("DELETE FROM summaries")
            for row in rows:
                self._insert_row(cur, row)
            groups = self._write_rollups(cur, [r for r in rows if r.status == "submitted"])
        return DerivedCounts(rows=len(rows), groups=groups, photos=n_photos)

    # -- photos ----------------------------------------------------------------------------

    @staticmethod
    def _index_hashes(cur: psycopg.Cursor[Any], audit_id: str, refs: Sequence[PhotoRef]) -> None:
        cur.execute("DELETE FROM photo_hashes WHERE audit_id = %s", (audit_id,))
        cur.executemany(f"INSERT INTO photo_hashes (audit_id, sha256, phash, {_PIECES}) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [(audit_id, r.sha256, r.phash, *_pieces(r.phash)) for r in refs])

    def index_photo_hashes(self, audit_id: str, refs: Iterable[PhotoRef]) -> None:
        with self._tx() as cur:
            self._index_hashes(cur, audit_id, list(refs))

    def actions_pending(self) -> list[str]:
        with self._tx() as cur:
            rows = cur.execute("SELECT id FROM audits WHERE header ? 'actions_due' ORDER BY id"
                               ).fetchall()
        return [r[0] for r in rows]

    def clear_actions_due(self, audit_id: str) -> None:
        with self._tx() as cur:
            cur.execute("UPDATE audits SET header = header - 'actions_due' "
                        "WHERE id = %s AND header ? 'actions_due'", (audit_id,))

    def photo_candidates(self, sha256: str, phash: str) -> list[tuple[str, str, str]]:
        """The same bytes, or a hash piece in common and within NEAR_DISTANCE bits: index
        look-ups, the bits counted in the database."""
        pieces = _pieces(phash)
        near = [f"p{i} = %s" for i, v in enumerate(pieces) if v is not None]
        args: list[Any] = [sha256, *(v for v in pieces if v is not None)]
        sql = "SELECT DISTINCT audit_id, sha256, phash FROM photo_hashes WHERE sha256 = %s"
        if near:
            sql += (f" OR (({' OR '.join(near)}) AND length(replace((('x' || phash)::bit(64) # "
                    "('x' || %s)::bit(64))::text, '0', '')) <= %s)")
            args += [phash, NEAR_DISTANCE]
        with self._tx() as cur:
            rows = cur.execute(sql, args).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def known_photo_hashes(self) -> list[tuple[str, str, str]]:
        with self._tx() as cur:
            rows = cur.execute("SELECT audit_id, sha256, phash FROM photo_hashes "
                               "ORDER BY audit_id, sha256").fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    # -- visit plans and visits --------------------------------------------------------------

    @staticmethod
    def _put_visit(cur: psycopg.Cursor[Any], v: Visit, *, new: bool) -> None:
        args = (v.id, v.plan_id, v.month, v.location_id, v.region, v.shopper, v.status,
                v.opens_at, v.closes_at, Jsonb(v.to_dict()))
        if new:
            cur.execute("INSERT INTO visits (id, plan_id, month, location_id, region, shopper, "
                        "status, opens_at, closes_at, doc) VALUES "
                        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", args)
        else:
            cur.execute("UPDATE visits SET plan_id = %s, month = %s, location_id = %s, "
                        "region = %s, shopper = %s, status = %s, opens_at = %s, closes_at = %s, "
                        "doc = %s WHERE id = %s", (*args[1:], v.id))

    def put_plan(self, plan: Plan, visits: Sequence[Visit]) -> None:
        try:
            with self._tx() as cur:
                cur.execute("INSERT INTO visit_plans (id, created_at, doc) VALUES (%s, %s, %s)",
                            (plan.id, plan.created_at, Jsonb(plan.to_dict())))
                for v in visits:
                    self._put_visit(cur, v, new=True)
        except psycopg.errors.UniqueViolation as exc:
            raise StoreError(f"plan {plan.id} or one of its visits already exists",
                             plan_id=plan.id) from exc

    def list_plans(self) -> list[Plan]:
        with self._tx() as cur:
            rows = cur.execute("SELECT doc FROM visit_plans ORDER BY created_at DESC, id DESC"
                               ).fetchall()
        return [Plan.from_dict(r[0]) for r in rows]

    def get_visit(self, visit_id: str) -> Visit | None:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM visits WHERE id = %s", (visit_id,)).fetchone()
        return Visit.from_dict(row[0]) if row else None

    def update_visit(self, visit_id: str, update: Callable[[Visit], Visit]) -> Visit:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM visits WHERE id = %s FOR UPDATE",
                              (visit_id,)).fetchone()
            if row is None:
                raise NotFound(f"no visit {visit_id!r}", visit_id=visit_id)
            current = Visit.from_dict(row[0])
            new = update(current)
            if new.id != visit_id or new.month != current.month:
                raise StoreError("a visit keeps its id and month", visit_id=visit_id)
            self._put_visit(cur, new, new=False)
        return new

    def list_visits(self, flt: VisitFilter) -> list[Visit]:
        where: list[str] = ["TRUE"]
        args: list[Any] = []
        for cond, value in (("month >= %s", flt.first_month), ("month <= %s", flt.last_month),
                            ("shopper = %s", flt.shopper), ("region = %s", flt.region)):
            if value is not None:
                where.append(cond)
                args.append(value)
        if flt.location_ids is not None:
            where.append("location_id = ANY(%s)")
            args.append(list(flt.location_ids))
        if flt.open_only:
            where.append("shopper = ''")
        with self._tx() as cur:
            rows = cur.execute(f"SELECT doc FROM visits WHERE {' AND '.join(where)} "
                               "ORDER BY month, id", args).fetchall()
        return [Visit.from_dict(r[0]) for r in rows]

    # -- rate counts ----------------------------------------------------------------------

    def count_hit(self, key: str, limit: int, window: float, now: float) -> float:
        # Counters, not data: an UNLOGGED table (a crash may empty it), made when first
        # needed rather than by a schema step, so no version of the schema depends on it.
        with self._tx() as cur:
            if not self._rates_ready:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_KEY,))
                cur.execute("CREATE UNLOGGED TABLE IF NOT EXISTS rate_hits ("
                            "key text PRIMARY KEY, hits double precision[] NOT NULL)")
            cur.execute("INSERT INTO rate_hits VALUES (%s, '{}') ON CONFLICT DO NOTHING", (key,))
            row = cur.execute("SELECT hits FROM rate_hits WHERE key = %s FOR UPDATE",
                              (key,)).fetchone()
            hits, wait = window_hit(list(row[0]) if row else [], limit, window, now)
            cur.execute("UPDATE rate_hits SET hits = %s WHERE key = %s", (hits, key))
        self._rates_ready = True
        return wait

    # -- settings --------------------------------------------------------------------------

    def get_settings(self) -> dict[str, Any]:
        with self._tx() as cur:
            row = cur.execute("SELECT doc FROM settings WHERE id = 1").fetchone()
        return dict(row[0]) if row else {}

    def put_settings(self, settings: dict[str, Any]) -> None:
        self._change_settings(lambda doc: doc.update(settings))

    def update_setting(self, key: str, change: Callable[[Any], Any]) -> Any:
        def apply(doc: dict[str, Any]) -> Any:
            doc[key] = change(doc.get(key))
            return doc[key]

        return self._change_settings(apply)

    def _change_settings(self, apply: Callable[[dict[str, Any]], Any]) -> Any:
        """The settings document changed in place by `apply` under the row's lock; what it returns."""
        with self._tx() as cur:
            cur.execute("INSERT INTO settings VALUES (1, '{}') ON CONFLICT DO NOTHING")
            row = cur.execute("SELECT doc FROM settings WHERE id = 1 FOR UPDATE").fetchone()
            doc = dict(row[0] if row else {})
            out = apply(doc)
            cur.execute("UPDATE settings SET doc = %s WHERE id = 1", (Jsonb(json.loads(json.dumps(doc))),))
            return out
