"""The top of an audit's page: what changed since the location's previous audit, and the
findings in the order the PDF lists them."""

from __future__ import annotations

import streamlit as st

from audit.actions.service import AGAIN, FIXED, NEW, REPEAT, STILL_OPEN, SinceEntry, since_top, state_text
from audit.i18n import answer_text, expectation_text, explain
from audit.model import Audit, AuditScore, Checklist, User
from audit.reports.gather import since_last_time
from audit.scoring.expect import expected_vs_got
from audit.scoring.score import cap_cost, impacts, ranked_findings
from audit.ui import items
from audit.ui.common import T, day, esc, fmt_points, fmt_score, get_store, lang

# Streamlit's own icon font: a phone without an emoji font shows these too
MARKS = {NEW: ":orange[:material/add_circle:]", AGAIN: ":orange[:material/replay:]",
         FIXED: ":green[:material/check_circle:]"}


def _signed(x: float) -> str:
    r = round(x, 1)
    return ("+" if r > 0 else "−" if r < 0 else "±") + fmt_points(abs(r))


def cost_text(loss: float, critical: bool, cap: float) -> str:
    """What a finding cost the score; a critical failure adds what its cap took (the PDF's rule)."""
    if critical and cap > 0:
        return T("ui.finding_cost_cap", points=fmt_points(loss), cap=fmt_points(cap))
    return T("ui.finding_cost", points=fmt_points(loss))


def since_block(user: User, audit: Audit, checklist: Checklist, score: AuditScore) -> None:
    """New, repeated and fixed findings since the previous audit of the same location,
    checklist and mode, a critical failure first; the change on the capped and the computed
    score. Read from `since_last_time`, as the PDF's page 1 is."""
    store = get_store()
    since = since_last_time(store, audit, checklist, user, score)
    if since is None:
        return
    location = store.get_location(audit.header.location_id)
    tz = location.tz if location else ""
    counts = {c: sum(1 for e in since.entries if e.change == c) for c in (NEW, AGAIN, FIXED)}
    lines = []
    if since.previous_overall is not None and score.overall is not None:
        lines.append(T("ui.since_score", before=fmt_score(since.previous_overall),
                       now=fmt_score(score.overall), diff=_signed(score.overall - since.previous_overall)))
        capped = score.is_critical_failure or (
            since.previous_computed is not None
            and round(since.previous_computed, 1) != round(since.previous_overall, 1))
        if capped and since.previous_computed is not None and score.computed is not None:
            lines.append(T("ui.since_computed", before=fmt_score(since.previous_computed),
                           now=fmt_score(score.computed),
                           diff=_signed(round(score.computed, 1) - round(since.previous_computed, 1))))
    with st.container(border=True, key="since-last"):
        st.markdown(f"**{esc(T('ui.since_title', date=day(since.previous_at, tz)))}**  \n"
                    + "  \n".join(esc(x) for x in lines)
                    + f"  \n:gray[{esc(T('ui.since_counts', **counts))}]")
        top = since_top(since.entries)
        st.markdown("\n".join(f"- {_line(checklist, e, tz)}" for e in top))
        if len(top) < len(since.entries):
            with st.expander(T("ui.since_all", count=len(since.entries)), key="since-all"):
                st.markdown("\n".join(f"- {_line(checklist, e, tz)}" for e in since.entries))


def _line(checklist: Checklist, e: SinceEntry, tz: str) -> str:
    item = items.checklist_item(checklist, e.key)
    mark = ":red[:material/error:]" if e.critical else MARKS[e.change]
    line = f"{mark} **{esc(item.text.get(lang()))}** · {esc(T('ui.since_' + e.change))}"
    if e.change != FIXED:
        line += f" · :gray[{esc(cost_text(e.loss, e.critical, e.cap))}]"
    if e.plan is not None and e.change == AGAIN and e.plan.state in (REPEAT, STILL_OPEN):
        line += f" · :gray[{esc(state_text(e.plan, lang(), tz))}]"
    return line


def expectations(checklist: Checklist, audit: Audit, score: AuditScore) -> None:
    """The shopper's expected against got per section that asks it (the PDF's block too)."""
    found = expected_vs_got(checklist, audit.answers, score)
    if not found:
        return
    with st.container(border=True, key="expected-got"):
        st.markdown(f"**{esc(T('expect.title'))}**")
        st.markdown("\n".join(
            f"- **{esc(checklist.section(e.section).title.get(lang()))}**: "  # type: ignore[union-attr]
            f"{esc(expectation_text(e, lang()))}" for e in found))
        st.caption(T("expect.hint"))


def findings(checklist: Checklist, audit: Audit, score: AuditScore) -> None:
    """Why points were lost, in the order the PDF lists the findings (`ranked_findings`), after
    the shopper's expected against got."""
    expectations(checklist, audit, score)
    found = ranked_findings(score)
    if not found:
        return
    cost, cap = impacts(score), cap_cost(score)
    with st.expander(T("ui.why_points_lost", count=len(found)), expanded=True,
                     icon=":material/trending_down:"):
        for f in found:
            item = items.checklist_item(checklist, f.key)
            mark = ":red[:material/error:] " if f.is_critical_failure else ""
            st.markdown(f"{mark}**{esc(item.text.get(lang()))}** — "
                        f"{esc(answer_text(item, audit.answers.get(f.key), lang()))}  \n"
                        f":gray[{esc(explain(item, f, lang(), checklist))} · "
                        f"{esc(cost_text(cost.get(f.key, 0.0), f.is_critical_failure, cap))}]")
