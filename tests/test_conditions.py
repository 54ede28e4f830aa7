"""`when:` conditions and whole-section N/A: validation, visibility, scoring, submit, storage."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import workflow
from audit.audits import capture as audits
from audit.checklist.conditions import conditions_data, visibility
from audit.checklist.parse import ChecklistError, parse_checklist
from audit.checklist.templates import add_template
from audit.i18n import error_text, explain
from audit.model import Answer, Checklist, Item, Section, User
from audit.scoring.score import AnswerError, impacts, missing_for_submit, progress, score_audit
from audit.store import Store

COND_YAML = """
id: cond
version: 1
title: {ru: "Условия", en: "Conditions"}
levels: [{min: 0, key: disappointment}, {min: 60, key: average}, {min: 85, key: wow}]
critical_cap: 40
sections:
  - id: talk
    title: {ru: Разговор, en: Conversation}
    weight: 3
    items:
      - id: promised
        text: {ru: "Обещали перезвонить", en: "A call back was promised"}
        type: yes_no
      - id: kept
        text: {ru: "Перезвонили в обещанный срок", en: "The promised call came on time"}
        type: yes_no
        critical: true
        when: {item: promised, is: "yes"}
      - id: greeting
        text: {ru: "Через сколько секунд поздоровались", en: "Seconds until greeted"}
        type: number
        bands: [{max: 30, score: 1}, {score: 0}]
      - id: apology
        text: {ru: "Извинились за ожидание", en: "Apologised for the wait"}
        type: yes_no
        when: {item: greeting, min: 31}
      - id: channel
        text: {ru: "Канал", en: "Channel"}
        type: choice
        options:
          - {id: phone, text: {ru: Телефон, en: Phone}, score: 1}
          - {id: chat, text: {ru: Чат, en: Chat}, score: 1}
          - {id: none, text: {ru: Никакой, en: None}, score: 0}
      - id: summary
        text: {ru: "Итог визита", en: "Summary of the visit"}
        type: text
        required: false
        summary: true
  - id: restroom
    title: {ru: Туалет, en: Restroom}
    na: true
    na_reason: {ru: "В отделении нет туалета для клиентов", en: "The branch has no customer restroom"}
    items:
      - id: clean
        text: {ru: "Чисто", en: "Clean"}
        type: yes_no
      - id: soap
        text: {ru: "Есть мыло", en: "Soap is there"}
        type: yes_no
  - id: parking
    title: {ru: Парковка, en: Parking}
    when: {not: {item: talk.channel, is: none}}
    items:
      - id: free
        text: {ru: "Есть свободные места", en: "Free spaces"}
        type: yes_no
      - id: staff
        text: {ru: "Места не заняты сотрудниками", en: "Spaces not taken by staff"}
        type: yes_no
        when: {any: [{item: free, is: "no"}, {item: talk.channel, is: [phone]}]}
"""


@pytest.fixture(scope="module")
def cond() -> Checklist:
    return parse_checklist(COND_YAML, source="cond.yaml")


def answers_of(**values: object) -> dict[str, Answer]:
    out = {}
    for k, v in values.items():
        key = k.replace("__", ".")
        out[key] = Answer(key=key, value=v)
    return out


def problems_of(text: str) -> str:
    with pytest.raises(ChecklistError) as info:
        parse_checklist(text, source="t.yaml")
    return "\n".join(p.format("en") for p in info.value.problems)


def with_when(when: str, *, on: str = "kept", section_when: str = "") -> str:
    """COND_YAML with one item's (or the parking section's) condition replaced."""
    text = COND_YAML.replace('        when: {item: promised, is: "yes"}\n', "")
    if section_when:
        return text.replace("    when: {not: {item: talk.channel, is: none}}",
                            f"    when: {section_when}")
    marker = f"      - id: {on}\n"
    start = text.index(marker)
    end = text.index("type:", start)
    line_end = text.index("\n", end) + 1
    return text[:line_end] + f"        when: {when}\n" + text[line_end:]


# --- the validator -----------------------------------------------------------------------------


def test_shipped_conditions__parse_into_data(cond: Checklist) -> None:
    kept = cond.item("talk.kept")
    assert kept is not None and kept.when is not None
    assert kept.when.to_data() == {"item": "talk.promised", "is": [True]}
    data = conditions_data(cond)
    assert data["parking"] == {"not": {"item": "talk.channel", "is": ["none"]}}
    assert data["parking.staff"] == {"any": [{"item": "parking.free", "is": [False]},
                                             {"item": "talk.channel", "is": ["phone"]}]}
    assert data["talk.apology"] == {"item": "talk.greeting", "min": 31.0}
    restroom = cond.section("restroom")
    assert restroom is not None and restroom.na and restroom.na_reason is not None


@pytest.mark.parametrize(("when", "on", "section_when", "expected"), [
    ("{item: promisd, is: 'yes'}", "kept", "", 'no item "promisd" to test — did you mean "talk.promised"?'),
    ("{item: parking.free, is: 'yes'}", "kept", "", '"parking.free" is in a later section'),
    ("{item: summary, is: 'yes'}", "kept", "", '"summary" is a text item, which a condition cannot test'),
    ("{item: promised, is: maybe}", "kept", "", 'a yes_no item is never "maybe"'),
    ("{item: channel, is: email}", "kept", "", '"channel" has no option "email"'),
    ("{item: channel, min: 2}", "kept", "", "min/max cannot match a choice item"),
    ("{item: greeting, min: 10, max: 5}", "kept", "", "no answer can fall between this min and max"),
    ("{item: promised}", "kept", "", "the condition says what to test but not the answer to match"),
    ("{item: promised, is: 'yes', any: []}", "kept", "", "exactly one of item, any, all, not"),
    ("{all: []}", "kept", "", "all needs a list of conditions"),
    ("{whn: 1}", "kept", "", 'unknown key "whn"'),
    ("{item: kept, is: 'yes'}", "kept", "", "these conditions form a cycle: talk.kept → talk.kept"),
    ("", "", "{item: parking.free, is: 'yes'}", "a section's condition cannot test its own item"),
    ("", "", "{item: restroom.clean, is: 'yes'}", ""),
])
def test_when__bad_condition__rejected_with_place_and_hint(
        when: str, on: str, section_when: str, expected: str) -> None:
    text = with_when(when, on=on or "kept", section_when=section_when) if when or section_when else COND_YAML
    if not expected:  # an earlier section's item is fine for a section's condition
        parse_checklist(text, source="t.yaml")
        return
    message = problems_of(text)
    assert expected in message
    assert "t.yaml:" in message and ".when" in message


def test_when__two_items_waiting_on_each_other__the_cycle_is_named() -> None:
    text = with_when("{item: channel, is: phone}", on="promised")
    text = text.replace("      - id: channel\n",
                        "      - id: channel\n        when: {item: promised, is: 'yes'}\n")
    message = problems_of(text)
    assert "form a cycle" in message
    assert "talk.promised" in message and "talk.channel" in message


def test_when__in_russian__the_problem_reads_in_russian() -> None:
    with pytest.raises(ChecklistError) as info:
        parse_checklist(with_when("{item: promisd, is: 'yes'}"), source="t.yaml")
    assert "нет пункта «promisd» для проверки" in info.value.format("ru")


def test_summary__only_on_a_text_item() -> None:
    text = COND_YAML.replace("        type: yes_no\n      - id: kept",
                             "        type: yes_no\n        summary: true\n      - id: kept", 1)
    assert "only a text item can be the visit's summary" in problems_of(text)


def test_na_reason__without_na__rejected() -> None:
    text = COND_YAML.replace("    na: true\n", "")
    assert "na_reason is given but the section may not be answered N/A" in problems_of(text)


# --- visibility and scoring --------------------------------------------------------------------


@pytest.mark.parametrize(("values", "hidden"), [
    ({}, {"talk.kept", "talk.apology", "parking.staff"}),
    ({"talk__promised": True}, {"talk.apology", "parking.staff"}),
    ({"talk__promised": False, "talk__greeting": 45.0}, {"talk.kept", "parking.staff"}),
    ({"talk__channel": "phone"}, {"talk.kept", "talk.apology"}),
    ({"talk__channel": "none"}, {"talk.kept", "talk.apology", "parking.free", "parking.staff"}),
    ({"parking__free": False}, {"talk.kept", "talk.apology"}),
])
def test_visibility__table(cond: Checklist, values: dict[str, object], hidden: set[str]) -> None:
    vis = visibility(cond, answers_of(**values))
    assert set(vis.hidden) == hidden
    assert ("parking" in vis.hidden_sections) == (values.get("talk__channel") == "none")


def test_hidden_item__not_scored_not_required_and_explained(cond: Checklist) -> None:
    answers = answers_of(talk__promised=False, talk__kept=False, talk__greeting=10.0, talk__channel="chat",
                         restroom__clean=True, restroom__soap=True, parking__free=True)
    score = score_audit(cond, answers)
    kept = score.item("talk.kept")
    assert kept is not None and kept.possible == 0 and not kept.is_finding
    assert not score.is_critical_failure  # the stored "no" of a hidden critical item does not count
    assert "talk.kept" not in dict(missing_for_submit(cond, answers, photos=()))
    item = cond.item("talk.kept")
    assert item is not None
    assert explain(item, kept, "en", cond) == "skipped: asked only when “A call back was promised” is “Yes”"
    assert explain(item, kept, "ru", cond) == "пропущен: задаётся, только если «Обещали перезвонить» — «Да»"
    assert progress(cond, answers)["talk"] == (3, 4)  # of promised, greeting, channel, summary


def test_shown_item__scored_and_required_again_when_the_answer_changes(cond: Checklist) -> None:
    answers = answers_of(talk__promised=True, talk__kept=False, talk__greeting=10.0, talk__channel="chat")
    score = score_audit(cond, answers)
    assert score.critical_failures == ("talk.kept",)
    answers.pop("talk.kept")
    assert ("talk.kept", "answer") in missing_for_submit(cond, answers, photos=())


def test_section_na__leaves_the_score_like_item_na_and_asks_for_nothing(cond: Checklist) -> None:
    base = answers_of(talk__promised=False, talk__greeting=10.0, talk__channel="chat", parking__free=True)
    na = dict(base, restroom=Answer(key="restroom", na=True, comment="нет туалета"))
    score = score_audit(cond, na)
    restroom = next(s for s in score.sections if s.id == "restroom")
    assert restroom.possible == 0 and restroom.percent is None
    without = dataclasses.replace(cond, sections=tuple(s for s in cond.sections if s.id != "restroom"))
    assert score.computed == score_audit(without, base).computed
    assert not [k for k, _ in missing_for_submit(cond, na, photos=()) if k.startswith("restroom.")]
    assert progress(cond, na)["restroom"] == (2, 2)
    clean = score.item("restroom.clean")
    item = cond.item("restroom.clean")
    assert clean is not None and item is not None
    assert explain(item, clean, "ru") == "раздел не применим: нет туалета"


def test_section_na__on_a_section_that_does_not_allow_it__is_ignored(cond: Checklist) -> None:
    answers = answers_of(talk__promised=True, parking__free=False)
    answers["parking"] = Answer(key="parking", na=True, comment="x")
    score = score_audit(cond, answers)
    assert "parking.free" in {f.key for f in score.findings}


# --- the property: a hidden item scores exactly as a removed one --------------------------------


def _value(item: Item, data: st.DataObject) -> object:
    if item.type == "yes_no":
        return data.draw(st.booleans())
    if item.type == "number":
        return data.draw(st.sampled_from([5.0, 30.0, 31.0, 90.0]))
    if item.type == "choice":
        return data.draw(st.sampled_from([o.id for o in item.options]))
    return data.draw(st.none() | st.just("ok"))


def _removed(checklist: Checklist, hidden: set[str], hidden_sections: set[str]) -> Checklist:
    sections = []
    for s in checklist.sections:
        if s.id in hidden_sections:
            continue
        items = tuple(dataclasses.replace(i, when=None) for i in s.items if f"{s.id}.{i.id}" not in hidden)
        sections.append(Section(id=s.id, title=s.title, items=items, weight=s.weight, na=s.na))
    return dataclasses.replace(checklist, sections=tuple(sections))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_property__a_hidden_item_scores_as_if_removed(cond: Checklist, data: st.DataObject) -> None:
    answers: dict[str, Answer] = {}
    for section, item in cond.items():
        key = f"{section.id}.{item.id}"
        if data.draw(st.integers(0, 4)) == 0:
            continue
        answers[key] = Answer(key=key, value=_value(item, data))
    if data.draw(st.booleans()):
        answers["restroom"] = Answer(key="restroom", na=True, comment="нет")
    vis = visibility(cond, answers)
    removed = _removed(cond, set(vis.hidden), set(vis.hidden_sections))
    kept_answers = {k: a for k, a in answers.items() if k not in vis.hidden}
    a, b = score_audit(cond, answers), score_audit(removed, kept_answers)
    assert (a.computed, a.overall, a.level, a.critical_failures) == (
        b.computed, b.overall, b.level, b.critical_failures)
    assert {f.key for f in a.findings} == {f.key for f in b.findings}
    assert impacts(a) == pytest.approx(impacts(b))
    by_id = {s.id: s for s in a.sections}
    for s in b.sections:
        assert (by_id[s.id].earned, by_id[s.id].possible) == (s.earned, s.possible)
    assert set(missing_for_submit(cond, answers, photos=())) == set(
        missing_for_submit(removed, kept_answers, photos=()))


# --- the audit: section N/A saved at once, with its reason --------------------------------------


@pytest.fixture
def cond_audit(store: Store, network: dict[str, User]) -> tuple[Store, User, str]:
    add_template(store, COND_YAML, by="test")
    shopper = network["shopper"]
    header = audits.start_audit(store, shopper, location_id="loc-a", template_id="cond", mode="mystery",
                                lang="ru")
    return store, shopper, header.id


def test_set_section_na__saved_at_once_with_the_reason_and_item_answers_kept(
        cond_audit: tuple[Store, User, str]) -> None:
    store, shopper, audit_id = cond_audit
    audits.answer(store, shopper, audit_id, "restroom.clean", value=False)
    audits.set_section_na(store, shopper, audit_id, "restroom", "В отделении нет туалета для клиентов")
    audit = store.get_audit(audit_id)
    assert audit is not None
    assert audit.answers["restroom"].na and audit.answers["restroom"].comment.startswith("В отделении")
    assert audit.answers["restroom.clean"].value is False  # kept underneath
    audits.set_section_na(store, shopper, audit_id, "restroom", "", na=False)
    audit = store.get_audit(audit_id)
    assert audit is not None and not audit.answers["restroom"].na
    assert "restroom.clean" in {f.key for f in score_audit(
        audits.checklist_for(store, audit.header), audit.answers).findings}


@pytest.mark.parametrize(("section", "reason", "code", "ru"), [
    ("parking", "closed", "section_na_not_allowed", "Этот раздел нельзя отметить как неприменимый."),
    ("restroom", "  ", "na_reason_needed", "Укажите, почему раздел не применим."),
])
def test_set_section_na__refused_with_a_clear_message_and_nothing_lost(
        cond_audit: tuple[Store, User, str], section: str, reason: str, code: str, ru: str) -> None:
    store, shopper, audit_id = cond_audit
    audits.answer(store, shopper, audit_id, "talk.promised", value=True)
    with pytest.raises(AnswerError) as err:
        audits.set_section_na(store, shopper, audit_id, section, reason)
    assert err.value.code == code
    assert error_text(err.value, "ru") == ru
    audit = store.get_audit(audit_id)
    assert audit is not None and audit.answers["talk.promised"].value is True
    assert section not in audit.answers


def test_submit__with_a_section_na_and_hidden_items__summary_row_records_losses(
        cond_audit: tuple[Store, User, str]) -> None:
    store, shopper, audit_id = cond_audit
    for key, value in {"talk.promised": False, "talk.greeting": 10.0, "talk.channel": "chat",
                       "parking.free": False, "parking.staff": False}.items():
        audits.answer(store, shopper, audit_id, key, value=value)
    audits.set_section_na(store, shopper, audit_id, "restroom", "нет туалета")
    row = workflow.submit(store, shopper, audit_id)
    assert set(row.lost) == {"talk.promised", "parking.free", "parking.staff"}
    assert {"talk.kept", "talk.apology", "restroom.clean", "restroom.soap"} <= set(row.skipped)
    assert row.sections["restroom"] is None
    again = store.get_summary(audit_id)
    assert again is not None and again.lost == row.lost and again.skipped == row.skipped
