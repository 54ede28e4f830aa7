"""HQ administration: people, locations, checklist versions, brand."""

from __future__ import annotations

import base64
import dataclasses
import re

import streamlit as st

from audit.checklist.parse import ChecklistError
from audit.checklist.templates import add_template
from audit.core.errors import AppError
from audit.i18n import error_text
from audit.model import ROLES, WEEKDAYS, Location
from audit.ops import check
from audit.people import access, accounts, places
from audit.reports.gather import LogoError, check_logo
from audit.reports.pdf import FontMissing
from audit.reports.voice import poster_pdf
from audit.store.integrity import describe
from audit.ui import actions_admin, integrations_admin, place
from audit.ui.common import LANGS, T, esc, get_store, labeller, lang, moment

LOCATION_ID_RE = places.LOCATION_ID_RE  # kept importable; the rule is audit.people.places
SPAN_RE = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–—]\s*(\d{1,2})(?::(\d{2}))?\s*$")
MAX_LOGO = 500_000


def parse_span(text: str) -> list[str] | None:
    """'9-18', '09:00–18:00' → ['09:00', '18:00']; '' → None (closed); else ValueError."""
    if not text.strip():
        return None
    m = SPAN_RE.match(text)
    if not m:
        raise ValueError(text)
    h1, m1, h2, m2 = m.groups()
    return [f"{int(h1):02d}:{m1 or '00'}", f"{int(h2):02d}:{m2 or '00'}"]


def render() -> None:
    user = st.session_state["_user"]
    if not access.may(user, access.MANAGE_PEOPLE):
        st.warning(T("err.not_found"))
        return
    st.header(T("nav.admin"), anchor=False)
    _start_check()
    part = st.segmented_control(T("nav.admin"), ["people", "locations", "templates", "brand", "actions",
                                                 "integrations"],
                                default="people", key="admin.part", label_visibility="collapsed",
                                format_func=labeller("ui."), width="stretch") or "people"
    {"people": people, "locations": locations, "templates": templates, "brand": brand,
     "actions": actions_admin.render, "integrations": integrations_admin.render}[part]()


def _start_check() -> None:
    """What the quick check found when this server process opened the store."""
    report = check.at_start(get_store())
    at = moment(report.at)
    if report.findings:
        lines = "\n".join(f"- {esc(describe(f, lang()))}" for f in report.findings[:20])
        st.warning(f"{esc(T('check.problems', at=at, count=len(report.findings)))}\n\n{lines}",
                   icon=":material/report:")
    else:
        st.caption(T("check.clean", at=at))
    if report.finished or report.removed or report.hooks:
        st.caption(T("check.settled", finished=report.finished + report.hooks,
                     removed=report.removed))


def _regions() -> list[str]:
    return sorted({loc.region for loc in get_store().list_locations() if loc.region})


def _location_names() -> dict[str, str]:
    return {loc.id: loc.name for loc in get_store().list_locations()}


def people() -> None:
    store = get_store()
    names = _location_names()
    with st.expander(T("ui.add_person"), icon=":material/person_add:"):
        with st.form("person.add", clear_on_submit=True):
            name = st.text_input(T("ui.user_name"), key="person.name")
            display = st.text_input(T("ui.display_name"), key="person.display")
            role = st.segmented_control(T("ui.role"), ROLES, default="shopper", key="person.role",
                                        format_func=labeller("role."))
            locs = st.multiselect(T("ui.their_locations"), list(names), key="person.locs",
                                  format_func=names.__getitem__, placeholder=T("ui.choose"))
            email = st.text_input(T("ui.email"), key="person.email")
            mail_lang = st.segmented_control(T("ui.person_lang"), list(LANGS), default=lang(),
                                             key="person.lang", format_func=LANGS.__getitem__)
            anywhere = st.checkbox(T("ui.any_location"), key="person.any")
            regions = st.multiselect(T("place.regions"), _regions(), key="person.regions",
                                     placeholder=T("ui.choose"))
            password = st.text_input(T("ui.password"), type="password", key="person.password",
                                     autocomplete="new-password")
            go = st.form_submit_button(T("ui.add_person"), type="primary")
        if go:
            try:
                accounts.create_user(store, name.strip().lower(), role or "shopper", password,
                                     locations=tuple(locs), display_name=display.strip(),
                                     email=email, any_location=anywhere)
                accounts.update_user(store, name.strip().lower(), lang=mail_lang or "",
                                     regions=tuple(regions))
            except AppError as err:
                st.error(error_text(err, lang()))
            else:
                st.success(T("ui.added", name=name.strip().lower()))
    st.caption(T("ui.sso_emails"))
    for u in store.list_users():
        state = " :red-badge[" + T("ui.disabled") + "]" if u.disabled else ""
        where = ", ".join(names.get(x, x) for x in u.locations)
        with st.expander(f"{esc(u.display_name or u.name)} · {T('role.' + u.role)}{state}"):
            st.text(f"{u.name} · {u.email or '—'} · {where or '—'}")
            with st.form(f"person.edit.{u.name}"):
                role = st.segmented_control(T("ui.role"), ROLES, default=u.role, key=f"pe.role.{u.name}",
                                            format_func=labeller("role."))
                locs = st.multiselect(T("ui.their_locations"), list(names), key=f"pe.locs.{u.name}",
                                      default=[x for x in u.locations if x in names],
                                      format_func=names.__getitem__, placeholder=T("ui.choose"))
                email = st.text_input(T("ui.email"), value=u.email, key=f"pe.email.{u.name}")
                mail_lang = st.segmented_control(T("ui.person_lang"), list(LANGS),
                                                 default=u.lang or None, key=f"pe.lang.{u.name}",
                                                 format_func=LANGS.__getitem__)
                anywhere = st.checkbox(T("ui.any_location"), value=u.any_location, key=f"pe.any.{u.name}")
                regions = st.multiselect(T("place.regions"), _regions(), key=f"pe.regions.{u.name}",
                                         default=[r for r in u.regions if r in _regions()],
                                         placeholder=T("ui.choose"))
                disabled = st.checkbox(T("ui.disabled"), value=u.disabled, key=f"pe.dis.{u.name}")
                if st.form_submit_button(T("ui.save")):
                    try:
                        accounts.update_user(store, u.name, role=role or u.role, locations=tuple(locs),
                                             email=email, any_location=anywhere, disabled=disabled,
                                             lang=mail_lang or "", regions=tuple(regions))
                    except AppError as err:
                        st.error(error_text(err, lang()))
                    else:
                        st.success(T("ui.saved"))
            with st.form(f"person.pw.{u.name}", clear_on_submit=True):
                pw = st.text_input(T("ui.new_password"), type="password", key=f"pe.pw.{u.name}",
                                   autocomplete="new-password")
                if st.form_submit_button(T("ui.set_password")):
                    try:
                        accounts.set_password(store, u.name, pw,
                                              keep_session=st.session_state.get("_token")
                                              if u.name == st.session_state["_user"].name else None)
                    except AppError as err:
                        st.error(error_text(err, lang()))
                    else:
                        st.success(T("ui.password_set"))


def _hours_inputs(prefix: str, hours: dict[str, list[str] | None]) -> dict[str, str]:
    grid = st.container(horizontal=True, gap="small")
    out = {}
    for day in WEEKDAYS:
        span = hours.get(day)
        out[day] = grid.text_input(T(f"day.{day}"), value=f"{span[0]}–{span[1]}" if span else "",
                                   key=f"{prefix}.{day}", placeholder=T("answer.closed"), width=140)
    return out


def _parse_hours(raw: dict[str, str]) -> dict[str, list[str] | None] | None:
    try:
        return {day: parse_span(raw[day]) for day in WEEKDAYS}
    except ValueError:
        st.error(T("err.bad_hours"))
        return None


def locations() -> None:
    store = get_store()
    with st.expander(T("ui.add_location"), icon=":material/add_business:"):
        with st.form("loc.add"):
            ident = st.text_input(T("ui.location_id"), key="loc.id")
            name = st.text_input(T("ui.name"), key="loc.name")
            region = st.text_input(T("ui.region"), key="loc.region")
            address = st.text_input(T("ui.address"), key="loc.address")
            where = place.fields(None, "loc.place")
            st.caption(T("ui.hours") + " · " + T("ui.hours_hint"))
            raw = _hours_inputs("loc.hours", {})
            go = st.form_submit_button(T("ui.add_location"), type="primary")
        if go:
            _save_location(None, ident.strip(), name, region, address, raw, where)
    for loc in store.list_locations():
        with st.expander(f"{esc(loc.name)} · {esc(loc.region)}"):
            with st.form(f"loc.edit.{loc.id}"):
                st.text(loc.id)
                name = st.text_input(T("ui.name"), value=loc.name, key=f"le.name.{loc.id}")
                region = st.text_input(T("ui.region"), value=loc.region, key=f"le.region.{loc.id}")
                address = st.text_input(T("ui.address"), value=loc.address, key=f"le.addr.{loc.id}")
                where = place.fields(loc, f"le.place.{loc.id}")
                st.caption(T("ui.hours") + " · " + T("ui.hours_hint"))
                raw = _hours_inputs(f"le.hours.{loc.id}", loc.hours)
                if st.form_submit_button(T("ui.save")):
                    _save_location(loc, loc.id, name, region, address, raw, where)
            place.from_photo(loc)
            _voice_poster(loc)


def _voice_poster(loc: Location) -> None:
    """The location's customer-voice poster: made on request (a PDF per location on every
    rerun would be wasted), then offered for download."""
    key = f"poster.{loc.id}"
    if st.button(T("ui.voice_poster"), key=f"{key}.make", icon=":material/qr_code_2:"):
        try:
            st.session_state[key] = poster_pdf(get_store(), loc.id, lang())
        except (AppError, FontMissing) as err:
            st.error(error_text(err, lang()))
    data = st.session_state.get(key)
    if data:
        st.download_button(T("ui.download_pdf"), data=data, file_name=f"voice-poster-{loc.id}-{lang()}.pdf",
                           mime="application/pdf", key=f"{key}.download", icon=":material/download:")


def _save_location(old: Location | None, ident: str, name: str, region: str, address: str,
                   raw: dict[str, str], where: dict[str, str]) -> None:
    store = get_store()
    try:
        places.check_location(store, ident, name, new=old is None)
    except places.PlaceError as err:
        st.error(T(f"ui.{err.code}"))
        return
    hours = _parse_hours(raw)
    spot = place.checked(where)
    if hours is None or spot is None:
        return
    base = old or Location(id=ident, name="", region="")
    store.put_location(dataclasses.replace(base, name=name.strip(), region=region.strip(),
                                           address=address.strip(), hours=hours, **spot))
    st.success(T("ui.saved"))


def templates() -> None:
    store = get_store()
    up = st.file_uploader(T("ui.upload_template"), type=["yaml", "yml"], key="tpl.upload",
                          max_upload_size=1)
    if up is not None and st.session_state.get("_tpl_done") != up.file_id:
        st.session_state["_tpl_done"] = up.file_id
        data = up.getvalue()
        try:
            checklist = add_template(store, data, by=st.session_state["_user"].name, source=up.name)
        except ChecklistError as err:
            problems = err.problems or []
            st.session_state["_tpl_result"] = ("error", [p.format(lang()) for p in problems])
        except AppError as err:
            st.session_state["_tpl_result"] = ("error", [error_text(err, lang())])
        else:
            st.session_state["_tpl_result"] = ("ok", [T("ui.template_added", id=checklist.id,
                                                        version=checklist.version)])
    result = st.session_state.get("_tpl_result")
    if result:
        kind, lines = result
        if kind == "ok":
            st.success(lines[0])
        else:
            st.error(T("ui.template_refused", count=len(lines)))
            st.code("\n".join(lines), language=None, wrap_lines=True)
    st.subheader(T("ui.versions"), anchor=False)
    rows = [{"id": t.id, "v": t.version, T("ui.name"): t.title_ru if lang() == "ru" else t.title_en,
             "⬆": moment(t.uploaded_at), "👤": t.uploaded_by}
            for t in store.list_templates()]
    st.dataframe(rows, hide_index=True, width="stretch")


def brand() -> None:
    store = get_store()
    settings = store.get_settings()
    with st.form("brand"):
        name = st.text_input(T("ui.brand_name"), value=settings.get("brand_name", ""), key="brand.name")
        colour = st.color_picker(T("ui.brand_colour"), value=settings.get("brand_colour", "#1f5f8b"),
                                 key="brand.colour")
        logo = st.file_uploader(T("ui.brand_logo"), type=["png", "jpg", "jpeg"], key="brand.logo")
        keep = st.checkbox(T("ui.keep_originals"), value=bool(settings.get("keep_originals", True)),
                           key="brand.keep", help=T("ui.keep_originals_help"))
        go = st.form_submit_button(T("ui.save"), type="primary")
    if go:
        new = {"brand_name": name.strip(), "brand_colour": colour, "keep_originals": keep}
        if logo is not None:
            data = logo.getvalue()
            try:
                check_logo(data)
            except LogoError as err:
                st.error(error_text(err, lang()))
                return
            new["brand_logo"] = base64.b64encode(data).decode()
        store.put_settings(new)
        st.success(T("ui.saved"))
    if settings.get("brand_logo"):
        st.image(base64.b64decode(settings["brand_logo"]), width=120)
