"""A submitted audit's photos (thumbnails and a viewer) and a checklist item by key; the walk
itself lives on the phone (audit/ui/walk)."""

from __future__ import annotations

import streamlit as st

from audit.core import limits
from audit.model import Audit, Checklist, Item, PhotoRef, User
from audit.people import audience
from audit.ui.common import F, T, get_store, zone_of


def photo_block(user: User, audit: Audit, key: str) -> None:
    """The item's photos as thumbnails; a number opens the photo with what is known about it."""
    ans = audit.answers.get(key)
    shas = list(ans.photos) if ans else []
    if not shas:
        return
    photos = get_store().photo_files()
    view = audience.view_of(user, audit.header)
    thumbs, captions = [], []
    for i, sha in enumerate(shas, 1):
        ref = audit.photos.get(sha)
        if ref is None:  # a hash the audit holds no photo of: nothing of another audit shows
            continue
        try:
            thumbs.append(photos.get(sha, "thumb"))
        except KeyError:
            continue
        flag = " ⚠" if audience.photo_flags(view, ref.flags, 1) != ([], 0) else ""
        captions.append(f"{i}{flag}")
    if thumbs:
        st.image(thumbs, width=96, caption=captions)
    pick = st.pills(T("ui.open_photo"), list(range(1, len(shas) + 1)), key=f"{key}.zoom",
                    format_func=lambda i: f"🔍 {i}", label_visibility="collapsed")
    if pick and pick <= len(shas):
        st.session_state["_zoom_key"] = f"{key}.zoom"
        _photo_dialog(user, audit, shas[pick - 1])


def _close_zoom() -> None:
    st.session_state.pop(st.session_state.pop("_zoom_key", ""), None)


@st.dialog(" ", width="large", on_dismiss=_close_zoom)
def _photo_dialog(user: User, audit: Audit, sha: str) -> None:
    ref = audit.photos.get(sha)
    try:
        if ref is None:  # only a photo this audit holds is shown
            raise KeyError(sha)
        st.image(get_store().photo_files().get(sha, "display"))
    except KeyError:
        st.warning(T("err.not_found"))
        return
    assert ref is not None  # noqa: S101  refused above
    st.caption(photo_caption(user, audit, ref))
    if ref.caption:
        st.text(ref.caption)


def photo_caption(user: User, audit: Audit, ref: PhotoRef) -> str:
    """When the photo was sent and taken; its GPS and a few re-use flags where the audience
    policy shows them to this person, the rest counted."""
    when = F(zone_of(audit.header.location_id))
    bits = [T("ui.uploaded_at", time=when.when(ref.uploaded_at))]
    if ref.captured_at:
        bits.append(T("ui.captured_at", time=when.captured(ref.captured_at)))
    view = audience.view_of(user, audit.header)
    if ref.gps and view.sees(audience.POSITIONS):
        bits.append(f"GPS {ref.gps[0]:.5f}, {ref.gps[1]:.5f}")
    flags, more = audience.photo_flags(view, ref.flags, limits.PHOTO_FLAGS_SHOWN)
    bits += [T(f"ui.flag_{f.split(':')[0]}") for f in flags]
    if more:
        bits.append(T("photo.flags_more", count=more))
    return " · ".join(bits)


def checklist_item(checklist: Checklist, key: str) -> Item:
    item = checklist.item(key)
    assert item is not None  # noqa: S101  keys come from the checklist itself
    return item
