"""A location's voice poster: A4, its QR code and short link, in Russian and English."""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from audit.i18n import t
from audit.reports.pdf.styles import _family, _printable

QR_SIDE = 110 * mm  # a phone reads it from two metres on a wall


def _centred(c: canvas.Canvas, text: str, y: float, font: str, size: float, width: float) -> float:
    """Draw `text` centred, wrapped to the page's margins; the y below the last line."""
    words, lines, line = text.split(), [], ""
    for w in words:
        trial = f"{line} {w}".strip()
        if pdfmetrics.stringWidth(trial, font, size) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = w
    if line:
        lines.append(line)
    c.setFont(font, size)
    for ln in lines:
        c.drawCentredString(A4[0] / 2, y, ln)
        y -= size * 1.25
    return y


def render_poster_pdf(location_name: str, link: str, lang: str) -> bytes:
    """The poster in `lang`, the other language beneath it; the QR code holds `link`."""
    fam = _family()
    other = "en" if lang == "ru" else "ru"
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(_printable(f"{t('voice.poster_title', lang)} — {location_name}", fam))
    c.setAuthor("customer-journey audit")
    width, height = A4
    text_width = width - 40 * mm
    c.setFillColor(colors.HexColor("#0b4f8a"))
    y = _centred(c, _printable(t("voice.poster_title", lang), fam), height - 38 * mm, fam.bold, 34,
                 text_width)
    c.setFillColor(colors.black)
    y = _centred(c, _printable(location_name, fam), y - 4 * mm, fam.regular, 20, text_width)
    y = _centred(c, _printable(t("voice.poster_sub", lang), fam), y - 4 * mm, fam.regular, 15,
                 text_width)
    qr = QrCodeWidget(link, barLevel="M", barBorder=4)
    x0, y0, x1, y1 = qr.getBounds()
    drawing = Drawing(QR_SIDE, QR_SIDE, transform=[QR_SIDE / (x1 - x0), 0, 0, QR_SIDE / (y1 - y0), 0, 0])
    drawing.add(qr)
    top = y - 6 * mm
    renderPDF.draw(drawing, c, (width - QR_SIDE) / 2, top - QR_SIDE)
    y = _centred(c, link, top - QR_SIDE - 8 * mm, fam.bold, 16, text_width)
    c.setFillColor(colors.HexColor("#333333"))
    y = _centred(c, _printable(t("voice.poster_privacy", lang), fam), y - 2 * mm, fam.regular, 12,
                 text_width)
    c.setStrokeColor(colors.HexColor("#8a8a8a"))
    c.line(20 * mm, y - 2 * mm, width - 20 * mm, y - 2 * mm)
    y = _centred(c, _printable(t("voice.poster_title", other), fam), y - 12 * mm, fam.bold, 18,
                 text_width)
    _centred(c, _printable(t("voice.poster_sub", other), fam), y - 1 * mm, fam.regular, 12,
             text_width)
    c.showPage()
    c.save()
    return buf.getvalue()
