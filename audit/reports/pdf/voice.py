"""Customers' voice in the PDFs: a page of the network report (the gap per location ×
touchpoint, where customers are let down though audits pass, the three levels) and a section
of a branch's report (its own gaps, and customers' words its reader may read)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

from audit.i18n import t
from audit.model import Checklist
from audit.model.voice import BranchVoice, GapRow, LevelShare, ShopperRow, VoiceTable
from audit.reports.pdf.layout import (
    _grid,
    _head_style,
    _Run,
    _strings_style,
    _Styles,
    _Table,
    _Text,
)
from audit.reports.pdf.styles import _GREY, _LEVEL_COLOURS, _RED, _RED_PALE, Fmt, _printable

_GREEN = _LEVEL_COLOURS["wow"]
_GREEN_PALE = colors.HexColor("#e8f5ec")
_WHERE_COLOURS = {"below": _RED, "above": _GREEN}
_LEVEL_TONES = {"disappointed": _RED, "as_expected": _GREY, "wow": _GREEN}
MATRIX_COLUMNS = 8  # touchpoints side by side on one landscape page; more continue below


class VoicePdf:
    """The voice's flowables, in one report's styles and width."""

    def __init__(self, checklist: Checklist, st: _Styles, fmt: Fmt, width: float,
                 page_height: float) -> None:
        self.checklist = checklist
        self.st = st
        self.fmt = fmt
        self.lang = fmt.lang
        self.width = width
        self.page_height = page_height
        self.words = {s.id: (s.customer or s.title).get(self.lang) for s in checklist.sections}
        self.titles = {s.id: s.title.get(self.lang) for s in checklist.sections}

    # -- pieces ------------------------------------------------------------------------------

    def _head(self, text: str, align: str = "left") -> _Text:
        fam = self.st.fam
        return _Text([_Run(_printable(text, fam), fam.bold, 7.5, _GREY)], align=align)

    def _table(self, rows: list[list[Any]], widths: Sequence[float],
               style: Sequence[tuple[Any, ...]] = (), right_from: int = 99, right_to: int = 99
               ) -> _Table:
        fam = self.st.fam
        head = [self._head(h, "right" if right_from <= i <= right_to else "left")
                if isinstance(h, str) else h for i, h in enumerate(rows[0])]
        return _Table([head, *rows[1:]], colWidths=list(widths), repeatRows=1,
                      page_height=self.page_height, font=fam.regular,
                      style=[*_grid(), *_head_style(fam), *_strings_style(fam), *style])

    def _two(self, x: float) -> str:
        """Two decimals always, so a column of means lines up: "3,10", "2,94"."""
        text = f"{abs(round(x, 2)):.2f}"
        return text.replace(".", ",") if self.lang == "ru" else text

    def _signed(self, x: float) -> str:
        r = round(x, 2)
        return ("+" if r > 0 else "−" if r < 0 else "±") + self._two(r)

    def _mean(self, x: float) -> str:
        return self._two(x)

    def _gap(self, r: GapRow) -> str:
        return self._signed(r.gap)

    def _interval(self, r: GapRow) -> str:
        if r.ci_low is None or r.ci_high is None:
            return "—"
        return f"{self._signed(r.ci_low)} … {self._signed(r.ci_high)}"

    def _where(self, r: GapRow) -> str:
        return t(f"ui.voice_where_{r.where}", self.lang) if r.where else "—"

    def levels(self, shares: Sequence[LevelShare]) -> list[Any]:
        """The visit overall on the three levels, as shares of the counted responses."""
        st = self.st
        cells = [st.text(st.run(t(f"voice.level.{s.level}", self.lang), size=8, colour=_GREY),
                         st.run(self.fmt.pct0(100 * s.share), bold=True, size=15,
                                colour=_LEVEL_TONES.get(s.level, _GREY), space_before=1),
                         st.note(t("ui.voice_responses", self.lang, count=self.fmt.whole(s.count))))
                 for s in shares]
        table = _Table([cells], colWidths=[min(60 * mm, self.width / 3)] * len(cells), hAlign="LEFT",
                       font=st.fam.regular, style=[*_grid(), ("LEFTPADDING", (0, 0), (0, -1), 0)])
        return [KeepTogether([st.p(t("voice.pdf_levels", self.lang), st.h2), table])]

    # -- the network's page ------------------------------------------------------------------

    def network(self, table: VoiceTable, first_month: str | None, last_month: str | None,
                names: Sequence[tuple[str, str]]) -> list[Any]:
        """The page: title and what it reads, the matrix, the two lists, the levels. `names`:
        (location id, name) of the report's locations, in its order."""
        st, lang = self.st, self.lang
        out: list[Any] = [st.p(t("voice.pdf_title", lang), st.h1),
                          st.p(t("voice.pdf_intro", lang, count=self.fmt.whole(table.responses),
                                 held=self.fmt.whole(table.held), period=self._period(
                                     first_month, last_month)), st.small),
                          Spacer(1, 3 * mm)]
        if not table.responses:
            out.append(st.p(t("ui.voice_none", lang)))
            return out
        out += [*self.levels(table.levels), Spacer(1, 3 * mm)]
        out += self._matrix(table.rows, names)
        out += self._list(t("ui.voice_let_down", lang), table.let_down_where_audits_pass)
        out += self._list(t("ui.voice_not_minded", lang), table.audits_fail_where_customers_do_not_mind)
        out += self._shoppers(table.shoppers)
        return out

    def _period(self, first_month: str | None, last_month: str | None) -> str:
        if first_month and last_month:
            return f"{self.fmt.month(first_month)} – {self.fmt.month(last_month)}"
        return t("voice.pdf_all_months", self.lang)

    def _matrix(self, rows: Sequence[GapRow], names: Sequence[tuple[str, str]]) -> list[Any]:
        """Locations down, touchpoints across; each cell the gap and n, coloured by where its
        interval lies. Touchpoints beyond MATRIX_COLUMNS continue in a second table below."""
        st, lang = self.st, self.lang
        cells = {(r.location_id, r.section): r for r in rows}
        sections = [s.id for s in self.checklist.sections if any(k[1] == s.id for k in cells)]
        known = dict(names)
        order = [lid for lid, _ in names if any(k[0] == lid for k in cells)]
        order += sorted({k[0] for k in cells} - set(order),
                        key=lambda lid: next(r.location for r in rows if r.location_id == lid))
        out: list[Any] = [st.p(t("voice.pdf_matrix", lang), st.h2)]
        for start in range(0, len(sections), MATRIX_COLUMNS):
            part = sections[start:start + MATRIX_COLUMNS]
            loc_w = 48 * mm
            col_w = (self.width - loc_w) / max(len(part), 1)
            head: list[Any] = [t("ui.voice_col_location", lang),
                               *(self._head(self.words.get(s, s), "right") for s in part)]
            body: list[list[Any]] = [head]
            style: list[tuple[Any, ...]] = [("ALIGN", (1, 0), (-1, -1), "RIGHT")]
            for lid in order:
                i = len(body)
                name = known.get(lid) or next(r.location for r in rows if r.location_id == lid)
                line: list[Any] = [st.text(st.run(name, bold=True))]
                for j, sid in enumerate(part, 1):
                    r = cells.get((lid, sid))
                    if r is None:
                        line.append(st.text(st.note("—"), align="right"))
                        continue
                    colour = _WHERE_COLOURS.get(r.where or "", colors.black)
                    line.append(st.text(st.run(self._gap(r), bold=r.where in _WHERE_COLOURS,
                                               colour=colour),
                                        st.note(f"n={r.n}"), align="right"))
                    if r.where == "below":
                        style.append(("BACKGROUND", (j, i), (j, i), _RED_PALE))
                    elif r.where == "above":
                        style.append(("BACKGROUND", (j, i), (j, i), _GREEN_PALE))
                body.append(line)
            out.append(self._table(body, [loc_w, *[col_w] * len(part)], style, right_from=1))
            out.append(Spacer(1, 2 * mm))
        out.append(st.p(t("voice.pdf_matrix_note", lang), st.small))
        return out

    def _list(self, title: str, rows: Sequence[GapRow]) -> list[Any]:
        st, lang = self.st, self.lang
        head = [st.p(title, st.h2)]
        if not rows:
            return [Spacer(1, 3 * mm), KeepTogether([*head, st.p(t("ui.voice_list_empty", lang),
                                                                 st.small)])]
        body: list[list[Any]] = [[t("ui.voice_col_location", lang), t("ui.voice_col_touchpoint", lang),
                                  "n", t("ui.voice_col_expected", lang), t("ui.voice_col_got", lang),
                                  t("ui.voice_col_gap", lang), t("ui.voice_col_ci", lang),
                                  t("ui.voice_col_audit", lang)]]
        for r in rows:
            body.append([st.text(st.run(r.location, bold=True)),
                         st.text(st.run(self.words.get(r.section, r.section))), str(r.n),
                         self._mean(r.expected), self._mean(r.perceived),
                         self._gap(r), self._interval(r), self.fmt.pct(r.audit_score)])
        widths = [0.0, 0.0, 14 * mm, 22 * mm, 22 * mm, 30 * mm, 38 * mm, 26 * mm]
        rest = (self.width - sum(widths)) / 2
        widths[0] = widths[1] = rest
        return [Spacer(1, 3 * mm), CondPageBreak(35 * mm), *head,
                self._table(body, widths, [("ALIGN", (2, 0), (-1, -1), "RIGHT")], right_from=2)]

    def _shoppers(self, rows: Sequence[ShopperRow]) -> list[Any]:
        """The mystery shoppers' own expectation of a section against what they got."""
        st, lang = self.st, self.lang
        if not rows:
            return []
        body: list[list[Any]] = [[t("ui.voice_col_location", lang), t("ui.section", lang),
                                  t("ui.expect_col_unit", lang), t("ui.voice_col_audits", lang),
                                  t("ui.expect_col_expected", lang), t("ui.expect_col_got", lang),
                                  t("ui.expect_col_verdicts", lang)]]
        style: list[tuple[Any, ...]] = [("ALIGN", (3, 0), (-1, -1), "RIGHT")]
        for r in rows:
            i = len(body)
            if r.below > r.met + r.above:
                style.append(("TEXTCOLOR", (5, i), (5, i), _RED))
            body.append([st.text(st.run(r.location, bold=True)),
                         st.text(st.run(self.titles.get(r.section, r.section))),
                         t(f"ui.expect_unit_{r.kind}", lang), str(r.audits),
                         self.fmt.num1(r.expected), self.fmt.num1(r.got),
                         f"{r.below} / {r.met} / {r.above}"])
        widths = [0.0, 0.0, 30 * mm, 20 * mm, 24 * mm, 24 * mm, 48 * mm]
        widths[0] = widths[1] = (self.width - sum(widths)) / 2
        return [Spacer(1, 3 * mm), CondPageBreak(35 * mm), st.p(t("ui.expect_shoppers", lang), st.h2),
                st.p(t("expect.hint", lang), st.small), Spacer(1, 1 * mm),
                self._table(body, widths, style, right_from=3)]

    # -- a branch's section ------------------------------------------------------------------

    def branch(self, voice: BranchVoice) -> list[Any]:
        """The branch's own gaps per touchpoint, its levels, and customers' words it may read."""
        st, lang = self.st, self.lang
        table = voice.table
        out: list[Any] = [st.p(t("voice.pdf_branch_title", lang), st.h1),
                          st.p(t("voice.pdf_branch_intro", lang,
                                 count=self.fmt.whole(table.responses),
                                 period=self._period(voice.first_month, voice.last_month)), st.small),
                          Spacer(1, 3 * mm)]
        body: list[list[Any]] = [[t("ui.voice_col_touchpoint", lang), "n",
                                  t("ui.voice_col_expected", lang), t("ui.voice_col_got", lang),
                                  t("ui.voice_col_gap", lang), t("ui.voice_col_ci", lang),
                                  t("ui.voice_col_where", lang)]]
        style: list[tuple[Any, ...]] = [("ALIGN", (1, 0), (5, -1), "RIGHT"),
                                        ("LEFTPADDING", (6, 0), (6, -1), 8)]
        for r in table.rows:
            i = len(body)
            colour = _WHERE_COLOURS.get(r.where or "")
            if colour is not None:
                style += [("TEXTCOLOR", (4, i), (4, i), colour), ("TEXTCOLOR", (6, i), (6, i), colour),
                          ("FONTNAME", (4, i), (4, i), st.fam.bold)]
            body.append([st.text(st.run(self.words.get(r.section, r.section), bold=True)), str(r.n),
                         self._mean(r.expected), self._mean(r.perceived),
                         self._gap(r), self._interval(r), self._where(r)])
        widths = [0.0, 12 * mm, 20 * mm, 20 * mm, 26 * mm, 32 * mm, 32 * mm]
        widths[0] = self.width - sum(widths)
        out.append(self._table(body, widths, style, right_from=1, right_to=5))
        out += [Spacer(1, 4 * mm), *self.levels(table.levels)]
        if voice.words:
            out += [Spacer(1, 3 * mm), st.p(t("voice.pdf_words", lang), st.h2)]
            for day, text in voice.words:
                out.append(st.text(st.run(self.fmt.day(day), size=7.5, colour=_GREY),
                                   st.run(text, size=9, space_before=1)))
                out.append(Spacer(1, 2 * mm))
        return out
