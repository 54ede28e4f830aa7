"""The embedded store: small JSON files in one folder, atomic writes, locks across processes.

Layout 2 (the README's storage section shows it whole): no write rewrites more than the
piece it changes. An audit's answers live in its own TinyDB file; its summary row in a
shard of its location and visit month and in one of its auditor; HQ's views read rollups by
month. Each action that changes several files (start, submit, reopen, publish, delete) is
one `Tx`: it locks every file it will touch, reads them, and writes them together.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from audit.core import clock
from audit.core.errors import (
    AuditLocked,
    LayoutOutdated,
    LayoutTooNew,
    NotFound,
    PeopleLost,
    StoreDamaged,
    StoreError,
    StoreUnavailable,
    write_error,
)
from audit.core.files import TEMP_DIR, fsync_folder, remove_leftovers
from audit.model import Answer, Audit, AuditHeader, Location, PhotoRef, SummaryRow, User, rollups
from audit.model.rollups import Rollups
from audit.model.visits import Plan, Visit, VisitFilter
from audit.photos.files import PhotoStore
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
from audit.store.folder import docs, journal, rates
from audit.store.folder.actions import TinyActions
from audit.store.folder.check import FolderIntegrity
from audit.store.folder.integrations import TinyIntegrations
from audit.store.folder.locks import FolderLocks
from audit.store.folder.tx import (
    DERIVED,
    Tx,
    atomic_write,
    doc_error,
    header_month,
    header_visit,
    list_row,
    read_doc,
    row_month,
    safe_part,
    unpart,
)
from audit.store.folder.voice import TinyVoice
from audit.store.integrations import row_time, stamp
from audit.store.integrity import row_problem

LAYOUT = 2
MARKER = "store.json"
HAD_PEOPLE = "had_people"  # in the marker: true from the first person stored on
AUDIT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
VISIT_ID_RE = re.compile(r"^v(\d{4}-\d{2})-[0-9a-f]{12}$")
DAMAGED = (KeyError, TypeError, ValueError, AttributeError)  # what a hand-edited file raises
RECENT = 100  # submitted rows kept in index/recent.json for HQ's "latest in the network"


class TinyStore(TinyActions, TinyVoice, TinyIntegrations, FolderIntegrity, AuditActions):
    """The data folder; the README's storage section lists every file."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._prepare_folder()
        self.locks = FolderLocks(self.root)
        self.finished_at_start = self.finish_journals()
        self.temps_removed_at_start = self.remove_leftovers()
        self._mark_people_of_older_store()

    @property
    def tmp_dir(self) -> Path:
        return self.root / TEMP_DIR

    # -- interrupted actions -----------------------------------------------------------------

    def _stale_journals(self, paths: set[Path]) -> list[Path]:
        """Journals naming one of `paths`, whose locks the caller holds: their writers are gone."""
        found = journal.pending(self.root)
        return [j for j in found if paths.intersection(journal.targets(self.root, j))] if found else []

    def finish_journal(self, path: Path) -> bool:
        """Settle one journal under its files' locks (waiting while its writer works): roll it
        forward if it was committed, back if not. False when it was gone already."""
        files = journal.targets(self.root, path)
        if not files:
            return False
        try:
            with self.locks.hold(files):
                return journal.settle(self.root, path) is not None
        except OSError as exc:
            raise write_error(path, exc) from exc

    def remove_leftovers(self) -> int:
        """Temp files of writers that are gone, from the folders all writes go through."""
        return sum(remove_leftovers(folder)
                   for folder in (self.tmp_dir, journal.folder(self.root)))

    def finish_journals(self) -> int:
        """Every interrupted action finished; how many there were."""
        return sum(self.finish_journal(path) for path in journal.pending(self.root))

    @classmethod
    def migrating(cls, root: Path) -> TinyStore:
        """The store a migration has just switched in, for its check, before index.json goes."""
        store = cls._staging(Path(root), FolderLocks(Path(root)))
        if layout_of(store.root) != LAYOUT:
            raise StoreUnavailable(f"{root} has not been switched to layout {LAYOUT}",
                                   path=str(root), reason="not migrated")
        return store

    @classmethod
    def _staging(cls, root: Path, locks: FolderLocks) -> TinyStore:
        """The same layout in another folder, under the live folder's locks (rebuilds)."""
        staged = cls.__new__(cls)
        staged.root, staged.locks = root, locks
        return staged

    # -- the folder ------------------------------------------------------------------------

    def _prepare_folder(self) -> None:
        marker = self.root / MARKER
        try:
            if (self.root / "index.json").exists():  # layout 1, or a migration not finished
                raise LayoutOutdated(
                    f"{self.root} holds data in an older layout (index.json). Stop the app, "
                    f"then run `audit migrate --data-dir {self.root}` to upgrade it in place "
                    "(it keeps a copy first).", path=str(self.root),
                    command=f"audit migrate --data-dir {self.root}")
            if not marker.exists():
                self.root.mkdir(parents=True, exist_ok=True)
                probe = self.root / f".write-probe-{os.getpid()}"
                probe.write_bytes(b"ok")
                probe.unlink()
                # a marker lost from a folder with a people file: it has had people
                create_marker(self.root, had_people=(self.root / "people.json").exists())
            found = read_doc(marker)
            layout = found.get("layout") if isinstance(found, dict) else None
            if layout != LAYOUT:
                if isinstance(layout, int) and layout > LAYOUT:
                    raise LayoutTooNew(
                        f"{self.root} was written by a newer version of the app (layout {layout}); "
                        "upgrade the app to use it.", path=str(self.root), found=layout,
                        known=LAYOUT)
                raise StoreUnavailable(f"{marker} does not name a layout this app knows; "
                                       "restore it from a backup", path=str(marker),
                                       reason="unknown layout")
            for sub in ("audits", "photos", journal.JOURNAL_DIR, TEMP_DIR):
                (self.root / sub).mkdir(exist_ok=True)
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

    def photo_files(self, keep_originals: bool = True) -> PhotoFiles:
        return PhotoStore(self.root, keep_originals=keep_originals)

    # -- paths -----------------------------------------------------------------------------

    def _audit_path(self, audit_id: str) -> Path:
        if not AUDIT_ID_RE.match(audit_id):
            raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
        return self.root / "audits" / f"{audit_id}.json"

    def _rows_path(self, location_id: str, month: str) -> Path:
        return self.root / "rows" / safe_part(location_id) / f"{month}.json"

    def _person_path(self, name: str, month: str) -> Path:
        return self.root / "index" / "people" / safe_part(name) / f"{month}.json"

    def _drafts_path(self, name: str) -> Path:
        return self.root / "index" / "people" / safe_part(name) / "drafts.json"

    def _recent_path(self) -> Path:
        return self.root / "index" / "recent.json"

    def _rollup_path(self, month: str, location_id: str) -> Path:
        return self.root / "rollups" / month / "loc" / f"{safe_part(location_id)}.json"

    def _items_path(self, month: str, template_id: str) -> Path:
        return self.root / "rollups" / month / "items" / f"{safe_part(template_id)}.json"

    def _row_paths(self, location_id: str, auditor: str, template_id: str, month: str) -> list[Path]:
        return [self._rows_path(location_id, month), self._person_path(auditor, month),
                self._drafts_path(auditor), self._recent_path(),
                self._rollup_path(month, location_id), self._items_path(month, template_id),
                self._changes_path(location_id)]

    def _paths_of_row(self, row: SummaryRow) -> list[Path]:
        return self._row_paths(row.location_id, row.auditor, row.template_id, row_month(row))

    def _paths_of_header(self, h: AuditHeader) -> list[Path]:
        return self._row_paths(h.location_id, h.auditor, h.template_id, header_month(h))

    def _sha_path(self, sha256: str) -> Path:
        return self.root / "hashes" / "sha" / f"{sha256[:3]}.json"

    def _near_paths(self, phash: str) -> list[Path]:
        pieces = hash_pieces(phash)
        if pieces is None:
            return []
        return [self._near_path(i, v) for i, v in enumerate(pieces)]

    def _near_path(self, piece: int, value: int) -> Path:
        return self.root / "hashes" / "near" / str(piece) / f"{value:03x}.json"

    def _hash_paths(self, refs: Iterable[PhotoRef]) -> list[Path]:
        out: list[Path] = []
        for r in refs:
            if len(r.sha256) == 64:
                out.append(self._sha_path(r.sha256))
            out += self._near_paths(r.phash)
        return out

    def _file(self, name: str) -> Path:
        return self.root / name

    # -- small documents -------------------------------------------------------------------

    def _doc(self, name: str) -> dict[str, Any]:
        """A small document; one that holds anything but what the app writes stops the app
        (an empty people file must never read as "nobody yet": the first-run page would hand
        the instance to the first visitor)."""
        path = self._file(name)
        data = read_doc(path)
        if data is None and not path.exists():
            return {}
        if not isinstance(data, dict):
            raise StoreDamaged(f"{path} does not hold what the app writes (a JSON object); "
                               "restore it from a backup", path=str(path))
        return data

    def _update(self, name: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = self._file(name)
        with Tx(self, [path]) as tx:
            change(tx.get(path))

    # -- locations -------------------------------------------------------------------------

    def list_locations(self) -> list[Location]:
        rows = self._doc("locations.json").values()
        return sorted((Location.from_dict(r) for r in rows), key=lambda loc: loc.name)

    def get_location(self, location_id: str) -> Location | None:
        row = self._doc("locations.json").get(location_id)
        return Location.from_dict(row) if row else None

    def put_location(self, location: Location) -> None:
        self._update("locations.json", lambda d: d.__setitem__(location.id, location.to_dict()))

    # -- users and sessions ----------------------------------------------------------------

    def has_had_people(self) -> bool:
        """The marker's word: someone was stored here once (people are never removed)."""
        found = read_doc(self.root / MARKER)
        return bool(found.get(HAD_PEOPLE)) if isinstance(found, dict) else False

    def _mark_people_of_older_store(self) -> None:
        """A marker from before it recorded people: it has had them if it has a people file."""
        marker = self.root / MARKER
        found = read_doc(marker)
        if not isinstance(found, dict) or HAD_PEOPLE in found:
            return
        with Tx(self, [marker]) as tx:
            mark = tx.get(marker)
            if HAD_PEOPLE not in mark:
                mark[HAD_PEOPLE] = self._file("people.json").exists()

    def _people(self) -> dict[str, Any]:
        """people.json; empty in a store whose marker says it has had people, it is damage."""
        people = self._doc("people.json")
        if not people and self.has_had_people():
            raise PeopleLost(f"{self._file('people.json')} holds nobody, but {MARKER} says this "
                             "store has had people; restore it from a backup",
                             path=str(self._file("people.json")))
        return people

    def list_users(self) -> list[User]:
        return sorted((User.from_dict(r) for r in self._people().values()), key=lambda u: u.name)

    def get_user(self, name: str) -> User | None:
        row = self._people().get(name)
        return User.from_dict(row) if row else None

    def put_user(self, user: User) -> None:
        """The marker learns the store has had people in the same step as the first one."""
        people, marker = self._file("people.json"), self.root / MARKER
        first = not self.has_had_people()
        with Tx(self, [people, marker] if first else [people]) as tx:
            tx.get(people)[user.name] = user.to_dict()
            if first and not (tx.peek(marker) or {}).get(HAD_PEOPLE):
                tx.get(marker)[HAD_PEOPLE] = True

    def update_user(self, name: str, change: Callable[[User], User]) -> User | None:
        path = self._file("people.json")
        with Tx(self, [path]) as tx:  # people.json's lock: other processes wait
            row = (tx.peek(path) or {}).get(name)
            if row is None:
                return None
            new = change(User.from_dict(row))
            tx.get(path)[name] = new.to_dict()
        return new

    def user_count(self) -> int:
        people = self._file("people.json")
        if not people.exists() and (self._file("locations.json").exists()
                                    or any((self.root / "audits").glob("*.json"))):
            raise StoreDamaged(f"{people} is missing from a folder that holds data; restore it "
                               "from a backup", path=str(people))
        return len(self._people())

    def _session_path(self, token_hash: str) -> Path:
        shard = token_hash[:2] if re.fullmatch(r"[0-9a-f]{2}", token_hash[:2]) else "xx"
        return self.root / "sessions" / f"{shard}.json"

    def add_session(self, session: Session) -> None:
        path = self._session_path(session.token_hash)
        with Tx(self, [path]) as tx:
            tx.get(path)[session.token_hash] = session.__dict__.copy()

    def get_session(self, token_hash: str) -> Session | None:
        row = (read_doc(self._session_path(token_hash)) or {}).get(token_hash)
        return Session(**row) if row else None

    def _remove_sessions(self, gone: Callable[[str, dict[str, Any]], bool]) -> int:
        """Remove the sessions `gone(token hash, session)` picks from every shard; how many."""
        removed = 0
        folder = self.root / "sessions"
        for path in sorted(folder.glob("*.json")) if folder.exists() else []:
            # look before locking: most shards hold nothing to remove
            if not any(gone(t, s) for t, s in (read_doc(path) or {}).items()):
                continue
            with Tx(self, [path]) as tx:
                current = tx.get(path)
                for token, s in list(current.items()):
                    if gone(token, s):
                        del current[token]
                        removed += 1
        return removed

    def delete_sessions(self, user: str, keep: str | None = None) -> int:
        return self._remove_sessions(lambda t, s: s.get("user") == user and t != keep)

    def delete_session(self, token_hash: str) -> None:
        path = self._session_path(token_hash)
        with Tx(self, [path]) as tx:
            tx.get(path).pop(token_hash, None)

    def prune_sessions(self, now: str) -> int:
        return self._remove_sessions(lambda _t, s: s.get("expires_at", "") <= now)

    # -- templates: metadata in templates.json, each version's text in its own file ----------

    def _template_text_path(self, template_id: str, version: int) -> Path:
        return self.root / "templates" / safe_part(template_id) / f"{version}.yaml"

    def put_template(self, template_id: str, version: int, yaml_text: str, by: str,
                     at: str) -> None:
        meta_path, text_path = self._file("templates.json"), self._template_text_path(template_id, version)
        ru, en = template_titles(yaml_text)
        with Tx(self, [meta_path, text_path]) as tx:
            meta = tx.get(meta_path)
            versions = dict(meta.get(template_id) or {})
            if str(version) in versions:
                raise StoreError(f"template {template_id} version {version} already exists",
                                 template=template_id, version=version)
            atomic_write(text_path, yaml_text.encode("utf-8"), self.tmp_dir)
            versions[str(version)] = {"title_ru": ru, "title_en": en, "uploaded_by": by,
                                      "uploaded_at": at}
            meta[template_id] = versions

    def latest_versions(self) -> dict[str, int]:
        return {tid: max(int(v) for v in versions)
                for tid, versions in self._doc("templates.json").items() if versions}

    def get_template_text(self, template_id: str, version: int | None = None
                          ) -> tuple[int, str] | None:
        versions = self._doc("templates.json").get(template_id) or {}
        if not versions:
            return None
        wanted = max(int(v) for v in versions) if version is None else version
        if str(wanted) not in versions:
            return None
        try:
            text = self._template_text_path(template_id, wanted).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read template {template_id} v{wanted}: {exc.strerror}",
                             reason=exc.strerror or str(exc)) from exc
        return wanted, text

    def list_templates(self) -> list[TemplateInfo]:
        out = [TemplateInfo(tid, int(v), m.get("title_ru", ""), m.get("title_en", ""),
                            m.get("uploaded_at", ""), m.get("uploaded_by", ""))
               for tid, versions in self._doc("templates.json").items()
               for v, m in versions.items()]
        return sorted(out, key=lambda t: (t.id, t.version))

    # -- audits: the file ------------------------------------------------------------------

    @staticmethod
    def _header_dict(doc: dict[str, Any] | None) -> dict[str, Any] | None:
        if not doc or not doc.get("header"):
            return None
        header: dict[str, Any] = next(iter(doc["header"].values()))
        return header

    def _read_audit(self, audit_id: str) -> dict[str, Any] | None:
        try:
            path = self._audit_path(audit_id)
        except NotFound:
            return None
        data = read_doc(path)
        return data if isinstance(data, dict) else None

    def get_audit(self, audit_id: str) -> Audit | None:
        return self.audit_of(self._read_audit(audit_id))

    @classmethod
    def audit_of(cls, doc: dict[str, Any] | None) -> Audit | None:
        """An audit file's document as an Audit (None when it has no header); a damaged one
        raises KeyError, TypeError, ValueError or AttributeError."""
        h = cls._header_dict(doc)
        if doc is None or h is None:
            return None
        answers = {}
        for row in (doc.get("answers") or {}).values():
            a = Answer.from_dict(row)
            answers[a.key] = a
        photos = {r["sha256"]: PhotoRef.from_dict(r) for r in (doc.get("photos") or {}).values()}
        return Audit(header=AuditHeader.from_dict(h), answers=answers, photos=photos)

    def get_header(self, audit_id: str) -> AuditHeader | None:
        h = self._header_dict(self._read_audit(audit_id))
        return AuditHeader.from_dict(h) if h else None

    def audit_ids(self) -> Iterator[str]:
        with os.scandir(self.root / "audits") as it:
            for entry in it:
                if entry.name.endswith(".json") and not entry.name.startswith("."):
                    yield entry.name[:-5]

    @staticmethod
    def _draft_or_raise(doc: dict[str, Any] | None, audit_id: str) -> dict[str, Any]:
        h = TinyStore._header_dict(doc)
        if doc is None or h is None:
            raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
        if h.get("status") != "draft":
            raise AuditLocked(f"audit {audit_id} is {h.get('status')} and read-only",
                              audit_id=audit_id)
        return doc

    @staticmethod
    def _with_table_row(doc: dict[str, Any], table: str, match: Callable[[dict[str, Any]], bool],
                        new: dict[str, Any]) -> dict[str, Any]:
        """The audit file with one row of a TinyDB table replaced or added (ids as TinyDB numbers)."""
        rows = dict(doc.get(table) or {})
        found = next((k for k, v in rows.items() if match(v)), None)
        if found is None:
            found = str(max((int(k) for k in rows), default=0) + 1)
        rows[found] = new
        return {**doc, table: rows}

    def save_answer(self, audit_id: str, key: str,
                    update: Callable[[Answer | None], Answer]) -> Answer:
        """Read-modify-write one answer under the audit's lock: two tabs never lose a field."""
        path = self._audit_path(audit_id)
        with Tx(self, [path]) as tx:
            doc = self._draft_or_raise(tx.peek(path), audit_id)
            old = next((r for r in (doc.get("answers") or {}).values() if r.get("key") == key), None)
            new = update(Answer.from_dict(old) if old else None)
            tx.put(path, self._with_table_row(doc, "answers", lambda r: r.get("key") == key,
                                              new.to_dict()))
        return new

    def save_photo_ref(self, audit_id: str, ref: PhotoRef) -> None:
        path = self._audit_path(audit_id)
        with Tx(self, [path]) as tx:
            doc = self._draft_or_raise(tx.peek(path), audit_id)
            tx.put(path, self._with_table_row(doc, "photos", lambda r: r.get("sha256") == ref.sha256,
                                              ref.to_dict()))

    # -- audits: actions over several files --------------------------------------------------

    def _audit_action(self, audit_id: str, extra: Callable[[AuditHeader], list[Path]],
                      act: Callable[[Tx, Path, dict[str, Any] | None, AuditHeader | None], None]
                      ) -> None:
        """Lock the audit file, its row's files (by its header now) and `extra`, then act.

        The row's files follow from the header's location, auditor, template and visit month;
        should another process move the visit between looking and locking, look again.
        """
        path = self._audit_path(audit_id)
        for _ in range(10):
            doc = self._read_audit(audit_id)
            h = self._header_dict(doc)
            header = AuditHeader.from_dict(h) if h else None
            paths = [path]
            if header is not None:
                paths += self._paths_of_header(header) + extra(header)
            with Tx(self, paths) as tx:
                now = tx.peek(path)
                now_h = self._header_dict(now)
                if (now_h is None) != (h is None) or (now_h and h and (
                        now_h.get("visit_at"), now_h.get("started_at")) != (
                        h.get("visit_at"), h.get("started_at"))):
                    continue
                act(tx, path, now, header)
                return
        raise StoreError(f"audit {audit_id} keeps changing; try again", audit_id=audit_id)

    def _old_row(self, tx: Tx, header: AuditHeader) -> SummaryRow | None:
        shard = tx.peek(self._rows_path(header.location_id, header_month(header))) or {}
        row = shard.get(header.id)
        return SummaryRow.from_dict(row) if row else None

    def create_audit(self, header: AuditHeader, summary: SummaryRow) -> None:
        path = self._audit_path(header.id)
        with Tx(self, [path, *self._paths_of_row(summary)]) as tx:
            if tx.peek(path) is not None:
                raise StoreError(f"audit {header.id} already exists", audit_id=header.id)
            tx.put(path, {"header": {"1": header.to_dict()}, "answers": {}, "photos": {}})
            self._place_row(tx, None, summary)

    def _state_change(self, header: AuditHeader, row: SummaryRow, *, expect: str | None,
                      photos: Sequence[PhotoRef] = ()) -> None:
        def act(tx: Tx, path: Path, doc: dict[str, Any] | None, old: AuditHeader | None) -> None:
            h = self._header_dict(doc)
            if doc is None or h is None or old is None:
                raise NotFound(f"no audit {header.id!r}", audit_id=header.id)
            if expect is not None and h.get("status") != expect:
                raise AuditLocked(f"audit {header.id} is {h.get('status')}, not {expect}",
                                  audit_id=header.id)
            tx.put(path, {**doc, "header": {"1": header.to_dict()}})
            self._place_row(tx, self._old_row(tx, old), row)
            if photos:
                self._index_hashes(tx, header.id, photos)
            due = self._due_path()
            if header.actions_due:
                tx.get(due)[header.id] = header.submitted_at
            elif header.id in (tx.peek(due) or {}):
                tx.get(due).pop(header.id, None)

        self._audit_action(header.id, lambda h: [*self._paths_of_row(row), *self._hash_paths(photos),
                                                 self._due_path()], act)

    def _due_path(self) -> Path:
        return self.root / "actions" / "due.json"

    def actions_pending(self) -> list[str]:
        return sorted(read_doc(self._due_path()) or {})

    def clear_actions_due(self, audit_id: str) -> None:
        if self._read_audit(audit_id) is None:  # gone since: only its mark in the list
            with Tx(self, [self._due_path()]) as tx:
                if audit_id in (tx.peek(self._due_path()) or {}):
                    tx.get(self._due_path()).pop(audit_id, None)
            return

        def act(tx: Tx, path: Path, doc: dict[str, Any] | None, old: AuditHeader | None) -> None:
            h = self._header_dict(doc)
            if doc is not None and h is not None and h.get("actions_due"):
                tx.put(path, {**doc, "header": {"1": {k: v for k, v in h.items()
                                                      if k != "actions_due"}}})
            if audit_id in (tx.peek(self._due_path()) or {}):
                tx.get(self._due_path()).pop(audit_id, None)

        self._audit_action(audit_id, lambda h: [self._due_path()], act)

    def save_answers(self, audit_id: str, update: BatchUpdate) -> None:
        """Several answers and the audit's sync record in one write of the audit's file."""
        path = self._audit_path(audit_id)
        with Tx(self, [path]) as tx:
            data = copy.deepcopy(self._draft_or_raise(tx.peek(path), audit_id))
            rows: dict[str, Any] = data.setdefault("answers", {})
            ids = {row["key"]: doc_id for doc_id, row in rows.items()}
            answers = {key: Answer.from_dict(rows[doc_id]) for key, doc_id in ids.items()}
            sync = dict(next(iter((data.get("sync") or {}).values()), {}))
            changed, new_sync = update(answers, sync)
            next_id = max((int(i) for i in rows), default=0) + 1
            for answer in changed:
                doc_id = ids.get(answer.key)
                if doc_id is None:
                    doc_id = ids[answer.key] = str(next_id)
                    next_id += 1
                rows[doc_id] = answer.to_dict()
            data["sync"] = {"1": new_sync}
            tx.put(path, data)

    def update_header(self, audit_id: str, header: AuditHeader, *,
                      allow_submitted: bool = False) -> None:
        def act(tx: Tx, path: Path, doc: dict[str, Any] | None, old: AuditHeader | None) -> None:
            if not allow_submitted:
                self._draft_or_raise(doc, audit_id)
            elif doc is None or old is None:
                raise NotFound(f"no audit {audit_id!r}", audit_id=audit_id)
            assert doc is not None and old is not None  # noqa: S101  checked just above
            tx.put(path, {**doc, "header": {"1": header.to_dict()}})
            if header_visit(old) != header_visit(header):  # the row follows its visit
                row = self._old_row(tx, old)
                if row is not None:
                    moved = SummaryRow.from_dict({**row.to_dict(), "visit_at": header.visit_at})
                    self._place_row(tx, row, moved)

        # a header change within the month (the walkthrough's section) touches the file only
        self._audit_action(audit_id, lambda h: self._paths_of_header(header)
                           if header_month(h) != header_month(header) else [], act)

    def get_summary(self, audit_id: str) -> SummaryRow | None:
        header = self.get_header(audit_id)
        if header is None:
            return None
        shard = read_doc(self._rows_path(header.location_id, header_month(header))) or {}
        row = shard.get(audit_id)
        return SummaryRow.from_dict(row) if row else None

    def delete_audit(self, audit_id: str) -> None:
        try:
            self._audit_path(audit_id)
        except NotFound:
            return
        audit = self.get_audit(audit_id)
        refs = list(audit.photos.values()) if audit else []

        def act(tx: Tx, path: Path, doc: dict[str, Any] | None, old: AuditHeader | None) -> None:
            tx.delete(path)
            if old is not None:
                self._place_row(tx, self._old_row(tx, old), None)
                if audit_id in (tx.peek(self._due_path()) or {}):
                    tx.get(self._due_path()).pop(audit_id, None)
            self._unindex_hashes(tx, audit_id, refs)

        self._audit_action(audit_id, lambda h: [*self._hash_paths(refs), self._due_path()], act)

    # -- rows, indexes and rollups of one audit ----------------------------------------------

    def _place_row(self, tx: Tx, old: SummaryRow | None, new: SummaryRow | None, *,
                   changed: str | None = None) -> None:
        """Move an audit's row from `old` to `new` in every file that holds or sums it; the
        new row's time of change is `changed` (a bulk load's), else now."""
        some = new or old
        if some is None:
            return
        audit_id = some.audit_id
        if old is not None and (new is None or row_month(old) != row_month(new)):
            self._shard_pop(tx, self._rows_path(old.location_id, row_month(old)), audit_id)
            self._shard_pop(tx, self._person_path(old.auditor, row_month(old)), audit_id)
        if old is not None and (new is None or old.location_id != new.location_id):
            self._shard_pop(tx, self._changes_path(old.location_id), audit_id)
        if new is not None:
            d = new.to_dict()
            d["changed_at"] = changed or stamp()
            tx.get(self._changes_path(new.location_id))[audit_id] = [d["changed_at"], row_month(new)]
            tx.get(self._rows_path(new.location_id, row_month(new)))[audit_id] = d
            tx.get(self._person_path(new.auditor, row_month(new)))[audit_id] = list_row(d)
        drafts_path = self._drafts_path(some.auditor)
        was_draft = old is not None and old.status == "draft"
        is_draft = new is not None and new.status == "draft"
        if is_draft and new is not None:
            if (tx.peek(drafts_path) or {}).get(audit_id) != row_month(new):
                tx.get(drafts_path)[audit_id] = row_month(new)
        elif was_draft:
            tx.get(drafts_path).pop(audit_id, None)
        was_in = old is not None and old.status == "submitted"
        is_in = new is not None and new.status == "submitted"
        if was_in or is_in:
            self._recent(tx, audit_id, new if is_in else None)
        if was_in and is_in and old is not None and new is not None and _same_sums(old, new):
            return
        if was_in and old is not None:
            self._roll(tx, old, -1)
        if is_in and new is not None:
            self._roll(tx, new, +1)

    @staticmethod
    def _shard_pop(tx: Tx, path: Path, audit_id: str) -> None:
        if audit_id in (tx.peek(path) or {}):
            tx.get(path).pop(audit_id, None)

    def _recent(self, tx: Tx, audit_id: str, row: SummaryRow | None) -> None:
        path = self._recent_path()
        rows = [r for r in tx.get(path, list) if r.get("audit_id") != audit_id]
        if row is not None:
            rows.append(list_row(row.to_dict()))
            rows.sort(key=lambda r: (r.get("submitted_at", ""), r["audit_id"]), reverse=True)
            del rows[RECENT:]
        tx.put(path, rows)

    def _roll(self, tx: Tx, row: SummaryRow, sign: int) -> None:
        month = row_month(row)
        doc = tx.get(self._rollup_path(month, row.location_id))
        key = _group_key((row.template_id, row.mode, rollups.shown_to_branch(row), row.region))
        _set_or_pop(doc, key, rollups.add(doc.get(key), rollups.location_part(row), sign))
        items = tx.get(self._items_path(month, row.template_id))
        key = _group_key((row.mode, row.region))
        _set_or_pop(items, key, rollups.add(items.get(key), rollups.item_part(row), sign))

    def _index_hashes(self, tx: Tx, audit_id: str, refs: Iterable[PhotoRef]) -> None:
        for r in refs:
            self._index_hash(tx, audit_id, r.sha256, r.phash)

    def _index_hash(self, tx: Tx, audit_id: str, sha256: str, phash: str) -> None:
        if len(sha256) == 64:
            shard = tx.get(self._sha_path(sha256))
            ids = shard.get(sha256) or []
            if audit_id not in ids:
                shard[sha256] = [*ids, audit_id]
        for path in self._near_paths(phash):
            shard = tx.get(path)
            entries = shard.get(audit_id) or []
            if [sha256, phash] not in entries:
                shard[audit_id] = [*entries, [sha256, phash]]

    def _unindex_hashes(self, tx: Tx, audit_id: str, refs: Iterable[PhotoRef]) -> None:
        for r in refs:
            if len(r.sha256) == 64:
                path = self._sha_path(r.sha256)
                ids = (tx.peek(path) or {}).get(r.sha256) or []
                if audit_id in ids:
                    rest = [i for i in ids if i != audit_id]
                    _set_or_pop(tx.get(path), r.sha256, rest or None)
            for path in self._near_paths(r.phash):
                if audit_id in (tx.peek(path) or {}):
                    tx.get(path).pop(audit_id, None)

    # -- listing rows ------------------------------------------------------------------------

    @staticmethod
    def _months_in(folder: Path) -> list[str]:
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return []
        return sorted((n[:-5] for n in names if n.endswith(".json") and _MONTH_RE.match(n[:-5])),
                      reverse=True)

    def _location_folders(self, location_ids: Iterable[str] | None) -> list[Path]:
        base = self.root / "rows"
        if location_ids is not None:
            return [base / safe_part(loc) for loc in location_ids]
        try:
            return [base / n for n in sorted(os.listdir(base))]
        except FileNotFoundError:
            return []

    def _sources(self, flt: AuditFilter, *, whole: bool = False) -> list[Path]:
        """The folders of month shards that can hold rows matching `flt`: the person's own
        index (list rows), unless `whole` rows are wanted; else the locations'."""
        if flt.auditor is not None and not whole:
            return [self.root / "index" / "people" / safe_part(flt.auditor)]
        return self._location_folders(flt.location_ids)

    @staticmethod
    def _month_range(flt: AuditFilter) -> tuple[str | None, str | None]:
        return (flt.date_from[:7] if flt.date_from else None, flt.date_to[:7] if flt.date_to else None)

    def list_summaries(self, flt: AuditFilter | None = None) -> list[SummaryRow]:
        flt = flt or AuditFilter()
        lo, hi = self._month_range(flt)
        out = []
        for folder in self._sources(flt, whole=True):
            for month in self._months_in(folder):
                if (lo and month < lo) or (hi and month > hi):
                    continue
                for d in (read_doc(folder / f"{month}.json") or {}).values():
                    row = SummaryRow.from_dict(d)
                    if flt.matches(row):
                        out.append(row)
        out.sort(key=lambda r: r.audit_id)
        return out

    def summary_months(self, flt: AuditFilter) -> list[str]:
        """Months with rows matching `flt`, newest first: the names of the shards, each read
        only when `flt` asks more than whose rows it holds (a status, say)."""
        plain = flt in (AuditFilter(auditor=flt.auditor), AuditFilter(location_ids=flt.location_ids))
        months: set[str] = set()
        for folder in self._sources(flt):
            for m in self._months_in(folder):
                if m not in months and (plain or any(
                        flt.matches(SummaryRow.from_dict(d))
                        for d in (read_doc(folder / f"{m}.json") or {}).values())):
                    months.add(m)
        return sorted(months, reverse=True)

    def recent_summaries(self, flt: AuditFilter, *, month: str | None = None,
                         limit: int | None = 30,
                         keep: Callable[[SummaryRow], bool] | None = None) -> list[SummaryRow]:
        """Rows matching `flt` (and `keep`), newest visit first, at most `limit`.

        One person's rows come from their own index (drafts from its drafts list), some
        locations' from their month shards, newest month first, reading only as many months
        as the limit needs; the network's latest submitted rows from index/recent.json. Rows
        from a person's index or the network's latest are list rows: without section
        percents, findings, N/A or points lost (get_summary has the whole row).
        """
        def wanted(row: SummaryRow) -> bool:
            return flt.matches(row) and (keep is None or keep(row))

        found: list[SummaryRow] = []
        if flt.auditor is not None and flt.status == "draft" and month is None:
            drafts = read_doc(self._drafts_path(flt.auditor)) or {}
            folder = self.root / "index" / "people" / safe_part(flt.auditor)
            for m in sorted(set(drafts.values()), reverse=True):
                shard = read_doc(folder / f"{m}.json") or {}
                found += [r for r in (SummaryRow.from_dict(shard[i]) for i in drafts if i in shard)
                          if wanted(r)]
        elif flt.auditor is None and flt.location_ids is None and month is None \
                and flt.status == "submitted":
            found = [r for r in map(SummaryRow.from_dict, read_doc(self._recent_path()) or [])
                     if wanted(r)]
        else:
            folders = self._sources(flt)
            by_month: dict[str, list[Path]] = {}
            for folder in folders:
                for m in self._months_in(folder):
                    if month is None or m == month:
                        by_month.setdefault(m, []).append(folder / f"{m}.json")
            for m in sorted(by_month, reverse=True):
                for path in by_month[m]:
                    found += [r for r in map(SummaryRow.from_dict, (read_doc(path) or {}).values())
                              if wanted(r)]
                if limit is not None and len(found) >= limit:
                    break  # every row of an older month is older than these
        found.sort(key=lambda r: (r.visit_at or r.started_at, r.audit_id), reverse=True)
        return found if limit is None else found[:limit]

    # -- rollups -------------------------------------------------------------------------------

    def _rollup_months(self, first: str | None, last: str | None) -> list[str]:
        try:
            names = os.listdir(self.root / "rollups")
        except FileNotFoundError:
            return []
        return sorted(m for m in names if _MONTH_RE.match(m)
                      and (first is None or m >= first) and (last is None or m <= last))

    def rollup_months(self) -> list[str]:
        # a month's folder stays when its last submitted audit leaves; its item files do not
        return [m for m in self._rollup_months(None, None)
                if any((self.root / "rollups" / m / "items").glob("*.json"))]

    def get_rollups(self, first_month: str | None = None, last_month: str | None = None,
                    template_id: str | None = None, location_id: str | None = None) -> Rollups:
        """Every group of these months (of one template; of one location: then no item groups).

        A month's groups are kept in memory until its folder changes: HQ's next look at the
        same months costs a stat per month, however many locations there are.
        """
        locs: list[rollups.Rollup] = []
        items: list[rollups.ItemRollup] = []
        token: list[Any] | None = [str(self.root), template_id]
        for month in self._rollup_months(first_month, last_month):
            folder = self.root / "rollups" / month
            if location_id is not None:
                path = folder / "loc" / f"{safe_part(location_id)}.json"
                got = docs.read_derived(path, "rollups",
                                        functools.partial(_location_rollups, month, location_id))
                token = None
            else:
                got, loc_sig = docs.read_folder(folder / "loc", "rollups",
                                                functools.partial(_folder_rollups, month))
                found, item_sig = docs.read_folder(folder / "items", "rollups",
                                                   functools.partial(_folder_items, month))
                items += [g for g in found if template_id is None or g.template_id == template_id]
                if token is not None and loc_sig is not None and item_sig is not None:
                    token += [month, loc_sig, item_sig]
                else:
                    token = None
            locs += [r for r in got or [] if template_id is None or r.template_id == template_id]
        return Rollups(tuple(locs), tuple(items), None if token is None else tuple(token))

    # -- photos ----------------------------------------------------------------------------

    def index_photo_hashes(self, audit_id: str, refs: Iterable[PhotoRef]) -> None:
        refs = list(refs)
        with Tx(self, self._hash_paths(refs)) as tx:
            self._index_hashes(tx, audit_id, refs)

    def photo_candidates(self, sha256: str, phash: str) -> list[tuple[str, str, str]]:
        """Photos of other audits that may match: the same bytes, or a hash piece in common
        and within NEAR_DISTANCE bits (each piece file kept parsed, its hashes as numbers)."""
        out: dict[tuple[str, str], str] = {}
        if len(sha256) == 64:
            for audit_id in (read_doc(self._sha_path(sha256)) or {}).get(sha256) or []:
                out[(audit_id, sha256)] = phash
        paths = self._near_paths(phash)
        probe = int(phash, 16) if paths else 0
        for path in paths:
            try:
                entries = docs.read_derived(path, "near", _near_entries) or []
            except docs.DocError as err:
                raise doc_error(err) from err
            for audit_id, sha, ph, value in entries:
                if (value ^ probe).bit_count() <= NEAR_DISTANCE:
                    out.setdefault((audit_id, sha), ph)
        return [(a, s, p) for (a, s), p in out.items()]

    def known_photo_hashes(self) -> list[tuple[str, str, str]]:
        """Every indexed photo (a rebuild's check; the re-use check reads photo_candidates)."""
        out: dict[tuple[str, str], str] = {}
        for path in sorted((self.root / "hashes" / "near").glob("0/*.json")):
            for audit_id, entries in (read_doc(path) or {}).items():
                for sha, ph in entries:
                    out[(audit_id, sha)] = ph
        for path in sorted((self.root / "hashes" / "sha").glob("*.json")):
            for sha, ids in (read_doc(path) or {}).items():
                for audit_id in ids:
                    out.setdefault((audit_id, sha), "")
        return [(a, s, p) for (a, s), p in sorted(out.items())]

    # -- bulk: demo data and rebuilds ----------------------------------------------------------

    def import_audits(self, audits: Iterable[tuple[Audit, SummaryRow]]) -> int:
        """Bulk load (demo data): one file per audit, then every shard written once."""
        n = 0
        with self.locks.exclusive():
            tx = Tx(self, [], locked=False)
            for audit, summary in audits:
                path = self._audit_path(audit.id)
                tx.put(path, {
                    "header": {"1": audit.header.to_dict()},
                    "answers": {str(i + 1): a.to_dict() for i, a in enumerate(audit.answers.values())},
                    "photos": {str(i + 1): p.to_dict() for i, p in enumerate(audit.photos.values())},
                })
                old = self._old_row(tx, audit.header) if path.exists() else None
                self._place_row(tx, old, summary, changed=row_time(summary))
                if summary.status == "submitted" and audit.photos:
                    self._index_hashes(tx, audit.id, audit.photos.values())
                n += 1
                if len(tx.pending) > 20_000:  # keep memory flat on big loads
                    tx.flush()
            tx.flush()
        return n

    def rebuild_derived(self, row_of: Callable[[Audit, SummaryRow | None], SummaryRow],
                        progress: Callable[[int, int], None] | None = None) -> DerivedCounts:
        """Rows, indexes, rollups and photo hashes written anew from the audit files.

        `row_of(audit, its current row or None)` gives each audit's row. Every writer, in any
        process, waits meanwhile; the new files are built beside the live ones, then swapped in.
        """
        with self.locks.exclusive():
            ids = sorted(self.audit_ids())
            rows: list[SummaryRow] = []
            hashes: list[tuple[str, str, str]] = []
            damaged: set[str] = set()
            for n, audit_id in enumerate(ids, start=1):
                try:
                    audit = self.get_audit(audit_id)
                except (StoreError, *DAMAGED):
                    damaged.add(audit_id)  # `audit check` says so; its row stays as it is
                    continue
                if audit is None:
                    continue
                row = row_of(audit, self._whole_row(audit.header))
                rows.append(row)
                if row.status == "submitted":
                    hashes += [(audit_id, p.sha256, p.phash) for p in audit.photos.values()]
                if progress is not None:
                    progress(n, len(ids))
            rows += self._rows_of(damaged)
            groups = _install(self.root, self.locks, ".rebuild", rows, hashes, {})
        return DerivedCounts(rows=len(rows), groups=groups, photos=len(hashes))

    def _whole_row(self, header: AuditHeader) -> SummaryRow | None:
        """The audit's row, unless it is missing or damaged (then it is made anew)."""
        try:
            shard = read_doc(self._rows_path(header.location_id, header_month(header)))
        except StoreError:
            return None
        d = shard.get(header.id) if isinstance(shard, dict) else None
        return SummaryRow.from_dict(d) if isinstance(d, dict) and row_problem(header.id, d) is None else None

    def _rows_of(self, audit_ids: set[str]) -> list[SummaryRow]:
        """The whole rows these audits have in the shards (their files cannot be read)."""
        found: list[SummaryRow] = []
        if not audit_ids:
            return found
        for folder in self._location_folders(None):
            for month in self._months_in(folder):
                try:
                    shard = read_doc(folder / f"{month}.json") or {}
                except StoreError:
                    continue
                found += [SummaryRow.from_dict(d) for key, d in shard.items()
                          if key in audit_ids and row_problem(key, d) is None]
        return found

    # -- visit plans and visits: by month of the window, and by shopper ----------------------

    def _plans_path(self) -> Path:
        return self.root / "plans.json"

    def _visits_path(self, month: str) -> Path:
        return self.root / "visits" / f"{month}.json"

    def _shopper_visits_path(self, shopper: str, month: str) -> Path:
        return self.root / "visits" / "people" / safe_part(shopper) / f"{month}.json"

    def _visit_paths(self, v: Visit) -> list[Path]:
        paths = [self._visits_path(v.month)]
        if v.shopper:
            paths.append(self._shopper_visits_path(v.shopper, v.month))
        return paths

    def put_plan(self, plan: Plan, visits: Sequence[Visit]) -> None:
        paths = {self._plans_path()}
        for v in visits:
            paths.update(self._visit_paths(v))
        with Tx(self, paths) as tx:
            if plan.id in (tx.peek(self._plans_path()) or {}):
                raise StoreError(f"plan {plan.id} already exists", plan_id=plan.id)
            for v in visits:
                if v.id in (tx.peek(self._visits_path(v.month)) or {}):
                    raise StoreError(f"visit {v.id} already exists", visit_id=v.id)
            tx.get(self._plans_path())[plan.id] = plan.to_dict()
            for v in visits:
                d = v.to_dict()
                for path in self._visit_paths(v):
                    tx.get(path)[v.id] = d

    def list_plans(self) -> list[Plan]:
        plans = [Plan.from_dict(d) for d in self._doc("plans.json").values()]
        return sorted(plans, key=lambda p: (p.created_at, p.id), reverse=True)

    def get_visit(self, visit_id: str) -> Visit | None:
        m = VISIT_ID_RE.match(visit_id)
        if m is None:
            return None
        d = (read_doc(self._visits_path(m.group(1))) or {}).get(visit_id)
        return Visit.from_dict(d) if d else None

    def update_visit(self, visit_id: str, update: Callable[[Visit], Visit]) -> Visit:
        """Read-modify-write one visit under the locks of its month and its shoppers' files.

        The files to lock follow from the shopper before and after; should `update` hand the
        visit to someone not foreseen (another process changed it), look again.
        """
        m = VISIT_ID_RE.match(visit_id)
        if m is None:
            raise NotFound(f"no visit {visit_id!r}", visit_id=visit_id)
        for _ in range(10):
            old = self.get_visit(visit_id)
            if old is None:
                raise NotFound(f"no visit {visit_id!r}", visit_id=visit_id)
            guess = update(old)
            paths = set(self._visit_paths(old)) | set(self._visit_paths(guess))
            with Tx(self, paths) as tx:
                d = (tx.peek(self._visits_path(old.month)) or {}).get(visit_id)
                if d is None:
                    raise NotFound(f"no visit {visit_id!r}", visit_id=visit_id)
                current = Visit.from_dict(d)
                new = update(current)
                wanted = set(self._visit_paths(current)) | set(self._visit_paths(new))
                if not wanted <= paths:
                    tx.pending.clear()
                    continue
                if new.id != visit_id or new.month != current.month:
                    raise StoreError("a visit keeps its id and month", visit_id=visit_id)
                if current.shopper and current.shopper != new.shopper:
                    tx.get(self._shopper_visits_path(current.shopper, current.month)).pop(
                        visit_id, None)
                nd = new.to_dict()
                for path in self._visit_paths(new):
                    tx.get(path)[visit_id] = nd
                return new
        raise StoreError(f"visit {visit_id} keeps changing; try again", visit_id=visit_id)

    def _visit_months(self, folder: Path, flt: VisitFilter) -> list[Path]:
        return [folder / f"{m}.json" for m in sorted(self._months_in(folder))
                if (flt.first_month is None or m >= flt.first_month)
                and (flt.last_month is None or m <= flt.last_month)]

    def list_visits(self, flt: VisitFilter) -> list[Visit]:
        """Visits matching `flt`: one shopper's from their own files, else the months' files.

        Each file is parsed into Visits once per version of the file (the parse cache)."""
        folder = (self._shopper_visits_path(flt.shopper, "x").parent if flt.shopper is not None
                  else self.root / "visits")
        # the files are chosen by month (and shopper): only the other conditions need a test
        every = flt.location_ids is None and flt.region is None and not flt.open_only
        out: list[Visit] = []
        for path in self._visit_months(folder, flt):
            got = docs.read_derived(path, "visits", _visits_of)
            if got:
                out += got if every else [v for v in got if flt.matches(v)]
        return out

    # -- settings --------------------------------------------------------------------------

    def count_hit(self, key: str, limit: int, window: float, now: float) -> float:
        return rates.count_hit(self.root, key, limit, window, now)

    def get_settings(self) -> dict[str, Any]:
        return dict(self._doc("settings.json"))

    def put_settings(self, settings: dict[str, Any]) -> None:
        self._update("settings.json", lambda d: d.update(settings))

    def update_setting(self, key: str, change: Callable[[Any], Any]) -> Any:
        out: list[Any] = []

        def apply(d: dict[str, Any]) -> None:
            out.append(change(copy.deepcopy(d.get(key))))
            d[key] = json.loads(json.dumps(out[0]))

        self._update("settings.json", apply)
        return out[0]


# What a list of audits shows needs none of these; a person's index and the network's latest
# leave them out (a quarter of the size), the location's shard keeps the whole row.
def _near_entries(doc: Any) -> list[tuple[str, str, str, int]]:
    return [(audit_id, sha, ph, int(ph, 16)) for audit_id, entries in (doc or {}).items()
            for sha, ph in entries]


def _set_or_pop(d: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        d.pop(key, None)
    else:
        d[key] = value


def _same_sums(a: SummaryRow, b: SummaryRow) -> bool:
    """Whether two submitted rows add the same to the same rollups (a publish changes none)."""
    return (rollups.location_key(a) == rollups.location_key(b)
            and rollups.location_part(a) == rollups.location_part(b)
            and rollups.item_part(a) == rollups.item_part(b))


def _group_key(parts: tuple[Any, ...]) -> str:
    """A group's key inside its file: "template|mode|shown|region" or "mode|region" (region last,
    since it is free text)."""
    return "|".join(("1" if p else "0") if isinstance(p, bool) else str(p) for p in parts)


def _location_rollups(month: str, location_id: str, doc: Any) -> list[rollups.Rollup]:
    out = []
    for key, g in (doc or {}).items():
        template_id, mode, shown, region = key.split("|", 3)
        out.append(rollups.to_rollup((month, location_id, template_id, mode, region, shown == "1"), g))
    return out


def _folder_rollups(month: str, stem: str, doc: Any) -> list[rollups.Rollup]:
    return _location_rollups(month, unpart(stem), doc)


def _folder_items(month: str, stem: str, doc: Any) -> list[rollups.ItemRollup]:
    return _item_rollups(month, unpart(stem), doc)


def _item_rollups(month: str, template_id: str, doc: Any) -> list[rollups.ItemRollup]:
    out = []
    for key, g in (doc or {}).items():
        mode, region = key.split("|", 1)
        out.append(rollups.to_item_rollup((month, template_id, mode, region), g))
    return out




def _install(root: Path, locks: FolderLocks, stage_name: str, rows: Iterable[SummaryRow],
             hashes: Iterable[tuple[str, str, str]], files: dict[str, Any]) -> int:
    """Build rows, indexes, rollups, hashes (and `files`: name → JSON, or str for a text
    file) in a staging folder, then move each over the live one; the rollup groups written.

    The caller holds the folder exclusively. Each move is a rename; a crash between two leaves
    what a second run (which builds everything again) puts right.
    """
    stage = root / stage_name
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    files = {**files, "changes/.built": ""}  # the change lists are made from every row here
    staged = TinyStore._staging(stage, locks)
    tx = Tx(staged, [], locked=False)
    for name, data in files.items():
        path = stage / name
        if isinstance(data, str):
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data.encode("utf-8"))
        else:
            tx.put(path, data)
    for row in rows:
        staged._place_row(tx, None, row, changed=row_time(row))
        if len(tx.pending) > 20_000:  # keep memory flat on big archives
            tx.flush()
    for audit_id, sha256, phash in hashes:
        staged._index_hash(tx, audit_id, sha256, phash)
        if len(tx.pending) > 20_000:
            tx.flush()
    tx.flush()
    groups = sum(len(names) for _, _, names in os.walk(stage / "rollups"))
    trash = root / f"{stage_name}-old"
    shutil.rmtree(trash, ignore_errors=True)
    trash.mkdir()
    for name in sorted({*DERIVED, *(n for n in os.listdir(stage) if not n.startswith("."))}):
        if (root / name).exists():
            (root / name).rename(trash / name)
        if (stage / name).exists():
            (stage / name).rename(root / name)
    shutil.rmtree(trash, ignore_errors=True)
    shutil.rmtree(stage, ignore_errors=True)
    fsync_folder(root)
    return groups


def layout_of(root: Path) -> int:
    """2 for this layout (store.json), 1 for the older one (index.json only), 0 for no store."""
    if (root / MARKER).exists():
        found = read_doc(root / MARKER)
        return int(found.get("layout", 0)) if isinstance(found, dict) else 0
    return 1 if (root / "index.json").exists() else 0


def install_from_layout1(root: Path, tables: dict[str, Any], rows: Sequence[SummaryRow]) -> None:
    """Layout 2 written from layout 1's tables (and its rows, checked and completed by the
    caller); store.json last, as the sign the switch is done. index.json stays: the caller
    removes it once the result is checked."""
    def values(name: str) -> list[dict[str, Any]]:
        return list((tables.get(name) or {}).values())

    files: dict[str, Any] = {
        "locations.json": {r["id"]: r for r in values("locations")},
        "people.json": {r["name"]: r for r in values("users")},
        "settings.json": next(iter(values("settings")), {}),
    }
    meta: dict[str, dict[str, Any]] = {}
    for t in values("templates"):
        meta.setdefault(t["id"], {})[str(t["version"])] = {
            "title_ru": t.get("title_ru", ""), "title_en": t.get("title_en", ""),
            "uploaded_by": t.get("uploaded_by", ""), "uploaded_at": t.get("uploaded_at", "")}
        files[f"templates/{safe_part(t['id'])}/{t['version']}.yaml"] = str(t["yaml"])
    files["templates.json"] = meta
    for sess in values("sessions"):
        shard = TinyStore._staging(root, FolderLocks(root))._session_path(sess["token_hash"])
        files.setdefault(f"sessions/{shard.name}", {})[sess["token_hash"]] = sess
    hashes = [(h["audit_id"], h["sha256"], h.get("phash", "")) for h in values("photo_hashes")]
    locks = FolderLocks(root)
    with locks.exclusive():
        _install(root, locks, ".migrate", rows, hashes, files)
        create_marker(root, had_people=bool(values("users")))
def _visits_of(doc: Any) -> list[Visit]:
    return [Visit.from_dict(d) for d in (doc or {}).values()]


def create_marker(root: Path, *, had_people: bool) -> None:
    """store.json: written first when a folder becomes a store, and never removed; it says
    whether the store has had people, so an emptied people file is never a new store."""
    atomic_write(root / MARKER, docs.dumps({
        "layout": LAYOUT, "created_at": clock.now_iso(), HAD_PEOPLE: had_people}))
