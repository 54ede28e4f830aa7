"""A photo from the phone for anything but the walk (a manager's photo of a fix): made light on
the phone by the walk's own photos.js (the send budget, the original's EXIF read first) and
sent to its route with a percentage; Python hears when it has landed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from audit.core import limits
from audit.ui.common import T

HERE = Path(__file__).parent
WALK_JS = HERE.parent / "walk" / "js"


def script() -> str:
    """The walk's photos.js (one way to make a photo light), then this element's own."""
    return "\n".join(f"// -- {path.name} --\n" + path.read_text(encoding="utf-8")
                     for path in (WALK_JS / "photos.js", HERE / "pick.js"))


_component = st.components.v2.component(
    "audit_photo_pick",
    html=(HERE / "pick.html").read_text(encoding="utf-8"),
    css=(HERE / "pick.css").read_text(encoding="utf-8"),
    js=script(),
)


def mount(*, key: str, url: str, csrf: str, lang: str, label: str,
          on_landed: Callable[[], None] | None = None) -> Any:
    """The element; its result's `landed` (a trigger) carries {sha} when a photo is stored, and
    `on_landed` runs then (before the rerun it makes)."""
    data = {
        "url": url, "csrf": csrf, "lang": lang, "label": label,
        "limits": {"photo_edge": limits.PHOTO_SEND_LONG_EDGE,
                   "photo_bytes": limits.PHOTO_SEND_MAX_BYTES},
        "texts": {"camera": T("walk.take_photo"), "gallery": T("walk.pick_photo"),
                  "preparing": T("walk.processing"), "sending": T("ui.pick.sending"),
                  "offline": T("ui.pick.kept"), "refused": T("walk.photo_refused"),
                  "added": T("ui.act.photo_added")},
    }
    return _component(key=key, data=data, default={"landed": None},
                      on_landed_change=on_landed or (lambda: None))
