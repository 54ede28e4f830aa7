"""JSON files as documents: parsed once per change, shared by every store object in a process.

A parsed file is cached under its path with the signature of the file it came from (inode,
mtime, size, read from the same open descriptor as the bytes; or, after a write, those of the
file written), so a file replaced by another thread or process is read again. What `read`
returns is shared: callers never change it in place; a writer builds new objects and
`write`s them, and does not touch them afterwards. The cache holds at most BUDGET bytes of
files, least recently used out first.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from audit.core.files import move_into_place, write_atomic, write_temp

T = TypeVar("T")
Sig = tuple[int, int, int]

BUDGET = 96 * 1024 * 1024
MAX_ENTRIES = 50_000


class DocError(Exception):
    """A file that cannot be read or written; `.path` and `.reason` say which and why."""

    def __init__(self, message: str, path: Path, reason: str) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


class _Entry:
    __slots__ = ("data", "derived", "sig", "size")

    def __init__(self, sig: Sig, data: Any, size: int) -> None:
        self.sig = sig
        self.data = data
        self.size = size
        self.derived: dict[str, Any] = {}


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, _Entry] = OrderedDict()
        self.total = 0

    def get(self, key: str, sig: Sig) -> _Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry.sig != sig:
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: _Entry) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.total -= old.size
            self.entries[key] = entry
            self.total += entry.size
            while self.entries and (self.total > BUDGET or len(self.entries) > MAX_ENTRIES):
                _, gone = self.entries.popitem(last=False)
                self.total -= gone.size

    def drop(self, key: str) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.total -= old.size


_cache = _Cache()


def _entry(path: Path) -> _Entry | None:
    key = str(path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DocError(f"cannot read {path}: {exc.strerror}", path, exc.strerror or str(exc)) from exc
    try:
        st = os.fstat(fd)
        sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        hit = _cache.get(key, sig)
        if hit is not None:
            return hit
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read()
    except OSError as exc:
        raise DocError(f"cannot read {path}: {exc.strerror}", path, exc.strerror or str(exc)) from exc
    finally:
        os.close(fd)
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DocError(f"{path} is not valid JSON ({exc}); restore it from a backup or run "
                       "`audit reindex`", path, str(exc)) from exc
    entry = _Entry(sig, data, len(raw))
    _cache.put(key, entry)
    return entry


_GONE = object()  # a parsed file let go of once only what was derived from it is kept


def read(path: Path) -> Any | None:
    """The parsed file, or None when there is none. Shared: do not change it."""
    for _ in range(3):
        entry = _entry(path)
        if entry is None:
            return None
        data = entry.data  # once: another thread may let it go meanwhile
        if data is not _GONE:
            return data
        _cache.drop(str(path))
    raise DocError(f"{path} keeps changing while it is read; try again", path, "changing")


def read_derived(path: Path, name: str, derive: Callable[[Any], T]) -> T | None:
    """derive(parsed file), computed once per version of the file; None when there is none.

    Only the derived value is kept: a year of HQ's rollups is many small files, and holding
    their parsed JSON as well would give the garbage collector millions more objects to walk.
    """
    entry = _entry(path)
    if entry is None:
        return None
    if name not in entry.derived:
        data = entry.data
        if data is _GONE:
            _cache.drop(str(path))
            fresh = _entry(path)
            if fresh is None:
                return None
            entry, data = fresh, fresh.data
        entry.derived[name] = derive(data)
        entry.data = _GONE
    value: T = entry.derived[name]
    return value


# A folder's mtime changes with every file written, added or removed in it, but only as often
# as the clock ticks: a folder changed this recently may change again unseen, so its listing
# is not kept until it has been still for a while.
RACY_NS = 2_000_000_000
_folders: dict[tuple[str, str], tuple[tuple[int, int], list[Any]]] = {}


def read_folder(folder: Path, name: str, derive: Callable[[str, Any], list[T]]
                ) -> tuple[list[T], tuple[int, int] | None]:
    """derive(file stem, parsed file) for every *.json in `folder`, joined; kept per folder
    until the folder changes, so reading a folder again costs one stat.

    Also returns the folder's signature when what was read is known to be all of it as of
    that signature (None for a folder changed too recently to tell, or one that is gone).
    """
    key = (str(folder), name)
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        return [], (0, 0)  # nothing there: all of it, until the folder appears
    sig = (st.st_ino, st.st_mtime_ns)
    hit = _folders.get(key)
    if hit is not None and hit[0] == sig:
        found: list[T] = hit[1]
        return found, sig
    out: list[T] = []
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".json") and not entry.startswith("."):
            got = read_derived(folder / entry, name, functools.partial(derive, entry[:-5]))
            if got:
                out += got
    if time.time_ns() - st.st_mtime_ns > RACY_NS:
        _folders[key] = (sig, out)
        return out, sig
    return out, None


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write(path: Path, data: Any, *, sync_folder: bool = True, tmp_dir: Path | None = None) -> None:
    """Replace the file atomically with readable UTF-8 JSON; OSError becomes DocError.

    `data` is kept as the parsed file under the written file's own signature, so the next
    read in this process costs no parse; from then on it is shared and must not change.
    """
    payload = dumps(data)
    _cache.drop(str(path))
    try:
        st = write_atomic(path, payload, sync_folder=sync_folder, tmp_dir=tmp_dir)
    except OSError as exc:
        raise DocError(f"cannot write {path}: {exc.strerror or exc}", path,
                       exc.strerror or str(exc)) from exc
    _cache.put(str(path), _Entry((st.st_ino, st.st_mtime_ns, st.st_size), data, len(payload)))


def remove(path: Path) -> None:
    _cache.drop(str(path))
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise DocError(f"cannot remove {path}: {exc.strerror}", path, exc.strerror or str(exc)) from exc


class Prepared:
    """A file's new version written beside it (a temp file, fsynced), not yet in its place."""

    __slots__ = ("data", "path", "sig", "size", "tmp")

    def __init__(self, path: Path, tmp: Path, sig: Sig, data: Any, size: int) -> None:
        self.path, self.tmp, self.sig, self.data, self.size = path, tmp, sig, data, size


def prepare(path: Path, data: Any, tmp: Path) -> Prepared:
    """The first half of `write`: the new version in the temp file `tmp` (on the same file
    system, not there yet); OSError becomes DocError."""
    payload = dumps(data)
    try:
        try:
            made, st = write_temp(path, payload, tmp_dir=tmp.parent, name=tmp.name)
        except FileNotFoundError:
            tmp.parent.mkdir(parents=True, exist_ok=True)
            made, st = write_temp(path, payload, tmp_dir=tmp.parent, name=tmp.name)
    except OSError as exc:
        raise DocError(f"cannot write {path}: {exc.strerror or exc}", path,
                       exc.strerror or str(exc)) from exc
    return Prepared(path, made, (st.st_ino, st.st_mtime_ns, st.st_size), data, len(payload))


def commit(p: Prepared) -> None:
    """The second half: the prepared file renamed over the old one (the folder not yet synced)."""
    _cache.drop(str(p.path))
    try:
        move_into_place(p.tmp, p.path)
    except OSError as exc:
        raise DocError(f"cannot write {p.path}: {exc.strerror or exc}", p.path,
                       exc.strerror or str(exc)) from exc
    _cache.put(str(p.path), _Entry(p.sig, p.data, p.size))


def discard(p: Prepared) -> None:
    p.tmp.unlink(missing_ok=True)


def forget(path: Path) -> None:
    """Drop what this process has parsed of a file changed behind the cache's back."""
    _cache.drop(str(path))
