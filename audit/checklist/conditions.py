"""Which items and sections apply to an audit: `when:` conditions and sections answered N/A."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audit.model import Answer, Checklist, Condition, Item, item_key, wait_minutes


@dataclass(frozen=True)
class Visibility:
    """For one checklist and its answers: what is shown, what is hidden and why.

    `hidden` maps an item key to the condition that hides it (its own, or its section's);
    `hidden_sections` does the same for sections; `na_sections` maps a section answered N/A
    as a whole to the reason given. A hidden item counts as if the checklist had no such
    item: not required, not scored, not printed.
    """

    hidden: Mapping[str, Condition]
    hidden_sections: Mapping[str, Condition]
    na_sections: Mapping[str, str]

    def shows(self, key: str) -> bool:
        return key not in self.hidden

    def shows_section(self, section_id: str) -> bool:
        return section_id not in self.hidden_sections

    def applies(self, key: str) -> bool:
        """Shown and not inside a section answered N/A: an item that asks for an answer."""
        return key not in self.hidden and key.partition(".")[0] not in self.na_sections

    def to_data(self) -> dict[str, Any]:
        """Plain data for a client: hidden item keys, hidden sections, N/A sections with reasons."""
        return {"hidden": sorted(self.hidden), "hidden_sections": sorted(self.hidden_sections),
                "na_sections": dict(self.na_sections)}


def section_na_reason(checklist: Checklist, answers: Mapping[str, Answer], section_id: str) -> str | None:
    """The reason a section was answered N/A as a whole, or None when it was not (or may not be)."""
    section = checklist.section(section_id)
    a = answers.get(section_id)
    if section is None or not section.na or a is None or not a.na:
        return None
    return a.comment


def matches_value(item: Item, value: Any, cond: Condition) -> bool:
    """Does one answer value pass an "is" test? The same rule a phone applies to `to_data()`."""
    if item.type == "yes_no":
        return isinstance(value, bool) and value in cond.values
    if item.type == "choice":
        return value in cond.values
    if item.type == "multi":
        return isinstance(value, (list, tuple)) and any(v in cond.values for v in value)
    if item.type in ("scale", "number", "wait_time"):
        if item.type == "wait_time":
            number = wait_minutes(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            number = None
        if number is None:
            return False
        if cond.values and number not in [float(v) for v in cond.values]:
            return False
        if cond.min is not None and number < cond.min:
            return False
        return not (cond.max is not None and number > cond.max)
    return False


def visibility(checklist: Checklist, answers: Mapping[str, Answer]) -> Visibility:
    """Evaluate every condition of `checklist` against `answers`.

    An "is" test on an item that is hidden, unanswered, N/A, or in a section answered N/A
    does not match; `not` turns that into a match. The validator has ruled out cycles and
    tests on later sections, so each condition is evaluated once, on demand.
    """
    items: dict[str, tuple[str, Item]] = {}
    for section in checklist.sections:
        for item in section.items:
            items[item_key(section, item)] = (section.id, item)
    na_sections = {s.id: reason for s in checklist.sections
                   if (reason := section_na_reason(checklist, answers, s.id)) is not None}
    section_when = {s.id: s.when for s in checklist.sections}
    shown: dict[str, bool] = {}
    section_shown: dict[str, bool] = {}
    busy: set[str] = set()

    def section_visible(section_id: str) -> bool:
        if section_id not in section_shown:
            cond = section_when.get(section_id)
            section_shown[section_id] = cond is None or test(cond)
        return section_shown[section_id]

    def visible(key: str) -> bool:
        if key in shown:
            return shown[key]
        if key in busy:  # a cycle the validator would have refused: treat as hidden
            return False
        busy.add(key)
        section_id, item = items[key]
        result = section_visible(section_id) and (item.when is None or test(item.when))
        busy.discard(key)
        shown[key] = result
        return result

    def test(cond: Condition) -> bool:
        if cond.op == "any":
            return any(test(p) for p in cond.parts)
        if cond.op == "all":
            return all(test(p) for p in cond.parts)
        if cond.op == "not":
            return not test(cond.parts[0])
        found = items.get(cond.item)
        if found is None or not visible(cond.item) or found[0] in na_sections:
            return False
        a = answers.get(cond.item)
        if a is None or a.na or not a.is_answered:
            return False
        return matches_value(found[1], a.value, cond)

    hidden: dict[str, Condition] = {}
    hidden_sections: dict[str, Condition] = {}
    for section in checklist.sections:
        if not section_visible(section.id):
            assert section.when is not None  # noqa: S101  only a condition hides a section
            hidden_sections[section.id] = section.when
        for item in section.items:
            key = item_key(section, item)
            if not visible(key):
                cond = section.when if section.id in hidden_sections else item.when
                assert cond is not None  # noqa: S101  only a condition hides an item
                hidden[key] = cond
    return Visibility(hidden=hidden, hidden_sections=hidden_sections, na_sections=na_sections)


def conditions_data(checklist: Checklist) -> dict[str, dict[str, Any]]:
    """Every condition of the checklist as plain data, keyed by item key or section id."""
    out: dict[str, dict[str, Any]] = {}
    for section in checklist.sections:
        if section.when is not None:
            out[section.id] = section.when.to_data()
        for item in section.items:
            if item.when is not None:
                out[item_key(section, item)] = item.when.to_data()
    return out
