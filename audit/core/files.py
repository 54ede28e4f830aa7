"""Durable file writes: a temp file beside the target, fsync, rename over it, fsync the folder."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import tempfile
import time
from pathlib import Path

TEMP_DIR = ".tmp"  # a store's temp files, in one folder: the start's clean-up reads only it
OLD_TEMP_S = 600  # a temp file of another machine's writer, untouched this long, is a leftover
TEMP_RE = re.compile(r"\.(?P<host>[A-Za-z0-9]*)~(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")
_HOST = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:24]


def writer_tag() -> str:
    """Who writes a temp file: this machine and process (a data folder may be shared)."""
    return f"{_HOST}~{os.getpid()}"


def write_temp(path: Path, data: bytes, *, tmp_dir: Path | None = None,
               name: str | None = None) -> tuple[Path, os.stat_result]:
    """`data` in a new temp file, fsynced, ready to be renamed over `path`: beside it, or in
    `tmp_dir` (same file system), under `name` or a fresh one. The name carries the writer's
    tag, so a clean-up can tell a dead writer's leftover from a live one's. Nothing is left
    on failure."""
    folder = tmp_dir or path.parent
    if name is None:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.{writer_tag()}-",
                                   suffix=".tmp")
    else:
        tmp = str(folder / name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            written = os.fstat(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp), written


def write_atomic(path: Path, data: bytes, *, sync_folder: bool = True,
                 tmp_dir: Path | None = None) -> os.stat_result:
    """Replace `path` with `data` so that a crash at any moment leaves the old or the new file.

    Returns the new file's stat as written (its inode, mtime and size stay the same after the
    rename), so a reader can tell this version from a later one. Raises OSError (a full disk,
    a read-only folder) with nothing changed; the temp file is removed. With sync_folder=False
    the caller fsyncs the folder once after several writes.
    """
    try:
        tmp, written = write_temp(path, data, tmp_dir=tmp_dir)
    except FileNotFoundError:
        for folder in (path.parent, tmp_dir):
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
        tmp, written = write_temp(path, data, tmp_dir=tmp_dir)
    try:
        move_into_place(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_folder:
        fsync_folder(path.parent)
    return written


def move_into_place(tmp: Path, path: Path) -> None:
    """Rename a written temp file over `path`, making `path`'s folder when it is not there."""
    try:
        os.replace(tmp, path)
    except FileNotFoundError:
        if not tmp.exists():
            raise
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, path)


def writer_alive(pid: int) -> bool:
    """Whether the process that named a temp file may still be writing it."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_leftover(path: Path, now: float) -> bool:
    """A temp file whose writer is gone: of this machine and a process that no longer runs, or
    of another machine (or an older version) and untouched for OLD_TEMP_S."""
    m = TEMP_RE.search(path.name)
    if m and m["host"] == _HOST:
        return not writer_alive(int(m["pid"]))
    try:
        return now - path.stat().st_mtime > OLD_TEMP_S
    except FileNotFoundError:
        return False


def remove_leftovers(folder: Path) -> int:
    """Remove the leftover temp files directly in `folder`; how many went."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return 0
    now, n = time.time(), 0
    for name in names:
        path = folder / name
        if name.endswith(".tmp") and is_leftover(path, now):
            path.unlink(missing_ok=True)
            n += 1
    return n


def fsync_folder(folder: Path) -> None:
    """Make the renames in `folder` durable; Windows cannot open a folder, and needs not."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
