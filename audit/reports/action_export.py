"""CSV and XLSX bytes of corrective actions (the dashboard's button and `audit export --what actions`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from audit.checklist.templates import get_checklist
from audit.core.errors import NotFound
from audit.i18n import answer_text, t
from audit.model import LANGS, Answer, Location
from audit.model.actions import Action
from audit.reports.export import ExportError, export_format, to_csv, to_xlsx
from audit.store import Store

ACTION_COLUMNS = ("action_id", "location_id", "location_name", "region", "audit_id", "mode",
                  "template_id", "key", "section", "finding", "answer", "critical", "loss",
                  "owner", "due", "status", "overdue", "created_at", "done_at", "verified_at",
                  "verified_by", "confirmed_by", "repeats", "again", "opened_at", "photos", "note",
                  "reason")


def actions_table(store: Store, actions: Sequence[Action], locations: Mapping[str, Location], *,
                  lang: str = "en", today: str) -> pd.DataFrame:
    """One row per action, oldest first, with the finding's texts in `lang`."""
    if lang not in LANGS:
        raise ExportError(f"language {lang!r} is not offered; choose one of {', '.join(LANGS)}")
    records: list[dict[str, Any]] = []
    for a in sorted(actions, key=lambda a: (a.created_at, a.id)):
        try:
            checklist = get_checklist(store, a.template_id, a.template_version)
        except NotFound:
            checklist = None
        item = checklist.item(a.key) if checklist else None
        section = checklist.section(a.section) if checklist else None
        loc = locations.get(a.location_id)
        records.append({
            "action_id": a.id, "location_id": a.location_id, "location_name": loc.name if loc else "",
            "region": a.region, "audit_id": a.audit_id, "mode": a.mode, "template_id": a.template_id,
            "key": a.key, "section": section.title.get(lang) if section else a.section,
            "finding": item.text.get(lang) if item else a.key,
            "answer": answer_text(item, Answer(key=a.key, value=a.answer, na=a.na), lang) if item else "",
            "critical": a.critical, "loss": a.loss, "owner": a.owner,
            "due": a.due, "status": t(f"act.status.{a.status}", lang), "overdue": a.is_overdue(today),
            "created_at": a.created_at, "done_at": a.done_at, "verified_at": a.verified_at,
            "verified_by": a.verified_by, "confirmed_by": a.confirmed_by, "repeats": a.repeats,
            "again": a.again, "opened_at": a.opened_at,
            "photos": len(a.evidence), "note": a.note, "reason": a.reason,
        })
    return pd.DataFrame.from_records(records, columns=list(ACTION_COLUMNS))


def export_actions(store: Store, actions: Sequence[Action], *, fmt: str, lang: str = "en",
                   today: str) -> dict[str, bytes]:
    """{"actions.csv": …} for csv, {"xlsx": …} (one sheet, "actions") for xlsx."""
    kind = export_format(fmt)
    locations = {loc.id: loc for loc in store.list_locations()}
    table = actions_table(store, actions, locations, lang=lang, today=today)
    if kind == "csv":
        return {"actions.csv": to_csv(table)}
    return {"xlsx": to_xlsx({"actions": table})}
