"""The shopper's expectation of a section: declared in the checklist (validated with its place),
asked first in the section as an item of its own, never scored, and carried per touchpoint as
expected against got into the audit's row and HQ's rollups."""

from __future__ import annotations

import pytest

from audit import workflow
from audit.audits import capture as audits
from audit.checklist.parse import ChecklistError, load_checklist, parse_checklist, shipped_dir
from audit.checklist.templates import add_template, get_checklist
from audit.model import EXPECTATION_ITEM, Answer, User
from audit.model.rollups import rollups_of
from audit.scoring import score_audit
from audit.scoring.expect import ExpectedGot, expected_vs_got
from audit.store import Store
from tests.conftest import MINI_GOOD, MINI_YAML, answer_mini, photograph

WAITING = '    customer: {ru: "Ожидание", en: "Waiting your turn"}\n'
ENTRANCE = '    customer: {ru: "Вход", en: "The way in"}\n'
EXPECT_WAIT = ('    expect:\n      type: minutes\n      against: wait\n      standard: 5\n'
               '      ask: {ru: "Сколько минут готовы ждать?", en: "Minutes you expect to wait?"}\n')
EXPECT_CLEAN = ('    expect:\n      type: scale\n'
                '      ask: {ru: "Насколько чисто ожидаете?", en: "How clean do you expect it?"}\n')
MINI_EXPECT = (MINI_YAML.replace("version: 1", "version: 2")
               .replace(WAITING, WAITING + EXPECT_WAIT).replace(ENTRANCE, ENTRANCE + EXPECT_CLEAN))


def with_expect(block: str) -> str:
    """The mini checklist with `block` as the waiting section's `expect:`."""
    return MINI_YAML.replace(WAITING, WAITING + block)


def problems_of(text: str) -> list[str]:
    with pytest.raises(ChecklistError) as info:
        parse_checklist(text, source="t.yaml")
    return [p.format("en") for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# -- the declaration -------------------------------------------------------------------------


def test_expect__becomes_the_first_item_of_its_section__unscored() -> None:
    checklist = parse_checklist(MINI_EXPECT, source="t.yaml")
    waiting = checklist.section("waiting")
    assert waiting is not None and waiting.expect is not None
    first = waiting.items[0]
    assert (first.id, first.type, first.expectation, first.is_scored, first.required) == (
        EXPECTATION_ITEM, "number", True, False, False)
    assert first.text.en == "Minutes you expect to wait?" and first.unit is not None
    assert "5 min" in (first.guidance.en if first.guidance else "")
    entrance = checklist.section("entrance")
    assert entrance is not None and entrance.items[0].type == "scale"
    assert (entrance.items[0].scale_min, entrance.items[0].scale_max) == (1, 5)
    assert [i.id for i in entrance.items[1:]] == ["dry", "clean", "door"]


def test_expect__standard_alone__asks_nothing_and_is_the_expectation() -> None:
    checklist = parse_checklist(with_expect(
        "    expect: {type: minutes, against: wait, standard: 7}\n"), source="t.yaml")
    waiting = checklist.section("waiting")
    assert waiting is not None and waiting.expect is not None
    assert not waiting.expect.asked and EXPECTATION_ITEM not in [i.id for i in waiting.items]
    answers = {k: Answer(k, v) for k, v in MINI_GOOD.items()}
    found = expected_vs_got(checklist, answers, score_audit(checklist, answers))
    assert found == (ExpectedGot("waiting", "minutes", 7.0, 3.0, standard=True),)


@pytest.mark.parametrize(("block", "place", "says"), [
    ("    expect: {type: hours, ask: {ru: а, en: b}, against: wait}\n", "sections[1].expect.type",
     'type "hours" is not known'),
    ("    expect: {type: minutes, against: wait}\n", "sections[1].expect", "`ask:`"),
    ("    expect: {type: minutes, ask: {ru: а, en: b}}\n", "sections[1].expect.against",
     "needs `against:`"),
    ("    expect: {type: minutes, ask: {ru: а, en: b}, against: wiat}\n",
     "sections[1].expect.against", 'did you mean "wait"?'),
    ("    expect: {type: scale, ask: {ru: а, en: b}, against: wait}\n",
     "sections[1].expect.against", "a wait_time item"),
    ("    expect: {type: scale, ask: {ru: а, en: b}, standard: 9}\n",
     "sections[1].expect.standard", "between 1 and 5"),
    ("    expect: {type: minutes, ask: only English, against: wait}\n",
     "sections[1].expect.ask", "both languages"),
    ("    expect: {type: minutes, ask: {ru: а, en: b}, against: wait, asked: yes}\n",
     "sections[1].expect.asked", "unknown key"),
    ("    expect: soon\n", "sections[1].expect", "mapping"),
], ids=["kind", "nothing-to-ask", "no-against", "typo-against", "wrong-against", "standard",
        "one-language", "unknown-key", "not-a-mapping"])
def test_expect__bad_declaration__clear_error_with_its_line(block: str, place: str, says: str) -> None:
    text = with_expect(block)
    found = problems_of(text)
    line = line_of(text, "expect:")
    assert any(f"t.yaml:{line}" in p and place in p and says in p for p in found), found


def test_expect__section_with_an_item_named_expected__refused() -> None:
    text = with_expect(EXPECT_WAIT).replace("      - id: chairs", "      - id: expected")
    assert any("already has an item \"expected\"" in p for p in problems_of(text))


# -- scoring never changes --------------------------------------------------------------------


@pytest.mark.parametrize("expected", [None, 0, 2, 30])
def test_expectation__any_answer__every_score_as_without_it(expected: int | None) -> None:
    plain = parse_checklist(MINI_YAML.replace("version: 1", "version: 2"), source="t.yaml")
    expecting = parse_checklist(MINI_EXPECT, source="t.yaml")
    values = dict(MINI_GOOD, **{"waiting.wait": {"minutes": 12}, "entrance.clean": 2})
    answers = {k: Answer(k, v) for k, v in values.items()}
    more = dict(answers)
    if expected is not None:
        more["waiting.expected"] = Answer("waiting.expected", expected)
        more["entrance.expected"] = Answer("entrance.expected", 5)
    a, b = score_audit(plain, answers), score_audit(expecting, more)
    assert (a.overall, a.computed, a.level) == (b.overall, b.computed, b.level)
    assert [(s.id, s.earned, s.possible) for s in a.sections] == [
        (s.id, s.earned, s.possible) for s in b.sections]
    assert [f.key for f in a.findings] == [f.key for f in b.findings]
    assert not any(i.key.endswith(".expected") and (i.possible or i.is_finding)
                   for s in b.sections for i in s.items)


def test_expected_vs_got__wait_against_expected_and_section_on_one_to_five() -> None:
    checklist = parse_checklist(MINI_EXPECT, source="t.yaml")
    values = dict(MINI_GOOD, **{"waiting.wait": {"minutes": 12}, "waiting.expected": 5,
                                "entrance.expected": 4})
    answers = {k: Answer(k, v) for k, v in values.items()}
    score = score_audit(checklist, answers)
    wait, clean = (next(e for e in expected_vs_got(checklist, answers, score) if e.section == s)
                   for s in ("waiting", "entrance"))
    assert (wait.expected, wait.got, wait.better, wait.where) == (5.0, 12.0, -7.0, "below")
    entrance = next(s for s in score.sections if s.id == "entrance")
    assert clean.got == pytest.approx(1 + 4 * (entrance.percent or 0) / 100)
    assert clean.where == "above"  # a spotless entrance against an expected 4
    quick = dict(answers, **{"waiting.wait": Answer("waiting.wait", {"minutes": 5.4})})
    assert next(e for e in expected_vs_got(checklist, quick, score_audit(checklist, quick))
                if e.section == "waiting").where == "met"


# -- the audit's row and HQ's rollups --------------------------------------------------------


def test_submit__row_and_rollups_carry_expected_vs_got__reopen_takes_it_away(
        store: Store, network: dict[str, User]) -> None:
    add_template(store, MINI_EXPECT, by="test")
    shopper = network["shopper"]
    audit_id = audits.start_audit(store, shopper, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(store, shopper, audit_id, waiting__wait={"minutes": 12}, waiting__expected=5,
                entrance__expected=3)
    photograph(store, shopper, audit_id, "office.facade")
    workflow.submit(store, shopper, audit_id)
    row = store.get_summary(audit_id)
    assert row is not None
    assert row.expectations["waiting"] == (5.0, 12.0, "below")
    assert row.expectations["entrance"][2] == "above"
    (group,) = [g for g in store.get_rollups().locations if g.template_id == "mini"]
    assert ("waiting", 500, 1200, 1, 1, 0, 0) in group.expectations
    assert store.get_rollups().canonical() == rollups_of(store.list_summaries()).canonical()
    audits.reopen(store, network["hq"], audit_id, "check")
    assert not any(g.expectations for g in store.get_rollups().locations)
    # what the audit already holds is kept
    audit = store.get_audit(audit_id)
    assert audit is not None and audit.answers["waiting.expected"].value == 5


def test_shipped_service_point__asks_the_wait_and_the_restroom_first() -> None:
    checklist = load_checklist(shipped_dir() / "service-point.yaml")
    asked = {s.id: s.items[0] for s in checklist.sections if s.expect is not None}
    assert set(asked) == {"waiting", "restroom"}
    assert all(i.id == EXPECTATION_ITEM and not i.is_scored for i in asked.values())
    waiting = checklist.section("waiting")
    assert waiting is not None and waiting.expect is not None
    assert waiting.expect.against == "wait-time"


def test_old_rows_without_expectations__read_back_unchanged(store: Store,
                                                           network: dict[str, User]) -> None:
    shopper = network["shopper"]
    audit_id = audits.start_audit(store, shopper, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(store, shopper, audit_id)
    photograph(store, shopper, audit_id, "office.facade")
    workflow.submit(store, shopper, audit_id)
    row = store.get_summary(audit_id)
    assert row is not None and row.expectations == {} and "expect" not in row.to_dict()
    assert get_checklist(store, "mini").section("waiting").expect is None  # type: ignore[union-attr]
    assert not any(g.expectations for g in store.get_rollups().locations)


@pytest.mark.parametrize(("lang", "title", "line"), [
    ("en", "Expected against got", "expected 5 min, waited 12 min — let down"),
    ("ru", "Ожидание и реальность", "ожидали 5 мин, ждали 12 мин — ниже ожиданий"),
])
def test_audit_pdf__expected_against_got_read_back(store: Store, network: dict[str, User],
                                                  lang: str, title: str, line: str) -> None:
    import io

    from pypdf import PdfReader

    add_template(store, MINI_EXPECT, by="test")
    shopper = network["shopper"]
    audit_id = audits.start_audit(store, shopper, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang=lang).id
    answer_mini(store, shopper, audit_id, waiting__wait={"minutes": 12}, waiting__expected=5,
                entrance__expected=3)
    photograph(store, shopper, audit_id, "office.facade")
    workflow.submit(store, shopper, audit_id)
    audit = store.get_audit(audit_id)
    assert audit is not None
    pdf = workflow.audit_pdf(store, audit, lang=lang, reader=network["hq"])
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert title in text and line in text
