"""Locks on a data folder that hold across threads and processes (the app, a second app, the CLI).

Every data file belongs to one of STRIPES lock files in `.locks/`, chosen by a hash of its path
inside the folder; two files may share a lock, a file never has two. A writer takes the locks
of every file it will change at once, in ascending order, so two writers never wait on each
other in a circle. Each lock is a `threading.RLock` inside the process (re-entrant per thread)
plus `fcntl.flock` on its lock file across processes, taken when the process's first holder
enters and dropped when its last leaves. Readers take no lock: files are replaced atomically.

Above the stripes sits one folder lock: writers hold it shared, `audit reindex` and
`audit migrate` exclusive, so a rebuild never interleaves with a submit.
"""

from __future__ import annotations

import contextlib
import os
import threading
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: locks hold within one process only
    fcntl = None  # type: ignore[assignment]

STRIPES = 1024
LOCK_DIR = ".locks"


class LockOrderError(RuntimeError):
    """A thread asked for a lock below one it holds: the code must take them all at once."""


def _flock(fd: int, how: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, how)


_SH = fcntl.LOCK_SH if fcntl is not None else 0
_EX = fcntl.LOCK_EX if fcntl is not None else 0
_UN = fcntl.LOCK_UN if fcntl is not None else 0


def _open_locked(path: Path, how: int) -> int:
    """A descriptor of the lock file holding the lock `how`; waits for it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _flock(fd, how)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _unlock(fd: int) -> None:
    try:
        _flock(fd, _UN)
    finally:
        os.close(fd)


class _Stripe:
    def __init__(self, path: Path, number: int) -> None:
        self.path = path
        self.number = number
        self.rlock = threading.RLock()
        self.depth = 0  # changed only by the thread that holds rlock
        self.fd = -1

    def acquire(self) -> None:
        self.rlock.acquire()
        if self.depth == 0:
            try:
                self.fd = _open_locked(self.path, _EX)
            except BaseException:
                self.rlock.release()
                raise
        self.depth += 1

    def release(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            fd, self.fd = self.fd, -1
            _unlock(fd)
        self.rlock.release()


class _FolderLock:
    """Shared for writers, exclusive for rebuilds; re-entrant for the exclusive holder's thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cond = threading.Condition()
        self.readers = 0
        self.writer: int | None = None  # thread id of the exclusive holder
        self.writer_depth = 0
        self.fd = -1

    def _close(self) -> None:
        fd, self.fd = self.fd, -1
        _unlock(fd)

    def acquire_shared(self) -> bool:
        """True if taken; False when this thread already holds it exclusively (nothing to undo)."""
        me = threading.get_ident()
        with self.cond:
            if self.writer == me:
                return False
            while self.writer is not None:
                self.cond.wait()
            if self.readers == 0:
                # the first holder in this process takes the lock across processes; the others
                # wait on `cond` meanwhile, as they would have to anyway
                self.fd = _open_locked(self.path, _SH)
            self.readers += 1
            return True

    def release_shared(self) -> None:
        with self.cond:
            self.readers -= 1
            if self.readers == 0:
                self._close()
                self.cond.notify_all()

    def acquire_exclusive(self) -> None:
        me = threading.get_ident()
        with self.cond:
            if self.writer == me:
                self.writer_depth += 1
                return
            while self.writer is not None or self.readers:
                self.cond.wait()
            self.fd = _open_locked(self.path, _EX)
            self.writer, self.writer_depth = me, 1

    def release_exclusive(self) -> None:
        with self.cond:
            self.writer_depth -= 1
            if self.writer_depth == 0:
                self._close()
                self.writer = None
                self.cond.notify_all()


_registry_guard = threading.Lock()
_stripes: dict[str, list[_Stripe]] = {}
_folders: dict[str, _FolderLock] = {}
_held = threading.local()  # this thread's held stripe numbers per folder: {key: [numbers]}


class FolderLocks:
    """The locks of one data folder; every FolderLocks on the same folder shares them."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.dir = self.root / LOCK_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.key = str(self.dir.resolve())
        with _registry_guard:
            if self.key not in _stripes:
                _stripes[self.key] = [_Stripe(self.dir / f"{n:04d}", n) for n in range(STRIPES)]
                _folders[self.key] = _FolderLock(self.dir / "folder")
            self._stripes = _stripes[self.key]
            self._folder = _folders[self.key]

    def stripe_of(self, path: Path) -> int:
        rel = os.path.relpath(path, self.root)
        return zlib.crc32(rel.encode("utf-8")) % STRIPES

    def _held_numbers(self) -> list[int]:
        per_folder: dict[str, list[int]] | None = getattr(_held, "numbers", None)
        if per_folder is None:
            per_folder = _held.numbers = {}
        return per_folder.setdefault(self.key, [])

    @contextlib.contextmanager
    def hold(self, paths: Iterable[Path]) -> Iterator[None]:
        """Lock these files for writing (and the folder, shared) until the block ends."""
        numbers = sorted({self.stripe_of(p) for p in paths})
        held = self._held_numbers()
        new = [n for n in numbers if n not in held]
        if new and held and new[0] < max(held):
            raise LockOrderError(f"lock {new[0]} asked for while holding {max(held)}; "
                                 "take every file's lock in one hold()")
        shared = self._folder.acquire_shared()
        taken: list[_Stripe] = []
        try:
            for n in numbers:
                stripe = self._stripes[n]
                stripe.acquire()
                taken.append(stripe)
                held.append(n)
            yield
        finally:
            for stripe in reversed(taken):
                held.remove(stripe.number)
                stripe.release()
            if shared:
                self._folder.release_shared()

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        """The folder held as every writer holds it: writers go on, no rebuild swaps folders
        until the block ends (the full integrity scan reads under it)."""
        shared = self._folder.acquire_shared()
        try:
            yield
        finally:
            if shared:
                self._folder.release_shared()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """The whole folder to this thread: no other writer, in any process, until the block ends."""
        self._folder.acquire_exclusive()
        try:
            yield
        finally:
            self._folder.release_exclusive()
