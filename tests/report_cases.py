"""Audits that stretch the PDF layout: long, short, many photos, very long item texts."""

from __future__ import annotations

import dataclasses
import io
import random
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from audit.checklist.parse import load_checklist, parse_checklist, shipped_dir
from audit.model import Answer, Audit, AuditHeader, Checklist, Item, Location, PhotoRef
from audit.people.audience import BRANCH, View
from audit.photos import prepare_photo
from audit.reports.pdf import AuditContext, render_audit_pdf
from tests.conftest import MINI_YAML

BRANCH_VIEW = View(BRANCH, frozenset())  # what the branch sees of a mystery audit: none of the facts

VISIT = "2025-03-14T12:30:00+03:00"
LOCATION = Location(id="loc-001", name="Тверская", region="Москва", address="ул. Тверская, 12")
CONTEXT = AuditContext(previous_score=61.4, previous_at="2025-02-11T15:00:00+03:00", network_score=74.8,
                       network_audits=23, period="2025-03")
COMMENTS = [
    "У входа лужа, уборщица мыла пол прямо в проходе, пришлось обходить по краю.",
    "Сотрудник был приветлив, но дважды отвлекался на телефон во время разговора.",
    "Кулер с водой пуст, кофемашина не работает; табличка «скоро починим» висит давно.",
]


def photo_bytes(seed: int) -> bytes:
    rnd = random.Random(seed)
    im = Image.new("RGB", (1200, 900), (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    draw = ImageDraw.Draw(im)
    for _ in range(10):
        x, y = rnd.randrange(1100), rnd.randrange(800)
        draw.rectangle((x, y, x + 200, y + 120), fill=(rnd.randrange(256), 120, rnd.randrange(256)))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=80)
    return out.getvalue()


class PhotoFiles:
    """Display copies written to a folder, handed to the report by path as the app does."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.refs: dict[str, PhotoRef] = {}

    def add(self, seed: int, **ref: Any) -> str:
        prepared = prepare_photo(photo_bytes(seed))
        (self.folder / f"{prepared.sha256}.jpg").write_bytes(prepared.display)
        self.refs[prepared.sha256] = dataclasses.replace(prepared.to_ref(VISIT), **ref)
        return prepared.sha256

    def get(self, sha256: str) -> Path | None:
        path = self.folder / f"{sha256}.jpg"
        return path if path.exists() else None


def answer_for(item: Item, n: int, bad_every: int = 5) -> Any:
    good = n % bad_every != 0
    if item.type == "yes_no":
        return good
    if item.type == "scale":
        return item.scale_max if good else item.scale_min + 1
    if item.type == "choice":
        ranked = sorted(item.options, key=lambda o: -o.score)
        return ranked[0 if good else -1].id
    if item.type == "multi":
        return [o.id for o in item.options[: (len(item.options) if good else 1)]]
    if item.type == "number":
        return 1.0 if good else 95.0
    if item.type == "wait_time":
        return {"start": "2025-03-14T12:31:05+03:00", "end": "2025-03-14T12:38:40+03:00"}
    if item.type == "hours":
        week: dict[str, list[str] | None] = {d: ["09:00", "18:00"] for d in ("mon", "tue", "wed", "thu",
                                                                             "fri")}
        week.update(sat=["10:00", "16:00"], sun=None)
        return week
    if item.type == "typo_check":
        return {"text": "Наш офис открыт ежедневно. Звонитте нам в любое время, мы всегда расды помочь.",
                "flagged": ["Звонитте", "расды"], "typos": ["Звонитте", "расды"]}
    if item.type == "text":
        return ("Визит в целом прошёл хорошо: встретили быстро, но консультант не предложил карту "
                "и не взял контакт. У входа была лужа.")
    return None


def answered(checklist: Checklist, photos: PhotoFiles, *, photo_every: int = 4, max_photos: int = 20,
             per_item: int = 1) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    used = 0
    for n, (section, item) in enumerate(checklist.items()):
        key = f"{section.id}.{item.id}"
        shas: tuple[str, ...] = ()
        if n % photo_every == 0 and used < max_photos:
            shas = tuple(photos.add(1000 + used * per_item + i) for i in range(per_item))
            used += 1
        comment = COMMENTS[n % 3] if n % 4 == 0 else ""
        answers[key] = Answer(key=key, value=answer_for(item, n), comment=comment,
                              photos=shas)
    return answers


def audit_of(checklist: Checklist, answers: dict[str, Answer], photos: PhotoFiles,
             mode: str = "mystery") -> Audit:
    header = AuditHeader(id="layout-1", template_id=checklist.id, template_version=checklist.version,
                         location_id=LOCATION.id, mode=mode, auditor="shopper1", lang="ru",
                         status="submitted",
                         started_at=VISIT, visit_at=VISIT, submitted_at=VISIT)
    return Audit(header=header, answers=answers, photos=dict(photos.refs))


def long_texts(checklist: Checklist) -> Checklist:
    """Every item text 300 characters long, section titles long too."""
    filler = (" — проверьте внимательно, как это выглядит для клиента, который пришёл впервые и ничего "
              "здесь не знает, в будний день в обеденное время при полной загрузке отделения")
    filler_en = (" — check carefully how this looks to a customer who comes for the first time and knows "
                 "nothing here, on a weekday at lunchtime when the branch is at its busiest")

    def stretch(text: str, extra: str) -> str:
        return (text + extra * 3)[:300]

    sections = []
    for s in checklist.sections:
        items = tuple(dataclasses.replace(i, text=dataclasses.replace(
            i.text, ru=stretch(i.text.ru, filler), en=stretch(i.text.en, filler_en))) for i in s.items)
        sections.append(dataclasses.replace(s, items=items, title=dataclasses.replace(
            s.title, ru=s.title.ru + " и всё, что с этим связано",
            en=s.title.en + " and all that goes with it")))
    return dataclasses.replace(checklist, sections=tuple(sections))


def render_case(name: str, folder: Path, lang: str = "ru") -> bytes:
    """One of: long (86 items, 20 photos), short (the mini checklist), photos30, texts300."""
    photos = PhotoFiles(folder)
    if name == "short":
        checklist = parse_checklist(MINI_YAML)
        answers = answered(checklist, photos, photo_every=3, max_photos=2)
    else:
        checklist = load_checklist(shipped_dir() / "service-point.yaml")
        if name == "texts300":
            checklist = long_texts(checklist)
        if name == "photos30":
            answers = answered(checklist, photos, photo_every=9, max_photos=10, per_item=3)
        else:
            answers = answered(checklist, photos)
    audit = audit_of(checklist, answers, photos)
    return render_audit_pdf(audit, checklist, location=LOCATION, lang=lang, auditor_label="S-1A2B3C",
                            photo=photos.get, generated_at="2025-03-15T09:00:00+03:00",
                            view=BRANCH_VIEW,
                            context=CONTEXT, tz="Europe/Moscow")


CASES = ("long", "short", "photos30", "texts300")
