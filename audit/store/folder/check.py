"""The folder store's integrity scan (`audit check`): every derived file against the audit files.

The audit files are the truth. Each one should have its summary row in the shard of its
location and visit month, with the same state; every row should be whole and have its file;
the people's indexes, their drafts, the network's latest rows, the rollups and the photo
hashes should be what the rows make of them (built again here, month by month, the way the
actions build them); no writer's temp file or rebuild folder should be left behind, and every
photo an audit names should be in the photo store.

The full scan holds no writer off. Every file is replaced whole, never written in place, so a
file read once is one version of it; but an action changes several files one after another,
so two files read a moment apart may disagree while it runs. What looks wrong is therefore
looked at again under the lock of the files it concerns (the audit's file for what belongs to
one audit, the derived file for an index, rollup or hash shard), which every action changing
them holds from before its first write to after its last: what is still wrong then is
reported, what a writer was in the middle of is not. The scan keeps a few fields of each audit,
one month of rows and one part of the photo hashes at a time, not the archive.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.core.errors import NotFound, StoreError
from audit.core.files import TEMP_RE, is_leftover
from audit.model import SummaryRow
from audit.photos.hashing import hash_pieces
from audit.store.folder import journal
from audit.store.folder.locks import LOCK_DIR
from audit.store.folder.tx import Tx, header_month, list_row, read_doc
from audit.store.integrity import Finding, IntegrityScan, row_problem, state_mismatch, unheld_photos

STAGES = (".rebuild", ".rebuild-old", ".migrate", ".migrate-old")
DAMAGED = (KeyError, TypeError, ValueError, AttributeError)  # what a hand-edited file raises
HASH_PART = 300_000  # photo hash entries compared at a time (memory stays flat)
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root))


def _left(path: Path, now: float) -> bool:
    """A temp file no writer is at: its writer is gone (or, on another machine, has not
    touched it for long), or it has no writer's tag at all (this version's writers tag each)."""
    return TEMP_RE.search(path.name) is None or is_leftover(path, now)


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
            if name.endswith(".tmp") and path not in live and _left(path, now):
                found.append(Finding("temp_file", _rel(store.root, path)))
    return found


def quick_scan(store: Any) -> list[Finding]:
    """The part the app runs at start: the network's latest rows against their audit files
    (under the lock every submit, reopen and publish takes on that file), and the writers'
    leftovers in the journal's folder."""
    found: list[Finding] = []
    recent = store._recent_path()
    with store.locks.hold([recent]):
        try:
            rows = read_doc(recent) or []
        except StoreError as err:
            return [Finding("unreadable_file", _rel(store.root, recent), str(err))]
        for row in rows if isinstance(rows, list) else [rows]:
            if not isinstance(row, dict) or not isinstance(row.get("audit_id"), str):
                found.append(Finding("derived_differs", _rel(store.root, recent), repr(row)[:80]))
                continue
            audit_id = row["audit_id"]
            try:
                header = store.get_header(audit_id)
            except (StoreError, *DAMAGED) as err:
                found.append(Finding("unreadable", audit_id, str(err), repairable=False))
                continue
            if header is None:
                found.append(Finding("row_without_file", audit_id, _rel(store.root, recent)))
            elif (header.status, header.published) != ("submitted", bool(row.get("published"))):
                found.append(state_mismatch(audit_id, header.status, header.published,
                                            "submitted", bool(row.get("published"))))
    return found


def _load(path: Path) -> Any | None:
    """A file as one version of it (files are replaced whole), read past the shared parse
    cache so that a scan of every file does not push out what the app is using; None when
    there is none. StoreError when it cannot be read or is not JSON."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}", path=str(path),
                         reason=exc.strerror or str(exc)) from exc
    try:
        return json.loads(raw)
    except ValueError as exc:  # UnicodeDecodeError is one
        raise StoreError(f"{path} is not valid JSON ({exc})", path=str(path),
                         reason=str(exc)) from exc


def _month_key(rel: str) -> str | None:
    """The month a derived file belongs to, or None for those of every month (drafts, latest)."""
    parts = Path(rel).parts
    if parts[0] == "rollups" and len(parts) > 2:
        return parts[1]
    if parts[:2] == ("index", "people") and len(parts) == 4 and _MONTH.match(parts[3][:-5]):
        return parts[3][:-5]
    return None


@dataclass(slots=True)
class _Info:
    """What the scan keeps of one audit file."""

    status: str
    published: bool
    shard: Path  # where its row belongs
    photos: tuple[tuple[str, str], ...]  # (sha256, phash)
    has_row: bool = False


class _Scan:
    """One full scan: a pass over every file without locks, then each suspect looked at again
    under its files' locks (`confirmed`)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.root: Path = store.root
        self.cut = len(str(self.root / "x")) - 1  # str(path)[cut:] is a path inside the folder
        self.files = store.photo_files()
        # the same layout over a folder that holds nothing: what the actions would build
        self.blank = type(store)._staging(self.root / ".check-nothing-here", store.locks)
        self.infos: dict[str, _Info] = {}
        self.unreadable: set[str] = set()
        self.shard_of: dict[Path, Path] = {}  # one Path object per shard, shared by its audits
        self.drafts: dict[str, dict[str, Any]] = {}  # what each person's drafts file should be
        self.sure: list[Finding] = []  # needing no second look (leftovers, unreadable files)
        self.audits: dict[str, set[Path]] = {}  # suspect audits: the shards their rows were in
        self.shard_keys: dict[Path, set[str]] = {}  # damaged rows under keys no audit can have
        self.derived: dict[str | None, set[str]] = {}  # suspect derived files by month
        self.recent = False
        self.hashes: set[str] = set()
        self.unheld: dict[str, list[tuple[str, str]]] = {}  # answers naming photos not held

    # -- one audit -------------------------------------------------------------------------

    def audit(self, audit_id: str) -> tuple[_Info | None, list[Finding]]:
        """The audit file read once: what to keep of it, and what is wrong with it alone."""
        try:
            path = self.store._audit_path(audit_id)
        except NotFound:
            return None, []  # not a name the app gives: no audit of its own
        try:
            doc = _load(path)
            if doc is not None and not isinstance(doc, dict):
                raise TypeError(f"not an object but {type(doc).__name__}")
            audit = self.store.audit_of(doc)
            if audit is None:
                return None, []
            h = audit.header
            shard = self.store._rows_path(h.location_id, header_month(h))
            photos = tuple((p.sha256, p.phash) for p in audit.photos.values())
            unheld = [(a.key, sha) for a in audit.answers.values() for sha in a.photos
                      if sha not in audit.photos]
        except (StoreError, *DAMAGED) as err:
            return None, [Finding("unreadable", _rel(self.root, path), str(err),
                                  repairable=False)]
        info = _Info(h.status, bool(h.published), self.shard_of.setdefault(shard, shard), photos)
        if unheld:
            self.unheld[audit_id] = unheld
        return info, [Finding("photo_missing", audit_id, sha, repairable=False)
                      for sha, _ in photos if not self.files.exists(sha)]

    def row(self, path: Path, key: str, d: Any) -> tuple[SummaryRow | None, list[Finding]]:
        """One row against its audit (as the pass read it): the row, if whole, and what is wrong."""
        rel = _rel(self.root, path)
        problem = row_problem(key, d)
        if problem is not None:
            return None, [Finding("damaged_row", key, f"{rel}: {problem}")]
        row = SummaryRow.from_dict(d)
        info = self.infos.get(key)
        if info is None:
            return row, [] if key in self.unreadable else [Finding("row_without_file", key, rel)]
        if path != info.shard:
            return row, [Finding("state_mismatch", key,
                                 f"its row is in {rel}, its visit elsewhere")]
        if row.status != info.status or row.published != info.published:
            return row, [state_mismatch(key, info.status, info.published, row.status,
                                        row.published)]
        return row, []

    def suspect_row(self, path: Path, key: str) -> None:
        try:
            self.store._audit_path(key)
        except NotFound:
            self.shard_keys.setdefault(path, set()).add(key)
            return
        self.audits.setdefault(key, set()).add(path)

    # -- the pass ----------------------------------------------------------------------------

    def run(self) -> None:
        self.sure += leftovers(self.store)
        for audit_id in sorted(self.store.audit_ids()):
            info, found = self.audit(audit_id)
            if info is not None:
                self.infos[audit_id] = info
            elif found:
                self.unreadable.add(audit_id)
            if found:
                self.audits.setdefault(audit_id, set())
        derived = self.derived_files()
        shards = self.shards()
        for month in sorted(set(shards) | {m for m in derived if m is not None}):
            expected = self.expected(month, self.month_rows(shards.get(month, []), pass_=True))
            self.compare(month, derived.get(month, []), expected)
        self.audits.update({audit_id: set() for audit_id, info in self.infos.items()
                            if not info.has_row and audit_id not in self.audits})
        recent = self.store._recent_path()
        self.compare(None, [p for p in derived.get(None, []) if p != recent], self.drafts)
        self.recent = self.recent_differs() is not None
        self.hashes = self.hashes_differ()
        self.sure += self.unheld_photos()

    def unheld_photos(self) -> list[Finding]:
        """Answers naming a photo their audit holds no record of: one it never received, or
        another audit's (no writer makes either: the app refuses such a name)."""
        wanted = {sha for pairs in self.unheld.values() for _, sha in pairs}
        holders: dict[str, set[str]] = {}
        if wanted:
            for audit_id, info in self.infos.items():
                for sha, _ in info.photos:
                    if sha in wanted:
                        holders.setdefault(sha, set()).add(audit_id)
        return [f for audit_id in sorted(self.unheld)
                for f in unheld_photos(audit_id, self.unheld[audit_id], holders)]

    def shards(self) -> dict[str, list[Path]]:
        """Every rows shard, by month."""
        out: dict[str, list[Path]] = {}
        folder = self.root / "rows"
        if not folder.exists():
            return out
        for loc in sorted(os.listdir(folder)):
            if (folder / loc).is_dir():
                for name in sorted(os.listdir(folder / loc)):
                    if name.endswith(".json") and not name.startswith("."):
                        out.setdefault(name[:-5], []).append(folder / loc / name)
        return out

    def derived_files(self) -> dict[str | None, list[Path]]:
        """The index and rollup files, by the month they belong to."""
        out: dict[str | None, list[Path]] = {}
        for folder in ("index", "rollups"):
            for path in _files(self.root / folder):
                out.setdefault(_month_key(_rel(self.root, path)), []).append(path)
        return out

    def month_rows(self, paths: list[Path], *, pass_: bool) -> list[SummaryRow]:
        """The whole rows of these shards; in the pass, each judged against its audit."""
        rows: list[SummaryRow] = []
        for path in paths:
            try:
                shard = _load(path)
                if shard is not None and not isinstance(shard, dict):
                    raise StoreError(f"not an object but {type(shard).__name__}")
            except StoreError as err:
                if pass_:
                    self.sure.append(Finding("unreadable_file", _rel(self.root, path), str(err)))
                continue
            for key, d in (shard or {}).items():
                if pass_:
                    row, found = self.row(path, key, d)
                    if key in self.infos:
                        self.infos[key].has_row = True
                    if found:
                        self.suspect_row(path, key)
                elif row_problem(key, d) is None:
                    row = SummaryRow.from_dict(d)
                else:
                    row = None
                if row is not None:
                    rows.append(row)
        return rows

    def expected(self, month: str | None, rows: list[SummaryRow]) -> dict[str, Any]:
        """The derived files of `month` as these rows (the month's) make them; what they put
        in the people's drafts files is added to `self.drafts`."""
        blank = self.blank
        tx = Tx(blank, [], locked=False)
        for row in sorted(rows, key=lambda r: r.audit_id):
            try:
                blank._place_row(tx, None, row)
            except DAMAGED as err:  # a value no action writes, in a row otherwise whole
                self.sure.append(Finding("damaged_row", row.audit_id, f"{type(err).__name__}: {err}"))
        out: dict[str, Any] = {}
        for path, data in tx.pending.items():
            rel = _rel(blank.root, path)
            key = _month_key(rel)
            if key is not None:
                if key == month:
                    out[rel] = data
            elif path.name == "drafts.json" and data:
                self.drafts.setdefault(rel, {}).update(data)
        return out

    def compare(self, month: str | None, paths: list[Path], expected: dict[str, Any]) -> None:
        """Files of one month (or of every month) against what they should be; the suspects kept."""
        want = dict(expected)
        for path in paths:
            rel = _rel(self.root, path)
            if _differs(path, want.pop(rel, None)) is not None:
                self.derived.setdefault(month, set()).add(rel)
        for rel, data in want.items():
            if data:
                self.derived.setdefault(month, set()).add(rel)

    def recent_differs(self) -> Finding | None:
        """The network's latest rows, each against its audit's row now."""
        path = self.store._recent_path()
        rel = _rel(self.root, path)
        try:
            recent = _load(path) or []
        except StoreError as err:
            return Finding("unreadable_file", rel, str(err))
        shards: dict[Path, Any] = {}
        for r in recent if isinstance(recent, list) else [recent]:
            audit_id = r.get("audit_id") if isinstance(r, dict) else None
            if not isinstance(audit_id, str):
                return Finding("derived_differs", rel, repr(r)[:80])
            info, _ = self.audit(audit_id)
            if info is None:
                return Finding("derived_differs", rel, audit_id)
            if info.shard not in shards:
                try:
                    shards[info.shard] = _load(info.shard) or {}
                except StoreError:
                    shards[info.shard] = {}
            d = shards[info.shard].get(audit_id) if isinstance(shards[info.shard], dict) else None
            if (not isinstance(d, dict) or row_problem(audit_id, d) is not None
                    or d["status"] != "submitted"
                    or not _same(r, list_row(d))):
                return Finding("derived_differs", rel, audit_id)
        return None

    # -- photo hashes --------------------------------------------------------------------------

    def entries(self, audit_id: str, sha256: str, phash: str) -> Iterator[tuple[str, str, str, str]]:
        """The hash files' entries one photo of an audit makes (the file as a path inside the
        folder: cut from the store's own path, not worked out again, for there are millions)."""
        cut = self.cut
        if len(sha256) == 64:
            yield str(self.store._sha_path(sha256))[cut:], audit_id, sha256, ""
        for path in self.store._near_paths(phash):
            yield str(path)[cut:], audit_id, sha256, phash

    def live(self, path: Path) -> set[tuple[str, str, str, str]]:
        """The entries a hash file holds; DAMAGED or StoreError when it is not what one holds."""
        rel = _rel(self.root, path)
        doc = _load(path) or {}
        if Path(rel).parts[1] == "sha":
            return {(rel, str(i), sha256, "") for sha256, ids in doc.items() for i in ids}
        return {(rel, audit_id, str(sha), str(ph)) for audit_id, pairs in doc.items()
                for sha, ph in pairs}

    def hashes_differ(self) -> set[str]:
        """Hash files that miss a submitted audit's photo or name one no audit has (a
        reopened draft's stay until it is submitted again or deleted, as the actions do);
        a part of the files at a time, each file read once and let go."""
        cut, store = self.cut, self.store
        names: dict[str, str] = {}  # one string per file, shared by its entries

        def name(path: Path) -> str:
            rel = str(path)[cut:]
            return names.setdefault(rel, rel)

        near: dict[tuple[int, int], str] = {}
        photos: list[tuple[str, str, str, str | None, tuple[str, ...], bool]] = []
        for audit_id, info in self.infos.items():
            for sha, ph in info.photos:
                pieces = hash_pieces(ph) or ()
                files = tuple(near.get((i, v)) or near.setdefault((i, v), name(
                    store._near_path(i, v))) for i, v in enumerate(pieces))
                photos.append((audit_id, sha, ph, name(store._sha_path(sha)) if len(sha) == 64
                               else None, files, info.status == "submitted"))
        entries = sum(len(p[4]) + 1 for p in photos)
        parts = 1 + entries // HASH_PART
        part: dict[str, int] = {}

        def part_of(rel: str) -> int:
            got = part.get(rel)
            if got is None:
                got = part[rel] = zlib.crc32(rel.encode("utf-8")) % parts
            return got

        on_disk = [(name(path), path) for path in _files(self.root / "hashes")]
        wrong: set[str] = set()
        for number in range(parts):
            want: dict[tuple[str, str, str, str], bool] = {}  # entry: required (submitted)
            for audit_id, sha, ph, sha_file, near_files, submitted in photos:
                keys = [(f, audit_id, sha, ph) for f in near_files if part_of(f) == number]
                if sha_file is not None and part_of(sha_file) == number:
                    keys.append((sha_file, audit_id, sha, ""))
                for key in keys:
                    want[key] = want.get(key, False) or submitted
            missing = {key for key, required in want.items() if required}
            for rel, path in on_disk:
                if part_of(rel) != number:
                    continue
                try:
                    live = self.live(path)
                except (StoreError, *DAMAGED):
                    wrong.add(rel)
                    continue
                if any(e not in want for e in live):
                    wrong.add(rel)
                missing -= live
            wrong |= {key[0] for key in missing}
        return wrong

    def hash_differs(self, path: Path, named: set[str]) -> Finding | None:
        """One hash file against the audits it names or should name, each read again."""
        rel = _rel(self.root, path)
        try:
            live = self.live(path)
        except (StoreError, *DAMAGED) as err:
            return Finding("unreadable_file", rel, str(err))
        allowed: set[tuple[str, str, str, str]] = set()
        required: set[tuple[str, str, str, str]] = set()
        for audit_id in sorted(named | {e[1] for e in live}):
            info, _ = self.audit(audit_id)
            for sha, ph in info.photos if info is not None else ():
                for e in self.entries(audit_id, sha, ph):
                    if e[0] == rel:
                        allowed.add(e)
                        if info is not None and info.status == "submitted":
                            required.add(e)
        return Finding("derived_differs", rel) if live - allowed or required - live else None

    # -- the second look, under the locks -----------------------------------------------------

    def confirmed(self) -> list[Finding]:
        """Each suspect looked at again under the locks of its files: what is still wrong."""
        store, root = self.store, self.root
        found = [f for f in self.sure if f.kind != "temp_file" or (root / f.where).exists()]
        for audit_id in sorted(self.audits):
            with store.locks.hold([store._audit_path(audit_id)]):
                found += self.audit_again(audit_id, self.audits[audit_id])
        for path, keys in sorted(self.shard_keys.items()):
            with store.locks.hold([path]):
                try:
                    shard = _load(path) or {}
                except StoreError:
                    continue  # reported as an unreadable file
                found += [f for key in sorted(keys) if isinstance(shard, dict) and key in shard
                          for f in self.row(path, key, shard[key])[1]]
        shards = self.shards() if self.derived else {}
        for month, rels in sorted(self.derived.items(), key=lambda kv: kv[0] or ""):
            paths = [root / rel for rel in sorted(rels)]
            with store.locks.hold(paths):
                if month is None:
                    self.drafts = {}
                    for m in sorted(shards):
                        self.expected(m, self.month_rows(shards[m], pass_=False))
                    want = self.drafts
                else:
                    want = self.expected(month, self.month_rows(shards.get(month, []),
                                                                pass_=False))
                for path in paths:
                    rel = _rel(root, path)
                    why = _differs(path, want.get(rel))
                    if why is not None:
                        found.append(Finding("unreadable_file" if why == "unreadable"
                                             else "derived_differs", rel, why))
        if self.recent:
            with store.locks.hold([store._recent_path()]):
                f = self.recent_differs()
                found += [f] if f is not None else []
        named: dict[str, set[str]] = {rel: set() for rel in self.hashes}
        for audit_id, info in self.infos.items() if named else ():
            for sha, ph in info.photos:
                for e in self.entries(audit_id, sha, ph):
                    if e[0] in named:
                        named[e[0]].add(audit_id)
        for rel in sorted(named):
            with store.locks.hold([root / rel]):
                f = self.hash_differs(root / rel, named[rel])
                found += [f] if f is not None else []
        return found

    def audit_again(self, audit_id: str, seen: set[Path]) -> list[Finding]:
        """One audit, its file and its rows read again (the caller holds its file's lock, which
        every action on the audit takes: none of them is half done meanwhile)."""
        info, found = self.audit(audit_id)
        self.unreadable.discard(audit_id)
        if info is None and found:
            self.unreadable.add(audit_id)
        if info is not None:
            self.infos[audit_id] = info
        else:
            self.infos.pop(audit_id, None)
        has_row = False
        for path in sorted(seen | ({info.shard} if info is not None else set())):
            try:
                shard = _load(path)
            except StoreError:
                continue  # reported as an unreadable file
            if not isinstance(shard, dict) or audit_id not in shard:
                continue
            has_row = True
            found += self.row(path, audit_id, shard[audit_id])[1]
        if info is not None and not has_row:
            found.append(Finding("file_without_row", audit_id))
        return found


def full(store: Any) -> list[Finding]:
    """Everything, read while writers go on (the folder held shared, as each writer holds it,
    so that no rebuild swaps folders meanwhile); each finding confirmed under its files' locks."""
    with store.locks.shared():
        scan = _Scan(store)
        scan.run()
        return scan.confirmed()


def _differs(path: Path, want: Any) -> str | None:
    """Why a derived file is not `want` ("missing", "unreadable", or "" when it differs), or
    None when it is."""
    try:
        have = _load(path)
    except StoreError:
        return "unreadable"
    if have is None and want:
        return "missing"
    return None if _same(have or {}, want or {}) else ""


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
    writers' temp files removed first, then the findings; no writer waits for the scan."""

    def integrity_scan(self, *, quick: bool = False) -> IntegrityScan:
        store: Any = self
        finished = store.finished_at_start + store.finish_journals()
        removed = store.temps_removed_at_start + store.remove_leftovers()
        found = quick_scan(store) if quick else full(store)
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

