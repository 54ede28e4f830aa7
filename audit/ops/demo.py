"""A realistic demo network: locations, people and a year of audits with telling patterns."""

from __future__ import annotations

import dataclasses
import math
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from audit.actions import service as actions_service
from audit.audits import capture
from audit.audits.capture import summary_of
from audit.checklist.conditions import visibility
from audit.checklist.templates import get_checklist, install_shipped
from audit.core import clock
from audit.core.zones import parse_utc, utc_iso, zone
from audit.model import WEEKDAYS, Answer, Audit, AuditHeader, Checklist, Item, Location, SummaryRow, User
from audit.model.visits import Plan
from audit.ops.demo_photos import (
    FIX_NOTES,
    GRADE_NOTES,
    IMPRESSED,
    REVIEW_COMMENTS,
    SCENE_OF,
    SPOILED_DEFAULT,
    comment_for,
    hours_lines,
    pick,
    scene,
)
from audit.ops.demo_voice import generate_voice
from audit.people import accounts
from audit.photos import PhotoStore, PreparedPhoto, prepare_photo
from audit.review import steps as review
from audit.scoring.score import impacts, score_audit
from audit.store import Store
from audit.visits import service as visit_service
from audit.visits.proof import distance_m

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  printed by `audit demo`, documented in the README


@dataclass(frozen=True)
class Place:
    """A branch as it is on the map: where, and the clock its times are read on."""

    name: str
    address: str
    slug: str  # its managers' mailbox (on example.com: reserved, nothing is ever delivered there)
    lat: float
    lon: float
    tz: str


REGIONS = {
    "Москва": [Place("Тверская", "ул. Тверская, 12", "tverskaya", 55.7617, 37.6093, "Europe/Moscow"),
               Place("Арбат", "ул. Арбат, 24", "arbat", 55.7500, 37.5933, "Europe/Moscow"),
               Place("Сокол", "Ленинградский пр-т, 75", "sokol", 55.8049, 37.5146, "Europe/Moscow"),
               Place("Марьино", "ул. Люблинская, 169", "maryino", 55.6500, 37.7437, "Europe/Moscow"),
               Place("Химки", "Ленинградское ш., 1, Химки", "khimki", 55.8887, 37.4450, "Europe/Moscow")],
    "Санкт-Петербург": [
        Place("Невский", "Невский пр-т, 88", "nevsky", 59.9323, 30.3476, "Europe/Moscow"),
        Place("Петроградская", "Большой пр. П.С., 33", "petrogradskaya", 59.9598, 30.3048, "Europe/Moscow"),
        Place("Купчино", "Балканская пл., 5", "kupchino", 59.8296, 30.3801, "Europe/Moscow"),
        Place("Приморская", "ул. Наличная, 40", "primorskaya", 59.9472, 30.2347, "Europe/Moscow")],
    "Урал": [Place("Екатеринбург-Центр", "ул. Малышева, 51, Екатеринбург", "ekb-centre", 56.8365, 60.6150,
                   "Asia/Yekaterinburg"),
             Place("Челябинск", "пр-т Ленина, 35, Челябинск", "chelyabinsk", 55.1601, 61.4003,
                   "Asia/Yekaterinburg"),
             Place("Пермь", "Комсомольский пр-т, 30, Пермь", "perm", 58.0081, 56.2452, "Asia/Yekaterinburg")],
    "Сибирь": [Place("Новосибирск", "Красный пр-т, 29, Новосибирск", "novosibirsk", 55.0302, 82.9204,
                     "Asia/Novosibirsk")],
    "Юг": [Place("Краснодар", "ул. Красная, 122, Краснодар", "krasnodar", 45.0403, 38.9760, "Europe/Moscow"),
           Place("Ростов", "Большая Садовая, 70, Ростов-на-Дону", "rostov", 47.2221, 39.7181,
                 "Europe/Moscow"),
           Place("Сочи", "Курортный пр-т, 16, Сочи", "sochi", 43.5811, 39.7240, "Europe/Moscow")],
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
    weak_section: str | None = None  # a section far below the rest
    self_bonus: float = 0.0
    monthly_gain: float = 0.0
    slip: float = 0.0  # the weak section is good for a season, then loses this much a month


def _clip(x: float) -> float:
    return max(0.02, min(0.98, x))


def _answer_value(item: Item, good: bool, rng: random.Random, loc: Location,
                  visit: datetime) -> tuple[Any, bool]:
    """A plausible answer to one item: as it should be when `good`, short of it when not."""
    t = item.type
    if item.expectation:  # what the shopper expects before the section: most expect a short wait
        return rng.choice((5, 5, 10, 10, 10, 15) if t == "number" else (3, 4, 4, 4, 5)), False
    if item.na and rng.random() < 0.06:
        return None, True
    if t == "yes_no":
        return good, False
    if t == "scale":
        return item.scale_max if good else rng.randrange(item.scale_min, item.scale_max), False
    if t == "choice":
        ranked = sorted(item.options, key=lambda o: -o.score)
        idx = 0 if good else rng.randrange(1, len(ranked)) if len(ranked) > 1 else 0
        return ranked[idx].id, False
    if t == "multi":
        return [o.id for o in item.options if good or rng.random() < 0.5], False
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
            return {"start": utc_iso(start), "end": utc_iso(end)}, False
        return value, False
    if t == "hours":
        return {day: loc.hours.get(day) for day in WEEKDAYS}, False
    if t == "typo_check":
        text, typos = TYPO_TEXTS[0 if good else rng.randrange(1, len(TYPO_TEXTS))]
        return {"text": text, "flagged": list(typos), "typos": list(typos)}, False
    if t == "text":
        return None, False  # the auditor's own words come after the answers: see _texts
    return None, False


@dataclass(frozen=True)
class Wear:
    """How things at a branch break and get fixed, per item: what makes findings persist for a
    few visits (an action to fix), pass again later (confirmed), or come back (a repeat)."""

    first: float = 0.3  # at the first audit, broken with this share of (1 - q)
    breaks: float = 0.1  # a working item breaks before the next audit: this share of (1 - q)
    fixed: float = 0.2  # a broken item is put right before the next audit: this plus half of q


NEGLECT = Wear(breaks=0.5, fixed=0.1)  # a section nobody looks after: breaks often, stays broken


def _still_good(broken: bool | None, q: float, rng: random.Random, wear: Wear = Wear()) -> bool:
    """Whether an item works at this audit, given whether it was broken at the last one (None:
    the first audit) and the branch's quality q for its section."""
    if broken is None:
        return rng.random() >= (1 - q) * wear.first
    if broken:
        return rng.random() < wear.fixed + q / 2
    return rng.random() >= (1 - q) * wear.breaks


def _texts(template: Checklist, answers: dict[str, Answer], cost: dict[str, float], lang: str,
           rng: random.Random, by: str, at: str, clock_facts: dict[str, str]) -> None:
    """The free-text items: what impressed (a pleasant detail) and what spoiled the visit (the
    comment of the costliest finding), in the audit's language."""
    worst = max(cost, key=lambda k: (cost[k], k), default="")
    spoiled = (comment_for(worst.partition(".")[2], lang, **clock_facts)
               or SPOILED_DEFAULT[0 if lang == "ru" else 1])
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
    pool = [(region, place) for region, places in REGIONS.items() for place in places]
    out = []
    for i in range(n):
        region, place = pool[i % len(pool)]
        name, addr, lat, lon = place.name, place.address, place.lat, place.lon
        if i >= len(pool):  # a second branch of the same city, a few streets away
            k = i // len(pool)
            name, addr = f"{name} {k + 1}", f"{addr}, корп. {k + 1}"
            lat, lon = round(lat + 0.004 * k, 4), round(lon - 0.006 * k, 4)
        hours: Week = [HOURS_OFFICE, HOURS_LATE, HOURS_MALL][rng.randrange(3) if i > 2 else i]
        out.append(Location(id=f"loc-{i + 1:03d}", name=name, region=region, address=addr,
                            hours=dict(hours), lat=lat, lon=lon, tz=place.tz))
    return out


def _slug(loc: Location) -> str:
    """The branch's mailbox name: its place's slug, numbered for a second branch of a city."""
    base = next(p.slug for places in REGIONS.values() for p in places if loc.name.startswith(p.name))
    suffix = loc.name.rpartition(" ")[2]
    return f"{base}{suffix}" if suffix.isdigit() else base


def _minutes(hhmm: str) -> int:
    hh, mm = hhmm.split(":")
    return int(hh) * 60 + int(mm)


VISIT_MINUTES = (25, 55)  # from the door to submitting on the phone


def visit_time(loc: Location, day: date, rng: random.Random, first: date) -> datetime:
    """A moment the branch is open, on `day` or the nearest open day before it (after it, when
    that would fall before `first`), with time for the whole visit before it closes; in the
    branch's own zone, returned in UTC."""
    candidates = [day - timedelta(days=k) for k in range(7)]
    candidates = [d for d in candidates if d >= first] + [day + timedelta(days=k) for k in range(1, 7)]
    open_day = next(d for d in candidates if loc.hours.get(WEEKDAYS[d.weekday()]))
    span = loc.hours[WEEKDAYS[open_day.weekday()]] or ["00:00", "23:59"]  # open, as chosen above
    start, close = _minutes(span[0]), _minutes(span[1])
    at = rng.randrange(start + 5, close - VISIT_MINUTES[1] - 5, 5)
    local = datetime.combine(open_day, time(at // 60, at % 60), tzinfo=zone(loc.tz))
    return local.astimezone(UTC)


def posted_span(loc: Location, when: datetime) -> tuple[str, str] | None:
    """The branch's posted hours on the local day of `when` (None: closed that day)."""
    local = when.astimezone(zone(loc.tz))
    span = loc.hours.get(WEEKDAYS[local.weekday()])
    return (span[0], span[1]) if span else None


def _jitter(loc: Location, rng: random.Random, metres: float) -> tuple[float, float]:
    """A phone's reading near the branch: within `metres` of it."""
    lat, lon = loc.lat or 0.0, loc.lon or 0.0  # every demo branch is on the map
    dlat = rng.uniform(-metres, metres) / 111_320
    dlon = rng.uniform(-metres, metres) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


@dataclass(frozen=True)
class Shot:
    """A photo to make: for which audit and item, of what, taken when (local, aware)."""

    audit: int
    key: str
    kind: str
    fixed: bool
    lines: tuple[str, ...]
    taken: datetime
    seed: int


def _make(shot: Shot, photo_store: PhotoStore) -> PreparedPhoto:
    """The shot drawn, prepared like an upload and stored."""
    photo = prepare_photo(scene(shot.kind, shot.seed, fixed=shot.fixed, lines=shot.lines,
                                taken=shot.taken))
    photo_store.put(photo)
    return photo


def _shots(template: Checklist, n: int, cost: dict[str, float], loc: Location, visit: datetime,
           seed: int, rng: random.Random) -> list[Shot]:
    """The photos a shopper takes on this visit, as the checklist asks: what it requires (the
    door's hours sign, a screenshot of a written reply), every finding of an item that wants a
    photo when it fails, and most of the photo items (the entrance, the waiting area)."""
    local = visit.astimezone(zone(loc.tz))
    out: list[Shot] = []
    lines = {"door_sign": tuple(hours_lines(loc.hours, WEEKDAYS)),
             "screen": ("Re: вопрос о тарифе", f"от: {_slug(loc)}@example.com")}
    for section in template.sections:
        for item in section.items:
            key = f"{section.id}.{item.id}"
            kind = SCENE_OF.get(item.id)
            if kind is None:
                continue
            failed = key in cost
            wanted = (item.photo == "required" or (item.photo == "on_fail" and failed)
                      or (item.type == "photo" and rng.random() < 0.3))
            if not wanted:
                continue
            # the sign photographed for the hours is the faded one when that is a finding
            fixed = not failed and not (kind == "door_sign" and "hours.hours-posted" in cost)
            taken = local + timedelta(minutes=2 + 2 * len(out) + rng.randint(0, 1))
            out.append(Shot(n, key, kind, fixed, lines.get(kind, ()), taken,
                            seed * 1_000_000 + n * 40 + len(out)))
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


def _people(locs: list[Location], seed: int, rng: random.Random) -> list[User]:
    """HQ, two reviewers (the west; the Urals, Siberia and the south), six shoppers and a manager
    per branch, each with a mailbox on a reserved domain (example.com/.org: nothing is delivered)."""
    hashed = accounts.hash_password(DEMO_PASSWORD)
    names = iter(_person_names(random.Random(seed + 1)))  # the demo's own draw, apart
    users = [User(name="hq", role="hq", display_name="Анна Соколова", email="hq@example.com",
                  password_hash=hashed)]
    regions = list(dict.fromkeys(loc.region for loc in locs))
    for i, covered in enumerate((regions[:2], regions[2:]), start=1):
        users.append(User(name=f"reviewer{i}", role="reviewer", display_name=next(names),
                          email=f"reviewer{i}@quality.example.org", regions=tuple(covered),
                          password_hash=hashed))
    for i in range(1, 7):
        assigned = tuple(loc.id for j, loc in enumerate(locs) if j % 6 == i - 1)
        users.append(User(name=f"shopper{i}", role="shopper", display_name=next(names),
                          code=f"S-{rng.randrange(16**6):06X}", locations=assigned,
                          password_hash=hashed, any_location=(i == 1)))
    for i, loc in enumerate(locs[:MANAGED]):
        users.append(User(name=f"manager{i + 1}", role="manager", display_name=next(names),
                          email=f"{_slug(loc)}@branches.example.com", locations=(loc.id,),
                          password_hash=hashed))
    return users


MANAGED = 40  # branches with a manager of their own; the rest are audited by HQ


@dataclass(frozen=True)
class DemoResult:
    locations: int
    users: int
    audits: int
    stories: dict[str, str]
    photos: int = 0
    in_review: int = 0  # mystery audits still waiting for their reviewer
    actions: tuple[str, ...] = ()  # what the actions sync said
    visits: int = 0  # planned visits due this week
    messages: int = 0  # e-mails waiting in the outbox (never sent by the demo)


def generate(store: Store, *, seed: int = 1, audits: int = 360, locations: int = 15,
             today: date | None = None, with_users: bool = True, photos: bool = True) -> DemoResult:
    """Fill `store` with a demo network. The same seed and `today` give the same data.

    Visits fall inside each branch's posted hours on its own clock, and what the shopper writes
    names the times of that visit. With `photos`, the photos a checklist asks for and most
    findings that can be seen carry a generated photo, stored through the photo pipeline like an
    upload. With `with_users`, the people then do what the product is for, through the same
    functions the app calls: reviewers comment on, grade and publish the mystery audits
    (`audit.review`), the actions are made by `audit actions sync` (which e-mails only about
    audits that are still news: into the outbox, never sent from here), managers work on some of
    them and HQ verifies some, and HQ plans this week's visits.
    """
    rng = random.Random(seed)
    real_now = clock.now()
    end = today or real_now.date()
    # the demo's "now": the real one on the real today, else midday of `today`
    now = real_now if end == real_now.date() else datetime.combine(end, time(12, 0), tzinfo=UTC)
    install_shipped(store, by="demo")
    templates: list[Checklist] = [get_checklist(store, t) for t in
                                  ("service-point", "staff-conversation", "contact-center")]

    locs = _locations(max(locations, 12), rng)
    for loc in locs:
        store.put_location(loc)

    # the stories HQ should be able to find on the dashboard
    patterns = {loc.id: Pattern(base=rng.uniform(0.72, 0.9)) for loc in locs}
    stories = {
        locs[1].id: "restrooms slipping month by month",
        locs[4].id: "flattering self-audits",
        locs[7].id: "improving month by month",
    }
    patterns[locs[1].id] = Pattern(base=0.85, weak_section="restroom", slip=0.18)
    patterns[locs[4].id] = Pattern(base=0.05, self_bonus=0.5)
    patterns[locs[7].id] = Pattern(base=0.0, monthly_gain=0.09)

    users = _people(locs, seed, rng) if with_users else []
    for u in users:
        store.put_user(u)
    shoppers = [u.name for u in users if u.role == "shopper"] or ["shopper1"]
    position = {loc.id: i for i, loc in enumerate(locs)}

    start_day = end - timedelta(days=364)
    drafts: list[tuple[Audit, Checklist, Location]] = []
    broken: dict[tuple[str, str, str], bool] = {}  # (location, checklist, item): broken at its last audit
    gates = {t.id: {k for s in t.sections for c in (s.when, *(i.when for i in s.items)) if c
                    for k in c.items()} for t in templates}
    shots: list[Shot] = []
    for n in range(audits):
        loc = locs[n % len(locs)]
        pattern = patterns[loc.id]
        mode = "self" if rng.random() < 0.4 else "mystery"
        # spread visits evenly over the 12 months so every month has data, each inside the
        # branch's posted hours on its own clock
        day = start_day + timedelta(days=int((n + rng.random()) * 364 / max(audits, 1)))
        visit = visit_time(loc, day, rng, start_day)
        local = visit.astimezone(zone(loc.tz))
        month_index = (local.year - start_day.year) * 12 + local.month - start_day.month
        template = templates[0] if rng.random() < 0.7 else rng.choice(templates[1:])
        if loc.id in stories:  # a story is told on one checklist, the service point's
            template = templates[0]
        auditor = (rng.choice(shoppers) if mode == "mystery"
                   else f"manager{position[loc.id] + 1}" if position[loc.id] < MANAGED else "hq")
        lang = "ru" if rng.random() < 0.7 else "en"
        at = utc_iso(visit + timedelta(minutes=5))
        span = posted_span(loc, visit)
        facts = {"at": f"{local:%H:%M}", "close": span[1] if span else ""}
        answers: dict[str, Answer] = {}
        for section in template.sections:
            q = pattern.base + pattern.monthly_gain * month_index
            wear = NEGLECT if pattern.monthly_gain else Wear()  # improving: from neglect to care
            if pattern.weak_section and section.id.startswith(pattern.weak_section):
                # weak all year, or good for a season and then slipping
                q = 0.2 if not pattern.slip else 0.95 - pattern.slip * max(0, month_index - 3)
                wear = NEGLECT
            q = _clip(q + rng.gauss(0, 0.05))
            skipped = {"restroom": NO_RESTROOM, "parking": NO_PARKING}.get(section.id, ())
            if section.na and section.na_reason and position[loc.id] in skipped:
                answers[section.id] = Answer(key=section.id, na=True, comment=section.na_reason.get(lang),
                                             by=auditor, at=at)
                continue
            for item in section.items:
                # serious failures are rare even in a weak branch
                qi = 1 - (1 - q) * 0.12 if item.critical else q
                where = (loc.id, template.id, f"{section.id}.{item.id}")
                if where[2] in gates[template.id]:  # what other items depend on: rarely, and not for long
                    works = rng.random() >= (1 - qi) * 0.1
                else:
                    works = _still_good(broken.get(where), qi, rng, wear)
                broken[where] = not works
                # a manager's own audit overlooks what is broken, as much as the branch flatters itself
                seen_good = works or (mode == "self" and rng.random() < 2 * pattern.self_bonus)
                value, na = _answer_value(item, seen_good, rng, loc, visit)
                if value is None and not na:
                    continue
                key = f"{section.id}.{item.id}"
                answers[key] = Answer(key=key, value=value, na=na, by=auditor, at=at)
        # what a condition hides was never asked: no answer for it
        hidden = visibility(template, answers).hidden
        answers = {k: a for k, a in answers.items() if k not in hidden}
        cost = impacts(score_audit(template, answers))
        for key in cost:  # a finding's comment says what was wrong, when there is something to say
            text = comment_for(key.partition(".")[2], lang, **facts)
            if text and rng.random() < 0.45:
                answers[key] = dataclasses.replace(answers[key], comment=text)
        _texts(template, answers, cost, lang, rng, auditor, at, facts)
        if photos:  # drawn from their own stream: the answers are the same with or without photos
            shots += _shots(template, n, cost, loc, visit, seed, random.Random(f"{seed}:{n}"))
        # submitted once the wait is over and the last photo taken
        waited = [parse_utc(a.value["end"]) for a in answers.values()
                  if isinstance(a.value, dict) and "end" in a.value]
        waited += [s.taken for s in shots if s.audit == n]
        submitted = max(visit + timedelta(minutes=rng.randint(*VISIT_MINUTES)),
                        max(waited, default=visit) + timedelta(minutes=7))
        events: list[dict[str, Any]] = [{"type": "started", "by": auditor, "at": utc_iso(visit)}]
        if mode == "mystery":  # where the phone was: the proof of the visit
            for stage_, when in (("start", visit), ("submit", submitted)):
                lat, lon = _jitter(loc, rng, 40)
                d = distance_m(loc.lat or 0.0, loc.lon or 0.0, lat, lon)
                events.append({"type": "position", "stage": stage_, "by": auditor, "at": utc_iso(when),
                               "lat": lat, "lon": lon, "accuracy": float(rng.randint(8, 30)),
                               "distance": round(d, 1)})
        events.append({"type": "submitted", "by": auditor, "at": utc_iso(submitted)})
        header = AuditHeader(
            id=f"demo-{seed}-{n:05d}", template_id=template.id, template_version=template.version,
            location_id=loc.id, mode=mode, auditor=auditor, lang=lang, status="submitted",
            started_at=utc_iso(visit), visit_at=utc_iso(visit), submitted_at=utc_iso(submitted),
            # without people nobody reviews: the bare network has its mystery audits published
            published=mode == "mystery" and not with_users and rng.random() < 0.85,
            events=tuple(sorted(events, key=lambda e: e["at"])),
        )
        drafts.append((Audit(header=header, answers=answers, photos={}), template, loc))

    # drawing works outside the GIL and each stored file is fsynced: a few at a time, the disk's
    # waits overlap the drawing
    photo_store = PhotoStore(store.photo_dir)
    with ThreadPoolExecutor(max_workers=4) as pool:
        prepared = list(pool.map(_make, shots, [photo_store] * len(shots)))
    built: list[tuple[Audit, SummaryRow]] = []
    by_audit: dict[int, list[tuple[Shot, PreparedPhoto]]] = {}
    for shot, photo in zip(shots, prepared, strict=True):
        by_audit.setdefault(shot.audit, []).append((shot, photo))
    for n, (audit, template, loc) in enumerate(drafts):
        answers, refs = dict(audit.answers), {}
        for shot, photo in by_audit.get(n, []):
            refs[photo.sha256] = photo.to_ref(utc_iso(shot.taken))
            was = answers.get(shot.key) or Answer(key=shot.key, by=audit.header.auditor,
                                                  at=utc_iso(shot.taken))
            answers[shot.key] = dataclasses.replace(was, photos=(*was.photos, photo.sha256))
        done = Audit(header=audit.header, answers=answers, photos=refs)
        row = summary_of(done.header, template, answers, score_audit(template, answers), region=loc.region,
                         photos=refs)
        built.append((done, row))
    count = store.import_audits(built)
    generate_voice(store, seed=seed, today=end)  # customers' voice beside the audits
    result = DemoResult(locations=len(locs), users=len(users), audits=count, stories=stories,
                        photos=len(prepared))
    if not with_users:
        return result
    in_review = _review(store, built, users, now, rng, resubmit=photos)
    synced = actions_service.sync(store, now=utc_iso(now))
    _work_on_actions(store, users, locs, now, rng, seed)
    visits = _plan_week(store, users, locs, end, now, seed)
    return dataclasses.replace(result, in_review=in_review, actions=tuple(synced.lines()), visits=visits,
                               messages=len(store.list_messages(("pending",), limit=100_000)))


# -- what the people do -----------------------------------------------------------------------


def _review(store: Store, audits: list[tuple[Audit, SummaryRow]], users: list[User], now: datetime,
            rng: random.Random, *, resubmit: bool) -> int:
    """The reviewers' part, through `audit.review` as on their page: a comment to the shopper on
    some audits, a grade of every report, then the publish; a few audits are sent back first and
    resubmitted. The publish marks each audit as owing its actions; `audit actions sync` makes
    them afterwards, oldest first, e-mailing only about audits still news (publishing through
    `audit.workflow` with past times would e-mail about each as if it were new). Audits submitted
    in the last day or two wait in the review queue. How many wait.

    Only audits with their photos go back (`resubmit`): the submit checks the required ones."""
    reviewers = [u for u in users if u.role == "reviewer"]
    people = {u.name: u for u in users}
    regions = {loc.id: loc.region for loc in store.list_locations()}
    waiting = 0
    mystery = sorted(((a, r) for a, r in audits if a.header.mode == "mystery"),
                     key=lambda ar: ar[0].header.submitted_at)
    # a couple of recent ones go back once
    sent_back = {a.header.id for a, _ in mystery[-12:-4:4]} if resubmit else set()
    for audit, row in mystery:
        h = audit.header
        reviewer = next(u for u in reviewers if regions[h.location_id] in u.regions)
        at = _office_hours(parse_utc(h.submitted_at) + timedelta(days=1), rng)
        if at >= now - timedelta(hours=12) or (audit, row) in mystery[-2:]:
            waiting += 1
            continue
        findings = ([k for k in row.findings if k in audit.answers and audit.answers[k].photos]
                    or list(row.findings))
        lang = h.lang
        if h.id in sent_back:
            key = next(iter(findings), next(iter(audit.answers)))
            review.comment(store, reviewer, h.id, key, pick(REVIEW_COMMENTS[0], lang), now=utc_iso(at))
            review.send_back(store, reviewer, h.id, pick(REVIEW_COMMENTS[1], lang),
                             now=utc_iso(at + timedelta(minutes=3)))
            at += timedelta(hours=5)  # the shopper adds what was asked that evening
            capture.submit(store, people[h.auditor], h.id, now=utc_iso(at))
            at = _office_hours(at + timedelta(days=1), rng)
        elif findings and rng.random() < 0.4:
            text = rng.choice(REVIEW_COMMENTS)
            review.comment(store, reviewer, h.id, rng.choice(findings), pick(text, lang), now=utc_iso(at))
        grade = rng.choice((5, 5, 4, 4, 4, 3))
        review.grade(store, reviewer, h.id, grade, pick(GRADE_NOTES[grade], lang),
                     now=utc_iso(at + timedelta(minutes=2)))
        review.publish(store, reviewer, h.id, now=utc_iso(at + timedelta(minutes=4)))
    return waiting


def _work_on_actions(store: Store, users: list[User], locs: list[Location], now: datetime,
                     rng: random.Random, seed: int) -> None:
    """What the branches did since: at each branch its manager starts one open action, puts
    another right with a note and a photo of the fix; HQ verifies most of those and sends one
    back with a reason. Every step is the app's own (`audit.actions.service`), dated in the
    last days before `now`."""
    people = {u.name: u for u in users}
    hq = people["hq"]
    returned = False
    for i, loc in enumerate(locs):
        ready = sorted((a for a in store.location_actions(loc.id)
                        if a.status == "open" and a.owner in people
                        and a.opened_at < utc_iso(now - timedelta(days=6))),
                       key=lambda a: (a.opened_at, a.id))
        if len(ready) < 2:
            continue
        fixed, started = ready[-1], ready[-2]
        owner = people[fixed.owner]
        tz = zone(loc.tz)
        day = now - timedelta(days=3 + i % 3)
        actions_service.start_work(store, people[started.owner], started.id, now=utc_iso(day))
        kind = SCENE_OF.get(fixed.key.partition(".")[2])
        lang = owner.lang or "ru"
        note = pick(FIX_NOTES.get(kind or "", FIX_NOTE_DEFAULT), lang)
        if kind is not None:
            taken = (day + timedelta(hours=1)).astimezone(tz)
            photo = scene(kind, seed * 7_000 + i, fixed=True, taken=taken,
                          lines=tuple(hours_lines(loc.hours, WEEKDAYS)))
            actions_service.add_evidence(store, owner, fixed.id, photo, now=utc_iso(day + timedelta(hours=1)))
        actions_service.mark_done(store, owner, fixed.id, note, now=utc_iso(day + timedelta(hours=2)))
        verdict = day + timedelta(days=1, hours=rng.randint(0, 5))
        if i % 4 == 3 and not returned:
            actions_service.send_back(store, hq, fixed.id, pick(SEND_BACK_REASON, "ru"), now=utc_iso(verdict))
            returned = True
        elif i % 4 != 2:  # some wait for HQ
            actions_service.verify(store, hq, fixed.id, now=utc_iso(verdict))


REVIEW_ZONE = "Europe/Moscow"  # where the reviewers and HQ work


def _office_hours(after: datetime, rng: random.Random) -> datetime:
    """A moment in the reviewers' working day (Monday to Friday, 10:00–17:00 Moscow time) on the
    day of `after` or the first working day after it."""
    local = after.astimezone(zone(REVIEW_ZONE))
    day = local.date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    minute = rng.randrange(10 * 60, 17 * 60)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone(REVIEW_ZONE)).astimezone(UTC)


FIX_NOTE_DEFAULT = ("Разобрали с командой на утренней встрече, проверяю каждую смену.",
                    "Went through it with the team at the morning meeting; I check it every shift.")
SEND_BACK_REASON = ("На фото не видно, что исправлено: пришлите снимок при дневном свете.",
                    "The photo does not show the fix: send one taken in daylight.")


def _plan_week(store: Store, users: list[User], locs: list[Location], end: date, now: datetime,
               seed: int) -> int:
    """HQ's plan for this week: a mystery visit to a branch in each time zone, 10:00–14:00 on
    each branch's own clock, open since a few days ago (due now, or from Monday). How many visits."""
    hq = next(u for u in users if u.role == "hq")
    per_zone = {loc.tz: loc for loc in reversed(locs)}  # the first branch of each zone
    chosen = sorted({loc.id: loc for loc in (*per_zone.values(), locs[7])}.values(),  # and the improving one
                    key=lambda loc: loc.id)
    plan = Plan(id=f"demo-{seed}-week-{end:%Y%m%d}", template_id="service-point",
                first=end - timedelta(days=3), last=end + timedelta(days=5),
                location_ids=tuple(loc.id for loc in chosen),
                weekdays=tuple(d for d in WEEKDAYS if all(loc.hours.get(d) for loc in chosen)),
                time_from="10:00", time_to="14:00", shoppers=("shopper1",),
                scenario_ru="Спросите о вкладе на полгода и попросите расчёт на бумаге.",
                scenario_en="Ask about a six-month deposit and ask for the figures on paper.")
    return len(visit_service.plan_visits(store, hq, plan, now=utc_iso(now)))
