"""What a store's integrity scan reports: findings of the kinds below, and what opening it settled.

Each backend scans itself (`Store.integrity_scan`); `audit check` and the Admin page read the
same findings whichever store it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from audit.model import SummaryRow


@dataclass(frozen=True)
class Finding:
    kind: str  # see KINDS
    where: str  # an audit id or a path inside the data folder
    detail: str = ""
    repairable: bool = True


@dataclass(frozen=True)
class IntegrityScan:
    """Findings, and what the store settled by itself before looking."""

    findings: list[Finding]
    finished: int = 0  # interrupted changes (journals) finished
    removed: int = 0  # dead writers' temp files removed


def state_mismatch(audit_id: str, status: str, published: bool, row_status: str,
                   row_published: bool) -> Finding:
    """An audit whose state (or publication) is not its row's."""
    return Finding("state_mismatch", audit_id,
                   f"{status}{' published' if published else ''} in the audit, "
                   f"{row_status}{' published' if row_published else ''} in its row")


def unheld_photos(audit_id: str, named: Iterable[tuple[str, str]],
                  holders: Mapping[str, Iterable[str]]) -> list[Finding]:
    """Answers of `audit_id` naming a photo the audit holds no record of: one it never
    received, or another audit's (a hash typed in rather than a photo sent).

    `named`: (item key, sha256) from the audit's answers; `holders`: sha256 → the audits
    holding a record of that photo (every audit, so another audit's photo is named as such).
    """
    found: list[Finding] = []
    for key, sha in named:
        held_by = sorted(holders.get(sha, ()))
        if audit_id in held_by:
            continue
        if held_by:
            found.append(Finding("answer_photo_foreign", audit_id,
                                 f"{key}: {sha} (audit {', '.join(held_by[:3])})", repairable=False))
        else:
            found.append(Finding("answer_photo_missing", audit_id, f"{key}: {sha}",
                                 repairable=False))
    return found


# a summary row's fields and the JSON types each may hold (None: the field may be absent)
_ROW_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "audit_id": ((str,), True), "location_id": ((str,), True), "template_id": ((str,), True),
    "template_version": ((int,), True), "mode": ((str,), True), "auditor": ((str,), True),
    "status": ((str,), True), "region": ((str,), False), "started_at": ((str,), False),
    "visit_at": ((str,), False), "submitted_at": ((str,), False), "published": ((bool,), False),
    "overall": ((int, float, type(None)), False), "computed": ((int, float, type(None)), False),
    "level": ((str, type(None)), False), "critical": ((list,), False),
    "sections": ((dict,), False), "findings": ((list,), False), "na": ((list,), False),
    "answered": ((int,), False), "total": ((int,), False), "lost": ((dict,), False),
    "skipped": ((list,), False),
}


def row_problem(key: str, d: Any) -> str | None:
    """What is wrong with a stored summary row (kept under `key`), or None when it is whole:
    a missing field, a field of the wrong type, an audit id that is not its key. Both
    backends' scans ask this before reading a row, so a hand-edited row is a finding, never
    a crash."""
    if not isinstance(d, dict):
        return f"not an object but {type(d).__name__}"
    for name, (types, required) in _ROW_FIELDS.items():
        if name not in d:
            if required:
                return f"no {name}"
            continue
        value = d[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            return f"{name} is {type(value).__name__}"
    if d["audit_id"] != key:
        return f"audit_id {d['audit_id']!r} under {key!r}"
    lost = d.get("lost") or {}
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in lost.values()):
        return "lost holds a value that is not a number"
    sections = d.get("sections") or {}
    if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
               for v in sections.values()):
        return "sections holds a value that is not a number"
    try:
        SummaryRow.from_dict(d)
    except (KeyError, TypeError, ValueError) as err:
        return f"{type(err).__name__}: {err}"
    return None


# kind: (en, ru) — what it means, for the CLI and the Admin page
KINDS: dict[str, tuple[str, str]] = {
    "temp_file": ("a temp file left by a writer that stopped", "временный файл прерванной записи"),
    "stage_folder": ("a folder left by a rebuild that stopped", "папка прерванной перестройки"),
    "unreadable": ("an audit file that cannot be read", "файл аудита не читается"),
    "file_without_row": ("an audit with no row in the lists", "аудит без строки в списках"),
    "row_without_file": ("a row with no audit behind it", "строка списка без аудита"),
    "damaged_row": ("a row in the lists with a field missing or of the wrong type",
                    "строка списка без нужного поля или с полем неверного типа"),
    "unreadable_file": ("a list, index or rollup file that cannot be read",
                        "файл списка, индекса или сводки не читается"),
    "state_mismatch": ("the audit's state differs from its row's",
                       "состояние аудита и его строки различаются"),
    "derived_differs": ("an index or rollup disagrees with the rows",
                        "индекс или сводка не совпадает со строками"),
    "photo_missing": ("a photo the audit names is not in the photo store",
                      "фото, указанного в аудите, нет в хранилище"),
    "people_lost": ("the store has had people, but its people table holds nobody (sign-in is "
                    "refused until it is restored)",
                    "в хранилище были люди, но таблица людей пуста (вход закрыт, пока её не "
                    "восстановят)"),
    "answer_photo_missing": ("an answer names a photo the audit never received",
                             "ответ ссылается на фото, которое в аудит не загружалось"),
    "answer_photo_foreign": ("an answer names another audit's photo",
                             "ответ ссылается на фото другого аудита"),
}


def describe(f: Finding, lang: str) -> str:
    what = KINDS.get(f.kind, (f.kind, f.kind))[1 if lang == "ru" else 0]
    text = f"{what}: {f.where}"
    return f"{text} ({f.detail})" if f.detail else text
