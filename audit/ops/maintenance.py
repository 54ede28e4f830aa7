"""Keeping a store right: `audit reindex` rebuilds what derives from the audits, `audit migrate`
upgrades a data folder or a database to the layout this version reads."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audit.audits.capture import region_of, summary_of
from audit.checklist.parse import ChecklistError, parse_checklist
from audit.checklist.templates import get_checklist
from audit.core.errors import NotFound, StoreError
from audit.core.files import remove_leftovers, write_atomic
from audit.model import Answer, Audit, AuditHeader, Checklist, PhotoRef, SummaryRow
from audit.model.rollups import rollups_of
from audit.scoring.score import score_audit
from audit.store import DerivedCounts, Store
from audit.store.folder.backend import LAYOUT, TinyStore, install_from_layout1, layout_of

Say = Callable[[str], None]
SAMPLE = 25  # rows compared field by field after a migration


class MigrationError(StoreError):
    """A migration stopped; the message says where, and the old data is still there."""

    code = "migration_failed"


# --- reindex ----------------------------------------------------------------------------------


def row_of(store: Store, audit: Audit, old: SummaryRow | None) -> SummaryRow:
    """An audit's summary row from its file; a submitted audit keeps the score it was
    submitted with (the row says so), and gets what a newer version adds (points lost, items
    skipped)."""
    h = audit.header
    try:
        checklist = get_checklist(store, h.template_id, h.template_version)
    except NotFound:
        if old is not None:  # the template is gone: keep what the row knew
            return old
        raise
    score = score_audit(checklist, audit.answers) if h.status == "submitted" else None
    region = old.region if old is not None else region_of(store, h.location_id)
    fresh = summary_of(h, checklist, audit.answers, score, region=region, photos=audit.photos)
    if old is None or old.status != "submitted" or h.status != "submitted":
        return fresh
    return dataclasses.replace(fresh, overall=old.overall, computed=old.computed, level=old.level,
                               critical=old.critical, sections=old.sections,
                               findings=old.findings, na=old.na,
                               lost=old.lost or fresh.lost,
                               skipped=old.skipped or fresh.skipped)


def reindex(store: Store, progress: Callable[[int, int], None] | None = None) -> DerivedCounts:
    """Every row, index, rollup and photo hash written anew from the audits themselves."""
    return store.rebuild_derived(lambda audit, old: row_of(store, audit, old), progress)


# --- migrate a data folder ----------------------------------------------------------------------


def _audit_from_file(path: Path) -> Audit | None:
    """An audit file of either layout (they share the format)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    header = next(iter((doc.get("header") or {}).values()), None)
    if header is None:
        return None
    answers = {a.key: a for a in map(Answer.from_dict, (doc.get("answers") or {}).values())}
    photos = {p.sha256: p for p in map(PhotoRef.from_dict, (doc.get("photos") or {}).values())}
    return Audit(header=AuditHeader.from_dict(header), answers=answers, photos=photos)


def _rows_of_layout1(root: Path, tables: dict[str, Any], say: Say) -> list[SummaryRow]:
    """Layout 1's rows, each submitted one with the points its findings lost and the items it
    skipped (newer rows carry them; older ones are scored again from their audit file and
    template version)."""
    checklists: dict[tuple[str, int], Checklist | None] = {}
    for t in (tables.get("templates") or {}).values():
        try:
            checklists[(t["id"], int(t["version"]))] = parse_checklist(
                t["yaml"], source=f"{t['id']} v{t['version']}")
        except ChecklistError:
            checklists[(t["id"], int(t["version"]))] = None
    rows = []
    unscored = 0
    for d in (tables.get("audits") or {}).values():
        row = SummaryRow.from_dict(d)
        if row.status == "submitted" and not row.lost:
            checklist = checklists.get((row.template_id, row.template_version))
            audit = _audit_from_file(root / "audits" / f"{row.audit_id}.json")
            if checklist is not None and audit is not None:
                fresh = summary_of(audit.header, checklist, audit.answers,
                                   score_audit(checklist, audit.answers), region=row.region,
                                   photos=audit.photos)
                row = dataclasses.replace(row, lost=fresh.lost, skipped=fresh.skipped)
            else:
                unscored += 1
        rows.append(row)
    if unscored:
        say(f"  {unscored} submitted audits could not be scored again (file or template "
            "missing); their points lost count as none")
    return rows


def _backup(root: Path, say: Say) -> Path:
    """A copy of index.json, the only file a migration replaces (audits/ and photos/ stay)."""
    source = root / "index.json"
    folder = root / "backups"
    folder.mkdir(exist_ok=True)
    remove_leftovers(folder)  # a copy a killed run was writing
    target = folder / "index-layout1.json"
    data = source.read_bytes()
    if not target.exists() or target.read_bytes() != data:
        n = 1
        while target.exists():  # never overwrite an earlier, different copy
            n += 1
            target = folder / f"index-layout1-{n}.json"
        write_atomic(target, data)
    say(f"copied {source} to {target}")
    return target


def _check(root: Path, tables: dict[str, Any], rows: list[SummaryRow], say: Say) -> None:
    """Counts and a sample, new against old; MigrationError naming the first difference."""
    store = TinyStore.migrating(root)

    def same(what: str, new: int, old: int) -> None:
        if new != old:
            raise MigrationError(f"after the migration {what}: {new}, before: {old}; index.json "
                                 f"is kept, nothing was lost. Report this, then run the migration "
                                 "again.", what=what)
        say(f"  {what}: {new}")

    def count(name: str) -> int:
        return len(tables.get(name) or {})

    same("locations", len(store.list_locations()), count("locations"))
    same("people", len(store.list_users()), count("users"))
    same("checklist versions", len(store.list_templates()), count("templates"))
    sessions = [s for s in (tables.get("sessions") or {}).values() if store.get_session(s["token_hash"])]
    same("sign-in sessions", len(sessions), count("sessions"))
    new_rows = {r.audit_id: r for r in store.list_summaries()}
    same("audits", len(new_rows), count("audits"))
    for status in ("draft", "submitted"):
        same(f"  {status}", sum(r.status == status for r in new_rows.values()),
             sum(r.status == status for r in rows))
    same("photo hashes", len(store.known_photo_hashes()),
         len({(h["audit_id"], h["sha256"]) for h in (tables.get("photo_hashes") or {}).values()}))
    sample = random.Random(0).sample(rows, min(SAMPLE, len(rows)))
    for row in sample:
        if new_rows.get(row.audit_id) != row or store.get_summary(row.audit_id) != row:
            raise MigrationError(f"audit {row.audit_id}'s row differs after the migration; "
                                 "index.json is kept. Report this, then run the migration again.",
                                 audit_id=row.audit_id)
    say(f"  {len(sample)} rows compared field by field: the same")
    if store.get_rollups().canonical() != rollups_of(rows).canonical():
        raise MigrationError("the rollups differ from the rows after the migration; index.json "
                             "is kept. Run `audit reindex`, then report this.")
    say("  rollups: equal to a computation from the rows")


def migrate_folder(root: Path, say: Say) -> None:
    """Layout 1 (one index.json) to layout 2, in place: a copy of index.json first, the new
    files built beside, switched in, checked, then index.json removed. Stopped anywhere (even
    killed), running it again ends the same as one clean run."""
    root = Path(root)
    if not root.is_dir():
        raise MigrationError(f"no data folder {root}; give the folder the app uses with --data-dir",
                             path=str(root))
    found = layout_of(root)
    index = root / "index.json"
    if found == 0:
        raise MigrationError(f"{root} holds no store to migrate (no index.json, no store.json)",
                             path=str(root))
    if found == LAYOUT and not index.exists():
        say(f"{root} is already in layout {LAYOUT}; nothing to do")
        return
    if found > LAYOUT:
        raise MigrationError(f"{root} is in layout {found}, newer than this app ({LAYOUT})",
                             path=str(root))
    backup = _backup(root, say)
    tables = json.loads(index.read_text(encoding="utf-8"))
    rows = _rows_of_layout1(root, tables, say)
    if found != LAYOUT:  # else the switch was done and killed before the cleanup: check it
        say(f"building layout {LAYOUT} in {root / '.migrate'} ({len(rows)} audits)")
        install_from_layout1(root, tables, rows)
    say("checking the result against the copy:")
    _check(root, tables, rows, say)
    index.unlink()
    say(f"done: {root} is in layout {LAYOUT}; the old index is kept at {backup}")


def migrate_database(url: str, photo_dir: Path, say: Say) -> None:
    """PostgreSQL: the pending schema steps in one transaction, then photo files into the database."""
    from audit.store.postgres.backend import LATEST, PostgresStore

    store = PostgresStore(url, photo_dir=photo_dir, migrate=True)
    try:
        if store.migrated_from == LATEST:
            say(f"the database schema is already version {LATEST}")
        else:
            say(f"the database schema went from version {store.migrated_from} to {LATEST} in one "
                "transaction (a failure would have left it as it was)")
        copied = store.import_photo_folder()
        if copied:
            say(f"copied {copied} photo files from {photo_dir / 'photos'} into the database; the "
                "files stay where they are")
        rows = store.list_summaries()
        ok = store.get_rollups().canonical() == rollups_of(rows).canonical()
        say(f"  audits: {len(rows)}; rollups {'equal to' if ok else 'DIFFERENT FROM'} a "
            "computation from the rows" + ("" if ok else ": run `audit reindex`"))
        if not ok:
            raise MigrationError("the rollups differ from the rows; run `audit reindex`")
    finally:
        store.close()
