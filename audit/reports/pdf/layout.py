"""Flowables and the page frame the reports are built from."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfutils import readJPEGInfo
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Table,
)
from reportlab.platypus.flowables import _listWrapOn

from audit.reports.pdf.styles import (
    _BLACK,
    _BOTTOM,
    _GREY,
    _LIGHT,
    _TOP,
    MARGIN,
    PAGE,
    _Family,
    _l,
    _markup,
    _printable,
    _shorten,
    _wrap_lines,
)

# Photos are JPEG already: ASCII85 would make each one a quarter larger for nothing, since a
# PDF is a binary file wherever it goes. rl_config is process-wide; setting it when this
# module is imported is deliberate, and nothing in this product wants ASCII85 PDFs.
rl_config.useA85 = 0


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
                                 textColor=brand, spaceAfter=3 * mm, keepWithNext=1)
        self.h2 = ParagraphStyle("h2", base, fontName=fam.bold, fontSize=12.5, leading=16,
                                 textColor=brand, spaceBefore=5 * mm, spaceAfter=2 * mm,
                                 keepWithNext=1)  # a heading never ends a page
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


# A photo is a file path: ReportLab copies a JPEG file into the PDF byte for byte (DCTDecode)
# and names it by its path, without decoding it. Bytes (a logo, or a caller that holds
# photos in memory) go through ImageReader, which decodes them once.
PhotoLookup = Callable[[str], "Path | str | bytes | None"]


@dataclass(frozen=True)
class _Picture:
    """A picture Platypus can place: a JPEG file by path, or bytes; its size in pixels."""

    width: int
    height: int
    path: str = ""
    data: bytes = b""

    def image(self, width: float, height: float) -> Image:
        """A new Image flowable at this size (a flowable is placed once)."""
        return Image(self.path or io.BytesIO(self.data), width=width, height=height)

    def fit(self, max_w: float, max_h: float) -> tuple[float, float]:
        scale = min(max_w / max(self.width, 1), max_h / max(self.height, 1))
        return self.width * scale, self.height * scale

    def fitted(self, max_w: float, max_h: float) -> Image:
        return self.image(*self.fit(max_w, max_h))


def _picture(source: Path | str | bytes | None) -> _Picture | None:
    """What a lookup handed over, as a picture; None when it is missing or not a picture."""
    if not source:
        return None
    if isinstance(source, (bytes, bytearray)):
        try:
            width, height = ImageReader(io.BytesIO(source)).getSize()
        except Exception:  # any decoder error: the report notes the photo as missing
            return None
        return _Picture(int(width), int(height), data=bytes(source))
    path = str(source)
    try:
        with open(path, "rb") as fh:
            if fh.read(2) != b"\xff\xd8":
                return None  # display copies are JPEG; anything else is not ours
            fh.seek(0)
            width, height, _components, _dpi = readJPEGInfo(fh)
    except (OSError, ValueError, IndexError):
        return None
    return _Picture(int(width), int(height), path=path)


class _Photos:
    """Photos by sha256, looked up once per report whichever page shows them."""

    def __init__(self, lookup: PhotoLookup) -> None:
        self.lookup = lookup
        self.found: dict[str, _Picture | None] = {}

    def get(self, sha256: str) -> _Picture | None:
        if sha256 not in self.found:
            try:
                source = self.lookup(sha256)
            except (KeyError, OSError, ValueError):  # a missing or unreadable file: a note, not a crash
                source = None
            self.found[sha256] = _picture(source)
        return self.found[sha256]


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

    def first_row_height(self, width: float) -> float:
        """The header and the first row: what must fit under a heading."""
        self.wrap(width, 1e6)
        return self._head_h + (self._heights[0] if self._heights else 0.0)

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


class _IfRoom(Flowable):  # type: ignore[misc]
    """Flowables drawn only where they all fit in what is left of the frame, else left out: an
    extra on a page that must stay one page, never pushed alone onto the next."""

    def __init__(self, content: Sequence[Any]) -> None:
        super().__init__()
        self.content = list(content)
        self._height = 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        height = _listWrapOn(self.content, avail_width, self.canv)[1] if self.content else 0.0
        self._height = height if height <= avail_height else 0.0
        return avail_width, self._height

    def split(self, avail_width: float, avail_height: float) -> list[Any]:
        return []

    def draw(self) -> None:
        if self._height <= 0:
            return
        frame = Frame(0, 0, self.width, self._height + 1, leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0)
        frame.addFromList(list(self.content), self.canv)


class _Heading(Flowable):  # type: ignore[misc]
    """A section's title, with notes right-aligned on the same baseline, over a rule.

    Twelve of these open a long report; as one-row Tables they cost a tenth of its build,
    for three pieces of text and a line.
    """

    def __init__(self, title: _Text, right: Sequence[tuple[_Text, float]], colour: colors.Color,
                 pad: float = 2.0) -> None:
        super().__init__()
        self.title = title
        self.right = list(right)  # (text, column width), left to right
        self.colour = colour
        self.pad = pad
        self._h = 0.0
        self._w = 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        used = sum(w for _, w in self.right)
        heights = [self.title.wrap(avail_width - used, 1e6)[1]]
        heights += [text.wrap(w, 1e6)[1] for text, w in self.right]
        self._w, self._h = avail_width, max(heights) + self.pad
        return self._w, self._h

    def draw(self) -> None:
        pen = _Pen(self.canv)
        self.title.write(pen, 0.0, self.pad)
        x = self._w - sum(w for _, w in self.right)
        for text, w in self.right:
            text.write(pen, x, self.pad)
            x += w
        pen.finish()
        self.canv.addLiteral(f"q {_rgb(self.colour)} RG 1 w 0 0 m {self._w:.2f} 0 l S Q")


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
        brand = _shorten(self.brand_name, self.fam.bold, 9, width / 2 - MARGIN)
        canv.drawString(MARGIN, top, brand)
        canv.setFont(self.fam.regular, 8.5)
        canv.setFillColor(_GREY)
        # the heading takes what the brand name leaves, not half the page: it is cut only when
        # the two cannot share the line
        room = width - 2 * MARGIN - pdfmetrics.stringWidth(brand, self.fam.bold, 9) - 8 * mm
        canv.drawRightString(width - MARGIN, top, _shorten(self.heading, self.fam.regular, 8.5, room))
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


class _HeadingKept(KeepTogether):  # type: ignore[misc]
    """A heading (keepWithNext) and what follows it. Short content moves over with its heading
    when it does not fit; long content (a table of half a page or more) starts under its heading
    where the heading and a few lines fit, so no page is left nearly empty before it."""

    def split(self, aW: float, aH: float) -> list[Any]:
        heads = self._content[:-1]
        frame_h = getattr(getattr(self, "_frame", None), "_height", aH)
        heads_h = sum(f.wrap(aW, aH)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in heads)
        long = self._H - heads_h > frame_h / 2
        if long and aH >= heads_h + _FOLLOW_ROOM:
            return list(self._content)  # the heading here, what follows split under it
        return list(super().split(aW, aH))


_FOLLOW_ROOM = 30 * mm  # under a heading before long content: room for its first few lines


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
    doc.keepTogetherClass = _HeadingKept  # what a heading's keepWithNext groups it with
    # ReportLab keeps per-process state (fonts' subsets per document, rl_config): one build
    # at a time keeps two people downloading at once from mixing anything up.
    with _render_lock:
        doc.build(story, canvasmaker=_canvas_class(frame.draw))
    return buf.getvalue()


