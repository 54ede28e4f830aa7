"""Demo customers' voice: a year of responses with stories HQ can find in the gap table.

One branch passes its restroom audits while its customers are let down there; the branch
whose restroom audits fail has customers who do not mind; one branch's wait beats what
customers expect. Everything else scatters around "as expected".
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from audit.checklist.templates import get_checklist
from audit.checklist.voice import touchpoints
from audit.model.voice import HELD_BURST, Rating, VoiceResponse
from audit.reports.analytics import Filters, heatmap
from audit.store import Store
from audit.voice.service import voice_template_id

TEXTS = {
    "ru": ["Долго ждал, но сотрудница всё объяснила.", "В туалете не было бумаги.",
           "Очень быстро, спасибо!", "Парковка занята машинами сотрудников.",
           "Охранник был вежлив.", "Кофе в зоне ожидания — приятный сюрприз."],
    "en": ["Long wait, but the clerk explained everything.", "No paper in the restroom.",
           "Very quick, thank you!", "Staff cars took the customer parking."],
}


def _clip(x: float) -> int:
    return max(1, min(5, round(x)))


def story_responses(location_ids: Sequence[str], sections: Sequence[str], count: int, *,
                    seed: int, today: date, template_id: str = "service-point",
                    template_version: int = 1,
                    offsets: dict[tuple[str, str], float] | None = None) -> list[VoiceResponse]:
    """`count` responses over the 12 months before `today`; `offsets` moves what customers got
    at (location, section) against what they expected (points of 5)."""
    rng = random.Random(seed)
    offsets = offsets or {}
    start = today - timedelta(days=364)
    out = []
    for n in range(count):
        loc = location_ids[n % len(location_ids)]
        day = start + timedelta(days=int((n + rng.random()) * 364 / max(count, 1)))
        at = datetime(day.year, day.month, day.day, rng.randint(9, 19), rng.randint(0, 59), tzinfo=UTC)
        met = [s for s in sections if rng.random() < 0.55] or [rng.choice(list(sections))]
        ratings = []
        for s in met:
            expected = _clip(rng.gauss(3.0, 0.8))  # centred: clipping at 1 and 5 evens out
            perceived = _clip(expected + offsets.get((loc, s), 0.0) + rng.gauss(0, 0.7))
            ratings.append(Rating(s, expected, perceived))
        mean_gap = sum(r.gap for r in ratings) / len(ratings) + rng.gauss(0, 0.5)
        level = "disappointed" if mean_gap < -0.6 else "wow" if mean_gap > 0.8 else "as_expected"
        lang = "ru" if rng.random() < 0.8 else "en"
        text = rng.choice(TEXTS[lang]) if rng.random() < 0.15 else ""
        out.append(VoiceResponse(
            id=f"{day.strftime('%Y%m%d')}-d{seed}x{n:06d}", location_id=loc, template_id=template_id,
            template_version=template_version, day=day.isoformat(), at=at.isoformat(),
            ratings=tuple(ratings), level=level, text=text, text_approved=bool(text) and rng.random() < 0.5,
            device=secrets.token_hex(16), held=HELD_BURST if rng.random() < 0.004 else ""))
    return out


def generate_voice(store: Store, *, seed: int = 1, responses: int = 3000,
                   today: date | None = None) -> dict[str, str]:
    """Add the demo's responses to `store` (after its audits); the stories, by location id."""
    today = today or datetime.now(UTC).date()
    checklist = get_checklist(store, voice_template_id(store))
    sections = [s.id for s in touchpoints(checklist)]
    locs = [loc.id for loc in store.list_locations() if loc.active]
    if not locs:
        return {}
    restroom = {c.location_id: c.score for c in heatmap(store.get_rollups(template_id=checklist.id),
                                                        Filters(template_id=checklist.id))
                if c.section_id == "restroom" and c.score is not None}
    ranked = sorted(restroom, key=lambda loc: (-(restroom[loc] or 0), loc))
    offsets: dict[tuple[str, str], float] = {}
    stories: dict[str, str] = {}
    if "restroom" in sections and ranked:
        passing, failing = ranked[0], ranked[-1]
        offsets[(passing, "restroom")] = -1.8
        stories[passing] = "customers let down in the restroom its audits pass"
        if failing != passing:
            offsets[(failing, "restroom")] = 0.3
            stories.setdefault(failing, "restroom audits fail, customers do not mind")
    quick = next((loc for loc in locs if loc not in stories), None)
    if quick is not None and "waiting" in sections:
        offsets[(quick, "waiting")] = 1.4
        stories[quick] = "the wait beats what customers expect"
    made = story_responses(locs, sections, responses, seed=seed, today=today,
                           template_id=checklist.id, template_version=checklist.version,
                           offsets=offsets)
    store.import_voice_responses(made)
    return stories
