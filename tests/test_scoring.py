"""Scoring: table-driven per item type, and properties that must hold for any answers."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.model import Answer, Checklist, Item, Section
from audit.scoring.score import (
    AnswerError,
    check_value,
    missing_for_submit,
    progress,
    score_audit,
    score_item,
)

WEEK_OFFICE = {d: ["09:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
WEEK_LATE = WEEK_OFFICE | {"thu": ["09:00", "20:00"]}
WEEK_SAT = WEEK_OFFICE | {"sat": ["10:00", "15:00"]}


@pytest.mark.parametrize(("key", "value", "fraction"), [
    ("entrance.dry", True, 1.0),
    ("entrance.dry", False, 0.0),
    ("entrance.clean", 1, 0.0),
    ("entrance.clean", 3, 0.5),
    ("entrance.clean", 5, 1.0),
    ("entrance.door", "open", 1.0),
    ("entrance.door", "heavy", 0.5),
    ("entrance.door", "locked", 0.0),
    ("waiting.comforts", [], 0.0),
    ("waiting.comforts", ["water"], 0.5),
    ("waiting.comforts", ["water", "wifi", "kids"], 1.0),  # the sum is capped at 1
    ("waiting.wait", {"minutes": 5}, 1.0),  # band maxima are inclusive
    ("waiting.wait", {"minutes": 5.5}, 0.5),
    ("waiting.wait", {"minutes": 45}, 0.0),
    ("waiting.wait", {"start": "2026-05-01T10:00:00", "end": "2026-05-01T10:07:00"}, 0.5),
    ("waiting.wait", {"start": "2026-05-01T10:00:00", "end": "2026-05-01T10:07:00",
                      "minutes": 3}, 1.0),  # typed minutes win over the stopwatch
    ("waiting.chairs", 2, 0.0),
    ("waiting.chairs", 6, 1.0),
    ("office.hours", WEEK_OFFICE, 0.0),  # 9:00-18:00 only is a finding
    ("office.hours", WEEK_LATE, 0.5),
    ("office.hours", WEEK_SAT, 0.5),
    ("office.hours", WEEK_LATE | {"sun": ["11:00", "16:00"]}, 1.0),
    ("office.hours", WEEK_OFFICE | {"fri": ["10:00", "01:00"]}, 0.5),  # past midnight is evening
    ("office.site", {"text": "ok", "flagged": ["teh"], "typos": []}, 1.0),
    ("office.site", {"text": "ok", "flagged": ["teh", "adress"], "typos": ["teh", "adress"]}, 0.5),
    ("office.site", {"text": "ok", "flagged": [], "typos": ["a", "b", "c"]}, 0.0),
    ("office.guard", True, 1.0),
])
def test_score_item__fraction_per_type(mini: Checklist, key: str, value: Any, fraction: float) -> None:
    item = mini.item(key)
    assert item is not None
    s = score_item(item, key, Answer(key=key, value=value))
    assert s.fraction == pytest.approx(fraction)
    assert s.earned == pytest.approx(fraction * item.weight)
    assert s.possible == item.weight
    assert s.is_finding == (fraction < 1)
    assert s.why  # every number explains itself


@pytest.mark.parametrize("key", ["office.notes", "office.facade"])
def test_unscored_types__score_nothing(mini: Checklist, key: str) -> None:
    item = mini.item(key)
    assert item is not None
    s = score_item(item, key, Answer(key=key, value="note"))
    assert (s.earned, s.possible, s.fraction) == (0, 0, None)


def test_na__leaves_the_denominator(mini: Checklist) -> None:
    item = mini.item("waiting.comforts")
    assert item is not None
    s = score_item(item, "waiting.comforts", Answer(key="waiting.comforts", na=True))
    assert (s.earned, s.possible) == (0, 0)
    assert "N/A" in s.why


def test_na_where_not_allowed__is_not_counted(mini: Checklist) -> None:
    item = mini.item("entrance.dry")
    assert item is not None
    s = score_item(item, "entrance.dry", Answer(key="entrance.dry", na=True))
    assert s.possible == 0 and s.reason[0] == "na_not_allowed"


def _all_good(mini: Checklist) -> dict[str, Answer]:
    values: dict[str, Any] = {
        "entrance.dry": True, "entrance.clean": 5, "entrance.door": "open",
        "waiting.comforts": ["water", "wifi"], "waiting.wait": {"minutes": 3},
        "waiting.chairs": 10, "office.hours": WEEK_LATE | {"sat": ["10:00", "16:00"]},
        "office.site": {"text": "x", "flagged": [], "typos": []}, "office.guard": True,
    }
    return {k: Answer(key=k, value=v) for k, v in values.items()}


def test_score_audit__weighted_sections_and_level(mini: Checklist) -> None:
    answers = _all_good(mini)
    answers["entrance.dry"] = Answer(key="entrance.dry", value=False)  # 0 of 2
    s = score_audit(mini, answers)
    entrance = s.sections[0]
    assert (entrance.earned, entrance.possible) == (2.0, 4.0)
    # entrance 50% at weight 2, waiting 100% and office 100% at weight 1 each
    assert s.computed == pytest.approx((2 * 50 + 100 + 100) / 4)
    assert s.overall == s.computed and s.level == "average"
    assert [f.key for f in s.findings] == ["entrance.dry"]


def test_critical_failure__caps_and_shows_both_scores(mini: Checklist) -> None:
    answers = _all_good(mini)
    answers["office.guard"] = Answer(key="office.guard", value=False)
    s = score_audit(mini, answers)
    assert s.critical_failures == ("office.guard",)
    assert s.computed is not None and s.computed > 40
    assert s.overall == 40 and s.cap == 40
    assert s.level == "disappointment"


def test_nothing_answered__no_score(mini: Checklist) -> None:
    s = score_audit(mini, {})
    assert s.computed is None and s.overall is None and s.level is None


@pytest.mark.parametrize(("key", "value", "code"), [
    ("entrance.dry", "yes", "not_yes_no"),
    ("entrance.clean", 7, "out_of_range"),
    ("entrance.clean", 2.5, "not_whole"),
    ("entrance.door", "ajar", "unknown_option"),
    ("waiting.comforts", ["water", "pool"], "unknown_option"),
    ("waiting.wait", {"minutes": -3}, "negative"),
    ("waiting.wait", {"start": "2026-05-01T10:07:00", "end": "2026-05-01T10:00:00"},
     "end_before_start"),
    ("waiting.chairs", float("nan"), "not_number"),
    ("office.hours", {"mon": ["9", "18:00"]}, "bad_time"),
    ("office.hours", {"mon": ["09:00"]}, "bad_hours"),
])
def test_check_value__bad_answers_are_refused(mini: Checklist, key: str, value: Any,
                                               code: str) -> None:
    item = mini.item(key)
    assert item is not None
    with pytest.raises(AnswerError) as info:
        check_value(item, value)
    assert info.value.code == code


def test_missing_for_submit__required_items_and_photos(mini: Checklist) -> None:
    answers = _all_good(mini)
    answers["entrance.dry"] = Answer(key="entrance.dry", value=False)  # on_fail needs a photo
    del answers["office.guard"]
    missing = missing_for_submit(mini, answers, photos={})
    assert ("office.guard", "answer") in missing
    assert ("entrance.dry", "photo") in missing
    assert ("office.facade", "photo") in missing
    assert ("waiting.chairs", "answer") not in missing  # not required
    assert ("office.notes", "answer") not in missing  # text is optional by default


def test_required_photo__only_a_photo_the_audit_holds_counts(mini: Checklist) -> None:
    held, named = "a" * 64, "b" * 64  # the audit holds a record of `held` only
    answers = _all_good(mini)
    answers["office.facade"] = Answer(key="office.facade", photos=(named,))
    assert ("office.facade", "photo") in missing_for_submit(mini, answers, photos={held})
    answers["office.facade"] = Answer(key="office.facade", photos=(named, held))
    assert ("office.facade", "photo") not in missing_for_submit(mini, answers, photos={held})
    only_named = {"office.facade": Answer(key="office.facade", photos=(named,))}
    assert progress(mini, only_named, photos={held})["office"][0] == 0
    assert progress(mini, only_named, photos={named})["office"][0] == 1


def test_progress__counts_na_as_answered(mini: Checklist) -> None:
    answers = {"waiting.comforts": Answer(key="waiting.comforts", na=True),
               "waiting.wait": Answer(key="waiting.wait", value={"minutes": 1})}
    p = progress(mini, answers)
    assert p["waiting"] == (2, 3)
    assert p[""] == (2, 11)


# --- properties -----------------------------------------------------------------------------


def _value_for(item: Item, data: st.DataObject) -> Any:
    t = item.type
    if t == "yes_no":
        return data.draw(st.booleans())
    if t == "scale":
        return data.draw(st.integers(item.scale_min, item.scale_max))
    if t == "choice":
        return data.draw(st.sampled_from([o.id for o in item.options]))
    if t == "multi":
        return data.draw(st.lists(st.sampled_from([o.id for o in item.options]), unique=True))
    if t == "wait_time":
        return {"minutes": data.draw(st.floats(0, 600, allow_nan=False))}
    if t == "number":
        return data.draw(st.floats(0, 1e6, allow_nan=False))
    if t == "hours":
        span = st.one_of(st.none(), st.sampled_from([["09:00", "18:00"], ["10:00", "21:00"],
                                                     ["08:00", "02:00"]]))
        return {d: data.draw(span) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    if t == "typo_check":
        return {"text": "", "flagged": [], "typos": data.draw(st.lists(st.text(max_size=3),
                                                                       max_size=5))}
    return data.draw(st.none() | st.text(max_size=5))


def _answers(checklist: Checklist, data: st.DataObject) -> dict[str, Answer]:
    out = {}
    for section, item in checklist.items():
        key = f"{section.id}.{item.id}"
        if data.draw(st.booleans()):
            continue  # unanswered
        na = item.na and data.draw(st.booleans())
        out[key] = Answer(key=key, value=None if na else _value_for(item, data), na=na)
    return out


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_property__overall_stays_within_0_and_100(mini: Checklist, data: st.DataObject) -> None:
    s = score_audit(mini, _answers(mini, data))
    for x in (s.computed, s.overall):
        assert x is None or 0 <= x <= 100
    for sec in s.sections:
        assert sec.percent is None or 0 <= sec.percent <= 100


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_property__na_scores_as_if_the_item_were_removed(mini: Checklist,
                                                         data: st.DataObject) -> None:
    answers = _answers(mini, data)
    answers["waiting.comforts"] = Answer(key="waiting.comforts", na=True)
    without = dataclasses.replace(mini, sections=tuple(
        dataclasses.replace(s, items=tuple(i for i in s.items if f"{s.id}.{i.id}" !=
                                           "waiting.comforts"))
        for s in mini.sections))
    rest = {k: v for k, v in answers.items() if k != "waiting.comforts"}
    a, b = score_audit(mini, answers), score_audit(without, rest)
    assert (a.computed, a.overall, a.level, a.critical_failures) == (
        b.computed, b.overall, b.level, b.critical_failures)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_property__order_of_answers_does_not_matter(mini: Checklist, data: st.DataObject) -> None:
    answers = list(_answers(mini, data).values())
    shuffled = data.draw(st.permutations(answers))
    assert score_audit(mini, answers) == score_audit(mini, shuffled)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), factor=st.floats(0.01, 1000, allow_nan=False))
def test_property__scaling_all_weights_changes_nothing(mini: Checklist, data: st.DataObject,
                                                       factor: float) -> None:
    answers = _answers(mini, data)
    scaled = dataclasses.replace(mini, sections=tuple(
        dataclasses.replace(s, weight=s.weight * factor, items=tuple(
            dataclasses.replace(i, weight=i.weight * factor) for i in s.items))
        for s in mini.sections))
    a, b = score_audit(mini, answers), score_audit(scaled, answers)
    if a.computed is None:
        assert b.computed is None
    else:
        assert b.computed == pytest.approx(a.computed, abs=1e-9)
        assert b.overall == pytest.approx(a.overall, abs=1e-9)
    assert a.critical_failures == b.critical_failures


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_property__failed_critical_item_always_marks_the_audit(mini: Checklist,
                                                               data: st.DataObject) -> None:
    answers = _answers(mini, data)
    answers["office.guard"] = Answer(key="office.guard", value=False)
    s = score_audit(mini, answers)
    assert s.is_critical_failure and "office.guard" in s.critical_failures
    assert s.overall is not None and s.overall <= mini.critical_cap


def test_section_without_anything_possible__left_out(mini: Checklist) -> None:
    answers = {"entrance.dry": Answer(key="entrance.dry", value=True)}
    s = score_audit(mini, answers)
    assert s.computed == 100.0
    assert [x.percent for x in s.sections] == [100.0, None, None]


def test_item_helpers(mini: Checklist) -> None:
    assert isinstance(mini.section("office"), Section)
    assert mini.item("nope.x") is None


def test_impacts__sum_to_what_the_computed_score_lost(mini) -> None:  # type: ignore[no-untyped-def]
    from audit.model import Answer
    from audit.scoring.score import impacts, score_audit

    answers = {k: Answer(key=k, value=v) for k, v in {
        "entrance.dry": False, "entrance.clean": 3, "entrance.door": "heavy",
        "waiting.comforts": ["water"], "waiting.wait": {"minutes": 8},
        "office.guard": True}.items()}
    score = score_audit(mini, answers)
    cost = impacts(score)
    assert set(cost) == {f.key for f in score.findings}
    assert score.computed is not None
    assert abs(sum(cost.values()) - (100 - score.computed)) < 1e-9
    # the entrance weighs 2 of 4 section weights; "dry" is 2 of its 4 points, all lost
    entrance = next(s for s in score.sections if s.id == "entrance")
    counted = sum(s.weight for s in score.sections if s.possible > 0)
    assert cost["entrance.dry"] == pytest.approx(100 * entrance.weight / counted * 2 / entrance.possible)
