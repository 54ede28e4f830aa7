"""Pure scoring: a checklist and its answers → an AuditScore that explains every point."""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Mapping
from datetime import datetime
from typing import Any

from audit.checklist.conditions import Visibility, visibility
from audit.core import limits
from audit.model import (
    WEEKDAYS,
    Answer,
    AuditScore,
    Band,
    Checklist,
    Item,
    ItemScore,
    SectionScore,
    item_key,
    wait_minutes,
)
from audit.typos.check import NOTES as TYPO_NOTES


class AnswerError(ValueError):
    """An answer value that does not fit its item; `.code` and `.params` feed i18n."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def _minutes_of(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def band_for(bands: Iterable[Band], value: float) -> Band | None:
    """The first band that fits, as DESIGN.md says."""
    for band in bands:
        if band.max is None or value <= band.max:
            return band
    return None


def _check_time(t: Any) -> str:
    if not isinstance(t, str) or len(t) != 5 or t[2] != ":":
        raise AnswerError("bad_time", f"{t!r} is not a time like 09:00", value=t)
    h, m = t[:2], t[3:]
    if not (h.isdigit() and m.isdigit()) or int(h) > 24 or int(m) > 59 or (int(h) == 24 and m != "00"):
        raise AnswerError("bad_time", f"{t!r} is not a time like 09:00", value=t)
    return t


def check_value(item: Item, value: Any) -> Any:
    """Return the value in its stored shape, or raise AnswerError saying what is wrong."""
    if value is None:
        return None
    t = item.type
    if t == "yes_no":
        if not isinstance(value, bool):
            raise AnswerError("not_yes_no", "answer yes or no")
        return value
    if t == "scale":
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or value != int(value):
            raise AnswerError("not_whole", "a whole number is needed")
        if not item.scale_min <= value <= item.scale_max:
            raise AnswerError("out_of_range", f"pick {item.scale_min}–{item.scale_max}",
                              low=item.scale_min, high=item.scale_max)
        return int(value)
    if t == "choice":
        if not isinstance(value, str) or item.option(value) is None:
            raise AnswerError("unknown_option", f"{value!r} is not one of the options", value=value)
        return value
    if t == "multi":
        if not isinstance(value, (list, tuple)) or any(
            not isinstance(v, str) or item.option(v) is None for v in value
        ):
            raise AnswerError("unknown_option", f"{value!r} has an unknown option", value=value)
        return [o.id for o in item.options if o.id in value]  # template order, no repeats
    if t == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise AnswerError("not_number", "a number is needed")
        if value < 0:
            raise AnswerError("negative", "the number cannot be negative")
        _within(value, limits.NUMBER_RANGES["number"])
        return float(value)
    if t == "wait_time":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = {"minutes": value}
        if not isinstance(value, dict):
            raise AnswerError("not_number", "a number of minutes is needed")
        out: dict[str, Any] = {}
        when: dict[str, datetime] = {}
        for key in ("start", "end"):
            if value.get(key):
                raw = value[key]
                try:
                    if not isinstance(raw, str) or len(raw) > 40:
                        raise TypeError(raw)
                    when[key] = datetime.fromisoformat(raw)
                except (TypeError, ValueError) as exc:
                    shown = raw[:40] if isinstance(raw, str) else type(raw).__name__
                    raise AnswerError("bad_time", f"{shown!r} is not a time",
                                      value=shown) from exc
                out[key] = raw
        if len(when) == 2 and (when["start"].tzinfo is None) != (when["end"].tzinfo is None):
            raise AnswerError("mixed_zones", "the stopwatch's start and end must both carry "
                              "a time zone, or both not")
        minutes = value.get("minutes")
        if minutes is not None:
            if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) \
                    or not math.isfinite(minutes):
                raise AnswerError("not_number", "a number of minutes is needed")
            if minutes < 0:
                raise AnswerError("negative", "the number cannot be negative")
            _within(minutes, limits.NUMBER_RANGES["wait_time"])
            out["minutes"] = float(minutes)
        if len(when) == 2:
            if when["end"] < when["start"]:
                raise AnswerError("end_before_start", "served before waiting started")
            measured = wait_minutes({"start": out["start"], "end": out["end"]})
            if measured is not None:
                _within(measured, limits.NUMBER_RANGES["wait_time"])
        return out or None
    if t == "hours":
        if not isinstance(value, dict):
            raise AnswerError("bad_hours", "opening hours per weekday are needed")
        week: dict[str, list[str] | None] = {}
        for day in WEEKDAYS:
            span = value.get(day)
            if span in (None, [], ""):
                week[day] = None
                continue
            if not isinstance(span, (list, tuple)) or len(span) != 2:
                raise AnswerError("bad_hours", f"{day}: give opening and closing time", day=day)
            week[day] = [_check_time(span[0]), _check_time(span[1])]
        return week
    if t == "typo_check":
        if not isinstance(value, dict):
            raise AnswerError("bad_typos", "website text and confirmed typos are needed")
        text = value.get("text", "") or ""
        flagged = [str(w) for w in value.get("flagged", []) or []]
        typos = [str(w) for w in value.get("typos", []) or []]
        if not isinstance(text, str):
            raise AnswerError("bad_typos", "website text must be text")
        _short_enough(text, limits.TYPO_TEXT_MAX_CHARS)
        for words in (flagged, typos):
            if len(words) > limits.TYPO_WORDS_MAX:
                raise AnswerError("too_many_words", f"more than {limits.TYPO_WORDS_MAX} words",
                                  limit=limits.TYPO_WORDS_MAX)
            for word in words:
                _short_enough(word, limits.TYPO_WORD_MAX_CHARS)
        stored: dict[str, Any] = {"text": text, "flagged": flagged, "typos": typos}
        if value.get("checked") in TYPO_NOTES:  # only part of the text was checked: why
            chars = value.get("checked_chars")
            stored["checked"] = value["checked"]
            stored["checked_chars"] = chars if type(chars) is int and chars >= 0 else 0
        return stored
    if t in ("text", "photo"):
        if value is not None and not isinstance(value, str):
            raise AnswerError("not_text", "text is needed")
        if value is not None:
            _short_enough(value, limits.TEXT_ANSWER_MAX_CHARS)
        return value
    raise AnswerError("unknown_type", f"unknown item type {t}")


def _within(value: float, allowed: limits.NumberRange) -> None:
    if not allowed.low <= value <= allowed.high:
        raise AnswerError("out_of_range", f"pick {allowed.low:g}–{allowed.high:g}",
                          low=f"{allowed.low:g}", high=f"{allowed.high:,.0f}".replace(",", " "))


def _short_enough(text: str, most: int) -> None:
    if len(text) > most:
        raise AnswerError("too_long", f"longer than {most} characters", limit=most)


def hours_parts(item: Item, week: Mapping[str, Any]) -> dict[str, Any]:
    """Which of the rule's parts the week meets, for scoring and for the explanation."""
    rule = item.hours
    evening_after = rule.evening_after if rule else "19:00"
    check_weekend = rule.weekend if rule else True
    latest: str | None = None
    latest_m: int | None = None
    evening_days: list[str] = []
    for day in WEEKDAYS[:5]:
        span = week.get(day)
        if not span:
            continue
        open_m, close_m = _minutes_of(span[0]), _minutes_of(span[1])
        if close_m <= open_m:  # closes after midnight
            close_m += 24 * 60
        if latest_m is None or close_m > latest_m:
            latest, latest_m = span[1], close_m
        if evening_after is not None and close_m >= _minutes_of(evening_after):
            evening_days.append(day)
    weekend_days = [d for d in WEEKDAYS[5:] if week.get(d)]
    parts: dict[str, Any] = {"evening_after": evening_after, "evening_days": evening_days,
                             "weekend_days": weekend_days, "latest": latest}
    checks: list[bool] = []
    if evening_after is not None:
        checks.append(bool(evening_days))
    if check_weekend:
        checks.append(bool(weekend_days))
    parts["fraction"] = sum(checks) / len(checks) if checks else 1.0
    return parts


def _fraction(item: Item, value: Any) -> tuple[float, str, tuple[str, dict[str, Any]]]:
    """Fraction of the item's weight earned, an English why, and an i18n reason."""
    t = item.type
    if t == "yes_no":
        return (1.0, "yes", ("yes", {})) if value else (0.0, "no", ("no", {}))
    if t == "scale":
        f = (value - item.scale_min) / (item.scale_max - item.scale_min)
        return f, f"{value} on {item.scale_min}–{item.scale_max}", (
            "scale", {"value": value, "low": item.scale_min, "high": item.scale_max})
    if t == "choice":
        opt = item.option(value)
        assert opt is not None  # noqa: S101  check_value guarantees it
        return opt.score, f'"{opt.text.en}" scores {opt.score:g}', ("choice", {"option": opt.id})
    if t == "multi":
        chosen = [o for o in item.options if o.id in value]
        total = sum(o.score for o in chosen)
        f = min(1.0, total)
        return f, f"{len(chosen)} chosen, worth {total:g} (at most 1)", (
            "multi", {"options": [o.id for o in chosen], "sum": total})
    if t in ("number", "wait_time", "typo_check"):
        if t == "wait_time":
            measured = wait_minutes(value)
            if measured is None:
                return math.nan, "", ("unanswered", {})
            number = measured
        elif t == "typo_check":
            number = float(len(value.get("typos", [])))
        else:
            number = float(value)
        band = band_for(item.bands, number)
        score = band.score if band else 0.0
        limit = f"≤ {band.max:g}" if band and band.max is not None else "above every limit"
        what = {"wait_time": "min", "typo_check": "typos"}.get(t, item.unit.en if item.unit else "")
        return score, f"{number:g} {what} falls in the band {limit} → {score:g}".replace("  ", " "), (
            "band", {"value": number, "max": band.max if band else None, "score": score,
                     "type": t, "typos": list(value.get("typos", [])) if t == "typo_check" else []})
    if t == "hours":
        parts = hours_parts(item, value)
        bits = []
        if parts["evening_after"] is not None:
            bits.append(f"open after {parts['evening_after']} on "
                        f"{', '.join(parts['evening_days']) or 'no weekday'}")
        if item.hours is None or item.hours.weekend:
            bits.append(f"weekend: {', '.join(parts['weekend_days']) or 'closed'}")
        return parts["fraction"], "; ".join(bits), ("hours", parts)
    raise AssertionError(t)


def score_item(item: Item, key: str, answer: Answer | None) -> ItemScore:
    if not item.is_scored:
        return ItemScore(key, 0.0, 0.0, None, "evidence, not scored", ("unscored", {}))
    if answer is None or not answer.is_answered:
        return ItemScore(key, 0.0, 0.0, None, "not answered", ("unanswered", {}))
    if answer.na:
        if item.na:
            return ItemScore(key, 0.0, 0.0, None, "N/A: left out of the denominator", ("na", {}))
        return ItemScore(key, 0.0, 0.0, None, "N/A is not allowed here; not counted",
                         ("na_not_allowed", {}))
    try:
        value = check_value(item, answer.value)
    except AnswerError as err:
        return ItemScore(key, 0.0, 0.0, None, f"invalid answer: {err}", ("invalid", {"code": err.code}))
    if value is None:
        return ItemScore(key, 0.0, 0.0, None, "not answered", ("unanswered", {}))
    fraction, why, reason = _fraction(item, value)
    if math.isnan(fraction):
        return ItemScore(key, 0.0, 0.0, None, "not answered", reason)
    fraction = min(1.0, max(0.0, fraction))
    earned = item.weight * fraction
    return ItemScore(
        key=key,
        earned=earned,
        possible=item.weight,
        fraction=fraction,
        why=f"{why}: {earned:g} of {item.weight:g}",
        reason=reason,
        is_finding=fraction < 1.0,
        is_critical_failure=item.critical and fraction == 0.0,
    )


def level_for(checklist: Checklist, percent: float | None) -> str | None:
    if percent is None:
        return None
    key: str | None = None
    for level in checklist.levels:
        if percent + 1e-9 >= level.min:
            key = level.key
    return key


def score_audit(checklist: Checklist, answers: Mapping[str, Answer] | Iterable[Answer]) -> AuditScore:
    """Score answers against the checklist they were given for.

    An item hidden by a `when:` condition (its own or its section's) scores as if the
    checklist had no such item; the items of a section answered N/A as a whole score
    0 of 0, like items answered N/A one by one. Both say why in their reason.
    """
    by_key = dict(answers) if isinstance(answers, Mapping) else {a.key: a for a in answers}
    vis = visibility(checklist, by_key)
    sections: list[SectionScore] = []
    critical: list[str] = []
    for section in checklist.sections:
        items = []
        na_reason = vis.na_sections.get(section.id)
        for item in section.items:
            key = item_key(section, item)
            if key in vis.hidden:
                when = vis.hidden[key]
                s = ItemScore(key, 0.0, 0.0, None, "skipped: its condition does not match",
                              ("hidden", {"when": when.to_data(),
                                          "by": "section" if section.id in vis.hidden_sections else "item"}))
            elif na_reason is not None:
                s = ItemScore(key, 0.0, 0.0, None, "the section was answered N/A; not counted",
                              ("section_na", {"reason": na_reason}))
            else:
                s = score_item(item, key, by_key.get(key))
            if s.is_critical_failure:
                critical.append(key)
            items.append(s)
        earned = sum(i.earned for i in items)
        possible = sum(i.possible for i in items)
        sections.append(SectionScore(section.id, earned, possible, section.weight, tuple(items)))

    counted = [s for s in sections if s.possible > 0]
    computed: float | None = None
    if counted:
        total_weight = sum(s.weight for s in counted)
        computed = sum(s.weight * (s.percent or 0.0) for s in counted) / total_weight
        computed = min(100.0, max(0.0, computed))
    overall = computed
    cap = checklist.critical_cap if critical else None
    if computed is not None and cap is not None:
        overall = min(computed, cap)
    return AuditScore(
        sections=tuple(sections),
        computed=computed,
        overall=overall,
        level=level_for(checklist, overall),
        critical_failures=tuple(critical),
        cap=cap,
    )


def impacts(score: AuditScore) -> dict[str, float]:
    """Points of 100 each finding cost the computed overall score (before any critical cap).

    An item's share of the total is its section's weight share times its share of the
    section's possible points, so a parking item and a service item that both read
    "0 of 2" cost what their sections weigh. The values of one audit sum to 100 − computed.
    """
    counted = [s for s in score.sections if s.possible > 0]
    total_weight = sum(s.weight for s in counted)
    out: dict[str, float] = {}
    if not total_weight:
        return out
    for section in counted:
        share = section.weight / total_weight
        for item in section.items:
            if item.is_finding and item.possible > 0:
                out[item.key] = 100.0 * share * (item.possible - item.earned) / section.possible
    return out


def cap_cost(score: AuditScore) -> float:
    """Points of 100 the critical cap took off: the computed (uncapped) score minus the capped
    one, 0 where no cap bit. With `impacts`, the lost points add up: 100 − overall =
    sum(impacts) + cap_cost. A critical failure costs its own impact and this."""
    if not score.is_critical_failure or score.computed is None or score.overall is None:
        return 0.0
    return max(0.0, score.computed - score.overall)


def ranked_findings(score: AuditScore) -> list[ItemScore]:
    """The findings in the one order every surface lists them (the app's audit page, the PDF's
    page 1 and findings, "since last time"): critical failures first, then what each cost the
    overall score, equal costs in checklist order."""
    cost = impacts(score)
    found = score.findings  # checklist order
    position = {s.key: n for n, s in enumerate(found)}
    return sorted(found, key=lambda s: (not s.is_critical_failure, -round(cost.get(s.key, 0.0), 6),
                                        position[s.key]))


def has_photo(answer: Answer | None, stored: Container[str] | None) -> bool:
    """The one rule for "this item has its photo": a photo the audit holds (`stored`, the
    audit's photo records), never a bare hash named in the answer. Progress, the list of what
    is missing before submit and submit itself all ask here. `stored` None trusts the answer
    (rules read without the audit's photos, such as the phone's rule vectors)."""
    if answer is None:
        return False
    if stored is None:
        return bool(answer.photos)
    return any(sha in stored for sha in answer.photos)


def is_done(item: Item, answer: Answer | None, photos: Container[str] | None = None) -> bool:
    """Counted as answered in progress: a photo item is done once it has its photo."""
    if answer is None:
        return False
    return answer.is_answered or (item.type == "photo" and has_photo(answer, photos))


def progress(checklist: Checklist, answers: Mapping[str, Answer],
             vis: Visibility | None = None, *,
             photos: Container[str] | None = None) -> dict[str, tuple[int, int]]:
    """Answered of shown per section id; key "" is the whole audit.

    N/A counts as answered, and so does every item of a section answered N/A as a whole;
    an item hidden by a condition is not counted at all.
    """
    vis = vis or visibility(checklist, answers)
    out: dict[str, tuple[int, int]] = {}
    done_all = total_all = 0
    for section in checklist.sections:
        done = total = 0
        whole_na = section.id in vis.na_sections
        for item in section.items:
            key = item_key(section, item)
            if not vis.shows(key):
                continue
            total += 1
            a = answers.get(key)
            if whole_na or is_done(item, a, photos):
                done += 1
        out[section.id] = (done, total)
        done_all += done
        total_all += total
    out[""] = (done_all, total_all)
    return out


def missing_for_submit(
    checklist: Checklist, answers: Mapping[str, Answer], score: AuditScore | None = None, *,
    photos: Container[str],
) -> list[tuple[str, str]]:
    """(item key, "answer" | "photo") for every required thing still missing.

    Items hidden by a condition, and the items of a section answered N/A, ask for nothing.
    A photo counts only if the audit holds it (`photos`: the audit's photo records).
    """
    score = score or score_audit(checklist, answers)
    vis = visibility(checklist, answers)
    missing: list[tuple[str, str]] = []
    for section in checklist.sections:
        for item in section.items:
            key = item_key(section, item)
            if not vis.applies(key):
                continue
            a = answers.get(key)
            answered = a is not None and a.is_answered
            if item.required and item.type != "photo" and not answered:
                missing.append((key, "answer"))
            photographed = has_photo(a, photos)
            if a is not None and a.na:
                continue
            if item.photo == "required" or (item.type == "photo" and item.required):
                if not photographed:
                    missing.append((key, "photo"))
            elif item.photo == "on_fail":
                s = score.item(key)
                if s is not None and s.is_finding and not photographed:
                    missing.append((key, "photo"))
    return missing
