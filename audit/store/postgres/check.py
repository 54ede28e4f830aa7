"""What `audit check` looks at in PostgreSQL: each action is one transaction there, so no crash
leaves half of one; what can still differ is a row against its audit (an edit by hand, a
restore of one table), a row with a field missing or of the wrong type, and photos the audits
name that are not stored.

The scan only reads, each query in its own snapshot (MVCC): no writer waits for it. The rows
are read a page at a time, so memory stays flat however many there are."""

from __future__ import annotations

from typing import Any

from audit.store.integrity import Finding, IntegrityScan, row_problem, state_mismatch

_ROWS = """
SELECT a.id, a.header->>'status', coalesce(a.header->>'published', '') = 'true',
       s.audit_id, s.status, coalesce(s.doc->>'published', '') = 'true'
FROM audits a FULL JOIN summaries s ON s.audit_id = a.id
WHERE a.id IS NULL OR s.audit_id IS NULL OR a.header->>'status' <> s.status
   OR (coalesce(a.header->>'published', '') = 'true')
      <> (coalesce(s.doc->>'published', '') = 'true')
ORDER BY coalesce(a.id, s.audit_id)
"""

_RECENT = """
SELECT a.id, a.header->>'status', coalesce(a.header->>'published', '') = 'true',
       s.status, coalesce(s.doc->>'published', '') = 'true'
FROM summaries s JOIN audits a ON a.id = s.audit_id
WHERE s.status = 'submitted' ORDER BY s.submitted_at DESC LIMIT 100
"""


_PAGE = """
SELECT audit_id, doc FROM summaries WHERE audit_id > %s ORDER BY audit_id LIMIT %s
"""
PAGE = 2000


def damaged_rows(store: Any) -> list[Finding]:
    """Rows whose document lacks a field or holds one of the wrong type, a page at a time."""
    found: list[Finding] = []
    after = ""
    while True:
        with store._tx() as cur:
            page = cur.execute(_PAGE, (after, PAGE)).fetchall()
        for audit_id, doc in page:
            problem = row_problem(audit_id, doc)
            if problem is not None:
                found.append(Finding("damaged_row", audit_id, f"summaries: {problem}"))
        if len(page) < PAGE:
            return found
        after = page[-1][0]


def scan(store: Any, *, quick: bool = False) -> list[Finding]:
    found: list[Finding] = []
    with store._tx() as cur:
        if quick:
            for audit_id, status, published, row_status, row_published in cur.execute(
                    _RECENT).fetchall():
                if (status, published) != (row_status, row_published):
                    found.append(state_mismatch(audit_id, status, published, row_status,
                                           row_published))
            return found
        for audit_id, status, published, row_id, row_status, row_published in cur.execute(
                _ROWS).fetchall():
            if audit_id is None:
                found.append(Finding("row_without_file", row_id, "summaries"))
            elif row_id is None:
                found.append(Finding("file_without_row", audit_id))
            else:
                found.append(state_mismatch(audit_id, status, published, row_status, row_published))
        refs = cur.execute("SELECT audit_id, sha256 FROM audit_photos ORDER BY audit_id, sha256"
                           ).fetchall()
    found += damaged_rows(store)
    files = store.photo_files()
    found += [Finding("photo_missing", audit_id, sha, repairable=False)
              for audit_id, sha in refs if not files.exists(sha)]
    return found


class PostgresIntegrity:
    """The PostgreSQL store's own scan (PostgresStore inherits it); no change is ever left half
    done there, so nothing is finished or removed first."""

    def integrity_scan(self, *, quick: bool = False) -> IntegrityScan:
        return IntegrityScan(scan(self, quick=quick))

    def clear_leftovers(self, found: list[Finding]) -> int:
        """No temp files or stage folders in a database."""
        return 0
