"""What every report page shares: fonts, colours, labels, numbers and dates in the reader's language."""

from __future__ import annotations

import functools
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from audit.i18n import t
from audit.i18n.formats import Fmt as Fmt  # the reports' formatter, re-exported
from audit.model import (
    Checklist,
)
from audit.scoring.score import level_for

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
    "product": ("Customer journey audit", "Аудит клиентского пути"),
    "audit_report": ("Audit report", "Отчёт об аудите"),
    "network_report": ("Network report", "Отчёт по сети"),
    "visit": ("Visit", "Визит"),
    "checklist": ("Checklist", "Чек-лист"),
    "version": ("version {version}", "версия {version}"),
    "mode": ("Mode", "Формат"),
    "audit_id": ("Audit ID", "Номер аудита"),
    "chart": ("Score by section", "Оценка по разделам"),
    "findings": ("Findings", "Замечания"),
    "findings_intro": ("{count} items lost points, the costliest first: what each cost the overall score "
                       "of 100, after the section's weight.",
                       "Пунктов с потерей баллов: {count}, самые дорогие первыми: сколько каждый стоил "
                       "итоговой оценке из 100 с учётом веса раздела."),
    "cost": ("cost {points} of 100", "стоило {points} из 100"),
    "fix_first": ("What to fix first", "Что исправить в первую очередь"),
    "strengths": ("Strongest sections", "Лучшие разделы"),
    "summary_mystery": ("The visit in the shopper's words", "Визит словами тайного покупателя"),
    "summary_self": ("The visit in the auditor's words", "Визит словами проверяющего"),
    "pts": ("{diff} pts", "{diff} п. п."),
    "vs_previous": ("against the previous audit ({date}: {score})",
                    "к прошлому аудиту ({date}: {score})"),
    "vs_network": ("against the network in {period} ({score}, audits: {count})",
                   "к сети за {period} ({score}, аудитов: {count})"),
    "vs_previous_computed": ("before the cap: {diff} pts ({before} → {now})",
                             "без ограничения: {diff} п. п. ({before} → {now})"),
    "since_none": ("No finding in either audit.", "Замечаний нет ни в одном из двух аудитов."),
    "since_more": ("and {count} more: every finding is listed under Findings",
                   "и ещё {count}: все замечания — в разделе «Замечания»"),
    "first_audit": ("The first audit of this location with this checklist.",
                    "Первый аудит этой точки по этому чек-листу."),
    "finding_lines": ("How each finding was scored", "Как оценён каждый пункт с потерей баллов"),
    "section_na": ("{section}: the whole section does not apply — {reason}",
                   "{section}: раздел не применим целиком — {reason}"),
    "hidden_items": ("{count} items did not apply after earlier answers (the checklist's conditions) "
                     "and are left out.",
                     "Пунктов, не применимых после предыдущих ответов (условия чек-листа) и не учтённых: "
                     "{count}."),
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
                 "(a failed critical item caps it at {cap}).",
                 "Критичных нарушений нет, оценка не ограничена "
                 "(при критичном нарушении она ограничивается {cap})."),
    "capped": ("Capped at {cap} because of a critical failure",
               "Ограничена {cap} из-за критичного нарушения"),
    "levels": ("Levels: {levels}.", "Уровни: {levels}."),
    "level_from": ("{level} from {min}", "{level} — от {min}"),
    "page": ("page {page} of {pages}", "стр. {page} из {pages}"),
    "generated": ("generated {at}", "создан {at}"),
    "submitted_at": ("submitted {at}", "отправлен {at}"),
    "times_in": ("times in {zone}", "время — {zone}"),
    "plan_intro": ("Actions the audit's findings made: {count}. Owners fix them, add a photo in the app "
                   "and mark them done; HQ or the region's reviewer verifies.",
                   "Задач по замечаниям аудита: {count}. Ответственные исправляют, добавляют фото в "
                   "приложении и отмечают выполнение; головной офис или проверяющий региона подтверждает."),
    "plan_finding": ("Finding", "Замечание"),
    "sign_off": ("Sign-off", "Ознакомление с отчётом"),
    "sign_off_note": ("A manager of the location confirms in the app that they have read this report.",
                      "Управляющий точки подтверждает в приложении, что ознакомился с этим отчётом."),
    "history": ("History of the audit", "История аудита"),
    "history_intro": ("Who did what and when, oldest first. Times in {zone}.",
                      "Кто и когда что сделал, по порядку. Время — {zone}."),
    "when": ("When", "Когда"),
    "who": ("Who", "Кто"),
    "what": ("What happened", "Что произошло"),
    "all_time": ("all time", "за всё время"),
    "all_regions": ("all regions", "все регионы"),
    "ranking": ("Locations ranked", "Рейтинг точек"),
    "rank": ("#", "№"),
    "change_note": ("Change: percentage points since the previous period of the same length ({before}).",
                    "Изменение: в процентных пунктах к предыдущему периоду той же длины ({before})."),
    "period": ("Period", "Период"),
    "heatmap": ("Score by section and location", "Оценка по разделам и точкам"),
    "heatmap_note": ("Mean section score, %. {levels}", "Средняя оценка раздела, %. {levels}"),
    "worst": ("Items that cost the most points", "Пункты, стоившие больше всего баллов"),
    "worst_note": ("Points lost: what the item cost the overall scores (of 100 each), summed over the "
                   "period's audits, after section weights. Fail rate: the share of audits that answered "
                   "no, for yes/no items only.",
                   "Потеряно: сколько пункт стоил итоговым оценкам (из 100 каждая) за аудиты периода, "
                   "с учётом весов разделов. Доля «нет»: доля аудитов с ответом «нет», только для "
                   "пунктов «да/нет»."),
    "lost_total": ("Points lost", "Потеряно баллов"),
    "lost_mean": ("Per audit", "На аудит"),
    "fail_rate": ("Said no", "Доля «нет»"),
    "trend": ("Score by month", "Оценка по месяцам"),
    "trend_note": ("The network's mean score by month, with the two locations that improved most and the "
                   "two that declined most (the mean of their first two months with audits against their "
                   "last two).",
                   "Средняя оценка сети по месяцам и по две точки с наибольшим ростом и падением "
                   "(среднее первых двух месяцев с аудитами против последних двух)."),
    "network": ("Network", "Сеть"),
    "both_modes": ("Mystery shopping and self-audits", "Тайный покупатель и самопроверки"),
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
    """How the app's settings dress a PDF: name, colour (#rrggbb) and a PNG or JPEG logo.

    An empty name prints the product's name in the report's language.
    """

    name: str = ""
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
        # split at plain spaces only: "52,7 %" keeps its no-break space and never wraps
        for word in [w for w in para.split(" ") if w]:
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


