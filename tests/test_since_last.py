"""Page 1's "since last time" and the one order of findings: the PDF and the app's audit page
read the same functions (`since_last_time`, `ranked_findings`), a critical failure first, at
what its cap really cost, the change shown on the computed score too."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from audit import workflow
from audit.actions.service import AGAIN, FIXED, NEW, since_last
from audit.checklist.templates import get_checklist
from audit.model import Answer, Checklist, User
from audit.reports.gather import since_last_time
from audit.reports.pdf.styles import Fmt
from audit.scoring.score import cap_cost, impacts, ranked_findings, score_audit
from audit.store import Store
from audit.store.folder.backend import TinyStore
from tests.conftest import MINI_GOOD, populate
from tests.test_actions_history import past_audit
from tests.test_app import app_as, open_audit


def answers(**changes: object) -> dict[str, Answer]:
    values = MINI_GOOD | {"waiting.comforts": ["water", "wifi", "kids"],
                          "office.hours": {d: ["09:00", "20:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    values |= {k.replace("__", "."): v for k, v in changes.items()}
    return {k: Answer(key=k, value=v) for k, v in values.items()}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def pages(pdf: bytes) -> list[str]:
    return [flat(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]


# -- the rules ------------------------------------------------------------------------------------


def test_ranked_findings__critical_first_then_by_cost__cap_cost_closes_the_sum(mini: Checklist) -> None:
    score = score_audit(mini, answers(entrance__dry=False, entrance__door="heavy", office__guard=False))
    cost = impacts(score)
    ranked = [f.key for f in ranked_findings(score)]
    # the entrance's "no" costs more points than the guard's, yet the critical failure leads
    assert cost["entrance.dry"] > cost["office.guard"]
    assert ranked == ["office.guard", "entrance.dry", "entrance.door"]
    assert score.computed is not None and score.overall == 40
    assert cap_cost(score) == pytest.approx(score.computed - 40)
    assert 100 - score.overall == pytest.approx(sum(cost.values()) + cap_cost(score))
    clean = score_audit(mini, answers(entrance__dry=False))
    assert cap_cost(clean) == 0 and [f.key for f in ranked_findings(clean)] == ["entrance.dry"]


def test_since_last__new_again_fixed__critical_first(mini: Checklist) -> None:
    before = score_audit(mini, answers(entrance__dry=False, entrance__clean=3, office__guard=False))
    now = score_audit(mini, answers(entrance__dry=False, entrance__door="locked", office__guard=False))
    got = [(e.key, e.change) for e in since_last(now, before)]
    assert got == [("office.guard", AGAIN), ("entrance.dry", AGAIN), ("entrance.door", NEW),
                   ("entrance.clean", FIXED)]
    guard = since_last(now, before)[0]
    assert guard.critical and guard.cap == pytest.approx(cap_cost(now), abs=0.01)
    assert guard.loss == pytest.approx(impacts(now)["office.guard"], abs=0.01)
    # an item answered N/A or left out says nothing: neither again nor fixed
    quiet = score_audit(mini, {k: a for k, a in answers().items() if k != "entrance.clean"})
    assert [(e.key, e.change) for e in since_last(quiet, before)] == [
        ("entrance.dry", FIXED), ("office.guard", FIXED)]


# -- page 1 of the PDF ----------------------------------------------------------------------------


def two_audits(store: Store) -> tuple[dict[str, User], str, str]:
    """Two mystery audits of Arbat, both failing the critical guard: capped at 40 both times,
    while the computed score underneath fell."""
    people = populate(store)
    first = past_audit(store, people, 20, entrance__dry=False, entrance__clean=3, office__guard=False)
    second = past_audit(store, people, 5, entrance__dry=False, entrance__door="locked", office__guard=False)
    return people, first, second


def test_pdf_page_1__since_last_time__the_cap_and_the_computed_change(store: Store) -> None:
    people, first, second = two_audits(store)
    audit = store.get_audit(second)
    assert audit is not None
    checklist = get_checklist(store, "mini", 1)
    before = score_audit(checklist, store.get_audit(first).answers)  # type: ignore[union-attr]
    now = score_audit(checklist, audit.answers)
    assert before.overall == now.overall == 40 and before.computed and now.computed
    assert round(now.computed, 1) < round(before.computed, 1)
    fmt = Fmt("ru")
    page = pages(workflow.audit_pdf(store, audit, lang="ru", reader=people["hq"], viewer=people["hq"]))[0]
    # the capped scores read ±0; the computed one shows the fall
    assert "±0 п. п. к прошлому аудиту" in page
    assert flat(f"без ограничения: {fmt.signed(round(now.computed, 1) - round(before.computed, 1))} п. п. "
                f"({fmt.pct(before.computed)} → {fmt.pct(now.computed)})") in page
    block = page[page.index("С прошлого аудита"):page.index("Что исправить в первую очередь")]
    assert "Новых замечаний: 1 · повторились: 2 · исправлено: 1" in block
    # the critical failure first, with what its cap cost, not only its own 8 points
    cap = cap_cost(now)
    assert cap > 10
    own = fmt.points(impacts(now)["office.guard"])
    assert flat(f"стоило {own} из 100 и ещё {fmt.points(cap)} — ограничение оценки") in block
    rows = [block.index(t) for t in ("Охранник трезв", "У входа сухо", "Дверь", "Чистота входа")]
    assert rows == sorted(rows)
    assert "исправлено" in block[rows[-1]:] and "новое" in block[rows[2]:rows[3]]
    # the findings carry the same cost
    assert flat(f"и ещё {fmt.points(cap)} — ограничение оценки") in pages(workflow.audit_pdf(
        store, audit, lang="ru", reader=people["hq"]))[1]


def test_since_last_time__none_for_a_shopper_nor_for_the_first_audit(store: Store) -> None:
    people, first, second = two_audits(store)
    audit, earliest = store.get_audit(second), store.get_audit(first)
    assert audit is not None and earliest is not None
    checklist = get_checklist(store, "mini", 1)
    assert since_last_time(store, audit, checklist, people["shopper2"]) is None
    assert since_last_time(store, earliest, checklist, people["hq"]) is None
    since = since_last_time(store, audit, checklist, people["manager"])
    assert since is not None and since.previous_id == first
    text = " ".join(pages(workflow.audit_pdf(store, audit, lang="ru", reader=people["shopper2"],
                                             viewer=people["shopper2"])))
    assert "С прошлого аудита" not in text and "повторилось" not in text


# -- the app and the PDF list findings in the same order ------------------------------------------


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    monkeypatch.setenv("AUDIT_NOTIFY_IN_APP", "0")
    return TinyStore(tmp_path / "data")


def bold_items(markdown: str) -> list[str]:
    return re.findall(r"\*\*(.+?)\*\*", markdown.replace("\\", ""))


def test_app_and_pdf__findings_and_since_last_time_in_the_same_order(data: TinyStore, mini: Checklist
                                                                       ) -> None:
    people, _, second = two_audits(data)
    at: AppTest = open_audit(app_as(data, people["hq"], lang="en").run(), second)
    assert not at.exception
    losses = next(e for e in at.expander if e.label.startswith("Why points were lost"))
    app_findings = [bold_items(str(m.value))[0] for m in losses.markdown]
    since_md = [str(m.value) for m in at.markdown if "Since the previous audit" in str(m.value)]
    assert since_md, "no since-last-time block at the top of the audit's page"
    app_since = [b for m in at.markdown if str(m.value).startswith("- ") for b in bold_items(str(m.value))]

    audit = data.get_audit(second)
    assert audit is not None
    text = pages(workflow.audit_pdf(data, audit, lang="en", reader=people["hq"], viewer=people["hq"]))
    findings = " ".join(text[1:])
    findings = findings[findings.index("Findings"):]
    findings = findings[:min(findings.find(h) % len(findings) for h in ("Action plan", "Sections"))]
    names = {mini.item(k).text.en: k for k in ("office.guard", "entrance.dry", "entrance.door",  # type: ignore[union-attr]
                                               "entrance.clean")}
    pdf_findings = sorted((n for n in names if n in findings), key=findings.index)
    block = text[0][text[0].index("Since the previous audit"):text[0].index("What to fix first")]
    pdf_since = sorted((n for n in names if n in block), key=block.index)

    assert app_findings == pdf_findings == ["The guard is sober", "The entrance is dry, no puddle", "Door"]
    assert app_since == pdf_since == ["The guard is sober", "The entrance is dry, no puddle", "Door",
                                      "Cleanliness of the entrance"]
    # the app says what the cap cost too
    assert "and its cap" in losses.markdown[0].value


def test_since_last_time__an_audit_the_branch_was_not_shown_is_never_the_comparison(
        store: Store) -> None:
    """A mystery audit submitted but not published between the two: page 1 compares with the
    published one before it, for HQ as for the branch."""
    from audit.audits import capture as audits
    from audit.visits import service as visit_service
    from tests.conftest import answer_mini, photograph
    from tests.test_actions_history import PERFECT, ago

    people, first, second = two_audits(store)
    sue = people["shopper2"]
    hidden = audits.start_audit(store, sue, location_id="loc-a", template_id="mini", mode="mystery",
                                lang="ru", visit_at=ago(10), now=ago(10)).id
    answer_mini(store, sue, hidden, **PERFECT)
    photograph(store, sue, hidden, "office.facade")
    visit_service.submit(store, sue, hidden, now=ago(10, 11))
    audit = store.get_audit(second)
    assert audit is not None and not store.get_header(hidden).published  # type: ignore[union-attr]
    checklist = get_checklist(store, "mini", 1)
    for who in ("hq", "manager"):
        since = since_last_time(store, audit, checklist, people[who])
        assert since is not None and since.previous_id == first
    page = pages(workflow.audit_pdf(store, audit, lang="ru", reader=people["hq"], viewer=people["hq"]))[0]
    assert "±0 п. п. к прошлому аудиту" in page  # the perfect unpublished one would read −60
