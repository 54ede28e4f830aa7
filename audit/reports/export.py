"""CSV and XLSX bytes of filtered audits and of their item-level answers, as their reader may see them."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from audit.audits.capture import auditor_codes
from audit.checklist.templates import get_checklist
from audit.core.zones import format_time, zone_label
from audit.i18n import answer_text
from audit.model import LANGS, Location, SummaryRow, User
from audit.people import audience
from audit.reports.analytics import Filters, select
from audit.scoring.score import score_audit
from audit.store import AuditFilter, Store

FORMATS = ("csv", "xlsx")
SECTION_PREFIX = "section:"
AUDIT_COLUMNS = ("audit_id", "location_id", "location_name", "region", "template_id",
                 "template_version", "mode", "auditor", "visit_date", "visit_time", "time_zone",
                 "status",
                 "submitted_at", "overall", "computed", "level", "critical")
ANSWER_COLUMNS = ("audit_id", "location_id", "key", "section", "item", "type", "answer", "na",
                  "finding", "earned", "possible", "comment", "photos", "by", "at")
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included

# Spreadsheets run a cell that starts with one of these as a formula; shoppers type comments
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ...but a lone number or id ("-5", "-xY_9" from token_urlsafe) can call nothing: keep it exact
_PLAIN_TOKEN = re.compile(r"[-+]?[\w.:-]*")
# XML 1.0 forbids these control characters; openpyxl refuses a cell holding one
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ExportError(ValueError):
    """An export that cannot be made; the message says what to change."""


def _visit(row: SummaryRow) -> str:
    return row.visit_at or row.started_at


def audits_table(rows: Sequence[SummaryRow], locations: Mapping[str, Location], *,
                 auditor_label: Callable[[SummaryRow], str] | None = None) -> pd.DataFrame:
    """One row per audit; then one column "section:<id>" per section percent, checklist order.

    Pass `auditor_label` to show mystery shoppers by their code rather than their name.
    """
    section_ids = list(dict.fromkeys(s for r in rows for s in r.sections))
    records: list[dict[str, Any]] = []
    for r in rows:
        loc = locations.get(r.location_id)
        tz = loc.tz if loc else ""
        when = format_time(_visit(r), tz, label=False)  # "YYYY-MM-DD HH:MM" where the branch is
        record: dict[str, Any] = {
            "audit_id": r.audit_id,
            "location_id": r.location_id,
            "location_name": loc.name if loc else "",
            "region": r.region,
            "template_id": r.template_id,
            "template_version": r.template_version,
            "mode": r.mode,
            "auditor": auditor_label(r) if auditor_label else r.auditor,
            "visit_date": when[:10],
            "visit_time": when[11:16],
            "time_zone": zone_label(tz),
            "status": r.status,
            "submitted_at": format_time(r.submitted_at, tz, label=False) if r.submitted_at else "",
            "overall": r.overall,
            "computed": r.computed,
            "level": r.level or "",
            "critical": "; ".join(r.critical),
        }
        for s in section_ids:
            record[SECTION_PREFIX + s] = r.sections.get(s)
        records.append(record)
    columns = [*AUDIT_COLUMNS, *(SECTION_PREFIX + s for s in section_ids)]
    df = pd.DataFrame.from_records(records, columns=columns)
    # scores stay numeric even where every value is missing, so sums and charts work
    numeric = ["overall", "computed", *(SECTION_PREFIX + s for s in section_ids)]
    df[numeric] = df[numeric].astype("float64")
    return df


def answers_table(store: Store, rows: Sequence[SummaryRow], *, lang: str = "en",
                  auditor_label: Callable[[SummaryRow], str] | None = None) -> pd.DataFrame:
    """One row per saved answer, in checklist order, with its text and its score in `lang`.

    Opens every audit's own file: meant for exports and item-level views, not the dashboard.
    `auditor_label` names the audit's auditor where they answered ("by"), as `audits_table`.
    """
    if lang not in LANGS:
        raise ExportError(f"language {lang!r} is not offered; choose one of {', '.join(LANGS)}")
    records: list[dict[str, Any]] = []
    for r in rows:
        audit = store.get_audit(r.audit_id)
        if audit is None:  # deleted since the rows were read
            continue
        h = audit.header
        checklist = get_checklist(store, h.template_id, h.template_version)
        score = score_audit(checklist, audit.answers)
        shown = {h.auditor: auditor_label(r) if auditor_label else h.auditor}
        known = set()
        for section, item in checklist.items():
            key = f"{section.id}.{item.id}"
            known.add(key)
            a = audit.answers.get(key)
            if a is None:
                continue
            s = score.item(key)
            records.append({
                "audit_id": h.id, "location_id": h.location_id, "key": key,
                "section": section.title.get(lang), "item": item.text.get(lang),
                "type": item.type, "answer": answer_text(item, a, lang), "na": a.na,
                "finding": bool(s and s.is_finding),
                "earned": s.earned if s else 0.0, "possible": s.possible if s else 0.0,
                "comment": a.comment, "photos": len(a.photos), "by": shown.get(a.by, a.by), "at": a.at,
            })
        for key, a in audit.answers.items():  # answers the checklist no longer names: keep them
            if key not in known:
                records.append({
                    "audit_id": h.id, "location_id": h.location_id, "key": key,
                    "section": key.partition(".")[0], "item": "", "type": "",
                    "answer": "" if a.value is None else str(a.value), "na": a.na,
                    "finding": False, "earned": 0.0, "possible": 0.0, "comment": a.comment,
                    "photos": len(a.photos), "by": shown.get(a.by, a.by), "at": a.at,
                })
    return pd.DataFrame.from_records(records, columns=list(ANSWER_COLUMNS))


def _defused(value: Any) -> Any:
    if (isinstance(value, str) and value.startswith(_FORMULA_START)
            and not _PLAIN_TOKEN.fullmatch(value)):
        return "'" + value
    return value


def to_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM, so Excel opens Cyrillic right.

    A text cell starting with = + - @ gets a leading apostrophe, since spreadsheets would run
    it as a formula; numbers and ids such as "-5" or "-xY_9" are kept as they are.
    """
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or isinstance(safe[col].dtype, pd.StringDtype):
            safe[col] = safe[col].map(_defused)
    text: str = safe.to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    return text.encode("utf-8-sig")


def _cell_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    return value


def _widths(df: pd.DataFrame) -> list[float]:
    sample = df.head(500)
    out = []
    for col in df.columns:
        longest = max([len(str(col)), *(len(str(v)) for v in sample[col].tolist() if v is not None)])
        out.append(float(min(max(longest, 6), 60) + 2))
    return out


def to_xlsx(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per frame: bold frozen header, columns as wide as their text.

    Text goes in as text: a comment starting with "=" stays a comment, never a formula.
    """
    for name, df in sheets.items():
        if len(name) > 31 or not name:
            raise ExportError(f"sheet name {name!r} must be 1 to 31 characters long")
        if len(df) >= XLSX_MAX_ROWS:
            raise ExportError(f"{len(df)} rows do not fit one Excel sheet ({name}); "
                              "export as csv or narrow the period")
    # write-only mode streams rows: an export of every answer stays small in memory
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, df in sheets.items():
        ws = wb.create_sheet(title=name)
        ws.freeze_panes = "A2"
        for i, width in enumerate(_widths(df), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        header = []
        for col in df.columns:
            cell = WriteOnlyCell(ws, value=_cell_value(str(col)))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for values in df.itertuples(index=False, name=None):
            ws.append([_text_cell(ws, v) for v in values])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text_cell(ws: Any, value: Any) -> Any:
    value = _cell_value(value)
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # openpyxl would store it as a formula
        return cell
    return value


def export_rows(store: Store, rows: Sequence[SummaryRow], *, fmt: str, lang: str = "en",
                reader: audience.Reader | User, leaves_app: bool = False) -> dict[str, bytes]:
    """The files for these rows: {"audits.csv", "answers.csv"} or {"xlsx"} (both sheets).

    Each audit as the audience policy shows it to `reader` (`leaves_app`: in a copy that
    leaves the app): a shopper they may not know is named by code, in both tables.
    """
    kind = export_format(fmt)
    locations = {loc.id: loc for loc in store.list_locations()}
    codes = auditor_codes(store)

    def label(row: SummaryRow) -> str:
        return audience.auditor_label(audience.view_of(reader, row, leaves_app=leaves_app), row, codes)

    audits = audits_table(rows, locations, auditor_label=label)
    answers = answers_table(store, rows, lang=lang, auditor_label=label)
    if kind == "csv":
        return {"audits.csv": to_csv(audits), "answers.csv": to_csv(answers)}
    return {"xlsx": to_xlsx({"audits": audits, "answers": answers})}


def export_format(fmt: str) -> str:
    kind = fmt.strip().lower().lstrip(".")
    if kind not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose csv or xlsx")
    return kind


def export(store: Store, *, fmt: str, date_from: str | None = None, date_to: str | None = None,
           region: str | None = None, lang: str = "en",
           visible: Callable[[SummaryRow], bool] | None = None,
           reader: audience.Reader | User = audience.HQ_READER, leaves_app: bool = False,
           filters: Filters | None = None) -> dict[str, bytes]:
    """Submitted audits in the period (dates inclusive, on the visit's day), oldest first.

    Returns {"audits.csv": …, "answers.csv": …} for csv, {"xlsx": …} for xlsx. `visible`
    keeps only what the person asking may see; `reader` and `leaves_app` say what of each
    audit they see (by default HQ's, in the app); `filters` adds the dashboard's other filters.
    Raises ExportError (a ValueError) for an unknown format or language, and
    analytics.FilterError (also a ValueError) for a date that is not YYYY-MM-DD.
    """
    export_format(fmt)
    base = filters or Filters()
    f = replace(base, date_from=base.date_from if date_from is None else date_from,
                date_to=base.date_to if date_to is None else date_to,
                region=base.region if region is None else region)
    # the store reads only the months (and, on PostgreSQL, the rows) the filters can match
    rows = select(store.list_summaries(AuditFilter(
        status="submitted", region=f.region, template_id=f.template_id, mode=f.mode,
        location_ids=f.location_ids, date_from=f.date_from, date_to=f.date_to)), f)
    if visible is not None:
        rows = [r for r in rows if visible(r)]
    rows.sort(key=lambda r: (_visit(r), r.audit_id))
    return export_rows(store, rows, fmt=fmt, lang=lang, reader=reader, leaves_app=leaves_app)


def output_files(output: str | Path, files: Mapping[str, bytes]) -> dict[Path, bytes]:
    """Where `audit export -o OUTPUT` writes each file.

    xlsx: OUTPUT itself (".xlsx" added when it has no suffix). csv: OUTPUT-audits.csv and
    OUTPUT-answers.csv beside it (a ".csv" suffix on OUTPUT is dropped first). An existing
    folder as OUTPUT gets audits.xlsx, or audits.csv and answers.csv, inside it.
    """
    path = Path(output)
    if path.is_dir():
        return {path / ("audits.xlsx" if suffix == "xlsx" else suffix): data
                for suffix, data in files.items()}
    out: dict[Path, bytes] = {}
    for suffix, data in files.items():
        if suffix == "xlsx":
            out[path if path.suffix else path.with_suffix(".xlsx")] = data
        else:
            stem = path.with_suffix("") if path.suffix.lower() == ".csv" else path
            out[stem.with_name(f"{stem.name}-{suffix}")] = data
    return out
