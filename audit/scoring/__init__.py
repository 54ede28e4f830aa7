"""Scoring: a checklist and its answers → an AuditScore that explains every point.

`score_audit` is the public name other tools import from `audit.scoring`.
"""

from audit.scoring.score import impacts, score_audit

__all__ = ["impacts", "score_audit"]
