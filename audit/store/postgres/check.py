"""What `audit check` looks at in PostgreSQL: each action is one transaction there, so no crash
leaves half of one; what can still differ is a row against its audit (an edit by hand, a
restore of one table), a row with a field missing or of the wrong type, and photos the audits
name that are not stored.

The scan only reads, each query in its own snapshot (MVCC): no writer waits for it. The rows
are read a page at a time, so memory stays flat however many there are."""

from __future__ import annotations

from typing import Any

from audit.store.integrity import Finding, IntegrityScan, row_problem, state_mismatch, unheld_photos

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


def people_lost(cur: Any) -> list[Finding]:
    """An empty users table where the store's marker says it has had people (a missing marker
    row counts as having had them)."""
    row = cur.execute("SELECT NOT EXISTS (SELECT 1 FROM users), coalesce((SELECT had_people "
                      "FROM store_marker WHERE id = 1), true)").fetchone()
    if row is not None and row[0] and row[1]:
        return [Finding("people_lost", "users", "empty", repairable=False)]
    return []


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
        found += people_lost(cur)
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
        named = cur.execute(
            "SELECT a.audit_id, a.key, p.sha FROM answers a, "
            "jsonb_array_elements_text(CASE WHEN jsonb_typeof(a.doc->'photos') = 'array' "
            "THEN a.doc->'photos' ELSE '[]'::jsonb END) AS p(sha) "
            "ORDER BY a.audit_id, a.key").fetchall()
    holders: dict[str, set[str]] = {}
    for audit_id, sha in refs:
        holders.setdefault(sha, set()).add(audit_id)
    by_audit: dict[str, list[tuple[str, str]]] = {}
    for audit_id, key, sha in named:
        by_audit.setdefault(audit_id, []).append((key, sha))
    for audit_id, pairs in by_audit.items():
        found += unheld_photos(audit_id, pairs, holders)
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
