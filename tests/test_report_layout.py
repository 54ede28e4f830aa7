"""PDF layout read back with pdfplumber: no two words on top of each other, no wrapped numbers."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from reportlab.pdfgen.canvas import Canvas

from audit.checklist.conditions import visibility
from audit.checklist.parse import load_checklist, shipped_dir
from audit.checklist.templates import get_checklist
from audit.ops import demo
from audit.reports.pdf import render_network_pdf
from audit.store.folder.backend import TinyStore
from tests.report_cases import CASES, PhotoFiles, answered, render_case


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
