"""Durable file writes: a temp file beside the target, fsync, rename over it, fsync the folder."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, sync_folder: bool = True) -> os.stat_result:
    """Replace `path` with `data` so that a crash at any moment leaves the old or the new file.

    Returns the new file's stat as written (its inode, mtime and size stay the same after the
    rename), so a reader can tell this version from a later one. Raises OSError (a full disk,
    a read-only folder) with nothing changed; the temp file is removed. With sync_folder=False
    the caller fsyncs the folder once after several writes.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            written = os.fstat(f.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync_folder:
        fsync_folder(path.parent)
    return written


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
