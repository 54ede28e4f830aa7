"""Visits on screen: the shopper's "My visits", HQ's plans, coverage and shoppers, the review queue."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from audit.checklist.templates import latest_templates
from audit.core import clock
from audit.core.errors import AppError
from audit.i18n import error_text, hours_text
from audit.model import WEEKDAYS, Location, User
from audit.model.visits import Plan, Visit, VisitFilter
from audit.people import access
from audit.review import steps as review
from audit.ui import geo, review_panel
from audit.ui.common import F, T, day, esc, fmt_score, get_store, labeller, lang, moment
from audit.visits import plans as visits
from audit.visits import service as visit_service

AUDITS = "audit/ui/pages/audits.py"
BADGE = {"due": "green", "started": "blue", "overdue": "orange", "missed": "red",
         "upcoming": "gray", "done": "violet", "cancelled": "gray"}


def window_text(v: Visit) -> str:
    """"2 мар. 2026 – 8 мар. 2026 · Sat, Sun 10:00–14:00 (Europe/Moscow)"."""
    days = day(v.first) if v.first == v.last else f"{day(v.first)} – {day(v.last)}"
    bits = [days]
    if v.weekdays:
        bits.append(", ".join(T(f"day.{d}") for d in v.weekdays))
    if v.time_from or v.time_to:
        bits.append(f"{v.time_from or '00:00'}–{v.time_to or '24:00'}")
    return " · ".join(bits) + f" ({v.tz or 'UTC'})"


# --- the shopper's home ---------------------------------------------------------------------


def my_visits(user: User) -> None:
    """Due now, in progress, overdue, upcoming and lately done: the shopper's home page."""
    store = get_store()
    now = clock.now_iso()
    mine = visits.my_visits(visit_service.shopper_visits(store, user, now), now)
    locations = {loc.id: loc for loc in store.list_locations()}
    st.header(T("nav.visits"), anchor=False)
    starting = st.session_state.get("_starting")
    if starting:
        _start_panel(user, starting, locations)
    groups = [("due", mine.due), ("started", mine.started), ("overdue", mine.overdue),
              ("upcoming", mine.upcoming), ("done", mine.done)]
    if not any(g for _, g in groups):
        st.caption(T("visit.none"))
    for name, group in groups:
        if not group:
            continue
        st.subheader(f"{T('visit.' + name)} · {len(group)}", anchor=False)
        for v in group:
            _card(v, locations.get(v.location_id), name)


def _card(v: Visit, loc: Location | None, state: str) -> None:
    with st.container(border=True, key=f"visit.{v.id}"):
        name = esc(loc.name) if loc else v.location_id
        st.markdown(f"**{name}** :{BADGE[state]}-badge[{T('visit.' + state)}]  \n"
                    f":material/schedule: {esc(window_text(v))}")
        if loc is not None:
            lines = []
            if loc.address:
                lines.append(f":material/place: {esc(loc.address)}")
            if loc.hours:
                lines.append(f":material/storefront: {esc(hours_text(loc.hours, lang()))}")
            if lines:
                st.markdown("  \n".join(lines))
        scenario = v.scenario(lang())
        if scenario:
            with st.expander(T("visit.scenario"), icon=":material/theater_comedy:",
                             expanded=state in ("due", "started")):
                st.markdown(esc(scenario))
        if state == "started" and v.audit_id:
            st.page_link(AUDITS, label=T("visit.continue"), icon=":material/edit:",
                         query_params={"id": v.audit_id})
        elif state in ("due", "overdue", "upcoming"):
            st.button(T("visit.start"), key=f"visit.start.{v.id}", icon=":material/play_arrow:",
                      type="primary" if state != "upcoming" else "secondary", width="stretch",
                      on_click=st.session_state.__setitem__, args=("_starting", v.id))


def _start_panel(user: User, visit_id: str, locations: dict[str, Location]) -> None:
    """Asks for the position (with the reason), then starts the visit's audit."""
    store = get_store()
    visit = store.get_visit(visit_id)
    loc = locations.get(visit.location_id) if visit else None
    with st.container(border=True, key="visit.starting"):
        st.markdown(f"**{T('visit.starting', name=esc(loc.name) if loc else '')}**")
        position = geo.position_prompt(f"geo.start.{visit_id}", T("geo.why_start"))
        cols = st.columns(2)
        go = cols[0].button(T("visit.start_now"), key="visit.go", type="primary",
                            icon=":material/play_arrow:", width="stretch")
        if cols[1].button(T("ui.cancel"), key="visit.cancel", width="stretch"):
            st.session_state.pop("_starting", None)
            st.rerun()
        if not go:
            return
        try:
            header = visit_service.start_visit(store, user, visit_id, lang=lang(), position=position)
        except visits.VisitError as err:
            st.error(error_text(err, lang()), icon=":material/block:")
            if err.code == "visit_already_started" and err.params.get("audit_id"):
                st.page_link(AUDITS, label=T("visit.continue"), icon=":material/edit:",
                             query_params={"id": err.params["audit_id"]})
            return
        except AppError as err:
            st.error(error_text(err, lang()))
            return
        st.session_state.pop("_starting", None)
        st.switch_page(AUDITS, query_params={"id": header.id})


# --- HQ: coverage, planning, shoppers --------------------------------------------------------


def render_plan() -> None:
    user = st.session_state["_user"]
    if not access.may(user, access.PLAN_VISITS):
        st.warning(T("err.not_found"))
        return
    st.header(T("nav.plan"), anchor=False)
    part = st.segmented_control(T("nav.plan"), ["coverage", "plan", "shoppers"],
                                default="coverage", key="plan.part", width="stretch",
                                label_visibility="collapsed",
                                format_func=labeller("visit.tab_")) or "coverage"
    {"coverage": coverage_view, "plan": plan_form, "shoppers": shoppers_view}[part]()


def _month_range(key: str) -> tuple[str, str]:
    this = date.today().strftime("%Y-%m")
    months = [visits.shift_month(this, n) for n in range(-11, 4)]
    first, last = st.select_slider(T("visit.months"), months, format_func=F().month_short,
                                   value=(visits.shift_month(this, -2), visits.shift_month(this, 1)),
                                   key=key)
    return first, last


def coverage_view() -> None:
    store = get_store()
    locations = {loc.id: loc for loc in store.list_locations()}
    first, last = _month_range("cov.months")
    regions = sorted({loc.region for loc in locations.values()})
    cols = st.columns(2)
    every = T("visit.all_regions")  # fixed now: Streamlit may format options later
    region = cols[0].selectbox(T("ui.region"), ["", *regions], key="cov.region",
                               format_func=lambda r: r or every)
    only = cols[1].multiselect(T("visit.show"), list(visits.COVERAGE) + ["doubtful"],
                               key="cov.only", format_func=labeller("visit."), placeholder=T("ui.choose"))
    now = clock.now_iso()
    rows = store.list_visits(VisitFilter(first, last, region=region or None))
    grid, stats = visits.overview(rows, now)
    if not grid:
        st.info(T("visit.no_visits"), icon=":material/event_busy:")
        return
    months = sorted({m for _, m in grid})
    rows_by_loc: dict[str, dict[str, str]] = {}
    for (loc_id, month), cell in grid.items():
        if only and not any(getattr(cell, k) for k in only):
            continue
        loc = locations.get(loc_id)
        row = rows_by_loc.setdefault(loc_id, {T("ui.location"): loc.name if loc else loc_id})
        row[month] = cell_text(cell)
    totals = visits.CoverageCell(*(sum(getattr(c, k) for c in grid.values())
                                   for k in ("planned", "done", "overdue", "missed", "doubtful")))
    colours = {"planned": "blue", "done": "green", "overdue": "orange", "missed": "red",
               "doubtful": "violet"}
    st.markdown(" ".join(f":{c}-badge[{T('visit.' + k)}: {getattr(totals, k)}]"
                         for k, c in colours.items()))
    table = pd.DataFrame(sorted(rows_by_loc.values(), key=lambda r: r[T("ui.location")]),
                         columns=[T("ui.location"), *months]).fillna("")
    st.dataframe(table, hide_index=True, width="stretch", key="cov.grid")
    st.caption(T("visit.grid_legend"))
    late = visits.late_shoppers(stats)
    if late:
        st.subheader(T("visit.late_shoppers"), anchor=False)
        st.dataframe(pd.DataFrame([{T("visit.shopper"): s.shopper, T("visit.overdue"): s.overdue,
                                    T("visit.missed"): s.missed} for s in late]),
                     hide_index=True, width="stretch", key="cov.late")
    doubtful = [v for v in rows if visits.is_doubtful(v, 200.0)]
    if doubtful:
        with st.expander(T("visit.doubtful_list", count=len(doubtful)), icon=":material/help:"):
            for v in doubtful:
                loc = locations.get(v.location_id)
                st.markdown(f"**{esc(loc.name if loc else v.location_id)}** · {esc(v.shopper)} · "
                            f"{esc(moment(v.started_at, v.tz))} · {esc(_doubt(v, loc))}")
                if v.audit_id:
                    st.page_link(AUDITS, label=T("ui.open"), icon=":material/visibility:",
                                 query_params={"id": v.audit_id})


def cell_text(cell: visits.CoverageCell) -> str:
    """One grid cell: done of planned in all, then what is late, missed or doubtful."""
    text = f"{cell.done}/{cell.total}"
    for mark, n in (("⚠", cell.overdue), ("✗", cell.missed), ("?", cell.doubtful)):
        if n:
            text += f" {mark}{n}"
    return text


def _doubt(v: Visit, loc: Location | None) -> str:
    from audit.visits.proof import proof_of, proof_text

    bits = []
    for stage, pos in (("start", v.start_pos), ("submit", v.submit_pos)):
        p = proof_of(loc, pos.get("lat") if pos else None, pos.get("lon") if pos else None)
        bits.append(f"{T('history.stage_' + stage)}: {proof_text(p, lang())}")
    if v.on_time is False:
        bits.append(T("visit.outside_window"))
    return "; ".join(bits)


def plan_form() -> None:
    store = get_store()
    user = st.session_state["_user"]
    locations = [loc for loc in store.list_locations() if loc.active]
    names = {loc.id: f"{loc.name} · {loc.region}" for loc in locations}
    regions = sorted({loc.region for loc in locations})
    shoppers = {u.name: u.display_name or u.name for u in store.list_users()
                if u.role == "shopper" and not u.disabled}
    templates = {c.id: c.title.get(lang()) for c in latest_templates(store)}
    today = date.today()
    with st.form("plan.form"):
        template = st.selectbox(T("ui.template"), list(templates), key="plan.template",
                                format_func=templates.__getitem__)
        region = st.selectbox(T("visit.every_location_in"), ["", *regions], key="plan.region",
                              format_func=lambda r: r or "—")
        locs = st.multiselect(T("visit.or_locations"), list(names), key="plan.locations",
                              format_func=names.__getitem__, placeholder=T("ui.choose"))
        cols = st.columns(2)
        first = cols[0].date_input(T("visit.from"), value=today.replace(day=1), key="plan.first")
        last = cols[1].date_input(T("visit.to"), value=(today.replace(day=28) + timedelta(days=4))
                                  .replace(day=1) - timedelta(days=1), key="plan.last")
        per_month = st.number_input(T("visit.per_month"), min_value=0,
                                    max_value=visits.MAX_PER_MONTH, value=2, key="plan.per_month",
                                    help=T("visit.per_month_help"))
        days = st.multiselect(T("visit.weekdays"), list(WEEKDAYS), key="plan.weekdays",
                              format_func=labeller("day."), placeholder=T("ui.choose"))
        cols = st.columns(2)
        time_from = cols[0].text_input(T("visit.time_from"), key="plan.time_from",
                                       placeholder="10:00")
        time_to = cols[1].text_input(T("visit.time_to"), key="plan.time_to", placeholder="14:00")
        people = st.multiselect(T("visit.shoppers"), list(shoppers), key="plan.shoppers",
                                format_func=shoppers.__getitem__, help=T("visit.shoppers_help"),
                                placeholder=T("ui.choose"))
        scenario_ru = st.text_area(T("visit.scenario_ru"), key="plan.scenario_ru", height=90)
        scenario_en = st.text_area(T("visit.scenario_en"), key="plan.scenario_en", height=90)
        go = st.form_submit_button(T("visit.make_plan"), type="primary")
    if go:
        plan = Plan(id="", template_id=template or "", first=first, last=last,
                    location_ids=tuple(locs), region=region or "", per_month=int(per_month),
                    weekdays=tuple(days), time_from=time_from.strip(), time_to=time_to.strip(),
                    shoppers=tuple(people), scenario_ru=scenario_ru.strip(),
                    scenario_en=scenario_en.strip())
        try:
            made = visit_service.plan_visits(store, user, plan)
        except AppError as err:
            st.error(error_text(err, lang()), icon=":material/event_busy:")
        else:
            st.success(T("visit.planned_n", count=len(made)), icon=":material/event_available:")
    plans = store.list_plans()[:20]
    if plans:
        st.subheader(T("visit.plans"), anchor=False)
        st.dataframe(pd.DataFrame([{
            T("ui.template"): p.template_id, T("visit.from"): day(p.first),
            T("visit.to"): day(p.last), T("visit.per_month"): p.per_month,
            T("ui.region"): p.region, T("ui.location"): ", ".join(p.location_ids),
            T("visit.shoppers"): ", ".join(p.shoppers) or "—",
            "👤": p.created_by} for p in plans]), hide_index=True, width="stretch")


def shoppers_view() -> None:
    store = get_store()
    first, last = _month_range("shop.months")
    stats = visits.shopper_stats(store.list_visits(VisitFilter(first, last)), clock.now_iso())
    if not stats:
        st.info(T("visit.no_visits"), icon=":material/event_busy:")
        return
    names = {u.name: u.display_name or u.name for u in store.list_users()}
    st.dataframe(pd.DataFrame([{
        T("visit.shopper"): names.get(s.shopper, s.shopper), T("visit.planned"): s.planned,
        T("visit.done"): s.done,
        T("visit.on_time"): None if s.on_time_rate is None else round(100 * s.on_time_rate),
        T("visit.overdue"): s.overdue, T("visit.missed"): s.missed,
        T("visit.grade"): None if s.grade is None else round(s.grade, 1),
        T("visit.graded"): s.graded} for s in stats]),
        hide_index=True, width="stretch", key="shop.table",
        column_config={T("visit.on_time"): st.column_config.NumberColumn(format="%d%%")})


# --- the review queue -------------------------------------------------------------------------


def arriving_list(user: User, locations: dict[str, Location]) -> None:
    """Audits submitted on a phone whose photos are still on their way: seen, not yet to open."""
    rows = review.photos_arriving(get_store(), user)
    if not rows:
        return
    st.subheader(T("review.arriving_title"), anchor=False)
    for r in rows:
        loc = locations.get(r.location_id)
        st.markdown(f"**{esc(loc.name if loc else r.location_id)}** · {esc(r.auditor)} · "
                    f"{esc(moment(r.visit_at or r.started_at, loc.tz if loc else ''))} · "
                    f":violet-badge[{T('review.arriving_row', count=r.arriving)}]")
        if access.may(user, access.RELEASE_HELD, r, region=r.region):
            review_panel.release_button(user, r.audit_id)


def render_review_queue() -> None:
    user = st.session_state["_user"]
    store = get_store()
    st.header(T("nav.review"), anchor=False)
    rows = review.review_queue(store, user)
    locations = {loc.id: loc for loc in store.list_locations()}
    arriving_list(user, locations)
    if not rows:
        st.caption(T("review.empty"))
        return
    for r in rows:
        loc = locations.get(r.location_id)
        with st.container(border=True):
            st.markdown(f"**{esc(loc.name if loc else r.location_id)}** · {esc(r.auditor)} · "
                        f"{esc(moment(r.submitted_at, loc.tz if loc else ''))}  \n"
                        f"{fmt_score(r.overall)}")
            st.page_link(AUDITS, label=T("review.open"), icon=":material/rate_review:",
                         query_params={"id": r.audit_id})
