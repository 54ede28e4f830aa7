"""Customers' voice for HQ: the poster of a location, and the gap table (expected against got,
beside the audits' score of the same section). Every surface calls these functions."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from statistics import NormalDist
from urllib.parse import urlsplit

import pandas as pd

from audit.checklist.templates import get_checklist
from audit.checklist.voice import touchpoints
from audit.core.errors import AppError, NotFound
from audit.model import Checklist, User
from audit.model.voice import (
    VISIT_LEVELS,
    BranchVoice,
    GapRow,
    LevelShare,
    MonthRow,
    ShopperRow,
    VoiceFilter,
    VoiceResponse,
    VoiceTable,
)
from audit.notify.outbox import public_url
from audit.people import audience
from audit.reports.analytics import ExpectCell, Filters, expectation_cells, heatmap, month_filters
from audit.reports.export import export_format, to_csv, to_xlsx
from audit.reports.pdf.poster import render_poster_pdf
from audit.store import Store
from audit.voice.service import voice_link, voice_template_id

# the table's values live in audit.model.voice (the PDFs read them too); named here as well
__all__ = ["AUDIT_FAIL_BELOW", "AUDIT_PASS_AT", "BranchVoice", "GapRow", "LevelShare", "MonthRow",
           "NoPublicAddress", "ShopperRow", "VoiceTable", "branch_voice", "export_voice", "gap_table",
           "poster_pdf", "shopper_rows", "t_quantile", "voice_frames", "voice_table"]


class NoPublicAddress(AppError):
    """No usable public address for the poster's link (params: found)."""

    code = "voice_no_address"


def poster_pdf(store: Store, location_id: str, lang: str, *, app_url: str | None = None) -> bytes:
    """The A4 poster of a location: its QR code and short link from the public address."""
    location = store.get_location(location_id)
    if location is None:
        raise NotFound(f"no location {location_id!r}", location=location_id)
    url = public_url() if app_url is None else app_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise NoPublicAddress(
            f"no usable public address ({url!r}): set AUDIT_APP_URL (or app_url in [smtp] of "
            ".streamlit/secrets.toml) to the address phones open, e.g. https://audit.example.com",
            found=url)
    return render_poster_pdf(location.name, voice_link(url, location.id), lang)


# -- the gap table ---------------------------------------------------------------------------

# Where a touchpoint's audits "pass" or "fail" (the mean section score of the period, of 100),
# for the two lists HQ reads first. Separate columns stay separate: no score mixes the two.
AUDIT_PASS_AT = 80.0
AUDIT_FAIL_BELOW = 60.0
CONFIDENCE = 0.95
WHERE = ("below", "met", "above")  # the gap's interval wholly below 0, around it, wholly above


def t_quantile(df: int, confidence: float = CONFIDENCE) -> float:
    """Student's t for a two-sided interval (G. W. Hill, Algorithm 396, CACM 1970): good to
    about 1e-6 for every df ≥ 1, without a statistics library."""
    p = 1.0 - confidence
    if df == 1:
        return math.cos(p * math.pi / 2) / math.sin(p * math.pi / 2)
    if df == 2:
        return math.sqrt(2.0 / (p * (2.0 - p)) - 2.0)
    n = float(df)
    a = 1.0 / (n - 0.5)
    b = 48.0 / (a * a)
    c = ((20700.0 * a / b - 98.0) * a - 16.0) * a + 96.36
    d = ((94.5 / (b + c) - 3.0) / b + 1.0) * math.sqrt(a * math.pi / 2.0) * n
    x = d * p
    y = x ** (2.0 / n)
    if y > 0.05 + a:
        x = NormalDist().inv_cdf(p / 2.0)
        y = x * x
        if df < 5:
            c += 0.3 * (n - 4.5) * (x + 0.6)
        c = (((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b + c
        y = (((((0.4 * y + 6.3) * y + 36.0) * y + 94.5) / c - y - 3.0) / b + 1.0) * x
        y = math.expm1(a * y * y)
    else:
        y = ((1.0 / (((n + 6.0) / (n * y) - 0.089 * d - 0.822) * (n + 2.0) * 3.0)
              + 0.5 / (n + 4.0)) * y - 1.0) * (n + 1.0) / (n + 2.0) + 1.0 / y
    return math.sqrt(n * y)


class _Acc:
    __slots__ = ("d2", "e", "n", "p")

    def __init__(self) -> None:
        self.n = self.e = self.p = self.d2 = 0

    def add(self, e: int, p: int) -> None:
        self.n += 1
        self.e += e
        self.p += p
        self.d2 += (p - e) * (p - e)


def _shares(counts: Mapping[str, int], total: int) -> tuple[LevelShare, ...]:
    return tuple(LevelShare(lv, counts.get(lv, 0), counts.get(lv, 0) / total if total else 0.0)
                 for lv in VISIT_LEVELS)


def _row(loc: str, name: str, section: str, acc: _Acc,
         audit: tuple[float | None, int] | None) -> GapRow:
    n = acc.n
    gap = (acc.p - acc.e) / n
    low = high = where = None
    if n >= 2:
        # integer sums: the variance is exact before the one division
        var = (acc.d2 - (acc.p - acc.e) ** 2 / n) / (n - 1)
        half = t_quantile(n - 1) * math.sqrt(max(var, 0.0) / n)
        low, high = gap - half, gap + half
        where = "below" if high < 0 else "above" if low > 0 else "met"
    score, audits = audit if audit is not None else (None, 0)
    return GapRow(loc, name, section, n, acc.e / n, acc.p / n, gap, low, high, where, score, audits)


def gap_table(responses: Iterable[VoiceResponse], sections: Sequence[str],
              audit_scores: Mapping[tuple[str, str], tuple[float | None, int]],
              names: Mapping[str, str], template_id: str = "") -> VoiceTable:
    """The whole table from responses (held ones only counted as held) and the audits' section
    scores by (location, section); rows by location name, then the checklist's section order."""
    order = {s: i for i, s in enumerate(sections)}
    cells: dict[tuple[str, str], _Acc] = {}
    levels: dict[str, int] = {}
    months: dict[str, tuple[_Acc, dict[str, int], list[int]]] = {}
    counted = held = 0
    for r in responses:
        if r.held:
            held += 1
            continue
        counted += 1
        levels[r.level] = levels.get(r.level, 0) + 1
        month = months.get(r.month)
        if month is None:
            month = months[r.month] = (_Acc(), {}, [0])
        month[1][r.level] = month[1].get(r.level, 0) + 1
        month[2][0] += 1
        for rating in r.ratings:
            if rating.section not in order:
                continue  # a touchpoint the checklist no longer asks about
            key = (r.location_id, rating.section)
            acc = cells.get(key)
            if acc is None:
                acc = cells[key] = _Acc()
            acc.add(rating.expected, rating.perceived)
            month[0].add(rating.expected, rating.perceived)
    keys = sorted(cells, key=lambda k: (names.get(k[0], k[0]), k[0], order[k[1]]))
    rows = tuple(_row(loc, names.get(loc, loc), sec, cells[(loc, sec)], audit_scores.get((loc, sec)))
                 for loc, sec in keys)
    let_down = tuple(r for r in rows if r.where == "below" and r.audit_score is not None
                     and r.audit_score >= AUDIT_PASS_AT)
    not_minded = tuple(r for r in rows if r.where in ("met", "above") and r.audit_score is not None
                       and r.audit_score < AUDIT_FAIL_BELOW)
    month_rows = []
    for m in sorted(months):
        acc, counts, total = months[m]
        month_rows.append(MonthRow(
            m, total[0], acc.n, acc.e / acc.n if acc.n else None, acc.p / acc.n if acc.n else None,
            (acc.p - acc.e) / acc.n if acc.n else None, _shares(counts, total[0])))
    return VoiceTable(template_id, counted, held, rows, let_down, not_minded,
                      _shares(levels, counted), tuple(month_rows))


def voice_table(store: Store, *, first_month: str | None = None, last_month: str | None = None,
                location_ids: Sequence[str] | None = None) -> VoiceTable:
    """HQ's view of customers' voice for a period (whole months) — the one function the
    dashboard, the export and the CLI call."""
    checklist = get_checklist(store, voice_template_id(store))
    sections = [s.id for s in touchpoints(checklist)]
    flt = VoiceFilter(location_ids=tuple(location_ids) if location_ids is not None else None,
                      first_month=first_month, last_month=last_month)
    responses = [r for r in store.list_voice_responses(flt) if r.template_id == checklist.id]
    period = (month_filters(first_month or "2000-01", last_month or "2999-12",
                            template_id=checklist.id)
              if first_month or last_month else Filters(template_id=checklist.id))
    rollups = store.get_rollups(first_month, last_month, template_id=checklist.id)
    scores = {(c.location_id, c.section_id): (c.score, c.audits) for c in heatmap(rollups, period)}
    names = {loc.id: loc.name for loc in store.list_locations()}
    table = gap_table(responses, sections, scores, names, checklist.id)
    return dataclasses.replace(table, shoppers=shopper_rows(
        checklist, expectation_cells(rollups, replace_ids(period, location_ids)), names))


def replace_ids(f: Filters, location_ids: Sequence[str] | None) -> Filters:
    return f if location_ids is None else dataclasses.replace(f, location_ids=tuple(location_ids))


def shopper_rows(checklist: Checklist, cells: Iterable[ExpectCell], names: Mapping[str, str]
                 ) -> tuple[ShopperRow, ...]:
    """The cells of sections that still ask an expectation, by location name then the
    checklist's order."""
    kinds = {s.id: s.expect.kind for s in checklist.sections if s.expect is not None}
    order = {s.id: i for i, s in enumerate(checklist.sections)}
    rows = [ShopperRow(c.location_id, names.get(c.location_id, c.location_id), c.section_id,
                       kinds[c.section_id], c.audits, c.expected, c.got, c.below, c.met, c.above)
            for c in cells if c.section_id in kinds]
    return tuple(sorted(rows, key=lambda r: (r.location, r.location_id, order[r.section])))


# -- a branch's own report ------------------------------------------------------------------

BRANCH_MONTHS = 3  # whole months of customers' voice a branch's report reads, up to its visit
BRANCH_WORDS = 12  # customers' own words a branch's report prints, the newest first


def months_before(last_month: str, months: int) -> str:
    """The first of `months` whole months ending with `last_month` ("YYYY-MM")."""
    y, m = int(last_month[:4]), int(last_month[5:7]) - (months - 1)
    while m < 1:
        y, m = y - 1, m + 12
    return f"{y:04d}-{m:02d}"


def branch_voice(store: Store, location_id: str, last_month: str, *,
                 reader: audience.Reader | User, leaves_app: bool = True,
                 months: int = BRANCH_MONTHS) -> BranchVoice | None:
    """The location's customers' voice over `months` whole months up to `last_month`, for its
    own report; None when no checklist is set for customers or no customer answered. Customers'
    words only as the audience policy lets `reader` read them (a copy that leaves the app:
    only those HQ approved)."""
    first_month = months_before(last_month, months)
    try:
        table = voice_table(store, first_month=first_month, last_month=last_month,
                            location_ids=[location_id])
    except AppError:
        return None
    if not table.responses:
        return None
    flt = VoiceFilter(location_ids=(location_id,), first_month=first_month, last_month=last_month)
    said = [r for r in store.list_voice_responses(flt) if r.text and r.is_counted
            and audience.may_read_customer_words(reader, approved=r.text_approved,
                                                 leaves_app=leaves_app)]
    said.sort(key=lambda r: (r.at, r.id), reverse=True)
    return BranchVoice(location_id, first_month, last_month, table,
                       tuple((r.day, r.text) for r in said[:BRANCH_WORDS]))


# -- export ----------------------------------------------------------------------------------

GAP_COLUMNS = ("location_id", "location", "section", "touchpoint", "n", "expected", "perceived",
               "gap", "ci_low", "ci_high", "where", "audit_score", "audits", "list")
SHOPPER_COLUMNS = ("location_id", "location", "section", "kind", "audits", "expected", "got",
                   "below", "met", "above")
MONTH_COLUMNS = ("month", "responses", "ratings", "expected", "perceived", "gap",
                 *(f"share_{lv}" for lv in VISIT_LEVELS))


def voice_frames(store: Store, table: VoiceTable, lang: str = "en") -> dict[str, pd.DataFrame]:
    """The table as frames: "gap" (one row per location × touchpoint), "months", and
    "shoppers" (the mystery shoppers' own expected against got, per location × section)."""
    checklist = get_checklist(store, table.template_id)
    words = {s.id: (s.customer or s.title).get(lang) for s in checklist.sections}
    let_down = {(r.location_id, r.section) for r in table.let_down_where_audits_pass}
    not_minded = {(r.location_id, r.section) for r in table.audits_fail_where_customers_do_not_mind}
    gap = pd.DataFrame.from_records([{
        "location_id": r.location_id, "location": r.location, "section": r.section,
        "touchpoint": words.get(r.section, r.section), "n": r.n, "expected": r.expected,
        "perceived": r.perceived, "gap": r.gap, "ci_low": r.ci_low, "ci_high": r.ci_high,
        "where": r.where or "", "audit_score": r.audit_score, "audits": r.audits,
        "list": ("let_down_where_audits_pass" if (r.location_id, r.section) in let_down
                 else "audits_fail_where_customers_do_not_mind"
                 if (r.location_id, r.section) in not_minded else ""),
    } for r in table.rows], columns=list(GAP_COLUMNS))
    months = pd.DataFrame.from_records([{
        "month": m.month, "responses": m.responses, "ratings": m.ratings, "expected": m.expected,
        "perceived": m.perceived, "gap": m.gap, **{f"share_{s.level}": s.share for s in m.shares},
    } for m in table.months], columns=list(MONTH_COLUMNS))
    shoppers = pd.DataFrame.from_records([{
        "location_id": r.location_id, "location": r.location, "section": r.section, "kind": r.kind,
        "audits": r.audits, "expected": r.expected, "got": r.got, "below": r.below, "met": r.met,
        "above": r.above} for r in table.shoppers], columns=list(SHOPPER_COLUMNS))
    return {"gap": gap, "months": months, "shoppers": shoppers}


def export_voice(store: Store, *, fmt: str, first_month: str | None = None,
                 last_month: str | None = None, location_ids: Sequence[str] | None = None,
                 lang: str = "en") -> dict[str, bytes]:
    """{"voice-gap.csv": …, "voice-months.csv": …, "voice-shoppers.csv": …} for csv; {"xlsx": …}
    (three sheets) for xlsx."""
    kind = export_format(fmt)
    frames = voice_frames(store, voice_table(store, first_month=first_month, last_month=last_month,
                                             location_ids=location_ids), lang)
    if kind == "csv":
        return {f"voice-{name}.csv": to_csv(frame) for name, frame in frames.items()}
    return {"xlsx": to_xlsx({f"voice-{name}": frame for name, frame in frames.items()})}
