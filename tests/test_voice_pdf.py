"""Customers' voice in the PDFs, read back with pypdf: a page of the network report (the gap per
location × touchpoint, the let-down list, the three levels) and a section of a branch's report
(its own gaps; customers' words only once HQ approved them), in Russian and English."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from audit import workflow
from audit.audits import capture as audits
from audit.checklist.templates import get_checklist
from audit.i18n.formats import Fmt
from audit.model import User
from audit.model.voice import Rating, VoiceResponse
from audit.ops.demo import generate
from audit.people import audience
from audit.reports.voice import voice_table
from audit.store import Store
from audit.store.folder.backend import TinyStore
from audit.voice.service import TEMPLATE_SETTING
from tests.conftest import answer_mini, photograph

TODAY = date(2026, 11, 30)
TITLES = {"en": ("Customers' voice: expected against got", "The gap by location and touchpoint",
                 "The visit overall", "Customers let down where audits pass"),
          "ru": ("Голос клиентов: ожидание и реальность", "Разрыв по точкам и точкам контакта",
                 "Визит в целом", "Клиенты разочарованы там, где аудит в норме")}


def pages_of(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def two(x: float, lang: str) -> str:
    r = round(x, 2)
    text = ("+" if r > 0 else "−" if r < 0 else "±") + f"{abs(r):.2f}"
    return text.replace(".", ",") if lang == "ru" else text


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> TinyStore:
    store = TinyStore(tmp_path_factory.mktemp("voice-pdf") / "data")
    generate(store, seed=3, audits=120, locations=8, today=TODAY, photos=False)  # with its voice
    return store


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_network_pdf__a_page_of_customers_voice_beside_the_audits(demo: TinyStore, lang: str) -> None:
    locations = {loc.id: loc for loc in demo.list_locations()}
    checklist = get_checklist(demo, "service-point")
    pdf = workflow.network_pdf(demo, demo.list_summaries(), locations, checklist, lang=lang,
                               date_from="2026-09-01", date_to="2026-11-30", region=None,
                               now="2026-11-30T12:00:00+00:00")
    pages = pages_of(pdf)
    title, matrix, levels, let_down = TITLES[lang]
    start = next(i for i, p in enumerate(pages) if p.startswith(title) or title in p)
    text = " ".join(pages[start:])
    assert matrix in text and levels in text and let_down in text
    table = voice_table(demo, first_month="2026-09", last_month="2026-11")
    assert table.responses > 0 and table.rows
    for r in table.rows:  # every cell: its location, its gap and its n
        assert r.location in text and f"{two(r.gap, lang)} n={r.n}" in text
    for r in table.let_down_where_audits_pass:
        assert r.location in text
    for s in table.levels:  # the three levels as shares, as the reader writes a percentage
        assert " ".join(Fmt(lang, "UTC").pct0(100 * s.share).split()) in text
    # the report before the voice page is the audits' own: the page starts after them
    assert all(title not in p for p in pages[:start])


@pytest.fixture
def branch(store: Store, network: dict[str, User]) -> tuple[Store, dict[str, User], str]:
    """A submitted mini audit at loc-a, with customers asked about mini's touchpoints: one
    approved comment and one HQ has not approved."""
    store.put_settings({TEMPLATE_SETTING: "mini"})
    for n, (text, ok) in enumerate([("Лужа у входа — не одобрено", False),
                                    ("Спасибо за кофе — одобрено", True), ("", False)]):
        store.add_voice_response(VoiceResponse(
            id=f"20261105-b{n}", location_id="loc-a", template_id="mini", template_version=1,
            day="2026-11-05", at=f"2026-11-05T10:0{n}:00+00:00",
            ratings=(Rating("entrance", 4, 2 + n), Rating("waiting", 3, 4)), level="as_expected",
            text=text, text_approved=ok))
    shopper = network["shopper"]
    audit_id = audits.start_audit(store, shopper, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en", visit_at="2026-11-20T10:00:00+00:00").id
    answer_mini(store, shopper, audit_id)
    photograph(store, shopper, audit_id, "office.facade")
    workflow.submit(store, shopper, audit_id)
    return store, network, audit_id


@pytest.mark.parametrize(("lang", "title", "words"), [
    ("en", "What customers say about this branch", "In customers' own words (approved by HQ)"),
    ("ru", "Что говорят клиенты об этом отделении", "Словами клиентов (одобрено HQ)"),
])
def test_branch_pdf__its_own_gaps__only_words_hq_approved(
        branch: tuple[Store, dict[str, User], str], lang: str, title: str, words: str) -> None:
    store, people, audit_id = branch
    pdf = workflow.branch_pdf(store, audit_id, lang)
    text = " ".join(pages_of(pdf))
    assert title in text and words in text
    assert "Спасибо за кофе — одобрено" in text and "не одобрено" not in text
    entrance = "The way in" if lang == "en" else "Вход"
    # 3 answers at the entrance: expected 4, got 2, 3 and 4 → the gap −1.00
    assert f"{entrance} 3 4{'.' if lang == 'en' else ','}00 3{'.' if lang == 'en' else ','}00 " \
           f"{two(-1.0, lang)}" in text
    # HQ's copy leaves the app too: the same words, no more
    audit = store.get_audit(audit_id)
    assert audit is not None
    hq = " ".join(pages_of(workflow.audit_pdf(store, audit, lang=lang, reader=people["hq"])))
    assert "одобрено" in hq and "не одобрено" not in hq
    # the shopper's own copy judges the visit: no customers' voice in it
    own = " ".join(pages_of(workflow.audit_pdf(store, audit, lang=lang, reader=people["shopper"])))
    assert title not in own


def test_customer_words__the_audience_policy() -> None:
    hq, manager = audience.HQ_READER, audience.BRANCH
    assert audience.may_read_customer_words(hq, approved=False)
    assert not audience.may_read_customer_words(hq, approved=False, leaves_app=True)
    assert not audience.may_read_customer_words(manager, approved=False)
    assert audience.may_read_customer_words(manager, approved=True, leaves_app=True)
    assert not audience.reads_customer_voice(audience.Reader("shopper", "sam"))
