"""A realistic demo network: locations, people and a year of audits with telling patterns."""

from __future__ import annotations

import dataclasses
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from audit.audits.capture import summary_of
from audit.checklist.conditions import visibility
from audit.checklist.templates import get_checklist, install_shipped
from audit.core import clock
from audit.model import WEEKDAYS, Answer, Audit, AuditHeader, Checklist, Item, Location, PhotoRef, User
from audit.ops.demo_photos import IMPRESSED, SCENE_OF, SPOILED_DEFAULT, comment_for, scene
from audit.ops.demo_voice import generate_voice
from audit.people import accounts
from audit.photos import PhotoStore, PreparedPhoto, prepare_photo
from audit.scoring.score import impacts, score_audit
from audit.store import Store

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  printed by `audit demo`, documented in the README

REGIONS = {
    "Москва": [("Тверская", "ул. Тверская, 12"), ("Арбат", "ул. Арбат, 24"),
               ("Сокол", "Ленинградский пр-т, 75"), ("Марьино", "ул. Люблинская, 169"),
               ("Химки", "Ленинградское ш., 1, Химки")],
    "Санкт-Петербург": [("Невский", "Невский пр-т, 88"), ("Петроградская", "Большой пр. П.С., 33"),
                        ("Купчино", "Балканская пл., 5"), ("Приморская", "ул. Наличная, 40")],
    "Урал": [("Екатеринбург-Центр", "ул. Малышева, 51, Екатеринбург"),
             ("Челябинск", "пр-т Ленина, 35, Челябинск"), ("Пермь", "Комсомольский пр-т, 30, Пермь")],
    "Юг": [("Краснодар", "ул. Красная, 122, Краснодар"), ("Ростов", "Большая Садовая, 70, Ростов"),
           ("Сочи", "Курортный пр-т, 16, Сочи")],
}

Week = dict[str, list[str] | None]


def _week(weekday: list[str], sat: list[str] | None, sun: list[str] | None) -> Week:
    week: Week = {d: list(weekday) for d in WEEKDAYS[:5]}
    week["sat"], week["sun"] = sat, sun
    return week


HOURS_OFFICE = _week(["09:00", "18:00"], None, None)  # while the customer is at work: a finding
HOURS_LATE = _week(["09:00", "20:00"], ["10:00", "17:00"], None)
HOURS_MALL = _week(["10:00", "22:00"], ["10:00", "22:00"], ["10:00", "22:00"])

# locations (by position) without a customer restroom or a car park: their audits skip the
# section in one tap, as a shopper would
NO_RESTROOM = (10, 13)
NO_PARKING = (5,)
PHOTO_SHARE = 0.6  # of the audits with a finding that has a scene, one photo of it
TYPO_TEXTS = [
    ("Мы работаем для вас каждый день, кроме воскресенья.", []),
    ("Мы работаем для вас каждый день, крооме воскресенья.", ["крооме"]),
    ("Our office is open every day exept Sunday. Call us anytime.", ["exept"]),
    ("Наш офис открыт ежедневно. Звонитте нам в любое время, мы всегда расды помочь.",
     ["Звонитте", "расды"]),
    ("Our office is open every day except Sunday.", []),
]


@dataclass(frozen=True)
class Pattern:
    """What makes a location's audits tell a story."""

    base: float
    weak_section: str | None = None
    self_bonus: float = 0.0
    monthly_gain: float = 0.0


@dataclass(frozen=True)
class DemoResult:
    locations: int
    users: int
    audits: int
    stories: dict[str, str]


def _clip(x: float) -> float:
    return max(0.02, min(0.98, x))


def _answer_value(item: Item, q: float, rng: random.Random, loc: Location,
                  visit: datetime) -> tuple[Any, bool]:
    """A plausible answer to one item for quality q (chance that things are good)."""
    if item.critical:  # serious failures are rare even in a weak branch
        q = 1 - (1 - q) * 0.12
    good = rng.random() < q
    t = item.type
    if item.na and rng.random() < 0.06:
        return None, True
    if t == "yes_no":
        return good, False
    if t == "scale":
        span = item.scale_max - item.scale_min
        x = q + rng.gauss(0, 0.18)
        return item.scale_min + round(max(0.0, min(1.0, x)) * span), False
    if t == "choice":
        ranked = sorted(item.options, key=lambda o: -o.score)
        idx = 0 if good else rng.randrange(1, len(ranked)) if len(ranked) > 1 else 0
        return ranked[idx].id, False
    if t == "multi":
        return [o.id for o in item.options if rng.random() < q], False
    if t in ("number", "wait_time"):
        bands = item.bands
        if good:
            top = bands[0].max if bands[0].max is not None else 1.0
            value = rng.uniform(0.2 * top, top) if top > 0 else 0.0
        else:
            pick = rng.randrange(1, len(bands)) if len(bands) > 1 else 0
            lo = (bands[pick - 1].max or 0.0) if pick else 0.0
            upper = bands[pick].max
            hi = upper if upper is not None else lo * 1.8 + 5
            value = rng.uniform(lo + 0.01, hi)
        value = round(value, 1)
        if t == "wait_time":
            start = visit + timedelta(minutes=rng.randint(1, 5))
            end = start + timedelta(minutes=value)
            return {"start": start.isoformat(), "end": end.isoformat()}, False
        return value, False
    if t == "hours":
        return {day: loc.hours.get(day) for day in WEEKDAYS}, False
    if t == "typo_check":
        text, typos = TYPO_TEXTS[0 if good else rng.randrange(1, len(TYPO_TEXTS))]
        return {"text": text, "flagged": list(typos), "typos": list(typos)}, False
    if t == "text":
        return None, False  # the auditor's own words come after the answers: see _texts
    return None, False


def _texts(template: Checklist, answers: dict[str, Answer], cost: dict[str, float], lang: str,
           rng: random.Random, by: str, at: str) -> None:
    """The free-text items: what impressed (a pleasant detail) and what spoiled the visit (the
    comment of the costliest finding), in the audit's language."""
    worst = max(cost, key=lambda k: (cost[k], k), default="")
    spoiled = comment_for(worst.partition(".")[2], lang) or SPOILED_DEFAULT[0 if lang == "ru" else 1]
    for section in template.sections:
        for item in section.items:
            if item.type != "text" or rng.random() < 0.35:
                continue
            key = f"{section.id}.{item.id}"
            if any(w in item.id for w in ("spoiled", "improve")):
                text = spoiled
            else:
                text = rng.choice(IMPRESSED)[0 if lang == "ru" else 1]
            answers[key] = Answer(key=key, value=text, by=by, at=at)


def _locations(n: int, rng: random.Random) -> list[Location]:
    pool = [(region, name, addr) for region, places in REGIONS.items() for name, addr in places]
    out = []
    for i in range(n):
        region, name, addr = pool[i % len(pool)]
        if i >= len(pool):
            name, addr = f"{name} {i // len(pool) + 1}", f"{addr}, корп. {i // len(pool) + 1}"
        hours: Week = [HOURS_OFFICE, HOURS_LATE, HOURS_MALL][rng.randrange(3) if i > 2 else i]
        out.append(Location(id=f"loc-{i + 1:03d}", name=name, region=region, address=addr,
                            hours=dict(hours)))
    return out


_MEN = ("Дмитрий", "Алексей", "Сергей", "Андрей", "Михаил", "Павел", "Игорь", "Артём")
_WOMEN = ("Ольга", "Мария", "Елена", "Наталья", "Ирина", "Светлана", "Татьяна", "Юлия")
_LAST = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
         "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев")


def _person_names(rng: random.Random) -> list[str]:
    """Different Russian names for the demo's people, a woman's surname in its own form."""
    out = [f"{first} {last}" for first in _MEN for last in _LAST]
    out += [f"{first} {last}а" for first in _WOMEN for last in _LAST]
    rng.shuffle(out)
    return out


def generate(store: Store, *, seed: int = 1, audits: int = 360, locations: int = 15,
             today: date | None = None, with_users: bool = True, photos: bool = True) -> DemoResult:
    """Fill `store` with a demo network. The same seed and `today` give the same data.

    With `photos`, a share of the findings that can be photographed (a puddle, a dirty
    restroom, a car on the customer spaces…) carry a generated photo, stored through the
    photo pipeline like an upload.
    """
    rng = random.Random(seed)
    photo_store = PhotoStore(store.photo_dir)
    pending: list[PreparedPhoto] = []
    end = today or clock.now().date()
    install_shipped(store, by="demo")
    templates: list[Checklist] = [get_checklist(store, t) for t in
                                  ("service-point", "staff-conversation", "contact-center")]

    locs = _locations(max(locations, 12), rng)
    for loc in locs:
        store.put_location(loc)

    # the stories HQ should be able to find on the dashboard
    patterns = {loc.id: Pattern(base=rng.uniform(0.72, 0.9)) for loc in locs}
    stories = {
        locs[1].id: "weak restrooms",
        locs[4].id: "flattering self-audits",
        locs[7].id: "improving month by month",
    }
    patterns[locs[1].id] = Pattern(base=0.85, weak_section="restroom")
    patterns[locs[4].id] = Pattern(base=0.55, self_bonus=0.35)
    patterns[locs[7].id] = Pattern(base=0.35, monthly_gain=0.05)

    users: list[User] = []
    if with_users:
        hashed = accounts.hash_password(DEMO_PASSWORD)
        users.append(User(name="hq", role="hq", display_name="Анна Соколова",
                          email="hq@example.com", password_hash=hashed))
        names = iter(_person_names(random.Random(seed + 1)))  # the demo's own draw, apart
        for i in range(1, 7):
            assigned = tuple(loc.id for j, loc in enumerate(locs) if j % 6 == i - 1)
            users.append(User(name=f"shopper{i}", role="shopper", display_name=next(names),
                              code=f"S-{rng.randrange(16**6):06X}", locations=assigned,
                              password_hash=hashed, any_location=(i == 1)))
        for i, loc in enumerate(locs[:min(len(locs), 40)]):
            users.append(User(name=f"manager{i + 1}", role="manager",
                              display_name=next(names), locations=(loc.id,),
                              password_hash=hashed))
        for u in users:
            store.put_user(u)
    shoppers = [u.name for u in users if u.role == "shopper"] or ["shopper1"]
    position = {loc.id: i for i, loc in enumerate(locs)}

    start_day = end - timedelta(days=364)
    built: list[tuple[Audit, Any]] = []
    for n in range(audits):
        loc = locs[n % len(locs)]
        pattern = patterns[loc.id]
        mode = "self" if rng.random() < 0.4 else "mystery"
        # spread visits evenly over the 12 months so every month has data
        day = start_day + timedelta(days=int((n + rng.random()) * 364 / max(audits, 1)))
        visit = datetime(day.year, day.month, day.day, rng.randint(9, 19), rng.choice((0, 15, 30, 45)),
                         tzinfo=UTC)
        month_index = (day.year - start_day.year) * 12 + day.month - start_day.month
        template = templates[0] if rng.random() < 0.7 else rng.choice(templates[1:])
        auditor = (rng.choice(shoppers) if mode == "mystery"
                   else f"manager{position[loc.id] + 1}" if position[loc.id] < 40 else "hq")
        lang = "ru" if rng.random() < 0.7 else "en"
        at = (visit + timedelta(minutes=5)).isoformat()
        answers: dict[str, Answer] = {}
        for section in template.sections:
            q = pattern.base + pattern.monthly_gain * month_index
            if pattern.weak_section and section.id.startswith(pattern.weak_section):
                q = 0.2
            if mode == "self":
                q += pattern.self_bonus
            q = _clip(q + rng.gauss(0, 0.05))
            skipped = {"restroom": NO_RESTROOM, "parking": NO_PARKING}.get(section.id, ())
            if section.na and section.na_reason and position[loc.id] in skipped:
                answers[section.id] = Answer(key=section.id, na=True, comment=section.na_reason.get(lang),
                                             by=auditor, at=at)
                continue
            for item in section.items:
                value, na = _answer_value(item, q, rng, loc, visit)
                if value is None and not na:
                    continue
                key = f"{section.id}.{item.id}"
                answers[key] = Answer(key=key, value=value, na=na, by=auditor, at=at)
        # what a condition hides was never asked: no answer for it
        hidden = visibility(template, answers).hidden
        answers = {k: a for k, a in answers.items() if k not in hidden}
        score = score_audit(template, answers)
        cost = impacts(score)
        for key in cost:  # a finding's comment says what was wrong, when there is something to say
            text = comment_for(key.partition(".")[2], lang)
            if text and rng.random() < 0.45:
                answers[key] = dataclasses.replace(answers[key], comment=text)
        _texts(template, answers, cost, lang, rng, auditor, at)
        audit_id = f"demo-{seed}-{n:05d}"
        refs: dict[str, PhotoRef] = {}
        if photos:
            shots = [k for k in sorted(cost, key=lambda k: (-cost[k], k)) if k.partition(".")[2] in SCENE_OF]
            if shots and rng.random() < PHOTO_SHARE:
                key = shots[0]
                prepared = prepare_photo(scene(SCENE_OF[key.partition(".")[2]], seed * 100_000 + n))
                pending.append(prepared)
                refs[prepared.sha256] = prepared.to_ref(at)
                answers[key] = dataclasses.replace(answers[key], photos=(prepared.sha256,))
        submitted = (visit + timedelta(minutes=rng.randint(20, 90))).isoformat()
        header = AuditHeader(
            id=audit_id, template_id=template.id, template_version=template.version,
            location_id=loc.id, mode=mode, auditor=auditor,
            lang=lang, status="submitted",
            started_at=visit.isoformat(), visit_at=visit.isoformat(), submitted_at=submitted,
            published=mode == "mystery" and rng.random() < 0.85,
            events=({"type": "started", "by": auditor, "at": visit.isoformat()},
                    {"type": "submitted", "by": auditor, "at": submitted}),
        )
        score = score_audit(template, answers)
        row = summary_of(header, template, answers, score, region=loc.region)
        built.append((Audit(header=header, answers=answers, photos=refs), row))
    # each file is fsynced: written a few at a time, the disk's wait overlaps
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(photo_store.put, pending))
    count = store.import_audits(built)
    generate_voice(store, seed=seed, today=end)  # customers' voice beside the audits
    return DemoResult(locations=len(locs), users=len(users), audits=count, stories=stories)
