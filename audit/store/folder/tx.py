"""The folder's files: safe names, JSON documents, and `Tx`, the unit of every change.

A change reads the files it touches under their locks and writes them together at the end;
the journal makes several files one durable step. The store, its actions and its integrity
scan all build on this module.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from tinydb.storages import Storage

from audit.core.errors import StoreError, write_error
from audit.core.files import fsync_folder, write_atomic, writer_tag
from audit.model import AuditHeader, SummaryRow, rollups
from audit.store.folder import docs, journal
from audit.store.folder.locks import FolderLocks

# the files every change derives from the audits: rebuilt by `audit reindex`
DERIVED = ("rows", "index", "rollups", "hashes", "changes")
_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")



class Folder(Protocol):
    """What a change needs of the store it writes into."""

    root: Path
    locks: FolderLocks

    @property
    def tmp_dir(self) -> Path: ...
    def _stale_journals(self, paths: set[Path]) -> list[Path]: ...
    def finish_journal(self, path: Path) -> bool: ...


def doc_error(err: docs.DocError) -> StoreError:
    if isinstance(err.__cause__, OSError) and err.__cause__.errno is not None:
        return write_error(err.path, err.__cause__)
    return StoreError(str(err), path=str(err.path), reason=err.reason)


def read_doc(path: Path) -> Any | None:
    try:
        return docs.read(path)
    except docs.DocError as err:
        raise doc_error(err) from err


def atomic_write(path: Path, data: bytes, tmp_dir: Path | None = None) -> None:
    """Write bytes atomically, with a failure worded for a person and typed as a StoreError."""
    try:
        write_atomic(path, data, tmp_dir=tmp_dir)
    except OSError as exc:
        raise write_error(path, exc) from exc


class AtomicJSONStorage(Storage):
    """TinyDB storage over the same files: readable JSON (ensure_ascii=False), atomic replace.

    Parsed files come from the shared parse cache keyed by the file's inode, mtime and size,
    so a file replaced by another writer is read again. TinyDB changes what read() returns in
    place, so this storage hands it a private copy; the store itself reads through `docs`.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, Any] | None:
        try:
            data = docs.read(self.path)
        except docs.DocError as err:
            raise doc_error(err) from err
        return None if data is None else json.loads(docs.dumps(data))

    def write(self, data: dict[str, Any]) -> None:
        try:
            docs.write(self.path, data)
        except docs.DocError as err:
            raise doc_error(err) from err

    def close(self) -> None:
        pass


def safe_part(key: str) -> str:
    """A key (location id, person's name) as one safe file or folder name."""
    if _SAFE_PART.match(key) and ".." not in key:
        return key
    return "~" + key.encode("utf-8").hex()


def unpart(name: str) -> str:
    return bytes.fromhex(name[1:]).decode("utf-8") if name.startswith("~") else name


def month_of(when: str) -> str:
    return when[:7]


def row_month(row: SummaryRow) -> str:
    return rollups.period_of(row)


def header_visit(header: AuditHeader) -> str:
    return header.visit_at or header.started_at


def header_month(header: AuditHeader) -> str:
    return month_of(header_visit(header))


def write_rank(root: Path, path: Path) -> int:
    """Write order inside an action: the audit file (the truth) first, then what derives from it."""
    top = path.relative_to(root).parts[0]
    return {"audits": 0, "templates": 0, "rows": 1, "index": 2, "rollups": 3,
            "hashes": 4}.get(top, 5)


class Tx:
    """Read-modify-write of several files under their locks, written together at the end.

    `get` returns a shallow copy the caller may change at its top level; anything deeper is
    shared with the parse cache and is replaced, never changed in place. With `locked=False`
    the caller holds the folder exclusively (bulk loads and rebuilds).
    """

    def __init__(self, store: Folder, paths: Iterable[Path], *, locked: bool = True) -> None:
        self.store = store
        self.paths = set(paths)
        self.locked = locked
        self.pending: dict[Path, Any] = {}
        self._hold: contextlib.AbstractContextManager[None] | None = None

    def __enter__(self) -> Tx:
        if self.locked:
            while True:
                self._hold = self.store.locks.hold(self.paths)
                self._hold.__enter__()
                stale = self.store._stale_journals(self.paths)
                if not stale:
                    break
                # a crashed action's files are among ours: finish it first, under its own locks
                self._hold.__exit__(None, None, None)
                self._hold = None
                for path in stale:
                    self.store.finish_journal(path)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self.flush()
        finally:
            if self._hold is not None:
                self._hold.__exit__(exc_type, exc, tb)

    def _check(self, path: Path) -> None:
        if self.locked and path not in self.paths:
            raise RuntimeError(f"{path} was not locked by this action")

    def peek(self, path: Path) -> Any | None:
        """The file as this action has it so far; shared, not to be changed."""
        self._check(path)
        if path in self.pending:
            return self.pending[path]
        return read_doc(path)

    def get(self, path: Path, empty: Callable[[], Any] = dict) -> Any:
        """A copy to change at the top level (a new empty one when there is no file)."""
        self._check(path)
        if path in self.pending and self.pending[path] is not None:
            return self.pending[path]
        data = read_doc(path) if path not in self.pending else None
        copy = empty() if data is None else (dict(data) if isinstance(data, dict) else list(data))
        self.pending[path] = copy
        return copy

    def put(self, path: Path, data: Any) -> None:
        self._check(path)
        self.pending[path] = data

    def delete(self, path: Path) -> None:
        self._check(path)
        self.pending[path] = None

    def _gone(self, path: Path, data: Any) -> bool:
        # an emptied shard leaves, so listings stay short
        return data is None or (not data and write_rank(self.store.root, path) in (1, 2, 3, 4))

    def flush(self) -> None:
        root = self.store.root
        order = sorted(self.pending, key=lambda p: (write_rank(root, p), str(p)))
        if self.locked and len(order) > 1:
            self._flush_journaled(order)
            return
        folders: set[Path] = set()
        try:
            for path in order:
                data = self.pending[path]
                if self._gone(path, data):
                    docs.remove(path)
                else:
                    docs.write(path, data, sync_folder=False, tmp_dir=self.store.tmp_dir)
                folders.add(path.parent)
        except docs.DocError as err:
            raise doc_error(err) from err
        finally:
            for folder in folders:
                fsync_folder(folder)
        self.pending.clear()

    def _flush_journaled(self, order: list[Path]) -> None:
        """Several files as one step: the journal, every new version prepared, the journal
        marked done, then the renames (see audit/store/folder/journal.py)."""
        root, tmp_dir = self.store.root, self.store.tmp_dir
        tag = f"{writer_tag()}-{uuid.uuid4().hex[:12]}"
        ops = [(p, None if self._gone(p, self.pending[p]) else tmp_dir / f".{p.name}.{tag}{i}.tmp")
               for i, p in enumerate(order)]
        try:
            record = journal.begin(root, ops)
        except OSError as err:
            raise write_error(journal.folder(root), err) from err
        prepared: list[docs.Prepared] = []
        try:
            for path, tmp in ops:
                if tmp is not None:
                    prepared.append(docs.prepare(path, self.pending[path], tmp))
            journal.commit(root, record, ops)
        except (docs.DocError, OSError) as err:
            for done in prepared:
                docs.discard(done)  # nothing changed: the old state stands whole
            with contextlib.suppress(OSError):
                journal.finish(record)
            raise self._failed(err) from err
        # from here on the change is decided: a crash leaves the journal to finish it
        try:
            done_ = iter(prepared)
            for path, tmp in ops:
                if tmp is not None:
                    docs.commit(next(done_))
                else:
                    docs.remove(path)
            for folder in {p.parent for p in order}:
                fsync_folder(folder)
            journal.finish(record)
        except (docs.DocError, OSError) as err:
            raise self._failed(err) from err
        self.pending.clear()

    def _failed(self, err: docs.DocError | OSError) -> StoreError:
        """A data file's failure as the file's; anything else is the journal's."""
        if isinstance(err, docs.DocError):
            return doc_error(err)
        return write_error(journal.folder(self.store.root), err)


NOT_LISTED = ("sections", "findings", "na", "lost", "skipped", "changed_at")


def list_row(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in NOT_LISTED}
