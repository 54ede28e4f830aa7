"""What a store's integrity scan reports: findings of the kinds below, and what opening it settled.

Each backend scans itself (`Store.integrity_scan`); `audit check` and the Admin page read the
same findings whichever store it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


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
