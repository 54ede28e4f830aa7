"""PDF layout read back with pdfplumber: no two words on top of each other, no wrapped numbers."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Spacer, Table

from audit.actions.service import PlanLine
from audit.checklist.conditions import visibility
from audit.checklist.parse import load_checklist, parse_checklist, shipped_dir
from audit.checklist.templates import get_checklist
from audit.ops import demo
from audit.reports.pdf import AuditTrail, render_audit_pdf, render_network_pdf
from audit.reports.pdf.layout import _body_height, _build, _Frame, _Styles
from audit.reports.pdf.styles import Fmt, _family, _l
from audit.review.steps import HistoryLine
from audit.store.folder.backend import TinyStore
from tests.conftest import MINI_YAML
from tests.report_cases import (
    BRANCH_VIEW,
    CASES,
    CONTEXT,
    LOCATION,
    PhotoFiles,
    answered,
    audit_of,
    render_case,
)


def words_of(pdf: bytes) -> list[list[dict[str, Any]]]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_words(keep_blank_chars=False, use_text_flow=False) for page in doc.pages]


def overlaps(pdf: bytes, slack: float = 0.6) -> list[tuple[int, str, str]]:
    """(page, word, word) for every two words whose boxes overlap by more than `slack` points each way."""
    found = []
    for number, words in enumerate(words_of(pdf), 1):
        words = sorted(words, key=lambda w: w["top"])
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if b["top"] >= a["bottom"] - slack:
                    break  # sorted by top: nothing further down can reach back up into a
                wide = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
                tall = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
                if wide > slack and tall > slack:
                    found.append((number, a["text"], b["text"]))
    return found


def test_overlap_check__finds_two_labels_drawn_on_each_other() -> None:
    buf = io.BytesIO()
    canvas = Canvas(buf)
    canvas.drawString(100, 700, "Аудиты: Самопроверка")
    canvas.drawString(130, 703, "Аудиты: Тайный покупатель")
    canvas.drawString(100, 600, "apart")
    canvas.save()
    assert overlaps(buf.getvalue())


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("case", CASES)
def test_audit_pdf__no_text_overlaps_on_any_page(case: str, lang: str, tmp_path: Path) -> None:
    pdf = render_case(case, tmp_path, lang)
    assert overlaps(pdf) == []


def test_audit_pdf__item_numbers_never_wrap(tmp_path: Path) -> None:
    checklist = load_checklist(shipped_dir() / "service-point.yaml")
    pdf = render_case("long", tmp_path)
    vis = visibility(checklist, answered(checklist, PhotoFiles(tmp_path)))
    expected = set()
    shown = [s for s in checklist.sections if vis.shows_section(s.id)]
    for si, section in enumerate(shown, 1):
        items = [i for i in section.items if vis.shows(f"{section.id}.{i.id}")]
        expected |= {f"{si}.{n}" for n in range(1, len(items) + 1)}
    assert any(n.startswith("12.") for n in expected)
    words = {w["text"] for page in words_of(pdf) for w in page}
    assert expected <= words  # "12.1" is one word: never "12." above "1"


def test_audit_pdf__summary_page_stays_one_page_with_long_texts(tmp_path: Path) -> None:
    pdf = render_case("texts300", tmp_path)
    pages = [" ".join(w["text"] for w in page) for page in words_of(pdf)]
    first = pages[0]
    assert "Лучшие" in first and "разделы" in first  # the last block of the summary
    assert "Оценка по разделам" not in first


@pytest.fixture(scope="module")
def network_store(tmp_path_factory: pytest.TempPathFactory) -> TinyStore:
    store = TinyStore(tmp_path_factory.mktemp("layout") / "data")
    demo.generate(store, seed=3, audits=150, locations=15, today=date(2025, 6, 30), with_users=False,
                  photos=False)
    return store


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("mode", ["mystery", "both"])
def test_network_pdf__no_text_overlaps_on_any_page(network_store: TinyStore, lang: str, mode: str) -> None:
    checklist = get_checklist(network_store, "service-point")
    locations = {loc.id: loc for loc in network_store.list_locations()}
    pdf = render_network_pdf(network_store.list_summaries(), locations, checklist, lang=lang,
                             date_from="2024-07-01", date_to="2025-06-30", region=None,
                             generated_at="2025-07-01T09:00:00+00:00", mode=mode)
    assert overlaps(pdf) == []


# -- sensible breaks: no hour range cut in two, no page left nearly empty ------------------------


HALF_RANGE = re.compile(r"\d\d:\d\d–$")


@pytest.mark.parametrize("case", ["long", "photos30"])
def test_audit_pdf__hour_ranges_never_wrap_beside_a_photo(case: str, tmp_path: Path) -> None:
    """"09:00–" above "18:00" in the week beside a photo column: the range stays one word."""
    pdf = render_case(case, tmp_path)
    words = [w["text"] for page in words_of(pdf) for w in page]
    assert [w for w in words if HALF_RANGE.search(w)] == []
    assert words.count("09:00–18:00") >= 5  # the week's weekdays, each on one line


def body_lines(pdf: bytes) -> list[int]:
    """Lines of text per page between the running header and the footer."""
    out = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            top, bottom = 20 * 72 / 25.4, page.height - 17 * 72 / 25.4
            tops = {round(w["top"]) for w in page.extract_words() if top < w["top"] < bottom}
            out.append(len(tops))
    return out


def plan_line(n: int) -> PlanLine:
    return PlanLine(action_id=f"a{n}", section="Вход", finding=f"Замечание номер {n}: у входа лужа",
                    answer="Нет", owner="Мария Иванова", due="2025-03-28", status="Открыта",
                    critical=n == 0, loss=2.5, key="entrance.dry", state="новая")


def history(count: int) -> tuple[HistoryLine, ...]:
    return tuple(HistoryLine(at=f"2025-03-14T12:{n:02d}:00+03:00", when="", who="S-1A2B3C",
                             what=f"Шаг {n}") for n in range(count))


@pytest.mark.slow
def test_audit_pdf__no_page_holds_a_line_or_two_before_a_break(tmp_path: Path) -> None:
    """The plan's last row goes with the sign-off, the sections follow a short tail, the history
    follows the appendix: whatever the plan's length, no page but the last is nearly empty."""
    checklist = parse_checklist(MINI_YAML)
    photos = PhotoFiles(tmp_path)
    audit = audit_of(checklist, answered(checklist, photos, photo_every=3, max_photos=2), photos)
    for rows in range(4, 60, 7):
        trail = AuditTrail(plan=tuple(plan_line(n) for n in range(rows)), history=history(4))
        pdf = render_audit_pdf(audit, checklist, location=LOCATION, lang="ru", auditor_label="S-1A2B3C",
                               photo=photos.get, generated_at="2025-03-15T09:00:00+03:00",
                               view=BRANCH_VIEW, context=CONTEXT, tz="Europe/Moscow", trail=trail)
        lines = body_lines(pdf)
        assert min(lines) >= 12, (rows, lines)


def header_lines(pdf: bytes) -> list[str]:
    """The running header of each page: the words above the body."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [" ".join(w["text"] for w in page.extract_words() if w["bottom"] < 20 * 72 / 25.4)
                for page in doc.pages]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_network_pdf__by_default__a_dated_period_a_change_column_and_a_whole_header(
        network_store: TinyStore, lang: str) -> None:
    """No dates given (the CLI's default): the quarter up to the newest audit, its dates printed,
    the Change column against the period of the same length before it, the header not cut."""
    checklist = get_checklist(network_store, "service-point")
    locations = {loc.id: loc for loc in network_store.list_locations()}
    rows = network_store.list_summaries()
    newest = max((r.visit_at or r.started_at)[:10] for r in rows
                 if r.mode == "mystery" and r.template_id == checklist.id)  # the report's checklist
    pdf = render_network_pdf(rows, locations, checklist, lang=lang, date_from=None, date_to=None,
                             region=None, generated_at="2025-07-01T09:00:00+00:00", mode="mystery")
    fmt = Fmt(lang)
    start = date.fromisoformat(newest).replace(day=1)
    start = start.replace(month=start.month - 2) if start.month > 2 else \
        start.replace(year=start.year - 1, month=start.month + 10)
    period = f"{fmt.day(start.isoformat())} – {fmt.day(newest)}"
    text = pages_text(pdf)
    assert period in text[0].replace("\u00a0", " ") or period in text[0]
    ranking = text[0][text[0].index(_l("ranking", lang)):]
    changes = re.findall(r"(?<![\d,.])[+−±]\d+(?:[.,]\d)?(?!\s*%)", ranking)
    assert changes, ranking  # a change against the period before, not "—" all down the column
    assert _l("all_time", lang) not in text[0]
    heads = header_lines(pdf)
    assert all("…" not in h and fmt.day(newest) in h for h in heads), heads


def pages_text(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


def headings_ending_a_page(pdf: bytes) -> list[tuple[int, str]]:
    """(page, text) of every page but the last whose last body line is set in a heading's size."""
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number, page in enumerate(doc.pages[:-1], 1):
            top, bottom = 20 * 72 / 25.4, page.height - 17 * 72 / 25.4
            words = [w for w in page.extract_words(extra_attrs=["size"]) if top < w["top"] < bottom]
            if not words:
                continue
            last = max(round(w["top"]) for w in words)
            line = [w for w in words if round(w["top"]) == last]
            if min(w["size"] for w in line) >= 12:  # h2 is 12.5 pt, h1 17 pt; body text 8–10 pt
                found.append((number, " ".join(w["text"] for w in line)))
    return found


def test_heading_check__finds_a_heading_left_at_the_foot_of_a_page() -> None:
    buf = io.BytesIO()
    canvas = Canvas(buf)
    canvas.setFont("Helvetica", 12.5)
    canvas.drawString(72, 60, "Alone at the foot")
    canvas.showPage()
    canvas.drawString(72, 700, "next page")
    canvas.save()
    assert headings_ending_a_page(buf.getvalue()) == [(1, "Alone at the foot")]


def test_report_headings__never_left_at_the_foot_of_a_page() -> None:
    """"The visit in the shopper's words" stood alone at the foot of the demo's page 1, its quotes
    overleaf. Whatever goes before a heading of either size, it moves over with its first lines."""
    fam = _family()
    st = _Styles(fam, colors.HexColor("#1f5c99"))
    frame = _Frame(fam, st.brand, "Brand", "Heading", "footer", "generated", "ru", A4)
    found = []
    for style in (st.h1, st.h2):
        for room in range(0, 120, 3):  # the space left on page 1 under the filler, point by point
            filler = Spacer(1, _body_height(A4) - room)
            quote = Paragraph("«Визит в целом прошёл хорошо, " * 6 + "»", st.body)
            pdf = _build([filler, Paragraph("Визит словами тайного покупателя", style), quote], frame,
                         title="t", subject="s")
            found += [(style.name, room, *hit) for hit in headings_ending_a_page(pdf)]
    assert found == []


def test_report_headings__long_content_starts_under_its_heading_not_on_a_new_page() -> None:
    """Kept with a table of most of a page, a heading moved it all over and left half of the
    network report's voice page empty: long content starts where its heading and a few lines fit."""
    fam = _family()
    st = _Styles(fam, colors.HexColor("#1f5c99"))
    frame = _Frame(fam, st.brand, "Brand", "Heading", "footer", "generated", "ru", A4)
    rows = [[f"Branch {n}", f"{n}.5"] for n in range(45)]  # most of a page (a Latin font)
    filler = Spacer(1, _body_height(A4) / 2)
    pdf = _build([filler, Paragraph("Разрыв по точкам", st.h2), Table(rows, repeatRows=0)], frame,
                 title="t", subject="s")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        first = doc.pages[0].extract_text()
    assert "Разрыв по точкам" in first and "Branch 0" in first
    assert headings_ending_a_page(pdf) == []
