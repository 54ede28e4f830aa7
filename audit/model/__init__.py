"""Frozen values the whole product speaks in: checklists, audits, answers, photos, scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Lang = Literal["ru", "en"]
LANGS: tuple[Lang, ...] = ("ru", "en")

ITEM_TYPES = (
    "yes_no",
    "scale",
    "choice",
    "multi",
    "number",
    "wait_time",
    "hours",
    "typo_check",
    "text",
    "photo",
)
UNSCORED_TYPES = ("text", "photo")
PHOTO_RULES = ("none", "optional", "required", "on_fail")
LEVEL_KEYS = ("disappointment", "average", "wow")
MODES = ("mystery", "self")
ROLES = ("shopper", "manager", "reviewer", "hq")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Text:
    """A text in both product languages."""

    ru: str
    en: str

    def get(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en


@dataclass(frozen=True)
class Option:
    id: str
    text: Text
    score: float


@dataclass(frozen=True)
class Band:
    """Values up to `max` (inclusive) score `score`; the last band has no max."""

    score: float
    max: float | None = None
    min: float | None = None


@dataclass(frozen=True)
class HoursRule:
    """What makes opening hours customer-friendly: open evenings, open a weekend day."""

    evening_after: str | None = "19:00"
    weekend: bool = True


@dataclass(frozen=True)
class Condition:
    """When an item or a section applies, as data: `audit.checklist.conditions` evaluates it.

    `op` is "is" (a test on one answer), "any", "all" or "not" (of `parts`). An "is" test
    names the item by its full key and matches when the item is shown, answered, not N/A,
    and its value is one of `values` (yes_no: true/false; choice: an option id; multi: any
    chosen option id; scale, number: a number) and within `min`..`max` (inclusive; scale,
    number, wait_time in minutes).
    """

    op: str
    item: str = ""
    values: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    parts: tuple[Condition, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-ready data, the YAML's shape with full keys: what a phone evaluates."""
        if self.op in ("any", "all"):
            return {self.op: [p.to_data() for p in self.parts]}
        if self.op == "not":
            return {"not": self.parts[0].to_data()}
        out: dict[str, Any] = {"item": self.item}
        if self.values:
            out["is"] = list(self.values)
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        return out

    def items(self) -> tuple[str, ...]:
        """Every item key this condition reads."""
        if self.op == "is":
            return (self.item,)
        return tuple(k for p in self.parts for k in p.items())


@dataclass(frozen=True)
class Item:
    id: str
    text: Text
    type: str
    weight: float = 1.0
    critical: bool = False
    na: bool = False
    photo: str = "none"
    required: bool = True
    guidance: Text | None = None
    scale_min: int = 1
    scale_max: int = 5
    options: tuple[Option, ...] = ()
    bands: tuple[Band, ...] = ()
    hours: HoursRule | None = None
    unit: Text | None = None
    when: Condition | None = None  # shown and scored only when this matches
    summary: bool = False  # a text item holding the auditor's own summary of the visit
    # the shopper's expectation of its section, asked before the section (see Expectation):
    # never scored, never a finding
    expectation: bool = False

    @property
    def is_scored(self) -> bool:
        return self.type not in UNSCORED_TYPES and not self.expectation

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


# what a shopper's expectation of a section is measured in
EXPECT_KINDS = ("minutes", "scale")
EXPECTATION_ITEM = "expected"  # the id of the item that asks it, first in its section
# where what a shopper got falls against what they expected (audit.scoring.expect.where_of)
EXPECT_WHERE = ("below", "met", "above")


@dataclass(frozen=True)
class Expectation:
    """What the shopper expected of a section before meeting it, to set against what they got.

    `minutes`: the wait expected, against the minutes of the section's `against` item (a
    wait_time or number item). `scale`: 1–5, against the `against` scale item mapped onto 1–5,
    or without one against the section's score (0% → 1, 100% → 5). `standard` is the brand's
    standard from the checklist: shown beside the question, or — when `asked` is false — the
    expectation itself.
    """

    kind: str
    against: str = ""
    standard: float | None = None
    asked: bool = True


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    items: tuple[Item, ...]
    weight: float = 1.0
    description: Text | None = None
    when: Condition | None = None  # the whole section is shown and scored only when this matches
    na: bool = False  # the whole section may be answered N/A in one tap, with a reason
    na_reason: Text | None = None  # the reason offered for that tap ("no customer restroom")
    # customer-facing: what a customer calls this touchpoint on the voice page ("The restroom");
    # None: customers are not asked about it
    customer: Text | None = None
    expect: Expectation | None = None  # the shopper's expectation, asked before the section

    @property
    def is_customer_facing(self) -> bool:
        return self.customer is not None


@dataclass(frozen=True)
class Level:
    min: float
    key: str
    title: Text | None = None


@dataclass(frozen=True)
class Checklist:
    id: str
    version: int
    title: Text
    levels: tuple[Level, ...]
    sections: tuple[Section, ...]
    critical_cap: float = 0.0
    description: Text | None = None

    def items(self) -> list[tuple[Section, Item]]:
        return [(s, i) for s in self.sections for i in s.items]

    def item(self, key: str) -> Item | None:
        section_id, _, item_id = key.partition(".")
        for section in self.sections:
            if section.id == section_id:
                return next((i for i in section.items if i.id == item_id), None)
        return None

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


def item_key(section: Section | str, item: Item | str) -> str:
    """The one name of an item across YAML, answers and UI widget keys."""
    s = section if isinstance(section, str) else section.id
    i = item if isinstance(item, str) else item.id
    return f"{s}.{i}"


@dataclass(frozen=True)
class Answer:
    """One saved answer. `value`'s shape depends on the item type (see DESIGN.md)."""

    key: str
    value: Any = None
    na: bool = False
    comment: str = ""
    photos: tuple[str, ...] = ()
    by: str = ""
    at: str = ""

    @property
    def is_answered(self) -> bool:
        # an empty multi choice is an answer ("none of these"); a blank text is not
        return self.na or (self.value is not None and self.value != "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "na": self.na,
            "comment": self.comment,
            "photos": list(self.photos),
            "by": self.by,
            "at": self.at,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        return cls(
            key=d["key"],
            value=d.get("value"),
            na=bool(d.get("na", False)),
            comment=d.get("comment", "") or "",
            photos=tuple(d.get("photos", ()) or ()),
            by=d.get("by", "") or "",
            at=d.get("at", "") or "",
        )


@dataclass(frozen=True)
class PhotoRef:
    """A stored photo: content address plus what HQ needs to trust it."""

    sha256: str
    width: int
    height: int
    size: int
    uploaded_at: str
    captured_at: str | None = None
    gps: tuple[float, float] | None = None
    phash: str = ""
    source_format: str = ""
    caption: str = ""
    flags: tuple[str, ...] = ()
    # what the phone read from the original before sending a lighter copy (capture time,
    # GPS, the original's size): recorded as the phone's word, apart from what the server read
    reported: dict[str, Any] = field(default_factory=dict)
    # the server-issued id of the upload that brought the photo into this audit: what a
    # phone names to attach it (never the hash, which anyone may know of a photo elsewhere)
    upload: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "upload": self.upload,
            "width": self.width,
            "height": self.height,
            "size": self.size,
            "uploaded_at": self.uploaded_at,
            "captured_at": self.captured_at,
            "gps": list(self.gps) if self.gps else None,
            "phash": self.phash,
            "source_format": self.source_format,
            "caption": self.caption,
            "flags": list(self.flags),
            "reported": dict(self.reported),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PhotoRef:
        gps = d.get("gps")
        return cls(
            sha256=d["sha256"],
            width=int(d.get("width", 0)),
            height=int(d.get("height", 0)),
            size=int(d.get("size", 0)),
            uploaded_at=d.get("uploaded_at", ""),
            captured_at=d.get("captured_at"),
            gps=(float(gps[0]), float(gps[1])) if gps else None,
            phash=d.get("phash", ""),
            source_format=d.get("source_format", ""),
            caption=d.get("caption", ""),
            flags=tuple(d.get("flags", ())),
            reported=dict(d.get("reported") or {}),
            upload=d.get("upload", "") or "",
        )


@dataclass(frozen=True)
class Location:
    id: str
    name: str
    region: str
    address: str = ""
    hours: dict[str, list[str] | None] = field(default_factory=dict)
    active: bool = True
    lat: float | None = None  # where the branch is: proof of visit measures distances from it
    lon: float | None = None
    tz: str = ""  # IANA time zone name; times of this location are shown in it

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "region": self.region,
            "address": self.address,
            "hours": self.hours,
            "active": self.active,
            "lat": self.lat,
            "lon": self.lon,
            "tz": self.tz,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Location:
        return cls(
            id=d["id"],
            name=d["name"],
            region=d.get("region", ""),
            address=d.get("address", ""),
            hours=dict(d.get("hours") or {}),
            active=bool(d.get("active", True)),
            lat=None if d.get("lat") is None else float(d["lat"]),
            lon=None if d.get("lon") is None else float(d["lon"]),
            tz=d.get("tz", "") or "",
        )


@dataclass(frozen=True)
class User:
    name: str
    role: str
    locations: tuple[str, ...] = ()
    display_name: str = ""
    email: str = ""
    code: str = ""
    password_hash: str = ""
    disabled: bool = False
    failed_logins: int = 0
    locked_until: str = ""
    any_location: bool = False
    regions: tuple[str, ...] = ()  # the regions a reviewer covers
    lang: str = ""  # the language of their e-mails; "" means the product's default

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "locations": list(self.locations),
            "display_name": self.display_name,
            "email": self.email,
            "code": self.code,
            "password_hash": self.password_hash,
            "disabled": self.disabled,
            "failed_logins": self.failed_logins,
            "locked_until": self.locked_until,
            "any_location": self.any_location,
            "regions": list(self.regions),
            "lang": self.lang,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> User:
        return cls(
            name=d["name"],
            role=d["role"],
            locations=tuple(d.get("locations", ())),
            display_name=d.get("display_name", ""),
            email=d.get("email", ""),
            code=d.get("code", ""),
            password_hash=d.get("password_hash", ""),
            disabled=bool(d.get("disabled", False)),
            failed_logins=int(d.get("failed_logins", 0)),
            locked_until=d.get("locked_until", ""),
            any_location=bool(d.get("any_location", False)),
            regions=tuple(d.get("regions", ()) or ()),
            lang=d.get("lang", "") or "",
        )


@dataclass(frozen=True)
class AuditHeader:
    """Everything about an audit except its answers; lives in the audit's own file."""

    id: str
    template_id: str
    template_version: int
    location_id: str
    mode: str
    auditor: str
    lang: str
    status: str = "draft"  # draft | submitted
    started_at: str = ""
    visit_at: str = ""
    submitted_at: str = ""
    published: bool = False
    events: tuple[dict[str, Any], ...] = ()
    section: str = ""  # where the walkthrough was left, so a reload or another device resumes there
    visit_id: str = ""  # the planned visit this audit carries out, if any
    # the audit became final and its corrective actions may not be made yet: set in the same
    # step as the state change, cleared when the action hook has run (a start finishes it)
    actions_due: bool = False
    # submitted on the phone with photos still on their way: the photos (sha256) it waits
    # for. A draft locked for answers that nobody else reads yet; the last photo to land
    # submits it (audit.workflow.photo_landed).
    arriving: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**({"actions_due": True} if self.actions_due else {}),
            **({"arriving": list(self.arriving)} if self.arriving else {}),
            "id": self.id,
            "template_id": self.template_id,
            "template_version": self.template_version,
            "location_id": self.location_id,
            "mode": self.mode,
            "auditor": self.auditor,
            "lang": self.lang,
            "status": self.status,
            "started_at": self.started_at,
            "visit_at": self.visit_at,
            "submitted_at": self.submitted_at,
            "published": self.published,
            "events": list(self.events),
            "section": self.section,
            "visit_id": self.visit_id,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AuditHeader:
        return cls(
            id=d["id"],
            template_id=d["template_id"],
            template_version=int(d["template_version"]),
            location_id=d["location_id"],
            mode=d["mode"],
            auditor=d["auditor"],
            lang=d.get("lang", "en"),
            status=d.get("status", "draft"),
            started_at=d.get("started_at", ""),
            visit_at=d.get("visit_at", ""),
            submitted_at=d.get("submitted_at", ""),
            published=bool(d.get("published", False)),
            events=tuple(d.get("events", ())),
            section=d.get("section", ""),
            visit_id=d.get("visit_id", "") or "",
            actions_due=bool(d.get("actions_due", False)),
            arriving=tuple(str(x) for x in d.get("arriving", ()) or ()),
        )


@dataclass(frozen=True)
class Audit:
    header: AuditHeader
    answers: dict[str, Answer]
    photos: dict[str, PhotoRef] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.header.id

    @property
    def is_draft(self) -> bool:
        return self.header.status == "draft"


# --- scores -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemScore:
    key: str
    earned: float
    possible: float
    fraction: float | None  # None: N/A, unanswered or unscored
    why: str  # plain-language reason, in English; UI and PDF rebuild it from `reason`
    reason: tuple[str, dict[str, Any]] = ("", {})
    is_finding: bool = False
    is_critical_failure: bool = False


@dataclass(frozen=True)
class SectionScore:
    id: str
    earned: float
    possible: float
    weight: float
    items: tuple[ItemScore, ...]

    @property
    def percent(self) -> float | None:
        return None if self.possible <= 0 else 100.0 * self.earned / self.possible


@dataclass(frozen=True)
class AuditScore:
    sections: tuple[SectionScore, ...]
    computed: float | None
    overall: float | None  # after the critical cap
    level: str | None
    critical_failures: tuple[str, ...]
    cap: float | None

    @property
    def is_critical_failure(self) -> bool:
        return bool(self.critical_failures)

    def item(self, key: str) -> ItemScore | None:
        for s in self.sections:
            for i in s.items:
                if i.key == key:
                    return i
        return None

    @property
    def findings(self) -> list[ItemScore]:
        return [i for s in self.sections for i in s.items if i.is_finding]


@dataclass(frozen=True)
class SummaryRow:
    """One row per audit in the index: all the dashboard reads."""

    audit_id: str
    location_id: str
    region: str
    template_id: str
    template_version: int
    mode: str
    auditor: str
    status: str
    started_at: str
    visit_at: str = ""
    submitted_at: str = ""
    published: bool = False
    overall: float | None = None
    computed: float | None = None
    level: str | None = None
    critical: tuple[str, ...] = ()
    sections: dict[str, float | None] = field(default_factory=dict)
    findings: tuple[str, ...] = ()
    na: tuple[str, ...] = ()
    answered: int = 0
    total: int = 0
    # points of 100 each finding cost the overall (audit.scoring.score.impacts), rounded to 0.01
    lost: dict[str, float] = field(default_factory=dict)
    # scored items that did not apply for another reason than their own N/A: hidden by a
    # condition, in a section answered N/A, or left unanswered
    skipped: tuple[str, ...] = ()
    arriving: int = 0  # a draft submitted on the phone: photos still on their way
    # the shopper's expected against got per section that declares an expectation, both known
    # (audit.scoring.expect): section id → (expected, got in the section's own unit, where
    # got falls: one of EXPECT_WHERE)
    expectations: dict[str, tuple[float, float, str]] = field(default_factory=dict)
    # when the store last wrote the row (audit.store.integrations.stamp): set by the store as it
    # writes, read back from it, never part of what makes two rows equal
    changed_at: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {**({"arriving": self.arriving} if self.arriving else {}),
            "audit_id": self.audit_id,
            "location_id": self.location_id,
            "region": self.region,
            "template_id": self.template_id,
            "template_version": self.template_version,
            "mode": self.mode,
            "auditor": self.auditor,
            "status": self.status,
            "started_at": self.started_at,
            "visit_at": self.visit_at,
            "submitted_at": self.submitted_at,
            "published": self.published,
            "overall": self.overall,
            "computed": self.computed,
            "level": self.level,
            "critical": list(self.critical),
            "sections": dict(self.sections),
            "findings": list(self.findings),
            "na": list(self.na),
            "answered": self.answered,
            "total": self.total,
            "lost": dict(self.lost),
            "skipped": list(self.skipped),
            **({"expect": {k: list(v) for k, v in self.expectations.items()}}
               if self.expectations else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SummaryRow:
        return cls(
            audit_id=d["audit_id"],
            location_id=d["location_id"],
            region=d.get("region", ""),
            template_id=d["template_id"],
            template_version=int(d["template_version"]),
            mode=d["mode"],
            auditor=d["auditor"],
            status=d["status"],
            started_at=d.get("started_at", ""),
            visit_at=d.get("visit_at", ""),
            submitted_at=d.get("submitted_at", ""),
            published=bool(d.get("published", False)),
            overall=d.get("overall"),
            computed=d.get("computed"),
            level=d.get("level"),
            critical=tuple(d.get("critical", ())),
            sections=dict(d.get("sections") or {}),
            findings=tuple(d.get("findings", ())),
            na=tuple(d.get("na", ())),
            answered=int(d.get("answered", 0)),
            total=int(d.get("total", 0)),
            lost={str(k): float(v) for k, v in (d.get("lost") or {}).items()},
            skipped=tuple(d.get("skipped", ())),
            arriving=int(d.get("arriving", 0) or 0),
            expectations={str(k): (float(v[0]), float(v[1]), str(v[2]))
                          for k, v in (d.get("expect") or {}).items()},
            changed_at=str(d.get("changed_at", "") or ""),
        )


def wait_minutes(value: Any) -> float | None:
    """Minutes waited: typed minutes win; otherwise the stopwatch's end − start."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, dict):
        return None
    typed = value.get("minutes")
    if isinstance(typed, (int, float)) and not isinstance(typed, bool):
        return float(typed)
    start, end = value.get("start"), value.get("end")
    if start and end:
        try:
            delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
        except (TypeError, ValueError):  # stored before the stopwatch's times were checked
            return None
        return max(0.0, delta.total_seconds() / 60.0)
    return None
