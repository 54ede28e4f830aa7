"""Intent records: an action that changes several files of a data folder is one durable step.

The action first writes a journal that names every file it will change, the temp file each
new version will be written to, and every file to remove ("prepare"); then it writes the temp
files (fsynced), marks the journal "commit" (one atomic replace), renames and removes, and
removes the journal last. A crash before the mark leaves the old state: the journal is rolled
back (its temp files removed). A crash after it leaves the new state half done: the journal is
rolled forward (the temp files still there renamed, what is to go removed; doing it twice does
no harm). Either happens before anyone changes those files again: by the next writer of any of
them, and by every start.

A journal is named by its writer (machine and process id); the writer holds the locks of all its files
from before the journal is written until after it is removed, so whoever holds the lock of
one of its files while it still exists knows its writer is gone.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from audit.core.errors import StoreDamaged
from audit.core.files import TEMP_DIR, fsync_folder, move_into_place, write_atomic, writer_tag
from audit.store.folder import docs

JOURNAL_DIR = ".journal"


def folder(root: Path) -> Path:
    return root / JOURNAL_DIR


def begin(root: Path, ops: Sequence[tuple[Path, Path | None]]) -> Path:
    """The intent record of one action: (target, the temp file of its new version, or None
    to remove it), marked "prepare" until `commit`."""
    where = folder(root)
    path = where / f"{writer_tag()}-{uuid.uuid4().hex}.json"
    _write(root, path, "prepare", ops)
    return path


def commit(root: Path, path: Path, ops: Sequence[tuple[Path, Path | None]]) -> None:
    """Every temp file is written: from now on the action is done, whatever happens."""
    _write(root, path, "commit", ops)


def _write(root: Path, path: Path, state: str, ops: Sequence[tuple[Path, Path | None]]) -> None:
    doc = {
        "state": state,
        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "ops": [[str(target.relative_to(root)), None if tmp is None else str(tmp.relative_to(root))]
                for target, tmp in ops],
    }
    # the file and its folder fsynced
    write_atomic(path, json.dumps(doc, ensure_ascii=False).encode("utf-8"),
                 tmp_dir=root / TEMP_DIR)


def finish(path: Path) -> None:
    """The action is complete: its journal goes, durably (a journal that came back after a
    power cut would put old versions over later changes)."""
    path.unlink(missing_ok=True)
    fsync_folder(path.parent)


def pending(root: Path) -> list[Path]:
    """The journals in the folder, oldest first (their writers may still be at work)."""
    try:
        names = os.listdir(folder(root))
    except FileNotFoundError:
        return []
    found = [folder(root) / n for n in names if n.endswith(".json") and not n.startswith(".")]
    return sorted(found, key=_mtime)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def _read(root: Path, path: Path) -> tuple[str, list[tuple[Path, Path | None]]] | None:
    """(state, [(target, temp file or None)]) of a journal; None when it is gone already."""
    try:
        doc = json.loads(path.read_bytes())
        ops = [(root / target, None if tmp is None else root / tmp) for target, tmp in doc["ops"]]
        state = str(doc["state"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # written atomically, so this is damage from outside the app
        raise StoreDamaged(
            f"{path} is an interrupted change the app cannot read ({exc}). Stop the app, "
            "restore the data folder from a backup, or remove the file and run "
            "`audit check --repair`.", path=str(path)) from exc
    inside = root.resolve()
    for target, tmp in ops:
        if not all(p.resolve().is_relative_to(inside) for p in (target, tmp) if p is not None):
            raise StoreDamaged(f"{path} names a file outside the data folder", path=str(path))
    return state, ops


def targets(root: Path, path: Path) -> list[Path]:
    """The files a journal changes (none when it has just been finished)."""
    found = _read(root, path)
    return [target for target, _ in found[1]] if found else []


def temp_files(root: Path, path: Path) -> list[Path]:
    found = _read(root, path)
    return [tmp for _, tmp in found[1] if tmp is not None] if found else []


def settle(root: Path, path: Path) -> str | None:
    """Finish what a journal records, the caller holding the locks of all its files: "forward"
    (committed: renames and removals done again), "back" (not committed: its temp files
    removed, the old state stands), or None when the journal was gone."""
    found = _read(root, path)
    if found is None:
        return None
    state, ops = found
    if state != "commit":
        for _, tmp in ops:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        finish(path)
        return "back"
    folders: set[Path] = set()
    for target, tmp in ops:
        docs.forget(target)
        if tmp is None:
            target.unlink(missing_ok=True)
        elif tmp.exists():
            move_into_place(tmp, target)
        folders.add(target.parent)
    for where in folders:
        fsync_folder(where)
    finish(path)
    return "forward"
