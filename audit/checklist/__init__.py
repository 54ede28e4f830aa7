"""Checklists: size limits, YAML parsing and validation, `when:` conditions, stored template versions.

`load_checklist`, `parse_checklist` and `ChecklistError` are the public names other tools import
from `audit.checklist`; the shipped YAML lives in `shipped/` beside this file (package data).
"""

from audit.checklist.parse import ChecklistError, Problem, load_checklist, parse_checklist, shipped_dir

__all__ = ["ChecklistError", "Problem", "load_checklist", "parse_checklist", "shipped_dir"]
