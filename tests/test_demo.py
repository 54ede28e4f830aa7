"""The demo network tells the stories HQ should be able to find."""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from audit.core.addresses import check_address
from audit.core.limits import MAIL_NEWS_DAYS
from audit.core.zones import zone_at
from audit.model import WEEKDAYS, Location, SummaryRow
from audit.model.visits import VisitFilter
from audit.ops import check
from audit.ops.demo import DemoResult, generate
from audit.ops.demo_photos import FINDING_COMMENTS, SCENE_OF, comment_for
from audit.photos import PhotoStore
from audit.photos.hashing import hash_distance
from audit.store.folder.backend import TinyStore
from audit.visits.plans import state

TODAY = date(2026, 11, 1)
NOW = "2026-11-01T12:00:00+00:00"  # the demo's "now" for a `today` in the past: its midday, UTC


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[TinyStore, DemoResult]:
    store = TinyStore(tmp_path_factory.mktemp("demo"))
    return store, generate(store, seed=1, today=TODAY)


@pytest.fixture(scope="module")
def demo(demo_run: tuple[TinyStore, DemoResult]) -> tuple[TinyStore, dict[str, str]]:
    store, result = demo_run
    return store, result.stories


def _local(iso: str, loc: Location) -> datetime:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(loc.tz))


def _span(loc: Location, when: datetime) -> tuple[str, str] | None:
    hours = loc.hours.get(WEEKDAYS[when.weekday()])
    return (hours[0], hours[1]) if hours else None


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
    assert roles == {"hq", "reviewer", "shopper", "manager"}
    audit = store.get_audit(rows[0].audit_id)
    assert audit is not None and audit.answers  # answers are there for item-level views


def test_demo__a_branch_slipping_on_restrooms(demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, stories = demo
    weak = next(k for k, v in stories.items() if "restroom" in v)
    by_loc: dict[str, list[SummaryRow]] = defaultdict(list)
    for r in sorted(store.list_summaries(), key=lambda r: r.visit_at):
        if r.sections.get("restroom") is not None:  # None: a branch without a customer restroom
            by_loc[r.location_id].append(r)
    recent = {loc: _mean([r.sections["restroom"] for r in rows if r.visit_at >= "2026-08"])
              for loc, rows in by_loc.items()}
    assert min(recent, key=recent.__getitem__) == weak  # the worst restrooms of late
    rows = by_loc[weak]
    third = len(rows) // 3
    early = _mean([r.sections["restroom"] for r in rows[:third]])
    late = _mean([r.sections["restroom"] for r in rows[-third:]])
    assert early > 80 and late < 50, (early, late)  # good once, slipping since


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
                # about this item, in the audit's language, at this visit's time
                loc = store.get_location(audit.header.location_id)
                assert loc is not None
                visit = _local(audit.header.visit_at, loc)
                span = _span(loc, visit)
                assert span is not None
                assert answer.comment == comment_for(item_id, lang, at=f"{visit:%H:%M}", close=span[1])
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


# --- a demo that shows the product ------------------------------------------------------------


def test_demo__branches_are_on_the_map_in_their_own_time_zones(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    locations = store.list_locations()
    for loc in locations:
        assert loc.lat is not None and loc.lon is not None and loc.tz, loc
        assert zone_at(loc.lat, loc.lon) == loc.tz, loc  # the zone of the very place it stands
    zones = Counter(loc.tz for loc in locations)
    assert zones["Europe/Moscow"] >= 5 and {"Asia/Yekaterinburg", "Asia/Novosibirsk"} <= set(zones)


def test_demo__every_visit_falls_inside_its_branchs_posted_hours_on_its_clock(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    locations = {loc.id: loc for loc in store.list_locations()}
    outside = []
    for r in store.list_summaries():
        loc = locations[r.location_id]
        header = store.get_header(r.audit_id)
        assert header is not None
        first_submit = next(e["at"] for e in header.events if e["type"] == "submitted")  # not a resubmit
        visit, done = _local(r.visit_at, loc), _local(first_submit, loc)
        span = _span(loc, visit)
        if span is None or not span[0] <= f"{visit:%H:%M}" < span[1] or done <= visit \
                or done.date() != visit.date():
            outside.append((r.audit_id, loc.name, f"{visit:%a %H:%M}", span))
    assert not outside, outside[:5]


def test_demo__times_in_the_words_are_the_times_of_the_visit(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    """A comment names only the visit's own time or the branch's posted hours."""
    store, _ = demo
    locations = {loc.id: loc for loc in store.list_locations()}
    named = 0
    for r in store.list_summaries():
        audit = store.get_audit(r.audit_id)
        assert audit is not None
        loc = locations[r.location_id]
        visit = _local(audit.header.visit_at, loc)
        allowed = {f"{visit:%H:%M}", f"{visit:%-H:%M}",
                   *(t for span in loc.hours.values() if span for t in span)}
        for answer in audit.answers.values():
            text = answer.comment + (answer.value if isinstance(answer.value, str) else "")
            for clock in re.findall(r"\b\d{1,2}:\d{2}\b", text):
                assert clock in allowed, (r.audit_id, answer.key, text, f"{visit:%H:%M}")
                named += 1
    assert named  # some comments do name a time


def test_demo__several_small_photos_per_audit_taken_during_the_visit(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    photos = PhotoStore(store.photo_dir)
    audits = [store.get_audit(r.audit_id) for r in store.list_summaries()]
    counts = [len(a.photos) for a in audits if a is not None]
    assert statistics.mean(counts) >= 2, statistics.mean(counts)
    sizes = []
    for audit in audits:
        assert audit is not None
        start = datetime.fromisoformat(audit.header.visit_at)
        end = datetime.fromisoformat(audit.header.submitted_at)
        for ref in audit.photos.values():
            assert ref.captured_at is not None
            taken = datetime.fromisoformat(ref.captured_at)  # read from the file's EXIF, with its offset
            assert start <= taken <= end, (audit.header.id, ref.captured_at)
            sizes.append(len(photos.get(ref.sha256, "display")))
    assert statistics.mean(sizes) < 40_000, statistics.mean(sizes)


def test_demo__no_two_photos_look_alike_to_the_reuse_check(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    """Generated scenes differ enough that HQ's re-use flags stay for real re-use."""
    store, _ = demo
    hashes = [(r.audit_id, ref.phash) for r in store.list_summaries()
              for ref in store.get_audit(r.audit_id).photos.values()]  # type: ignore[union-attr]
    alike = {i for i, (a, x) in enumerate(hashes) for j, (b, y) in enumerate(hashes)
             if i < j and a != b and hash_distance(x, y) <= 6} if len(hashes) < 3000 else set()
    assert len(hashes) > 300 and len(alike) <= len(hashes) // 50, (len(alike), len(hashes))


def test_demo__mystery_audits_are_reviewed_graded_and_published_by_reviewers(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    people = {u.name: u for u in store.list_users()}
    mystery = [store.get_header(r.audit_id) for r in store.list_summaries() if r.mode == "mystery"]
    published = [h for h in mystery if h is not None and h.published]
    waiting = [h for h in mystery if h is not None and not h.published]
    assert len(published) >= 0.9 * len(mystery) and waiting  # the newest wait in the queue
    commented = sent_back = 0
    for h in published:
        kinds = [e["type"] for e in h.events]
        assert kinds.index("graded") < kinds.index("published"), h.id
        graded = next(e for e in h.events if e["type"] == "graded")
        assert graded["grade"] in (3, 4, 5) and graded["note"]
        publisher = people[next(e for e in h.events if e["type"] == "published")["by"]]
        assert publisher.role == "reviewer"
        commented += "comment" in kinds
        sent_back += "sent_back" in kinds and kinds.count("submitted") == 2
    assert commented >= len(published) // 5 and sent_back >= 1
    assert not store.actions_pending()  # every publish's actions are made


def test_demo__people_who_get_mail_have_addresses_on_reserved_domains(
        demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    for u in store.list_users():
        if u.role == "shopper":
            continue
        assert u.email, u.name
        domain = check_address(u.email).smtp.rpartition("@")[2]
        assert domain.endswith(("example.com", "example.org")), u.email  # RFC 2606: never delivered


def test_demo__actions_in_every_state_made_by_the_sync(demo_run: tuple[TinyStore, DemoResult]) -> None:
    store, result = demo_run
    assert result.actions and "audits weighed" in result.actions[0]  # the sync's own report
    actions = store.list_actions()
    by_status = Counter(a.status for a in actions)
    assert set(by_status) == {"open", "in_progress", "done", "verified", "rejected"}, by_status
    assert sum(1 for a in actions if a.confirmed_by and a.verified_by.startswith("audit:")) >= 10
    assert sum(1 for a in actions if a.repeats) >= 5
    fixed = [a for a in actions if a.done_by in {u.name for u in store.list_users()}]
    assert any(a.note and a.evidence for a in fixed)
    assert any(a.status == "verified" and a.verified_by == "hq" for a in actions)
    # dated from their audits, not all made today
    assert len({a.created_at[:7] for a in actions}) >= 10


def test_demo__mails_only_about_news_and_sends_none(demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    messages = store.list_messages(("pending", "sent", "dead"), limit=10_000)
    assert messages and all(m.status == "pending" for m in messages)
    oldest = (datetime.fromisoformat(NOW) - timedelta(days=MAIL_NEWS_DAYS)).isoformat()
    about = 0
    for m in messages:
        if m.attach_audit:
            header = store.get_header(m.attach_audit)
            assert header is not None
            # when it reached the branch: a self-audit submitted, a mystery audit published
            reached = header.submitted_at if header.mode == "self" else \
                next(e["at"] for e in header.events if e["type"] == "published")
            assert reached >= oldest, (m.subject, reached)
            about += 1
    assert about


def test_demo__a_few_visits_are_due_this_week_in_three_zones(demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    visits = store.list_visits(VisitFilter())
    assert 3 <= len(visits) <= 10
    assert all(state(v, NOW) in ("due", "upcoming") for v in visits)
    assert all(v.closes_at <= "2026-11-09" for v in visits)
    assert len({v.tz for v in visits}) >= 3


def test_demo__audit_check_is_clean(demo: tuple[TinyStore, dict[str, str]]) -> None:
    store, _ = demo
    report = check.run(store)
    assert report.clean and not report.hooks, report.findings
