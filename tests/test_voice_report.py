"""HQ's gap table of customers' voice: the same figures as pandas over 10,000 responses, the
intervals included; and the demo's stories found where HQ looks for them."""

from __future__ import annotations

import math
import random
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from audit.model.voice import HELD_BURST
from audit.ops.cli import main
from audit.ops.demo import generate
from audit.ops.demo_voice import generate_voice, story_responses
from audit.reports.voice import AUDIT_FAIL_BELOW, AUDIT_PASS_AT, gap_table, t_quantile, voice_table
from audit.store.folder.backend import TinyStore

SECTIONS = ["parking", "entrance", "security", "waiting-area", "waiting", "service", "restroom",
            "farewell"]
LOCS = [f"loc-{i:02d}" for i in range(8)]
TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(("df", "table"), [
    (1, 12.7062047), (2, 4.3026527), (3, 3.1824463), (4, 2.7764451), (5, 2.5705818),
    (9, 2.2621572), (19, 2.0930241), (30, 2.0422725), (100, 1.9839715), (1000, 1.9623391)])
def test_t_quantile__matches_the_published_table(df: int, table: float) -> None:
    assert t_quantile(df) == pytest.approx(table, abs=5e-6)


@pytest.fixture(scope="module")
def generated() -> tuple[list, dict, dict]:  # type: ignore[type-arg]
    offsets = {("loc-01", "restroom"): -1.8, ("loc-03", "waiting"): 1.4, ("loc-05", "parking"): 0.4}
    responses = story_responses(LOCS, SECTIONS, 10_000, seed=7, today=TODAY, offsets=offsets)
    rng = random.Random(3)
    scores = {(loc, s): (rng.choice([None, 35.0, 55.0, 70.0, 82.5, 95.0]), rng.randint(0, 9))
              for loc in LOCS for s in SECTIONS}
    scores[("loc-01", "restroom")] = (92.0, 12)
    names = {loc: f"Branch {loc[-2:]}" for loc in LOCS}
    return responses, scores, names


def test_gap_table__same_figures_as_pandas_over_10000_responses(generated) -> None:  # type: ignore[no-untyped-def]
    responses, scores, names = generated
    assert len(responses) == 10_000
    table = gap_table(responses, SECTIONS, scores, names, "service-point")

    counted = [r for r in responses if not r.held]
    frame = pd.DataFrame([(r.location_id, r.month, x.section, x.expected, x.perceived)
                          for r in counted for x in r.ratings],
                         columns=["location", "month", "section", "e", "p"])
    frame["gap"] = frame["p"] - frame["e"]
    grouped = frame.groupby(["location", "section"]).agg(
        n=("gap", "size"), e=("e", "mean"), p=("p", "mean"), gap=("gap", "mean"), sd=("gap", "std"))
    assert table.responses == len(counted) and table.held == sum(1 for r in responses if r.held) > 0
    assert len(table.rows) == len(grouped)
    for row in table.rows:
        want = grouped.loc[(row.location_id, row.section)]
        assert row.n == want["n"]
        assert row.expected == pytest.approx(want["e"], abs=1e-12)
        assert row.perceived == pytest.approx(want["p"], abs=1e-12)
        assert row.gap == pytest.approx(want["gap"], abs=1e-12)
        half = t_quantile(int(want["n"]) - 1) * want["sd"] / math.sqrt(want["n"])
        assert row.ci_low == pytest.approx(want["gap"] - half, abs=1e-9)
        assert row.ci_high == pytest.approx(want["gap"] + half, abs=1e-9)
        low, high = want["gap"] - half, want["gap"] + half
        assert row.where == ("below" if high < 0 else "above" if low > 0 else "met")
        assert (row.audit_score, row.audits) == scores[(row.location_id, row.section)]
    # rows by branch name, then the checklist's order of touchpoints
    assert [(r.location, SECTIONS.index(r.section)) for r in table.rows] == sorted(
        (r.location, SECTIONS.index(r.section)) for r in table.rows)

    let_down = {(r.location_id, r.section) for r in table.let_down_where_audits_pass}
    assert ("loc-01", "restroom") in let_down
    assert let_down == {k for k in grouped.index if _where(grouped, k) == "below"
                        and scores[k][0] is not None and scores[k][0] >= AUDIT_PASS_AT}
    not_minded = {(r.location_id, r.section) for r in table.audits_fail_where_customers_do_not_mind}
    assert not_minded == {k for k in grouped.index if _where(grouped, k) in ("met", "above")
                          and scores[k][0] is not None and scores[k][0] < AUDIT_FAIL_BELOW}
    assert ("loc-03", "waiting") in {(r.location_id, r.section) for r in table.rows if r.where == "above"}

    shares = pd.Series([r.level for r in counted]).value_counts(normalize=True)
    for s in table.levels:
        assert s.share == pytest.approx(shares.get(s.level, 0.0), abs=1e-12)
    assert sum(s.count for s in table.levels) == len(counted)

    by_month = frame.groupby("month")["gap"].agg(["mean", "size"])
    per_month = pd.Series([r.month for r in counted]).value_counts()
    assert [m.month for m in table.months] == sorted(by_month.index) and len(table.months) >= 12
    for m in table.months:
        assert m.gap == pytest.approx(by_month.loc[m.month, "mean"], abs=1e-12)
        assert m.ratings == by_month.loc[m.month, "size"] and m.responses == per_month[m.month]


def _where(grouped: pd.DataFrame, key: tuple[str, str]) -> str:
    want = grouped.loc[key]
    half = t_quantile(int(want["n"]) - 1) * want["sd"] / math.sqrt(want["n"])
    return "below" if want["gap"] + half < 0 else "above" if want["gap"] - half > 0 else "met"


def test_gap_table__one_response__no_interval_no_verdict() -> None:
    (one,) = story_responses(["loc-a"], ["restroom"], 1, seed=1, today=TODAY)
    one = one if not one.held else one.__class__(**{**one.__dict__, "held": ""})
    (row,) = gap_table([one], ["restroom"], {}, {}).rows
    assert row.n == 1 and row.ci_low is None and row.where is None and row.audit_score is None


def test_gap_table__held_bursts__listed_never_counted() -> None:
    made = story_responses(["loc-a"], ["restroom"], 50, seed=2, today=TODAY)
    held = [r.__class__(**{**r.__dict__, "held": HELD_BURST}) for r in made]
    table = gap_table(held, ["restroom"], {}, {})
    assert (table.responses, table.held, table.rows) == (0, 50, ())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[TinyStore, dict[str, str]]:
    store = TinyStore(tmp_path_factory.mktemp("voice") / "data")
    generate(store, seed=3, audits=160, locations=12, today=TODAY, photos=False)
    stories = generate_voice(store, seed=4, responses=3000, today=TODAY)  # beside the demo's own
    return store, stories


def test_voice_table__demo_stories_found_beside_the_audits(demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, stories = demo
    table = voice_table(store)
    let_down = {(r.location_id, r.section) for r in table.let_down_where_audits_pass}
    passing = next(loc for loc, s in stories.items() if s.startswith("customers let down"))
    assert (passing, "restroom") in let_down
    quick = next(loc for loc, s in stories.items() if s.startswith("the wait"))
    assert any(r.location_id == quick and r.section == "waiting" and r.where == "above"
               for r in table.rows)
    rows = {(r.location_id, r.section): r for r in table.rows}
    assert rows[(passing, "restroom")].audit_score is not None
    assert rows[(passing, "restroom")].audit_score >= AUDIT_PASS_AT
    assert sum(s.share for s in table.levels) == pytest.approx(1.0)
    assert len(table.months) == 12
    one = voice_table(store, first_month="2026-06", last_month="2026-08", location_ids=[passing])
    assert {r.location_id for r in one.rows} == {passing}
    assert [m.month for m in one.months] == ["2026-06", "2026-07", "2026-08"]


def test_export__csv_and_xlsx_hold_the_tables_figures(demo: tuple[TinyStore, dict[str, str]],
                                                      tmp_path: Path) -> None:
    store, _ = demo
    table = voice_table(store, first_month="2026-03", last_month="2026-10")
    assert main(["--data-dir", str(store.root), "export", "--what", "voice", "--format", "csv",
                 "--from", "2026-03-01", "--to", "2026-10-31", "-o", str(tmp_path / "out")]) == 0
    gap = pd.read_csv(tmp_path / "out-voice-gap.csv", encoding="utf-8-sig")
    months = pd.read_csv(tmp_path / "out-voice-months.csv", encoding="utf-8-sig")
    assert len(gap) == len(table.rows) and list(months["month"]) == [m.month for m in table.months]
    for row, (_, got) in zip(table.rows, gap.iterrows(), strict=True):
        assert (got["location_id"], got["section"], got["n"]) == (row.location_id, row.section, row.n)
        assert got["gap"] == pytest.approx(row.gap) and got["ci_low"] == pytest.approx(row.ci_low)
    assert set(gap.loc[gap["list"] == "let_down_where_audits_pass", "section"]) == {
        r.section for r in table.let_down_where_audits_pass}
    shoppers = pd.read_csv(tmp_path / "out-voice-shoppers.csv", encoding="utf-8-sig")
    assert len(shoppers) == len(table.shoppers) > 0
    assert set(shoppers["section"]) == {"waiting", "restroom"}
    assert main(["--data-dir", str(store.root), "export", "--what", "voice", "--format", "xlsx",
                 "-o", str(tmp_path / "voice.xlsx")]) == 0
    sheets = pd.read_excel(tmp_path / "voice.xlsx", sheet_name=None)
    assert set(sheets) == {"voice-gap", "voice-months", "voice-shoppers"}
    assert len(sheets["voice-months"]) == 12
    with pytest.raises(SystemExit) as info:  # argparse refuses an unknown format, with usage
        main(["--data-dir", str(store.root), "export", "--what", "voice", "--format", "pdf",
              "-o", str(tmp_path / "x")])
    assert info.value.code == 2


def test_voice_table__shoppers_own_expectations__the_mystery_audits_sums(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    table = voice_table(store)
    sums: dict[tuple[str, str], list[float]] = {}
    for row in store.list_summaries():
        if row.status != "submitted" or row.mode != "mystery" or row.template_id != "service-point":
            continue
        for sid, (expected, got, where) in row.expectations.items():
            acc = sums.setdefault((row.location_id, sid), [0, 0.0, 0.0, 0, 0, 0])
            acc[0] += 1
            acc[1] += expected
            acc[2] += got
            acc[3 + ("below", "met", "above").index(where)] += 1
    assert {(r.location_id, r.section) for r in table.shoppers} == set(sums) != set()
    for r in table.shoppers:
        n, e, g, below, met, above = sums[(r.location_id, r.section)]
        assert (r.audits, r.below, r.met, r.above) == (n, below, met, above)
        assert (r.expected, r.got) == (pytest.approx(e / n), pytest.approx(g / n))
        assert r.kind == {"waiting": "minutes", "restroom": "scale"}[r.section]
    # a wait longer than expected is let down: the sign of `better` follows the unit
    worst = min((r for r in table.shoppers if r.kind == "minutes"), key=lambda r: r.better)
    assert worst.better == pytest.approx(worst.expected - worst.got)
