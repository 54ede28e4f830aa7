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

from audit import workflow
from audit.core import clock
from audit.ops.maintenance import reindex
from audit.store import Store
from audit.store.integrity import Finding, describe


@dataclass
class Report:
    quick: bool
    finished: int  # interrupted actions settled when the store opened (or now)
    findings: list[Finding]
    repaired: int = 0
    removed: int = 0  # dead writers' temp files cleared when the store opened (or now)
    hooks: int = 0  # audits final before a crash whose corrective actions were made now
    at: str = field(default_factory=clock.now_iso)

    @property
    def clean(self) -> bool:
        return not self.findings


def run(store: Store, *, quick: bool = False) -> Report:
    """The findings, from the store's own scan; first, the corrective actions owed since a crash."""
    hooks = workflow.finish_owed_actions(store)
    scan = store.integrity_scan(quick=quick)
    return Report(quick=quick, finished=scan.finished, findings=scan.findings,
                  removed=scan.removed, hooks=hooks)


def repair(store: Store, progress: Callable[[int, int], None] | None = None) -> Report:
    """Fix what can be fixed, then check again: the report of what is left, and how many went."""
    before = run(store)
    fixable = [f for f in before.findings if f.repairable]
    store.clear_leftovers(fixable)
    if any(f.kind not in ("temp_file", "stage_folder") for f in fixable):
        reindex(store, progress)
    after = run(store)
    return dataclasses.replace(after, finished=before.finished, removed=before.removed,
                               hooks=before.hooks,
                               repaired=len(before.findings) - len(after.findings))


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
