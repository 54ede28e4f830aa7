"""Benchmark: the audit PDF of a service-point audit with 20 phone photos, against a bare floor.

The report has its summary page (score, comparisons, the three costliest findings with their
photo, strengths), the findings sorted by what they cost, every section and the appendix.
The audit is the shipped service-point checklist (95 items, more than the 60 asked for),
answered deterministically, with comments on a quarter of the items and 20 distinct
12 MP phone photos, prepared to display copies by audit.photos.prepare_photo the way an
upload is. The floor is the least a PDF with the same content costs in ReportLab: a
SimpleDocTemplate with the same paragraphs (item texts, answers, comments) in the same
TrueType font and the same 20 JPEG files as Image flowables read from disk, useA85 = 0; the
report reads the same files by path, as the app hands them over. Both run interleaved in one
process; the figures are medians. The floor leaves out the items a condition hides, as the
report does; every word of the floor and every photo file must be in the report, or the
script stops with an error.

    python benchmarks/report.py [--tiny]  # --tiny: 4 photos, 3 runs, a few seconds
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reportlab import rl_config  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.platypus import Image as RLImage  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate  # noqa: E402

from audit.checklist.conditions import visibility  # noqa: E402
from audit.checklist.parse import load_checklist, shipped_dir  # noqa: E402
from audit.i18n import answer_text  # noqa: E402
from audit.model import Answer, Audit, AuditHeader, Checklist, Item, Location, item_key  # noqa: E402
from audit.people import audience  # noqa: E402
from audit.photos import prepare_photo  # noqa: E402
from audit.reports.pdf import AuditContext, Brand, render_audit_pdf  # noqa: E402

PHONE_SIZE = (4032, 3024)
PHOTOS = 20
RUNS = 15
LANG = "ru"
COMMENTS = [
    "У входа лужа, уборщица мыла пол прямо в проходе, пришлось обходить по краю.",
    "Сотрудник был приветлив, но дважды отвлекался на телефон во время разговора.",
    "Staff member was friendly but kept checking their phone.",
    "Кулер с водой пуст, кофемашина не работает; табличка «скоро починим» висит давно.",
    "Парковка занята машинами сотрудников, свободных мест для клиентов не было.",
]


def phone_jpeg(seed: int) -> bytes:
    """A 12 MP JPEG that compresses like a phone photo: a blurred scene with sensor grain."""
    rnd = random.Random(seed)
    sw, sh = PHONE_SIZE[0] // 4, PHONE_SIZE[1] // 4
    ground = (rnd.randrange(80, 200), rnd.randrange(80, 200), rnd.randrange(80, 200))
    scene = Image.new("RGB", (sw, sh), ground)
    draw = ImageDraw.Draw(scene)
    for _ in range(80):
        x0, y0 = rnd.randrange(sw), rnd.randrange(sh)
        box = (x0, y0, x0 + rnd.randrange(20, sw // 3), y0 + rnd.randrange(20, sh // 3))
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        (draw.rectangle if rnd.random() < 0.6 else draw.ellipse)(box, fill=colour)
    scene = scene.filter(ImageFilter.GaussianBlur(1)).resize(PHONE_SIZE, Image.Resampling.BILINEAR)
    grain = Image.effect_noise(PHONE_SIZE, 30).convert("RGB")
    out = io.BytesIO()
    Image.blend(scene, grain, 0.15).save(out, "JPEG", quality=90)
    return out.getvalue()


def answer_for(item: Item, n: int) -> object:
    """A deterministic answer: mostly good, every fifth item a finding."""
    good = n % 5 != 0
    if item.type == "yes_no":
        return good
    if item.type == "scale":
        return item.scale_max if good else item.scale_min + 1
    if item.type == "choice":
        ranked = sorted(item.options, key=lambda o: -o.score)
        return ranked[0 if good else -1].id
    if item.type == "multi":
        return [o.id for o in item.options[: (len(item.options) if good else 1)]]
    if item.type in ("number",):
        return 1.0 if good else 50.0
    if item.type == "wait_time":
        return {"start": "2025-03-14T12:31:05+03:00", "end": "2025-03-14T12:38:40+03:00"}
    if item.type == "hours":
        week: dict[str, list[str] | None] = {d: ["09:00", "18:00"]
                                             for d in ("mon", "tue", "wed", "thu", "fri")}
        week.update(sat=["10:00", "16:00"], sun=None)
        return week
    if item.type == "typo_check":
        return {"text": "Наш офис открыт ежедневно. Звонитте нам в любое время, мы всегда расды помочь.",
                "flagged": ["Звонитте", "расды"], "typos": ["Звонитте", "расды"]}
    if item.type == "text":
        return "Общее впечатление хорошее, но ожидание затянулось."
    return None


def build(photo_count: int = PHOTOS) -> tuple[Audit, Checklist, dict[str, bytes]]:
    checklist = load_checklist(shipped_dir() / "service-point.yaml")
    displays = [prepare_photo(phone_jpeg(i)) for i in range(photo_count)]
    photos = {p.sha256: p.display for p in displays}
    refs = {p.sha256: p.to_ref("2025-03-14T12:40:00+03:00") for p in displays}
    answers: dict[str, Answer] = {}
    pairs = checklist.items()
    photo_at = {round(i * len(pairs) / photo_count): i  # spread over the audit
                for i in range(photo_count)}
    for n, (section, item) in enumerate(pairs):
        key = item_key(section, item)
        shas = (displays[photo_at[n]].sha256,) if n in photo_at else ()
        comment = COMMENTS[n % 5] if n % 4 == 0 else ""
        answers[key] = Answer(key=key, value=answer_for(item, n), comment=comment, photos=shas, by="shopper1",
                              at="2025-03-14T12:40:00+03:00")
    header = AuditHeader(id="bench-report", template_id=checklist.id, template_version=checklist.version,
                         location_id="loc-001", mode="mystery", auditor="shopper1", lang="ru",
                         status="submitted", started_at="2025-03-14T12:30:00+03:00",
                         visit_at="2025-03-14T12:30:00+03:00", submitted_at="2025-03-14T13:00:00+03:00")
    return Audit(header=header, answers=answers, photos=refs), checklist, photos


def check_same(pdf: bytes, floor_pdf: bytes, texts: list[str], files: list[Path]) -> None:
    """Every paragraph of the floor is in the report's text, every photo file in both PDFs."""
    from pypdf import PdfReader

    words = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    missing = [text for text in texts if " ".join(text.split()) not in words]
    assert not missing, f"the report lacks {len(missing)} text(s) of the floor: {missing[:3]}"
    for path in files:
        data = path.read_bytes()
        assert data in pdf and data in floor_pdf, f"a photo is not embedded as it is: {path.name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="4 photos, 3 runs")
    args = parser.parse_args()
    runs = 3 if args.tiny else RUNS
    audit, checklist, photos = build(4 if args.tiny else PHOTOS)
    location = Location(id="loc-001", name="Тверская", region="Москва", address="ул. Тверская, 12")

    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        measure(Path(folder), audit, checklist, photos, location, runs)


def measure(tmp: Path, audit: Audit, checklist: Checklist, photos: dict[str, bytes],
            location: Location, runs: int) -> None:
    for sha, data in photos.items():
        (tmp / f"{sha}.jpg").write_bytes(data)
    context = AuditContext(previous_score=61.4, previous_at="2025-02-11T15:00:00+03:00", network_score=74.8,
                           network_audits=23, period="2025-03")

    def report() -> bytes:
        return render_audit_pdf(audit, checklist, location=location, lang=LANG, brand=Brand(),
                                auditor_label="S-1A2B3C", photo=lambda sha: tmp / f"{sha}.jpg",
                                generated_at="2025-03-15T09:00:00+03:00",
                                view=audience.view_of(audience.BRANCH, audit.header, leaves_app=True),
                                context=context, tz="Europe/Moscow")

    # the floor: the same words and the same JPEG files, nothing else
    rl_config.useA85 = 0
    font_dir = Path("/usr/share/fonts/truetype/dejavu")
    pdfmetrics.registerFont(TTFont("FloorSans", str(font_dir / "DejaVuSans.ttf")))
    style = ParagraphStyle("floor", fontName="FloorSans", fontSize=9.5, leading=12.5)
    texts: list[str] = []
    files: list[Path] = []
    hidden = visibility(checklist, audit.answers).hidden  # the report leaves these out
    for section, item in checklist.items():
        if item_key(section, item) in hidden:
            continue
        answer = audit.answers.get(item_key(section, item))
        texts += [item.text.get(LANG), answer_text(item, answer, LANG)]
        if answer and answer.comment:
            texts.append(answer.comment)
        files += [tmp / f"{sha}.jpg" for sha in (answer.photos if answer else ())]

    def floor() -> bytes:
        buf = io.BytesIO()
        doc = SimpleDocTemplate(buf, invariant=1)
        story = [Paragraph(escape(text), style) for text in texts]
        story += [RLImage(str(path), width=55 * mm, height=41 * mm) for path in files]
        doc.build(story)
        return buf.getvalue()

    check_same(report(), floor(), texts, files)  # and the warm-up: font registration, imports
    times_r: list[float] = []
    times_f: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        pdf = report()
        times_r.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        floor()
        times_f.append(time.perf_counter() - t0)
    r, f = statistics.median(times_r) * 1000, statistics.median(times_f) * 1000
    photo_bytes = sum(len(b) for b in photos.values())
    print(f"items: {len(checklist.items())}, photos: {len(photos)}, pages: {pdf.count(b'/Type /Page')-1}")
    print(f"report-size: {len(pdf) // 1024} KB (photos {photo_bytes // 1024} KB + "
          f"{(len(pdf) - photo_bytes) // 1024} KB)")
    print(f"report: ratio={r / f:.2f} ({r:.0f} ms vs floor {f:.0f} ms)")


if __name__ == "__main__":
    main()
