"""The embedded store: TinyDB files in one folder, atomic writes, one lock per file."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from tinydb import Query, TinyDB
from tinydb.storages import Storage

from audit.files import write_atomic
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

AUDIT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{6,64}$")

_locks_guard = threading.Lock()
_locks: dict[str, threading.RLock] = {}


def file_lock(path: Path) -> threading.RLock:
    """The one lock for this file in this process (TinyDB is not thread-safe)."""
    key = str(path.resolve())
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = threading.RLock()
        return lock


def atomic_write(path: Path, data: bytes) -> None:
    """write_atomic, with a failure worded for a person and typed as a StoreError."""
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}", path=str(path),
                         reason=exc.strerror or str(exc)) from exc


class AtomicJSONStorage(Storage):
    """TinyDB storage: readable JSON (ensure_ascii=False), atomic replace, parse cache.

    The cache is keyed by the file's inode, mtime and size, so a file replaced by another
    writer is read again; a failed write drops the cache because TinyDB edits it in place.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sig: tuple[int, int, int, int] | None = None
        self._data: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._sig, self._data = None, None
            return None
        sig = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)
        if sig == self._sig and self._data is not None:
            return self._data
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}", path=str(self.path),
                             reason=exc.strerror or str(exc)) from exc
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise StoreError(f"{self.path} is not valid JSON ({exc}); restore it from a backup",
                             path=str(self.path), reason=str(exc)) from exc
        self._sig, self._data = sig, data
        return data  # type: ignore[no-any-return]

    def write(self, data: dict[str, Any]) -> None:
        self._sig, self._data = None, None
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        atomic_write(self.path, payload)
        st = os.stat(self.path)
        self._sig = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)
        self._data = data

    def close(self) -> None:
        pass


class _File:
    """A TinyDB over one file, used only under that file's lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = file_lock(path)
        self.db = TinyDB(path, storage=AtomicJSONStorage)

    @contextlib.contextmanager
    def locked(self) -> Iterator[TinyDB]:
        with self.lock:
            yield self.db

    def replace(self, data: dict[str, Any]) -> None:
        """Write the whole document at once (under the lock).

        TinyDB's tables remember the next free document id; after a write that bypassed
        them a fresh TinyDB starts from what is on disk.
        """
        self.db.storage.write(data)
        self.db = TinyDB(self.path, storage=AtomicJSONStorage)


class TinyStore:
    """data/index.json, data/audits/<id>.json, data/photos/ab/<sha256>.*"""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._prepare_folders()
        self._index = _File(self.root / "index.json")
        self._audits_guard = threading.Lock()
        self._audit_files: dict[str, _File] = {}

    def _prepare_folders(self) -> None:
        try:
            for sub in ("", "audits", "photos"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
            probe = self.root / f".write-probe-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot use the data folder {self.root}: {exc.strerror or exc}. "
                "Point AUDIT_DATA_DIR (or --data-dir) at a folder this user can write to.",
                path=str(self.root), reason=exc.strerror or str(exc),
            ) from exc

    def __repr__(self) -> str:
        return f"TinyStore({str(self.root)!r})"

    @property
    def photo_dir(self) -> Path:
        return self.root

    # -- helpers ---------------------------------------------------------------------------

    def _table(self, name: str) -> Any:
        return self._index.db.table(name, cache_size=0)

    def _audit_path(self, audit_id: str) -> Path:
        if not AUDIT_ID_RE.match(audit_id):
            raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
        return self.root / "audits" / f"{audit_id}.json"

    def _audit_file(self, audit_id: str) -> _File:
        path = self._audit_path(audit_id)
        with self._audits_guard:
            f = self._audit_files.get(audit_id)
            if f is None:
                if len(self._audit_files) > 256:  # keep memory flat on big archives
                    self._audit_files.clear()
                f = self._audit_files[audit_id] = _File(path)
            return f

    # -- locations -------------------------------------------------------------------------

    def list_locations(self) -> list[Location]:
        with self._index.locked():
            rows = self._table("locations").all()
        return sorted((Location.from_dict(r) for r in rows), key=lambda loc: loc.name)

    def get_location(self, location_id: str) -> Location | None:
        with self._index.locked():
            row = self._table("locations").get(Query().id == location_id)
        return Location.from_dict(row) if row else None

    def put_location(self, location: Location) -> None:
        with self._index.locked():
            self._table("locations").upsert(location.to_dict(), Query().id == location.id)

    # -- users and sessions ----------------------------------------------------------------

    def list_users(self) -> list[User]:
        with self._index.locked():
            rows = self._table("users").all()
        return sorted((User.from_dict(r) for r in rows), key=lambda u: u.name)

    def get_user(self, name: str) -> User | None:
        with self._index.locked():
            row = self._table("users").get(Query().name == name)
        return User.from_dict(row) if row else None

    def put_user(self, user: User) -> None:
        with self._index.locked():
            self._table("users").upsert(user.to_dict(), Query().name == user.name)

    def user_count(self) -> int:
        with self._index.locked():
            return len(self._table("users"))

    def add_session(self, session: Session) -> None:
        with self._index.locked():
            self._table("sessions").insert(session.__dict__.copy())

    def get_session(self, token_hash: str) -> Session | None:
        with self._index.locked():
            row = self._table("sessions").get(Query().token_hash == token_hash)
        return Session(**row) if row else None

    def delete_sessions(self, user: str, keep: str | None = None) -> int:
        q = Query()
        with self._index.locked():
            removed = self._table("sessions").remove((q.user == user) & (q.token_hash != keep))
        return len(removed)

    def delete_session(self, token_hash: str) -> None:
        with self._index.locked():
            self._table("sessions").remove(Query().token_hash == token_hash)

    # -- templates -------------------------------------------------------------------------

    def put_template(self, template_id: str, version: int, yaml_text: str, by: str,
                     at: str) -> None:
        q = Query()
        with self._index.locked():
            t = self._table("templates")
            if t.contains((q.id == template_id) & (q.version == version)):
                raise StoreError(f"template {template_id} version {version} already exists",
                                 template=template_id, version=version)
            ru, en = _yaml_title(yaml_text)
            t.insert({"id": template_id, "version": version, "yaml": yaml_text,
                      "title_ru": ru, "title_en": en, "uploaded_by": by, "uploaded_at": at})

    def get_template_text(self, template_id: str, version: int | None = None
                          ) -> tuple[int, str] | None:
        q = Query()
        with self._index.locked():
            rows = self._table("templates").search(q.id == template_id)
        if version is not None:
            rows = [r for r in rows if r["version"] == version]
        if not rows:
            return None
        row = max(rows, key=lambda r: r["version"])
        return int(row["version"]), str(row["yaml"])

    def list_templates(self) -> list[TemplateInfo]:
        with self._index.locked():
            rows = self._table("templates").all()
        out = [TemplateInfo(r["id"], int(r["version"]), r.get("title_ru", ""),
                            r.get("title_en", ""), r.get("uploaded_at", ""),
                            r.get("uploaded_by", "")) for r in rows]
        return sorted(out, key=lambda t: (t.id, t.version))

    # -- audits ----------------------------------------------------------------------------

    def create_audit(self, header: AuditHeader, summary: SummaryRow) -> None:
        f = self._audit_file(header.id)
        with f.locked() as db:
            if f.path.exists():
                raise StoreError(f"audit {header.id} already exists", audit_id=header.id)
            db.storage.write({"header": {"1": header.to_dict()}, "answers": {}, "photos": {}})
        self.put_summary(summary)

    def _read_audit(self, db: TinyDB) -> dict[str, Any] | None:
        data: dict[str, Any] | None = db.storage.read()
        return data

    def get_audit(self, audit_id: str) -> Audit | None:
        try:
            f = self._audit_file(audit_id)
        except NotFound:
            return None
        with f.locked() as db:
            data = self._read_audit(db)
            if not data or "header" not in data:
                return None
            header = AuditHeader.from_dict(next(iter(data["header"].values())))
            answers = {}
            for row in data.get("answers", {}).values():
                a = Answer.from_dict(row)
                answers[a.key] = a
            photos = {r["sha256"]: PhotoRef.from_dict(r) for r in data.get("photos", {}).values()}
        return Audit(header=header, answers=answers, photos=photos)

    def get_header(self, audit_id: str) -> AuditHeader | None:
        try:
            f = self._audit_file(audit_id)
        except NotFound:
            return None
        with f.locked() as db:
            data = self._read_audit(db)
        if not data or "header" not in data:
            return None
        return AuditHeader.from_dict(next(iter(data["header"].values())))

    def _draft_or_raise(self, db: TinyDB, audit_id: str) -> None:
        data = self._read_audit(db)
        if not data or "header" not in data:
            raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
        status = next(iter(data["header"].values())).get("status")
        if status != "draft":
            raise AuditLocked(f"audit {audit_id} is {status} and read-only", audit_id=audit_id)

    def save_answer(self, audit_id: str, key: str,
                    update: Callable[[Answer | None], Answer]) -> Answer:
        """Read-modify-write one answer under the audit's lock: two tabs never lose a field."""
        f = self._audit_file(audit_id)
        with f.locked() as db:
            self._draft_or_raise(db, audit_id)
            table = db.table("answers", cache_size=0)
            row = table.get(Query().key == key)
            new = update(Answer.from_dict(row) if row else None)
            if row is None:
                table.insert(new.to_dict())
            else:
                table.update(new.to_dict(), doc_ids=[row.doc_id])
        return new

    def save_photo_ref(self, audit_id: str, ref: PhotoRef) -> None:
        f = self._audit_file(audit_id)
        with f.locked() as db:
            self._draft_or_raise(db, audit_id)
            db.table("photos", cache_size=0).upsert(ref.to_dict(), Query().sha256 == ref.sha256)

    def save_answers(self, audit_id: str, update: BatchUpdate) -> None:
        """Several answers and the audit's sync record in one write of the audit's file."""
        f = self._audit_file(audit_id)
        with f.locked() as db:
            self._draft_or_raise(db, audit_id)
            data = copy.deepcopy(self._read_audit(db) or {})
            rows: dict[str, Any] = data.setdefault("answers", {})
            ids = {row["key"]: doc_id for doc_id, row in rows.items()}
            answers = {key: Answer.from_dict(rows[doc_id]) for key, doc_id in ids.items()}
            sync = dict(next(iter(data.get("sync", {}).values()), {}))
            changed, new_sync = update(answers, sync)
            next_id = max((int(i) for i in rows), default=0) + 1
            for answer in changed:
                doc_id = ids.get(answer.key)
                if doc_id is None:
                    doc_id = ids[answer.key] = str(next_id)
                    next_id += 1
                rows[doc_id] = answer.to_dict()
            data["sync"] = {"1": new_sync}
            f.replace(data)

    def update_header(self, audit_id: str, header: AuditHeader, *,
                      allow_submitted: bool = False) -> None:
        f = self._audit_file(audit_id)
        with f.locked() as db:
            if not allow_submitted:
                self._draft_or_raise(db, audit_id)
            elif not self._read_audit(db):
                raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
            db.table("header", cache_size=0).update(header.to_dict(), doc_ids=[1])

    def put_summary(self, row: SummaryRow) -> None:
        with self._index.locked():
            self._table("audits").upsert(row.to_dict(), Query().audit_id == row.audit_id)

    def get_summary(self, audit_id: str) -> SummaryRow | None:
        with self._index.locked():
            row = self._table("audits").get(Query().audit_id == audit_id)
        return SummaryRow.from_dict(row) if row else None

    def list_summaries(self, flt: AuditFilter | None = None) -> list[SummaryRow]:
        with self._index.locked():
            rows = self._table("audits").all()
        out = [SummaryRow.from_dict(r) for r in rows]
        if flt is not None:
            out = [r for r in out if flt.matches(r)]
        return out

    def delete_audit(self, audit_id: str) -> None:
        f = self._audit_file(audit_id)
        with f.locked(), contextlib.suppress(FileNotFoundError):
            f.path.unlink()
        with self._audits_guard:
            self._audit_files.pop(audit_id, None)
        with self._index.locked():
            self._table("audits").remove(Query().audit_id == audit_id)
            self._table("photo_hashes").remove(Query().audit_id == audit_id)

    def import_audits(self, audits: Iterable[tuple[Audit, SummaryRow]]) -> int:
        """Bulk load (demo data): one file per audit, then one index write for all rows."""
        rows = []
        hashes = []
        for audit, summary in audits:
            path = self._audit_path(audit.id)
            doc = {
                "header": {"1": audit.header.to_dict()},
                "answers": {str(i + 1): a.to_dict() for i, a in enumerate(audit.answers.values())},
                "photos": {str(i + 1): p.to_dict() for i, p in enumerate(audit.photos.values())},
            }
            with file_lock(path):
                atomic_write(path, json.dumps(doc, ensure_ascii=False,
                                              separators=(",", ":")).encode("utf-8"))
            rows.append(summary.to_dict())
            hashes += [{"audit_id": audit.id, "sha256": p.sha256, "phash": p.phash}
                       for p in audit.photos.values()]
        with self._index.locked():
            self._table("audits").insert_multiple(rows)
            if hashes:
                self._table("photo_hashes").insert_multiple(hashes)
        return len(rows)

    # -- photos ----------------------------------------------------------------------------

    def index_photo_hashes(self, audit_id: str, refs: Iterable[PhotoRef]) -> None:
        q = Query()
        with self._index.locked():
            t = self._table("photo_hashes")
            t.remove(q.audit_id == audit_id)
            t.insert_multiple([{"audit_id": audit_id, "sha256": r.sha256, "phash": r.phash}
                               for r in refs])

    def known_photo_hashes(self) -> list[tuple[str, str, str]]:
        with self._index.locked():
            rows = self._table("photo_hashes").all()
        return [(r["audit_id"], r["sha256"], r["phash"]) for r in rows]

    # -- settings --------------------------------------------------------------------------

    def get_settings(self) -> dict[str, Any]:
        with self._index.locked():
            row = self._table("settings").get(doc_id=1)
        return dict(row) if row else {}

    def put_settings(self, settings: dict[str, Any]) -> None:
        with self._index.locked():
            t = self._table("settings")
            if t.get(doc_id=1) is None:
                t.insert(dict(settings))
            else:
                t.update(dict(settings), doc_ids=[1])


def _yaml_title(text: str) -> tuple[str, str]:
    """The template's title, kept beside its text so listing versions needs no parse."""
    try:
        data = yaml.safe_load(text)
        title = data.get("title", {}) if isinstance(data, dict) else {}
        return str(title.get("ru", "")), str(title.get("en", ""))
    except yaml.YAMLError:
        return "", ""
