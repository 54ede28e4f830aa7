"""One widget per item type; every change is saved at once through a callback."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from audit import audits
from audit.i18n import error_text, t
from audit.model import WEEKDAYS, Audit, Checklist, Item, Location, User
from audit.photos import PhotoError, message, prepare_photo, reuse_flags
from audit.scoring import AnswerError, wait_minutes
from audit.store import StoreError
from audit.typos import suspect_words
from audit.ui.common import T, get_store, labeller, lang

SPAN_RE = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–—]\s*(\d{1,2})(?::(\d{2}))?\s*$")
PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "heic", "heif"]


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# -- saving -----------------------------------------------------------------------------------


def _error_key(key: str) -> str:
    return f"_err.{key}"


def _save(user: User, audit_id: str, key: str, **change: Any) -> bool:
    """Save one change; on refusal keep a message under the item and nothing is lost."""
    st.session_state.pop(_error_key(key), None)
    try:
        audits.answer(get_store(), user, audit_id, key, **change)
    except (AnswerError, StoreError) as err:
        st.session_state[_error_key(key)] = error_text(err, lang())
        return False
    return True


def _on_choice(user: User, audit_id: str, key: str, kind: str) -> None:
    raw = st.session_state.get(key)
    if raw == "na":
        _save(user, audit_id, key, na=True, value=None)
    elif raw is None:
        _save(user, audit_id, key, na=False, value=None)
    elif kind == "yes_no":
        _save(user, audit_id, key, value=raw == "yes", na=False)
    else:
        _save(user, audit_id, key, value=raw, na=False)


def _on_multi(user: User, audit_id: str, key: str) -> None:
    _save(user, audit_id, key, value=list(st.session_state.get(key) or []), na=False)


def _on_na(user: User, audit_id: str, key: str) -> None:
    if st.session_state.get(f"{key}.na"):
        _save(user, audit_id, key, na=True)
    else:
        _save(user, audit_id, key, na=False)


def _on_number(user: User, audit_id: str, key: str) -> None:
    _save(user, audit_id, key, value=st.session_state.get(key))


def _on_minutes(user: User, audit_id: str, key: str, old: dict[str, Any]) -> None:
    minutes = st.session_state.get(key)
    value = {k: v for k, v in old.items() if k in ("start", "end")}
    if minutes is not None:
        value["minutes"] = minutes
    _save(user, audit_id, key, value=value or None)


def _on_stopwatch(user: User, audit_id: str, key: str, old: dict[str, Any], edge: str) -> None:
    value = {k: v for k, v in old.items() if k in ("start", "end")}
    value[edge] = now_iso()
    if edge == "start":
        value.pop("end", None)
        st.session_state.pop(key, None)  # typed minutes give way to the stopwatch
    _save(user, audit_id, key, value=value)


def _on_text(user: User, audit_id: str, key: str) -> None:
    text = st.session_state.get(key) or ""
    _save(user, audit_id, key, value=text if text.strip() else None)


def _on_comment(user: User, audit_id: str, key: str) -> None:
    _save(user, audit_id, key, comment=st.session_state.get(f"{key}.comment") or "")


def parse_span(text: str) -> list[str] | None:
    """'9-18', '09:00–18:00' → ['09:00', '18:00']; '' → None (closed); else ValueError."""
    if not text.strip():
        return None
    m = SPAN_RE.match(text)
    if not m:
        raise ValueError(text)
    h1, m1, h2, m2 = m.groups()
    return [f"{int(h1):02d}:{m1 or '00'}", f"{int(h2):02d}:{m2 or '00'}"]


def _on_hours(user: User, audit_id: str, key: str) -> None:
    week: dict[str, list[str] | None] = {}
    for day in WEEKDAYS:
        raw = st.session_state.get(f"{key}.{day}", "") or ""
        try:
            week[day] = parse_span(raw)
        except ValueError:
            st.session_state[_error_key(key)] = t("err.bad_hours", lang())
            return
    _save(user, audit_id, key, value=week)


def _fill_hours(user: User, audit_id: str, key: str, hours: dict[str, Any]) -> None:
    week = {day: hours.get(day) for day in WEEKDAYS}
    for day in WEEKDAYS:
        span = week[day]
        st.session_state[f"{key}.{day}"] = f"{span[0]}–{span[1]}" if span else ""
    _save(user, audit_id, key, value=week)


def _on_site_text(user: User, audit_id: str, key: str) -> None:
    text = st.session_state.get(f"{key}.text") or ""
    flagged = [s.word for s in suspect_words(text)]
    st.session_state.pop(key, None)
    _save(user, audit_id, key, value={"text": text, "flagged": flagged, "typos": []} if text else None)


def _on_typos(user: User, audit_id: str, key: str, old: dict[str, Any]) -> None:
    value = dict(old)
    value["typos"] = list(st.session_state.get(key) or [])
    _save(user, audit_id, key, value=value)


def _on_photos(user: User, audit: Audit, key: str, widget: str) -> None:
    """Prepare every new upload, store it by content, flag re-use, attach it to the item."""
    store = get_store()
    files = st.session_state.get(widget)
    if files is None:
        return
    if not isinstance(files, list):
        files = [files]
    done: set[str] = st.session_state.setdefault("_photos_done", set())
    errors: list[str] = []
    photos = store.photo_files(keep_originals=bool(store.get_settings().get("keep_originals", True)))
    new = [f for f in files if f.file_id not in done]
    for f in new:
        done.add(f.file_id)
        try:
            prepared = prepare_photo(f.getvalue())
        except PhotoError as err:
            errors.append(f"{f.name}: {message(err, lang())}")
            continue
        photos.put(prepared)
        ref = prepared.to_ref(now_iso())
        # only photos that share the bytes or a piece of the hash: a look-up, not a scan
        known = store.photo_candidates(ref.sha256, ref.phash)
        flags = reuse_flags(ref, audit_id=audit.id, visit_at=audit.header.visit_at, known=known)
        if flags:
            ref = dataclasses.replace(ref, flags=flags)
        try:
            audits.attach_photo(store, user, audit.id, key, ref)
        except StoreError as err:
            errors.append(error_text(err, lang()))
    if errors:
        st.session_state[f"_photo_err.{key}"] = errors
    else:
        st.session_state.pop(f"_photo_err.{key}", None)
    # a fresh, empty uploader next time: the stored photos show as thumbnails instead
    counter = f"_uploads.{key}"
    st.session_state[counter] = st.session_state.get(counter, 0) + 1


def _on_caption(user: User, audit_id: str, sha: str, widget: str) -> None:
    try:
        audits.caption_photo(get_store(), user, audit_id, sha, st.session_state.get(widget) or "")
    except StoreError as err:
        st.session_state[f"_photo_err.{sha}"] = [error_text(err, lang())]


def _remove_photo(user: User, audit_id: str, key: str, sha: str) -> None:
    _save(user, audit_id, key, remove_photo=sha)
    st.session_state.pop(f"{key}.zoom", None)


# -- rendering --------------------------------------------------------------------------------


def _option_text(texts: dict[Any, str], fallback: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda option: texts.get(option) or fallback(option)


def _init(key: str, value: Any) -> None:
    """Seed a widget from the store the first time it shows in this session."""
    if key not in st.session_state:
        st.session_state[key] = value


def item_widget(user: User, audit: Audit, item: Item, key: str, *, location: Location | None,
                disabled: bool = False) -> None:
    ans = audit.answers.get(key)
    value = ans.value if ans else None
    na = bool(ans and ans.na)
    aid = audit.id
    kind = item.type
    label = item.text.get(lang())

    if kind in ("yes_no", "choice", "scale"):
        if kind == "yes_no":
            options: list[Any] = ["yes", "no"]
            current: Any = None if value is None else ("yes" if value else "no")
            texts: dict[Any, str] = {}
        elif kind == "scale":
            options = list(range(item.scale_min, item.scale_max + 1))
            current = value
            texts = {o: str(o) for o in options}
        else:
            options = [o.id for o in item.options]
            current = value
            texts = {o.id: o.text.get(lang()) for o in item.options}
        if item.na:
            options.append("na")
        fmt = _option_text(texts, labeller("answer."))
        _init(key, "na" if na else current)
        widget = st.pills if kind == "choice" else st.segmented_control
        widget(label, options, key=key, format_func=fmt, on_change=_on_choice,
               args=(user, aid, key, kind), width="stretch", label_visibility="collapsed", disabled=disabled)
    elif kind == "multi":
        texts = {o.id: o.text.get(lang()) for o in item.options}
        _init(key, list(value or []))
        st.pills(label, [o.id for o in item.options], selection_mode="multi", key=key,
                 format_func=lambda o: texts[o], on_change=_on_multi, args=(user, aid, key),
                 label_visibility="collapsed", disabled=disabled)
        _na_toggle(user, aid, key, item, na, disabled)
    elif kind == "number":
        _init(key, value)
        unit = item.unit.get(lang()) if item.unit else ""
        st.number_input(f"{label} ({unit})" if unit else label, min_value=0.0, step=1.0, key=key,
                        placeholder=unit or None, on_change=_on_number, args=(user, aid, key),
                        label_visibility="collapsed", disabled=disabled)
        _na_toggle(user, aid, key, item, na, disabled)
    elif kind == "wait_time":
        _stopwatch(user, aid, key, value if isinstance(value, dict) else {}, disabled)
        _na_toggle(user, aid, key, item, na, disabled)
    elif kind == "hours":
        _hours(user, aid, key, value if isinstance(value, dict) else {}, location, disabled)
        _na_toggle(user, aid, key, item, na, disabled)
    elif kind == "typo_check":
        _typos(user, aid, key, value if isinstance(value, dict) else {}, disabled)
        _na_toggle(user, aid, key, item, na, disabled)
    elif kind == "text":
        _init(key, value or "")
        st.text_area(label, key=key, on_change=_on_text, args=(user, aid, key), height=90,
                         placeholder=T("ui.type_here"), label_visibility="collapsed", disabled=disabled)
    err = st.session_state.get(_error_key(key))
    if err:
        st.error(err, icon=":material/error:")


def _na_toggle(user: User, aid: str, key: str, item: Item, na: bool, disabled: bool) -> None:
    if not item.na:
        return
    _init(f"{key}.na", na)
    st.checkbox(T("ui.na_long"), key=f"{key}.na", on_change=_on_na, args=(user, aid, key),
                disabled=disabled)


def _stopwatch(user: User, aid: str, key: str, value: dict[str, Any], disabled: bool) -> None:
    start, end = value.get("start"), value.get("end")
    cols = st.columns(2)
    cols[0].button(T("ui.started_waiting"), key=f"{key}.start", icon=":material/timer:",
                   on_click=_on_stopwatch, args=(user, aid, key, value, "start"),
                   disabled=disabled or bool(start and not end), width="stretch",
                   type="secondary" if start else "primary")
    cols[1].button(T("ui.served"), key=f"{key}.end", icon=":material/check_circle:",
                   on_click=_on_stopwatch, args=(user, aid, key, value, "end"),
                   disabled=disabled or not start or bool(end), width="stretch",
                   type="primary" if start and not end else "secondary")
    if start and not end:
        since = datetime.fromisoformat(start)
        waited = (datetime.now(UTC) - since).total_seconds() / 60
        st.info(T("ui.waiting_since", time=since.astimezone().strftime("%H:%M"), minutes=int(waited)),
                icon=":material/hourglass_top:")
    measured = wait_minutes({"start": start, "end": end}) if start and end else None
    _init(key, value.get("minutes", round(measured, 1) if measured is not None else None))
    st.number_input(T("ui.minutes_waited"), min_value=0.0, step=1.0, key=key, disabled=disabled,
                    on_change=_on_minutes, args=(user, aid, key, value),
                    help=T("ui.minutes_help"))


def _hours(user: User, aid: str, key: str, week: dict[str, Any], location: Location | None,
           disabled: bool) -> None:
    for day in WEEKDAYS:
        span = week.get(day)
        _init(f"{key}.{day}", f"{span[0]}–{span[1]}" if span else "")
    if location is not None and location.hours:
        st.button(T("ui.fill_hours"), key=f"{key}.fill", icon=":material/schedule:",
                  on_click=_fill_hours, args=(user, aid, key, location.hours), disabled=disabled)
    st.caption(T("ui.hours_hint"))
    grid = st.container(horizontal=True, gap="small")
    for day in WEEKDAYS:
        grid.text_input(T(f"day.{day}"), key=f"{key}.{day}", placeholder=T("answer.closed"),
                        on_change=_on_hours, args=(user, aid, key), disabled=disabled, width=140)


def _typos(user: User, aid: str, key: str, value: dict[str, Any], disabled: bool) -> None:
    _init(f"{key}.text", value.get("text", ""))
    st.text_area(T("ui.paste_site_text"), key=f"{key}.text", on_change=_on_site_text,
                 args=(user, aid, key), height=110, disabled=disabled)
    flagged = list(value.get("flagged", []))
    if value.get("text") and not flagged:
        st.caption(T("ui.no_suspects"))
    if flagged:
        _init(key, list(value.get("typos", [])))
        st.pills(T("ui.confirm_typos"), flagged, selection_mode="multi", key=key,
                 on_change=_on_typos, args=(user, aid, key, value), disabled=disabled)


def photo_block(user: User, audit: Audit, key: str, *, disabled: bool, want: bool) -> None:
    """Thumbnails with view/delete, an uploader that opens the camera, and a camera toggle."""
    store = get_store()
    ans = audit.answers.get(key)
    shas = list(ans.photos) if ans else []
    if shas:
        photos = store.photo_files()
        thumbs, captions = [], []
        for i, sha in enumerate(shas, 1):
            try:
                thumbs.append(photos.get(sha, "thumb"))
                ref = audit.photos.get(sha)
                flag = " ⚠" if ref and ref.flags and user.role == "hq" else ""
                captions.append(f"{i}{flag}")
            except KeyError:
                continue
        if thumbs:
            st.image(thumbs, width=96, caption=captions)
        pick = st.pills(T("ui.open_photo"), list(range(1, len(shas) + 1)), key=f"{key}.zoom",
                        format_func=lambda i: f"🔍 {i}", label_visibility="collapsed")
        if pick and pick <= len(shas):
            st.session_state["_zoom_key"] = f"{key}.zoom"
            _photo_dialog(user, audit, key, shas[pick - 1], disabled)
    if disabled:
        return
    n = st.session_state.get(f"_uploads.{key}", 0)
    widget = f"{key}.photos" if n == 0 else f"{key}.photos.{n}"
    st.file_uploader(T("ui.add_photos"), type=PHOTO_TYPES, accept_multiple_files=True,
                     key=widget, on_change=_on_photos, args=(user, audit, key, widget),
                     label_visibility="visible" if want else "collapsed")
    if st.toggle(T("ui.use_camera"), key=f"{key}.cam"):
        st.camera_input(T("ui.take_photo"), key=f"{key}.camera", resolution="1080p",
                        on_change=_on_photos, args=(user, audit, key, f"{key}.camera"))
    for err in st.session_state.get(f"_photo_err.{key}", []):
        st.error(err, icon=":material/broken_image:")


def _close_zoom() -> None:
    st.session_state.pop(st.session_state.pop("_zoom_key", ""), None)


@st.dialog(" ", width="large", on_dismiss=_close_zoom)
def _photo_dialog(user: User, audit: Audit, key: str, sha: str, disabled: bool) -> None:
    store = get_store()
    try:
        st.image(store.photo_files().get(sha, "display"))
    except KeyError:
        st.warning(T("err.not_found"))
        return
    ref = audit.photos.get(sha)
    if ref is not None:
        bits = [T("ui.uploaded_at", time=ref.uploaded_at[:16].replace("T", " "))]
        if ref.captured_at:
            bits.append(T("ui.captured_at", time=ref.captured_at[:16].replace("T", " ")))
        if user.role == "hq":
            if ref.gps:
                bits.append(f"GPS {ref.gps[0]:.5f}, {ref.gps[1]:.5f}")
            bits += [T(f"ui.flag_{f.split(':')[0]}") for f in ref.flags]
        st.caption(" · ".join(bits))
        if disabled and ref.caption:
            st.text(ref.caption)
    if not disabled:
        cap_key = f"{key}.caption.{sha[:12]}"
        _init(cap_key, ref.caption if ref else "")
        st.text_input(T("ui.caption"), key=cap_key, on_change=_on_caption,
                      args=(user, audit.id, sha, cap_key), max_chars=200)
        st.button(T("ui.delete_photo"), icon=":material/delete:", key=f"{key}.del.{sha[:8]}",
                  on_click=_remove_photo, args=(user, audit.id, key, sha))


def comment_block(user: User, audit: Audit, key: str, *, disabled: bool) -> None:
    ans = audit.answers.get(key)
    _init(f"{key}.comment", ans.comment if ans else "")
    st.text_area(T("ui.comment"), key=f"{key}.comment", on_change=_on_comment,
                 args=(user, audit.id, key), height=68, disabled=disabled,
                 placeholder=T("ui.comment_hint"))


def checklist_item(checklist: Checklist, key: str) -> Item:
    item = checklist.item(key)
    assert item is not None  # noqa: S101  keys come from the checklist itself
    return item
