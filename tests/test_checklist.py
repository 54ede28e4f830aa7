"""Checklist YAML → Checklist: shipped templates load; every mistake is reported with its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.checklist.parse import ChecklistError, load_checklist, parse_checklist, shipped_dir
from audit.checklist.voice import NotForVoice, touchpoints
from audit.i18n import error_text
from audit.model import ITEM_TYPES
from tests.conftest import MINI_YAML

SHIPPED = sorted(shipped_dir().glob("*.yaml"))


def problems_of(text: str) -> str:
    with pytest.raises(ChecklistError) as info:
        parse_checklist(text, source="t.yaml")
    return "\n".join(p.format("en") for p in info.value.problems)


def test_shipped_checklists__all_three_present() -> None:
    assert {p.name for p in SHIPPED} >= {
        "service-point.yaml", "staff-conversation.yaml", "contact-center.yaml"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_checklist__loads_with_guidance_in_both_languages(path: Path) -> None:
    c = load_checklist(path)
    for section, item in c.items():
        assert section.title.ru and section.title.en
        assert item.text.ru and item.text.en
        assert item.guidance is not None, f"{section.id}.{item.id} has no guidance"
        assert item.guidance.ru.strip() and item.guidance.en.strip()


@pytest.mark.parametrize(("name", "min_items", "min_sections"), [
    ("service-point.yaml", 60, 10),
    ("staff-conversation.yaml", 25, 1),
    ("contact-center.yaml", 20, 1),
])
def test_shipped_checklist__meets_its_size(name: str, min_items: int, min_sections: int) -> None:
    c = load_checklist(shipped_dir() / name)
    assert len(c.items()) >= min_items
    assert len(c.sections) >= min_sections


def test_service_point__covers_the_customer_journey() -> None:
    c = load_checklist(shipped_dir() / "service-point.yaml")
    types = {i.type for _, i in c.items()}
    assert {"hours", "wait_time", "typo_check", "multi", "yes_no"} <= types
    text = " ".join(f"{s.title.en} {i.text.en}" for s, i in c.items()).lower()
    for topic in ("hours", "parking", "entrance", "security", "wait", "restroom", "website",
                  "wi-fi", "child", "e-mail", "delivery"):
        assert topic in text, topic


def test_mini__every_item_type_parses(mini) -> None:  # type: ignore[no-untyped-def]
    assert {i.type for _, i in mini.items()} == set(ITEM_TYPES)
    assert mini.item("waiting.wait").bands[-1].max is None
    assert mini.item("office.hours").hours.evening_after == "19:00"
    assert mini.critical_cap == 40


def test_unknown_key__did_you_mean() -> None:
    out = problems_of(MINI_YAML.replace("    weight: 2\n    items:", "    wieght: 2\n    items:"))
    assert 'sections[0].wieght: unknown key "wieght"' in out
    assert 'did you mean "weight"?' in out


def test_unknown_type__did_you_mean_with_place_and_line() -> None:
    out = problems_of(MINI_YAML.replace("type: yes_no\n        weight: 2", "type: yesno\n        weight: 2"))
    assert "sections[0].items[0].type" in out
    assert 'unknown type "yesno"' in out and 'did you mean "yes_no"?' in out
    assert "t.yaml:" in out.split("sections[0].items[0].type")[0]


def test_every_problem_is_reported_at_once() -> None:
    bad = MINI_YAML.replace("type: yes_no\n        weight: 2", "type: yesno\n        weight: -1")
    bad = bad.replace("id: clean", "id: dry")
    bad = bad.replace('en: "Door"', 'enn: "Door"')
    with pytest.raises(ChecklistError) as info:
        parse_checklist(bad, source="t.yaml")
    places = [p.place for p in info.value.problems]
    assert "sections[0].items[0].type" in places
    assert "sections[0].items[0].weight" in places
    assert "sections[0].items[1].id" in places
    assert "sections[0].items[2].text.en" in places
    assert len(info.value.problems) >= 4


def test_duplicate_section_id__rejected_with_first_place() -> None:
    out = problems_of(MINI_YAML.replace("id: waiting", "id: entrance"))
    assert 'duplicate section id "entrance" (first at sections[0])' in out


def test_missing_english_text__rejected_with_hint() -> None:
    out = problems_of(MINI_YAML.replace('en: "Cleanliness of the entrance"', 'en: ""'))
    assert "sections[0].items[1].text.en: the en text is missing" in out


def test_text_in_one_language__asks_for_both() -> None:
    out = problems_of(MINI_YAML.replace('title: {ru: Вход, en: Entrance}', 'title: Entrance'))
    assert "sections[0].title: text must be given in both languages" in out


@pytest.mark.parametrize("weight", ["0", "-2"])
def test_weight__not_positive__rejected_with_hint(weight: str) -> None:
    out = problems_of(MINI_YAML.replace("weight: 2\n        photo", f"weight: {weight}\n        photo"))
    assert "sections[0].items[0].weight: weight must be greater than 0" in out


def test_bands__overlap__rejected() -> None:
    out = problems_of(MINI_YAML.replace("[{max: 5, score: 1}, {max: 10, score: 0.5}, {score: 0}]",
                                        "[{max: 10, score: 1}, {max: 5, score: 0.5}, {score: 0}]"))
    assert "sections[1].items[1].bands[1].max: bands overlap" in out


def test_bands__open_end_missing__is_a_gap() -> None:
    out = problems_of(MINI_YAML.replace("[{max: 5, score: 1}, {max: 10, score: 0.5}, {score: 0}]",
                                        "[{max: 5, score: 1}, {max: 10, score: 0}]"))
    assert "bands leave a gap: values above 10 have no score" in out


def test_bands__min_leaves_gap__rejected() -> None:
    out = problems_of(MINI_YAML.replace("[{max: 5, score: 1}, {max: 10, score: 0.5}, {score: 0}]",
                                        "[{max: 5, score: 1}, {min: 7, max: 10, score: 0.5}, {score: 0}]"))
    assert "sections[1].items[1].bands[1].min: bands leave a gap between 5 and 7" in out


def test_choice_without_options__rejected() -> None:
    text = MINI_YAML.replace("""        options:
          - {id: open, text: {ru: "Открыта", en: "Open"}, score: 1}
          - {id: heavy, text: {ru: "Тяжёлая", en: "Heavy"}, score: 0.5}
          - {id: locked, text: {ru: "Заперта", en: "Locked"}, score: 0}
""", "")
    out = problems_of(text)
    assert "sections[0].items[2].options: a choice item needs options" in out


def test_critical_item_that_cannot_fail__rejected() -> None:
    text = MINI_YAML.replace("      - id: notes\n        text: {ru: \"Заметки\", en: \"Notes\"}\n"
                             "        type: text\n",
                             "      - id: notes\n        text: {ru: \"Заметки\", en: \"Notes\"}\n"
                             "        type: text\n        critical: true\n")
    out = problems_of(text)
    assert "sections[2].items[3].critical: a critical text item that can never score 0" in out


def test_critical_choice_without_a_zero_option__cannot_fail() -> None:
    text = MINI_YAML.replace("type: choice\n", "type: choice\n        critical: true\n")
    text = text.replace("score: 0}\n  - id: waiting", "score: 0.2}\n  - id: waiting")
    out = problems_of(text)
    assert "sections[0].items[2].critical" in out


def test_levels__out_of_order__rejected() -> None:
    out = problems_of(MINI_YAML.replace("{min: 60, key: average}, {min: 85, key: wow}",
                                        "{min: 85, key: average}, {min: 60, key: wow}"))
    assert "levels[2].min: levels out of order" in out


def test_levels__unknown_key__did_you_mean() -> None:
    out = problems_of(MINI_YAML.replace("key: wow", "key: wov"))
    assert 'levels[2].key: level "wov" is not known' in out and '"wow"' in out


def test_yaml_syntax_error__line_and_column() -> None:
    text = 'id: x\ntitle: {ru: "a", en: "b"\nversion: 1\n'
    with pytest.raises(ChecklistError) as info:
        parse_checklist(text, source="t.yaml")
    (problem,) = info.value.problems
    assert problem.line is not None and problem.column is not None
    assert "YAML syntax error" in problem.format("en")
    assert problem.format("en").startswith(f"t.yaml:{problem.line}:{problem.column}:")


def test_duplicate_yaml_key__reported() -> None:
    out = problems_of(MINI_YAML.replace("version: 1\n", "version: 1\nversion: 2\n"))
    assert 'key "version" appears twice' in out


def test_option_id_read_as_boolean__asks_for_quotes() -> None:
    out = problems_of(MINI_YAML.replace("{id: open,", "{id: yes,"))
    assert "sections[0].items[2].options[0].id: id must be text" in out
    assert "quotes" in out


def test_key_meant_for_another_type__rejected() -> None:
    out = problems_of(MINI_YAML.replace("type: yes_no\n        critical: true",
                                        "type: yes_no\n        critical: true\n"
                                        "        scale: {min: 1, max: 5}"))
    assert '"scale" has no meaning for type yes_no' in out


def test_problems_translate_to_russian() -> None:
    with pytest.raises(ChecklistError) as info:
        parse_checklist(MINI_YAML.replace("type: scale", "type: scael"), source="t.yaml")
    ru = info.value.format("ru")
    assert "неизвестный тип «scael»" in ru and "может быть, «scale»?" in ru


def test_not_utf8_file__clear_error(tmp_path: Path) -> None:
    p = tmp_path / "x.yaml"
    p.write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(ChecklistError) as info:
        load_checklist(p)
    assert "not a UTF-8 text file" in str(info.value)


def test_huge_file__refused(tmp_path: Path) -> None:
    p = tmp_path / "big.yaml"
    p.write_text("# " + "x" * 2_000_000)
    with pytest.raises(ChecklistError) as info:
        load_checklist(p)
    assert "larger than" in str(info.value)


# -- customer-facing sections (the voice page) ------------------------------------------------


def test_customer__marks_the_section_with_the_customers_words(mini) -> None:  # type: ignore[no-untyped-def]
    entrance = mini.section("entrance")
    assert entrance.is_customer_facing and entrance.customer.en == "The way in"
    assert [s.id for s in touchpoints(mini)] == ["entrance", "waiting"]
    assert not mini.section("office").is_customer_facing


def test_customer__one_language_only__asks_for_both_with_line() -> None:
    with pytest.raises(ChecklistError) as info:
        parse_checklist(MINI_YAML.replace('customer: {ru: "Вход", en: "The way in"}',
                                          'customer: "The way in"'), source="t.yaml")
    (problem,) = info.value.problems
    assert problem.place == "sections[0].customer"
    assert "text must be given in both languages" in problem.format("en")
    assert problem.line == MINI_YAML.splitlines().index('    customer: {ru: "Вход", en: "The way in"}') + 1
    assert problem.column == 5  # the key's own place, like every other problem


@pytest.mark.parametrize("value", ["true", "", "yes"])
def test_customer__a_flag_instead_of_words__rejected_with_hint(value: str) -> None:
    out = problems_of(MINI_YAML.replace('customer: {ru: "Вход", en: "The way in"}', f"customer: {value}"))
    assert "sections[0].customer: customer must be the touchpoint in a customer's words" in out
    assert "remove the key if customers are not asked" in out


def test_customer__line_break__must_be_one_line() -> None:
    out = problems_of(MINI_YAML.replace('en: "The way in"', 'en: "The way\\nin"'))
    assert "sections[0].customer.en: `customer` must be one line" in out


def test_customer__misspelt_key__did_you_mean() -> None:
    out = problems_of(MINI_YAML.replace('    customer: {ru: "Вход"', '    custumer: {ru: "Вход"'))
    assert 'sections[0].custumer: unknown key "custumer"' in out and 'did you mean "customer"?' in out


def test_customer__too_long__refused_with_its_place() -> None:
    out = problems_of(MINI_YAML.replace('en: "The way in"', f'en: "{"x" * 201}"'))
    assert "sections[0].customer.en: the text is 201 characters long; at most 200" in out


def test_customer__russian_problem_reads_in_russian() -> None:
    with pytest.raises(ChecklistError) as info:
        parse_checklist(MINI_YAML.replace('customer: {ru: "Вход", en: "The way in"}', "customer: true"),
                        source="t.yaml")
    assert "словами клиента" in info.value.format("ru")


@pytest.mark.parametrize(("name", "expected"), [
    ("service-point.yaml", ["parking", "entrance", "security", "waiting-area", "waiting", "service",
                            "restroom", "farewell"]),
    ("contact-center.yaml", ["phone", "written", "resolution"]),
])
def test_shipped__customer_facing_sections(name: str, expected: list[str]) -> None:
    checklist = load_checklist(shipped_dir() / name)
    assert [s.id for s in touchpoints(checklist)] == expected
    for s in touchpoints(checklist):
        assert s.customer is not None and s.customer.ru and s.customer.en


def test_checklist_without_customer_sections__refused_for_voice_with_its_reason() -> None:
    checklist = load_checklist(shipped_dir() / "staff-conversation.yaml")
    with pytest.raises(NotForVoice) as info:
        touchpoints(checklist)
    assert "marks no section customer-facing" in str(info.value)
    assert info.value.params["template"] == "staff-conversation"
    assert "не отмечен" in error_text(info.value, "ru")
