"""The folder store's integrity scan (`audit check`): every derived file against the audit files.

The audit files are the truth. Each one should have its summary row in the shard of its
location and visit month, with the same state; every row should have its file; the people's
indexes, their drafts, the network's latest rows, the rollups and the photo hashes should be
what the rows make of them (built again here in memory, the way the actions build them);
no writer's temp file or rebuild folder should be left behind, and every photo an audit names
should be in the photo store.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from audit.core.errors import StoreError
from audit.core.files import is_leftover
from audit.model import AuditHeader, SummaryRow
from audit.store.folder import journal
from audit.store.folder.locks import LOCK_DIR
from audit.store.folder.tx import DERIVED, Tx, header_month, list_row, read_doc, row_month
from audit.store.integrity import Finding, IntegrityScan, state_mismatch, unheld_photos

STAGES = (".rebuild", ".rebuild-old", ".migrate", ".migrate-old")


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root))


def leftovers(store: Any) -> list[Finding]:
    """Temp files of writers that are gone, and folders of rebuilds that did not finish."""
    found = [Finding("stage_folder", _rel(store.root, store.root / name))
             for name in STAGES if (store.root / name).exists()]
    live = {tmp for record in journal.pending(store.root)
            for tmp in journal.temp_files(store.root, record)}
    now = time.time()
    for folder, dirs, files in os.walk(store.root):
        if Path(folder) == store.root:
            dirs[:] = [d for d in dirs if d not in (LOCK_DIR, *STAGES)]
        for name in files:
            path = Path(folder) / name
            if name.endswith(".tmp") and path not in live and is_leftover(path, now):
                found.append(Finding("temp_file", _rel(store.root, path)))
    return found


def quick_scan(store: Any) -> list[Finding]:
    """The part the app runs at start: the network's latest rows against their audit files
    (under the lock every submit, reopen and publish takes on that file), and the writers'
    leftovers in the journal's folder."""
    found: list[Finding] = []
    recent = store._recent_path()
    with store.locks.hold([recent]):
        for row in read_doc(recent) or []:
            audit_id = str(row.get("audit_id", ""))
            try:
                header = store.get_header(audit_id)
            except StoreError as err:
                found.append(Finding("unreadable", audit_id, str(err), repairable=False))
                continue
            if header is None:
                found.append(Finding("row_without_file", audit_id, _rel(store.root, recent)))
            elif (header.status, header.published) != ("submitted", bool(row.get("published"))):
                found.append(state_mismatch(audit_id, header.status, header.published,
                                            "submitted", bool(row.get("published"))))
    return found


def _rows(store: Any) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    folder = store.root / "rows"
    if not folder.exists():
        return
    for loc in sorted(os.listdir(folder)):
        if not (folder / loc).is_dir():
            continue
        for name in sorted(os.listdir(folder / loc)):
            if name.endswith(".json") and not name.startswith("."):
                path = folder / loc / name
                for audit_id, row in (read_doc(path) or {}).items():
                    yield path, audit_id, row


def full(store: Any) -> list[Finding]:
    """Everything; the caller holds the folder exclusively (writers wait)."""
    found = leftovers(store)
    headers: dict[str, AuditHeader] = {}
    photos: dict[str, list[tuple[str, str]]] = {}
    files = store.photo_files()
    for audit_id in sorted(store.audit_ids()):
        try:
            audit = store.get_audit(audit_id)
        except (StoreError, ValueError, KeyError, TypeError) as err:
            found.append(Finding("unreadable", _rel(store.root, store._audit_path(audit_id)),
                                 str(err), repairable=False))
            continue
        if audit is None:
            continue
        headers[audit_id] = audit.header
        photos[audit_id] = [(p.sha256, p.phash) for p in audit.photos.values()]
        for p in audit.photos.values():
            if not files.exists(p.sha256):
                found.append(Finding("photo_missing", audit_id, p.sha256, repairable=False))
    rows: dict[str, SummaryRow] = {}
    for path, audit_id, d in _rows(store):
        header = headers.get(audit_id)
        if header is None:
            found.append(Finding("row_without_file", audit_id, _rel(store.root, path)))
            continue
        row = SummaryRow.from_dict(d)
        if path != store._rows_path(header.location_id, header_month(header)):
            found.append(Finding("state_mismatch", audit_id,
                                 f"its row is in {_rel(store.root, path)}, its visit elsewhere"))
        elif row.status != header.status or row.published != header.published:
            found.append(state_mismatch(audit_id, header.status, header.published, row.status,
                                        row.published))
        rows[audit_id] = row
    found += [Finding("file_without_row", audit_id) for audit_id in sorted(headers)
              if audit_id not in rows]
    found += _derived(store, rows, photos)
    return found + answer_photos(store, photos)


def _derived(store: Any, rows: dict[str, SummaryRow],
             photos: dict[str, list[tuple[str, str]]]) -> list[Finding]:
    """Indexes, drafts, latest rows, rollups and hashes as the rows make them, against the files."""
    # the same layout over a folder that holds nothing: what the actions would build
    blank = type(store)._staging(store.root / ".check-nothing-here", store.locks)
    tx = Tx(blank, [], locked=False)
    for audit_id in sorted(rows):
        row = rows[audit_id]
        blank._place_row(tx, None, row)
        # the rows were compared with the files above: their shard is not kept
        tx.pending.pop(blank._rows_path(row.location_id, row_month(row)), None)
    expected = {_rel(blank.root, p): d for p, d in tx.pending.items()}
    found: list[Finding] = []
    recent = _rel(store.root, store._recent_path())
    expected.pop(recent, None)  # fewer than its 100 after a reopen is right: compared row by row
    for r in read_doc(store._recent_path()) or []:
        now = rows.get(str(r.get("audit_id", "")))
        if now is None or now.status != "submitted" or not _same(r, list_row(now.to_dict())):
            found.append(Finding("derived_differs", recent, str(r.get("audit_id", ""))))
            break
    for folder in DERIVED:
        if folder in ("rows", "hashes"):
            continue
        for path in _files(store.root / folder):
            rel = _rel(store.root, path)
            if rel == recent:
                continue
            want = expected.pop(rel, None)
            have = read_doc(path)
            if not _same(have or {}, want or {}):
                found.append(Finding("derived_differs", rel))
    found += [Finding("derived_differs", rel, "missing") for rel, d in sorted(expected.items()) if d]
    return found + _hashes(store, rows, photos)


def _hashes(store: Any, rows: dict[str, SummaryRow],
            photos: dict[str, list[tuple[str, str]]]) -> list[Finding]:
    """Photo hashes: every submitted audit's photos indexed, and nothing indexed that no audit
    has (a reopened draft's stay until it is submitted again or deleted, as the actions do)."""
    def entries(audit_id: str, sha256: str, phash: str) -> Iterator[tuple[str, str, str, str]]:
        if len(sha256) == 64:
            yield _rel(store.root, store._sha_path(sha256)), audit_id, sha256, ""
        for path in store._near_paths(phash):
            yield _rel(store.root, path), audit_id, sha256, phash

    allowed = {e for audit_id, refs in photos.items() for sha, ph in refs
               for e in entries(audit_id, sha, ph)}
    required = {e for audit_id, refs in photos.items()
                if audit_id in rows and rows[audit_id].status == "submitted"
                for sha, ph in refs for e in entries(audit_id, sha, ph)}
    live: set[tuple[str, str, str, str]] = set()
    for path in _files(store.root / "hashes" / "sha"):
        for sha256, ids in (read_doc(path) or {}).items():
            live |= {(_rel(store.root, path), str(i), sha256, "") for i in ids}
    for path in _files(store.root / "hashes" / "near"):
        for audit_id, pairs in (read_doc(path) or {}).items():
            live |= {(_rel(store.root, path), audit_id, str(sha), str(ph)) for sha, ph in pairs}
    wrong = {e[0] for e in live - allowed} | {e[0] for e in required - live}
    return [Finding("derived_differs", rel) for rel in sorted(wrong)]


def _files(folder: Path) -> Iterator[Path]:
    for where, _, names in os.walk(folder):
        for name in sorted(names):
            if name.endswith(".json") and not name.startswith("."):
                yield Path(where) / name


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON, sums allowed the rounding of adding and taking away in another order."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not (
            isinstance(a, bool) or isinstance(b, bool)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return bool(a == b)


def remove_leftovers(store: Any, found: list[Finding]) -> int:
    """Remove the temp files and stage folders listed; how many went."""
    n = 0
    for f in found:
        path = store.root / f.where
        if f.kind == "temp_file":
            path.unlink(missing_ok=True)
            n += 1
        elif f.kind == "stage_folder":
            shutil.rmtree(path, ignore_errors=True)
            n += 1
    return n


class FolderIntegrity:
    """The folder store's own scan (TinyStore inherits it): interrupted changes finished and dead
    writers' temp files removed first, then the findings; a full scan holds writers off."""

    def integrity_scan(self, *, quick: bool = False) -> IntegrityScan:
        store: Any = self
        finished = store.finished_at_start + store.finish_journals()
        removed = store.temps_removed_at_start + store.remove_leftovers()
        if quick:
            found = quick_scan(store)
        else:
            with store.locks.exclusive():
                found = full(store)
        found += people_lost(store)
        return IntegrityScan(found, finished=finished, removed=removed)

    def clear_leftovers(self, found: list[Finding]) -> int:
        """Remove the temp files and stage folders among the findings; how many went."""
        return remove_leftovers(self, found)


def people_lost(store: Any) -> list[Finding]:
    """people.json empty, gone or not what the app writes, in a store whose marker says it has
    had people (quick and full): sign-in stays refused until it is restored."""
    path = store.root / "people.json"
    try:
        people = read_doc(path)
    except StoreError as err:
        return [Finding("people_lost", _rel(store.root, path), str(err), repairable=False)]
    if isinstance(people, dict) and people:
        return []
    if people in (None, {}) and not store.has_had_people():
        return []  # a store nobody has been added to yet
    what = "missing" if people is None else "empty" if people == {} else "not a JSON object"
    return [Finding("people_lost", _rel(store.root, path), what, repairable=False)]


def answer_photos(store: Any, photos: dict[str, list[tuple[str, str]]]) -> list[Finding]:
    """Answers naming a photo their audit holds no record of (missing, or another audit's);
    `photos` is full()'s audit id → its photo records (sha256, phash)."""
    holders: dict[str, set[str]] = {}
    for audit_id, refs in photos.items():
        for sha, _ in refs:
            holders.setdefault(sha, set()).add(audit_id)
    found: list[Finding] = []
    for audit_id in sorted(photos):
        try:
            audit = store.get_audit(audit_id)
        except (StoreError, ValueError, KeyError, TypeError):
            continue  # reported as unreadable already
        if audit is not None:
            named = [(a.key, sha) for a in audit.answers.values() for sha in a.photos]
            found += unheld_photos(audit_id, named, holders)
    return found
