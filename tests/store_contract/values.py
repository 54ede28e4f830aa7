"""What the store contract feeds both stores: real model values, made by the product's own code
where it has a maker (templates, audits, visit plans, action ids), directly otherwise.

People are User values put as they are: no password is hashed, so no test pays for argon2.
"""

from __future__ import annotations

import hashlib
import io
import random
from collections.abc import Iterable
from datetime import date
from typing import Any

from PIL import Image

from audit import workflow
from audit.actions.service import action_id
from audit.audits import capture as audits
from audit.checklist.templates import add_template, get_checklist
from audit.model import AuditHeader, Location, PhotoRef, SummaryRow, User
from audit.model.actions import Action, Message
from audit.model.visits import Plan, Visit
from audit.store import Store
from audit.visits.plans import expand
from tests.conftest import MINI_YAML, answer_mini

LOC_A = Location(id="loc-a", name="Арбат", region="Москва", address="ул. Арбат, 1",
                 hours={"mon": ["09:00", "20:00"], "sun": None}, lat=55.752, lon=37.592,
                 tz="Europe/Moscow")
LOC_B = Location(id="loc-b", name="Невский", region="СПб", address="Невский, 2",
                 tz="Europe/Moscow")
LOCATIONS = {loc.id: loc for loc in (LOC_A, LOC_B)}

SAM = User(name="sam", role="shopper", locations=("loc-a",), code="S-1")
SUE = User(name="sue", role="shopper", locations=("loc-a", "loc-b"), code="S-2")
MIA = User(name="mia", role="manager", locations=("loc-a",))
BOSS = User(name="boss", role="hq")
PEOPLE = {u.name: u for u in (SAM, SUE, MIA, BOSS)}

# a second checklist: the mini one under another id, for filters by template
OTHER_YAML = MINI_YAML.replace("id: mini\n", "id: other\n", 1).replace("Mini check", "Other check")

# list rows (a person's index, the network's latest) may leave these out
NOT_LISTED = ("sections", "findings", "na", "lost", "skipped")


def network(store: Store, *, other: bool = False) -> None:
    """Two locations and the mini checklist (and the `other` one): what audits need."""
    store.put_location(LOC_A)
    store.put_location(LOC_B)
    add_template(store, MINI_YAML, by="test")
    if other:
        add_template(store, OTHER_YAML, by="test")


def photo_ref(n: int, *, caption: str = "") -> PhotoRef:
    """A stored photo's record: a real sha256 and an informative 64-bit hash."""
    rnd = random.Random(n)
    phash = f"{rnd.getrandbits(64) | (0xFF << 20):016x}"
    return PhotoRef(sha256=hashlib.sha256(f"photo {n}".encode()).hexdigest(), width=640,
                    height=480, size=1000 + n, uploaded_at="2025-03-04T10:05:00+00:00",
                    captured_at="2025-03-04T10:04:00", gps=(55.75, 37.59), phash=phash,
                    source_format="JPEG", caption=caption, flags=("old",),
                    reported={"size": 4_000_000 + n})


def near(phash: str, bits: int) -> str:
    """The hash with its `bits` lowest bits flipped."""
    return f"{int(phash, 16) ^ ((1 << bits) - 1):016x}"


def jpeg(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def start(store: Store, who: User, audit_id: str, at: str, *, location: str = "loc-a",
          mode: str = "mystery", template: str = "mini") -> AuditHeader:
    return audits.start_audit(store, who, location_id=location, template_id=template, mode=mode,
                              lang="ru", visit_at=at, now=at, audit_id=audit_id)


def draft_row(store: Store, header: AuditHeader) -> SummaryRow:
    """The row a new draft has: the product's own summary of a header without answers."""
    checklist = get_checklist(store, header.template_id, header.template_version)
    return audits.summary_of(header, checklist, {}, region=LOCATIONS[header.location_id].region)


def submitted(store: Store, who: User, audit_id: str, at: str, *, photo: int = 1,
              submit_at: str | None = None, location: str = "loc-a", mode: str = "mystery",
              template: str = "mini", **answers: object) -> SummaryRow:
    """A started, answered (with the facade photo) and submitted audit; its row."""
    start(store, who, audit_id, at, location=location, mode=mode, template=template)
    answer_mini(store, who, audit_id, **answers)
    audits.attach_photo(store, who, audit_id, "office.facade", photo_ref(photo), now=at)
    return workflow.submit(store, who, audit_id, now=submit_at or at)


def listed(row: SummaryRow) -> dict[str, Any]:
    """What every list of rows keeps of a row."""
    return {k: v for k, v in row.to_dict().items() if k not in NOT_LISTED}


def newest_first(rows: Iterable[SummaryRow]) -> list[SummaryRow]:
    return sorted(rows, key=lambda r: (r.visit_at or r.started_at, r.audit_id), reverse=True)


def action(location: Location, audit_id: str, key: str, **changes: Any) -> Action:
    """One corrective action with every field set, its id from the product's action_id."""
    fields: dict[str, Any] = {
        "id": action_id(location.id, audit_id, key), "location_id": location.id,
        "region": location.region, "audit_id": audit_id, "template_id": "mini",
        "template_version": 1, "mode": "mystery", "key": key, "section": key.partition(".")[0],
        "answer": {"minutes": 12}, "comment": "Ждали долго", "photos": (photo_ref(9).sha256,),
        "loss": 4.25, "critical": False, "owner": "", "due": "2025-04-01", "status": "open",
        "evidence": (photo_ref(8),), "created_at": "2025-03-04T10:00:00+00:00",
        "opened_at": "2025-03-04T10:00:00+00:00", "updated_at": "2025-03-04T10:00:00+00:00",
        "seen": (audit_id,),
        "history": ({"type": "created", "by": "", "at": "2025-03-04T10:00:00+00:00"},),
    }
    fields.update(changes)
    return Action(**fields)


def message(n: int, created_at: str, **changes: Any) -> Message:
    fields: dict[str, Any] = {
        "id": f"msg-{n:03d}", "to": f"person{n}@example.org", "user": f"person{n}", "lang": "ru",
        "kind": "test", "subject": f"Письмо {n}", "body": f"Текст письма {n}\n",
        "created_at": created_at, "meta": {"n": n, "audit": f"audit-{n:02d}"},
    }
    fields.update(changes)
    return Message(**fields)


def plan(plan_id: str, created_at: str, *, shoppers: tuple[str, ...] = ("sam",),
         location_ids: tuple[str, ...] = ("loc-a", "loc-b")) -> tuple[Plan, list[Visit]]:
    """A plan of one visit a month in March and April 2025, and the visits the product makes of it."""
    p = Plan(id=plan_id, template_id="mini", first=date(2025, 3, 1), last=date(2025, 4, 30),
             location_ids=location_ids, per_month=1, shoppers=shoppers,
             scenario_ru="Спросите про вклад", scenario_en="Ask about a deposit",
             created_by="boss", created_at=created_at)
    return p, expand(p, LOCATIONS, PEOPLE)
