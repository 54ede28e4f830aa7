"""Exports from a real store, read back with pandas and compared with what the store holds."""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from audit import workflow
from audit.audits import capture as audits
from audit.checklist.templates import get_checklist
from audit.core.zones import format_time
from audit.i18n import answer_text
from audit.model import SummaryRow, User
from audit.reports import export
from audit.reports.analytics import FilterError, Filters
from audit.store import Store
from tests.conftest import photograph

GOOD: dict[str, Any] = {
    "entrance.dry": True, "entrance.clean": 5, "entrance.door": "open",
    "waiting.comforts": ["water"], "waiting.wait": {"minutes": 2},
    "office.hours": {"mon": ["09:00", "21:00"]},
    "office.site": {"text": "", "flagged": [], "typos": []}, "office.guard": True,
}
PUDDLE = "Лужа у входа, уборщица моет пол прямо в проходе"
FORMULA = '=HYPERLINK("http://example.com","нажми")'


def submitted(store: Store, who: User, audit_id: str, location: str, mode: str, visit: str, *,
              changes: dict[str, Any] | None = None, comments: dict[str, str] | None = None,
              na: tuple[str, ...] = (), submit: bool = True) -> str:
    audits.start_audit(store, who, location_id=location, template_id="mini", mode=mode,
                       lang="ru", visit_at=visit, audit_id=audit_id)
    values = {**GOOD, **(changes or {})}
    for key, value in values.items():
        if key not in na:
            audits.answer(store, who, audit_id, key, value=value)
    for key in na:
        audits.answer(store, who, audit_id, key, na=True)
    for key, text in (comments or {}).items():
        audits.answer(store, who, audit_id, key, comment=text)
    photograph(store, who, audit_id, "office.facade")
    if values["entrance.dry"] is False:  # a finding there needs its photo
        photograph(store, who, audit_id, "entrance.dry")
    if submit:
        workflow.submit(store, who, audit_id)
    return audit_id


@pytest.fixture
def archive(store: Store, network: dict[str, User]) -> Store:
    """Three submitted audits over two months and two regions, and one draft."""
    submitted(store, network["shopper"], "-dash-a1", "loc-a", "mystery", "2026-05-03T10:30:00+03:00",
              changes={"entrance.dry": False, "office.notes": "Охранник вежлив"},
              comments={"entrance.dry": PUDDLE}, na=("waiting.comforts",))
    submitted(store, network["manager"], "self-a2", "loc-a", "self", "2026-05-20T12:00:00+03:00",
              changes={"office.guard": False}, comments={"office.guard": FORMULA})
    submitted(store, network["shopper2"], "myst-b1", "loc-b", "mystery", "2026-06-02T18:15:00+03:00",
              changes={"entrance.clean": 2})
    submitted(store, network["manager_b"], "draft-b2", "loc-b", "self", "2026-06-03T09:00:00+03:00",
              submit=False)
    return store


def summaries(store: Store) -> dict[str, SummaryRow]:
    return {r.audit_id: r for r in store.list_summaries() if r.status == "submitted"}


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""],
                       dtype={"audit_id": str, "critical": str, "comment": str, "level": str})


def read_xlsx(data: bytes) -> dict[str, pd.DataFrame]:
    sheets: dict[str, pd.DataFrame] = pd.read_excel(
        io.BytesIO(data), sheet_name=None, keep_default_na=False, na_values=[""],
        dtype={"audit_id": str, "critical": str, "comment": str, "level": str})
    return sheets


def check_audits(df: pd.DataFrame, store: Store) -> None:
    rows = summaries(store)
    assert df["audit_id"].tolist() == ["-dash-a1", "self-a2", "myst-b1"]  # oldest visit first
    for rec in df.to_dict("records"):
        r = rows[rec["audit_id"]]
        assert (rec["location_id"], rec["region"], rec["mode"], rec["auditor"], rec["level"]) == (
            r.location_id, r.region, r.mode, r.auditor, r.level)
        assert rec["overall"] == pytest.approx(r.overall)
        assert rec["computed"] == pytest.approx(r.computed)
        assert (rec["critical"] if isinstance(rec["critical"], str) else "") == "; ".join(r.critical)
        local = format_time(r.visit_at, "", label=False)  # these locations have no zone: UTC
        assert (rec["visit_date"], rec["visit_time"], rec["time_zone"]) == (
            local[:10], local[11:16], "UTC")
        for section, percent in r.sections.items():
            assert rec[f"section:{section}"] == pytest.approx(percent, nan_ok=True)
    names = dict(zip(df["location_id"], df["location_name"], strict=True))
    assert names == {"loc-a": "Арбат", "loc-b": "Невский"}


def check_answers(df: pd.DataFrame, store: Store, lang: str = "en") -> None:
    ids = ["-dash-a1", "self-a2", "myst-b1"]
    assert list(dict.fromkeys(df["audit_id"])) == ids
    for audit_id in ids:
        audit = store.get_audit(audit_id)
        assert audit is not None
        checklist = get_checklist(store, "mini", audit.header.template_version)
        mine = df[df["audit_id"] == audit_id]
        assert sorted(mine["key"]) == sorted(audit.answers)
        for rec in mine.to_dict("records"):
            a = audit.answers[rec["key"]]
            item = checklist.item(rec["key"])
            assert item is not None
            assert rec["item"] == item.text.get(lang)
            assert rec["answer"] == answer_text(item, a, lang)
            assert (bool(rec["na"]), int(rec["photos"]), rec["by"], rec["at"]) == (
                a.na, len(a.photos), a.by, a.at)
            assert (rec["comment"] if isinstance(rec["comment"], str) else "") in (
                a.comment, "'" + a.comment)  # csv defuses formula-like text


def test_csv_export__audits_read_back_equal_the_stores_summary_rows(archive: Store) -> None:
    files = export.export(archive, fmt="csv")
    assert set(files) == {"audits.csv", "answers.csv"}
    assert files["audits.csv"].startswith(codecs.BOM_UTF8)
    check_audits(read_csv(files["audits.csv"]), archive)


def test_csv_export__answers_read_back_equal_the_stored_answers(archive: Store) -> None:
    files = export.export(archive, fmt="csv", lang="ru")
    answers = read_csv(files["answers.csv"])
    check_answers(answers, archive, lang="ru")
    puddle = answers[(answers["audit_id"] == "-dash-a1") & (answers["key"] == "entrance.dry")]
    assert puddle[["comment", "answer", "finding", "earned", "possible", "photos"]].values.tolist() == [
        [PUDDLE, "Нет", True, 0.0, 2.0, 1]]
    assert "Охранник вежлив" in answers["answer"].tolist()
    na = answers[(answers["audit_id"] == "-dash-a1") & (answers["key"] == "waiting.comforts")]
    assert na[["na", "answer", "possible"]].values.tolist() == [[True, "Н/П", 0.0]]


def test_xlsx_export__both_sheets_read_back_equal_the_store(archive: Store) -> None:
    files = export.export(archive, fmt="xlsx")
    assert set(files) == {"xlsx"}
    sheets = read_xlsx(files["xlsx"])
    assert list(sheets) == ["audits", "answers"]
    check_audits(sheets["audits"], archive)
    check_answers(sheets["answers"], archive)


def test_export__cyrillic_survives_csv_and_xlsx(archive: Store) -> None:
    csv = export.export(archive, fmt="csv", lang="ru")
    xlsx = read_xlsx(export.export(archive, fmt="xlsx", lang="ru")["xlsx"])
    for answers in (read_csv(csv["answers.csv"]), xlsx["answers"]):
        assert PUDDLE in answers["comment"].tolist()
        assert "У входа сухо, нет луж" in answers["item"].tolist()
        assert "Вход" in answers["section"].tolist()
    assert "Невский" in read_csv(csv["audits.csv"])["location_name"].tolist()
    assert "Невский" in xlsx["audits"]["location_name"].tolist()
    assert "Лужа".encode() in csv["answers.csv"]  # plain UTF-8, not escaped


def test_xlsx__a_comment_starting_with_equals_stays_text_not_a_formula(archive: Store) -> None:
    data = export.export(archive, fmt="xlsx")["xlsx"]
    answers = read_xlsx(data)["answers"]
    assert FORMULA in answers["comment"].tolist()
    ws = openpyxl.load_workbook(io.BytesIO(data))["answers"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == FORMULA]
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_csv__formula_like_text_gets_an_apostrophe_but_numbers_and_ids_do_not() -> None:
    df = pd.DataFrame({"text": ["=1+2", "+7 (495) 123", "@SUM(A1)", "-2+3+cmd|' /C calc'!A0",
                                "-dash-a1", "-5", "ok"], "n": [-1, 2, 3, 4, 5, 6, 7]})
    back = pd.read_csv(io.BytesIO(export.to_csv(df)), dtype={"text": str})
    assert back["text"].tolist() == ["'=1+2", "'+7 (495) 123", "'@SUM(A1)",
                                     "'-2+3+cmd|' /C calc'!A0", "-dash-a1", "-5", "ok"]
    assert back["n"].tolist() == [-1, 2, 3, 4, 5, 6, 7]


def test_xlsx__header_bold_first_row_frozen_columns_fit_the_text(archive: Store) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(export.export(archive, fmt="xlsx")["xlsx"]))
    assert wb.sheetnames == ["audits", "answers"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert all(c.font.b for c in ws[1])
        assert not any(c.font.b for c in ws[2])
    answers = wb["answers"]
    header = [c.value for c in answers[1]]
    width = answers.column_dimensions[openpyxl.utils.get_column_letter(header.index("comment") + 1)].width
    assert len(PUDDLE) <= width <= 62
    assert answers.column_dimensions["A"].width < 20  # audit ids are short


# (export arguments, audits exported): one archive serves the whole table, since building it
# (people with hashed passwords, answers, submits) is the slow part
SELECTIONS: list[tuple[dict[str, Any], list[str]]] = [
    ({}, ["-dash-a1", "self-a2", "myst-b1"]),
    ({"date_from": "2026-05-04"}, ["self-a2", "myst-b1"]),
    ({"date_to": "2026-05-31"}, ["-dash-a1", "self-a2"]),
    ({"date_from": "2026-06-02", "date_to": "2026-06-02"}, ["myst-b1"]),
    ({"region": "Москва"}, ["-dash-a1", "self-a2"]),
    ({"region": "СПб", "date_to": "2026-05-31"}, []),
    ({"filters": Filters(mode="self")}, ["self-a2"]),
    ({"filters": Filters(region="СПб"), "region": "Москва"}, ["-dash-a1", "self-a2"]),
    ({"visible": lambda r: r.location_id == "loc-b"}, ["myst-b1"]),
]


def test_export__keeps_only_submitted_audits_matching_period_region_and_visibility(
        archive: Store) -> None:
    for kwargs, expected in SELECTIONS:
        files = export.export(archive, fmt="csv", **kwargs)
        assert read_csv(files["audits.csv"])["audit_id"].tolist() == expected, kwargs
        answers = read_csv(files["answers.csv"])
        assert list(dict.fromkeys(answers["audit_id"])) == expected, kwargs


def test_export__of_nothing_still_has_the_headers(archive: Store) -> None:
    files = export.export(archive, fmt="csv", region="Урал")
    assert read_csv(files["audits.csv"]).columns.tolist()[:3] == ["audit_id", "location_id",
                                                                  "location_name"]
    assert read_csv(files["answers.csv"]).columns.tolist() == list(export.ANSWER_COLUMNS)
    sheets = read_xlsx(export.export(archive, fmt="xlsx", region="Урал")["xlsx"])
    assert sheets["answers"].empty and sheets["answers"].columns.tolist() == list(export.ANSWER_COLUMNS)


def test_audits_table__auditor_label_shows_shopper_codes(archive: Store) -> None:
    rows = sorted(summaries(archive).values(), key=lambda r: r.audit_id)
    locations = {loc.id: loc for loc in archive.list_locations()}
    df = export.audits_table(rows, locations,
                             auditor_label=lambda r: "S-0042" if r.mode == "mystery" else r.auditor)
    assert dict(zip(df["audit_id"], df["auditor"], strict=True)) == {
        "-dash-a1": "S-0042", "myst-b1": "S-0042", "self-a2": "mia"}


@pytest.mark.parametrize("fmt", ["pdf", "", "xls"])
def test_export__unknown_format_refused_with_a_clear_message(store: Store, fmt: str) -> None:
    with pytest.raises(ValueError, match="choose csv or xlsx"):
        export.export(store, fmt=fmt)


def test_export__bad_date_or_language_refused_with_a_clear_message(archive: Store) -> None:
    with pytest.raises(FilterError, match="YYYY-MM-DD"):
        export.export(archive, fmt="csv", date_from="03/05/2026")
    with pytest.raises(export.ExportError, match="choose one of ru, en"):
        export.export(archive, fmt="csv", lang="de")


@pytest.mark.parametrize(("output", "files", "expected"), [
    ("out.xlsx", {"xlsx": b"x"}, ["out.xlsx"]),
    ("out", {"xlsx": b"x"}, ["out.xlsx"]),
    ("out.csv", {"audits.csv": b"a", "answers.csv": b"b"}, ["out-audits.csv", "out-answers.csv"]),
    ("may", {"audits.csv": b"a", "answers.csv": b"b"}, ["may-audits.csv", "may-answers.csv"]),
])
def test_output_files__names_beside_the_output(tmp_path: Path, output: str, files: dict[str, bytes],
                                               expected: list[str]) -> None:
    out = export.output_files(tmp_path / output, files)
    assert [p.name for p in out] == expected and list(out.values()) == list(files.values())
    assert all(p.parent == tmp_path for p in out)


def test_output_files__a_folder_gets_plain_names(tmp_path: Path) -> None:
    out = export.output_files(tmp_path, {"audits.csv": b"a", "answers.csv": b"b"})
    assert list(out) == [tmp_path / "audits.csv", tmp_path / "answers.csv"]
    assert list(export.output_files(tmp_path, {"xlsx": b"x"})) == [tmp_path / "audits.xlsx"]


def test_xlsx__control_characters_dropped_rather_than_failing() -> None:
    data = export.to_xlsx({"answers": pd.DataFrame({"comment": ["bell\x07 ring", None]})})
    back = pd.read_excel(io.BytesIO(data))
    assert back["comment"].tolist()[0] == "bell ring"
