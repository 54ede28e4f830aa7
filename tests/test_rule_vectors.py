"""The phone's rules against the server's: every case of tests/vectors/ through audit.scoring.score and
audit.checklist.conditions, and through audit/ui/walk/js/rules.js loaded alone in a real headless Chromium.

Each side must give the figures the case expects (worked out by hand from DESIGN.md), so a rule
changed on one side only fails here. The phone gets each checklist as the element does
(component.checklist_data), so what Python sends it is part of what is checked.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audit.checklist.conditions import visibility
from audit.checklist.parse import parse_checklist
from audit.core import limits
from audit.model import Answer, AuditScore, Checklist
from audit.scoring.score import progress, score_audit
from audit.ui.walk import component
from tests.e2e.conftest import FLAGS, chromium_path

VECTORS = Path(__file__).parent / "vectors"
RULES_JS = component.HERE / "js" / "rules.js"
SCORING = json.loads((VECTORS / "scoring.json").read_text(encoding="utf-8"))["cases"]
CONDITIONS = json.loads((VECTORS / "conditions.json").read_text(encoding="utf-8"))["cases"]
TOLERANCE = 1e-6
# an item whose figures are 0 of 0 for its condition or its section, not for its own answer
NOT_ITS_OWN = ("hidden", "section_na")


@functools.cache
def checklist(name: str) -> Checklist:
    return parse_checklist((VECTORS / "checklists" / f"{name}.yaml").read_text(encoding="utf-8"),
                           source=f"{name}.yaml")


def answer_fields(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A case's answers with every field filled in, as the phone holds them."""
    return {key: {"value": a.get("value"), "na": bool(a.get("na", False)), "comment": a.get("comment", ""),
                  "photos": list(a.get("photos", []))}
            for key, a in raw.items()}


def answers(raw: dict[str, Any]) -> dict[str, Answer]:
    return {key: Answer(key=key, value=a["value"], na=a["na"], comment=a["comment"],
                        photos=tuple(a["photos"]))
            for key, a in answer_fields(raw).items()}


def python_figures(case: dict[str, Any]) -> dict[str, Any]:
    c = checklist(case["checklist"])
    given = answers(case["answers"])
    score: AuditScore = score_audit(c, given)
    return {
        "items": {i.key: {"fraction": i.fraction, "earned": i.earned, "possible": i.possible,
                          "reason": i.reason[0], "finding": i.is_finding, "critical": i.is_critical_failure}
                  for s in score.sections for i in s.items},
        "sections": {s.id: {"earned": s.earned, "possible": s.possible, "percent": s.percent}
                     for s in score.sections},
        "computed": score.computed, "overall": score.overall, "cap": score.cap, "level": score.level,
        "critical_failures": list(score.critical_failures),
        "progress": {k: list(v) for k, v in progress(c, given).items()},
    }


def python_visibility(case: dict[str, Any]) -> dict[str, Any]:
    c = checklist(case["checklist"])
    given = answers(case["answers"])
    vis = visibility(c, given)
    return {**vis.to_data(), "progress": {k: list(v) for k, v in progress(c, given, vis).items()}}


# the same figures from rules.js, plus what the phone's isFinding says of each item
JS_FIGURES = """([checklist, answers]) => {
  const score = scoreAudit(checklist, answers);
  const vis = visibility(checklist.sections, checklist.conditions || {}, answers);
  const items = {};
  const phoneFinding = {};
  const sections = {};
  for (const s of score.sections) {
    sections[s.id] = { earned: s.earned, possible: s.possible, percent: s.percent };
    for (const i of s.items) {
      items[i.key] = { fraction: i.fraction, earned: i.earned, possible: i.possible, reason: i.reason,
        finding: i.finding, critical: i.critical };
    }
  }
  for (const s of checklist.sections) {
    for (const it of s.items) phoneFinding[it.key] = isFinding(it, answers[it.key]);
  }
  return { items, sections, computed: score.computed, overall: score.overall, cap: score.cap,
    level: score.level, critical_failures: score.critical_failures,
    progress: progress(checklist.sections, vis, answers), phoneFinding };
}"""

JS_VISIBILITY = """([checklist, answers]) => {
  const vis = visibility(checklist.sections, checklist.conditions || {}, answers);
  return { hidden: [...vis.hidden].sort(), hidden_sections: [...vis.hiddenSections].sort(),
    na_sections: Object.fromEntries(vis.naSections), progress: progress(checklist.sections, vis, answers) };
}"""


@pytest.fixture(scope="module")
def rules() -> Iterator[Any]:
    """A blank page with rules.js alone in it (no element, no other file of js/)."""
    executable = chromium_path()  # CI: fails when Chromium is missing; elsewhere skips
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=FLAGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.add_script_tag(content=RULES_JS.read_text(encoding="utf-8"))
        assert page.evaluate("typeof scoreAudit") == "function", errors
        yield page
        assert not errors
        browser.close()


def phone(page: Any, script: str, case: dict[str, Any]) -> Any:
    data = component.checklist_data(checklist(case["checklist"]), "en")
    return page.evaluate(script, [data, answer_fields(case["answers"])])


def same(expected: Any, got: Any, what: str) -> None:
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and expected is not None:
        assert isinstance(got, (int, float)) and math.isclose(got, expected, rel_tol=0, abs_tol=TOLERANCE), \
            f"{what}: expected {expected}, got {got}"
    else:
        assert got == expected, f"{what}: expected {expected!r}, got {got!r}"


def check_scores(case: dict[str, Any], got: dict[str, Any]) -> None:
    expect = case["expect"]
    assert set(expect["items"]) <= set(got["items"]), "the case names an item the checklist lacks"
    assert set(expect["sections"]) <= set(got["sections"]), "the case names a section the checklist lacks"
    for key, figures in got["items"].items():
        wanted = expect["items"].get(key, {"fraction": None, "possible": 0})
        for field, value in wanted.items():
            same(value, figures[field], f"{key}.{field}")
    for section_id, figures in got["sections"].items():
        wanted = expect["sections"].get(section_id, {"possible": 0, "percent": None})
        for field, value in wanted.items():
            same(value, figures[field], f"section {section_id}.{field}")
    for field in ("computed", "overall", "cap", "level", "critical_failures"):
        same(expect[field], got[field], field)
    if "progress" in expect:
        assert got["progress"] == expect["progress"]


def check_visibility(case: dict[str, Any], got: dict[str, Any]) -> None:
    expect = case["expect"]
    assert got["hidden"] == expect["hidden"]
    assert got["hidden_sections"] == expect["hidden_sections"]
    assert got["na_sections"] == expect["na_sections"]
    assert got["progress"] == expect["progress"]


def names(cases: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in cases]


@pytest.mark.parametrize("case", names(SCORING))
def test_scoring__python(case: dict[str, Any]) -> None:
    check_scores(case, python_figures(case))


@pytest.mark.parametrize("case", names(SCORING))
def test_scoring__phone(rules: Any, case: dict[str, Any]) -> None:
    got = phone(rules, JS_FIGURES, case)
    check_scores(case, got)
    # what the phone asks a photo for (photo: on_fail) is what the server scores as a finding
    for key, finding in got["phoneFinding"].items():
        wanted = case["expect"]["items"].get(key, {})
        if wanted.get("reason") not in NOT_ITS_OWN:
            assert finding == wanted.get("finding", False), f"{key}: isFinding says {finding}"


@pytest.mark.parametrize("case", names(CONDITIONS))
def test_conditions__python(case: dict[str, Any]) -> None:
    check_visibility(case, python_visibility(case))


@pytest.mark.parametrize("case", names(CONDITIONS))
def test_conditions__phone(rules: Any, case: dict[str, Any]) -> None:
    check_visibility(case, phone(rules, JS_VISIBILITY, case))


def test_vectors__every_item_type_condition_test_and_reason_is_covered() -> None:
    types = {i.type for case in SCORING for s in checklist(case["checklist"]).sections for i in s.items
             if f"{s.id}.{i.id}" in case["expect"]["items"]}
    assert types >= {"yes_no", "scale", "choice", "multi", "number", "wait_time", "hours", "typo_check",
                     "text", "photo"}
    reasons = {i["reason"] for case in SCORING for i in case["expect"]["items"].values()}
    assert reasons >= {"yes", "no", "scale", "choice", "multi", "band", "hours", "unscored", "unanswered",
                       "na", "na_not_allowed", "invalid", "hidden", "section_na"}
    conds = json.dumps(component.checklist_data(checklist("conditions"), "en")["conditions"])
    for op in ('"is"', '"min"', '"max"', '"any"', '"all"', '"not"'):
        assert op in conds


def test_limits__the_phone_keeps_the_servers(rules: Any) -> None:
    assert rules.evaluate("LIMITS") == {
        "number": [limits.NUMBER_RANGES["number"].low, limits.NUMBER_RANGES["number"].high],
        "wait_time": [limits.NUMBER_RANGES["wait_time"].low, limits.NUMBER_RANGES["wait_time"].high],
        "typo_text": limits.TYPO_TEXT_MAX_CHARS, "typo_words": limits.TYPO_WORDS_MAX,
        "typo_word": limits.TYPO_WORD_MAX_CHARS,
    }
