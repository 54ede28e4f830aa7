"""Hostile checklists: alias bombs, deep nesting, 28,595 items, endless texts — refused with a place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from audit.checklist.parse import ChecklistError, parse_checklist
from audit.checklist.templates import add_template
from audit.core import limits
from audit.store import Store
from tests.conftest import MINI_YAML, populate
from tests.security.inputs import admin_part
from tests.security.memory import peak_growth

ROOT = Path(__file__).resolve().parents[2]

# nine levels of ten aliases: under 500 bytes that name a billion strings
LAUGHS = "\n".join(
    ['l1: &l1 [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]']
    + [f"l{i}: &l{i} [{','.join(['*l' + str(i - 1)] * 10)}]" for i in range(2, 10)]
    + ["id: x", "version: 1"]) + "\n"
DEEP = "id: x\nversion: 1\nsections: " + "[" * 5000 + "]" * 5000 + "\n"


def _items_yaml(n: int, *, text: str = "t") -> str:
    items = "\n".join(f"      - {{id: i{i}, text: {{ru: {text}, en: {text}}}, type: yes_no}}"
                      for i in range(n))
    return MINI_YAML + f"""  - id: extra
    title: {{ru: Ещё, en: More}}
    items:
{items}
"""


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "audit.ops.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def _problems(text: str) -> ChecklistError:
    with pytest.raises(ChecklistError) as info:
        parse_checklist(text, source="up.yaml")
    return info.value


def test_billion_laughs__refused_fast_with_little_memory() -> None:
    assert 400 < len(LAUGHS.encode()) < 600
    growth, message = peak_growth(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))  # never the machine's memory
        from audit.checklist.parse import ChecklistError, parse_checklist
        TEXT = {LAUGHS!r}

        def run():
            try:
                parse_checklist(TEXT, source="laughs.yaml")
            except ChecklistError as err:
                return err.format("ru")
            except MemoryError:
                return "MemoryError"
            return "accepted"
    """, timeout=60)
    assert "разворачивается больше чем в" in str(message), message
    assert "laughs.yaml:5:" in str(message)  # the line where the expansion passes the limit
    assert growth < 30 * 2**20, f"{growth / 2**20:.0f} MB"


def test_billion_laughs__upload_refused_and_templates_kept(store: Store) -> None:
    populate(store)
    before = store.list_templates()
    with pytest.raises(ChecklistError) as info:
        add_template(store, LAUGHS.encode(), by="boss", source="laughs.yaml")
    assert "expands to more than" in info.value.format("en")
    assert store.list_templates() == before


def test_billion_laughs__audit_validate_exits_1_with_the_message(tmp_path: Path) -> None:
    bomb = tmp_path / "laughs.yaml"
    bomb.write_text(LAUGHS)
    done = _cli("validate", "--lang", "ru", str(bomb))
    assert done.returncode == 1
    assert "разворачивается больше чем в" in done.stderr and "Traceback" not in done.stderr


def test_deep_nesting__a_clear_problem_not_a_recursion_error(tmp_path: Path) -> None:
    problem = _problems(DEEP).problems[0]
    assert f"deeper than {limits.TEMPLATE_MAX_DEPTH} levels" in problem.format("en")
    assert problem.line == 3
    deep = tmp_path / "deep.yaml"
    deep.write_text(DEEP)
    done = _cli("validate", str(deep))
    assert done.returncode == 1
    assert "deeper than" in done.stderr and "RecursionError" not in done.stderr


def test_28595_items__refused_before_the_item_parser(store: Store) -> None:
    populate(store)
    before = store.list_templates()
    big = _items_yaml(28_595)
    assert len(big.encode()) > limits.TEMPLATE_MAX_BYTES  # the 989 KB file of the report
    with pytest.raises(ChecklistError) as info:
        add_template(store, big.encode(), by="boss", source="big.yaml")
    assert "larger than" in info.value.format("en")
    under_bytes = _items_yaml(limits.TEMPLATE_MAX_ITEMS)  # the mini's 12 items push it over
    assert len(under_bytes.encode()) < limits.TEMPLATE_MAX_BYTES
    problem = _problems(under_bytes).problems[0]
    assert problem.place == "sections"
    assert f"at most {limits.TEMPLATE_MAX_ITEMS}" in problem.format("en")
    assert "разделите чек-лист" in problem.format("ru")
    assert store.list_templates() == before


def test_too_many_items_in_one_section__place_and_hint() -> None:
    text = _items_yaml(limits.TEMPLATE_MAX_ITEMS_PER_SECTION + 1)
    (problem,) = _problems(text).problems  # 93 items in all are fine; 81 in one section are not
    assert problem.place == "sections[3].items"
    assert "разделите раздел на два" in problem.format("ru")


def test_endless_item_text__refused_with_its_place() -> None:
    text = _items_yaml(1, text="x" * (limits.TEMPLATE_MAX_TEXT + 1))
    ru, en = _problems(text).problems
    assert (ru.place, en.place) == ("sections[3].items[0].text.ru", "sections[3].items[0].text.en")
    problem = ru
    assert problem.line is not None
    assert f"допускается до {limits.TEMPLATE_MAX_TEXT}" in problem.format("ru")


def test_aliases_within_limits__still_accepted() -> None:
    text = MINI_YAML.replace(
        "bands: [{max: 5, score: 1}, {max: 10, score: 0.5}, {score: 0}]",
        "bands: &quick [{max: 5, score: 1}, {max: 10, score: 0.5}, {score: 0}]"
    ).replace("bands: [{max: 2, score: 0}, {score: 1}]", "bands: *quick")
    checklist = parse_checklist(text)
    assert checklist.item("waiting.chairs").bands == checklist.item("waiting.wait").bands  # type: ignore[union-attr]


def test_admin_upload__billion_laughs_shows_the_problem_in_russian(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    at, data = admin_part(tmp_path, monkeypatch, "templates")
    before = data.list_templates()
    at.file_uploader(key="tpl.upload").set_value(("laughs.yaml", LAUGHS.encode(),
                                                  "application/yaml")).run()
    assert not at.exception
    assert any("разворачивается больше чем в" in c.value for c in at.code)
    assert data.list_templates() == before


# A line break in a one-line text would reach an e-mail subject (an item's text is the subject
# of "sent back"), a CSV cell or a PDF heading: refused with the field's place and name.
ONE_LINE = [
    ('title: {ru: "Мини-проверка", en: "Mini check"}',
     'title: {ru: "Мини-проверка", en: "Mini\\r\\nBcc: eve@evil.test"}', "title.en", "title"),
    ("title: {ru: Вход, en: Entrance}", 'title: {ru: "Вход\\nX-Injected: 1", en: Entrance}',
     "sections[0].title.ru", "title"),
    ('text: {ru: "У входа сухо, нет луж", en: "The entrance is dry, no puddle"}',
     'text: {ru: "У входа сухо, нет луж", en: "Dry\\r\\nBcc: eve@evil.test"}',
     "sections[0].items[0].text.en", "text"),
    ('{id: open, text: {ru: "Открыта", en: "Open"}, score: 1}',
     '{id: open, text: {ru: "Откры\\u2028та", en: "Open"}, score: 1}',
     "sections[0].items[2].options[0].text.ru", "text"),
    ('text: {ru: "Дверь", en: "Door"}', 'text: {ru: "Дверь", en: "Door\\tnow\\x1b[2J"}',
     "sections[0].items[2].text.en", "text"),
]


@pytest.mark.parametrize(("good", "bad", "place", "field"), ONE_LINE)
def test_line_break_in_a_one_line_text__refused_naming_the_field(good: str, bad: str, place: str,
                                                                  field: str) -> None:
    assert MINI_YAML.count(good) == 1
    (problem,) = _problems(MINI_YAML.replace(good, bad)).problems
    assert problem.place == place and problem.line is not None
    assert f"`{field}` must be one line" in problem.format("en")
    assert f"`{field}` должен быть одной строкой" in problem.format("ru")
    assert "U+" in problem.format("en")


def test_line_break_in_a_title__upload_refused_templates_kept(store: Store) -> None:
    populate(store)
    before = store.list_templates()
    bad = MINI_YAML.replace("id: mini", "id: mini2").replace(
        "title: {ru: Вход, en: Entrance}", 'title: {ru: Вход, en: "Entrance\\r\\nBcc: eve@evil.test"}')
    with pytest.raises(ChecklistError) as info:
        add_template(store, bad.encode(), by="boss", source="inject.yaml")
    assert "sections[0].title.en" in info.value.format("en")
    assert store.list_templates() == before


def test_line_breaks_in_guidance__still_fine_but_not_other_control_characters() -> None:
    multi = MINI_YAML.replace('guidance: {ru: "Сфотографируйте лужу", en: "Photograph any puddle"}',
                              'guidance: {ru: "Сфотографируйте\\nлужу", en: "Photograph\\r\\nany puddle"}')
    assert parse_checklist(multi).item("entrance.dry").guidance.ru == "Сфотографируйте\nлужу"  # type: ignore[union-attr]
    bell = multi.replace("Photograph\\r\\nany", "Photograph\\aany")
    (problem,) = _problems(bell).problems
    assert problem.place == "sections[0].items[0].guidance.en"
    assert "`guidance` holds a control character (U+0007)" in problem.format("en")


def test_line_break_in_a_title__audit_validate_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "inject.yaml"
    bad.write_text(MINI_YAML.replace('en: "Mini check"', 'en: "Mini\\r\\nBcc: eve@evil.test"'),
                   encoding="utf-8")
    done = _cli("validate", str(bad))
    assert done.returncode == 1
    assert "title.en" in done.stderr and "must be one line" in done.stderr
