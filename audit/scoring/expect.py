"""The shopper's expectation of a section set against what they got: the one rule every surface
(the audit page, the PDF, the index row HQ's gap view sums) reads. Never part of any score."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from audit.checklist.conditions import visibility
from audit.model import (
    EXPECTATION_ITEM,
    Answer,
    AuditScore,
    Checklist,
    Section,
    item_key,
    wait_minutes,
)

MET_WITHIN = 0.5  # half a step of the 1–5 scale, half a minute of a wait: "as expected"


@dataclass(frozen=True)
class ExpectedGot:
    """One section: what the shopper expected and what they got, in the section's unit."""

    section: str
    kind: str  # "minutes" | "scale"
    expected: float
    got: float | None  # None: the section (or the item it is measured by) was not met
    standard: bool = False  # the expectation is the brand's standard, not the shopper's answer

    @property
    def better(self) -> float | None:
        """How much better than expected it went (minutes saved; points of 1–5 above)."""
        if self.got is None:
            return None
        return self.expected - self.got if self.kind == "minutes" else self.got - self.expected

    @property
    def where(self) -> str | None:
        """"below" (let down), "met" or "above" ("wow"); None when nothing was got."""
        better = self.better
        if better is None:
            return None
        return where_of(better)


def where_of(better: float) -> str:
    if better < -MET_WITHIN:
        return "below"
    if better > MET_WITHIN:
        return "above"
    return "met"


def expected_vs_got(checklist: Checklist, answers: Mapping[str, Answer],
                    score: AuditScore) -> tuple[ExpectedGot, ...]:
    """Every section that declares an expectation and has one (answered, or the brand's
    standard), in the checklist's order."""
    vis = visibility(checklist, answers)
    out: list[ExpectedGot] = []
    for section in checklist.sections:
        expect = section.expect
        if expect is None:
            continue
        asked = answers.get(item_key(section, EXPECTATION_ITEM)) if expect.asked else None
        expected: float | None = None
        if asked is not None and not asked.na and isinstance(asked.value, (int, float)) \
                and not isinstance(asked.value, bool):
            expected = float(asked.value)
        standard = expected is None and expect.standard is not None
        if standard:
            expected = expect.standard
        if expected is None:
            continue
        out.append(ExpectedGot(section.id, expect.kind, expected,
                               _got(section, answers, score, vis.applies), standard))
    return tuple(out)


def _got(section: Section, answers: Mapping[str, Answer], score: AuditScore,
         applies: Callable[[str], bool]) -> float | None:
    expect = section.expect
    assert expect is not None  # noqa: S101  only sections with an expectation come here
    if not expect.against:
        s = next((x for x in score.sections if x.id == section.id), None)
        percent = s.percent if s is not None else None  # None: hidden, N/A or nothing answered
        return None if percent is None else 1.0 + 4.0 * percent / 100.0
    key = item_key(section, expect.against)
    item = next((i for i in section.items if i.id == expect.against), None)
    a = answers.get(key)
    if item is None or a is None or a.na or not applies(key):
        return None
    if expect.kind == "minutes":
        return wait_minutes(a.value)
    value = a.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    span = item.scale_max - item.scale_min
    return 1.0 + 4.0 * (float(value) - item.scale_min) / span if span else None


def summary_expectations(found: tuple[ExpectedGot, ...]) -> dict[str, tuple[float, float, str]]:
    """What the audit's index row keeps: section → (expected, got, where), both known."""
    return {e.section: (round(e.expected, 2), round(e.got, 2), e.where)
            for e in found if e.got is not None and e.where is not None}
