"""HQ dashboard and location pages: where the journey is broken, and is it getting better."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from audit.audits import capture as audits
from audit.checklist.templates import get_checklist, latest_templates
from audit.core.errors import AppError, NotFound
from audit.i18n import answer_text, error_text, level_name
from audit.model import Checklist, Item, Location, SummaryRow, User
from audit.model.rollups import Rollups
from audit.model.voice import VoiceFilter
from audit.people import access, audience
from audit.reports import analytics, voice
from audit.store import AuditFilter, Store
from audit.ui.common import (
    F,
    T,
    day,
    esc,
    fmt_num,
    fmt_score,
    fmt_signed,
    get_store,
    labeller,
    lang,
    level_badge,
    moment,
    show_chart,
    tip,
)

LOCATION_PAGE = "audit/ui/pages/locations.py"
AUDIT_PAGE = "audit/ui/pages/audits.py"
RED, AMBER, GREEN = "#c0392b", "#e6a23c", "#2e8b57"
LATEST = 30  # audits a list shows before one asks for a month


def _colour_scale(checklist: Checklist | None) -> alt.Scale:
    """Red below "average", amber up to "wow", green above, from the template's own levels."""
    mins = {lvl.key: lvl.min for lvl in checklist.levels} if checklist else {}
    average, wow = mins.get("average", 60), mins.get("wow", 85)
    return alt.Scale(domain=[0, average, wow, 100], range=[RED, "#f1c40f", "#8bc34a", GREEN])


def _months_back(month: str, n: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_options(store: Store) -> list[str]:
    """Every month from the first with audits (at least two years back) to this one."""
    current = date.today().isoformat()[:7]
    known = store.rollup_months()
    first = min([_months_back(current, 23), *known[:1]])
    span = (int(current[:4]) - int(first[:4])) * 12 + int(current[5:7]) - int(first[5:7])
    return [_months_back(current, n) for n in range(span, -1, -1)]


def _filters(locations: dict[str, Location], key: str) -> tuple[analytics.Filters, Checklist | None]:
    """HQ's filters; the period is whole months, since the views add up monthly rollups."""
    store = get_store()
    templates = latest_templates(store)
    months = _month_options(store)
    with st.container(border=True):
        cols = st.columns(2)
        first, last = cols[0].select_slider(T("ui.period"), months, key=f"{key}.period",
                                            format_func=F().month_short,
                                            value=(months[-6], months[-1]))
        titles = {c.id: c.title.get(lang()) for c in templates}
        template_id = cols[1].selectbox(T("ui.template"), list(titles), key=f"{key}.template",
                                        format_func=titles.__getitem__) if titles else None
        cols = st.columns(2)
        regions = sorted({loc.region for loc in locations.values() if loc.region})
        every = T("ui.all_regions")  # fixed now: Streamlit may format options later
        region = cols[0].selectbox(T("ui.region"), [""] + regions, key=f"{key}.region",
                                   format_func=lambda r: r or every)
        mode = cols[1].segmented_control(T("ui.mode"), ["both", "mystery", "self"], default="both",
                                         key=f"{key}.mode", format_func=labeller("ui.mode_"))
    f = analytics.month_filters(first, last, region=region or None, template_id=template_id,
                                mode=None if mode in (None, "both") else mode)
    checklist = get_checklist(store, template_id) if template_id else None
    return f, checklist


def _row_filter(f: analytics.Filters, *, date_from: str | None = None) -> AuditFilter:
    """The submitted rows behind `f` (exports and the network PDF read rows, not rollups)."""
    return AuditFilter(status="submitted", template_id=f.template_id, region=f.region,
                       mode=f.mode, date_from=date_from or f.date_from, date_to=f.date_to)


def _section_titles(checklist: Checklist | None) -> dict[str, str]:
    return {s.id: s.title.get(lang()) for s in checklist.sections} if checklist else {}


def _item(store: Any, template_id: str, key: str) -> Item | None:
    try:
        return get_checklist(store, template_id).item(key)
    except NotFound:
        return None


def render() -> None:
    user = st.session_state["_user"]
    if not access.may(user, access.VIEW_DASHBOARD):
        st.warning(T("err.not_found"))
        return
    st.set_page_config(layout="wide")  # a laptop screen: tables and heatmaps need the width
    store = get_store()
    locations = {loc.id: loc for loc in store.list_locations()}
    st.header(T("nav.dashboard"), anchor=False)
    f, checklist = _filters(locations, "dash")
    names = {k: v.name for k, v in locations.items()}
    chosen = st.multiselect(T("ui.chosen_locations"), list(names), key="dash.chosen",
                            format_func=names.__getitem__, max_selections=6,
                            placeholder=T("ui.pick_locations"))
    data = store.get_rollups(*analytics.months_to_read(f), template_id=f.template_id)
    d = _dashboard(data, locations, f, checklist, chosen)
    if not d.audits:
        st.info(T("ui.no_audits_in_filter"), icon=":material/filter_alt_off:")
        return
    _headlines(d, names, checklist)
    tabs = st.tabs([T("ui.tab_ranking"), T("ui.tab_heatmap"), T("ui.tab_trends"),
                    T("ui.tab_items"), T("ui.tab_gap"), T("ui.tab_compare"), T("ui.tab_export"),
                    T("ui.tab_actions"), T("ui.tab_voice")])
    with tabs[0]:
        _ranking(d, checklist)
    with tabs[1]:
        _heatmap(d, names, checklist)
    with tabs[2]:
        _trends(d, names, checklist)
    with tabs[3]:
        _worst(d, store)
    with tabs[4]:
        _gaps(d, names)
    with tabs[5]:
        _compare(data, f, names, checklist)
    with tabs[6]:
        _exports(d, f, locations, checklist)
    with tabs[7]:
        from audit.ui.actions import dashboard_tab

        dashboard_tab(locations, f.region, f.template_id)
    with tabs[8]:
        _voice(store, f, locations)


def _voice(store: Store, f: analytics.Filters, locations: dict[str, Location]) -> None:
    """Customers' voice: expected against got per location and touchpoint, beside the audits'
    score of the same section (separate columns), the two lists, the levels, the months."""
    ids = [k for k, v in locations.items() if f.region is None or v.region == f.region]
    try:
        table = voice.voice_table(store, first_month=f.date_from[:7] if f.date_from else None,
                                  last_month=f.date_to[:7] if f.date_to else None, location_ids=ids)
    except AppError as err:
        st.info(error_text(err, lang()), icon=":material/campaign:")
        return
    if table.held:
        st.warning(T("ui.voice_held", count=table.held), icon=":material/warning:")
    checklist = get_checklist(store, table.template_id)
    if not table.responses:
        st.caption(T("ui.voice_none"))
        _voice_shoppers(table, checklist)
        return
    words = {s.id: (s.customer or s.title).get(lang()) for s in checklist.sections}
    st.markdown(esc(" · ".join(f"{T('voice.level.' + s.level)} {s.share:.0%}" for s in table.levels)
                    + " · " + T("ui.voice_responses", count=table.responses)))
    for title, rows in ((T("ui.voice_let_down"), table.let_down_where_audits_pass),
                        (T("ui.voice_not_minded"), table.audits_fail_where_customers_do_not_mind)):
        st.subheader(title, anchor=False)
        if not rows:
            st.caption(T("ui.voice_list_empty"))
        for r in rows:
            st.markdown(esc(f"{r.location} — {words.get(r.section, r.section)}: "
                            f"{r.gap:+.2f} ({r.ci_low:+.2f}…{r.ci_high:+.2f}), n={r.n}; "
                            f"{T('ui.voice_audit')} {fmt_score(r.audit_score)}"))
    st.subheader(T("ui.voice_table"), anchor=False)
    with st.container(key="only-phone-voice-gap"):
        _voice_rows_phone(table, words)
    with st.container(key="only-wide-voice-gap"):
        _voice_rows_wide(table, words)
    st.caption(T("ui.voice_hint"))
    _voice_shoppers(table, checklist)
    _voice_words(store, f, ids)
    st.subheader(T("ui.voice_months"), anchor=False)
    months = pd.DataFrame([{"month": m.month, "gap": m.gap, **{T(f"voice.level.{s.level}"): s.share
                                                               for s in m.shares}}
                           for m in table.months if m.gap is not None])
    if not months.empty:
        chart = alt.Chart(months).mark_line(point=True).encode(
            x=alt.X("month:O", title=None), y=alt.Y("gap:Q", title=T("ui.voice_col_gap")))
        st.altair_chart(chart, width="stretch")


def _md_cell(text: str) -> str:
    return esc(text).replace("|", "\\|")


def _voice_rows_phone(table: voice.VoiceTable, words: dict[str, str]) -> None:
    """The gap table on a phone: one short table per location that wraps, every column on screen."""
    by_location: dict[str, list[voice.GapRow]] = {}
    for r in table.rows:
        by_location.setdefault(r.location, []).append(r)
    tones = {"below": "red", "above": "green"}
    for name, rows in by_location.items():
        lines = [f"**{_md_cell(name)}**", "",
                 f"| {T('ui.voice_col_touchpoint')} | {T('ui.voice_col_gap_short')} | n | "
                 f"{T('ui.voice_col_audit_short')} |", "| :-- | --: | --: | --: |"]
        for r in rows:
            gap = f"{r.gap:+.2f}"
            if r.ci_low is not None and r.ci_high is not None:
                gap += f" ({r.ci_low:+.2f} … {r.ci_high:+.2f})"  # spaced: it may wrap
            tone = tones.get(r.where or "")
            cell = f":{tone}[{_md_cell(gap)}]" if tone else _md_cell(gap)
            lines.append(f"| {_md_cell(words.get(r.section, r.section))} | {cell} | {r.n} | "
                         f"{fmt_score(r.audit_score)} |")
        st.markdown("\n".join(lines))


def _voice_rows_wide(table: voice.VoiceTable, words: dict[str, str]) -> None:
    frame = pd.DataFrame([{
        T("ui.voice_col_location"): r.location, T("ui.voice_col_touchpoint"): words.get(r.section, r.section),
        "n": r.n, T("ui.voice_col_expected"): r.expected, T("ui.voice_col_got"): r.perceived,
        T("ui.voice_col_gap"): r.gap,
        T("ui.voice_col_ci"): "" if r.ci_low is None else f"{r.ci_low:+.2f}…{r.ci_high:+.2f}",
        T("ui.voice_col_where"): T(f"ui.voice_where_{r.where}") if r.where else "—",
        T("ui.voice_col_audit"): r.audit_score, T("ui.voice_col_audits"): r.audits,
    } for r in table.rows])
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        T("ui.voice_col_expected"): st.column_config.NumberColumn(format="%.2f"),
        T("ui.voice_col_got"): st.column_config.NumberColumn(format="%.2f"),
        T("ui.voice_col_gap"): st.column_config.NumberColumn(format="%+.2f"),
        T("ui.voice_col_audit"): st.column_config.NumberColumn(format="%.0f")})


# A few views are kept: each holds thousands of small objects, and every one of them makes
# the garbage collector's full passes over the process longer.
KEPT = 6
# per choice of filters, the latest view and the token of the rollups it was computed from: served
# as it is while the token is unchanged, else the base the next view is updated from (a submit
# has changed a few groups since)
_latest: OrderedDict[tuple[Any, ...], tuple[Any, analytics.Dashboard]] = OrderedDict()
_latest_lock = threading.Lock()


def _voice_shoppers(table: voice.VoiceTable, checklist: Checklist, *, location: bool = False
                    ) -> None:
    """The mystery shoppers' own expectation of a section (asked before it) against what they
    got, per location × section: the measured wait against the wait expected first."""
    if not table.shoppers:
        return
    st.subheader(T("ui.expect_shoppers"), anchor=False)
    titles = _section_titles(checklist)
    with st.container(key=f"only-phone-expect-{'loc' if location else 'net'}"):
        by_location: dict[str, list[voice.ShopperRow]] = {}
        for r in table.shoppers:
            by_location.setdefault(r.location, []).append(r)
        for name, rows in by_location.items():
            lines = [] if location else [f"**{_md_cell(name)}**", ""]
            lines += [f"| {T('ui.section')} | {T('ui.expect_col_expected')} → "
                      f"{T('ui.expect_col_got')} | {T('ui.expect_col_verdicts')} |",
                      "| :-- | --: | --: |"]
            for r in rows:
                lines.append(f"| {_md_cell(titles.get(r.section, r.section))}, "
                             f"{_md_cell(T(f'ui.expect_unit_{r.kind}'))} ({r.audits}) | "
                             f"{fmt_num(round(r.expected, 1))} → {fmt_num(round(r.got, 1))} | "
                             f"{r.below} / {r.met} / {r.above} |")
            st.markdown("\n".join(lines))
    wide = st.container(key=f"only-wide-expect-{'loc' if location else 'net'}")
    frame = pd.DataFrame([{
        **({} if location else {T("ui.voice_col_location"): r.location}),
        T("ui.section"): titles.get(r.section, r.section),
        T("ui.expect_col_unit"): T(f"ui.expect_unit_{r.kind}"),
        T("ui.voice_col_audits"): r.audits,
        T("ui.expect_col_expected"): round(r.expected, 1), T("ui.expect_col_got"): round(r.got, 1),
        T("ui.expect_col_verdicts"): f"{r.below} / {r.met} / {r.above}",
    } for r in table.shoppers])
    wide.dataframe(frame, hide_index=True, width="stretch")
    st.caption(T("expect.hint"))


VOICE_WORDS_SHOWN = 30  # customers' comments listed for approval, the newest first


def _voice_words(store: Store, f: analytics.Filters, ids: list[str]) -> None:
    """Customers' own words, newest first: HQ approves each before anyone beyond HQ sees it."""
    flt = VoiceFilter(location_ids=tuple(ids), first_month=f.date_from[:7] if f.date_from else None,
                      last_month=f.date_to[:7] if f.date_to else None)
    said = [r for r in store.list_voice_responses(flt) if r.text and r.is_counted][::-1]
    waiting = sum(1 for r in said if not r.text_approved)
    names = {loc.id: loc.name for loc in store.list_locations()}
    with st.expander(T("ui.voice_words", count=len(said), waiting=waiting), icon=":material/forum:"):
        for r in said[:VOICE_WORDS_SHOWN]:
            st.text(f"{names.get(r.location_id, r.location_id)} · {r.day}\n{r.text}")  # plain text
            approved = st.toggle(T("ui.voice_approve"), value=r.text_approved, key=f"vw.{r.id}")
            if approved != r.text_approved:
                store.set_voice_text_approved(r.location_id, r.id, approved)


def _dashboard(data: Rollups, locations: dict[str, Location], f: analytics.Filters,
               checklist: Checklist | None, chosen: list[str]) -> analytics.Dashboard:
    """analytics.dashboard, kept while the rollups it read are unchanged (their token says so):
    every widget HQ touches reruns the page, and most leave the figures as they were. After a
    change, the last view of the same filters is updated with the groups that changed."""
    choice = (f, checklist.id if checklist else None, checklist.version if checklist else None,
              tuple(chosen), tuple((loc.id, loc.name, loc.region) for loc in locations.values()))
    with _latest_lock:
        token, base = _latest.get(choice, (None, None))
    if base is not None and token is not None and token == data.token:
        return base
    view = analytics.dashboard(data, locations, f, checklist=checklist, chosen=chosen, base=base)
    with _latest_lock:
        _latest[choice] = (data.token, view)
        _latest.move_to_end(choice)
        while len(_latest) > KEPT:
            _latest.popitem(last=False)
    return view


def _headlines(d: analytics.Dashboard, names: dict[str, str], checklist: Checklist | None) -> None:
    scored = [r for r in d.ranking if r.score is not None]
    cells = [c for c in d.heatmap if c.score is not None]
    titles = _section_titles(checklist)
    cols = st.columns(3)
    cols[0].metric(T("ui.audits_in_filter"), d.audits)
    if scored:
        worst = scored[-1]
        cols[1].metric(T("ui.weakest_location"), esc(names.get(worst.location_id, worst.location_id)),
                       delta=None if worst.change is None else fmt_signed(worst.change, 0),
                       help=T("ui.change_help"))
        cols[1].caption(f"{fmt_score(worst.score)} {level_badge(worst.level)}")
    if cells:
        low = min(cells, key=lambda c: c.score or 0)
        cols[2].metric(T("ui.weakest_cell"), esc(titles.get(low.section_id, low.section_id)))
        cols[2].caption(f"{esc(names.get(low.location_id, low.location_id))} · {fmt_score(low.score)}")
    flagged = [g for g in d.gaps if g.flagged]
    if flagged:
        g = flagged[0]
        st.warning(T("ui.gap_headline", name=esc(names.get(g.location_id, g.location_id)),
                     gap=fmt_signed(g.gap, 0)), icon=":material/flag:")


def _ranking(d: analytics.Dashboard, checklist: Checklist | None) -> None:
    # on a phone the first columns are what shows: the place (pinned while the rest scrolls
    # sideways), its score and its change; the region and the counts follow
    data = pd.DataFrame([{
        "#": r.rank,
        T("ui.location"): r.name,
        T("ui.score"): None if r.score is None else round(r.score),  # a bar, labelled "63 %"
        T("ui.change"): fmt_signed(r.change),  # "−1,9" on a Russian screen, not "-1.9"
        T("ui.level"): level_name(r.level, lang(), checklist),
        T("ui.audits"): r.audits,
        T("ui.critical_count"): r.critical,
        T("ui.region"): r.region,
        "link": f"location?id={r.location_id}",
    } for r in d.ranking])
    st.space("small")  # the table's toolbar opens above it, clear of the tabs
    st.dataframe(data, hide_index=True, width="stretch", column_config={
        T("ui.location"): st.column_config.TextColumn(T("ui.location"), pinned=True),
        T("ui.score"): st.column_config.ProgressColumn(T("ui.score"), min_value=0, max_value=100,
                                                        format="%.0f%%", width="small"),
        "link": st.column_config.LinkColumn(" ", display_text="↗"),
    })


def _heatmap(d: analytics.Dashboard, names: dict[str, str], checklist: Checklist | None) -> None:
    titles = _section_titles(checklist)
    data = pd.DataFrame([{"location": names.get(c.location_id, c.location_id),
                          "section": titles.get(c.section_id, c.section_id), "score": c.score,
                          "audits": c.audits} for c in d.heatmap if c.score is not None])
    if data.empty:
        return
    order_loc = [names.get(r.location_id, r.location_id) for r in d.ranking]
    order_sec = [titles.get(s, s) for s in d.sections]
    # A phone's column is a third of a laptop's: there the section names stand upright and the
    # numbers show only where a cell is wide enough to hold one (the colour and the tooltip
    # say the rest), so nothing prints over its neighbour.
    narrow = f"width / {max(len(order_sec), 1)} < 26"
    base = alt.Chart(data).encode(
        x=alt.X("section:N", sort=order_sec, title=None,
                axis=alt.Axis(labelAngle=alt.ExprRef(f"{narrow} ? -90 : -35"), labelLimit=160,
                              labelOverlap=False, orient="top")),
        y=alt.Y("location:N", sort=order_loc, title=None, axis=alt.Axis(labelLimit=120, labelOverlap=False)),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("score:Q", scale=_colour_scale(checklist),
                        legend=alt.Legend(title="%", orient="bottom", gradientLength=160)),
        tooltip=[tip("location", "ui.location"), tip("section", "ui.section"),
                 tip("score:Q", "ui.score", ".0f"), tip("audits:Q", "ui.audits")])
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("score:Q", format=".0f"), color=alt.value("#1b1b1b"),
        opacity=alt.condition(narrow, alt.value(0), alt.value(1)))
    # room for upright names on top and the legend below, and 26 px a row
    show_chart(rect + text, width="stretch", height=220 + 26 * len(order_loc))


def _trends(d: analytics.Dashboard, names: dict[str, str], checklist: Checklist | None) -> None:
    data = pd.DataFrame([{"month": F().month_short(p.month), "series": T("ui.network")
                          if p.series == "network" else names.get(p.series, p.series),
                          "score": p.score, "audits": p.audits}
                         for p in sorted(d.trend, key=lambda p: p.month)])
    if data.empty:
        return
    chart = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("month:O", title=None, sort=list(dict.fromkeys(data["month"]))),
        y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100]), title="%"),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[tip("series", "ui.location"), tip("month", "ui.month"), tip("score:Q", "ui.score", ".0f"),
                 tip("audits:Q", "ui.audits")])
    show_chart(chart, width="stretch")
    st.caption(T("ui.trend_hint"))


def _worst(d: analytics.Dashboard, store: Any) -> None:
    """Items by the weighted points they cost, the largest first; the fail rate beside, for
    yes/no items only (a 7 of 10 is a lost point, not a failure)."""
    rows = []
    for w in d.worst_items:
        item = _item(store, w.template_id, w.key)
        rows.append({"item": item.text.get(lang()) if item else w.key, "lost": w.lost,
                     "per_audit": w.mean_lost, "audits": w.applicable,
                     "rate": 100 * w.fail_rate if item is not None and item.type == "yes_no" else None})
    data = pd.DataFrame(rows)
    if data.empty:
        return
    order = list(dict.fromkeys(data["item"]))
    chart = alt.Chart(data).mark_bar(color=RED).encode(
        x=alt.X("lost:Q", title=T("ui.points_lost_total")),
        y=alt.Y("item:N", sort=order, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
        tooltip=[tip("item", "ui.item"), alt.Tooltip("lost:Q", format=".1f", title=T("ui.points_lost_total")),
                 alt.Tooltip("per_audit:Q", format=".2f", title=T("ui.points_lost")),
                 alt.Tooltip("audits:Q", title=T("ui.audits"))])
    show_chart(chart, width="stretch", height=60 + 26 * len(data))
    st.caption(T("ui.items_hint"))
    f = F()  # the table as the reader writes numbers: "8,3", "25 %" on a Russian screen
    shown = pd.DataFrame({
        T("ui.item"): data["item"], T("ui.points_lost_total"): [f.num1(x) for x in data["lost"]],
        T("ui.points_lost"): [f.num(x) for x in data["per_audit"]], T("ui.audits"): data["audits"],
        T("ui.fail_rate"): [f.pct0(None if pd.isna(x) else x) for x in data["rate"]]})
    st.dataframe(shown, hide_index=True, width="stretch")


def _gaps(d: analytics.Dashboard, names: dict[str, str]) -> None:
    data = pd.DataFrame([{"location": names.get(g.location_id, g.location_id), "gap": g.gap,
                          "self": g.self_score, "mystery": g.mystery_score, "flagged": g.flagged,
                          "n": f"{g.self_audits}/{g.mystery_audits}"} for g in d.gaps])
    if data.empty:
        st.caption(T("ui.no_gap_data"))
        return
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("gap:Q", title=T("ui.gap_axis")),
        y=alt.Y("location:N", sort="-x", title=None, axis=alt.Axis(labelOverlap=False)),
        color=alt.condition("datum.flagged", alt.value(RED), alt.value("#7f8c8d")),
        tooltip=[tip("location", "ui.location"), tip("self:Q", "mode.self", ".0f"),
                 tip("mystery:Q", "mode.mystery", ".0f"), tip("gap:Q", "ui.gap_axis", "+.0f"),
                 tip("n", "ui.audits")])
    show_chart(chart, width="stretch", height=60 + 26 * len(data))
    st.caption(T("ui.gap_hint"))


def _compare(data: Rollups, f: analytics.Filters, names: dict[str, str],
             checklist: Checklist | None) -> None:
    ids = list(names)
    if len(ids) < 2:
        return
    cols = st.columns(2)
    a = cols[0].selectbox("A", ids, index=0, key="cmp.a", format_func=names.__getitem__)
    b = cols[1].selectbox("B", ids, index=1, key="cmp.b", format_func=names.__getitem__)
    result = analytics.compare(data, a, b, f)
    for col, side in zip(st.columns(2), (result["a"], result["b"]), strict=True):
        col.metric(esc(names.get(side["location_id"], side["location_id"])), fmt_score(side["score"]),
                   help=T("ui.audits") + f": {side['audits']}")
    titles = _section_titles(checklist)
    bars = pd.DataFrame([{"section": titles.get(s["section_id"], s["section_id"]),
                          "location": names[who], "score": s[key]}
                         for s in result["sections"] for who, key in ((a, "a"), (b, "b"))
                         if s[key] is not None])
    if not bars.empty:
        chart = alt.Chart(bars).mark_bar().encode(
            x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title="%"),
            y=alt.Y("section:N", title=None, sort=[titles.get(s, s) for s in titles]),
            yOffset="location:N", color=alt.Color("location:N", title=None,
                                                  legend=alt.Legend(orient="bottom")),
            tooltip=[tip("location", "ui.location"), tip("section", "ui.section"),
                     tip("score:Q", "ui.score", ".0f")])
        show_chart(chart, width="stretch")


def _exports(d: analytics.Dashboard, f: analytics.Filters,
             locations: dict[str, Location], checklist: Checklist | None) -> None:
    """Files built from the rows, only when a button is tapped."""
    from audit.reports import export
    from audit.ui.report_buttons import network_pdf_button

    store = get_store()

    def rows() -> list[SummaryRow]:
        found = store.list_summaries(_row_filter(f))
        return sorted(found, key=lambda r: (r.visit_at or r.started_at, r.audit_id))

    def with_previous() -> list[SummaryRow]:  # the report measures change against these too
        prev = analytics.previous_period(f)
        return store.list_summaries(_row_filter(replace(f, mode=None),
                                                date_from=prev.date_from if prev else None))

    st.caption(T("ui.export_hint", count=d.audits))
    cols = st.columns(3)
    user = st.session_state["_user"]
    cols[0].download_button("CSV", data=lambda: export.export_rows(
                                store, rows(), fmt="csv", lang=lang(), reader=user)["audits.csv"],
                            file_name="audits.csv", mime="text/csv", key="exp.csv",
                            icon=":material/table:", width="stretch")
    cols[1].download_button("XLSX", data=lambda: export.export_rows(
                                store, rows(), fmt="xlsx", lang=lang(), reader=user)["xlsx"],
                            file_name="audits.xlsx", key="exp.xlsx", icon=":material/grid_on:",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            width="stretch")
    with cols[2]:
        if checklist is not None:
            network_pdf_button(with_previous, f, locations, checklist)


# -- locations --------------------------------------------------------------------------------


def render_locations() -> None:
    user = st.session_state["_user"]
    store = get_store()
    locations = {loc.id: loc for loc in store.list_locations()
                 if user.role == "hq" or loc.id in user.locations}
    wanted = st.query_params.get("id")
    if wanted:
        if wanted not in locations:
            st.warning(T("err.not_found"), icon=":material/search_off:")
            return
        _location_page(user, locations[wanted])
        return
    st.header(T("nav.locations"), anchor=False)
    for loc in locations.values():
        latest = store.recent_summaries(AuditFilter(location_ids=(loc.id,), status="submitted"),
                                        limit=1, keep=_visible_to(user))
        with st.container(border=True):
            line = f"**{esc(loc.name)}** · {esc(loc.region)}"
            if latest:
                r = latest[0]
                line += f"  \n{fmt_score(r.overall)} {level_badge(r.level)} · {day(r.visit_at, loc.tz)}"
            st.markdown(line)
            st.page_link(LOCATION_PAGE, label=T("ui.open"), icon=":material/storefront:",
                         query_params={"id": loc.id})


def _visible_to(user: User) -> Callable[[SummaryRow], bool]:
    return lambda r: access.may(user, access.VIEW_AUDIT, r)


def _location_page(user: User, loc: Location) -> None:
    """A location's months from its rollups; its latest audits from its own row shards."""
    store = get_store()
    st.set_page_config(layout="wide")
    st.header(esc(loc.name), anchor=False)
    st.caption(f"{esc(loc.region)} · {esc(loc.address)}")
    data = store.get_rollups(location_id=loc.id)
    if user.role != "hq":  # managers see self-audits and published mystery audits only
        data = data.for_branch()
    templates = sorted({r.template_id for r in data.locations}, key=lambda t: (t != "service-point", t))
    if not templates:
        st.info(T("ui.no_audits_yet"))
        _location_voice(store, user, loc)
        return
    titles_by_id = {t: esc(get_checklist(store, t).title.get(lang())) for t in templates}
    template_id = st.segmented_control(T("ui.template"), templates, default=templates[0],
                                       key="loc.template", format_func=titles_by_id.__getitem__
                                       ) or templates[0]
    checklist = get_checklist(store, template_id)
    f = analytics.Filters(template_id=template_id)
    history = pd.DataFrame([{"month": F().month_short(p.month), "score": p.score, "audits": p.audits,
                             "mode": T("mode." + p.series)}
                            for p in sorted(analytics.mode_trend(data, loc.id, f), key=lambda p: p.month)])
    if not history.empty:
        chart = alt.Chart(history).mark_line(point=True).encode(
            x=alt.X("month:O", title=None, sort=list(dict.fromkeys(history["month"]))),
            y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100]), title="%"),
            color=alt.Color("mode:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[tip("month", "ui.month"), tip("score:Q", "ui.score", ".0f"), tip("mode", "ui.mode"),
                     tip("audits:Q", "ui.audits")])
        st.subheader(T("ui.history"), anchor=False)
        show_chart(chart, width="stretch")
    titles = _section_titles(checklist)
    sec = pd.DataFrame([{"month": F().month_short(p.month), "section": titles.get(p.series, p.series),
                         "score": p.score}
                        for p in sorted(analytics.section_trend(data, loc.id, f), key=lambda p: p.month)])
    if not sec.empty:
        st.subheader(T("ui.sections_over_time"), anchor=False)
        chart = alt.Chart(sec).mark_rect().encode(
            x=alt.X("month:O", title=None, sort=list(dict.fromkeys(sec["month"]))),
            y=alt.Y("section:N", title=None, sort=list(titles.values())),
            color=alt.Color("score:Q", scale=_colour_scale(checklist), legend=alt.Legend(title="%")),
            tooltip=[tip("section", "ui.section"), tip("month", "ui.month"),
                     tip("score:Q", "ui.score", ".0f")])
        show_chart(chart, width="stretch")
    visible = _visible_to(user)
    newest = store.recent_summaries(AuditFilter(location_ids=(loc.id,), status="submitted",
                                                template_id=template_id), limit=1, keep=visible)
    if newest and newest[0].findings:
        latest = newest[0]
        st.subheader(T("ui.latest_findings", date=day(latest.visit_at, loc.tz)), anchor=False)
        audit = store.get_audit(latest.audit_id)
        for key in latest.findings:
            item = checklist.item(key)
            if item is None:
                continue
            ans = audit.answers.get(key) if audit else None
            mark = "🔴 " if key in latest.critical else ""
            st.markdown(f"{mark}**{esc(item.text.get(lang()))}** — {esc(answer_text(item, ans, lang()))}")
    _location_voice(store, user, loc)
    _location_audits(user, loc, checklist, visible)


def _location_voice(store: Store, user: User, loc: Location) -> None:
    """The location's customers' voice: expected against got per touchpoint; the audits' score
    beside it for HQ only (a branch's own view of its audits is the published ones above), and
    customers' words only once HQ has approved them."""
    try:
        table = voice.voice_table(store, location_ids=[loc.id])
    except AppError:
        return  # no checklist for customers: nothing to show here
    checklist = get_checklist(store, table.template_id)
    if user.role == "hq":
        _voice_shoppers(table, checklist, location=True)
    if not table.responses:
        return
    st.subheader(T("ui.tab_voice"), anchor=False)
    words = {s.id: (s.customer or s.title).get(lang()) for s in checklist.sections}
    hq = audience.sees_audits_beside_voice(user)
    st.dataframe(pd.DataFrame([{
        T("ui.voice_col_touchpoint"): words.get(r.section, r.section), "n": r.n,
        T("ui.voice_col_expected"): round(r.expected, 2), T("ui.voice_col_got"): round(r.perceived, 2),
        T("ui.voice_col_gap"): round(r.gap, 2),
        T("ui.voice_col_where"): T(f"ui.voice_where_{r.where}") if r.where else "—",
        **({T("ui.voice_col_audit"): r.audit_score} if hq else {}),
    } for r in table.rows]), hide_index=True, width="stretch")
    st.markdown(esc(" · ".join(f"{T('voice.level.' + s.level)} {s.share:.0%}" for s in table.levels)))
    said = [r for r in store.list_voice_responses(VoiceFilter(location_ids=(loc.id,)))
            if r.text and r.is_counted
            and audience.may_read_customer_words(user, approved=r.text_approved)
            ][::-1][:VOICE_WORDS_SHOWN]
    for r in said:
        st.text(f"{r.day}: {r.text}")  # plain text, never Markdown


def _location_audits(user: User, loc: Location, checklist: Checklist,
                     visible: Callable[[SummaryRow], bool]) -> None:
    """The latest audits of every checklist, or one month's, newest first."""
    store = get_store()
    st.subheader(T("ui.audits"), anchor=False)
    flt = AuditFilter(location_ids=(loc.id,), status="submitted")
    months = store.summary_months(flt)
    latest = T("ui.latest_n", n=LATEST)  # fixed now: Streamlit may format options later
    month = st.selectbox(T("ui.show_month"), ["", *months], key="loc.month",
                         format_func=lambda m: F().month(m) if m else latest)
    rows = store.recent_summaries(flt, month=month or None, limit=None if month else LATEST,
                                  keep=visible)
    codes = audits.auditor_codes(store)
    table = pd.DataFrame([{
        T("ui.visit_date"): moment(r.visit_at, loc.tz), T("mode.mystery"): T("mode." + r.mode),
        T("ui.score"): fmt_score(r.overall), T("ui.level"): level_name(r.level, lang(), checklist),
        T("ui.auditor"): access.auditor_label(user, r, codes), "link": f"/?id={r.audit_id}"}
        for r in rows])
    if table.empty:
        st.caption(T("ui.no_audits_yet"))
        return
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "link": st.column_config.LinkColumn(" ", display_text="↗")})
