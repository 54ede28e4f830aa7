"""One audit → a PDF: an executive summary, the findings by what they cost, the action plan, every
section, the appendix, the audit's history."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer, Table

from audit.actions.service import AGAIN, FIXED, NEW, REPEAT, STILL_OPEN, since_top, state_text
from audit.core import limits
from audit.i18n import answer_text, expectation_text, explain, level_name, t
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
    item_key,
)
from audit.model.voice import BranchVoice
from audit.people import audience
from audit.reports.pdf.charts import section_chart
from audit.reports.pdf.layout import (
    PhotoLookup,
    _body_height,
    _build,
    _Frame,
    _grid,
    _Heading,
    _IfRoom,
    _Photos,
    _picture,
    _Row,
    _Rows,
    _Run,
    _Styles,
    _Table,
    _Text,
)
from audit.reports.pdf.styles import (
    _AMBER,
    _AMBER_PALE,
    _BLACK,
    _GREY,
    _INK,
    _LEVEL_COLOURS,
    _LIGHT,
    _PALE,
    _RED,
    _RED_PALE,
    MARGIN,
    PAGE,
    Brand,
    Fmt,
    _colour,
    _Family,
    _family,
    _l,
    _level_colour,
    _printable,
    _score_colour,
    _shorten,
    _tint,
)
from audit.reports.pdf.voice import VoicePdf
from audit.scoring.expect import expected_vs_got
from audit.scoring.score import cap_cost, impacts, ranked_findings, score_audit

if TYPE_CHECKING:
    from audit.actions.service import PlanLine, SignOff, SinceLastTime
    from audit.review.steps import HistoryLine


_HISTORY_ROOM = 70 * mm  # the history starts on a new page unless its heading and a few rows fit


@dataclass(frozen=True)
class AuditContext:
    """How this audit compares: the location's previous audit and the network in the same month.

    `previous_score` is the location's previous submitted audit of the same checklist and
    mode (visited at `previous_at`); `network_score` the mean of the network's audits of the
    checklist and mode in `period` ("YYYY-MM"), over `network_audits` audits.
    """

    previous_score: float | None = None
    previous_at: str = ""
    network_score: float | None = None
    network_audits: int = 0
    period: str = ""
    previous_computed: float | None = None  # the previous audit's score before any critical cap


@dataclass(frozen=True)
class AuditTrail:
    """What happened to the audit around its answers, already cut to what the reader may see.

    `plan` is the action plan (empty: no action plan page, and no sign-off block);
    `sign_off` the manager's acknowledgement (None: not acknowledged yet); `history` the
    audit's steps (empty: no history appendix); `since` page 1's "since last time" (None: not
    for this reader, or the location's first audit). `audit.reports.gather.audit_trail`
    gathers them.
    """

    plan: tuple[PlanLine, ...] = ()
    sign_off: SignOff | None = None
    history: tuple[HistoryLine, ...] = ()
    since: SinceLastTime | None = None


def render_audit_pdf(
    audit: Audit,
    checklist: Checklist,
    *,
    location: Location | None,
    lang: str,
    brand: Brand | None = None,
    auditor_label: str,
    photo: PhotoLookup,
    generated_at: str,
    view: audience.View,
    score: AuditScore | None = None,
    context: AuditContext | None = None,
    tz: str | None = None,
    trail: AuditTrail | None = None,
    voice: BranchVoice | None = None,
) -> bytes:
    """The audit as a PDF in `lang`: summary page, findings, every section, how it was scored.

    `photo(sha256)` gives the path of a prepared display JPEG (ReportLab copies the file into
    the PDF as it is), or None when it is missing (the PDF says so); bytes are taken too.
    `view` is what its reader may see (`audience.view_of`): photo re-use flags, and in `trail`
    the history's events, appear only where it allows them. Times print in `tz` (an IANA
    name; "UTC" is labelled so); without it in the location's zone (UTC where it has none),
    and page 1 says which.
    `trail` adds the action plan page with the sign-off block and the history appendix.
    `voice` adds the location's customers' voice after the sections (`audit.reports.voice.
    branch_voice`, which already left out the customers' words this reader may not read).
    `checklist` is the template version the audit was taken with. The same arguments give
    the same bytes.
    """
    brand = brand or Brand()
    trail = trail or AuditTrail()
    fam = _family()
    fmt = Fmt(lang, tz) if tz is not None else _location_fmt(lang, location)
    score = score or score_audit(checklist, audit.answers)
    st = _Styles(fam, _colour(brand.colour))
    report = _AuditReport(audit, checklist, score, location, fmt, st, _Photos(photo), view)
    brand_name = brand.name.strip() or _l("product", fmt.lang)
    story = [
        *report.summary(brand, brand_name, auditor_label, context or AuditContext(), trail.since),
        PageBreak(),
        *report.findings(),
        PageBreak(),
    ]
    if trail.plan:
        # the sections start under the plan's tail where half a page is left: a page holding
        # only the plan's last row and the sign-off is not followed by a break
        story += [*report.action_plan(trail.plan, trail.sign_off), Spacer(1, 8 * mm),
                  CondPageBreak(report.page_height / 2)]
    story += [*report.sections(), PageBreak()]
    if voice is not None:
        story += [*VoicePdf(checklist, st, fmt, report.width, report.page_height).branch(voice),
                  PageBreak()]
    story += report.appendix()
    if trail.history:
        # the history follows the appendix where its heading and first rows fit: a short
        # history on a page of its own would leave two pages nearly empty
        story += [Spacer(1, 8 * mm), CondPageBreak(_HISTORY_ROOM), *report.history(trail.history)]
    title = checklist.title.get(fmt.lang)
    place = location.name if location else audit.header.location_id
    frame = _Frame(
        fam=fam, brand=st.brand, brand_name=_printable(brand_name, fam),
        heading=_printable(f"{place} · {fmt.when(audit.header.visit_at or audit.header.started_at)}", fam),
        footer_left=_printable(f"{_l('audit_id', fmt.lang)}: {audit.id}", fam),
        generated=_printable(_l("generated", fmt.lang, at=fmt.when(generated_at)), fam),
        lang=fmt.lang, pagesize=PAGE,
    )
    return _build(story, frame, title=_printable(f"{title} — {place}", fam),
                  subject=_l("audit_report", fmt.lang))


def _location_fmt(lang: str, location: Location | None) -> Fmt:
    """Times in the location's zone; UTC where it has none, or one the zone database lacks."""
    try:
        return Fmt(lang, (location.tz if location else "") or "UTC")
    except ValueError:  # a stale zone name must not stop the PDF
        return Fmt(lang, "UTC")


class _AuditReport:
    def __init__(self, audit: Audit, checklist: Checklist, score: AuditScore, location: Location | None,
                 fmt: Fmt, st: _Styles, photos: _Photos, view: audience.View) -> None:
        self.audit = audit
        self.checklist = checklist
        self.score = score
        self.location = location
        self.fmt = fmt
        self.lang = fmt.lang
        self.st = st
        self.photos = photos
        self.view = view
        self.width = PAGE[0] - 2 * MARGIN
        self.page_height = _body_height(PAGE)
        self.cost = impacts(score)
        self.item_scores = {i.key: i for s in score.sections for i in s.items}
        # numbers count the items the reader sees: a hidden item leaves no gap
        self.numbers: dict[str, str] = {}
        self.items: dict[str, tuple[Section, Item]] = {}
        shown_sections = [(s, ss) for s, ss in zip(checklist.sections, score.sections, strict=True)
                          if any(i.reason[0] != "hidden" for i in ss.items)]
        self.shown = shown_sections
        for si, (section, ss) in enumerate(shown_sections, 1):
            n = 0
            for item, s in zip(section.items, ss.items, strict=True):
                key = item_key(section, item)
                self.items[key] = (section, item)
                if s.reason[0] != "hidden":
                    n += 1
                    self.numbers[key] = f"{si}.{n}"
        self.cap_cost = cap_cost(score)
        # a critical failure first, then what cost the most: the order the app lists them in
        self.ranked = ranked_findings(score)

    def _item_title(self, key: str) -> str:
        found = self.items.get(key)
        if found is None:
            return key
        section, item = found
        number = self.numbers.get(key, "")
        return f"{number} {section.title.get(self.lang)} › {item.text.get(self.lang)}".strip()

    def _answer(self, item: Item, answer: Answer | None) -> str:
        return answer_text(item, answer, self.lang, number=self.fmt.num)

    def _costs(self, key: str) -> str:
        s = self.item_scores.get(key)
        return self._cost_text(self.cost.get(key, 0.0), s is not None and s.is_critical_failure)

    def _cost_text(self, loss: float, critical: bool) -> str:
        """"cost 1.4 points of 100"; a critical failure adds what its cap took."""
        points = self.fmt.points(loss)
        if critical and self.cap_cost > 0:
            return _l("finding_cost_cap", self.lang, points=points, cap=self.fmt.points(self.cap_cost))
        return _l("cost", self.lang, points=points)

    # -- page 1: what a manager reads in two minutes ----------------------------------------

    def summary(self, brand: Brand, brand_name: str, auditor_label: str, context: AuditContext,
                since: SinceLastTime | None = None) -> list[Any]:
        st, lang, header, fmt = self.st, self.lang, self.audit.header, self.fmt
        out: list[Any] = []
        logo = _picture(brand.logo) if brand.logo else None
        if logo is not None:  # the running header names the brand; the logo shows it here
            w, h = logo.fit(40 * mm, 14 * mm)
            out.append(_Table([[logo.image(w, h), st.p(brand_name, st.brand_name)]],
                              colWidths=[w + 5 * mm, None], hAlign="LEFT", font=st.fam.regular,
                              style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                     ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
            out.append(Spacer(1, 3 * mm))
        kicker = _l("audit_report", lang)
        if self.audit.is_draft:
            kicker += f" · {t('status.draft', lang)}"
        out.append(st.p(kicker.upper(), st.kicker))
        loc = self.location
        out.append(st.p(loc.name if loc else header.location_id, st.title))
        facts = [fmt.when(header.visit_at or header.started_at),
                 f"{self.checklist.title.get(lang)} ({_l('version', lang, version=header.template_version)})",
                 t(f"mode.{header.mode}", lang), f"{_l('auditor', lang)}: {auditor_label}"]
        if loc and loc.address:
            facts.insert(0, loc.address)
        times = [_l("submitted_at", lang, at=fmt.when(header.submitted_at))] if header.submitted_at else []
        times.append(_l("times_in", lang, zone=fmt.zone_name()))
        out.append(st.text(st.run(" · ".join(f for f in facts if f), size=8, colour=_GREY),
                           st.run(" · ".join(times), size=8, colour=_GREY, space_before=1)))
        out.append(Spacer(1, 4 * mm))
        out.append(self._score_block(context))
        if self.score.is_critical_failure:
            out.append(Spacer(1, 3 * mm))
            out.append(self._critical_banner())
        if since is not None:
            out += self._since(since)
        out += self._fix_first()
        out.append(_IfRoom(self._strengths()))  # left out where page 1 is full: the chart follows
        out += self._auditor_summary()
        return out

    def _score_block(self, context: AuditContext) -> Table:
        st, lang, score, fmt = self.st, self.lang, self.score, self.fmt
        colour = _level_colour(score.level)
        runs = [st.run(t("score.overall", lang), bold=True, size=8, colour=_GREY),
                st.run(level_name(score.level, lang, self.checklist), bold=True, size=15, colour=colour,
                       space_before=1)]
        if score.is_critical_failure and score.cap is not None:
            runs.append(st.run(f"{t('score.computed', lang)}: {fmt.pct(score.computed)} · "
                               f"{_l('capped', lang, cap=fmt.pct(score.cap))}", size=8, colour=_GREY))
        runs += self._comparisons(context)
        right = st.text(*runs)
        # the score as a plain cell string: a table cell never wraps "38,5 %" at its space
        table = _Table([[_printable(fmt.pct(score.overall), st.fam), right]], font=st.fam.regular,
                       colWidths=[64 * mm, self.width - 64 * mm])
        table.setStyle([
            ("FONTNAME", (0, 0), (0, 0), st.fam.bold), ("FONTSIZE", (0, 0), (0, 0), 38),
            ("LEADING", (0, 0), (0, 0), 42), ("TEXTCOLOR", (0, 0), (0, 0), colour),
            ("ALIGN", (0, 0), (0, 0), "CENTER"),
            ("BACKGROUND", (0, 0), (-1, -1), _tint(colour, 0.1)),
            ("LINEBEFORE", (0, 0), (0, -1), 4, colour),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 7),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
        ])
        return table

    def _comparisons(self, context: AuditContext) -> list[_Run]:
        """"+3.2 pts against the previous audit (12 Feb 2025: …)", "−1.5 pts against the network in March"."""
        st, lang, fmt, overall = self.st, self.lang, self.fmt, self.score.overall
        out: list[_Run] = []
        if overall is None:
            return out
        pairs = []
        if context.previous_score is not None:
            pairs.append((overall - context.previous_score,
                          _l("vs_previous", lang, score=fmt.pct(context.previous_score),
                             date=fmt.day(context.previous_at))))
        else:
            out.append(st.run(_l("first_audit", lang), size=9, colour=_GREY, space_before=4))
        if context.network_score is not None:
            pairs.append((overall - context.network_score,
                          _l("vs_network", lang, score=fmt.pct(context.network_score),
                             period=fmt.month(context.period), count=context.network_audits)))
        for i, (diff, words) in enumerate(pairs):
            r = round(diff, 1)
            tone = _LEVEL_COLOURS["wow"] if r > 0 else _RED if r < 0 else _GREY
            gap = 4 if i == 0 and context.previous_score is not None else 1
            out.append(st.run(f"{_l('pts', lang, diff=fmt.signed(diff))} {words}", bold=True, size=9,
                              colour=tone, space_before=gap))
            if i == 0 and context.previous_score is not None:
                out += self._uncapped_change(context.previous_computed, context.previous_score)
        return out

    def _uncapped_change(self, before: float | None, before_overall: float) -> list[_Run]:
        """The change on the computed score too, where a cap hid it (this audit's or the
        previous one's): a "±0" between two capped scores can hide a fall of 7.8 points."""
        computed = self.score.computed
        if before is None or computed is None:
            return []
        capped = round(before, 1) != round(before_overall, 1) or self.score.is_critical_failure
        if not capped:
            return []
        diff = round(computed, 1) - round(before, 1)  # the difference of the two printed scores
        r = round(diff, 1)
        tone = _LEVEL_COLOURS["wow"] if r > 0 else _RED if r < 0 else _GREY
        return [self.st.run(_l("vs_previous_computed", self.lang, diff=self.fmt.signed(diff),
                                before=self.fmt.pct(before), now=self.fmt.pct(computed)),
                            size=8, colour=tone, space_before=1)]

    def _since(self, since: SinceLastTime) -> list[Any]:
        """"Since the previous audit": counts, then a critical failure (with what its cap cost),
        the first few that failed again, are new and were fixed, a line each: page 1 stays a page.
        The app's audit page lists them all, in the same order."""
        st, lang, fmt = self.st, self.lang, self.fmt
        counts = {c: sum(1 for e in since.entries if e.change == c) for c in (NEW, AGAIN, FIXED)}
        out: list[Any] = [st.p(_l("since_title", lang, date=fmt.day(since.previous_at)), st.h2),
                          st.text(st.run(_l("since_counts", lang, new=counts[NEW], again=counts[AGAIN],
                                                fixed=counts[FIXED]), size=8.5, colour=_INK))]
        if not since.entries:
            return [KeepTogether(out)]
        shown = since_top(since.entries)
        tones = {NEW: _RED, AGAIN: _AMBER, FIXED: _LEVEL_COLOURS["wow"]}
        change_w = 58 * mm
        title_w = self.width - change_w
        rows: list[list[Any]] = []
        style: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("LINEBELOW", (0, 0), (-1, -1), 0.4, _LIGHT)]
        for n, e in enumerate(shown):
            _, item = self.items[e.key]
            font = st.fam.bold if e.critical else st.fam.regular
            title = f"{self.numbers.get(e.key, '')} {item.text.get(lang)}".strip()
            title = _shorten(_printable(title, st.fam), font, 8.5, title_w - 6)
            what = [st.run(title, size=8.5, bold=e.critical)]
            if e.critical:  # what the cap really cost, not only the item's own points
                what.append(st.run(self._cost_text(e.loss, True), size=7.5, colour=_RED))
                style.append(("BACKGROUND", (0, n), (-1, n), _RED_PALE))
            change = _l(f"since_{e.change}", lang)
            if e.change != FIXED:
                change += " · −" + fmt.points(e.loss + e.cap)
            said = [st.run(change, bold=True, size=8, colour=tones[e.change])]
            if e.plan is not None and e.change == AGAIN and e.plan.state in (REPEAT, STILL_OPEN):
                said.append(st.run(state_text(e.plan, lang, self.fmt.tz), size=7, colour=_GREY))
            rows.append([st.text(*what), st.text(*said)])
        out += [Spacer(1, 1.5 * mm), _Table(rows, colWidths=[title_w, change_w], font=st.fam.regular,
                                             style=style)]
        if len(since.entries) > len(shown):
            out.append(st.text(st.run(_l("since_more", lang, count=len(since.entries) - len(shown)),
                                      size=7.5, colour=_GREY, space_before=2)))
        return [KeepTogether(out)]

    def _critical_banner(self) -> Table:
        st, lang, score, fmt = self.st, self.lang, self.score, self.fmt
        white = colors.white
        runs = [st.run("⚠ " + t("score.critical", lang), bold=True, size=12, colour=white)]
        # page 1 must stay one page: a long item text is cut here and whole in the findings
        runs += [st.run(f"• {_clip(self._item_title(k), 160)}", size=9.5, colour=white, space_before=2)
                 for k in score.critical_failures[:5]]
        if score.cap is not None:
            runs.append(st.run(
                f"{t('score.computed', lang)}: {fmt.pct(score.computed)} → {t('score.overall', lang)}: "
                f"{fmt.pct(score.overall)}. {_l('capped', lang, cap=fmt.pct(score.cap))}.",
                size=9.5, colour=white, space_before=4))
        return _Table([[st.text(*runs)]], colWidths=[self.width], font=st.fam.regular, style=[
            ("BACKGROUND", (0, 0), (-1, -1), _RED),
            ("TOPPADDING", (0, 0), (-1, -1), 7), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ])

    def _fix_first(self) -> list[Any]:
        """The three findings that cost the most, each with its first photo."""
        st, lang = self.st, self.lang
        top = self.ranked[:3]
        if not top:
            return [st.p(_l("fix_first", lang), st.h2), st.p(_l("no_findings", lang))]
        photo_w, photo_h = 42 * mm, 31 * mm
        rows: list[list[Any]] = []
        style: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5), ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]
        for n, s in enumerate(top):
            section, item = self.items[s.key]
            answer = self.audit.answers.get(s.key)
            tone = _RED if s.is_critical_failure else _AMBER
            title = f"{self.numbers.get(s.key, '')} {_clip(item.text.get(lang), 150)}"
            runs = [st.run(title, bold=True, size=10),
                    st.run(section.title.get(lang), size=8, colour=_GREY),
                    st.run(self._costs(s.key), bold=True, size=9, colour=tone, space_before=2),
                    st.run(f"{_l('answer', lang)}: {self._answer(item, answer)}", size=9)]
            if answer is not None and answer.comment.strip():
                runs.append(st.run(_clip(answer.comment.strip(), 220), size=8.5, colour=_INK, space_before=2))
            text = st.text(*runs)
            picture = next((p for p in (self.photos.get(sha) for sha in (answer.photos if answer else ()))
                            if p is not None), None)
            cell: Any = picture.fitted(photo_w - 10, photo_h) if picture is not None else ""
            rows.append([text, cell])
            if picture is None:  # the text takes the photo's room
                style.append(("SPAN", (0, n), (1, n)))
            style += [("BACKGROUND", (0, n), (-1, n), _RED_PALE if s.is_critical_failure else _PALE),
                      ("LINEBEFORE", (0, n), (0, n), 3, tone, "butt"),
                      ("LINEBELOW", (0, n), (-1, n), 2, colors.white, "butt")]
        table = _Table(rows, colWidths=[self.width - photo_w, photo_w], font=st.fam.regular, style=style)
        return [KeepTogether([st.p(_l("fix_first", lang), st.h2), table])]

    def _strengths(self) -> list[Any]:
        """The three best sections (ties: the heavier one), and how many items lost nothing."""
        st, lang, fmt = self.st, self.lang, self.fmt
        counted = [(s, ss) for s, ss in self.shown if ss.possible > 0]
        best = sorted(counted, key=lambda p: (-(p[1].percent or 0.0), -p[1].weight,
                                              [s.id for s, _ in counted].index(p[0].id)))[:3]
        if not best:
            return []
        rows = [[st.text(st.run(s.title.get(lang), size=9.5)),
                 st.text(st.run(fmt.pct(ss.percent), bold=True, size=9.5,
                                colour=_score_colour(self.checklist, ss.percent)), align="right")]
                for s, ss in best]
        table = _Table(rows, colWidths=[self.width - 30 * mm, 30 * mm], font=st.fam.regular,
                       style=[*_grid(), ("LEFTPADDING", (0, 0), (0, -1), 0)])
        return [Spacer(1, 5 * mm), st.p(_l("strengths", lang), st.h2), table]

    def _auditor_summary(self) -> list[Any]:
        """The auditor's own words about the visit: the text items the checklist marks as summary."""
        st, lang = self.st, self.lang
        quotes: list[Any] = []
        for section, ss in self.shown:
            for item, s in zip(section.items, ss.items, strict=True):
                answer = self.audit.answers.get(item_key(section, item))
                if not item.summary or s.reason[0] == "hidden" or answer is None or answer.na:
                    continue
                text = _clip(str(answer.value or "").strip(), 700)
                if text:
                    quotes.append(st.p(f"«{text}»" if lang == "ru" else f"“{text}”", ParagraphStyle(
                        "quote", st.body, fontSize=9.5, leading=13, textColor=_INK, leftIndent=4 * mm,
                        spaceAfter=2)))
        if not quotes:
            return []
        heading = _l("summary_self" if self.audit.header.mode == "self" else "summary_mystery", lang)
        # page 1 stays one page: the heading with its first quote, and each further quote, only
        # where they fit (the sections list every answer in full)
        return [_IfRoom([st.p(heading, st.h2), quotes[0]]), *(_IfRoom([q]) for q in quotes[1:])]

    # -- findings, by what they cost ---------------------------------------------------------

    def findings(self) -> list[Any]:
        st, lang = self.st, self.lang
        out: list[Any] = [KeepTogether([st.p(_l("chart", lang), st.h1), self._chart()]),
                          *self._expected_got(),
                          Spacer(1, 4 * mm), CondPageBreak(50 * mm), st.p(_l("findings", lang), st.h1)]
        if not self.ranked:
            out.append(st.p(_l("no_findings", lang)))
            return out
        out.append(st.p(_l("findings_intro", lang, count=len(self.ranked)), st.small))
        out.append(Spacer(1, 3 * mm))
        for s in self.ranked:
            out.append(self._finding(s))
            out.append(Spacer(1, 3 * mm))
        return out

    def _expected_got(self) -> list[Any]:
        """The shopper's expected against got per section that asks it (the app's block too)."""
        st, lang = self.st, self.lang
        found = expected_vs_got(self.checklist, self.audit.answers, self.score)
        if not found:
            return []
        colours = {"below": _RED, "met": _GREY, "above": _LEVEL_COLOURS["wow"]}
        rows = []
        for e in found:
            section = self.checklist.section(e.section)
            title = section.title.get(lang) if section else e.section
            rows.append([st.text(st.run(title, bold=True, size=9)),
                         st.text(st.run(expectation_text(e, lang), size=9,
                                        colour=colours.get(e.where or "", _INK)))])
        table = _Table(rows, colWidths=[55 * mm, self.width - 55 * mm], font=st.fam.regular,
                       style=[*_grid(), ("LEFTPADDING", (0, 0), (0, -1), 0)])
        return [Spacer(1, 4 * mm), KeepTogether([st.p(t("expect.title", lang), st.h2), table]),
                st.p(t("expect.hint", lang), st.small)]

    def _chart(self) -> Any:
        bars = [(s.title.get(self.lang), ss.percent) for s, ss in self.shown]
        return section_chart(bars, self.checklist, self.st.fam, self.fmt, self.width)

    def _finding(self, s: ItemScore) -> _Rows:
        st, lang = self.st, self.lang
        section, item = self.items[s.key]
        answer = self.audit.answers.get(s.key)
        colour = _RED if s.is_critical_failure else _AMBER
        pictures = self._pictures(answer, 55 * mm, 48 * mm)
        pad = 6.0
        photo_w = 55 * mm + 2 * pad if pictures else 0.0
        text_w = self.width - photo_w
        runs = [st.run(f"{self.numbers.get(s.key, '')} {section.title.get(lang)} › {item.text.get(lang)}",
                       bold=True, size=9)]
        if s.is_critical_failure:
            runs.append(st.run(t("score.critical", lang), bold=True, colour=_RED, space_before=1))
        runs.append(st.run(self._costs(s.key), bold=True, size=9, colour=colour, space_before=2))
        runs.append(st.run(f"{_l('answer', lang)}: {self._answer(item, answer)}", space_before=2))
        runs += self._stopwatch(item, answer)
        cell: list[Any] = [st.text(*runs)]
        cell += self._details(item, answer, text_w - 2 * pad)
        if answer and answer.comment.strip():
            cell.append(st.text(st.run(f"{_l('comment', lang)}:", bold=True, colour=_INK, space_before=4),
                                st.run(answer.comment.strip(), colour=_INK)))
        cells: list[Any] = [cell]
        widths = [text_w]
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
        """Each of the answer's photos with its caption and notes, one flowable list per photo."""
        if answer is None or not answer.photos:
            return []
        st, lang = self.st, self.lang
        out: list[Any] = []
        for sha in dict.fromkeys(answer.photos):
            picture = self.photos.get(sha)
            if picture is None:
                out.append([st.text(st.note(_l("photo_missing", lang), _RED)), Spacer(1, 4)])
                continue
            notes = self._photo_notes(self.audit.photos.get(sha))
            one: list[Any] = [picture.fitted(max_w, max_h)]
            if notes:
                one.append(st.text(st.run(notes, size=7, colour=_GREY, space_before=0)))
            one.append(Spacer(1, 4))
            out.append(one)
        return out

    def _photo_notes(self, ref: PhotoRef | None) -> str:
        """Caption and when it was taken; the re-use flags where the view shows them, a few."""
        if ref is None:
            return ""
        lang = self.lang
        bits = []
        if ref.caption:
            bits.append(ref.caption)
        if ref.captured_at:
            bits.append(_l("taken", lang, at=self.fmt.captured(ref.captured_at)))
        flags, more = audience.photo_flags(self.view, ref.flags, limits.PHOTO_FLAGS_SHOWN)
        for flag in flags:
            kind, _, other = flag.partition(":")
            if kind == "old":
                bits.append(_l("flag_old", lang))
            elif kind in ("duplicate", "similar"):
                bits.append(_l(f"flag_{kind}", lang, audit=other))
        if more:
            bits.append(t("photo.flags_more", lang, count=more))
        return " · ".join(bits)

    def _stopwatch(self, item: Item, answer: Answer | None) -> list[_Run]:
        if item.type != "wait_time" or answer is None or not isinstance(answer.value, dict):
            return []
        v = answer.value
        if not (v.get("start") and v.get("end")):
            return []
        waited = _l("waited", self.lang, start=self.fmt.clock(str(v["start"])),
                    end=self.fmt.clock(str(v["end"])))
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
        """The opening-hours week, a column a day. An hour range never wraps ("09:00–" above
        "18:00" beside a photo): the type shrinks until the widest cell fits its column."""
        fam, lang = self.st.fam, self.lang
        col = min(21 * mm, width / 7)
        spans = [f"{span[0]}–{span[1]}" if (span := week.get(d)) else t("answer.closed", lang)
                 for d in WEEKDAYS]
        # "closed" in Russian is a long word too: shrink the type rather than overflow the column
        widest = max(pdfmetrics.stringWidth(text, fam.regular, 1) for text in spans)
        size = min(7.5, (col - 3) / widest)
        if size < 4.5:  # a column too narrow even for small type: opening and closing on two lines
            spans = [text.replace("–", "–\n") for text in spans]
            widest = max(pdfmetrics.stringWidth(line, fam.regular, 1)
                         for text in spans for line in text.split("\n"))
            size = min(7.5, (col - 3) / widest)
        size = max(4.5, size)
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

    # -- every section, item by item ---------------------------------------------------------

    def sections(self) -> list[Any]:
        st, lang, fmt = self.st, self.lang, self.fmt
        out: list[Any] = [st.p(_l("sections", lang), st.h1)]
        for si, (section, ss) in enumerate(self.shown, 1):
            na_reason = next((i.reason[1].get("reason", "") for i in ss.items if i.reason[0] == "section_na"),
                             None)
            colour = _score_colour(self.checklist, ss.percent)
            points = _l("section_score", lang, earned=fmt.num(ss.earned), possible=fmt.num(ss.possible),
                        weight=fmt.num(ss.weight))
            right = t("answer.na", lang) if na_reason is not None else fmt.pct(ss.percent)
            # the points line shares the title's baseline
            head = _Heading(
                st.text(st.run(f"{si}. {section.title.get(lang)}", bold=True, size=12.5, colour=st.brand)),
                [(_Text([_Run(points if na_reason is None else "", st.fam.regular, 7.5, _GREY, 13.4)],
                        align="right"), 58 * mm),
                 (_Text([_Run(right, st.fam.bold, 12.5, colour)], align="right"), 24 * mm)],
                st.brand)
            if na_reason is not None:
                out += [CondPageBreak(30 * mm), Spacer(1, 5 * mm), head, Spacer(1, 2 * mm), st.text(st.run(
                    explain(section.items[0], ss.items[0], lang), size=9, colour=_INK))]
                continue
            table = self._section_table(section, ss.items)
            # a heading never stands alone at the foot of a page: it needs room for its first row
            room = 20 * mm + table.first_row_height(self.width)
            out += [CondPageBreak(room), Spacer(1, 5 * mm), head, table]
        return out

    def _section_table(self, section: Section, scores: Sequence[ItemScore]) -> _Rows:
        st, lang, fam, fmt = self.st, self.lang, self.st.fam, self.fmt
        shown = [(item, s, self.audit.answers.get(item_key(section, item)))
                 for item, s in zip(section.items, scores, strict=True) if s.reason[0] != "hidden"]
        has_photos = any(a is not None and a.photos for _, _, a in shown)
        # the number column fits the widest number: "12.10" never wraps
        widest = max((pdfmetrics.stringWidth(self.numbers[item_key(section, i)], fam.bold, 8.5)
                      for i, _, _ in shown), default=10.0)
        number_w = max(9 * mm, widest + 6 + 2)
        answer_w, points_w = 50 * mm, 17 * mm
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
        for item, s, answer in shown:
            key = item_key(section, item)
            item_runs = [st.run(item.text.get(lang))]
            if item.critical:
                item_runs.append(st.run(_l("critical_item", lang), size=7.5, colour=_RED, space_before=1))
            if answer and answer.comment.strip():
                item_runs.append(st.run(f"{comment_label}:", bold=True, size=8, colour=_INK, space_before=3))
                item_runs.append(st.run(answer.comment.strip(), size=8, colour=_INK))
            answer_runs = [st.run(self._answer(item, answer), bold=item.type != "text")]
            if s.is_finding:
                answer_runs.append(st.note(self._costs(key), _RED if s.is_critical_failure else _AMBER))
            answer_runs += self._stopwatch(item, answer)
            points = (f"{fmt.num(s.earned)} / {fmt.num(s.possible)}" if s.possible > 0
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

    # -- appendix: how the score is computed -------------------------------------------------

    def appendix(self) -> list[Any]:
        st, lang, score, checklist, fmt = self.st, self.lang, self.score, self.checklist, self.fmt
        fam = st.fam
        out: list[Any] = [st.p(_l("appendix", lang), st.h1), st.p(_l("appendix_intro", lang)),
                          Spacer(1, 4 * mm)]
        header = [_l(k, lang) for k in ("section", "earned", "possible", "score", "weight", "weighted")]
        rows: list[_Row] = []
        weights = weighted = 0.0

        def cells(texts: Sequence[str], *, bold: bool = False, colour: colors.Color = _BLACK) -> list[Any]:
            return [st.text(st.run(v, bold=bold, colour=colour), align="left" if n == 0 else "right")
                    for n, v in enumerate(texts)]

        for section, ss in self.shown:
            counted = ss.possible > 0
            contribution = ss.weight * (ss.percent or 0.0)
            if counted:
                weights += ss.weight
                weighted += contribution
            # a section with nothing possible is left out of the mean: grey
            rows.append(_Row(cells([section.title.get(lang), fmt.num(ss.earned), fmt.num(ss.possible),
                                    fmt.pct(ss.percent), fmt.num(ss.weight),
                                    fmt.num(contribution) if counted else "—"],
                                   colour=_BLACK if counted else _GREY)))
        total = [_l("total", lang), "", "", "", fmt.num(weights), fmt.num(weighted)]
        rows.append(_Row(cells(total, bold=True)))
        widths = [self.width - 5 * 24 * mm] + [24 * mm] * 5
        out.append(_Rows(widths, header, rows, fam=fam, align=["left"] + ["right"] * 5,
                         page_height=self.page_height))
        out.append(Spacer(1, 4 * mm))

        lines: list[_Run] = []
        if weights > 0:
            formula = _l("formula", lang, weighted=fmt.num(weighted), weights=fmt.num(weights),
                         score=fmt.pct(score.computed))
            lines.append(st.run(f"{t('score.computed', lang)}: {formula}", bold=True, size=9))
        if score.is_critical_failure:
            items = "; ".join(self._item_title(k) for k in score.critical_failures)
            capped = _l("capped", lang, cap=fmt.pct(score.cap or 0))
            lines.append(st.run(f"{_l('cap_applied', lang, items=items)} {capped}: "
                                f"{fmt.pct(score.computed)} → {fmt.pct(score.overall)}.", size=9, colour=_RED,
                                space_before=3))
        else:
            lines.append(st.run(_l("cap_none", lang, cap=fmt.pct(checklist.critical_cap)), size=9,
                                space_before=3))
        lines.append(st.run(f"{t('score.overall', lang)}: {fmt.pct(score.overall)} — "
                            f"{level_name(score.level, lang, checklist)}", bold=True, size=9, space_before=3))
        levels = ", ".join(_l("level_from", lang, level=level_name(lv.key, lang, checklist),
                              min=fmt.pct(lv.min)) for lv in checklist.levels)
        lines.append(st.run(_l("levels", lang, levels=levels), size=9, space_before=3))
        out.append(st.text(*lines))

        # the technical line of every finding: answer → fraction → points → cost
        if self.ranked:
            out += [Spacer(1, 5 * mm), st.p(_l("finding_lines", lang), st.h2)]
            why: list[_Run] = []
            for s in self.ranked:
                item = self.items[s.key][1]
                why.append(st.run(f"{self._item_title(s.key)}", bold=True, size=8.5, space_before=3))
                why.append(st.run(f"{self._answer(item, self.audit.answers.get(s.key))}: "
                                  f"{explain(item, s, lang, checklist)} · {self._costs(s.key)}", size=8.5,
                                  colour=_INK))
            out.append(st.text(*why))

        tail: list[_Run] = []
        na = [k for k, a in self.audit.answers.items()
              if a.na and k in self.numbers and self.item_scores[k].reason[0] == "na"]
        na.sort(key=lambda k: list(self.numbers).index(k))
        sections_na = [(section, next(i.reason[1].get("reason", "") for i in ss.items))
                       for section, ss in self.shown
                       if ss.items and all(i.reason[0] == "section_na" for i in ss.items)]
        unanswered = [i.key for s in score.sections for i in s.items if i.reason[0] == "unanswered"
                      and i.key in self.numbers and self.items[i.key][1].is_scored]
        hidden = sum(1 for s in score.sections for i in s.items if i.reason[0] == "hidden")
        out.append(Spacer(1, 5 * mm))
        tail.append(st.run(_l("na_items", lang) if na else _l("na_none", lang), bold=True, size=9))
        tail += [st.run(f"• {self._item_title(k)}", size=9, space_before=1) for k in na]
        for section, reason in sections_na:
            tail.append(st.run(f"• {_l('section_na', lang, section=section.title.get(lang), reason=reason)}",
                               size=9, space_before=1))
        if unanswered:
            tail.append(st.run(_l("unanswered_items", lang), bold=True, size=9, space_before=8))
            tail += [st.run(f"• {self._item_title(k)}", size=9, space_before=1) for k in unanswered]
        if hidden:
            tail.append(st.run(_l("hidden_items", lang, count=hidden), size=9, space_before=8))
        out.append(st.text(*tail))
        return out

    # -- the action plan: what the branch fixes, and who read the report ----------------------

    def action_plan(self, plan: Sequence[PlanLine], signed: SignOff | None) -> list[Any]:
        """The audit's actions, a row each (critical ones marked), then the sign-off block."""
        st, lang, fmt = self.st, self.lang, self.fmt
        out: list[Any] = [st.p(_l("act.plan", lang), st.h1),
                          st.p(_l("plan_intro", lang, count=len(plan)), st.small), Spacer(1, 3 * mm)]
        number_w, owner_w, due_w, status_w = 11 * mm, 38 * mm, 24 * mm, 34 * mm
        widths = [number_w, self.width - number_w - owner_w - due_w - status_w, owner_w, due_w, status_w]
        header = ["", _l("plan_finding", lang), _l("act.owner", lang), _l("act.due_label", lang),
                  _l("act.status", lang)]
        rows: list[_Row] = []
        for line in plan:
            finding = [st.run(line.finding, bold=True),
                       st.run(line.section, size=7.5, colour=_GREY, space_before=1)]
            if line.answer:
                finding.append(st.run(f"{_l('answer', lang)}: {line.answer}", size=8, colour=_INK,
                                      space_before=2))
            if line.loss:
                finding.append(st.note(self._cost_text(line.loss, line.critical),
                                       _RED if line.critical else _AMBER))
            if line.critical:
                finding.append(st.run(_l("critical_item", lang), bold=True, size=7.5, colour=_RED,
                                      space_before=1))
            if line.note:  # a closed action: what was done, and the photos of the fix
                finding.append(st.run(f"{_l('act.note', lang)}: {line.note}", size=8, colour=_INK,
                                      space_before=2))
            cell: list[Any] = [st.text(*finding)]
            for sha in line.evidence:
                picture = self.photos.get(sha)
                cell += [Spacer(1, 2), picture.fitted(widths[1] * 0.6, 40 * mm) if picture
                         else st.text(st.note(_l("photo_missing", lang), _RED))]
            status = [st.run(line.status, bold=True)]
            if line.state:
                status.append(st.run(line.state, size=7.5, colour=_GREY, space_before=1))
            rows.append(_Row([st.text(st.run(self.numbers.get(line.key, ""), bold=True)),
                              cell, st.text(st.run(line.owner)),
                              st.text(st.run(fmt.day(line.due) if line.due else "—")),
                              st.text(*status)],
                             background=_RED_PALE if line.critical else None,
                             bar=_RED if line.critical else None))
        # the last row goes with the sign-off: the block never stands alone on a page
        if len(rows) > 1:
            out.append(_Rows(widths, header, rows[:-1], fam=st.fam, page_height=self.page_height))
        out.append(KeepTogether([
            _Rows(widths, header if len(rows) == 1 else None, rows[-1:], fam=st.fam,
                  page_height=self.page_height),
            Spacer(1, 6 * mm), self._sign_off(signed)]))
        return out

    def _sign_off(self, signed: SignOff | None) -> Table:
        """Who of the branch acknowledged the report in the app, and when; or that nobody has yet."""
        st, lang = self.st, self.lang
        if signed is None:
            said = st.run(_l("act.not_acknowledged", lang), bold=True, size=10, colour=_RED, space_before=3)
        else:
            said = st.run(_l("act.acknowledged", lang, name=signed.display_name or signed.name,
                             time=self.fmt.when(signed.at)), bold=True, size=10, space_before=3)
        box = _Table([[st.text(st.run(_l("sign_off", lang), bold=True, size=8, colour=_GREY), said,
                               st.run(_l("sign_off_note", lang), size=7.5, colour=_GREY, space_before=3))]],
                     colWidths=[self.width], font=st.fam.regular, style=[
                         ("BACKGROUND", (0, 0), (-1, -1), _PALE),
                         ("LINEBEFORE", (0, 0), (0, -1), 3, _RED if signed is None else self.st.brand),
                         ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                         ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8)])
        return box

    # -- appendix: the audit's history ------------------------------------------------------

    def history(self, lines: Sequence[HistoryLine]) -> list[Any]:
        """Who did what when, oldest first, each time in the report's zone and labelled with it."""
        st, lang, fmt = self.st, self.lang, self.fmt
        out: list[Any] = [st.p(_l("history", lang), st.h1),
                          st.p(_l("history_intro", lang, zone=fmt.zone_name()), st.small), Spacer(1, 3 * mm)]
        times = [fmt.when(line.at) if line.at else line.when for line in lines]
        # the time column fits the longest time: "14 мар. 2025, 12:30 UTC+03:00" on one line
        when_w = min(60 * mm, max(pdfmetrics.stringWidth(_printable(w, st.fam), st.fam.regular, 8)
                                  for w in times) + 8)
        who_w = 36 * mm
        widths = [when_w, who_w, self.width - when_w - who_w]
        header = [_l("when", lang), _l("who", lang), _l("what", lang)]
        rows = [_Row([st.text(st.run(when, size=8, colour=_INK)),
                      st.text(st.run(line.who or _l("act.system", lang), bold=True, size=8)),
                      st.text(st.run(line.what, size=8))])
                for when, line in zip(times, lines, strict=True)]
        out.append(_Rows(widths, header, rows, fam=st.fam, page_height=self.page_height))
        return out


def _clip(text: str, limit: int) -> str:
    """A long comment cut at a word for the summary page; the findings keep it whole."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:—- ") + "…"


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
