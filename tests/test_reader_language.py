"""Every surface in Russian reads Russian: decimal commas, dates as words, no English words.

One mystery audit carries every kind of number, date and unit a reader meets: a measured
value with its unit ("1,5 сек"), a wait in minutes, a photo's capture time, a phone far from
the branch ("далеко (3,3 км)"), a review, a publication, actions with due dates, a previous
audit for the HQ ranking's change, an overdue digest. Every surface is rendered for every
reader in Russian (app pages through AppTest, both PDFs through pypdf, every e-mail) and its
text scanned for Latin decimal points in numbers, ISO dates (YYYY-MM-DD), and English words
that are not names or ids.

Exports (CSV, XLSX) are exempt: they are data for spreadsheets and scripts (`audit export`
feeds other tools), so dates stay ISO 8601 and numbers stay numbers; their answers' texts are
in the reader's language (`answer_text`), which the surfaces here already cover.

One backend: what is scanned is formatting, and both stores hand it the same stored values.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from audit import workflow
from audit.audits import capture as audits
from audit.audits import evidence
from audit.checklist.templates import add_template, get_checklist
from audit.core.clock import now
from audit.core.zones import utc_iso
from audit.model import Location, User
from audit.notify import outbox as notify
from audit.people import accounts
from audit.review import steps as review
from audit.store import Store
from audit.store.folder.backend import TinyStore
from audit.ui.common import close_app_stores
from audit.visits.proof import Position
from tests.conftest import MINI_YAML, answer_mini, photograph, populate

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
ARBAT = Location("loc-a", "Арбат", "Москва", address="ул. Арбат, 1", lat=55.7520, lon=37.5930,
                 tz="Europe/Moscow")
# the mini checklist with a measured value in seconds, as the shipped "seconds to a greeting"
UNITS_YAML = MINI_YAML.replace("version: 1", "version: 2", 1).replace(
    "        type: number\n", '        type: number\n        unit: {ru: "сек", en: "s"}\n', 1)
SITE = "https://audit.example.test"  # the public address links are sent with
READERS = ("shopper", "manager", "reviewer", "hq")
PAGES = {  # what each reader's navigation offers (streamlit_app.BY_ROLE)
    "shopper": ("audits", "start"),
    "manager": ("actions", "audits", "start", "locations"),
    "reviewer": ("audits", "actions"),
    "hq": ("dashboard", "plan", "review", "actions", "locations", "audits", "start", "admin"),
}

# -- what a Russian text must not hold -------------------------------------------------------------

ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
LATIN_DECIMAL = re.compile(r"(?<![\w.])[-+−]?\d+\.\d+(?![\w.]*\w)(?! [А-ЯЁA-Z])")
# "1.2 Чистота входа": the checklist's numbering (section.item), written so in Russian too
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
# names and ids, not English: people's names, the product's ids, units and acronyms every
# Russian reader writes in Latin letters
NOT_ENGLISH = {
    "zelda", "rex", "boss", "mia", "sam", "sue", "max",  # people's names
    "UTC", "GPS", "PDF", "CSV", "XLSX", "Wi-Fi", "ID", "e-mail", "E-mail", "IANA",
}
URLS = re.compile(r"\S+@\S+|https?://\S+|/\?\S+|\b[\w-]+\.(?:jpg|pdf|csv|xlsx|zip)\b"
                  r"|\b[0-9a-f]{8,64}\b"  # a photo's short hash
                  r"|GPS -?\d+\.\d+, -?\d+\.\d+")  # coordinates keep their points: they paste into a map


@dataclass(frozen=True)
class Slip:
    kind: str
    text: str
    context: str


def slips(text: str, *, ids: frozenset[str] = frozenset()) -> list[Slip]:
    """What in a Russian text is not written the Russian way."""
    out: list[Slip] = []
    for known in sorted(ids, key=len, reverse=True):  # random letters and digits
        if len(known) >= 4:
            text = text.replace(known, " ")
    clean = URLS.sub(" ", text)
    for pattern, kind in ((ISO_DATE, "ISO date"), (LATIN_DECIMAL, "decimal point")):
        for m in pattern.finditer(clean):
            out.append(Slip(kind, m.group(0), clean[max(0, m.start() - 40):m.end() + 20]))
    for m in WORD.finditer(clean):
        word = m.group(0)
        if word in NOT_ENGLISH or word in ids:
            continue
        out.append(Slip("English", word, clean[max(0, m.start() - 40):m.end() + 20]))
    return out


def test_slips__finds_each_defect_the_new_user_saw() -> None:
    """The scanner itself: each of the reported slips is caught, the Russian forms pass."""
    for bad in ("56.5 сек", "далеко (3.3 км)", "2026-12-07, оценка 75%", "(срок 2026-12-21)",
                "Срок 2026-12-09", "-1.9", "Choose options"):
        assert slips(bad), bad
    for good in ("56,5 сек", "далеко (3,3 км)", "7 дек. 2026, оценка 75 %", "(срок 21 дек. 2026)",
                 "−1,9", "Выберите", "снято 7 дек. 2026, 13:30 UTC+03:00", "zelda · GPS",
                 "mia@example.test", "https://audit.example.test/?id=a1b2"):
        assert not slips(good), (good, slips(good))
    assert slips("Choose options", ids=frozenset({"", "S-1"}))  # an empty id hides nothing


# -- the audit -------------------------------------------------------------------------------------


def exif_jpeg(taken: str, seed: int) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (seed, 90, 160)).save(buf, "JPEG", exif=exif)
    return buf.getvalue()


@dataclass
class World:
    store: Store
    people: dict[str, User]
    audit_id: str
    photo: str
    ids: frozenset[str]
    cache: dict[str, str] = field(default_factory=dict)

    def audit(self):  # type: ignore[no-untyped-def]
        return self.store.get_audit(self.audit_id)


def build(store: Store) -> tuple[dict[str, User], str, str]:
    populate(store)
    store.put_location(ARBAT)
    add_template(store, UNITS_YAML, by="test")
    zelda = accounts.create_user(store, "zelda", "shopper", "secret-pass", locations=("loc-a",))
    accounts.create_user(store, "rex", "reviewer", "secret-pass", regions=("Москва",))
    for name in ("zelda", "rex", "boss", "mia"):
        accounts.update_user(store, name, email=f"{name}@example.test", lang="ru")
    people = {n: store.get_user(n) for n in ("zelda", "rex", "boss", "mia")}
    people = {"shopper": people["zelda"], "reviewer": people["rex"], "hq": people["boss"],
              "manager": people["mia"]}  # type: ignore[dict-item]
    boss, rex = people["hq"], people["reviewer"]
    # eight months ago, a better audit: this period's ranking shows a fall ("−…")
    then = utc_iso(now() - timedelta(days=240))
    old = audits.start_audit(store, zelda, location_id="loc-a", template_id="mini", mode="mystery",
                             lang="ru", now=then).id
    answer_mini(store, zelda, old, waiting__chairs=5)
    photograph(store, zelda, old, "office.facade")
    workflow.submit(store, zelda, old, now=then)
    workflow.publish(store, boss, old, True, now=then)
    # today's audit, taken an hour ago on a Moscow phone
    started = now() - timedelta(hours=1)
    audit_id = audits.start_audit(store, zelda, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="ru", now=utc_iso(started)).id
    answer_mini(store, zelda, audit_id, entrance__dry=False, waiting__chairs=1.5,
                waiting__wait={"minutes": 12.5}, entrance__clean=3)
    taken = (started + timedelta(hours=3, minutes=10)).strftime("%Y:%m:%d %H:%M:%S")  # Moscow wall clock
    ref = evidence.add_photo(store, zelda, audit_id, "entrance.dry", exif_jpeg(taken, 10)).ref
    store.save_photo_ref(audit_id, dataclasses.replace(ref, gps=(55.75231, 37.59342),
                                                       flags=("similar:other-01",)))
    photograph(store, zelda, audit_id, "office.facade")
    # 3.3 km north of the branch
    workflow.submit(store, zelda, audit_id, position=Position(lat=55.7817, lon=37.5930, accuracy=15.0))
    review.comment(store, rex, audit_id, "entrance.clean", "Пришлите фото коврика")
    review.grade(store, rex, audit_id, 4, "Хороший отчёт")
    workflow.publish_reviewed(store, rex, audit_id)
    return people, audit_id, ref.sha256


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("russian")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIT_DATA_DIR", str(folder / "data"))
        mp.delenv("AUDIT_DATABASE_URL", raising=False)
        store = TinyStore(folder / "data")
        people, audit_id, photo = build(store)
        ids = frozenset({audit_id, *(a.id for a in store.audit_actions(audit_id, "loc-a")),
                         *(r.audit_id for r in store.list_summaries()), "other-01",
                         *(u.code for u in store.list_users())})  # shoppers' codes: S-93EB36
        yield World(store, people, audit_id, photo, ids)
        close_app_stores()


# -- reading each surface back ---------------------------------------------------------------------


def screen(at: AppTest) -> str:
    """What the page shows as text, with the placeholders and options of its choosers."""
    assert not at.exception, at.exception
    parts = [str(p.value) for p in (*at.markdown, *at.error, *at.warning, *at.info, *at.success,
                                    *at.caption, *at.text, *at.header, *at.subheader, *at.title)]
    parts += [str(e.label) for e in at.expander]
    parts += [str(m.label) + " " + str(m.value) for m in at.metric]
    for widget in (*at.multiselect, *at.selectbox):
        parts += [str(widget.label), *(str(o) for o in widget.options)]
        # without a placeholder of ours the browser shows Streamlit's English one
        empty = widget.type == "multiselect" or not widget.proto.HasField("default")
        parts.append(str(widget.placeholder) if widget.placeholder else
                     "Choose options" if empty else "")
    for slider in at.select_slider:
        parts += [str(slider.label), *(str(o) for o in slider.options)]
    for widget in (*at.text_input, *at.text_area):
        parts += [str(widget.label)]  # what a person typed is theirs, not ours to format
    for chart in at.get("vega_lite_chart"):  # Altair: its tooltips' titles and its number locale
        spec = json.loads(chart.proto.spec)
        decimal = spec.get("config", {}).get("locale", {}).get("number", {}).get("decimal", ".")
        parts.append(f"0{decimal}5")  # Vega's own locale writes 0.5
        parts += chart_tooltips(spec)
    for frame in at.dataframe:
        shown = frame.value.drop(columns=[c for c in ("link",) if c in frame.value.columns])
        parts.append(shown.to_csv(index=False))
    text = "\n".join(re.sub(r"\\(.)", r"\1", p).replace("\u2060", "") for p in parts)
    # Streamlit's own markup (":gray[…]", ":red-badge[…]", ":material/flag:") is not shown
    return MARKUP.sub(" ", text)


def chart_tooltips(spec: object) -> list[str]:
    """What a chart's tooltips name each value: its title, else its bare field's name."""
    out: list[str] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "tooltip" and isinstance(value, list):
                out += [str(v.get("title") or v.get("field")) if isinstance(v, dict) else str(v)
                        for v in value]
            else:
                out += chart_tooltips(value)
    elif isinstance(spec, list):
        for value in spec:
            out += chart_tooltips(value)
    return out


MARKUP = re.compile(r":(?:[a-z]+(?:-badge|-background)?)\[|:material/\w+:")


def pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def app(w: World, reader: str, page: str, **query: str) -> str:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = "ru"
    at.session_state["_token"] = accounts.start_session(w.store, w.people[reader])
    at.run()
    for k, v in query.items():
        at.query_params[k] = v
    return screen(at.switch_page(f"audit/ui/pages/{page}.py").run())


def surfaces(w: World, reader: str) -> Iterator[tuple[str, str]]:
    """(name, text) of every surface this reader opens, in Russian."""
    for page in PAGES[reader]:
        yield f"app: {page}", app(w, reader, page)
    yield "app: the audit", app(w, reader, "audits", id=w.audit_id)
    yield "app: a photo", app(w, reader, "audits", id=w.audit_id, photo=w.photo)
    if reader != "shopper":
        made = w.store.audit_actions(w.audit_id, "loc-a")
        yield "app: the action plan", app(w, reader, "actions", audit=w.audit_id)
        yield "app: an action", app(w, reader, "actions", id=made[0].id)
    if reader in ("manager", "hq"):
        yield "app: the location", app(w, reader, "locations", id="loc-a")
    user = w.people[reader]
    audit = w.audit()
    yield "PDF: the audit", pdf_text(workflow.audit_pdf(w.store, audit, lang="ru", reader=user,
                                                        viewer=user))
    if reader == "hq":
        rows = [r for r in w.store.list_summaries() if r.status == "submitted"]
        locations = {loc.id: loc for loc in w.store.list_locations()}
        yield "PDF: the network", pdf_text(workflow.network_pdf(
            w.store, rows, locations, get_checklist(w.store, "mini"), lang="ru", date_from=None,
            date_to=None, region=None))
    if reader == "manager":
        yield "PDF: the branch's copy", pdf_text(workflow.branch_pdf(w.store, w.audit_id, "ru"))
    for m in w.store.list_messages(("pending",)):
        if m.user == user.name:
            yield f"e-mail: {m.kind}", notify.with_links(f"{m.subject}\n{m.body}", SITE)
    later = utc_iso(now() + timedelta(days=60))
    for m in notify.digest_messages(w.store, later[:10], later):
        if m.user == user.name:
            yield "e-mail: overdue digest", notify.with_links(f"{m.subject}\n{m.body}", SITE)


@pytest.mark.parametrize("reader", READERS)
def test_every_surface_in_russian__no_decimal_point_iso_date_or_english_word(
        world: World, reader: str) -> None:
    found: dict[str, list[Slip]] = {}
    seen = []
    for name, text in surfaces(world, reader):
        seen.append(name)
        assert text.strip(), f"{name} read back empty"
        bad = slips(text, ids=world.ids)
        if bad:
            found[name] = bad
    assert not found, "\n".join(f"{name}: {s.kind} {s.text!r} in …{s.context}…"
                                for name, bad in found.items() for s in bad[:12])
    assert any(n.startswith("e-mail") for n in seen) or reader == "shopper", seen


def test_the_reported_slips_now_read_russian(world: World) -> None:
    """Each defect the new user saw, where it was seen."""
    manager, hq = world.people["manager"], world.people["hq"]
    mails = [m for m in world.store.list_messages(("pending",)) if m.user == manager.name]
    published = next(m for m in mails if m.kind == "audit_published")
    assert re.search(r"оценка \d+\u00a0%", published.subject), published.subject  # not "75%"
    assert re.search(r"тайный покупатель \d{1,2} \w+\. \d{4}", published.subject), published.subject
    assigned = "\n".join(m.body for m in mails if m.kind == "action_assigned")
    assert re.search(r"\(срок \d{1,2} \w+\.? \d{4}", assigned), assigned  # not "(срок 2026-12-21)"
    chairs = next(a for a in world.store.audit_actions(world.audit_id, "loc-a")
                  if a.key == "waiting.chairs")
    action = app(world, "manager", "actions", id=chairs.id)
    assert "1,5 сек" in action and "1.5" not in action  # was "56.5 сек" in the demo's plan
    assert re.search(r"Срок \d{1,2} \w+\.? \d{4}", app(world, "manager", "actions")), "Срок"
    page = app(world, "hq", "audits", id=world.audit_id)
    assert "далеко (3,3 км)" in page, page
    hq_pdf = pdf_text(workflow.audit_pdf(world.store, world.audit(), lang="ru", reader=hq))
    assert "далеко (3,3 км)" in hq_pdf and "1,5 сек" in hq_pdf and "12,5 мин" in hq_pdf
    ranking = app(world, "hq", "dashboard")
    assert re.search(r"−\d+(,\d)?", ranking), "the ranking's change"
    plan = app(world, "hq", "plan")  # the coverage filter's multiselect said "Choose options"
    assert "Choose" not in plan and "Выберите" in plan, plan


# -- the one formatter, unit by unit ------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "shown"), [("ru", "56,5 сек"), ("en", "56.5 s")])
def test_answer_text__a_measured_value_in_the_readers_numbers(lang: str, shown: str) -> None:
    """The action plan printed "56.5 сек": answer_text wrote the number the English way
    unless a caller passed its own formatter."""
    from audit.checklist.parse import parse_checklist
    from audit.i18n import answer_text
    from audit.model import Answer

    item = parse_checklist(UNITS_YAML, source="units.yaml").item("waiting.chairs")
    assert item is not None
    assert answer_text(item, Answer(key="waiting.chairs", value=56.5), lang) == shown


@pytest.mark.parametrize(("call", "ru", "en"), [
    (lambda f: f.distance(3300), "3,3 км", "3.3 km"),
    (lambda f: f.distance(40.4), "40 м", "40 m"),
    (lambda f: f.distance(120_400), "120 км", "120 km"),
    (lambda f: f.signed(-1.94), "−1,9", "−1.9"),
    (lambda f: f.signed(0.04), "±0", "±0"),
    (lambda f: f.signed(None), "—", "—"),
    (lambda f: f.pct0(75.4), "75\u00a0%", "75%"),
    (lambda f: f.whole(1738), "1\u00a0738", "1,738"),
    (lambda f: f.day("2026-12-21"), "21 дек. 2026", "21 Dec 2026"),
    (lambda f: f.day("2026-12-06T22:30:00+00:00"), "7 дек. 2026", "7 Dec 2026"),  # Moscow's day
    (lambda f: f.when("2026-12-07T10:30:00+00:00"), "7 дек. 2026, 13:30 UTC+03:00",
     "7 Dec 2026, 13:30 UTC+03:00"),
    (lambda f: f.zone_name(), "Москва", "Moscow"),
])
def test_fmt__each_value_as_the_reader_writes_it(call, ru: str, en: str) -> None:  # type: ignore[no-untyped-def]
    from audit.i18n.formats import fmt

    assert (call(fmt("ru", "Europe/Moscow")), call(fmt("en", "Europe/Moscow"))) == (ru, en)


def test_fmt__a_zone_the_database_lacks_reads_utc_and_says_so() -> None:
    from audit.i18n.formats import fmt

    assert fmt("ru", "Moscow/Arbat").when("2026-12-07T10:30:00+00:00") == "7 дек. 2026, 10:30 UTC"
