"""The walkthrough as one components-v2 element: the checklist in, the phone's outbox and taps inside.

The element gets the whole audit at once (every section, the stored answers, the words of
the page's language) and keeps answering, moving between sections and taking photos on
the phone; changes go to the /api routes through an outbox in IndexedDB. Python hears from
it only when the shopper goes to or leaves the review and, on the review, what the phone still
holds (state values), so the server is not asked for a screen on every tap.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from audit.audits import sync
from audit.checklist.conditions import conditions_data
from audit.core import limits
from audit.i18n import WALK_STRINGS, t
from audit.model import WEEKDAYS, Audit, Checklist, Item, Location
from audit.store import PhotoFiles

HERE = Path(__file__).parent
KEY = "walk"
REVIEW = "review"

# The element's script, one file of js/ per concern, joined in this order into the one ES
# module Streamlit runs. Streamlit imports inline JS from a blob: URL, where `import "./x.js"`
# cannot resolve. Serving the files instead (a component `asset_dir`) needs a
# [tool.streamlit.component] manifest in a pyproject.toml that Streamlit finds among an
# installed package's files, and the README's editable install lists none. Each file's
# top-level names are seen by the others; a statement that runs at load (outbox.js opening
# IndexedDB, the methods added to Walk) needs the files above it. rules.js needs none.
SCRIPTS = ("rules.js", "db.js", "outbox.js", "sync.js", "texts.js", "photos.js", "dom.js",
           "element.js", "items.js", "stopwatch.js", "photo_block.js", "submit.js", "notice.js",
           "offline.js", "main.js")


def script() -> str:
    """The element's JS: the files of SCRIPTS in order, each under a line naming it."""
    return "\n".join(f"// -- js/{name} --\n" + (HERE / "js" / name).read_text(encoding="utf-8")
                     for name in SCRIPTS)


_component = st.components.v2.component(
    "audit_walk",
    html=(HERE / "walk.html").read_text(encoding="utf-8"),
    css=(HERE / "walk.css").read_text(encoding="utf-8"),
    js=script(),
)


@dataclass(frozen=True)
class PhoneView:
    """Where the shopper is on the phone ("review" or a section), and after which of Python's
    moves (its navigation count): a report made before Python's latest move is out of date."""

    view: str
    nav: int


def _item(item: Item, key: str, lang: str) -> dict[str, Any]:
    """One item as the element renders it; every rendering decision reads these fields."""
    out: dict[str, Any] = {
        "key": key, "type": item.type, "text": item.text.get(lang),
        "guidance": item.guidance.get(lang) if item.guidance else "",
        "critical": item.critical, "required": item.required and item.is_scored,
        "must": item.required,  # what submit asks for (a required photo item: its photo)
        "na": item.na, "photo": item.photo, "weight": item.weight,
    }
    if item.type == "scale":
        out["scale"] = [item.scale_min, item.scale_max]
    if item.options:
        out["options"] = [{"id": o.id, "text": o.text.get(lang), "score": o.score}
                          for o in item.options]
    if item.bands:
        out["bands"] = [{"max": b.max, "score": b.score} for b in item.bands]
    if item.unit:
        out["unit"] = item.unit.get(lang)
    if item.type == "hours":
        rule = item.hours
        out["hours"] = {"evening_after": rule.evening_after if rule else "19:00",
                        "weekend": rule.weekend if rule else True}
    return out


def walk_data(audit: Audit, checklist: Checklist, *, lang: str, user: str, csrf: str,
              ticket: str | None, view: str, focus: str | None, location: Location | None,
              photos: PhotoFiles) -> dict[str, Any]:
    """Everything the element needs, as JSON: the checklist, stored answers, thumbnails, words."""
    answers, digest = sync.snapshot(audit.answers)
    shown = {sha for a in audit.answers.values() for sha in a.photos}
    thumbs: dict[str, Any] = {}
    for sha in sorted(shown):
        ref = audit.photos.get(sha)
        if ref is None:  # a hash the audit holds no photo of: nothing of another audit shows
            continue
        try:
            thumb = "data:image/jpeg;base64," + base64.b64encode(photos.get(sha, "thumb")).decode()
        except KeyError:
            thumb = ""
        thumbs[sha] = {"thumb": thumb, "caption": ref.caption if ref else ""}
    return {
        "v": 1,
        "audit": audit.id,
        "user": user,
        "csrf": csrf,
        "ticket": ticket,
        "lang": lang,
        "view": view,
        "focus": focus,
        "texts": {k.removeprefix("walk."): t(k, lang) for k in WALK_STRINGS if k.startswith("walk.")}
        | {f"day.{d}": t(f"day.{d}", lang) for d in WEEKDAYS},
        **checklist_data(checklist, lang),
        "answers": answers,
        "digest": digest,
        "photos": thumbs,
        "hours": location.hours if location and location.hours else None,
        "section": audit.header.section,
        "arriving": len(audit.header.arriving),  # submitted, photos on their way
        "limits": {"comment": limits.COMMENT_MAX_CHARS, "text": limits.TEXT_ANSWER_MAX_CHARS,
                   "caption": limits.CAPTION_MAX_CHARS,
                   "reason": limits.SECTION_NA_REASON_MAX_CHARS,
                   "photo_edge": limits.PHOTO_SEND_LONG_EDGE,
                   "photo_bytes": limits.PHOTO_SEND_MAX_BYTES,
                   "sync_wait": limits.SYNC_WAIT_SECONDS,
                   "sync_retry_max": limits.SYNC_RETRY_MAX_SECONDS},
    }


def checklist_data(checklist: Checklist, lang: str) -> dict[str, Any]:
    """The checklist as the element's rules (js/rules.js) read it, in the page's language."""
    return {
        "sections": [{"id": s.id, "title": s.title.get(lang),
                      "description": s.description.get(lang) if s.description else "",
                      "weight": s.weight,
                      "na": s.na, "na_reason": s.na_reason.get(lang) if s.na_reason else "",
                      "items": [_item(i, f"{s.id}.{i.id}", lang) for i in s.items]}
                     for s in checklist.sections],
        # `when:` conditions by item key or section id; the phone evaluates them as it is tapped
        "conditions": conditions_data(checklist),
        "levels": [{"min": level.min, "key": level.key} for level in checklist.levels],
        "critical_cap": checklist.critical_cap,
    }


def phone_view(state: Any, audit_id: str, section_ids: list[str]) -> PhoneView | None:
    """The element's state value "view" for this audit; None until it says (or if garbled).

    A state value, not a trigger: Streamlit hands a trigger to the one script run it starts,
    and a rerun request arriving just after (the review's "pending" report, sent in the same
    tick) stops that run before the page reads it; a state value goes with every run after."""
    if not isinstance(state, dict) and not hasattr(state, "get"):
        return None
    raw = state.get("view")
    if not isinstance(raw, dict) or raw.get("audit") != audit_id:
        return None
    view, nav = raw.get("view"), raw.get("nav")
    if view != REVIEW and view not in section_ids:
        return None
    if not isinstance(nav, int) or isinstance(nav, bool) or nav < 0:
        return None
    return PhoneView(str(view), nav)


def pending(state: Any, audit_id: str) -> int | None:
    """How many changes the phone still holds for this audit; None until the element says."""
    if not isinstance(state, dict) and not hasattr(state, "get"):
        return None
    report = state.get("pending")
    if not isinstance(report, dict) or report.get("audit") != audit_id:
        return None
    count = report.get("count")
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None


@dataclass(frozen=True)
class PhoneHolds:
    """What the phone still holds of the audit, as its review reads it: the changes (answers,
    comments, moves) and the photos, each with its item and hash (empty while prepared)."""

    answers: int
    photos: tuple[tuple[str, str], ...]

    @property
    def count(self) -> int:
        return self.answers + len(self.photos)


def holds(state: Any, audit_id: str) -> PhoneHolds | None:
    """The phone's report of what it holds for this audit; None until it says (or if garbled).

    A report with only a count (an older page) is read as that many changes."""
    count = pending(state, audit_id)
    if count is None:
        return None
    report = state.get("pending")
    answers = report.get("answers")
    raw = report.get("photos")
    if not isinstance(answers, int) or isinstance(answers, bool) or not isinstance(raw, list):
        return PhoneHolds(answers=count, photos=())
    photos = tuple((str(p.get("key", "")), str(p.get("sha", ""))) for p in raw[:500]
                   if isinstance(p, dict))
    return PhoneHolds(answers=max(0, answers), photos=photos)


def mount(data: dict[str, Any]) -> Any:
    """Mount the element; its result carries three state values: `view` (where the walk is),
    `pending` (what the phone holds) and `server` (the submit as the server last told it)."""
    return _component(key=KEY, data=data, default={"pending": None, "view": None, "server": None},
                      on_view_change=lambda: None, on_pending_change=lambda: None,
                      on_server_change=lambda: None)
