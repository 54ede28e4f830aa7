"""The demo network tells the stories HQ should be able to find."""

from __future__ import annotations

import io
import re
import statistics
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from audit.model import SummaryRow
from audit.ops.demo import generate
from audit.ops.demo_photos import FINDING_COMMENTS, SCENE_OF, comment_for
from audit.photos import PhotoStore
from audit.store.folder.backend import TinyStore

TODAY = date(2026, 11, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[TinyStore, dict[str, str]]:
    store = TinyStore(tmp_path_factory.mktemp("demo"))
    result = generate(store, seed=1, today=TODAY)
    return store, result.stories


def _mean(xs: list[float | None]) -> float:
    return statistics.mean(x for x in xs if x is not None)


def test_demo__size_and_shape(demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    locations = store.list_locations()
    assert len(locations) >= 12
    assert len({loc.region for loc in locations}) >= 3
    assert all(loc.name and loc.address and loc.hours for loc in locations)
    rows = store.list_summaries()
    assert len(rows) >= 200 and all(r.status == "submitted" for r in rows)
    assert {r.mode for r in rows} == {"mystery", "self"}
    months = {r.visit_at[:7] for r in rows}
    assert len(months) >= 12
    assert min(r.visit_at for r in rows)[:10] >= "2025-11-01"
    assert max(r.visit_at for r in rows)[:10] <= TODAY.isoformat()
    roles = {u.role for u in store.list_users()}
    assert roles == {"hq", "shopper", "manager"}
    audit = store.get_audit(rows[0].audit_id)
    assert audit is not None and audit.answers  # answers are there for item-level views


def test_demo__a_branch_weak_on_restrooms(demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, stories = demo
    weak = next(k for k, v in stories.items() if "restroom" in v)
    by_loc: dict[str, list[float | None]] = defaultdict(list)
    for r in store.list_summaries():
        if r.sections.get("restroom") is not None:  # None: a branch without a customer restroom
            by_loc[r.location_id].append(r.sections["restroom"])
    means = {loc: _mean(v) for loc, v in by_loc.items()}
    assert min(means, key=means.__getitem__) == weak
    assert means[weak] < 50


def test_demo__self_audits_that_flatter(demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, stories = demo
    flatterer = next(k for k, v in stories.items() if "flattering" in v)
    gaps = {}
    by: dict[tuple[str, str], list[float | None]] = defaultdict(list)
    for r in store.list_summaries():
        if r.template_id == "service-point":
            by[(r.location_id, r.mode)].append(r.computed)
    for loc in {k[0] for k in by}:
        if by[(loc, "self")] and by[(loc, "mystery")]:
            gaps[loc] = _mean(by[(loc, "self")]) - _mean(by[(loc, "mystery")])
    assert max(gaps, key=gaps.__getitem__) == flatterer
    assert gaps[flatterer] > 15


def test_demo__a_branch_improving_month_by_month(demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, stories = demo
    improving = next(k for k, v in stories.items() if "improving" in v)
    rows: list[SummaryRow] = sorted((r for r in store.list_summaries()
                                     if r.location_id == improving and r.mode == "mystery"),
                                    key=lambda r: r.visit_at)
    third = len(rows) // 3
    assert _mean([r.computed for r in rows[-third:]]) > _mean([r.computed for r in rows[:third]]) + 20


def test_demo__is_reproducible_by_seed(tmp_path: Path) -> None:
    a, b, c = (TinyStore(tmp_path / n) for n in "abc")
    generate(a, seed=5, audits=30, today=TODAY, with_users=False)
    generate(b, seed=5, audits=30, today=TODAY, with_users=False)
    generate(c, seed=6, audits=30, today=TODAY, with_users=False)
    assert a.list_summaries() == b.list_summaries()
    assert a.list_summaries() != c.list_summaries()
    photos_a = {r.audit_id: a.get_audit(r.audit_id).photos for r in a.list_summaries()}  # type: ignore[union-attr]
    photos_b = {r.audit_id: b.get_audit(r.audit_id).photos for r in b.list_summaries()}  # type: ignore[union-attr]
    assert photos_a == photos_b and any(photos_a.values())


def test_demo__findings_carry_photos_and_comments_that_match_them(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    photos = PhotoStore(store.photo_dir)
    with_photo = commented = 0
    audits = [store.get_audit(r.audit_id) for r in store.list_summaries()]
    for audit in audits:
        assert audit is not None
        lang = audit.header.lang
        for key, answer in audit.answers.items():
            item_id = key.partition(".")[2]
            if answer.comment and item_id in FINDING_COMMENTS:
                # about this item, in the audit's language
                assert answer.comment == comment_for(item_id, lang)
                commented += 1
            for sha in answer.photos:
                assert item_id in SCENE_OF  # a photo only where there is something to see
                assert sha in audit.photos and photos.exists(sha)
                assert Image.open(io.BytesIO(photos.get(sha, "display"))).size[0] > 0
                with_photo += 1
    assert with_photo >= len(audits) // 5
    assert commented >= len(audits) // 5


def test_demo__branches_without_a_restroom_skip_the_section_in_one_answer(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    skipped = [store.get_audit(r.audit_id) for r in store.list_summaries()
               if r.template_id == "service-point" and r.sections.get("restroom") is None]
    assert skipped
    for audit in skipped:
        assert audit is not None
        mark = audit.answers["restroom"]
        assert mark.na and mark.comment
        assert not [k for k in audit.answers if k.startswith("restroom.")]


def test_demo__people_have_russian_names__no_english_on_a_russian_screen(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    names = [u.display_name for u in store.list_users()]
    assert len(set(names)) == len(names)  # each person told apart
    latin = [n for n in names if re.search(r"[A-Za-z]", n)]
    assert not latin, latin
