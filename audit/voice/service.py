"""A customer's response, from the form's fields to the store, with every abuse rule on the way.

One function, `take_response`, is the whole rule; the web route only turns its outcome into a
page. Nothing identifying is kept: the phone is known for a day by a hash of its address and
browser under a salt that changes every day, and the old salt is forgotten.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from audit.checklist.templates import MAIN_TEMPLATE, get_checklist
from audit.checklist.voice import touchpoints
from audit.core import limits, zones
from audit.core.errors import AppError, NotFound
from audit.core.text import control_chars
from audit.model import Checklist, Location, Section
from audit.model.voice import HELD_BURST, SCORE_MAX, SCORE_MIN, VISIT_LEVELS, Rating, VoiceResponse
from audit.people.ratelimit import RateLimited, SharedRateLimiter
from audit.store import Store

HONEYPOT = "website"  # a field people never see (hidden from eyes and screen readers); bots fill it
SETTINGS_KEY = "voice_salt"
TEMPLATE_SETTING = "voice_template"  # which checklist the voice page asks about (HQ's setting)

per_address = SharedRateLimiter("voice_too_many", "voice responses from one address",
                                *limits.VOICE_PER_ADDRESS)
per_location = SharedRateLimiter("voice_burst", "voice responses at one location",
                                 *limits.VOICE_PER_LOCATION)
held_per_location = SharedRateLimiter("voice_too_many", "held voice responses at one location",
                                      *limits.VOICE_HELD_PER_LOCATION)


class VoiceInputError(AppError):
    """Something in the form a customer can fix (params say what); the form is shown again."""

    code = "voice_input"

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message, **params)
        self.code = code


@dataclass(frozen=True)
class VoicePage:
    """What the page asks at one location: its checklist's customer-facing sections."""

    location: Location
    checklist: Checklist
    sections: tuple[Section, ...]


def voice_link(app_url: str, location_id: str) -> str:
    """The location's short link, printed on its poster and held by its QR code."""
    return f"{app_url.rstrip('/')}/v/{quote(location_id, safe='')}"


def voice_template_id(store: Store) -> str:
    return str(store.get_settings().get(TEMPLATE_SETTING) or MAIN_TEMPLATE)


def voice_page(store: Store, location_id: str) -> VoicePage:
    """The location and what to ask there; NotFound for no such (or an inactive) location,
    NotForVoice when its checklist marks no section customer-facing."""
    location = store.get_location(location_id) if location_id else None
    if location is None or not location.active:
        raise NotFound(f"no location {location_id!r}", location=location_id)
    checklist = get_checklist(store, voice_template_id(store))
    return VoicePage(location, checklist, touchpoints(checklist))


def local_day(location: Location, now: datetime) -> str:
    try:
        return now.astimezone(zones.zone(location.tz)).date().isoformat()
    except zones.BadZone:
        return now.astimezone(UTC).date().isoformat()


# -- the day's salt ------------------------------------------------------------------------------


def day_salts(store: Store, day: str) -> tuple[bytes, bytes]:
    """(today's salt, the day before's) — today's made on first use; older ones are forgotten."""
    kept = store.get_settings().get(SETTINGS_KEY)
    if not isinstance(kept, dict) or kept.get("day") != day:
        def settle(now: Any) -> dict[str, Any]:
            was: dict[str, Any] = now if isinstance(now, dict) else {}
            if was.get("day") == day:  # another process made today's first: everyone uses it
                return was
            return {"day": day, "salt": secrets.token_hex(16),
                    "prev": was.get("salt", "") if was.get("day", "") < day else ""}
        kept = store.update_setting(SETTINGS_KEY, settle)
    return bytes.fromhex(str(kept.get("salt", ""))), bytes.fromhex(str(kept.get("prev", "")))


def device_hash(salt: bytes, address: str, user_agent: str) -> str:
    return hmac.new(salt, f"{address}\n{user_agent}".encode(), hashlib.sha256).hexdigest()[:32]


def address_key(salt: bytes, address: str) -> str:
    """The rate limit's key for an address: hashed too, so the counters hold no address."""
    return hmac.new(salt, address.encode(), hashlib.sha256).hexdigest()[:24]


# -- the page's signed time ---------------------------------------------------------------------


def form_token(salt: bytes, location_id: str, issued: int) -> str:
    mac = hmac.new(salt, f"voice|{location_id}|{issued}".encode(), hashlib.sha256).hexdigest()
    return f"{issued}.{mac[:32]}"


def issue_token(store: Store, page: VoicePage, now: datetime) -> str:
    salt, _ = day_salts(store, local_day(page.location, now))
    return form_token(salt, page.location.id, int(now.timestamp()))


def token_age(salts: Sequence[bytes], location_id: str, token: str, now: float) -> float | None:
    """Seconds since the page was served, or None when the token is not one of ours."""
    issued_text, _, _ = token.partition(".")
    if not issued_text.isdigit() or len(issued_text) > 12:
        return None
    issued = int(issued_text)
    for salt in salts:
        if salt and hmac.compare_digest(form_token(salt, location_id, issued), token):
            return now - issued
    return None


# -- the answers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    ratings: tuple[Rating, ...]
    level: str
    text: str


_SCORES = frozenset(str(n) for n in range(SCORE_MIN, SCORE_MAX + 1))


def _score(fields: Mapping[str, Sequence[str]], name: str) -> int | None:
    values = [v for v in fields.get(name, ()) if v != ""]
    if not values:
        return None
    if len(values) > 1 or values[0] not in _SCORES:  # ASCII digits only: int("٣") is 3 too
        raise VoiceInputError("voice_bad_score", f"{name}: a score is a whole number from "
                              f"{SCORE_MIN} to {SCORE_MAX}", field=name)
    return int(values[0])


def clean_text(raw: str) -> str:
    """Plain text as typed: line breaks kept (as \\n), every other control character dropped."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    bad = set(control_chars(text, allowed="\n\t"))
    if bad:
        text = "".join(ch for ch in text if f"U+{ord(ch):04X}" not in bad)
    return text.strip()


def read_answers(fields: Mapping[str, Sequence[str]], sections: Sequence[Section]) -> Answers:
    """The form's answers, or VoiceInputError naming the first thing to fix."""
    ratings = []
    for s in sections:
        expected, perceived = _score(fields, f"e.{s.id}"), _score(fields, f"p.{s.id}")
        if expected is None and perceived is None:
            continue  # not met today
        if expected is None or perceived is None:
            raise VoiceInputError("voice_half", f"{s.id}: both scores are needed", section=s.id,
                                  touchpoint=s.customer or s.title)
        ratings.append(Rating(s.id, expected, perceived))
    if not ratings:
        raise VoiceInputError("voice_no_touchpoint", "no touchpoint rated")
    level = (fields.get("level") or [""])[0]
    if level not in VISIT_LEVELS:
        raise VoiceInputError("voice_no_level", "the visit overall is not chosen")
    text = clean_text((fields.get("text") or [""])[0])
    if len(text) > limits.VOICE_TEXT_MAX_CHARS:
        raise VoiceInputError("voice_text_long", f"the comment is {len(text)} characters",
                              count=len(text), limit=limits.VOICE_TEXT_MAX_CHARS)
    return Answers(tuple(ratings), level, text)


# -- the whole rule ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of a form: `status` is saved, held (a burst: kept for HQ, not counted),
    again (the form is shown again: too fast, too old, or an answer to fix), duplicate (this
    phone answered here today), limited (too many; `seconds` to wait) or refused (a bot)."""

    status: str
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    response: VoiceResponse | None = None
    seconds: int = 0


def take_response(store: Store, page: VoicePage, fields: Mapping[str, Sequence[str]], *,
                  address: str, user_agent: str, cookie_says_done: bool,
                  now: datetime) -> Outcome:
    """Every abuse rule in turn, then the response stored (or held, or refused)."""
    day = local_day(page.location, now)
    if cookie_says_done:
        return Outcome("duplicate", "voice_already")
    if any(v.strip() for v in fields.get(HONEYPOT, ())):
        return Outcome("refused", "voice_refused")
    salts = day_salts(store, day)
    age = token_age(salts, page.location.id, (fields.get("t") or [""])[0], now.timestamp())
    if age is None or age > limits.VOICE_FORM_MAX_SECONDS:
        return Outcome("again", "voice_expired")
    if age < limits.VOICE_MIN_SECONDS:
        return Outcome("again", "voice_too_fast", {"seconds": limits.VOICE_MIN_SECONDS})
    try:
        answers = read_answers(fields, page.sections)
    except VoiceInputError as err:
        return Outcome("again", err.code, dict(err.params))
    try:
        per_address.hit(store, address_key(salts[0], address))
    except RateLimited as limited:
        return Outcome("limited", "voice_too_many", seconds=int(limited.params["seconds"]))
    held = ""
    try:
        per_location.hit(store, page.location.id)
    except RateLimited:
        try:
            held_per_location.hit(store, page.location.id)
        except RateLimited as limited:
            return Outcome("limited", "voice_too_many", seconds=int(limited.params["seconds"]))
        held = HELD_BURST
    response = VoiceResponse(
        id=f"{day.replace('-', '')}-{secrets.token_hex(6)}", location_id=page.location.id,
        template_id=page.checklist.id, template_version=page.checklist.version, day=day,
        at=zones.utc_iso(now), ratings=answers.ratings, level=answers.level, text=answers.text,
        device=device_hash(salts[0], address, user_agent), held=held)
    if not store.add_voice_response(response):
        return Outcome("duplicate", "voice_already")
    return Outcome("held" if held else "saved", "voice_thanks", response=response)
