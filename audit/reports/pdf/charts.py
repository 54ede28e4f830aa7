"""Charts drawn with reportlab.graphics shapes: section bars, and the network's trend by month.

Shapes rather than reportlab.graphics.charts: the same picture for a tenth of the build
time, and full control of where every label goes, so no label sits on a line or a bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from audit.i18n import level_name
from audit.model import Checklist
from audit.reports.pdf.styles import (
    _BLACK,
    _GREY,
    _LIGHT,
    Fmt,
    _Family,
    _level_colour,
    _printable,
    _score_colour,
    _shorten,
)


def _legend_levels(drawing: Drawing, checklist: Checklist, fam: _Family, fmt: Fmt, x: float, y: float,
                   width: float) -> None:
    """"┆ 60 % — Average   ┆ 85 % — Wow" on one line under the plot, never over a line."""
    for level in checklist.levels:
        if level.min <= 0:
            continue
        colour = _level_colour(level.key)
        text = _printable(f"{fmt.pct(level.min)} — {level_name(level.key, fmt.lang, checklist)}", fam)
        w = pdfmetrics.stringWidth(text, fam.regular, 7) + 6 * mm
        if x + w > width:
            break
        drawing.add(Line(x, y + 2.5, x + 4 * mm, y + 2.5, strokeColor=colour, strokeWidth=0.8,
                         strokeDashArray=[2, 2]))
        drawing.add(String(x + 5 * mm, y, text, fontName=fam.regular, fontSize=7, fillColor=colour))
        x += w + 4 * mm


def section_chart(bars: Sequence[tuple[str, float | None]], checklist: Checklist, fam: _Family,
                  fmt: Fmt, width: float) -> Drawing:
    """Horizontal bars of section scores coloured by level, the level thresholds dashed.

    Names sit left of the plot, values in their own column right of it, the level names
    in a legend under the axis: nothing is printed on top of a bar or a line.
    """
    n = max(len(bars), 1)
    bar_h = 6.2 * mm
    label_w = 62 * mm
    value_w = 16 * mm
    plot_w = width - label_w - value_w - 3 * mm
    bottom = 13 * mm  # axis labels and the levels' legend
    top_pad = 2 * mm
    plot_h = n * bar_h
    height = bottom + plot_h + top_pad
    top = bottom + plot_h
    drawing = Drawing(width, height)
    # not Helvetica, which the PDF would then list as a font
    drawing.initialFontName, drawing.initialFontSize = fam.regular, 8
    for v in range(0, 101, 20):
        x = label_w + plot_w * v / 100
        drawing.add(Line(x, bottom, x, top, strokeColor=_LIGHT, strokeWidth=0.4))
        drawing.add(String(x, bottom - 9, fmt.pct0(v), fontName=fam.regular, fontSize=7, fillColor=_GREY,
                           textAnchor="middle"))
    for level in checklist.levels:
        if level.min <= 0:
            continue
        x = label_w + plot_w * level.min / 100
        drawing.add(Line(x, bottom, x, top, strokeColor=_level_colour(level.key), strokeWidth=0.7,
                         strokeDashArray=[2, 2]))
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
        drawing.add(String(width, middle - 2.6, fmt.pct(percent), fontName=fam.bold, fontSize=7.5,
                           fillColor=colour, textAnchor="end"))
    drawing.add(Line(label_w, bottom, label_w, top, strokeColor=_GREY, strokeWidth=0.6))
    drawing.add(Line(label_w, bottom, label_w + plot_w, bottom, strokeColor=_GREY, strokeWidth=0.6))
    _legend_levels(drawing, checklist, fam, fmt, label_w, 1.5, width)
    return drawing


@dataclass(frozen=True)
class Series:
    """One line of the trend chart: a name, (month, score) points, its colour, drawn thick or not."""

    name: str
    points: tuple[tuple[str, float], ...]
    colour: colors.Color
    bold: bool = False
    note: str = ""  # after the name in the legend, e.g. "42 % → 78 %"


def trend_chart(series: Sequence[Series], months: Sequence[str], checklist: Checklist, fam: _Family,
                fmt: Fmt, width: float, height: float) -> Drawing:
    """Mean score by month, one line per series, with the legend beside the plot, not on it."""
    legend_w = 70 * mm
    left, bottom = 12 * mm, 14 * mm
    plot_w = width - left - legend_w - 6 * mm
    plot_h = height - bottom - 4 * mm
    values = [v for s in series for _, v in s.points]
    low = max(0.0, (min(values, default=0.0) // 10) * 10 - 10)
    high = min(100.0, (max(values, default=100.0) // 10) * 10 + 10)
    if high - low < 30:
        low = max(0.0, high - 30)
    drawing = Drawing(width, height)
    drawing.initialFontName, drawing.initialFontSize = fam.regular, 8

    def y_of(v: float) -> float:
        return float(bottom + plot_h * (v - low) / (high - low))

    step = max(1, len(months) - 1)

    def x_of(month: str) -> float:
        return float(left + plot_w * (months.index(month) / step if len(months) > 1 else 0.5))

    tick = 10 if high - low <= 60 else 20
    v = low
    while v <= high + 1e-9:
        y = y_of(v)
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=_LIGHT, strokeWidth=0.4))
        drawing.add(String(left - 2, y - 2.5, fmt.pct0(v), fontName=fam.regular, fontSize=7, fillColor=_GREY,
                           textAnchor="end"))
        v += tick
    for level in checklist.levels:
        if low < level.min < high:
            y = y_of(level.min)
            drawing.add(Line(left, y, left + plot_w, y, strokeColor=_level_colour(level.key), strokeWidth=0.7,
                             strokeDashArray=[2, 2]))
    # every month's name when they fit, else every second or third
    every = 1
    widest = max((pdfmetrics.stringWidth(fmt.month_short(m), fam.regular, 7) for m in months), default=10)
    while len(months) > 1 and plot_w / step * every < widest + 4:
        every += 1
    for i, month in enumerate(months):
        if i % every == 0:
            drawing.add(String(x_of(month), bottom - 9, fmt.month_short(month), fontName=fam.regular,
                               fontSize=7, fillColor=_GREY, textAnchor="middle"))
    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=_GREY, strokeWidth=0.6))
    for s in sorted(series, key=lambda s: s.bold):  # the network on top
        pts = [(x_of(m), y_of(v)) for m, v in s.points if m in months]
        if len(pts) > 1:
            drawing.add(PolyLine([c for p in pts for c in p], strokeColor=s.colour,
                                 strokeWidth=2.2 if s.bold else 1.2))
        for x, y in pts:
            drawing.add(Circle(x, y, 1.8 if s.bold else 1.3, fillColor=s.colour, strokeColor=None))
    # the legend: a swatch, the name and its note, one per line
    x0 = left + plot_w + 6 * mm
    y = bottom + plot_h - 8
    for s in series:
        drawing.add(Line(x0, y + 2.5, x0 + 6 * mm, y + 2.5, strokeColor=s.colour,
                         strokeWidth=2.2 if s.bold else 1.2))
        name = _shorten(_printable(s.name, fam), fam.bold if s.bold else fam.regular, 8, legend_w - 8 * mm)
        drawing.add(String(x0 + 8 * mm, y, name, fontName=fam.bold if s.bold else fam.regular, fontSize=8,
                           fillColor=_BLACK))
        if s.note:
            drawing.add(String(x0 + 8 * mm, y - 10, _printable(s.note, fam), fontName=fam.regular, fontSize=7,
                               fillColor=_GREY))
        y -= 24
    _legend_levels(drawing, checklist, fam, fmt, left, 1.5, left + plot_w)
    return drawing
