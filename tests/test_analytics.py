"""HQ comparisons against figures computed by hand on a small network, and the demo's stories."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from audit.checklist.parse import parse_checklist
from audit.model import Checklist, Location, SummaryRow
from audit.model.rollups import Rollups, rollups_of
from audit.ops.demo import generate
from audit.reports.analytics import (
    FilterError,
    Filters,
    Gap,
    HeatCell,
    ItemTally,
    RankRow,
    TrendPoint,
    compare,
    dashboard,
    heatmap,
    mode_trend,
    month_filters,
    months_to_read,
    previous_period,
    ranking,
    section_trend,
    select,
    self_vs_mystery,
    trend,
    worst_items,
)
from audit.store.folder.backend import TinyStore
from tests.conftest import MINI_YAML

LOCATIONS = {
    "loc-a": Location(id="loc-a", name="Арбат", region="Москва"),
    "loc-b": Location(id="loc-b", name="Невский", region="СПб"),
    "loc-c": Location(id="loc-c", name="Сокол", region="Москва"),
}
MAY = Filters(date_from="2026-05-01", date_to="2026-05-31", template_id="mini")


def row(audit_id: str, loc: str, day: str, overall: float | None, *, mode: str = "mystery",
        sections: dict[str, float | None] | None = None, critical: tuple[str, ...] = (),
        findings: tuple[str, ...] = (), na: tuple[str, ...] = (), template: str = "mini",
        status: str = "submitted", lost: dict[str, float] | None = None) -> SummaryRow:
    return SummaryRow(
        audit_id=audit_id, location_id=loc, region=LOCATIONS[loc].region, template_id=template,
        template_version=1, mode=mode, auditor="sam" if mode == "mystery" else "mia",
        status=status, started_at=f"{day}T09:00:00+03:00", visit_at=f"{day}T10:30:00+03:00",
        submitted_at=f"{day}T11:00:00+03:00" if status == "submitted" else "",
        overall=overall, computed=overall, critical=critical, sections=sections or {},
        findings=findings, na=na,
        lost=dict.fromkeys(findings, 5.0) if lost is None else lost,  # points of 100 each cost
    )


# The small network. April is the "previous period" of May.
ROWS = [
    row("a1", "loc-a", "2026-05-03", 80.0, sections={"entrance": 100.0, "waiting": 60.0, "office": None},
        findings=("waiting.wait",)),
    row("a2", "loc-a", "2026-05-20", 90.0, mode="self",
        sections={"entrance": 100.0, "waiting": 80.0, "office": 90.0}, findings=("waiting.wait",)),
    row("a3", "loc-a", "2026-04-10", 70.0, sections={"entrance": 50.0, "waiting": 100.0, "office": 80.0},
        findings=("entrance.dry",)),
    row("b1", "loc-b", "2026-05-05", 40.0, critical=("office.guard",),
        sections={"entrance": 50.0, "waiting": None, "office": 0.0},
        findings=("entrance.dry", "office.guard"), na=("waiting.comforts",),
        lost={"entrance.dry": 5.0, "office.guard": 30.0}),
    row("b2", "loc-b", "2026-05-25", 70.0, mode="self",
        sections={"entrance": 75.0, "waiting": 100.0, "office": 50.0}, findings=("entrance.dry",),
        na=("waiting.comforts",)),
    row("b3", "loc-b", "2026-04-15", 60.0, sections={"entrance": 60.0, "waiting": 60.0, "office": 60.0}),
    row("c1", "loc-c", "2026-05-10", 90.0, sections={"entrance": 90.0, "waiting": 90.0, "office": None},
        na=("entrance.dry",)),
    row("c-draft", "loc-c", "2026-05-11", None, status="draft"),
    row("c-other", "loc-c", "2026-05-12", 50.0, template="other", sections={"x": 50.0},
        findings=("x.y",)),
]
R = rollups_of(ROWS)  # by month, as a store keeps them


@pytest.fixture(scope="module")
def mini() -> Checklist:
    return parse_checklist(MINI_YAML, source="mini.yaml")


# --- filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(("f", "expected"), [
    (Filters(), ["a1", "a2", "a3", "b1", "b2", "b3", "c1", "c-other"]),
    (MAY, ["a1", "a2", "b1", "b2", "c1"]),
    (Filters(date_from="2026-05-20"), ["a2", "b2"]),
    (Filters(date_to="2026-04-15"), ["a3", "b3"]),
    (Filters(date_from="2026-05-03", date_to="2026-05-03"), ["a1"]),
    (Filters(region="Москва"), ["a1", "a2", "a3", "c1", "c-other"]),
    (Filters(location_ids=("loc-b", "loc-c")), ["b1", "b2", "b3", "c1", "c-other"]),
    (Filters(location_ids=()), []),
    (Filters(template_id="other"), ["c-other"]),
    (Filters(mode="self"), ["a2", "b2"]),
    (Filters(mode="both", region="СПб"), ["b1", "b2", "b3"]),
])
def test_select__keeps_submitted_rows_matching_every_filter(f: Filters, expected: list[str]) -> None:
    assert [r.audit_id for r in select(ROWS, f)] == expected


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"date_from": "31.05.2026"}, "YYYY-MM-DD"),
    ({"date_to": "2026-02-30"}, "YYYY-MM-DD"),
    ({"date_from": "2026-06-01", "date_to": "2026-05-01"}, "swap"),
    ({"mode": "secret"}, "mystery, self or both"),
])
def test_filters__bad_values_refused_with_a_hint(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(FilterError, match=message):
        Filters(**kwargs)  # type: ignore[arg-type]


def test_filters__widget_values_are_tidied() -> None:
    f = Filters(date_from="", region="", mode="both", location_ids=["loc-a"])  # type: ignore[arg-type]
    assert f == Filters(location_ids=("loc-a",))


@pytest.mark.parametrize(("start", "end", "prev_start", "prev_end"), [
    ("2026-05-01", "2026-05-31", "2026-04-01", "2026-04-30"),  # a month: the month before
    ("2026-03-01", "2026-03-31", "2026-02-01", "2026-02-28"),
    ("2026-01-01", "2026-01-31", "2025-12-01", "2025-12-31"),
    ("2026-07-01", "2026-09-30", "2026-04-01", "2026-06-30"),  # a quarter: the quarter before
    ("2026-05-10", "2026-05-16", "2026-05-03", "2026-05-09"),  # a week: the week before
    ("2026-05-10", "2026-05-10", "2026-05-09", "2026-05-09"),
    ("2026-03-01", "2026-03-15", "2026-02-14", "2026-02-28"),  # 15 days: 15 days before
])
def test_previous_period__same_length_just_before(start: str, end: str, prev_start: str,
                                                  prev_end: str) -> None:
    f = Filters(date_from=start, date_to=end, region="Москва")
    assert previous_period(f) == Filters(date_from=prev_start, date_to=prev_end, region="Москва")


@pytest.mark.parametrize("f", [Filters(), Filters(date_from="2026-05-01"), Filters(date_to="2026-05-01")])
def test_previous_period__none_without_both_dates(f: Filters) -> None:
    assert previous_period(f) is None


# --- periods of monthly rollups -----------------------------------------------------------


@pytest.mark.parametrize(("first", "last", "date_from", "date_to"), [
    ("2026-05", "2026-05", "2026-05-01", "2026-05-31"),
    ("2026-01", "2026-02", "2026-01-01", "2026-02-28"),
    ("2024-02", "2024-02", "2024-02-01", "2024-02-29"),
    ("2025-11", "2026-01", "2025-11-01", "2026-01-31"),
])
def test_month_filters__whole_months(first: str, last: str, date_from: str, date_to: str) -> None:
    assert month_filters(first, last, region="Москва") == Filters(
        date_from=date_from, date_to=date_to, region="Москва")


@pytest.mark.parametrize(("first", "last", "message"), [
    ("2026-5", "2026-05", "YYYY-MM"), ("2026-13", "2026-12", "YYYY-MM"),
    ("2026-06", "2026-05", "swap"),
])
def test_month_filters__bad_months_refused_with_a_hint(first: str, last: str, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        month_filters(first, last)


def test_months_to_read__the_period_and_the_one_before() -> None:
    assert months_to_read(month_filters("2026-04", "2026-06")) == ("2026-01", "2026-06")
    assert months_to_read(Filters(date_from="2026-04-01")) == ("2026-04", None)
    assert months_to_read(Filters()) == (None, None)


@pytest.mark.parametrize("f", [Filters(date_from="2026-05-03"), Filters(date_to="2026-05-30"),
                               Filters(date_from="2026-05-02", date_to="2026-05-31")])
def test_monthly_rollups__refuse_part_of_a_month(f: Filters) -> None:
    with pytest.raises(FilterError, match="month"):
        ranking(R, LOCATIONS, f)
    with pytest.raises(FilterError, match="month"):
        worst_items(R, f)


def test_daily_rollups__answer_any_span_of_days(mini: Checklist) -> None:
    f = Filters(date_from="2026-05-04", date_to="2026-05-20", template_id="mini")
    daily = rollups_of(ROWS, daily=True)
    assert [(r.location_id, r.score, r.audits) for r in ranking(daily, LOCATIONS, f)] == [
        ("loc-a", 90.0, 1), ("loc-c", 90.0, 1), ("loc-b", 40.0, 1)]  # a2, c1, b1; ties by name
    assert [p.month for p in trend(daily, f)] == ["2026-05"]  # days still add up by month


# --- the aggregates -----------------------------------------------------------------------


def test_ranking__may_by_hand(mini: Checklist) -> None:
    assert ranking(R, LOCATIONS, MAY, checklist=mini) == [
        # c: 90 from c1; a: (80 + 90) / 2; b: (40 + 70) / 2, one critical failure
        RankRow("loc-c", "Сокол", "Москва", 90.0, "wow", None, 1, 0, 1),
        RankRow("loc-a", "Арбат", "Москва", 85.0, "wow", 15.0, 2, 0, 2),  # April: 70
        RankRow("loc-b", "Невский", "СПб", 55.0, "disappointment", -5.0, 2, 1, 3),  # April: 60
    ]


def test_ranking__previous_period_read_from_previous_when_given(mini: Checklist) -> None:
    only_may = rollups_of(select(ROWS, MAY))
    without = ranking(only_may, LOCATIONS, MAY, checklist=mini)
    assert [r.change for r in without] == [None, None, None]
    with_all = ranking(only_may, LOCATIONS, MAY, checklist=mini, previous=R)
    assert [r.change for r in with_all] == [None, 15.0, -5.0]


def test_ranking__equal_scores_share_a_rank_and_no_checklist_means_no_level() -> None:
    rows = [row("x1", "loc-a", "2026-05-01", 70.0), row("x2", "loc-b", "2026-05-01", 80.0),
            row("x3", "loc-c", "2026-05-01", 70.0)]
    out = ranking(rollups_of(rows), LOCATIONS, Filters())
    assert [(r.location_id, r.rank, r.level) for r in out] == [
        ("loc-b", 1, None), ("loc-a", 2, None), ("loc-c", 2, None)]  # ties: by name


def test_heatmap__mean_of_section_percent_none_aware() -> None:
    assert heatmap(R, MAY) == [
        HeatCell("loc-a", "entrance", 100.0, 2),
        HeatCell("loc-a", "waiting", 70.0, 2),
        HeatCell("loc-a", "office", 90.0, 1),  # a1 had the office all N/A
        HeatCell("loc-b", "entrance", 62.5, 2),
        HeatCell("loc-b", "waiting", 100.0, 1),
        HeatCell("loc-b", "office", 25.0, 2),
        HeatCell("loc-c", "entrance", 90.0, 1),
        HeatCell("loc-c", "waiting", 90.0, 1),
        HeatCell("loc-c", "office", None, 0),
    ]


def test_heatmap__rows_of_one_version_with_other_sections_still_counted() -> None:
    rows = [row("x1", "loc-a", "2026-05-01", 70.0, sections={"entrance": 40.0, "waiting": 20.0}),
            row("x2", "loc-a", "2026-05-02", 70.0, sections={"waiting": 60.0, "entrance": 80.0}),
            row("x3", "loc-a", "2026-05-03", 70.0, sections={"entrance": 30.0})]
    assert heatmap(rollups_of(rows), Filters()) == [HeatCell("loc-a", "entrance", 50.0, 3),
                                        HeatCell("loc-a", "waiting", 40.0, 2)]


@pytest.mark.parametrize(("chosen", "expected"), [
    ((), [TrendPoint("2026-04", "network", 65.0, 2), TrendPoint("2026-05", "network", 74.0, 5)]),
    (("loc-a", "loc-z"), [TrendPoint("2026-04", "network", 65.0, 2),
                          TrendPoint("2026-05", "network", 74.0, 5),
                          TrendPoint("2026-04", "loc-a", 70.0, 1),
                          TrendPoint("2026-05", "loc-a", 85.0, 2)]),
])
def test_trend__network_then_each_chosen_location(chosen: tuple[str, ...],
                                                  expected: list[TrendPoint]) -> None:
    assert trend(R, Filters(template_id="mini"), chosen) == expected


def test_worst_items__largest_loss_first__fail_rate_over_audits_where_applicable() -> None:
    assert worst_items(R, MAY) == [
        ItemTally("mini", "office.guard", 5, 1, 30.0),  # one critical failure costs the most
        ItemTally("mini", "entrance.dry", 4, 2, 10.0),  # c1 marked it N/A
        ItemTally("mini", "waiting.wait", 5, 2, 10.0),  # equal loss: by key
    ]
    assert worst_items(R, MAY, limit=1) == [ItemTally("mini", "office.guard", 5, 1, 30.0)]
    assert worst_items(R, MAY)[1].fail_rate == 0.5


def test_worst_items__mean_points_lost_per_audit_it_applied_to() -> None:
    rows = [row("l1", "loc-a", "2026-05-01", 80.0, findings=("a.x",), lost={"a.x": 12.5}),
            row("l2", "loc-a", "2026-05-02", 70.0, findings=("a.x",), lost={"a.x": 7.25}),
            row("l3", "loc-a", "2026-05-03", 100.0, na=("a.x",)),
            row("l4", "loc-a", "2026-05-04", 100.0)]
    (w,) = worst_items(rollups_of(rows), Filters())
    assert (w.failed, w.applicable, w.fail_rate, w.mean_lost) == (2, 3, 2 / 3, (12.5 + 7.25) / 3)


def test_worst_items__are_network_wide_not_per_location() -> None:
    with pytest.raises(FilterError, match="network"):
        worst_items(R, Filters(location_ids=("loc-a",)))


@pytest.mark.parametrize(("threshold", "flags"), [(10.0, [True, True]), (15.0, [True, False])])
@pytest.mark.parametrize("mode", [None, "mystery", "self"])
def test_self_vs_mystery__gap_per_location_with_both_kinds(threshold: float, flags: list[bool],
                                                            mode: str | None) -> None:
    f = Filters(date_from="2026-05-01", date_to="2026-05-31", mode=mode)
    assert self_vs_mystery(R, f, threshold=threshold) == [
        Gap("loc-b", 70.0, 40.0, 30.0, 1, 1, flags[0]),
        Gap("loc-a", 90.0, 80.0, 10.0, 1, 1, flags[1]),  # loc-c has mystery audits only
    ]


def test_section_trend__each_section_by_month() -> None:
    assert section_trend(R, "loc-a", Filters(template_id="mini")) == [
        TrendPoint("2026-04", "entrance", 50.0, 1), TrendPoint("2026-05", "entrance", 100.0, 2),
        TrendPoint("2026-04", "waiting", 100.0, 1), TrendPoint("2026-05", "waiting", 70.0, 2),
        TrendPoint("2026-04", "office", 80.0, 1), TrendPoint("2026-05", "office", 90.0, 1),
    ]
    assert section_trend(R, "loc-z", Filters()) == []


def test_mode_trend__each_mode_by_month() -> None:
    assert mode_trend(R, "loc-a", Filters(template_id="mini")) == [
        TrendPoint("2026-04", "mystery", 70.0, 1), TrendPoint("2026-05", "mystery", 80.0, 1),
        TrendPoint("2026-05", "self", 90.0, 1)]


def test_compare__two_locations_side_by_side() -> None:
    out = compare(R, "loc-a", "loc-b", MAY)
    assert out["a"] == {"location_id": "loc-a", "score": 85.0, "audits": 2, "critical": 0,
                        "sections": {"entrance": 100.0, "waiting": 70.0, "office": 90.0},
                        "self_score": 90.0, "mystery_score": 80.0, "gap": 10.0}
    assert out["b"] == {"location_id": "loc-b", "score": 55.0, "audits": 2, "critical": 1,
                        "sections": {"entrance": 62.5, "waiting": 100.0, "office": 25.0},
                        "self_score": 70.0, "mystery_score": 40.0, "gap": 30.0}
    assert out["sections"] == [
        {"section_id": "entrance", "a": 100.0, "b": 62.5, "diff": 37.5},
        {"section_id": "waiting", "a": 70.0, "b": 100.0, "diff": -30.0},
        {"section_id": "office", "a": 90.0, "b": 25.0, "diff": 65.0},
    ]


def test_compare__mode_filters_scores_but_not_the_gap() -> None:
    out = compare(R, "loc-a", "loc-c", dataclasses.replace(MAY, mode="mystery"))
    assert (out["a"]["score"], out["a"]["audits"], out["a"]["gap"]) == (80.0, 1, 10.0)
    assert out["b"]["gap"] is None  # loc-c has no self-audits
    assert out["sections"][2] == {"section_id": "office", "a": None, "b": None, "diff": None}


@pytest.mark.parametrize("f", [MAY, Filters(template_id="mini"), Filters(mode="mystery"),
                               Filters(region="СПб"), Filters(date_from="2030-01-01")])
def test_dashboard__equals_each_function_on_its_own(mini: Checklist, f: Filters) -> None:
    d = dashboard(R, LOCATIONS, f, checklist=mini, chosen=("loc-b",))
    assert d.ranking == ranking(R, LOCATIONS, f, checklist=mini)
    assert d.heatmap == heatmap(R, f)
    assert d.trend == trend(R, f, ("loc-b",))
    assert d.worst_items == worst_items(R, f)
    assert d.gaps == self_vs_mystery(R, f)
    assert d.audits == len(select(ROWS, f))
    assert d.sections == tuple(dict.fromkeys(c.section_id for c in d.heatmap))


def test_dashboard__of_nothing_is_empty() -> None:
    d = dashboard(Rollups(), LOCATIONS, Filters())
    assert (d.audits, d.ranking, d.heatmap, d.trend, d.worst_items, d.gaps) == (0, [], [], [], [], [])


# --- the demo's stories -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Rollups, dict[str, str]]:
    store = TinyStore(Path(tmp_path_factory.mktemp("demo")) / "d")
    result = generate(store, seed=1, audits=240, today=date(2026, 11, 1))
    return store.get_rollups(), result.stories


def story(stories: dict[str, str], words: str) -> str:
    return next(loc for loc, text in stories.items() if words in text)


def test_demo__slipping_restroom_is_the_worst_heatmap_cell_of_late(
        demo: tuple[Rollups, dict[str, str]]) -> None:
    rows, stories = demo
    since = Filters(template_id="service-point", date_from="2026-08-01")  # the demo's last quarter
    cells = [c for c in heatmap(rows, since) if c.score is not None]
    worst = min(cells, key=lambda c: c.score or 0.0)
    assert (worst.location_id, worst.section_id) == (story(stories, "restroom"), "restroom")


def test_demo__flattering_self_audits_top_the_flagged_gaps(
        demo: tuple[Rollups, dict[str, str]]) -> None:
    rows, stories = demo
    gaps = self_vs_mystery(rows, Filters())
    assert gaps[0].location_id == story(stories, "flattering") and gaps[0].flagged


def test_demo__improving_location_trend_rises(demo: tuple[Rollups, dict[str, str]]) -> None:
    rows, stories = demo
    loc = story(stories, "improving")
    points = [p.score for p in trend(rows, Filters(), [loc]) if p.series == loc]
    assert len(points) == 12
    assert sum(points[-3:]) / 3 > sum(points[:3]) / 3 + 20


def test_worst_by_loss__ranks_by_points_lost_not_by_how_often_an_item_fell_short() -> None:
    from audit.reports.analytics import item_tallies, worst_by_loss

    def row(i: int, lost: dict[str, float], na: tuple[str, ...] = (),
            skipped: tuple[str, ...] = ()) -> SummaryRow:
        return SummaryRow(audit_id=f"a{i}", location_id="l", region="r", template_id="t", template_version=1,
                          mode="mystery", auditor="s", status="submitted", started_at="2025-01-01",
                          findings=tuple(lost), lost=lost, na=na, skipped=skipped)

    rows = [
        row(1, {"s.scale": 0.5, "s.door": 6.0}),
        row(2, {"s.scale": 0.5}),
        row(3, {"s.scale": 0.5}, na=("s.door",)),
        row(4, {}, skipped=("s.door",)),
    ]
    tallies = item_tallies(rollups_of(rows), Filters())
    assert {t.key: (t.applicable, t.failed, t.lost) for t in tallies} == {
        "s.scale": (4, 3, 1.5), "s.door": (2, 1, 6.0)}
    worst = worst_by_loss(tallies)
    assert [t.key for t in worst] == ["s.door", "s.scale"]  # one big loss beats three small ones
    assert worst[0].fail_rate == 0.5 and worst[0].mean_lost == 3.0
    # a month's tallies add up into a period's
    months = worst_by_loss([ItemTally("t", "s.door", 2, 1, 6.0), ItemTally("t", "s.door", 3, 2, 4.0)])
    assert months == [ItemTally("t", "s.door", 5, 3, 10.0)]


# --- the dashboard updated from the last one ----------------------------------------------------


def _changed(data: Rollups, how: str) -> tuple[Rollups, set[str]]:
    """`data` as a store returns it after a change: the untouched groups are the same objects,
    the changed ones new; also the locations changed."""
    groups = list(data.locations)
    last = max(r.period for r in groups)
    i = next(n for n, r in enumerate(groups) if r.period == last and r.mode == "mystery")
    r = groups[i]
    if how == "submit":  # one more audit in a group (a submit's month of one location)
        groups[i] = dataclasses.replace(
            r, audits=r.audits + 1, overall=(r.overall[0] + 3000, r.overall[1] + 1),
            sections=tuple((s, t + 50, c + 1, p + 1) for s, t, c, p in r.sections))
    elif how == "new-group":  # a location's first self-audit of the month
        groups.insert(i, dataclasses.replace(r, mode="self", location_id="loc-new"))
    elif how == "group-gone":  # the only audit of a group withdrawn
        del groups[i]
    elif how == "new-section":  # a new checklist version names a section no group named before
        groups[i] = dataclasses.replace(r, sections=(*r.sections, ("new-one", 5000, 1, 1)))
    elif how == "section-gone":
        sid = r.sections[0][0]
        groups = [g if g.mode != r.mode else dataclasses.replace(
            g, sections=tuple(s for s in g.sections if s[0] != sid)) for g in groups]
    return Rollups(tuple(groups), data.items), {r.location_id, "loc-new"}


@pytest.mark.parametrize("how", ["submit", "new-group", "group-gone", "new-section", "section-gone"])
@pytest.mark.parametrize("mode", [None, "mystery", "self"])
def test_dashboard__updated_from_the_last_equals_a_fresh_one(
        demo: tuple[Rollups, dict[str, str]], mini: Checklist, how: str, mode: str | None) -> None:
    data = demo[0]
    months = sorted({r.period for r in data.locations})
    f = month_filters(months[-3], months[-1], mode=mode)
    locations = {r.location_id: Location(id=r.location_id, name=r.location_id, region=r.region)
                 for r in data.locations}
    base = dashboard(data, locations, f, chosen=sorted(locations)[:2])
    after, touched = _changed(data, how)
    fresh = dashboard(after, locations, f, chosen=sorted(locations)[:2])
    updated = dashboard(after, locations, f, chosen=sorted(locations)[:2], base=base)
    assert updated == fresh
    if mode is None:  # the change shows (a filtered mode may not see it)
        assert fresh != base
    # and the update did reuse the base's sums where nothing changed (a fresh tally never does)
    assert base.sums is not None and updated.sums is not None
    kept = [loc for loc in base.sums.merged if loc not in touched
            and updated.sums.merged.get(loc) is base.sums.merged[loc]]
    if how in ("submit", "new-group", "group-gone") or (how, mode) == ("new-section", "self"):
        assert len(kept) == len(base.sums.merged) - len(touched & set(base.sums.merged))
    elif mode != "self":  # a shown section id came or went: the order is the groups', so it
        assert kept == []  # is added up afresh (the self view does not show mystery sections)


def test_dashboard__base_of_other_filters_is_not_used(demo: tuple[Rollups, dict[str, str]]) -> None:
    data = demo[0]
    locations = {r.location_id: Location(id=r.location_id, name=r.location_id, region=r.region)
                 for r in data.locations}
    months = sorted({r.period for r in data.locations})
    f, g = month_filters(months[-3], months[-1]), month_filters(months[-2], months[-1])
    other = dashboard(data, locations, f)
    assert dashboard(data, locations, g, base=other) == dashboard(data, locations, g)
