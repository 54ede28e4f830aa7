"""`audit check`: every inconsistency a crash, a full disk or a hand edit can leave, and the repair.

A data folder: interrupted actions (journals) are finished when the store opens; then rows
without audit files, audit files without rows, a state that differs between an audit's file
and its row, indexes and rollups that disagree with the rows, writers' leftover temp files and
rebuild folders, and photos an audit names that are not in the photo store. PostgreSQL keeps
each action in one transaction, so there the check looks at rows against audits and photos.

The repair removes leftovers and builds every row, index, rollup and photo hash again from the
audit files (as `audit reindex` does); a missing photo or an unreadable audit file cannot be
made up: the report says to restore it from a backup.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from audit.store import Store


@dataclass(frozen=True)
class Finding:
    kind: str  # see KINDS
    where: str  # an audit id or a path inside the data folder
    detail: str = ""
    repairable: bool = True


def state_mismatch(audit_id: str, status: str, published: bool, row_status: str,
                   row_published: bool) -> Finding:
    """An audit whose state (or publication) is not its row's."""
    return Finding("state_mismatch", audit_id,
                   f"{status}{' published' if published else ''} in the audit, "
                   f"{row_status}{' published' if row_published else ''} in its row")


# kind: (en, ru) — what it means, for the CLI and the Admin page
KINDS: dict[str, tuple[str, str]] = {
    "temp_file": ("a temp file left by a writer that stopped", "временный файл прерванной записи"),
    "stage_folder": ("a folder left by a rebuild that stopped", "папка прерванной перестройки"),
    "unreadable": ("an audit file that cannot be read", "файл аудита не читается"),
    "file_without_row": ("an audit with no row in the lists", "аудит без строки в списках"),
    "row_without_file": ("a row with no audit behind it", "строка списка без аудита"),
    "state_mismatch": ("the audit's state differs from its row's",
                       "состояние аудита и его строки различаются"),
    "derived_differs": ("an index or rollup disagrees with the rows",
                        "индекс или сводка не совпадает со строками"),
    "photo_missing": ("a photo the audit names is not in the photo store",
                      "фото, указанного в аудите, нет в хранилище"),
}


@dataclass
class Report:
    quick: bool
    finished: int  # interrupted actions settled when the store opened (or now)
    findings: list[Finding]
    repaired: int = 0
    removed: int = 0  # dead writers' temp files cleared when the store opened (or now)
    hooks: int = 0  # audits final before a crash whose corrective actions were made now
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def clean(self) -> bool:
        return not self.findings


def finish_action_hooks(store: Store) -> int:
    """Run the corrective-action hook for every audit marked final whose hook had not finished
    (a crash between the two steps), then clear the mark; how many there were. Safe to repeat:
    the hook weighs an audit once and makes each action once."""
    from audit.actions.service import final_audit, is_final

    n = 0
    for audit_id in store.actions_pending():
        header = store.get_header(audit_id)
        final = header is not None and is_final(header)
        if final:
            final_audit(store, audit_id)  # the hook clears the audit's mark when it is done
        if not (final and header is not None and header.actions_due):
            store.clear_actions_due(audit_id)  # reopened or gone since: nothing is owed
        n += 1
    return n


def run(store: Store, *, quick: bool = False) -> Report:
    """The findings; a full check of a data folder holds writers off while it reads."""
    from audit.store.folder.backend import TinyStore

    hooks = finish_action_hooks(store)
    if isinstance(store, TinyStore):
        from audit.store.folder import check as tinydb_check

        finished = store.finished_at_start + store.finish_journals()
        removed = store.temps_removed_at_start + store.remove_leftovers()
        if quick:
            found = tinydb_check.quick(store)
        else:
            with store.locks.exclusive():
                found = tinydb_check.full(store)
        return Report(quick=quick, finished=finished, findings=found, removed=removed,
                      hooks=hooks)
    from audit.store.postgres import check as postgres_check

    return Report(quick=quick, finished=0, findings=postgres_check.scan(store, quick=quick),
                  hooks=hooks)


def repair(store: Store, progress: Callable[[int, int], None] | None = None) -> Report:
    """Fix what can be fixed, then check again: the report of what is left, and how many went."""
    from audit.ops.maintenance import reindex
    from audit.store.folder.backend import TinyStore

    before = run(store)
    fixable = [f for f in before.findings if f.repairable]
    if isinstance(store, TinyStore):
        from audit.store.folder import check as tinydb_check

        tinydb_check.remove_leftovers(store, fixable)
    if any(f.kind not in ("temp_file", "stage_folder") for f in fixable):
        reindex(store, progress)
    after = run(store)
    return dataclasses.replace(after, finished=before.finished, removed=before.removed,
                               hooks=before.hooks,
                               repaired=len(before.findings) - len(after.findings))


def describe(f: Finding, lang: str) -> str:
    what = KINDS.get(f.kind, (f.kind, f.kind))[1 if lang == "ru" else 0]
    text = f"{what}: {f.where}"
    return f"{text} ({f.detail})" if f.detail else text


# --- the quick check when the app starts --------------------------------------------------------

_start_lock = threading.Lock()


def at_start(store: Store) -> Report:
    """The quick check, once per store object (a server process opens one); later calls
    return its report."""
    with _start_lock:
        report: Report | None = getattr(store, "_start_check", None)
        if report is None:
            report = run(store, quick=True)
            store._start_check = report  # type: ignore[attr-defined]
            if report.finished or report.removed or report.hooks or report.findings:
                import sys

                print(f"audit: store check at start: {report.finished} interrupted change(s) "
                      f"finished, {report.hooks} audit(s) given their actions, "
                      f"{report.removed} leftover temp file(s) removed; "
                      f"{len(report.findings)} problem(s)"
                      + "".join(f"\n  {describe(f, 'en')}" for f in report.findings),
                      file=sys.stderr)
        return report
