"""ReportLab: one audit → a scored PDF with its evidence; a network summary → a comparison PDF."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfutils import readJPEGInfo
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)

from audit.i18n import answer_text, explain, level_name, t
from audit.model import (
    WEEKDAYS,
    Answer,
    Audit,
    AuditScore,
    Checklist,
    Item,
    ItemScore,
    Location,
    PhotoRef,
    Section,
    SummaryRow,
    item_key,
)
from audit.scoring import level_for, score_audit

# Photos are JPEG already: ASCII85 would make each one a quarter larger for nothing, since a
# PDF is a binary file wherever it goes. rl_config is process-wide; setting it when this
# module is imported is deliberate, and nothing in this product wants ASCII85 PDFs.
rl_config.useA85 = 0

FONT_ENV = "AUDIT_PDF_FONT_DIR"

# (regular, bold) file pairs with Cyrillic, in order of preference.
_FONT_FILES: tuple[tuple[str, str], ...] = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
)
_FONT_DIRS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu",  # Fedora
    "/usr/share/fonts/TTF",  # Arch
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
    "/Library/Fonts",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/noto",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/liberation-sans",
)

# A character the font lacks would print as an empty box (.notdef). Such characters (mostly
# emoji) are replaced by this small hollow bullet, one per run, so the reader sees that
# something stood there without a box that looks like a rendering fault. Invisible joiners,
# variation selectors and control characters are dropped.
UNSUPPORTED_MARK = "◦"

PAGE = A4
MARGIN = 15 * mm
_TOP = 20 * mm  # room for the running header
_BOTTOM = 17 * mm  # room for the footer

_BLACK = colors.HexColor("#111827")
_INK = colors.HexColor("#374151")
_GREY = colors.HexColor("#6b7280")
_LIGHT = colors.HexColor("#e5e7eb")
_PALE = colors.HexColor("#f5f6f8")
_RED = colors.HexColor("#c0392b")
_RED_PALE = colors.HexColor("#fbe9e7")
_AMBER = colors.HexColor("#c27c0e")
_AMBER_PALE = colors.HexColor("#fdf6e7")
_LEVEL_COLOURS = {
    "disappointment": colors.HexColor("#c0392b"),
    "average": colors.HexColor("#d68910"),
    "wow": colors.HexColor("#1e8449"),
}
_DEFAULT_COLOUR = "#1f5f8b"

# Words only the PDF says, (en, ru) like audit.i18n.STRINGS. Levels, modes, answers, reasons
# and score words come from audit.i18n; nothing here repeats them.
_LABELS: dict[str, tuple[str, str]] = {
    "audit_report": ("Audit report", "Отчёт об аудите"),
    "network_report": ("Network report", "Отчёт по сети"),
    "visit": ("Visit", "Визит"),
    "checklist": ("Checklist", "Чек-лист"),
    "version": ("version {version}", "версия {version}"),
    "mode": ("Mode", "Формат"),
    "audit_id": ("Audit ID", "Номер аудита"),
    "chart": ("Score by section", "Оценка по разделам"),
    "findings": ("Findings", "Замечания"),
    "findings_intro": ("{count} items lost points: critical ones first, then the largest losses.",
                       "Пунктов с потерей баллов: {count}. Сначала критичные, затем самые крупные потери."),
    "no_findings": ("No points were lost.", "Ни один балл не потерян."),
    "lost": ("−{lost} of {possible}", "−{lost} из {possible}"),
    "sections": ("Sections", "Разделы"),
    "section_score": ("{earned} of {possible} points · weight {weight}",
                      "{earned} из {possible} баллов · вес {weight}"),
    "item": ("Item", "Пункт"),
    "critical_item": ("● critical item", "● критичный пункт"),
    "answer": ("Answer", "Ответ"),
    "photos": ("Photos", "Фото"),
    "photo_missing": ("⚠ photo missing", "⚠ фото не найдено"),
    "taken": ("taken {at}", "снято {at}"),
    "flag_old": ("⚠ taken long before the visit", "⚠ снято задолго до визита"),
    "flag_duplicate": ("⚠ same photo as audit {audit}", "⚠ то же фото, что в аудите {audit}"),
    "flag_similar": ("⚠ looks like a photo from audit {audit}", "⚠ похоже на фото из аудита {audit}"),
    "waited": ("stopwatch: {start} → {end}", "секундомер: {start} → {end}"),
    "website_text": ("Website text", "Текст с сайта"),
    "appendix": ("How the score is computed", "Как рассчитана оценка"),
    "appendix_intro": (
        "Each item is worth its weight in points and earns a share of them from its answer. "
        "A section's score is the points earned divided by the points possible. The overall "
        "score is the mean of the section scores, weighted by section weight, over the "
        "sections with anything possible.",
        "Каждый пункт стоит столько баллов, каков его вес, и получает их долю по ответу. "
        "Оценка раздела — набранные баллы, делённые на возможные. Итоговая оценка — среднее "
        "оценок разделов, взвешенное по весам разделов, среди разделов, где было что набрать.",
    ),
    "earned": ("Earned", "Набрано"),
    "possible": ("Possible", "Возможно"),
    "weight": ("Weight", "Вес"),
    "weighted": ("Weight × score", "Вес × оценка"),
    "total": ("Total", "Итого"),
    "formula": ("{weighted} ÷ {weights} = {score}", "{weighted} ÷ {weights} = {score}"),
    "na_items": ("Answered N/A and left out of the points possible:",
                 "Отмечены «Н/П» и не входят в возможные баллы:"),
    "na_none": ("No item was answered N/A.", "Ни один пункт не отмечен «Н/П»."),
    "unanswered_items": ("Not answered and not counted:", "Без ответа и не учтены:"),
    "cap_applied": ("A critical item failed: {items}.", "Не выполнен критичный пункт: {items}."),
    "cap_none": ("No critical item failed, so the score is not capped "
                 "(a failed critical item caps it at {cap}%).",
                 "Критичных нарушений нет, оценка не ограничена "
                 "(при критичном нарушении она ограничивается {cap}%)."),
    "levels": ("Levels: {levels}.", "Уровни: {levels}."),
    "level_from": ("{level} from {min}%", "{level} — от {min}%"),
    "page": ("page {page} of {pages}", "стр. {page} из {pages}"),
    "generated": ("generated {at}", "создан {at}"),
    "all_time": ("all time", "за всё время"),
    "all_regions": ("all regions", "все регионы"),
    "ranking": ("Locations ranked", "Рейтинг точек"),
    "rank": ("#", "№"),
    "change_note": ("Change: percentage points since the previous period of the same length.",
                    "Изменение: в процентных пунктах к предыдущему периоду той же длины."),
    "heatmap": ("Score by section and location", "Оценка по разделам и точкам"),
    "heatmap_note": ("Mean section score, %. {levels}", "Средняя оценка раздела, %. {levels}"),
    "worst": ("Items failed most often", "Чаще всего невыполненные пункты"),
    "failed": ("Failed", "Не выполнено"),
    "rate": ("Rate", "Доля"),
    "gap": ("Mystery shopping vs self-audit", "Тайный покупатель и самопроверка"),
    "gap_col": ("Gap", "Разрыв"),
    "gap_intro": ("Gap = self-audit − mystery shopping, in percentage points. "
                  "A large positive gap (⚠) means a branch rates itself higher than shoppers do.",
                  "Разрыв = самопроверка − тайный покупатель, в процентных пунктах. "
                  "Большой положительный разрыв (⚠): точка оценивает себя выше, чем тайные покупатели."),
    "no_data": ("No audits match.", "Нет подходящих аудитов."),
}


def _l(key: str, lang: str, **params: Any) -> str:
    """A report label; the words the screens also use come from i18n (`ui.<key>`)."""
    if key not in _LABELS:
        return t(f"ui.{key}", lang, **params)
    en, ru = _LABELS[key]
    text = ru if lang == "ru" else en
    return text.format(**params) if params else text


# --- public values ------------------------------------------------------------------------


@dataclass(frozen=True)
class Brand:
    """How the app's settings dress a PDF: name, colour (#rrggbb) and a PNG or JPEG logo."""

    name: str = "Customer Journey Audit"
    colour: str = _DEFAULT_COLOUR
    logo: bytes | None = None


class FontMissing(RuntimeError):
    """No TrueType font with Cyrillic could be loaded; the message says what to install."""


# --- fonts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Family:
    regular: str
    bold: str
    chars: frozenset[int]  # code points both faces can draw
    letters: frozenset[str]  # the same, as one-character strings for a fast subset test


_font_lock = threading.Lock()
_families: dict[tuple[str, str], _Family] = {}


def _font_files() -> tuple[Path, Path]:
    """The regular and bold files; AUDIT_PDF_FONT_DIR, when set, is the only place looked in."""
    configured = os.environ.get(FONT_ENV, "").strip()
    dirs = [Path(configured)] if configured else [Path(d) for d in _FONT_DIRS]
    for regular, bold in _FONT_FILES:
        for folder in dirs:
            if (folder / regular).is_file() and (folder / bold).is_file():
                return folder / regular, folder / bold
    where = f"{FONT_ENV}={configured}" if configured else ", ".join(_FONT_DIRS[:3])
    raise FontMissing(
        f"PDF reports need the TrueType font DejaVu Sans (it has Cyrillic), and it was not found "
        f"in {where}. Install it: apt-get install fonts-dejavu-core (Debian, Ubuntu), "
        "dnf install dejavu-sans-fonts (Fedora), brew install --cask font-dejavu (macOS); "
        f"or set {FONT_ENV} to a folder that holds DejaVuSans.ttf and DejaVuSans-Bold.ttf."
    )


def _family() -> _Family:
    """The report's font family, registered once per process and font location."""
    regular_path, bold_path = _font_files()
    key = (str(regular_path.resolve()), str(bold_path.resolve()))
    with _font_lock:
        found = _families.get(key)
        if found is not None:
            return found
        name = f"AuditSans{len(_families)}"
        try:
            regular, bold = TTFont(name, key[0]), TTFont(f"{name}-Bold", key[1])
        except Exception as err:  # TTFError, or OSError on an unreadable file
            raise FontMissing(
                f"The font files {key[0]} and {key[1]} could not be read ({err}). Reinstall "
                "them (apt-get install --reinstall fonts-dejavu-core) or set "
                f"{FONT_ENV} to a folder with DejaVuSans.ttf and DejaVuSans-Bold.ttf."
            ) from err
        # Only the Basic Multilingual Plane: ReportLab writes a 5-digit, invalid ToUnicode
        # entry for characters above U+FFFF, so a copied or extracted 😊 would come out broken.
        bold_chars = bold.face.charToGlyph
        chars = frozenset(c for c in regular.face.charToGlyph if c <= 0xFFFF and c in bold_chars)
        if ord("Ж") not in chars:
            raise FontMissing(
                f"The font {key[0]} has no Cyrillic letters. Install DejaVu Sans "
                f"(apt-get install fonts-dejavu-core) or point {FONT_ENV} at it."
            )
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        pdfmetrics.registerFontFamily(name, normal=name, bold=bold.fontName,
                                      italic=name, boldItalic=bold.fontName)
        fam = _Family(regular=name, bold=bold.fontName, chars=chars,
                      letters=frozenset(chr(c) for c in chars if c >= 0x20))
        _families[key] = fam
        return fam


# --- text ------------------------------------------------------------------------------------

_DROP_CATEGORIES = ("Cc", "Cf", "Mn", "Me", "Cs", "Co", "Cn")


def _printable(text: object, fam: _Family) -> str:
    """Text the font can draw: NFC, newlines kept, what it lacks marked (see UNSUPPORTED_MARK)."""
    s = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    s = s.replace("\t", " ")
    if fam.letters.issuperset(s.replace("\n", "")):
        return s
    out: list[str] = []
    marked = False
    chars = fam.chars
    for c in s:
        if c == "\n" or (c >= " " and ord(c) in chars):
            out.append(c)
            marked = False
        elif unicodedata.category(c) in _DROP_CATEGORIES:
            continue  # joiners, selectors, skin tones: part of the mark before them, if any
        elif not marked:
            out.append(UNSUPPORTED_MARK)
            marked = True
    return "".join(out)


def _markup(text: object, fam: _Family) -> str:
    """User text as Paragraph markup that prints literally: escaped, line breaks kept."""
    return escape(_printable(text, fam)).replace("\n", "<br/>")


@functools.lru_cache(maxsize=1 << 16)
def _word_width(font: str, word: str) -> float:
    """Width of `word` at size 1000; words repeat a lot across a report."""
    face = pdfmetrics.getFont(font).face
    get, default = face.charWidths.get, face.defaultWidth
    return float(sum(get(ord(c), default) for c in word))


def _wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking on spaces; newlines kept; a word wider than a line is cut."""
    scale = size / 1000.0
    space = _word_width(font, " ") * scale
    out: list[str] = []
    for para in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in para.split():
            w = _word_width(font, word) * scale
            while w > width and len(word) > 1:  # a URL or "aaaa…": cut it to fit
                if line:
                    out.append(" ".join(line))
                    line, used = [], 0.0
                cut = len(word) - 1
                while cut > 1 and _word_width(font, word[:cut]) * scale > width:
                    cut = max(1, int(cut * width / (_word_width(font, word[:cut]) * scale)))
                out.append(word[:cut])
                word = word[cut:]
                w = _word_width(font, word) * scale
            if line and used + space + w > width:
                out.append(" ".join(line))
                line, used = [word], w
            else:
                used = used + space + w if line else w
                line.append(word)
        out.append(" ".join(line))
    return out


@dataclass(frozen=True)
class _Run:
    """A block of plain text in one style. It is drawn as it is: no markup, nothing to escape."""

    text: str
    font: str
    size: float = 8.5
    colour: colors.Color = _BLACK
    leading: float = 0.0  # 0: 1.3 × size
    space_before: float = 0.0

    @property
    def line_height(self) -> float:
        return self.leading or self.size * 1.3


class _Text(Flowable):  # type: ignore[misc]
    """Runs of plain text, wrapped greedily and drawn as text lines.

    Most of a report is plain text in a table cell. A Paragraph parses markup with an HTML
    parser and wraps twice in a table; this wraps once per width and never reads markup,
    so user text cannot inject any.
    """

    def __init__(self, runs: Sequence[_Run], *, lines: list[tuple[_Run, str, float]] | None = None,
                 align: str = "left") -> None:
        super().__init__()
        self.runs = [r for r in runs if r.text]
        self.align = align
        self._lines = lines or []
        self._at = -1.0 if lines is None else float("nan")
        self._height = lines[-1][2] if lines else 0.0
        self._width = 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if self._at != self._at:  # a split part: its lines are fixed
            return self._width or avail_width, self._height
        if avail_width != self._at:
            lines: list[tuple[_Run, str, float]] = []
            y = 0.0
            for i, run in enumerate(self.runs):
                if i:
                    y += run.space_before
                for line in _wrap_lines(run.text, run.font, run.size, avail_width):
                    y += run.line_height
                    lines.append((run, line, y))
            self._lines, self._height, self._at = lines, y, avail_width
        self._width = avail_width
        return avail_width, self._height

    def split(self, avail_width: float, avail_height: float) -> list[Any]:
        self.wrap(avail_width, avail_height)
        cut = sum(1 for _, _, y in self._lines if y <= avail_height)
        if cut == 0 or cut == len(self._lines):
            return []
        top = self._lines[cut - 1][2]
        first = _Text((), lines=self._lines[:cut], align=self.align)
        rest = _Text((), lines=[(r, s, y - top) for r, s, y in self._lines[cut:]], align=self.align)
        first._width = rest._width = avail_width
        return [first, rest]

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        # Drawn at absolute coordinates: Flowable.drawOn would wrap every cell's text in a
        # saveState/translate/restoreState, which costs more than the text itself.
        pen = _Pen(canvas)
        self.write(pen, x, y)
        pen.finish()

    def draw(self) -> None:
        pen = _Pen(self.canv)
        self.write(pen, 0.0, 0.0)
        pen.finish()

    def write(self, pen: _Pen, x0: float, y0: float) -> None:
        """Add the lines, bottom-left corner at (x0, y0), to a text block shared with others."""
        for run, line, y in self._lines:
            x = x0
            if self.align != "left":
                w = pdfmetrics.stringWidth(line, run.font, run.size)
                x += self._width - w if self.align == "right" else (self._width - w) / 2
            # the baseline sits so the glyphs are centred in the line's height
            pen.line(run, x, y0 + self._height - y + (run.line_height - run.size) / 2 + 0.22 * run.size, line)


# How a byte goes into a PDF string literal, as ReportLab's escapePDF writes it; str.translate
# does in C what escapePDF's pure-Python fallback does a character at a time.
_PDF_ESCAPES = {c: f"\\{chr(c)}" if chr(c) in "()\\" else chr(c) if 32 <= c < 127 else f"\\{c:03o}"
                for c in range(256)}


def _rgb(c: colors.Color) -> str:
    return f"{c.red:.3f} {c.green:.3f} {c.blue:.3f}"


class _Pen:
    """Text lines written as PDF text operators into one BT…ET block for many _Text.

    ReportLab's text object costs more per line than the text itself (pure-Python number
    formatting, a font switch per object). This writes each line as "x y Tm (…) Tj" and
    sets the font and colour only when they change, going through the font's own
    splitString/getSubsetInternalName as ttfonts documents for dynamic fonts. The block
    is wrapped in q…Q so the canvas's idea of the current font and colour stays true.
    """

    def __init__(self, canv: Canvas) -> None:
        self.canv = canv
        self.doc = canv._doc
        self.out: list[str] = []
        self.font: tuple[str, int, float] | None = None
        self.colour: colors.Color | None = None

    def line(self, run: _Run, x: float, y: float, text: str) -> None:
        out = self.out
        if run.colour is not self.colour:
            out.append(f"{_rgb(run.colour)} rg")
            self.colour = run.colour
        out.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")
        font = pdfmetrics.getFont(run.font)
        for subset, chunk in font.splitString(text, self.doc):
            if (run.font, subset, run.size) != self.font:
                out.append(f"{font.getSubsetInternalName(subset, self.doc)} {run.size:g} Tf")
                self.font = (run.font, subset, run.size)
            out.append(f"({chunk.decode('latin-1').translate(_PDF_ESCAPES)}) Tj")

    def finish(self) -> None:
        if self.out:
            self.canv.addLiteral("q BT " + " ".join(self.out) + " ET Q")


def _num(x: float) -> str:
    return f"{round(x, 2):g}"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{round(x, 1):g}%"


def _signed(x: float) -> str:
    """+3.2, −1.5 or ±0: a change in percentage points, to one decimal."""
    r = round(x, 1)
    return f"{'+' if r > 0 else '−' if r < 0 else '±'}{abs(r):g}"


def _when(iso: str) -> str:
    """An ISO time as 2025-03-14 12:30, with its UTC offset when it has one."""
    if not iso:
        return "—"
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    text = dt.strftime("%Y-%m-%d %H:%M")
    offset = dt.utcoffset()
    if offset is None:
        return text
    if offset == timedelta(0):
        return f"{text} UTC"
    sign = "+" if offset > timedelta(0) else "−"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{text} UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _clock(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%H:%M:%S")
    except ValueError:
        return iso


def _colour(value: str) -> colors.Color:
    if re.fullmatch(r"#[0-9a-fA-F]{6}", value.strip()):
        return colors.HexColor(value.strip())
    return colors.HexColor(_DEFAULT_COLOUR)  # a bad setting must not stop the PDF


def _level_colour(key: str | None) -> colors.Color:
    return _LEVEL_COLOURS.get(key or "", _GREY)


def _score_colour(checklist: Checklist, percent: float | None) -> colors.Color:
    return _GREY if percent is None else _level_colour(level_for(checklist, percent))


def _tint(c: colors.Color, share: float) -> colors.Color:
    """c mixed with white: share 0 is white, 1 is c."""
    return colors.Color(1 - (1 - c.red) * share, 1 - (1 - c.green) * share, 1 - (1 - c.blue) * share)


def _shorten(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# --- styles ----------------------------------------------------------------------------------


class _Styles:
    """The few paragraph styles (headings, cover) and the run factory for everything else."""

    def __init__(self, fam: _Family, brand: colors.Color) -> None:
        base = ParagraphStyle("base", fontName=fam.regular, fontSize=9.5, leading=12.5, textColor=_BLACK)
        self.fam = fam
        self.brand = brand
        self.body = base
        self.small = ParagraphStyle("small", base, fontSize=8, leading=10.5, textColor=_GREY)
        self.cell = ParagraphStyle("cell", base, fontSize=8.5, leading=11)
        self.h1 = ParagraphStyle("h1", base, fontName=fam.bold, fontSize=17, leading=21,
                                 textColor=brand, spaceAfter=3 * mm)
        self.h2 = ParagraphStyle("h2", base, fontName=fam.bold, fontSize=12.5, leading=16,
                                 textColor=brand, spaceBefore=5 * mm, spaceAfter=2 * mm)
        self.kicker = ParagraphStyle("kicker", base, fontName=fam.bold, fontSize=10, textColor=_GREY,
                                     spaceAfter=1 * mm)
        self.title = ParagraphStyle("title", base, fontName=fam.bold, fontSize=22, leading=27,
                                    spaceAfter=1 * mm)
        self.big = ParagraphStyle("big", base, fontName=fam.bold, fontSize=44, leading=48,
                                  alignment=TA_CENTER)
        self.brand_name = ParagraphStyle("brand_name", base, fontName=fam.bold, fontSize=14, leading=17,
                                         textColor=brand)

    def p(self, text: object, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of user (or template) text: printed literally."""
        return Paragraph(_markup(text, self.fam), style or self.body)

    def m(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of our own markup, whose user parts went through _markup already."""
        return Paragraph(markup, style or self.body)

    def run(self, text: object, *, bold: bool = False, size: float = 8.5, colour: colors.Color = _BLACK,
            space_before: float = 0.0) -> _Run:
        font = self.fam.bold if bold else self.fam.regular
        return _Run(_printable(text, self.fam).strip("\n"), font, size, colour, 0.0, space_before)

    def text(self, *runs: _Run, align: str = "left") -> _Text:
        return _Text(runs, align=align)

    def note(self, text: object, colour: colors.Color = _GREY) -> _Run:
        return self.run(text, size=7.5, colour=colour)


# --- photos ----------------------------------------------------------------------------------


class _JpegReader(ImageReader):  # type: ignore[misc]
    """A JPEG that goes into the PDF byte for byte (DCTDecode), never decoded.

    ReportLab's ImageReader decodes a picture to name it (canvas.drawImage digests
    getRGBData()); here a digest of the file names it, and PDFImageXObject copies the bytes
    through jpeg_fh(). Skipping ImageReader.__init__ skips the Pillow open it would do.
    """

    def __init__(self, data: bytes, name: str = "") -> None:
        fp = io.BytesIO(data)
        width, height, components, _dpi = readJPEGInfo(fp)
        if components not in (1, 3):  # CMYK JPEGs need inverted decoding: let Pillow handle them
            raise ValueError("not a grey or RGB JPEG")
        self._ident = None
        self.fileName = name or f"jpeg-{hashlib.sha256(data).hexdigest()}"
        self.fp = fp
        self._image = None
        self._width, self._height = width, height
        self._transparent = None
        self._data = None
        self._dataA = None
        self._name = self.fileName.encode()

    def getRGBData(self) -> bytes:
        return self._name  # only drawImage's naming digest calls this for a JPEG

    def jpeg_fh(self) -> io.BytesIO:
        self.fp.seek(0)
        return self.fp


def _image_reader(data: bytes, name: str = "") -> ImageReader | None:
    """A reader for photo or logo bytes; None when they are not a picture we can show.

    `name` must differ for different bytes; a photo's content address is such a name.
    """
    if data[:2] == b"\xff\xd8":
        try:
            return _JpegReader(data, name)
        except Exception:  # noqa: S110  not a plain JPEG after all: let Pillow try below
            pass
    try:
        reader = ImageReader(io.BytesIO(data))
        reader.getSize()
        return reader
    except Exception:
        return None


class _Picture(Flowable):  # type: ignore[misc]
    """A picture at a fixed size (Platypus' Image would decode a JPEG held in memory)."""

    def __init__(self, reader: ImageReader, width: float, height: float) -> None:
        super().__init__()
        self.reader = reader
        self.width = width
        self.height = height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.reader, 0, 0, self.width, self.height, mask="auto")


def _fit(reader: ImageReader, max_w: float, max_h: float) -> tuple[float, float]:
    w, h = reader.getSize()
    scale = min(max_w / max(w, 1), max_h / max(h, 1))
    return w * scale, h * scale


class _Photos:
    """Photo bytes by sha256, fetched once per report whichever page shows them."""

    def __init__(self, fetch: Callable[[str], bytes | None]) -> None:
        self.fetch = fetch
        self.readers: dict[str, ImageReader | None] = {}

    def get(self, sha256: str) -> ImageReader | None:
        if sha256 not in self.readers:
            try:
                data = self.fetch(sha256)
            except (KeyError, OSError, ValueError):  # a missing or unreadable file: a note, not a crash
                data = None
            self.readers[sha256] = _image_reader(data, f"photo-{sha256}") if data else None
        return self.readers[sha256]


# --- the document -----------------------------------------------------------------------------


@dataclass
class _Row:
    """One row of a _Rows table: a flowable, a list of flowables or None per column."""

    cells: list[Any]
    detail: list[Any] | None = None  # under the cells of the table's detail columns
    background: colors.Color | None = None
    bar: colors.Color | None = None  # a thick rule down the left edge


def _as_list(content: Any) -> list[Any]:
    if content is None:
        return []
    return list(content) if isinstance(content, (list, tuple)) else [content]


def _stack_height(flowables: Sequence[Any], width: float) -> float:
    return float(sum(f.wrap(width, 1e6)[1] for f in flowables))


def _split_stack(flowables: Sequence[Any], width: float, height: float) -> tuple[list[Any], list[Any]]:
    """What of a cell's flowables fits in `height`, and the rest; a _Text splits by lines."""
    first: list[Any] = []
    used = 0.0
    for i, f in enumerate(flowables):
        h = f.wrap(width, height - used)[1]
        if used + h <= height:
            first.append(f)
            used += h
            continue
        parts = f.split(width, height - used) if isinstance(f, _Text) else []
        if parts:
            return first + [parts[0]], [parts[1], *flowables[i + 1:]]
        return first, list(flowables[i:])
    return first, []


class _Rows(Flowable):  # type: ignore[misc]
    """A lean table for the long item lists: fixed columns, a header repeated on every page.

    Platypus' Table resolves styles cell by cell and wraps each cell twice; a section table
    is most of a report, so this draws its rows directly: a background, the cells, a rule.
    A row moves to the next page whole, unless it is taller than a page by itself.
    """

    def __init__(self, widths: Sequence[float], header: Sequence[str] | None, rows: list[_Row], *,
                 fam: _Family, detail_cols: tuple[int, int] = (0, 0), align: Sequence[str] = (),
                 page_height: float = 0.0, rules: bool = True,
                 padding: tuple[float, float, float] = (3, 3, 3.5)) -> None:
        super().__init__()
        self.widths = list(widths)
        self.header = list(header) if header is not None else None
        self.rows = rows
        self.fam = fam
        self.detail_cols = detail_cols
        self.align = list(align) or ["left"] * len(self.widths)
        self.page_height = page_height or _body_height(PAGE)
        self.rules = rules
        self.padding = padding
        self.PAD_X, self.PAD_TOP, self.PAD_BOTTOM = padding
        self._heights: list[float] = []
        self._head_h = 0.0
        self._head_cells = [
            _Text([_Run(_printable(h, fam), fam.bold, 7.5, _GREY)], align=a) if h else None
            for h, a in zip(self.header or [], self.align, strict=False)
        ]

    def _inner(self, col: int) -> float:
        return self.widths[col] - 2 * self.PAD_X

    def _detail_width(self) -> float:
        a, b = self.detail_cols
        return sum(self.widths[a:b + 1]) - 2 * self.PAD_X

    def _row_height(self, row: _Row) -> float:
        a, b = self.detail_cols
        detail_h = _stack_height(row.detail, self._detail_width()) + 2 if row.detail else 0.0
        best = 0.0
        for col, content in enumerate(row.cells):
            h = _stack_height(_as_list(content), self._inner(col))
            best = max(best, h + detail_h if a <= col <= b else h)
        return best + self.PAD_TOP + self.PAD_BOTTOM

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if not self._heights:
            if self.header is not None:
                tallest = max((c.wrap(self._inner(i), 1e6)[1] for i, c in enumerate(self._head_cells) if c),
                              default=0.0)
                self._head_h = tallest + self.PAD_TOP + self.PAD_BOTTOM
            self._heights = [self._row_height(r) for r in self.rows]
        return sum(self.widths), self._head_h + sum(self._heights)

    def split(self, avail_width: float, avail_height: float) -> list[Any]:
        self.wrap(avail_width, avail_height)
        used, n = self._head_h, 0
        while n < len(self.rows) and used + self._heights[n] <= avail_height:
            used += self._heights[n]
            n += 1
        if n == len(self.rows):
            return [self]
        # A row that fits on a fresh page moves there whole. A tall one (a long comment)
        # starts here rather than leave half a page blank, and one taller than a page must.
        room = avail_height - used
        tall = self._heights[n] > 0.4 * self.page_height and room > 0.2 * self.page_height
        if tall or (n == 0 and avail_height >= 0.8 * self.page_height):
            top, bottom = self._split_row(self.rows[n], room)
            if top is not None:
                return [self._with([*self.rows[:n], top]), self._with([bottom, *self.rows[n + 1:]])]
        if n == 0:
            return []
        return [self._with(self.rows[:n]), self._with(self.rows[n:])]

    def _split_row(self, row: _Row, height: float) -> tuple[_Row | None, _Row]:
        """A row too tall for the space left, cut at `height`: each cell keeps what fits."""
        inner = height - self.PAD_TOP - self.PAD_BOTTOM
        tops: list[Any] = []
        bottoms: list[Any] = []
        for col, content in enumerate(row.cells):
            top, bottom = _split_stack(_as_list(content), self._inner(col), inner)
            tops.append(top)
            bottoms.append(bottom)
        detail_top: list[Any] = []
        detail_rest = list(row.detail or [])
        if detail_rest and not any(bottoms):  # the cells are done: the detail may start here
            a, b = self.detail_cols
            used = max(_stack_height(c, self._inner(i)) for i, c in enumerate(tops) if a <= i <= b) + 2
            detail_top, detail_rest = _split_stack(detail_rest, self._detail_width(), inner - used)
        if not any(tops) and not detail_top:
            return None, row
        return (_Row(tops, detail_top or None, row.background, row.bar),
                _Row(bottoms, detail_rest or None, row.background, row.bar))

    def _with(self, rows: list[_Row]) -> _Rows:
        return _Rows(self.widths, self.header, rows, fam=self.fam, detail_cols=self.detail_cols,
                     align=self.align, page_height=self.page_height, rules=self.rules, padding=self.padding)

    def draw(self) -> None:
        # Backgrounds and rules first, as one block of PDF operators; then pictures and
        # nested tables; all text last, in one text object: far fewer state changes (and
        # pure-Python number formatting) than ReportLab's drawing calls a cell at a time.
        canv = self.canv
        pen = _Pen(canv)
        width = sum(self.widths)
        top = self._head_h + sum(self._heights)
        ops = ["q"]
        y = top - self._head_h
        if self.header is not None:
            ops.append(f"{_rgb(_GREY)} RG 0.8 w 0 {y:.2f} m {width:.2f} {y:.2f} l S")
        ops.append(f"{_rgb(_LIGHT)} RG 0.4 w")
        for row, h in zip(self.rows, self._heights, strict=True):
            if row.background is not None:
                ops.append(f"{_rgb(row.background)} rg 0 {y - h:.2f} {width:.2f} {h:.2f} re f")
            if row.bar is not None:
                ops.append(f"{_rgb(row.bar)} rg 0 {y - h:.2f} 3 {h:.2f} re f")
            y -= h
            if self.rules:
                ops.append(f"0 {y:.2f} m {width:.2f} {y:.2f} l S")
        ops.append("Q")
        canv.addLiteral(" ".join(ops))

        y = top
        if self.header is not None:
            self._place(self._head_cells, y, pen)
            y -= self._head_h
        a, b = self.detail_cols
        for row, h in zip(self.rows, self._heights, strict=True):
            self._place(row.cells, y, pen)
            if row.detail:
                x = sum(self.widths[:a]) + self.PAD_X
                under = y - self.PAD_TOP - max(_stack_height(_as_list(c), self._inner(i))
                                               for i, c in enumerate(row.cells) if a <= i <= b) - 2
                for f in row.detail:
                    under -= f.wrap(self._detail_width(), 1e6)[1]
                    self._put(f, x, under, pen)
            y -= h
        pen.finish()

    def _put(self, f: Any, x: float, y: float, pen: _Pen) -> None:
        if isinstance(f, _Text):
            f.write(pen, x, y)
        else:
            f.drawOn(self.canv, x, y)

    def _place(self, cells: Sequence[Any], top: float, pen: _Pen) -> None:
        x = 0.0
        for col, content in enumerate(cells):
            inner = self._inner(col)
            cy = top - self.PAD_TOP
            for f in _as_list(content):
                w, h = f.wrap(inner, 1e6)
                cy -= h
                dx = inner - w if self.align[col] == "right" and not isinstance(f, _Text) else 0.0
                self._put(f, x + self.PAD_X + dx, cy, pen)
            x += self.widths[col]


class _Table(Table):  # type: ignore[misc]
    """A table in the report's font that splits inside a row only when it must.

    Table draws every cell, even one holding a flowable, after setting the cell's font,
    Helvetica unless told otherwise; the PDF would then list a font it never shows.
    """

    def __init__(self, *args: Any, font: str = "", page_height: float = 0.0, **kwargs: Any) -> None:
        if font:
            kwargs["style"] = [("FONTNAME", (0, 0), (-1, -1), font), *kwargs.get("style", [])]
        super().__init__(*args, **kwargs)
        self._page_height = page_height or _body_height(PAGE)

    def split(self, avail_width: float, avail_height: float) -> list[Any]:
        # On a page already partly used, a row moves on whole; near the top of a page, a row
        # taller than the page (a 5000-character comment) must split or the build fails.
        self.splitInRow = int(avail_height > 0.8 * self._page_height)
        parts = list(super().split(avail_width, avail_height))
        for part in parts:  # Table.split builds the parts through __init__ without our keyword
            part._page_height = self._page_height
        return parts


def _grid() -> list[tuple[Any, ...]]:
    return [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, _LIGHT),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]


def _head_style(fam: _Family, row: int = 0) -> list[tuple[Any, ...]]:
    """A header row of plain strings: small, bold, grey, underlined."""
    return [("FONTNAME", (0, row), (-1, row), fam.bold), ("FONTSIZE", (0, row), (-1, row), 7.5),
            ("TEXTCOLOR", (0, row), (-1, row), _GREY), ("LINEBELOW", (0, row), (-1, row), 0.8, _GREY),
            ("VALIGN", (0, row), (-1, row), "BOTTOM")]


def _strings_style(fam: _Family, first: tuple[int, int] = (0, 1), last: tuple[int, int] = (-1, -1),
                   *, bold: bool = False) -> list[tuple[Any, ...]]:
    return [("FONTNAME", first, last, fam.bold if bold else fam.regular), ("FONTSIZE", first, last, 8.5),
            ("LEADING", first, last, 11), ("TEXTCOLOR", first, last, _BLACK)]


def _canvas_class(decorate: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas that holds its pages until the end, so each can say "page X of Y"."""

    class _Numbered(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, 1):
                self.__dict__.update(state)
                decorate(self, number, total)
                super().showPage()
            super().save()

    return _Numbered


@dataclass(frozen=True)
class _Frame:
    """What every page carries around its content: brand, heading, and the footer."""

    fam: _Family
    brand: colors.Color
    brand_name: str
    heading: str
    footer_left: str
    generated: str
    lang: str
    pagesize: tuple[float, float]

    def draw(self, canv: Canvas, page: int, pages: int) -> None:
        width, height = self.pagesize
        canv.saveState()
        top = height - 11 * mm
        canv.setFont(self.fam.bold, 9)
        canv.setFillColor(self.brand)
        canv.drawString(MARGIN, top, _shorten(self.brand_name, self.fam.bold, 9, width / 2 - MARGIN))
        canv.setFont(self.fam.regular, 8.5)
        canv.setFillColor(_GREY)
        canv.drawRightString(width - MARGIN, top,
                             _shorten(self.heading, self.fam.regular, 8.5, width / 2 - MARGIN - 5 * mm))
        canv.setStrokeColor(self.brand)
        canv.setLineWidth(0.8)
        canv.line(MARGIN, top - 2.5 * mm, width - MARGIN, top - 2.5 * mm)
        bottom = 9 * mm
        canv.setStrokeColor(_LIGHT)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, bottom + 4 * mm, width - MARGIN, bottom + 4 * mm)
        canv.setFont(self.fam.regular, 7.5)
        canv.drawString(MARGIN, bottom, self.footer_left)
        canv.drawCentredString(width / 2, bottom, self.generated)
        canv.drawRightString(width - MARGIN, bottom, _l("page", self.lang, page=page, pages=pages))
        canv.restoreState()


_render_lock = threading.Lock()


def _body_height(pagesize: tuple[float, float]) -> float:
    return float(pagesize[1] - _TOP - _BOTTOM)


def _build(story: list[Any], frame: _Frame, *, title: str, subject: str) -> bytes:
    buf = io.BytesIO()
    width, height = frame.pagesize
    doc = BaseDocTemplate(
        buf, pagesize=frame.pagesize, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=_TOP,
        bottomMargin=_BOTTOM, title=title, author=frame.brand_name, subject=subject,
        creator="Customer Journey Audit", invariant=1, pageCompression=1,
        # ReportLab starts every canvas in Helvetica: a font the PDF would list, unembedded
        initialFontName=frame.fam.regular, initialFontSize=9,
    )
    body = Frame(MARGIN, _BOTTOM, width - 2 * MARGIN, height - _TOP - _BOTTOM, id="body",
                 leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[body])])
    # ReportLab keeps per-process state (fonts' subsets per document, rl_config): one build
    # at a time keeps two people downloading at once from mixing anything up.
    with _render_lock:
        doc.build(story, canvasmaker=_canvas_class(frame.draw))
    return buf.getvalue()


# --- one audit --------------------------------------------------------------------------------


def render_audit_pdf(
    audit: Audit,
    checklist: Checklist,
    *,
    location: Location | None,
    lang: str,
    brand: Brand = Brand(),
    auditor_label: str,
    photo: Callable[[str], bytes | None],
    generated_at: str,
    score: AuditScore | None = None,
) -> bytes:
    """The audit as a PDF in `lang`: cover, chart, findings, every section, how it was scored.

    `photo(sha256)` returns a prepared display JPEG, embedded as it is (None: the PDF says
    the photo is missing). `checklist` is the template version the audit was taken with.
    The same arguments give the same bytes.
    """
    fam = _family()
    score = score or score_audit(checklist, audit.answers)
    st = _Styles(fam, _colour(brand.colour))
    report = _AuditReport(audit, checklist, score, location, lang, st, _Photos(photo))
    story = [
        *report.cover(brand, auditor_label),
        PageBreak(),
        *report.findings(),
        PageBreak(),
        *report.sections(),
        PageBreak(),
        *report.appendix(),
    ]
    title = checklist.title.get(lang)
    place = location.name if location else audit.header.location_id
    frame = _Frame(
        fam=fam, brand=st.brand, brand_name=_printable(brand.name, fam),
        heading=_printable(f"{place} · {_when(audit.header.visit_at or audit.header.started_at)}", fam),
        footer_left=_printable(f"{_l('audit_id', lang)}: {audit.id}", fam),
        generated=_printable(_l("generated", lang, at=_when(generated_at)), fam),
        lang=lang, pagesize=PAGE,
    )
    return _build(story, frame, title=_printable(f"{title} — {place}", fam),
                  subject=_l("audit_report", lang))


class _AuditReport:
    def __init__(self, audit: Audit, checklist: Checklist, score: AuditScore, location: Location | None,
                 lang: str, st: _Styles, photos: _Photos) -> None:
        self.audit = audit
        self.checklist = checklist
        self.score = score
        self.location = location
        self.lang = lang
        self.st = st
        self.photos = photos
        self.width = PAGE[0] - 2 * MARGIN
        self.page_height = _body_height(PAGE)
        self.numbers: dict[str, str] = {}
        self.items: dict[str, tuple[Section, Item]] = {}
        for si, section in enumerate(checklist.sections, 1):
            for ii, item in enumerate(section.items, 1):
                key = item_key(section, item)
                self.numbers[key] = f"{si}.{ii}"
                self.items[key] = (section, item)

    def _item_title(self, key: str) -> str:
        found = self.items.get(key)
        if found is None:
            return key
        section, item = found
        return f"{self.numbers[key]} {section.title.get(self.lang)} › {item.text.get(self.lang)}"

    # cover

    def cover(self, brand: Brand, auditor_label: str) -> list[Any]:
        st, lang, header = self.st, self.lang, self.audit.header
        out: list[Any] = []
        logo = _image_reader(brand.logo) if brand.logo else None
        name = st.p(brand.name, st.brand_name)
        if logo is not None:
            w, h = _fit(logo, 45 * mm, 16 * mm)
            out.append(_Table([[_Picture(logo, w, h), name]], colWidths=[w + 5 * mm, None], hAlign="LEFT",
                              font=st.fam.regular, style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                                          ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        else:
            out.append(name)
        out.append(Spacer(1, 6 * mm))
        kicker = _l("audit_report", lang)
        if self.audit.is_draft:
            kicker += f" · {t('status.draft', lang)}"
        out.append(st.p(kicker.upper(), st.kicker))
        loc = self.location
        out.append(st.p(loc.name if loc else header.location_id, st.title))
        if loc and loc.address:
            out.append(st.p(loc.address))
        out.append(Spacer(1, 5 * mm))

        facts = [
            (_l("visit", lang), _when(header.visit_at or header.started_at)),
            (_l("checklist", lang),
             f"{self.checklist.title.get(lang)} · {_l('version', lang, version=header.template_version)}"),
            (_l("mode", lang), t(f"mode.{header.mode}", lang)),
            (_l("auditor", lang), auditor_label),
            (_l("region", lang), loc.region if loc else ""),
            (_l("audit_id", lang), self.audit.id),
        ]
        rows = [[label, st.text(st.run(value, size=9))] for label, value in facts if value]
        out.append(_Table(rows, colWidths=[35 * mm, self.width - 35 * mm], font=st.fam.regular, style=[
            *_grid(), *_strings_style(st.fam, (0, 0), (0, -1), bold=True),
            ("TEXTCOLOR", (0, 0), (0, -1), _GREY), ("FONTSIZE", (0, 0), (0, -1), 8),
            ("LEFTPADDING", (0, 0), (0, -1), 0)]))
        out.append(Spacer(1, 7 * mm))
        out.append(self._score_block())
        if self.score.is_critical_failure:
            out.append(Spacer(1, 4 * mm))
            out.append(self._critical_banner())
        out.append(Spacer(1, 4 * mm))
        out.append(KeepTogether([st.p(_l("chart", lang), st.h2), self._chart()]))
        return out

    def _score_block(self) -> Table:
        st, lang, score = self.st, self.lang, self.score
        colour = _level_colour(score.level)
        big = ParagraphStyle("score", st.big, textColor=colour)
        runs = [st.run(t("score.overall", lang), bold=True, size=10, colour=_GREY),
                st.run(level_name(score.level, lang, self.checklist), bold=True, size=16, colour=colour,
                       space_before=2)]
        if score.is_critical_failure and score.cap is not None:
            runs.append(st.run(f"{t('score.computed', lang)}: {_pct(score.computed)}", size=9,
                               space_before=5))
            runs.append(st.run(t("score.capped", lang, cap=score.cap), size=9))
        table = _Table([[st.p(_pct(score.overall), big), st.text(*runs)]], font=st.fam.regular,
                      colWidths=[70 * mm, self.width - 70 * mm])
        table.setStyle([
            ("BACKGROUND", (0, 0), (-1, -1), _tint(colour, 0.1)),
            ("LINEBEFORE", (0, 0), (0, -1), 4, colour),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 8),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
        ])
        return table

    def _critical_banner(self) -> Table:
        st, lang, score = self.st, self.lang, self.score
        white = colors.white
        runs = [st.run("⚠ " + t("score.critical", lang), bold=True, size=12, colour=white)]
        runs += [st.run(f"• {self._item_title(k)}", size=9.5, colour=white, space_before=2)
                 for k in score.critical_failures]
        if score.cap is not None:
            runs.append(st.run(
                f"{t('score.computed', lang)}: {_pct(score.computed)} → {t('score.overall', lang)}: "
                f"{_pct(score.overall)}. {t('score.capped', lang, cap=score.cap)}.",
                size=9.5, colour=white, space_before=4))
        return _Table([[st.text(*runs)]], colWidths=[self.width], font=st.fam.regular, style=[
            ("BACKGROUND", (0, 0), (-1, -1), _RED),
            ("TOPPADDING", (0, 0), (-1, -1), 7), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ])

    def _chart(self) -> Drawing:
        bars = [(s.title.get(self.lang), ss.percent)
                for s, ss in zip(self.checklist.sections, self.score.sections, strict=True)]
        return _section_chart(bars, self.checklist, self.st.fam, self.lang, self.width)

    # findings

    def findings(self) -> list[Any]:
        st, lang = self.st, self.lang
        order = {key: n for n, key in enumerate(self.numbers)}
        # critical first, then the largest loss, then checklist order
        found = sorted(self.score.findings,
                       key=lambda s: (not s.is_critical_failure, s.earned - s.possible, order.get(s.key, 0)))
        out: list[Any] = [st.p(_l("findings", lang), st.h1)]
        if not found:
            out.append(st.p(_l("no_findings", lang)))
            return out
        out.append(st.p(_l("findings_intro", lang, count=len(found)), st.small))
        out.append(Spacer(1, 3 * mm))
        for n, s in enumerate(found, 1):
            out.append(self._finding(n, s))
            out.append(Spacer(1, 3 * mm))
        return out

    def _finding(self, n: int, s: ItemScore) -> _Rows:
        st, lang = self.st, self.lang
        section, item = self.items[s.key]
        answer = self.audit.answers.get(s.key)
        colour = _RED if s.is_critical_failure else _AMBER
        pictures = self._pictures(answer, 55 * mm, 48 * mm)
        pad = 6.0
        photo_w = 55 * mm + 2 * pad if pictures else 0.0
        lost_w = 24 * mm
        text_w = self.width - lost_w - photo_w
        runs = [st.run(f"{n}. {section.title.get(lang)} › {item.text.get(lang)}", bold=True, size=9)]
        if s.is_critical_failure:
            runs.append(st.run(t("score.critical", lang), bold=True, colour=_RED, space_before=1))
        runs.append(st.run(f"{_l('answer', lang)}: {answer_text(item, answer, lang)}", space_before=2))
        runs.append(st.note(explain(item, s, lang)))
        runs += self._stopwatch(item, answer)
        cell: list[Any] = [st.text(*runs)]
        cell += self._details(item, answer, text_w - 2 * pad)
        if answer and answer.comment.strip():
            cell.append(st.text(st.run(f"{_l('comment', lang)}:", bold=True, colour=_INK, space_before=4),
                                st.run(answer.comment.strip(), colour=_INK)))
        lost = _l("lost", lang, lost=_num(s.possible - s.earned), possible=_num(s.possible))
        cells: list[Any] = [cell, st.text(st.run(lost, bold=True, size=9, colour=colour), align="right")]
        widths = [text_w, lost_w]
        detail = None
        if pictures:
            cells.append([f for one in pictures[:2] for f in one])
            widths.append(photo_w)
            # more than two photos go in rows of three under the text, so no cell outgrows a page
            rest = pictures[2:]
            detail = [_Table([rest[i:i + 3]], colWidths=[photo_w] * 3, hAlign="LEFT", font=st.fam.regular,
                             style=[
                ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]) for i in range(0, len(rest), 3)] or None
        row = _Row(cells, detail, _RED_PALE if s.is_critical_failure else _PALE, colour)
        return _Rows(widths, None, [row], fam=st.fam, detail_cols=(0, len(widths) - 1), rules=False,
                     padding=(pad, pad, pad), page_height=self.page_height)

    def _pictures(self, answer: Answer | None, max_w: float, max_h: float) -> list[Any]:
        """Each of the answer's photos with its caption and trust notes, one flowable list per photo."""
        if answer is None or not answer.photos:
            return []
        st, lang = self.st, self.lang
        out: list[Any] = []
        for sha in dict.fromkeys(answer.photos):
            reader = self.photos.get(sha)
            if reader is None:
                out.append([st.text(st.note(_l("photo_missing", lang), _RED)), Spacer(1, 4)])
                continue
            w, h = _fit(reader, max_w, max_h)
            notes = self._photo_notes(self.audit.photos.get(sha))
            one: list[Any] = [_Picture(reader, w, h)]
            if notes:
                one.append(st.text(st.run(notes, size=7, colour=_GREY, space_before=0)))
            one.append(Spacer(1, 4))
            out.append(one)
        return out

    def _photo_notes(self, ref: PhotoRef | None) -> str:
        if ref is None:
            return ""
        lang = self.lang
        bits = []
        if ref.caption:
            bits.append(ref.caption)
        if ref.captured_at:
            bits.append(_l("taken", lang, at=_when(ref.captured_at)))
        for flag in ref.flags:
            kind, _, other = flag.partition(":")
            if kind == "old":
                bits.append(_l("flag_old", lang))
            elif kind in ("duplicate", "similar"):
                bits.append(_l(f"flag_{kind}", lang, audit=other))
        return " · ".join(bits)

    def _stopwatch(self, item: Item, answer: Answer | None) -> list[_Run]:
        if item.type != "wait_time" or answer is None or not isinstance(answer.value, dict):
            return []
        v = answer.value
        if not (v.get("start") and v.get("end")):
            return []
        waited = _l("waited", self.lang, start=_clock(str(v["start"])), end=_clock(str(v["end"])))
        return [self.st.note(waited)]

    def _details(self, item: Item, answer: Answer | None, width: float) -> list[Any]:
        """What a short answer hides: the opening-hours week, the website text with its typos."""
        if answer is None or answer.na or not isinstance(answer.value, dict):
            return []
        st, lang, v = self.st, self.lang, answer.value
        if item.type == "hours":
            return [Spacer(1, 1.5 * mm), self._week(v, width)]
        if item.type == "typo_check" and v.get("text"):
            typos = [str(w) for w in v.get("typos") or []]
            return [Spacer(1, 1 * mm), st.m(f"<b>{escape(_l('website_text', lang))}:</b> "
                                            f"{_typos_markup(str(v['text']), typos, st.fam)}",
                                            ParagraphStyle("typos", st.cell, fontSize=8, leading=10.5,
                                                           textColor=_INK))]
        return []

    def _week(self, week: Mapping[str, Any], width: float) -> Table:
        """The opening-hours week, a column a day; opening and closing on two lines when narrow."""
        fam, lang = self.st.fam, self.lang
        col = min(21 * mm, width / 7)
        one_line = pdfmetrics.stringWidth("00:00–00:00", fam.regular, 7.5) + 4 <= col
        spans = []
        for d in WEEKDAYS:
            span = week.get(d)
            if span:
                spans.append(f"{span[0]}–{span[1]}" if one_line else f"{span[0]}–\n{span[1]}")
            else:
                spans.append(t("answer.closed", lang))
        # "closed" in Russian is a long word: shrink the type rather than overflow the column
        widest = max(pdfmetrics.stringWidth(line, fam.regular, 1)
                     for text in spans for line in text.split("\n"))
        size = max(5.5, min(7.5, (col - 3) / widest))
        style = [
            ("GRID", (0, 0), (-1, -1), 0.4, _LIGHT), ("BACKGROUND", (0, 0), (-1, 0), colors.white),
            ("BACKGROUND", (0, 1), (-1, 1), colors.white),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("FONTNAME", (0, 0), (-1, 0), fam.bold), ("FONTSIZE", (0, 0), (-1, 0), 7.5),
            ("FONTNAME", (0, 1), (-1, 1), fam.regular), ("FONTSIZE", (0, 1), (-1, 1), size),
            ("LEADING", (0, 0), (-1, -1), 9),
            ("TEXTCOLOR", (0, 0), (-1, 0), _GREY),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 1), ("RIGHTPADDING", (0, 0), (-1, -1), 1),
        ]
        style += [("TEXTCOLOR", (i, 1), (i, 1), _GREY) for i, d in enumerate(WEEKDAYS) if not week.get(d)]
        return _Table([[t(f"day.{d}", lang) for d in WEEKDAYS], spans], colWidths=[col] * 7, hAlign="LEFT",
                      font=fam.regular,
                     style=style)

    # sections

    def sections(self) -> list[Any]:
        st, lang = self.st, self.lang
        out: list[Any] = [st.p(_l("sections", lang), st.h1)]
        for si, (section, ss) in enumerate(zip(self.checklist.sections, self.score.sections, strict=True), 1):
            colour = _score_colour(self.checklist, ss.percent)
            points = _l("section_score", lang, earned=_num(ss.earned), possible=_num(ss.possible),
                        weight=_num(ss.weight))
            # the small points line shares the title's baseline: its leading is chosen so
            head = _Table([[
                st.text(st.run(f"{si}. {section.title.get(lang)}", bold=True, size=12.5, colour=st.brand)),
                _Text([_Run(points, st.fam.regular, 7.5, _GREY, 13.4)], align="right"),
                _Text([_Run(_pct(ss.percent), st.fam.bold, 12.5, colour)], align="right"),
            ]], colWidths=[None, 58 * mm, 22 * mm], font=st.fam.regular, style=[
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LINEBELOW", (0, 0), (-1, -1), 1, st.brand),
            ])
            # a heading is never left alone at the foot of a page
            out += [CondPageBreak(40 * mm), Spacer(1, 5 * mm), head, self._section_table(section, ss.items)]
        return out

    def _section_table(self, section: Section, scores: Sequence[ItemScore]) -> _Rows:
        st, lang, fam = self.st, self.lang, self.st.fam
        answers = [self.audit.answers.get(item_key(section, i)) for i in section.items]
        has_photos = any(a is not None and a.photos for a in answers)
        number_w, answer_w, points_w = 9 * mm, 52 * mm, 17 * mm
        photo_w = 36 * mm if has_photos else 0.0
        widths = [number_w, self.width - number_w - answer_w - points_w - photo_w, answer_w, points_w]
        header = ["", _l("item", lang), _l("answer", lang), _l("points", lang)]
        align = ["left", "left", "left", "right"]
        if has_photos:
            header.append(_l("photos", lang))
            widths.append(photo_w)
            align.append("left")
        comment_label = _l("comment", lang)
        rows: list[_Row] = []
        for item, s, answer in zip(section.items, scores, answers, strict=True):
            key = item_key(section, item)
            item_runs = [st.run(item.text.get(lang))]
            if item.critical:
                item_runs.append(st.run(_l("critical_item", lang), size=7.5, colour=_RED, space_before=1))
            if answer and answer.comment.strip():
                item_runs.append(st.run(f"{comment_label}:", bold=True, size=8, colour=_INK, space_before=3))
                item_runs.append(st.run(answer.comment.strip(), size=8, colour=_INK))
            answer_runs = [st.run(answer_text(item, answer, lang), bold=item.type != "text")]
            # "yes → 1 of 1" only repeats the answer and the points; other reasons explain them
            if (s.fraction is not None and s.reason[0] not in ("yes", "no")) or \
                    s.reason[0] in ("na", "na_not_allowed", "invalid"):
                answer_runs.append(st.note(explain(item, s, lang)))
            answer_runs += self._stopwatch(item, answer)
            points = (f"{_num(s.earned)} / {_num(s.possible)}" if s.possible > 0
                      else t("answer.na", lang) if answer is not None and answer.na else "—")
            colour = _RED if s.is_critical_failure else _AMBER if s.is_finding else _BLACK
            cells: list[Any] = [st.text(st.run(self.numbers[key], bold=True)), st.text(*item_runs),
                                st.text(*answer_runs),
                                st.text(st.run(points, bold=s.is_finding, colour=colour), align="right")]
            if has_photos:
                cells.append([f for one in self._pictures(answer, photo_w - 6, 30 * mm) for f in one])
            background = _RED_PALE if s.is_critical_failure else _AMBER_PALE if s.is_finding else None
            # the week and the website text need the width of item, answer and points
            details = self._details(item, answer, widths[1] + widths[2] + widths[3] - 6)
            rows.append(_Row(cells, details or None, background))
        return _Rows(widths, header, rows, fam=fam, detail_cols=(1, 3), align=align,
                     page_height=self.page_height)

    # appendix

    def appendix(self) -> list[Any]:
        st, lang, score, checklist = self.st, self.lang, self.score, self.checklist
        fam = st.fam
        out: list[Any] = [st.p(_l("appendix", lang), st.h1), st.p(_l("appendix_intro", lang)),
                          Spacer(1, 4 * mm)]
        rows: list[list[Any]] = [[_l(k, lang) for k in ("section", "earned", "possible", "score", "weight",
                                                         "weighted")]]
        style = [*_grid(), *_head_style(fam), *_strings_style(fam, (1, 1), (-1, -1)),
                 ("ALIGN", (1, 0), (-1, -1), "RIGHT")]
        weights = weighted = 0.0
        for section, ss in zip(checklist.sections, score.sections, strict=True):
            counted = ss.possible > 0
            contribution = ss.weight * (ss.percent or 0.0)
            if counted:
                weights += ss.weight
                weighted += contribution
            else:  # nothing possible: the section is left out of the mean
                style.append(("TEXTCOLOR", (1, len(rows)), (-1, len(rows)), _GREY))
            rows.append([st.text(st.run(section.title.get(lang))), _num(ss.earned), _num(ss.possible),
                         _pct(ss.percent), _num(ss.weight), _num(contribution) if counted else "—"])
        rows.append([_l("total", lang), "", "", "", _num(weights), _num(weighted)])
        style += [*_strings_style(fam, (0, -1), (-1, -1), bold=True),
                  ("LINEABOVE", (0, -1), (-1, -1), 0.8, _GREY)]
        widths = [self.width - 5 * 24 * mm] + [24 * mm] * 5
        out.append(_Table(rows, colWidths=widths, repeatRows=1, style=style, font=fam.regular))
        out.append(Spacer(1, 4 * mm))

        lines: list[_Run] = []
        if weights > 0:
            formula = _l("formula", lang, weighted=_num(weighted), weights=_num(weights),
                         score=_pct(score.computed))
            lines.append(st.run(f"{t('score.computed', lang)}: {formula}", bold=True, size=9))
        if score.is_critical_failure:
            items = "; ".join(self._item_title(k) for k in score.critical_failures)
            capped = t("score.capped", lang, cap=score.cap or 0)
            lines.append(st.run(f"{_l('cap_applied', lang, items=items)} {capped}: {_pct(score.computed)} → "
                                f"{_pct(score.overall)}.", size=9, colour=_RED, space_before=3))
        else:
            lines.append(st.run(_l("cap_none", lang, cap=_num(checklist.critical_cap)), size=9,
                                space_before=3))
        lines.append(st.run(f"{t('score.overall', lang)}: {_pct(score.overall)} — "
                            f"{level_name(score.level, lang, checklist)}", bold=True, size=9, space_before=3))
        levels = ", ".join(_l("level_from", lang, level=level_name(lv.key, lang, checklist), min=_num(lv.min))
                           for lv in checklist.levels)
        lines.append(st.run(_l("levels", lang, levels=levels), size=9, space_before=3))

        na = [k for k, a in self.audit.answers.items() if a.na and k in self.items]
        na.sort(key=lambda k: list(self.numbers).index(k))
        unanswered = [i.key for s in score.sections for i in s.items if i.reason[0] == "unanswered"
                      and self.items[i.key][1].is_scored]
        lines.append(st.run(_l("na_items", lang) if na else _l("na_none", lang), bold=True, size=9,
                            space_before=10))
        lines += [st.run(f"• {self._item_title(k)}", size=9, space_before=1) for k in na]
        if unanswered:
            lines.append(st.run(_l("unanswered_items", lang), bold=True, size=9, space_before=8))
            lines += [st.run(f"• {self._item_title(k)}", size=9, space_before=1) for k in unanswered]
        out.append(st.text(*lines))
        return out


def _typos_markup(text: str, typos: Sequence[str], fam: _Family) -> str:
    """The website text with each confirmed typo in bold red; a long text cut to the typos' surroundings."""
    text = _printable(text, fam)
    words = sorted({_printable(w, fam) for w in typos if w.strip()}, key=len, reverse=True)
    hits: list[tuple[int, int]] = []
    if words:
        pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])")
        hits = [(m.start(), m.end()) for m in pattern.finditer(text)]
    keep: list[tuple[int, int]] = []
    if len(text) <= 600:
        keep = [(0, len(text))]
    else:  # the text can be a whole web page: keep what surrounds each typo
        for start, end in hits or [(0, 0)]:
            lo, hi = max(0, start - 120), min(len(text), end + 120)
            if keep and lo <= keep[-1][1]:
                keep[-1] = (keep[-1][0], hi)
            else:
                keep.append((lo, hi))
    parts: list[str] = []
    for lo, hi in keep:
        if lo > 0:
            parts.append("…")
        pos = lo
        for start, end in hits:
            if start < lo or end > hi:
                continue
            parts.append(escape(text[pos:start]))
            parts.append(f'<font color="{_RED.hexval()}"><b>{escape(text[start:end])}</b></font>')
            pos = end
        parts.append(escape(text[pos:hi]))
        if hi < len(text):
            parts.append("…")
    return "«" + "".join(parts).replace("\n", " ") + "»"


def _section_chart(bars: Sequence[tuple[str, float | None]], checklist: Checklist, fam: _Family,
                   lang: str, width: float) -> Drawing:
    """Horizontal bars of section scores coloured by level, with the level thresholds marked.

    Drawn from reportlab.graphics shapes rather than HorizontalBarChart: the same picture
    for a tenth of the build time.
    """
    n = max(len(bars), 1)
    bar_h = 6.2 * mm
    label_w = 62 * mm
    plot_w = width - label_w - 16 * mm
    bottom, top_pad = 6 * mm, 6 * mm
    plot_h = n * bar_h
    height = bottom + plot_h + top_pad
    top = bottom + plot_h
    drawing = Drawing(width, height)
    # not Helvetica, which the PDF would then list as a font
    drawing.initialFontName, drawing.initialFontSize = fam.regular, 8
    for v in range(0, 101, 20):
        x = label_w + plot_w * v / 100
        drawing.add(Line(x, bottom, x, top, strokeColor=_LIGHT, strokeWidth=0.4))
        drawing.add(String(x, bottom - 9, f"{v}%", fontName=fam.regular, fontSize=7, fillColor=_GREY,
                           textAnchor="middle"))
    for i, (name, percent) in enumerate(bars):
        middle = top - (i + 0.5) * bar_h
        label = _shorten(_printable(name, fam).replace("\n", " "), fam.regular, 8, label_w - 4 * mm)
        drawing.add(String(label_w - 3, middle - 2.8, label, fontName=fam.regular, fontSize=8,
                           fillColor=_BLACK, textAnchor="end"))
        colour = _score_colour(checklist, percent)
        length = plot_w * (percent or 0.0) / 100
        if length > 0:
            drawing.add(Rect(label_w, middle - bar_h * 0.31, length, bar_h * 0.62, fillColor=colour,
                             strokeColor=None))
        drawing.add(String(label_w + length + 3, middle - 2.6, _pct(percent), fontName=fam.bold, fontSize=7.5,
                           fillColor=colour))
    drawing.add(Line(label_w, bottom, label_w, top, strokeColor=_GREY, strokeWidth=0.6))
    drawing.add(Line(label_w, bottom, label_w + plot_w, bottom, strokeColor=_GREY, strokeWidth=0.6))
    for level in checklist.levels:
        if level.min <= 0:
            continue
        x = label_w + plot_w * level.min / 100
        colour = _level_colour(level.key)
        drawing.add(Line(x, bottom, x, top + 2 * mm, strokeColor=colour, strokeWidth=0.6,
                         strokeDashArray=[2, 2]))
        name = _printable(level_name(level.key, lang, checklist), fam)
        drawing.add(String(x, top + 3 * mm, f"{_num(level.min)}% {name}", fontName=fam.regular, fontSize=7,
                           fillColor=colour, textAnchor="middle"))
    return drawing


# --- the network ------------------------------------------------------------------------------


def render_network_pdf(
    rows: Sequence[SummaryRow],
    locations: Mapping[str, Location],
    checklist: Checklist,
    *,
    lang: str,
    brand: Brand = Brand(),
    date_from: str | None,
    date_to: str | None,
    region: str | None,
    generated_at: str,
    all_rows: Sequence[SummaryRow] | None = None,
) -> bytes:
    """The network for a period, region and template as a landscape PDF in `lang`.

    Locations ranked with the change since the previous period, a locations × sections table
    coloured by level, the items failed most often, and the self-audit vs mystery gap.
    `all_rows`, when given, is where the previous period is looked up (default: `rows`).
    Dates are YYYY-MM-DD, inclusive; a bad one raises analytics.FilterError.
    """
    # only the network report needs these
    from audit import analytics
    from audit.rollups import rollups_of

    fam = _family()
    f = analytics.Filters(date_from=date_from, date_to=date_to, region=region, template_id=checklist.id)
    data = rollups_of(rows, daily=True)  # by day: a report's period need not be whole months
    dash = analytics.dashboard(data, locations, f, checklist=checklist)
    ranked = (analytics.ranking(data, locations, f, checklist=checklist,
                                previous=rollups_of(all_rows, daily=True))
              if all_rows is not None else dash.ranking)
    st = _Styles(fam, _colour(brand.colour))
    pagesize = landscape(A4)
    report = _NetworkReport(checklist, locations, lang, st, pagesize)
    period = _period(date_from, date_to, lang)
    story = report.cover(brand, period, region, dash.audits)
    if dash.audits == 0:
        story.append(st.p(_l("no_data", lang)))
    else:
        story += report.ranking(ranked)
        story += report.heatmap(ranked, dash.heatmap, dash.sections)
        story += report.worst(dash.worst_items)
        story += report.gaps(dash.gaps)
    title = checklist.title.get(lang)
    frame = _Frame(
        fam=fam, brand=st.brand, brand_name=_printable(brand.name, fam),
        heading=_printable(f"{_l('network_report', lang)} · {title} · {period}", fam),
        footer_left=_printable(f"{_l('network_report', lang)} · {region or _l('all_regions', lang)}", fam),
        generated=_printable(_l("generated", lang, at=_when(generated_at)), fam),
        lang=lang, pagesize=pagesize,
    )
    return _build(story, frame, title=_printable(f"{_l('network_report', lang)} — {title}", fam),
                  subject=period)


def _period(date_from: str | None, date_to: str | None, lang: str) -> str:
    if not date_from and not date_to:
        return _l("all_time", lang)
    return f"{date_from or '…'} – {date_to or '…'}"


class _NetworkReport:
    def __init__(self, checklist: Checklist, locations: Mapping[str, Location], lang: str, st: _Styles,
                 pagesize: tuple[float, float]) -> None:
        self.checklist = checklist
        self.locations = locations
        self.lang = lang
        self.st = st
        self.width = pagesize[0] - 2 * MARGIN
        self.page_height = _body_height(pagesize)

    def _name(self, location_id: str) -> str:
        loc = self.locations.get(location_id)
        return loc.name if loc else location_id

    def _levels(self) -> str:
        return _l("levels", self.lang, levels=", ".join(
            _l("level_from", self.lang, level=level_name(lv.key, self.lang, self.checklist), min=_num(lv.min))
            for lv in self.checklist.levels))

    def _table(self, rows: list[list[Any]], widths: list[float], style: list[tuple[Any, ...]]) -> _Table:
        fam = self.st.fam
        return _Table(rows, colWidths=widths, repeatRows=1, page_height=self.page_height, font=fam.regular,
                      style=[*_grid(), *_head_style(fam), *_strings_style(fam), *style])

    def cover(self, brand: Brand, period: str, region: str | None, audits: int) -> list[Any]:
        st, lang = self.st, self.lang
        out: list[Any] = [st.p(_l("network_report", lang).upper(), st.kicker),
                          st.p(self.checklist.title.get(lang), st.title), Spacer(1, 3 * mm)]
        facts = [
            (_l("period", lang), period),
            (_l("region", lang), region or _l("all_regions", lang)),
            (_l("checklist", lang), f"{self.checklist.title.get(lang)} · "
                                    f"{_l('version', lang, version=self.checklist.version)}"),
            (_l("audits", lang), str(audits)),
        ]
        rows = [[label, st.text(st.run(value, size=9))] for label, value in facts]
        out.append(_Table(rows, colWidths=[35 * mm, 120 * mm], hAlign="LEFT", font=st.fam.regular, style=[
            *_grid(), *_strings_style(st.fam, (0, 0), (0, -1), bold=True),
            ("TEXTCOLOR", (0, 0), (0, -1), _GREY), ("FONTSIZE", (0, 0), (0, -1), 8),
            ("LEFTPADDING", (0, 0), (0, -1), 0)]))
        return out

    def ranking(self, ranked: Sequence[Any]) -> list[Any]:
        st, lang, fam = self.st, self.lang, self.st.fam
        rows: list[list[Any]] = [[_l("rank", lang), _l("location", lang), _l("region", lang),
                                  _l("score", lang), _l("level", lang), _l("change", lang),
                                  _l("audits", lang), t("score.critical", lang)]]
        style: list[tuple[Any, ...]] = [
            ("ALIGN", (0, 0), (0, -1), "RIGHT"), ("ALIGN", (3, 0), (3, -1), "RIGHT"),
            ("ALIGN", (5, 0), (-1, -1), "RIGHT"), ("FONTNAME", (3, 1), (3, -1), fam.bold)]
        for r in ranked:
            i = len(rows)
            level_colour = _level_colour(r.level)
            style += [("TEXTCOLOR", (3, i), (4, i), level_colour)]
            change = "—"
            if r.change is not None:
                change = _signed(r.change)
                style.append(("TEXTCOLOR", (5, i), (5, i), _LEVEL_COLOURS["wow"] if change.startswith("+")
                              else _RED if change.startswith("−") else _GREY))
            if r.critical:
                style += [("TEXTCOLOR", (7, i), (7, i), _RED), ("FONTNAME", (7, i), (7, i), fam.bold)]
            rows.append([str(r.rank), st.text(st.run(r.name, bold=True)), st.text(st.run(r.region)),
                         _pct(r.score), level_name(r.level, lang, self.checklist), change, str(r.audits),
                         str(r.critical)])
        widths = [12 * mm, 0.0, 50 * mm, 24 * mm, 38 * mm, 24 * mm, 20 * mm, 36 * mm]
        widths[1] = self.width - sum(widths)
        return [st.p(_l("ranking", lang), st.h2), self._table(rows, widths, style),
                Spacer(1, 2 * mm), st.p(_l("change_note", lang), st.small)]

    def heatmap(self, ranked: Sequence[Any], cells: Sequence[Any], sections: Sequence[str]) -> list[Any]:
        st, lang, fam = self.st, self.lang, self.st.fam
        if not sections:
            return []
        by_cell = {(c.location_id, c.section_id): c for c in cells}
        order = [r.location_id for r in ranked]
        order += sorted({c.location_id for c in cells} - set(order))
        name_w = 48 * mm
        col = (self.width - name_w) / len(sections)
        titles = []
        for sid in sections:
            section = self.checklist.section(sid)
            titles.append(_printable(section.title.get(lang) if section else sid, fam))
        # the longest word of a title must fit its column, or it would be cut mid-word
        longest = max(_word_width(fam.bold, w) / 1000 for title in titles for w in title.split() or ["-"])
        size = max(5.0, min(7.5, (col - 3) / max(longest, 1e-6)))
        head: list[Any] = [_l("location", lang)]
        head += [_Text([_Run(title, fam.bold, size, _GREY)], align="center") for title in titles]
        rows: list[list[Any]] = [head]
        style: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 1), (-1, -1), "MIDDLE"), ("ALIGN", (1, 1), (-1, -1), "CENTER"),
            ("GRID", (1, 1), (-1, -1), 1.2, colors.white),
            ("LEFTPADDING", (1, 0), (-1, -1), 1.5), ("RIGHTPADDING", (1, 0), (-1, -1), 1.5)]
        for i, loc_id in enumerate(order, 1):
            row: list[Any] = [st.text(st.run(self._name(loc_id)))]
            for j, sid in enumerate(sections, 1):
                cell = by_cell.get((loc_id, sid))
                score = cell.score if cell else None
                row.append("—" if score is None else f"{score:.0f}")
                fill = _PALE if score is None else _tint(_score_colour(self.checklist, score), 0.55)
                style.append(("BACKGROUND", (j, i), (j, i), fill))
            rows.append(row)
        table = self._table(rows, [name_w] + [col] * len(sections), style)
        return [PageBreak(), st.p(_l("heatmap", lang), st.h2),
                st.p(_l("heatmap_note", lang, levels=self._levels()), st.small), Spacer(1, 2 * mm), table]

    def worst(self, items: Sequence[Any]) -> list[Any]:
        st, lang, fam = self.st, self.lang, self.st.fam
        if not items:
            return []
        rows: list[list[Any]] = [[_l("rank", lang), _l("item", lang), _l("failed", lang), _l("audits", lang),
                                  _l("rate", lang)]]
        for n, w in enumerate(items, 1):
            found = self.checklist.item(w.key)
            section = self.checklist.section(w.key.partition(".")[0])
            runs = []
            if section:
                runs.append(st.run(section.title.get(lang), size=7.5, colour=_GREY))
            runs.append(st.run(found.text.get(lang) if found else w.key))
            rows.append([str(n), st.text(*runs), str(w.failed), str(w.applicable),
                         f"{round(w.rate * 100):d}%"])
        widths = [12 * mm, 0.0, 28 * mm, 28 * mm, 24 * mm]
        widths[1] = self.width - sum(widths)
        style: list[tuple[Any, ...]] = [
            ("ALIGN", (0, 0), (0, -1), "RIGHT"), ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ("FONTNAME", (4, 1), (4, -1), fam.bold)]
        return [CondPageBreak(60 * mm), st.p(_l("worst", lang), st.h2), self._table(rows, widths, style)]

    def gaps(self, gaps: Sequence[Any]) -> list[Any]:
        st, lang, fam = self.st, self.lang, self.st.fam
        if not gaps:
            return []
        rows: list[list[Any]] = [[_l("location", lang), t("mode.self", lang), t("mode.mystery", lang),
                                  _l("gap_col", lang), f"{_l('audits', lang)}: {t('mode.self', lang)}",
                                  f"{_l('audits', lang)}: {t('mode.mystery', lang)}"]]
        style: list[tuple[Any, ...]] = [("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                                        ("FONTNAME", (1, 1), (3, -1), fam.bold)]
        for g in gaps:
            i = len(rows)
            style += [("TEXTCOLOR", (1, i), (1, i), _score_colour(self.checklist, g.self_score)),
                      ("TEXTCOLOR", (2, i), (2, i), _score_colour(self.checklist, g.mystery_score))]
            gap = _signed(g.gap)
            if g.flagged:
                gap += " ⚠"
                style += [("TEXTCOLOR", (3, i), (3, i), _RED), ("BACKGROUND", (0, i), (-1, i), _RED_PALE)]
            rows.append([st.text(st.run(self._name(g.location_id), bold=True)), _pct(g.self_score),
                         _pct(g.mystery_score), gap, str(g.self_audits), str(g.mystery_audits)])
        widths = [0.0, 36 * mm, 36 * mm, 30 * mm, 40 * mm, 40 * mm]
        widths[0] = self.width - sum(widths)
        return [CondPageBreak(50 * mm), st.p(_l("gap", lang), st.h2), st.p(_l("gap_intro", lang), st.small),
                Spacer(1, 2 * mm), self._table(rows, widths, style)]
