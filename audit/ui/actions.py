"""Actions page: "My actions" first for managers, one action (?id=…), an audit's plan (?audit=…).

HQ and reviewers verify or send back done actions here; the dashboard's Actions tab and the
Admin part for checklists' action settings and e-mail also live in this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st

from audit.actions import service as actions
from audit.checklist.templates import get_checklist
from audit.core.errors import AppError, NotFound
from audit.i18n import answer_text, error_text
from audit.model import Answer, Checklist, Location, User
from audit.model.actions import OPEN_STATUSES, Action, ActionFilter
from audit.people import access, handoff
from audit.photos import PhotoError, message
from audit.ui import photo_pick
from audit.ui.common import (
    T,
    date_format,
    day,
    esc,
    fmt_points,
    fmt_score,
    get_store,
    lang,
    moment,
    session_token,
    zone_of,
)

PAGE = "audit/ui/pages/actions.py"
AUDIT_PAGE = "audit/ui/pages/audits.py"
PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "heic", "heif"]
BADGE = {"open": "blue", "in_progress": "orange", "done": "violet", "verified": "green",
         "rejected": "red"}
LIST_LIMIT = 50  # cards a list shows; the dashboard's export has them all


def today() -> str:
    return date.today().isoformat()


def land_first(path: str) -> None:
    """A manager's first page after signing in is their actions (not on a deep link)."""
    if st.session_state.get("_landed"):
        return
    st.session_state["_landed"] = True
    if not st.query_params:
        st.switch_page(path)


def render() -> None:
    user: User = st.session_state["_user"]
    if user.role == "shopper":  # never reached through the navigation; a typed URL reads as missing
        st.warning(T("err.not_found"), icon=":material/search_off:")
        return
    if st.query_params.get("id"):
        _detail(user, st.query_params["id"])
    elif st.query_params.get("audit"):
        _plan(user, st.query_params["audit"])
    else:
        _lists(user)


# -- texts ------------------------------------------------------------------------------------


def finding_text(a: Action) -> str:
    try:
        item = get_checklist(get_store(), a.template_id, a.template_version).item(a.key)
    except NotFound:
        item = None
    return item.text.get(lang()) if item else a.key


def _answer(a: Action) -> str:
    try:
        item = get_checklist(get_store(), a.template_id, a.template_version).item(a.key)
    except NotFound:
        return ""
    return answer_text(item, Answer(key=a.key, value=a.answer, na=a.na), lang()) if item else ""


def status_badge(status: str) -> str:
    return f":{BADGE.get(status, 'gray')}-badge[{T('act.status.' + status)}]"


def _person(name: str, people: dict[str, User]) -> str:
    if not name:
        return T("act.nobody")
    person = people.get(name)
    return (person.display_name or person.name) if person else name


def _card(a: Action, names: dict[str, str], people: dict[str, User], *, key: str) -> None:
    with st.container(border=True, key=f"{key}.{a.id}"):
        bits = [status_badge(a.status)]
        if a.critical:
            bits.append(":red-badge[" + T("ui.critical") + "]")
        if a.repeats:
            bits.append(":orange-badge[" + T("ui.act.repeat", n=a.repeats) + "]")
        if a.again and a.is_open:
            bits.append(":orange-badge[" + T("ui.act.again", n=a.again) + "]")
        if a.is_open and a.opened_at:
            since = day(a.opened_at, zone_of(a.location_id))
            bits.append(":gray-badge[" + T("ui.act.ctl.since") + " " + since + "]")
        overdue = a.is_overdue(today())
        due = T("ui.act.due", due=day(a.due))
        st.markdown(f"**{esc(finding_text(a))}**  \n{esc(names.get(a.location_id, a.location_id))}"
                    f" · {':red[' + due + ']' if overdue else due} · {esc(_person(a.owner, people))}  \n"
                    + " ".join(bits))
        st.page_link(PAGE, label=T("ui.open"), icon=":material/arrow_forward:",
                     query_params={"id": a.id})


def _section(title: str, found: Sequence[Action], names: dict[str, str], people: dict[str, User],
             *, key: str, icon: str | None = None) -> None:
    if not found:
        return
    st.subheader(f"{title} · {len(found)}", anchor=False)
    for a in found[:LIST_LIMIT]:
        _card(a, names, people, key=key)


# -- lists ---------------------------------------------------------------------------------------


def _lists(user: User) -> None:
    store = get_store()
    names = {loc.id: loc.name for loc in store.list_locations()}
    people = {u.name: u for u in store.list_users()}
    if access.may(user, access.ACTION_CONTROL):  # HQ: the network's actions first
        _control(user, names, people)
    st.header(T("ui.act.my"), anchor=False)
    mine = actions.my_actions(store.owner_actions(user.name), today())
    if not (mine.overdue or mine.this_week or mine.later or mine.waiting):
        st.caption(T("ui.act.none_mine"))
    _section(T("ui.act.overdue"), mine.overdue, names, people, key="my.overdue")
    _section(T("ui.act.this_week"), mine.this_week, names, people, key="my.week")
    _section(T("ui.act.later"), mine.later, names, people, key="my.later")
    _section(T("ui.act.waiting"), mine.waiting, names, people, key="my.waiting")
    if user.role == "manager":
        others = [a for a in actions.visible_actions(store, user, ActionFilter(statuses=OPEN_STATUSES))
                  if a.owner != user.name]
        if others:
            with st.expander(f"{T('ui.act.colleagues')} · {len(others)}"):
                for a in sorted(others, key=lambda a: (a.due, a.id))[:LIST_LIMIT]:
                    _card(a, names, people, key="others")
        return
    to_verify = [a for a in actions.visible_actions(store, user, ActionFilter(statuses=("done",)))
                 if access.may_act(user, access.VERIFY_ACTION, a)]
    st.header(T("ui.act.to_verify"), anchor=False)
    if not to_verify:
        st.caption(T("ui.act.none_to_verify"))
    for a in sorted(to_verify, key=lambda a: (a.done_at, a.id))[:LIST_LIMIT]:
        _card(a, names, people, key="verify")
    open_ = actions.visible_actions(store, user, ActionFilter(statuses=OPEN_STATUSES))
    overdue = sorted((a for a in open_ if a.is_overdue(today())), key=lambda a: (a.due, a.id))
    _section(T("ui.act.overdue"), overdue, names, people, key="net.overdue")
    unassigned = [a for a in open_ if not a.owner]
    _section(T("ui.act.unassigned"), unassigned, names, people, key="net.unassigned")


# -- HQ's action control ---------------------------------------------------------------------------

CONTROL_ROWS = 500  # rows the detail table shows; the export has them all


def _control_filter(locations: dict[str, Location]) -> tuple[actions.ControlFilter, Any]:
    """The filters above the control table (the owner's column is left for the caller, whose
    choices depend on the others); a link (the digest's) may preset the state."""
    asked = st.query_params.get("state")
    if asked in actions.CONTROL_STATES and "ctl.state" not in st.session_state:
        st.session_state["ctl.state"] = asked
    # labels made now, in the reader's language (a format_func may run outside this script run)
    every = T("ui.act.ctl.all")
    states = {x: T("ui.act.ctl." + x) for x in actions.CONTROL_STATES}
    cols = st.columns(4)
    regions = sorted({loc.region for loc in locations.values() if loc.region})
    region = cols[0].selectbox(T("ui.region"), [None, *regions], key="ctl.region",
                               format_func=lambda r: every if r is None else r)
    here = sorted((loc for loc in locations.values() if region is None or loc.region == region),
                  key=lambda loc: loc.name)
    location_names = {loc.id: loc.name for loc in here}
    location = cols[1].selectbox(
        T("ui.location"), [None, *location_names], key="ctl.location",
        format_func=lambda i: every if i is None else location_names.get(i, i))
    state = cols[3].selectbox(T("ui.act.status"), list(states), key="ctl.state",
                              format_func=lambda x: states.get(x, x))
    return actions.ControlFilter(region=region, location_id=location, state=state or "open"), cols[2]


def _control(user: User, names: dict[str, str], people: dict[str, User]) -> None:
    """HQ: the network's open actions by location and owner, filtered, and reassigned in bulk."""
    store = get_store()
    locations = {loc.id: loc for loc in store.list_locations()}
    st.header(T("ui.act.control"), anchor=False)
    flt, owner_column = _control_filter(locations)
    base = actions.control_actions(store, user, flt, today())
    owners = sorted({a.owner for a in base}, key=lambda n: (n != "", _person(n, people)))
    owner_names = {n: _person(n, people) for n in owners}  # "" is nobody yet, in this language
    every = T("ui.act.ctl.all")
    owner = owner_column.selectbox(
        T("ui.act.owner"), [None, *owners], key="ctl.owner",
        format_func=lambda n: every if n is None else owner_names.get(n, n))
    shown = [a for a in base if owner is None or a.owner == owner]
    groups = actions.control_groups(shown, today())
    if not groups:
        st.caption(T("ui.act.ctl.none"))
        return
    st.caption(T("ui.act.ctl.summary", count=len(shown),
                 overdue=sum(g.overdue for g in groups), repeated=sum(g.repeated for g in groups)))
    st.dataframe(pd.DataFrame([{
        T("ui.location"): names.get(g.location_id, g.location_id), T("ui.region"): g.region,
        T("ui.act.owner"): _person(g.owner, people), T("ui.act.m.open"): g.open,
        T("ui.act.m.overdue"): g.overdue, T("ui.act.ctl.repeated"): g.repeated,
        T("ui.act.ctl.oldest"): day(g.oldest_due)} for g in groups]),
        hide_index=True, width="stretch", key="ctl.groups")
    st.dataframe(pd.DataFrame([{
        T("ui.location"): names.get(a.location_id, a.location_id),
        T("ui.act.owner"): _person(a.owner, people), T("ui.act.finding"): finding_text(a),
        T("ui.act.due_label"): day(a.due),
        T("ui.act.status"): T("act.status." + a.status),
        T("ui.act.ctl.repeated"): (T("ui.act.repeat", n=a.repeats) if a.repeats else "")
        + (f" +{a.again}" if a.again else ""),
        T("ui.act.ctl.since"): day(a.opened_at, zone_of(a.location_id))} for a in shown[:CONTROL_ROWS]]),
        hide_index=True, width="stretch", key="ctl.rows")
    here = {a.location_id: a.region for a in shown}
    candidates = sorted((n for n, u in people.items() if not u.disabled and u.role != "shopper"
                         and all(access.covers(u, loc, reg) for loc, reg in here.items())),
                        key=lambda n: _person(n, people))
    with st.container(border=True, key="ctl.reassign"):
        st.selectbox(T("ui.act.ctl.new_owner", count=len(shown)), candidates, key="ctl.new_owner",
                     index=None, format_func=lambda n: _person(n, people), placeholder=T("ui.choose"))
        st.button(T("ui.act.ctl.reassign", count=len(shown)), key="ctl.reassign.go",
                  icon=":material/group:", on_click=_on_reassign,
                  args=(user, [a.id for a in shown], "ctl.new_owner"))
        _messages()


def _on_reassign(user: User, ids: list[str], owner_key: str) -> None:
    owner = st.session_state.get(owner_key) or ""
    try:
        done = actions.reassign(get_store(), user, ids, owner)
    except AppError as err:
        _fail(err)
    else:
        _ok(T("ui.act.ctl.reassigned", count=len(done), owner=owner))


# -- one action ----------------------------------------------------------------------------------


def _fail(err: Exception) -> None:
    text = message(err, lang()) if isinstance(err, PhotoError) else error_text(err, lang())
    st.session_state["_act_msg"] = ("error", text)


def _ok(text: str) -> None:
    st.session_state["_act_msg"] = ("success", text)


def _do(fn, *args, done: str | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """A button's callback: call the library, keep its message for the run that follows."""
    try:
        fn(get_store(), *args, **kwargs)
    except (AppError, PhotoError) as err:
        _fail(err)
    else:
        if done:
            _ok(done)


def _on_done(user: User, action_id: str, note_key: str) -> None:
    _do(actions.mark_done, user, action_id, note=st.session_state.get(note_key, ""),
        done=T("ui.act.saved"))


def _on_send_back(user: User, action_id: str, reason_key: str) -> None:
    _do(actions.send_back, user, action_id, st.session_state.get(reason_key, ""),
        done=T("ui.act.saved"))


def _on_assign(user: User, action_id: str, owner_key: str, due_key: str) -> None:
    due = st.session_state.get(due_key)
    _do(actions.assign, user, action_id, owner=st.session_state.get(owner_key),
        due=due.isoformat() if due else None, done=T("ui.act.saved"))


def _messages() -> None:
    got = st.session_state.pop("_act_msg", None)
    if got:
        kind, text = got
        (st.error if kind == "error" else st.success)(text)


@st.fragment
def _detail(user: User, action_id: str) -> None:
    """A tap reruns only this, with the id it was opened with: the address bar catches up with
    a link's query string one run late in a multipage app (see walk.current_section)."""
    store = get_store()
    st.page_link(PAGE, label=T("ui.act.back_to_list"), icon=":material/arrow_back:")
    try:
        a = actions.load_action(store, user, action_id)
    except NotFound:
        st.warning(T("err.not_found"), icon=":material/search_off:")
        return
    people = {u.name: u for u in store.list_users()}
    location = store.get_location(a.location_id)
    st.subheader(esc(finding_text(a)), anchor=False)
    bits = [status_badge(a.status)]
    if a.critical:
        bits.append(":red-badge[" + T("ui.critical") + "]")
    if a.repeats:
        bits.append(":orange-badge[" + T("ui.act.repeat", n=a.repeats) + "]")
    due = T("ui.act.due", due=day(a.due))
    st.markdown(f"{esc(location.name if location else a.location_id)} · "
                f"{':red[' + due + ']' if a.is_overdue(today()) else due} · "
                f"{esc(_person(a.owner, people))} · {T('ui.act.loss', loss=fmt_points(a.loss))}  \n"
                + " ".join(bits))
    _messages()
    if a.confirmed_by:
        st.success(T("ui.act.confirmed", audit=a.confirmed_by), icon=":material/verified:")
    if a.status == "rejected" and a.reason:
        st.warning(T("ui.act.sent_back_reason", reason=esc(a.reason)), icon=":material/undo:")
    _finding(user, a)
    if access.may_act(user, access.WORK_ACTION, a) and not a.is_closed:
        _work(user, a)
    elif a.note:
        st.markdown(f"**{T('ui.act.note')}**  \n{esc(a.note)}")
    if a.evidence and (a.is_closed or not access.may_act(user, access.WORK_ACTION, a)):
        _evidence_thumbs(a)
    if a.status == "done" and access.may_act(user, access.VERIFY_ACTION, a):
        _verify(user, a)
    if access.may_act(user, access.ASSIGN_ACTION, a) and a.status != "verified":
        _assign(user, a, people)
    _history(a, people)


def _finding(user: User, a: Action) -> None:
    store = get_store()
    with st.expander(T("ui.act.finding"), icon=":material/report:"):
        header = store.get_header(a.audit_id)
        when = day(header.visit_at, zone_of(header.location_id)) if header else "—"
        st.markdown(f"{T('ui.act.from_audit', date=when)} · {T('mode.' + a.mode)}  \n"
                    f"**{esc(_answer(a))}**" + (f"  \n💬 {esc(a.comment)}" if a.comment else ""))
        thumbs = []
        for sha in a.photos:
            try:
                thumbs.append(store.photo_files().get(sha, "thumb"))
            except KeyError:
                continue
        if thumbs:
            st.image(thumbs, width=96, alt=_alts("ui.act.finding_alt", len(thumbs)))
        if header is not None and access.may(user, access.VIEW_AUDIT, header):
            st.page_link(AUDIT_PAGE, label=T("ui.open"), icon=":material/fact_check:",
                         query_params={"id": a.audit_id})


def _evidence_thumbs(a: Action) -> None:
    photos = get_store().photo_files()
    thumbs = []
    for ref in a.evidence:
        try:
            thumbs.append(photos.get(ref.sha256, "thumb"))
        except KeyError:
            continue
    if thumbs:
        st.caption(T("ui.act.evidence", n=len(thumbs)))
        st.image(thumbs, width=96, alt=_alts("ui.act.fix_alt", len(thumbs)))


def _alts(key: str, total: int) -> list[str | None]:
    """Each photo's text for screen readers (st.image's alt), in the reader's language."""
    return [T(key, n=n, total=total) for n in range(1, total + 1)]


def _work(user: User, a: Action) -> None:
    with st.container(border=True, key="act.work"):
        if a.status in ("open", "rejected"):
            st.button(T("ui.act.start"), key="act.start", icon=":material/play_arrow:",
                      on_click=_do, args=(actions.start_work, user, a.id), width="stretch")
        _evidence_thumbs(a)
        # the walk's way for a photo: made light on the phone, sent to its route
        # (it says "Photo added." itself; its trigger reruns the page, which shows the photo)
        photo_pick.mount(key=f"act.pick.{a.id}", url=f"/api/action-photo?action={quote(a.id)}",
                         csrf=handoff.csrf_token(session_token() or ""), lang=lang(),
                         label=T("ui.act.add_evidence"))
        note_key = f"act.note.{a.id}"
        if note_key not in st.session_state:
            st.session_state[note_key] = a.note
        st.text_area(T("ui.act.note"), key=note_key, height=80, max_chars=actions.MAX_NOTE)
        st.button(T("ui.act.done"), key="act.done", type="primary", icon=":material/task_alt:",
                  on_click=_on_done, args=(user, a.id, note_key), width="stretch")


def _verify(user: User, a: Action) -> None:
    with st.container(border=True, key="act.verify"):
        st.button(T("ui.act.verify"), key="act.verify.go", type="primary", icon=":material/verified:",
                  on_click=_do, args=(actions.verify, user, a.id),
                  kwargs={"done": T("ui.act.verified")}, width="stretch")
        st.text_input(T("ui.act.reason"), key="act.reason", max_chars=actions.MAX_REASON)
        st.button(T("ui.act.send_back"), key="act.send_back", icon=":material/undo:",
                  on_click=_on_send_back, args=(user, a.id, "act.reason"), width="stretch")


def _assign(user: User, a: Action, people: dict[str, User]) -> None:
    candidates = sorted(n for n, u in people.items() if access.covers(u, a.location_id, a.region))
    if a.owner and a.owner not in candidates:
        candidates.insert(0, a.owner)
    with st.expander(T("ui.act.assign"), icon=":material/person:"):
        st.selectbox(T("ui.act.owner"), candidates, key="act.owner",
                     index=candidates.index(a.owner) if a.owner in candidates else None,
                     format_func=lambda n: _person(n, people), placeholder=T("ui.choose"))
        st.date_input(T("ui.act.due_label"), key="act.due", format=date_format(),
                      value=date.fromisoformat(a.due) if a.due else date.today() + timedelta(days=14))
        st.button(T("ui.save"), key="act.assign.go", on_click=_on_assign,
                  args=(user, a.id, "act.owner", "act.due"))


def _history(a: Action, people: dict[str, User]) -> None:
    tz = zone_of(a.location_id)
    with st.expander(T("ui.act.history"), icon=":material/history:"):
        for e in reversed(a.history):
            kind = e.get("type", "")
            params = {k: v for k, v in e.items() if k not in ("type", "by", "at")}
            if "status" in params:
                params["status"] = T("act.status." + str(params["status"]))
            params.setdefault("owner", "—")
            params["due"] = day(str(params["due"])) if params.get("due") else "—"
            who = _person(e["by"], people) if e.get("by") else T("ui.act.system")
            st.markdown(f":gray[{esc(moment(str(e.get('at', '')), tz))}] **{esc(who)}** — "
                        f"{esc(T('ui.act.ev.' + kind, **params))}")


# -- an audit's plan -------------------------------------------------------------------------------


def plan_link(user: User, audit_id: str) -> None:
    """From an audit's page: its action plan, for those who may see actions."""
    if user.role in ("manager", "reviewer", "hq"):
        st.page_link(PAGE, label=T("ui.act.plan_link"), icon=":material/checklist:",
                     query_params={"audit": audit_id})


@st.fragment
def _plan(user: User, audit_id: str) -> None:
    from audit.audits.capture import load_audit

    store = get_store()
    try:
        audit = load_audit(store, user, audit_id)
    except NotFound:
        st.warning(T("err.not_found"), icon=":material/search_off:")
        return
    header = audit.header
    location = store.get_location(header.location_id)
    region = location.region if location else ""
    checklist = get_checklist(store, header.template_id, header.template_version)
    people = {u.name: u for u in store.list_users()}
    st.page_link(AUDIT_PAGE, label=T("ui.back"), icon=":material/arrow_back:",
                 query_params={"id": audit_id})
    st.header(T("ui.act.plan"), anchor=False)
    st.caption(f"{esc(location.name if location else header.location_id)} · "
               f"{esc(checklist.title.get(lang()))} · {day(header.visit_at, zone_of(header.location_id))}")
    _messages()
    plan = actions.plan_for(store, audit, user, checklist)
    may_request = actions.is_final(header) and access.may_act(
        user, access.REQUEST_ACTION, actions.access_obj(header.location_id, region))
    if plan:
        st.caption(T("ui.act.plan_count", count=len(plan)))
    elif actions.is_final(header):
        st.caption(T("ui.act.plan_empty"))
    names = {header.location_id: location.name if location else header.location_id}
    for e in plan:
        if e.action is not None:
            _plan_entry(user, audit_id, header.location_id, e, checklist, names, people,
                        may_request=may_request)
    rest = [e for e in plan if e.action is None]
    if rest:
        st.subheader(T("ui.act.on_request"), anchor=False)
    for e in rest:
        _plan_entry(user, audit_id, header.location_id, e, checklist, names, people,
                    may_request=may_request)
    signed = actions.sign_off(header, people)
    if signed:
        st.success(T("ui.act.acknowledged", name=esc(signed.display_name),
                     time=moment(signed.at, zone_of(header.location_id))), icon=":material/draw:")
    else:
        st.caption(T("ui.act.not_acknowledged"))
    if user.role == "manager" and actions.is_final(header) and not any(
            e.get("type") == "acknowledged" and e.get("by") == user.name for e in header.events):
        st.button(T("ui.act.acknowledge"), key="act.ack", icon=":material/draw:", type="primary",
                  on_click=_do, args=(actions.acknowledge, user, audit_id), width="stretch")


def _plan_entry(user: User, audit_id: str, location_id: str, e: actions.PlanEntry,
                checklist: Checklist, names: dict[str, str], people: dict[str, User], *,
                may_request: bool) -> None:
    """One finding of the plan: its state, its action's card (with the fix's note and photos
    once closed), or a button to make one."""
    p, a = e.proposal, e.action
    state = actions.state_text(e, lang(), zone_of(location_id))
    colour = {"new": "blue", "open": "orange", "repeat": "red"}.get(e.state, "gray")
    if a is not None:
        st.markdown(f":{colour}-badge[{esc(state)}]")
        _card(a, names, people, key="plan")
        if a.is_closed:
            if a.note:
                st.markdown(f"**{T('ui.act.note')}**  \n{esc(a.note)}")
            _evidence_thumbs(a)
        return
    item = checklist.item(p.key)
    with st.container(border=True, key=f"prop.{p.key}"):
        st.markdown(f":{colour}-badge[{esc(state)}]  \n**{esc(item.text.get(lang()) if item else p.key)}**"
                    f" · {T('ui.act.loss', loss=fmt_points(p.loss))}")
        if may_request:
            st.button(T("ui.act.make"), key=f"make.{p.key}", icon=":material/add_task:",
                      on_click=_do, args=(actions.request_action, user, audit_id, p.key),
                      kwargs={"location_id": location_id, "done": T("ui.act.saved")})


# -- the dashboard's Actions tab -------------------------------------------------------------------


def dashboard_tab(locations: dict[str, Location], region: str | None, template_id: str | None) -> None:
    """Open and overdue actions per location, days to close, proof by later audits, repeats."""
    store = get_store()
    flt = ActionFilter(region=region, template_id=template_id)
    m = actions.metrics(store.action_stats(flt, today()))
    if not m.locations:
        st.caption(T("ui.act.m.none"))
        return
    cols = st.columns(2)
    cols[0].metric(T("ui.act.m.open"), m.open, help=T("ui.act.m.overdue") + f": {m.overdue}")
    cols[1].metric(T("ui.act.m.overdue"), m.overdue)
    cols = st.columns(2)
    cols[0].metric(T("ui.act.m.median"), "—" if m.median_days is None else fmt_points(m.median_days))
    cols[1].metric(T("ui.act.m.confirmed"),
                   fmt_score(None if m.confirmed_share is None else 100 * m.confirmed_share))
    if m.fast_but_failing:
        st.warning(T("ui.act.m.fast_failing", names=esc(", ".join(
            locations[i].name if i in locations else i for i in m.fast_but_failing))),
                   icon=":material/replay:")
    table = pd.DataFrame([{
        T("ui.location"): locations[r.location_id].name if r.location_id in locations else r.location_id,
        T("ui.act.m.open"): r.open, T("ui.act.m.overdue"): r.overdue,
        T("ui.act.m.median"): "—" if r.median_days is None else fmt_points(r.median_days),
        T("ui.act.m.confirmed"): fmt_score(None if r.confirmed_share is None else 100 * r.confirmed_share),
        T("ui.act.m.repeats"): r.repeats,
    } for r in sorted(m.locations, key=lambda r: (-r.overdue, -r.open, r.location_id))])
    st.dataframe(table, hide_index=True, width="stretch")
    _export_buttons(flt)


def _export_buttons(flt: ActionFilter) -> None:
    from audit.reports.action_export import export_actions

    store = get_store()
    here = lang()
    cols = st.columns(2)
    cols[0].download_button(T("ui.act.export"), key="act.exp.csv", icon=":material/table:",
                            data=lambda: export_actions(store, store.list_actions(flt), fmt="csv",
                                                        lang=here, today=today())["actions.csv"],
                            file_name="actions.csv", mime="text/csv", width="stretch")
    cols[1].download_button(T("ui.act.export_xlsx"), key="act.exp.xlsx", icon=":material/grid_on:",
                            data=lambda: export_actions(store, store.list_actions(flt), fmt="xlsx",
                                                        lang=here, today=today())["xlsx"],
                            file_name="actions.xlsx", width="stretch",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
