"""The network for a period → a landscape PDF: ranking, trend, heatmap, worst items, self vs mystery."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer

from audit.i18n import level_name, t
from audit.model import MODES, Checklist, Location, SummaryRow
from audit.model.rollups import rollups_of
from audit.model.voice import VoiceTable
from audit.reports import analytics
from audit.reports.analytics import NETWORK
from audit.reports.pdf.charts import Series, trend_chart
from audit.reports.pdf.layout import (
    _body_height,
    _build,
    _Frame,
    _grid,
    _head_style,
    _Run,
    _strings_style,
    _Styles,
    _Table,
    _Text,
)
from audit.reports.pdf.styles import (
    _GREY,
    _LEVEL_COLOURS,
    _PALE,
    _RED,
    _RED_PALE,
    MARGIN,
    Brand,
    Fmt,
    _colour,
    _family,
    _l,
    _level_colour,
    _printable,
    _score_colour,
    _tint,
    _word_width,
)
from audit.reports.pdf.voice import VoicePdf

if TYPE_CHECKING:
    from audit.actions.service import ControlGroup

NETWORK_MODES = ("mystery", "self", "both")
CONTROL_MAX_ROWS = 300  # rows of the action control page; the app's table and the export have all
_IMPROVED = (colors.HexColor("#1e8449"), colors.HexColor("#52be80"))
_DECLINED = (colors.HexColor("#c0392b"), colors.HexColor("#e67e22"))


def render_network_pdf(
    rows: Sequence[SummaryRow],
    locations: Mapping[str, Location],
    checklist: Checklist,
    *,
    lang: str,
    brand: Brand | None = None,
    date_from: str | None,
    date_to: str | None,
    region: str | None,
    generated_at: str,
    all_rows: Sequence[SummaryRow] | None = None,
    mode: str | None = "mystery",
    tz: str = "UTC",
    action_control: Sequence[ControlGroup] = (),
    owners: Mapping[str, str] | None = None,
    voice: VoiceTable | None = None,
    voice_months: tuple[str, str] | None = None,
) -> bytes:
    """The network for a period, region, template and mode as a landscape PDF in `lang`.

    `action_control` adds HQ's action control page: open, overdue and repeated actions by
    location and owner (`audit.actions.service.control_groups`); `owners` names the owners.
    `voice` adds customers' voice on a page of its own (`audit.reports.voice.voice_table` over
    the whole months `voice_months`, first and last).

    Locations ranked with the change since the previous period, the trend by month (the
    network, the most improved and most declined locations), a locations × sections table
    coloured by level, the items that cost the most points, and the self-audit vs mystery
    gap (always over both modes). `mode` is "mystery" (the default: the ranking shoppers
    make), "self", or "both" (or None). `all_rows`, when given, is where the previous period
    is looked up (default: `rows`). Dates are YYYY-MM-DD, inclusive; a bad date or mode
    raises analytics.FilterError.
    """
    # only the network report needs these

    brand = brand or Brand()
    fam = _family()
    fmt = Fmt(lang, tz)
    lang = fmt.lang
    f = analytics.Filters(date_from=date_from, date_to=date_to, region=region, template_id=checklist.id,
                          mode=mode)
    # no dates given: the quarter up to the newest audit, so the period prints with its dates
    # and the Change column has a period of the same length before it
    f = analytics.report_period(f, all_rows if all_rows is not None else rows, generated_at)
    data = rollups_of(rows, daily=True)  # by day: a report's period need not be whole months
    dash = analytics.dashboard(data, locations, f, checklist=checklist)
    ranked = (analytics.ranking(data, locations, f, checklist=checklist,
                                previous=rollups_of(all_rows, daily=True))
              if all_rows is not None else dash.ranking)
    st = _Styles(fam, _colour(brand.colour))
    pagesize = landscape(A4)
    report = _NetworkReport(checklist, locations, fmt, st, pagesize)
    period = _period(f.date_from, f.date_to, fmt)
    before = analytics.previous_period(f)
    mode_name = _mode_name(f.mode, lang)
    story = report.cover(period, region, mode_name, dash.audits)
    if dash.audits == 0:
        story.append(st.p(_l("no_data", lang)))
    else:
        story += report.ranking(ranked, _period(before.date_from, before.date_to, fmt) if before else "")
        story += report.trend(analytics.trend(data, f, [r.location_id for r in ranked]))
        story += report.heatmap(ranked, dash.heatmap, dash.sections)
        story += report.worst(dash.worst_items)
        story += report.gaps(dash.gaps)
    if voice is not None:
        names = [(r.location_id, r.name) for r in ranked]
        first, last = voice_months or (None, None)
        story += [PageBreak(), *VoicePdf(checklist, st, fmt, report.width, report.page_height).network(
            voice, first, last, names)]
    if action_control:
        story += report.action_control(action_control, owners or {})
    title = checklist.title.get(lang)
    brand_name = brand.name.strip() or _l("product", lang)
    frame = _Frame(
        fam=fam, brand=st.brand, brand_name=_printable(brand_name, fam),
        # the period first: where the header must be cut, the checklist's title gives way
        heading=_printable(f"{_l('network_report', lang)} · {period} · {mode_name} · {title}", fam),
        footer_left=_printable(f"{_l('network_report', lang)} · {region or _l('all_regions', lang)}", fam),
        generated=_printable(_l("generated", lang, at=fmt.when(generated_at)), fam),
        lang=lang, pagesize=pagesize,
    )
    return _build(story, frame, title=_printable(f"{_l('network_report', lang)} — {title}", fam),
                  subject=period)


def _mode_name(mode: str | None, lang: str) -> str:
    return t(f"mode.{mode}", lang) if mode in MODES else _l("both_modes", lang)


def _period(date_from: str | None, date_to: str | None, fmt: Fmt) -> str:
    if not date_from and not date_to:
        return _l("all_time", fmt.lang)
    return f"{fmt.day(date_from) if date_from else '…'} – {fmt.day(date_to) if date_to else '…'}"


def _movers(points: Sequence[Any], network: str) -> list[tuple[str, float, float, float]]:
    """(location, first, last, change) for locations with at least three months of scores.

    First and last are the means of the first two and the last two months the location had
    audits in: one odd visit does not make a location "improved".
    """
    by_loc: dict[str, list[tuple[str, float]]] = {}
    for p in points:
        if p.series != network:
            by_loc.setdefault(p.series, []).append((p.month, p.score))
    out = []
    for loc, series in by_loc.items():
        series.sort()
        if len(series) < 3:
            continue
        first = sum(v for _, v in series[:2]) / 2
        last = sum(v for _, v in series[-2:]) / 2
        out.append((loc, first, last, last - first))
    return out


class _NetworkReport:
    def __init__(self, checklist: Checklist, locations: Mapping[str, Location], fmt: Fmt, st: _Styles,
                 pagesize: tuple[float, float]) -> None:
        self.checklist = checklist
        self.locations = locations
        self.fmt = fmt
        self.lang = fmt.lang
        self.st = st
        self.width = pagesize[0] - 2 * MARGIN
        self.page_height = _body_height(pagesize)

    def _name(self, location_id: str) -> str:
        loc = self.locations.get(location_id)
        return loc.name if loc else location_id

    def _levels(self) -> str:
        return _l("levels", self.lang, levels=", ".join(
            _l("level_from", self.lang, level=level_name(lv.key, self.lang, self.checklist),
               min=self.fmt.pct(lv.min))
            for lv in self.checklist.levels))

    def _head(self, text: str, align: str) -> _Text:
        """A header cell that wraps inside its column: long headers never run into the next one."""
        fam = self.st.fam
        return _Text([_Run(_printable(text, fam), fam.bold, 7.5, _GREY)], align=align)

    def _table(self, rows: list[list[Any]], widths: list[float], style: list[tuple[Any, ...]],
               right_from: int = 99) -> _Table:
        fam = self.st.fam
        rows = [[self._head(h, "right" if i >= right_from else "left") if isinstance(h, str) else h
                 for i, h in enumerate(rows[0])], *rows[1:]]
        return _Table(rows, colWidths=widths, repeatRows=1, page_height=self.page_height, font=fam.regular,
                      style=[*_grid(), *_head_style(fam), *_strings_style(fam), *style])

    def cover(self, period: str, region: str | None, mode: str, audits: int) -> list[Any]:
        st, lang = self.st, self.lang
        out: list[Any] = [st.p(_l("network_report", lang).upper(), st.kicker),
                          st.p(self.checklist.title.get(lang), st.title), Spacer(1, 3 * mm)]
        facts = [
            (_l("period", lang), period),
            (_l("region", lang), region or _l("all_regions", lang)),
            (_l("mode", lang), mode),
            (_l("checklist", lang), f"{self.checklist.title.get(lang)} · "
                                    f"{_l('version', lang, version=self.checklist.version)}"),
            (_l("audits", lang), str(audits)),
        ]
        rows = [[label, st.text(st.run(value, size=9))] for label, value in facts]
        out.append(_Table(rows, colWidths=[35 * mm, 140 * mm], hAlign="LEFT", font=st.fam.regular, style=[
            *_grid(), *_strings_style(st.fam, (0, 0), (0, -1), bold=True),
            ("TEXTCOLOR", (0, 0), (0, -1), _GREY), ("FONTSIZE", (0, 0), (0, -1), 8),
            ("LEFTPADDING", (0, 0), (0, -1), 0)]))
        return out

    def ranking(self, ranked: Sequence[Any], before: str = "") -> list[Any]:
        st, lang, fam, fmt = self.st, self.lang, self.st.fam, self.fmt
        rows: list[list[Any]] = [[_l("rank", lang), _l("location", lang), _l("region", lang),
                                  _l("score", lang), _l("level", lang), _l("change", lang),
                                  _l("audits", lang), t("score.critical", lang)]]
        style: list[tuple[Any, ...]] = [
            ("ALIGN", (0, 0), (0, -1), "RIGHT"), ("ALIGN", (3, 0), (3, -1), "RIGHT"),
            ("ALIGN", (5, 0), (-1, -1), "RIGHT"), ("FONTNAME", (3, 1), (3, -1), fam.bold)]
        for r in ranked:
            i = len(rows)
            style += [("TEXTCOLOR", (3, i), (4, i), _level_colour(r.level))]
            change = "—"
            if r.change is not None:
                change = fmt.signed(r.change)
                style.append(("TEXTCOLOR", (5, i), (5, i), _LEVEL_COLOURS["wow"] if change.startswith("+")
                              else _RED if change.startswith("−") else _GREY))
            if r.critical:
                style += [("TEXTCOLOR", (7, i), (7, i), _RED), ("FONTNAME", (7, i), (7, i), fam.bold)]
            rows.append([str(r.rank), st.text(st.run(r.name, bold=True)), st.text(st.run(r.region)),
                         fmt.pct(r.score), level_name(r.level, lang, self.checklist), change, str(r.audits),
                         str(r.critical)])
        widths = [12 * mm, 0.0, 50 * mm, 24 * mm, 38 * mm, 24 * mm, 20 * mm, 36 * mm]
        widths[1] = self.width - sum(widths)
        return [st.p(_l("ranking", lang), st.h2), self._table(rows, widths, style, right_from=5),
                Spacer(1, 2 * mm), st.p(_l("change_note", lang, before=before), st.small)]

    def trend(self, points: Sequence[Any]) -> list[Any]:
        """The network month by month, with the two most improved and two most declined locations."""
        st, lang, fmt = self.st, self.lang, self.fmt
        months = sorted({p.month for p in points})
        network = tuple((p.month, p.score) for p in points if p.series == NETWORK)
        if len(months) < 2 or not network:
            return []
        movers = _movers(points, NETWORK)
        up = sorted((m for m in movers if m[3] > 0), key=lambda m: (-m[3], m[0]))[:2]
        down = sorted((m for m in movers if m[3] < 0), key=lambda m: (m[3], m[0]))[:2]
        series = [Series(_l("network", lang), network, st.brand, bold=True,
                         note=f"{fmt.pct(network[0][1])} → {fmt.pct(network[-1][1])}")]
        by_loc: dict[str, list[tuple[str, float]]] = {}
        for p in points:
            by_loc.setdefault(p.series, []).append((p.month, p.score))
        for (loc, first, last, change), colour in [*zip(up, _IMPROVED, strict=False),
                                                    *zip(down, _DECLINED, strict=False)]:
            moved = _l("pts", lang, diff=fmt.signed(change))
            series.append(Series(self._name(loc), tuple(by_loc[loc]), colour,
                                 note=f"{fmt.pct(first)} → {fmt.pct(last)} ({moved})"))
        chart = trend_chart(series, months, self.checklist, st.fam, fmt, self.width, 105 * mm)
        return [PageBreak(), st.p(_l("trend", lang), st.h2),
                st.p(_l("trend_note", lang), st.small), Spacer(1, 3 * mm), chart]

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
        """Items by the points of 100 they cost, summed over audits; yes/no fail rates beside."""
        st, lang, fam, fmt = self.st, self.lang, self.st.fam, self.fmt
        if not items:
            return []
        rows: list[list[Any]] = [[_l("rank", lang), _l("item", lang), _l("lost_total", lang),
                                  _l("lost_mean", lang), _l("audits", lang), _l("fail_rate", lang)]]
        for n, w in enumerate(items, 1):
            found = self.checklist.item(w.key)
            section = self.checklist.section(w.key.partition(".")[0])
            runs = []
            if section:
                runs.append(st.run(section.title.get(lang), size=7.5, colour=_GREY))
            runs.append(st.run(found.text.get(lang) if found else w.key))
            # a share of audits that "failed" reads true only where an answer is pass or fail
            yes_no = found is not None and found.type == "yes_no"
            rate = f"{fmt.pct0(w.fail_rate * 100)} ({w.failed})" if yes_no else "—"
            rows.append([str(n), st.text(*runs), fmt.num(w.lost), fmt.num(w.mean_lost), str(w.applicable),
                         rate])
        widths = [12 * mm, 0.0, 30 * mm, 30 * mm, 22 * mm, 30 * mm]
        widths[1] = self.width - sum(widths)
        style: list[tuple[Any, ...]] = [
            ("ALIGN", (0, 0), (0, -1), "RIGHT"), ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ("FONTNAME", (2, 1), (2, -1), fam.bold)]
        return [CondPageBreak(60 * mm), KeepTogether([st.p(_l("worst", lang), st.h2),
                                                      st.p(_l("worst_note", lang), st.small),
                                                      Spacer(1, 2 * mm)]),
                self._table(rows, widths, style, right_from=2)]

    def action_control(self, groups: Sequence[ControlGroup], owners: Mapping[str, str]) -> list[Any]:
        """Open actions by location and owner, the most overdue first: who owes what."""
        st, lang, fam = self.st, self.lang, self.st.fam
        rows: list[list[Any]] = [[_l("location", lang), t("ui.region", lang), t("ui.act.owner", lang),
                                  t("ui.act.m.open", lang), t("ui.act.m.overdue", lang),
                                  t("ui.act.ctl.repeated", lang), t("ui.act.ctl.oldest", lang)]]
        style: list[tuple[Any, ...]] = [("ALIGN", (3, 0), (5, -1), "RIGHT"),
                                        ("FONTNAME", (4, 1), (4, -1), fam.bold)]
        for g in groups[:CONTROL_MAX_ROWS]:
            i = len(rows)
            loc = self.locations.get(g.location_id)
            if g.overdue:
                style.append(("TEXTCOLOR", (4, i), (4, i), _RED))
            rows.append([loc.name if loc else g.location_id, g.region,
                         owners.get(g.owner, g.owner) if g.owner else t("act.nobody", lang),
                         str(g.open), str(g.overdue), str(g.repeated),
                         self.fmt.day(g.oldest_due) if g.oldest_due else "—"])
        widths = [0.0, 35 * mm, 50 * mm, 22 * mm, 22 * mm, 24 * mm, 32 * mm]
        widths[0] = self.width - sum(widths)
        out: list[Any] = [PageBreak(), KeepTogether([
            st.p(t("ui.act.control", lang), st.h2),
            st.p(t("ui.act.ctl.summary", lang, count=sum(g.open for g in groups),
                   overdue=sum(g.overdue for g in groups),
                   repeated=sum(g.repeated for g in groups)), st.small), Spacer(1, 2 * mm)]),
            self._table(rows, widths, style, right_from=3)]
        if len(groups) > CONTROL_MAX_ROWS:
            out.append(st.p(t("ui.act.ctl.more", lang, count=len(groups) - CONTROL_MAX_ROWS), st.small))
        return out

    def gaps(self, gaps: Sequence[Any]) -> list[Any]:
        st, lang, fam, fmt = self.st, self.lang, self.st.fam, self.fmt
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
            gap = fmt.signed(g.gap)
            if g.flagged:
                gap += " ⚠"
                style += [("TEXTCOLOR", (3, i), (3, i), _RED), ("BACKGROUND", (0, i), (-1, i), _RED_PALE)]
            rows.append([st.text(st.run(self._name(g.location_id), bold=True)), fmt.pct(g.self_score),
                         fmt.pct(g.mystery_score), gap, str(g.self_audits), str(g.mystery_audits)])
        widths = [0.0, 36 * mm, 36 * mm, 30 * mm, 40 * mm, 40 * mm]
        widths[0] = self.width - sum(widths)
        return [CondPageBreak(50 * mm), st.p(_l("gap", lang), st.h2), st.p(_l("gap_intro", lang), st.small),
                Spacer(1, 2 * mm), self._table(rows, widths, style, right_from=1)]
