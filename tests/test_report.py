"""PDF reports, read back with pypdf: texts in both languages, scores, fonts, photos, escaping."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from audit.checklist.templates import get_checklist
from audit.model import Answer, Audit, AuditHeader, Checklist, Location, PhotoRef
from audit.model.rollups import rollups_of
from audit.ops import demo
from audit.people import audience
from audit.photos import prepare_photo
from audit.reports import analytics
from audit.reports.pdf import (
    FONT_ENV,
    UNSUPPORTED_MARK,
    Brand,
    FontMissing,
    render_audit_pdf,
    render_network_pdf,
)
from audit.scoring.score import impacts, ranked_findings, score_audit
from audit.store.folder.backend import TinyStore

GENERATED = "2025-03-15T09:00:00+03:00"
VISIT = "2025-03-14T12:30:00+03:00"
LOCATION = Location(id="loc-a", name="Арбат", region="Москва", address="ул. Арбат, 1")
INJECTIONS = ("<b>not bold</b>", "AT&T", '<img src="file:///etc/passwd"/>')
WEEK = {"mon": ["09:00", "18:00"], "tue": ["09:00", "18:00"], "wed": ["09:00", "18:00"],
        "thu": ["09:00", "18:00"], "fri": ["09:00", "18:00"], "sat": None, "sun": None}


# --- makers -----------------------------------------------------------------------------------


def phone_photo(seed: int, size: tuple[int, int] = (1200, 900)) -> bytes:
    """A JPEG with some shapes on it, as a phone would upload it."""
    im = Image.new("RGB", size, ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256))
    draw = ImageDraw.Draw(im)
    for i in range(12):
        x, y = (seed * 37 + i * 91) % size[0], (seed * 17 + i * 53) % size[1]
        draw.rectangle((x, y, x + 150, y + 100), fill=((i * 40) % 256, 200, (seed * 10) % 256))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


class Photos:
    """Prepared display copies by sha256, as the photo store hands them to the report: files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.display: dict[str, bytes] = {}
        self.refs: dict[str, PhotoRef] = {}

    def add(self, seed: int, **ref: Any) -> str:
        prepared = prepare_photo(phone_photo(seed))
        self.display[prepared.sha256] = prepared.display
        (self.folder / f"{prepared.sha256}.display.jpg").write_bytes(prepared.display)
        self.refs[prepared.sha256] = replace(prepared.to_ref(VISIT), **ref)
        return prepared.sha256

    def get(self, sha256: str) -> Path | None:
        path = self.folder / f"{sha256}.display.jpg"
        return path if sha256 in self.display else None


def mini_answers(photos: Photos, *, guard_sober: bool = True, comment: str = "Лужа у входа",
                 notes: str = "Всё спокойно") -> dict[str, Answer]:
    puddle = photos.add(1, caption="лужа")
    front = photos.add(2)
    values: dict[str, tuple[Any, dict[str, Any]]] = {
        "entrance.dry": (False, {"comment": comment, "photos": (puddle,)}),
        "entrance.clean": (4, {}),
        "entrance.door": ("heavy", {}),
        "waiting.comforts": (None, {"na": True}),
        "waiting.wait": ({"start": "2025-03-14T12:31:05+03:00", "end": "2025-03-14T12:38:40+03:00"}, {}),
        "waiting.chairs": (3, {}),
        "office.hours": (WEEK, {}),
        "office.site": ({"text": "Звонитте нам в любое время.", "flagged": ["Звонитте"],
                         "typos": ["Звонитте"]}, {}),
        "office.guard": (guard_sober, {}),
        "office.notes": (notes, {}),
        "office.facade": (None, {"photos": (front,)}),
    }
    return {key: Answer(key=key, value=value, **extra) for key, (value, extra) in values.items()}


def mini_audit(answers: dict[str, Answer], photos: Photos, *, lang: str = "ru") -> Audit:
    header = AuditHeader(id="audit-1", template_id="mini", template_version=1, location_id="loc-a",
                         mode="mystery", auditor="sam", lang=lang, status="submitted", started_at=VISIT,
                         visit_at=VISIT, submitted_at=VISIT)
    return Audit(header=header, answers=answers, photos=dict(photos.refs))


def render(audit: Audit, checklist: Checklist, photos: Photos, **kwargs: Any) -> bytes:
    options: dict[str, Any] = {"location": LOCATION, "lang": "ru", "auditor_label": "S-1A2B3C",
                               "photo": photos.get, "generated_at": GENERATED,
                               "view": audience.view_of(audience.BRANCH, audit.header, leaves_app=True)}
    options.update(kwargs)
    return render_audit_pdf(audit, checklist, **options)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    """Extracted text with line breaks as spaces: a table cell may wrap anywhere."""
    return re.sub(r"\s+", " ", text)


def image_streams(pdf: bytes) -> dict[int, Any]:
    """Every image XObject in the document, once, by object number."""
    found: dict[int, Any] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"].get_object().get("/XObject")
        for ref in (xobjects.get_object().values() if xobjects else ()):
            obj = ref.get_object()
            if obj["/Subtype"] == "/Image":
                found[ref.idnum] = obj
    return found


@pytest.fixture
def photos(tmp_path: Path) -> Photos:
    return Photos(tmp_path)


@pytest.fixture
def audit_ru(mini: Checklist, photos: Photos) -> Audit:
    return mini_audit(mini_answers(photos), photos)


# --- one audit: texts, scores, pages ----------------------------------------------------------


def test_audit_pdf__in_russian__reads_back_item_texts_scores_and_page_x_of_n(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    pdf = render(audit_ru, mini, photos, lang="ru")
    reader = PdfReader(io.BytesIO(pdf))
    text = flat(text_of(pdf))
    score = score_audit(mini, audit_ru.answers)
    assert "У входа сухо, нет луж" in text
    assert "Охранник трезв" in text
    # Russian writes a decimal comma and a space before the percent sign
    assert f"{round(score.overall or 0, 1):g} %".replace(".", ",") in text
    assert f"{round(score.overall or 0, 1):g}%" not in text
    assert f"стр. 1 из {len(reader.pages)}" in text
    assert f"стр. {len(reader.pages)} из {len(reader.pages)}" in text
    assert "Средний уровень" in text or "Вау" in text or "Разочарование" in text


def test_audit_pdf__in_english__reads_back_item_texts_scores_and_page_x_of_n(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    pdf = render(audit_ru, mini, photos, lang="en")
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    text = flat(text_of(pdf))
    assert "The entrance is dry, no puddle" in text
    assert "The guard is sober" in text
    assert f"page 1 of {pages}" in text
    for section in mini.sections:
        percent = score_audit(mini, audit_ru.answers).sections[mini.sections.index(section)].percent
        assert f"{round(percent or 0, 1):g}%" in text


def test_audit_pdf__language__is_chosen_at_print_time_not_taken_from_the_audit(
        mini: Checklist, photos: Photos) -> None:
    audit = mini_audit(mini_answers(photos), photos, lang="en")
    text = flat(text_of(render(audit, mini, photos, lang="ru")))
    assert "Замечания" in text and "Findings" not in text


def test_audit_pdf__every_section_item_answer_and_points_are_listed(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    text = flat(text_of(render(audit_ru, mini, photos, lang="en")))
    for section in mini.sections:
        assert section.title.en in text
        for item in section.items:
            assert item.text.en in text
    assert "0 / 2" in text  # the dry entrance: no
    assert "0.75 / 1" in text  # cleanliness 4 on 1–5


def test_audit_pdf__wait_time_week_and_typos__are_shown_in_full(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    text = flat(text_of(render(audit_ru, mini, photos, lang="en")))
    assert "09:31:05 → 09:38:40" in text  # the stopwatch's start and end, in UTC by default
    assert "14 Mar 2025, 09:30 UTC" in text
    assert "7.6 min" in text
    assert "09:00–18:00" in text and "closed" in text  # the week, day by day
    assert "Звонитте" in text and "Website text" in text


def test_audit_pdf__findings__sorted_by_what_they_cost_the_total(mini: Checklist, photos: Photos) -> None:
    audit = mini_audit(mini_answers(photos, guard_sober=False), photos)
    score = score_audit(mini, audit.answers)
    cost = impacts(score)
    pdf = render(audit, mini, photos, lang="en")
    pages = [flat(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    findings = " ".join(pages[1:3])
    findings = findings[findings.index("Findings"):]
    ranked = ranked_findings(score)
    positions = [findings.index(mini.item(f.key).text.en) for f in ranked]  # type: ignore[union-attr]
    assert positions == sorted(positions)
    # the entrance weighs twice the office: its "no" costs more than the critical guard's, yet
    # the critical failure comes first (its cap costs more than any item), then by cost
    assert cost["entrance.dry"] > cost["office.guard"]
    assert ranked[0].key == "office.guard"
    rest = [cost[f.key] for f in ranked[1:]]
    assert rest == sorted(rest, reverse=True)
    assert f"cost {round(cost['entrance.dry'], 1):g} points of 100" in findings
    assert "Critical failure" in findings
    assert "→ 0 of 2 points" not in findings  # the technical line lives in the appendix
    assert "no → 0 of 2 points" in pages[-1]


def test_audit_pdf__time_zone__prints_times_in_it_and_says_which(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    text = flat(text_of(render(audit_ru, mini, photos, lang="ru", tz="Europe/Moscow")))
    assert "14 мар. 2025, 12:30 UTC+03:00" in text
    assert "12:31:05 → 12:38:40" in text
    with pytest.raises(ValueError, match="unknown time zone"):
        render(audit_ru, mini, photos, tz="Mars/Olympus")


def test_audit_pdf__critical_failure__shows_banner_with_computed_and_capped_scores(
        mini: Checklist, photos: Photos) -> None:
    audit = mini_audit(mini_answers(photos, guard_sober=False), photos)
    score = score_audit(mini, audit.answers)
    assert score.is_critical_failure and score.computed is not None
    cover = flat(PdfReader(io.BytesIO(render(audit, mini, photos, lang="en"))).pages[0].extract_text())
    assert "Critical failure" in cover
    assert f"Computed score: {round(score.computed, 1):g}%" in cover
    assert "Capped at 40% because of a critical failure" in cover
    assert "40%" in cover


def test_audit_pdf__appendix__explains_weights_na_and_the_cap(mini: Checklist, photos: Photos) -> None:
    audit = mini_audit(mini_answers(photos, guard_sober=False), photos)
    pdf = render(audit, mini, photos, lang="en")
    last = flat(PdfReader(io.BytesIO(pdf)).pages[-1].extract_text())
    assert "How the score is computed" in last
    assert "Weight × score" in last
    assert "Answered N/A and left out of the points possible" in last
    assert "2.1 Waiting › Comforts" in last
    assert "A critical item failed: 3.3 Office › The guard is sober" in last


# --- fonts ------------------------------------------------------------------------------------


def test_audit_pdf__font__is_truetype_embedded_as_a_subset(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    reader = PdfReader(io.BytesIO(render(audit_ru, mini, photos)))
    fonts: dict[int, Any] = {}
    for page in reader.pages:
        for ref in page["/Resources"].get_object()["/Font"].get_object().values():
            fonts[ref.idnum] = ref.get_object()
    assert fonts
    for font in fonts.values():
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
        assert re.fullmatch(r"/[A-Z]{6}\+DejaVuSans(-Bold)?", str(font["/BaseFont"]))


def test_audit_pdf__font_folder_without_the_font__raises_font_missing_naming_the_package(
        mini: Checklist, photos: Photos, audit_ru: Audit, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FONT_ENV, str(tmp_path))
    with pytest.raises(FontMissing) as err:
        render(audit_ru, mini, photos)
    message = str(err.value)
    assert "fonts-dejavu-core" in message
    assert FONT_ENV in message and "DejaVuSans.ttf" in message


def test_audit_pdf__font_folder_named_in_the_environment__is_used(
        mini: Checklist, photos: Photos, audit_ru: Audit, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    system = Path("/usr/share/fonts/truetype/dejavu")
    if not (system / "DejaVuSans.ttf").is_file():
        pytest.skip("DejaVu is not installed here (apt-get install fonts-dejavu-core)")
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        (tmp_path / name).write_bytes((system / name).read_bytes())
    monkeypatch.setenv(FONT_ENV, str(tmp_path))
    assert "У входа сухо" in text_of(render(audit_ru, mini, photos))


# --- photos -----------------------------------------------------------------------------------


def test_audit_pdf__images__one_per_attached_photo_embedded_byte_for_byte(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    pdf = render(audit_ru, mini, photos)
    images = image_streams(pdf)
    attached = {sha for a in audit_ru.answers.values() for sha in a.photos}
    assert len(images) == len(attached) == 2
    embedded = sorted(obj.get_data() for obj in images.values())  # pypdf passes DCT data through
    assert embedded == sorted(photos.display[sha] for sha in attached)
    for obj in images.values():
        assert list(obj["/Filter"]) == ["/DCTDecode"]  # no ASCII85, no re-encoding


def test_audit_pdf__photo_missing_from_the_store__prints_a_note_instead(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    pdf = render(audit_ru, mini, photos, lang="en", photo=lambda sha256: None)
    assert "photo missing" in text_of(pdf)
    assert image_streams(pdf) == {}


def test_audit_pdf__photo_store_raising__prints_a_note_instead(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    def broken(sha256: str) -> bytes:
        raise KeyError(sha256)

    assert "photo missing" in text_of(render(audit_ru, mini, photos, lang="en", photo=broken))


def test_audit_pdf__brand__name_and_logo_on_the_cover(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    logo = io.BytesIO()
    Image.new("RGBA", (200, 80), (30, 90, 140, 255)).save(logo, "PNG")
    pdf = render(audit_ru, mini, photos, brand=Brand(name="Сеть «Пример»", colour="#8b1f1f",
                                                     logo=logo.getvalue()))
    assert "Сеть «Пример»" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert len(image_streams(pdf)) == 3  # the logo and the two photos


# --- user text --------------------------------------------------------------------------------


def test_audit_pdf__markup_in_user_text__prints_literally_and_reads_no_file(
        mini: Checklist, photos: Photos, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), (255, 0, 0)).save(secret)
    local_img = f'<img src="{secret}" width="40" height="40"/>'
    hostile = " ".join((*INJECTIONS, local_img))
    answers = mini_answers(photos, comment=hostile, notes=hostile)
    answers["office.site"] = replace(answers["office.site"], value={
        "text": f"Звонитте {hostile}", "flagged": ["Звонитте"], "typos": ["Звонитте"]})
    audit = mini_audit(answers, photos)
    photos.refs = {sha: replace(ref, caption=hostile) for sha, ref in photos.refs.items()}
    audit = replace(audit, photos=dict(photos.refs))
    place = replace(LOCATION, name=f"Арбат {INJECTIONS[0]}", address=f"ул. Арбат, 1 {INJECTIONS[1]}")
    pdf = render(audit, mini, photos, location=place, brand=Brand(name=f"Brand {INJECTIONS[1]}"),
                 auditor_label=INJECTIONS[2])
    text = flat(text_of(pdf))
    for literal in (*INJECTIONS, f'<img src="{secret}"'):
        assert literal in text
    assert "root:" not in text
    assert len(image_streams(pdf)) == 2  # only the photos: no <img> was followed


def test_audit_pdf__line_breaks_in_a_comment__are_kept(mini: Checklist, photos: Photos) -> None:
    audit = mini_audit(mini_answers(photos, comment="первая строка\nвторая строка"), photos)
    text = text_of(render(audit, mini, photos))
    assert "первая строка\nвторая строка" in text


def test_audit_pdf__emoji__do_not_break_the_build_and_print_no_boxes(mini: Checklist, photos: Photos) -> None:
    audit = mini_audit(mini_answers(photos, comment="Отлично 👍🏽😊 спасибо ★"), photos)
    text = flat(text_of(render(audit, mini, photos)))
    assert f"Отлично {UNSUPPORTED_MARK} спасибо ★" in text  # one mark for the emoji run


def test_audit_pdf__comment_longer_than_a_page__splits_across_pages(mini: Checklist, photos: Photos) -> None:
    words = " ".join(f"слово{i}" for i in range(700))  # about 5000 characters, the app's limit
    audit = mini_audit(mini_answers(photos, comment=words), photos)
    text = flat(text_of(render(audit, mini, photos)))
    assert text.count("слово699") == 2  # on the findings page and in the section, whole


def test_audit_pdf__same_input__gives_the_same_bytes(
        mini: Checklist, photos: Photos, audit_ru: Audit) -> None:
    assert render(audit_ru, mini, photos) == render(audit_ru, mini, photos)


def test_audit_pdf__with_no_answers__still_builds(mini: Checklist, photos: Photos) -> None:
    audit = mini_audit({}, photos)
    audit = replace(audit, header=replace(audit.header, status="draft"))
    text = flat(text_of(render(audit, mini, photos, lang="en", location=None)))
    assert "No points were lost." in text
    assert "No score yet" in text
    assert "Draft".upper() in text


# --- the network ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> tuple[TinyStore, Checklist]:
    store = TinyStore(tmp_path_factory.mktemp("network") / "data")
    demo.generate(store, seed=7, audits=120, locations=12, today=date(2025, 6, 30), with_users=False)
    return store, get_checklist(store, "service-point")


def network_pdf(store: TinyStore, checklist: Checklist, **kwargs: Any) -> bytes:
    options: dict[str, Any] = {"lang": "ru", "date_from": "2025-01-01", "date_to": "2025-06-30",
                               "region": None, "generated_at": GENERATED}
    options.update(kwargs)
    locations = {loc.id: loc for loc in store.list_locations()}
    return render_network_pdf(store.list_summaries(), locations, checklist, **options)


def test_network_pdf__lists_locations_in_ranking_order_with_section_titles(
        network: tuple[TinyStore, Checklist]) -> None:
    store, checklist = network
    pdf = network_pdf(store, checklist)
    text = flat(text_of(pdf))
    locations = {loc.id: loc for loc in store.list_locations()}
    f = analytics.Filters(date_from="2025-01-01", date_to="2025-06-30", template_id=checklist.id,
                          mode="mystery")  # the network report ranks mystery audits by default
    ranked = analytics.ranking(store.get_rollups(), locations, f, checklist=checklist)
    assert len(ranked) >= 5
    first_page = flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    positions = [first_page.index(f" {r.name} ") for r in ranked]
    assert positions == sorted(positions)
    for section in checklist.sections:
        assert section.title.ru in text
    assert "Рейтинг точек" in text and "Пункты, стоившие больше всего баллов" in text
    assert "Оценка по месяцам" in text
    assert "Тайный покупатель и самопроверка" in text


def test_network_pdf__in_english__names_sections_and_the_most_failed_items(
        network: tuple[TinyStore, Checklist]) -> None:
    store, checklist = network
    text = flat(text_of(network_pdf(store, checklist, lang="en")))
    f = analytics.Filters(date_from="2025-01-01", date_to="2025-06-30", template_id=checklist.id,
                          mode="mystery")
    worst = analytics.worst_items(store.get_rollups(), f)
    for row in worst[:3]:
        item = checklist.item(row.key)
        assert item is not None and item.text.en in text
    assert "page 1 of" in text and "Score by section and location" in text


def test_network_pdf__region__limits_the_locations(network: tuple[TinyStore, Checklist]) -> None:
    store, checklist = network
    text = flat(text_of(network_pdf(store, checklist, region="Урал")))
    ural = {loc.name for loc in store.list_locations() if loc.region == "Урал"}
    others = {loc.name for loc in store.list_locations() if loc.region == "Москва"}
    assert any(name in text for name in ural)
    assert not any(f" {name} " in text for name in others)


def test_network_pdf__no_matching_audits__says_so(network: tuple[TinyStore, Checklist]) -> None:
    store, checklist = network
    text = text_of(network_pdf(store, checklist, lang="en", date_from="2001-01-01", date_to="2001-01-31"))
    assert "No audits match." in text


def test_network_pdf__same_input__gives_the_same_bytes(network: tuple[TinyStore, Checklist]) -> None:
    store, checklist = network
    assert network_pdf(store, checklist) == network_pdf(store, checklist)


def test_audit_pdf__many_photos_on_one_finding__flow_onto_the_next_pages(
        mini: Checklist, photos: Photos) -> None:
    answers = mini_answers(photos)
    many = tuple(photos.add(100 + i) for i in range(16))
    answers["entrance.dry"] = replace(answers["entrance.dry"], photos=many)
    audit = mini_audit(answers, photos)
    pdf = render(audit, mini, photos)
    assert len(image_streams(pdf)) == 17  # the sixteen and the front of the building


def test_audit_pdf__a_word_wider_than_its_column__is_cut_not_lost(mini: Checklist, photos: Photos) -> None:
    url = "https://example.com/" + "a" * 300
    audit = mini_audit(mini_answers(photos, comment=url), photos)
    text = re.sub(r"\s+", "", text_of(render(audit, mini, photos)))
    assert text.count(url) == 2


def test_network_pdf__change__is_measured_against_the_previous_period_in_all_rows(
        network: tuple[TinyStore, Checklist]) -> None:
    store, checklist = network
    every = store.list_summaries()
    locations = {loc.id: loc for loc in store.list_locations()}
    f = analytics.Filters(date_from="2025-04-01", date_to="2025-06-30", template_id=checklist.id,
                          mode="mystery")
    period = analytics.select(every, f)
    ranked = analytics.ranking(rollups_of(period), locations, f, checklist=checklist,
                               previous=store.get_rollups())
    changes = [r.change for r in ranked if r.change is not None]
    assert changes
    pdf = render_network_pdf(period, locations, checklist, lang="en", date_from=f.date_from,
                             date_to=f.date_to, region=None, generated_at=GENERATED, all_rows=every)
    first_page = flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    for change in changes:
        r = round(change, 1)
        assert f"{'+' if r > 0 else '−' if r < 0 else '±'}{abs(r):g}" in first_page


# --- the summary page -------------------------------------------------------------------------


SUMMARY_YAML = """
      - id: notes
        text: {ru: "Заметки", en: "Notes"}
        type: text
        summary: true
"""


def summary_checklist(mini: Checklist) -> Checklist:
    from audit.checklist.parse import parse_checklist
    from tests.conftest import MINI_YAML

    text = MINI_YAML.replace('''      - id: notes
        text: {ru: "Заметки", en: "Notes"}
        type: text
''', SUMMARY_YAML.lstrip("\\n"))
    assert text != MINI_YAML
    return parse_checklist(text)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_summary_page__score_comparisons_top_three_strengths_and_the_shoppers_words(
        mini: Checklist, photos: Photos, lang: str) -> None:
    from audit.reports.pdf import AuditContext

    checklist = summary_checklist(mini)
    audit = mini_audit(mini_answers(photos, guard_sober=False, notes="Очередь двигалась медленно"), photos)
    score = score_audit(checklist, audit.answers)
    cost = impacts(score)
    context = AuditContext(previous_score=52.25, previous_at="2025-02-10T11:00:00+00:00", network_score=71.25,
                           network_audits=21, period="2025-03")
    pdf = render(audit, checklist, photos, lang=lang, context=context)
    first = flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert score.overall is not None and score.computed is not None
    words = {
        "ru": ("Что исправить в первую очередь", "Лучшие разделы", "Визит словами тайного покупателя",
               "к прошлому аудиту", "к сети за март 2025", "стоило"),
        "en": ("What to fix first", "Strongest sections", "The visit in the shopper's words",
               "against the previous audit", "against the network in March 2025", "cost"),
    }[lang]
    for w in words:
        assert w in first
    diff_prev = round(score.overall - 52.25, 1)
    sign = "+" if diff_prev > 0 else "−"
    number = f"{abs(diff_prev):g}"
    assert f"{sign}{number.replace('.', ',') if lang == 'ru' else number}" in first
    ranked = [f.key for f in ranked_findings(score)]  # the critical failure first, then by cost
    assert ranked[0] == "office.guard" and set(ranked) == set(cost)
    fix_first = first[first.index(words[0]):first.index(words[1])]
    positions = [fix_first.index(mini.item(k).text.get(lang)) for k in ranked[:3]]  # type: ignore[union-attr]
    assert positions == sorted(positions)
    assert mini.item(ranked[3]).text.get(lang) not in fix_first  # type: ignore[union-attr]
    assert "Очередь двигалась медленно" in first
    # the first finding's photo is on page 1
    first_images = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"].get_object().get("/XObject")
    assert first_images is not None and len(first_images.get_object()) >= 1


def test_summary_page__first_audit_of_a_location__says_so(mini: Checklist, photos: Photos,
                                                          audit_ru: Audit) -> None:
    first = flat(PdfReader(io.BytesIO(render(audit_ru, mini, photos, lang="en"))).pages[0].extract_text())
    assert "The first audit of this location with this checklist." in first


@pytest.mark.parametrize(("lang", "name"), [("ru", "Аудит клиентского пути"),
                                            ("en", "Customer journey audit")])
def test_brand__unset__falls_back_to_the_product_name_in_the_reports_language(
        mini: Checklist, photos: Photos, audit_ru: Audit, lang: str, name: str) -> None:
    text = flat(text_of(render(audit_ru, mini, photos, lang=lang, brand=Brand())))
    assert name in text
    other = "Customer journey audit" if lang == "ru" else "Аудит клиентского пути"
    assert other not in text


# --- who the PDF is for -----------------------------------------------------------------------


def test_photo_reuse_flags__only_in_hqs_pdf_never_in_one_the_branch_downloads(
        mini: Checklist, photos: Photos) -> None:
    answers = mini_answers(photos)
    audit = mini_audit(answers, photos)
    flagged = {sha: replace(ref, flags=("duplicate:other-audit-42", "similar:other-audit-43", "old"))
               for sha, ref in audit.photos.items()}
    audit = replace(audit, photos=flagged)
    hq = flat(text_of(render(audit, mini, photos, lang="en",
                             view=audience.view_of(audience.HQ_READER, audit.header, leaves_app=True))))
    branch = flat(text_of(render(audit, mini, photos, lang="en")))
    assert "same photo as audit other-audit-42" in hq and "other-audit-43" in hq
    assert "taken long before the visit" in hq
    for leak in ("other-audit-42", "other-audit-43", "same photo", "looks like a photo", "long before"):
        assert leak not in branch
    with pytest.raises(ValueError, match="copy"):
        audience.reader_for("shopper")


# --- the network: modes -----------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "label"), [("mystery", "Mystery shopping"), ("self", "Self-audit"),
                                             ("both", "Mystery shopping and self-audits")])
def test_network_pdf__mode__filters_the_ranking_and_says_which(
        network: tuple[TinyStore, Checklist], mode: str, label: str) -> None:
    store, checklist = network
    locations = {loc.id: loc for loc in store.list_locations()}
    pdf = network_pdf(store, checklist, lang="en", mode=mode)
    first = flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert f"Mode {label}" in first
    f = analytics.Filters(date_from="2025-01-01", date_to="2025-06-30", template_id=checklist.id, mode=mode)
    audits = len(analytics.select(store.list_summaries(), f))
    assert f"Audits {audits}" in first
    ranked = analytics.ranking(store.get_rollups(), locations, f, checklist=checklist)
    for r in ranked[:3]:
        score = f"{round(r.score or 0, 1):g}%"
        assert score in first


def test_network_pdf__unknown_mode__refused_with_the_choices(network: tuple[TinyStore, Checklist]) -> None:
    store, checklist = network
    with pytest.raises(analytics.FilterError, match="mystery, self or both"):
        network_pdf(store, checklist, mode="secret")


def test_network_pdf__trend_page__names_the_most_improved_location(
        tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    result = demo.generate(store, seed=2, audits=240, locations=12, today=date(2025, 12, 31),
                           with_users=False, photos=False)
    improving = next(k for k, v in result.stories.items() if "improving" in v)
    checklist = get_checklist(store, "service-point")
    text = flat(text_of(network_pdf(store, checklist, lang="en", date_from="2025-01-01",
                                    date_to="2025-12-31", mode="both")))
    trend = text[text.index("Score by month"):]
    name = next(loc.name for loc in store.list_locations() if loc.id == improving)
    assert name in trend[:2000]
