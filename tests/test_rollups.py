"""Rollups kept at submit, reopen and publish equal a computation from scratch; the photo index
finds every near duplicate a full scan finds. Hypothesis drives both stores."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit import workflow
from audit.audits import capture as audits
from audit.checklist.templates import add_template
from audit.core.errors import NotFound, StoreError
from audit.model import Location, PhotoRef, SummaryRow, User
from audit.model.rollups import add, item_part, location_part, rollups_of
from audit.photos import reuse_flags
from audit.store import AuditFilter, Store
from tests.conftest import MINI_YAML, answer_mini, make_store, photograph

# a second version: other weights and critical cap, so its scores differ from the first's
MINI_V2 = MINI_YAML.replace("critical_cap: 40", "critical_cap: 30").replace(
    "    weight: 2\n    items:\n      - id: dry", "    weight: 5\n    items:\n      - id: dry")

values = st.fixed_dictionaries({
    "entrance__dry": st.booleans(),
    "entrance__clean": st.integers(1, 5),
    "entrance__door": st.sampled_from(["open", "heavy", "locked"]),
    "waiting__wait": st.integers(0, 20).map(lambda m: {"minutes": m}),
    "office__guard": st.booleans(),
})
step = st.one_of(
    st.tuples(st.just("start"), st.sampled_from(["loc-a", "loc-b"]), st.sampled_from(["mystery", "self"])),
    st.tuples(st.just("submit"), st.integers(0, 30), values),
    st.tuples(st.just("reopen"), st.integers(0, 30)),
    st.tuples(st.just("publish"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("version")),
    st.tuples(st.just("delete"), st.integers(0, 30)),
)

SETTINGS = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def fresh(kind: str, request: pytest.FixtureRequest) -> Store:
    return make_store(kind, Path(tempfile.mkdtemp(prefix="rollups-")), request)


def people_of(store: Store) -> dict[str, User]:
    """The network of conftest.populate, without passwords (hashing them is the slow part)."""
    store.put_location(Location(id="loc-a", name="Арбат", region="Москва"))
    store.put_location(Location(id="loc-b", name="Невский", region="СПб"))
    add_template(store, MINI_YAML, by="test")
    people = {"hq": User(name="boss", role="hq"),
              "shopper2": User(name="sue", role="shopper", locations=("loc-a", "loc-b")),
              "manager": User(name="mia", role="manager", locations=("loc-a",)),
              "manager_b": User(name="max", role="manager", locations=("loc-b",))}
    for user in people.values():
        store.put_user(user)
    return people


def run(store: Store, people: dict[str, Any], steps: list[tuple[Any, ...]]) -> None:
    ids: list[str] = []
    for s in steps:
        try:
            if s[0] == "start":
                who = people["shopper2"] if s[2] == "mystery" else people["manager"]
                if s[2] == "self" and s[1] == "loc-b":
                    who = people["manager_b"]
                ids.append(audits.start_audit(store, who, location_id=s[1], template_id="mini",
                                              mode=s[2], lang="en").id)
            elif s[0] == "version":
                add_template(store, MINI_V2, by="boss")
            elif not ids:
                continue
            elif s[0] == "submit":
                audit_id = ids[s[1] % len(ids)]
                header = store.get_header(audit_id)
                if header is None or header.status != "draft":
                    continue
                user = store.get_user(header.auditor)
                assert user is not None
                answer_mini(store, user, audit_id, **s[2])
                photograph(store, user, audit_id, "office.facade")
                workflow.submit(store, user, audit_id)
            elif s[0] == "reopen":
                audits.reopen(store, people["hq"], ids[s[1] % len(ids)], "check")
            elif s[0] == "publish":
                workflow.publish(store, people["hq"], ids[s[1] % len(ids)], s[2])
            elif s[0] == "delete":
                audit_id = ids[s[1] % len(ids)]
                header = store.get_header(audit_id)
                if header is not None and header.status == "draft":
                    user = store.get_user(header.auditor)
                    assert user is not None
                    audits.delete_draft(store, user, audit_id)
                    ids.remove(audit_id)
        except (NotFound, StoreError, audits.SubmitRefused):
            continue  # refused the way the app refuses it: nothing changes


@pytest.mark.parametrize("kind", ["tinydb", "postgres"])
@SETTINGS
@given(steps=st.lists(step, min_size=1, max_size=30))
def test_rollups__after_random_submits_reopens_and_versions__equal_a_computation_from_scratch(
        kind: str, steps: list[tuple[Any, ...]], request: pytest.FixtureRequest) -> None:
    store = fresh(kind, request)
    try:
        people = people_of(store)
        run(store, people, steps)
        rows = store.list_summaries()
        assert store.get_rollups().canonical() == rollups_of(rows).canonical()
        branch = rollups_of([r for r in rows if r.mode == "self" or r.published]).canonical()
        assert store.get_rollups().for_branch().canonical().locations == branch.locations
        for who in {r.auditor for r in rows}:  # and each person's index holds exactly their rows
            listed = sorted(store.recent_summaries(AuditFilter(auditor=who), limit=None),
                            key=lambda r: r.audit_id)
            assert [listing(r) for r in listed] == [listing(r) for r in rows if r.auditor == who]
    finally:
        close(store)


def listing(row: SummaryRow) -> SummaryRow:
    """What a list of audits shows of a row."""
    return dataclasses.replace(row, sections={}, findings=(), na=(), lost={}, skipped=())


def close(store: Store) -> None:
    if hasattr(store, "close"):
        store.close()


def test_add__subtracting_what_was_added_leaves_nothing() -> None:
    from tests.test_analytics import ROWS

    group = None
    for r in ROWS:
        group = add(group, location_part(r))
    for r in reversed(ROWS):
        group = add(group, location_part(r), -1)
    assert group is None
    items = add(None, item_part(ROWS[3]))
    assert items is not None and add(items, item_part(ROWS[3]), -1) is None


# -- the near-duplicate index -----------------------------------------------------------------


def _flip(phash: str, bits: list[int]) -> str:
    value = int(phash, 16)
    for b in bits:
        value ^= 1 << b
    return f"{value:016x}"


near = st.tuples(st.integers(0, 2**64 - 1),
                 st.lists(st.lists(st.integers(0, 63), max_size=10), min_size=1, max_size=6))


@pytest.mark.parametrize("kind", ["tinydb", "postgres"])
@SETTINGS
@given(photos=st.lists(near, min_size=1, max_size=5))
def test_photo_candidates__flag_what_a_scan_of_every_hash_flags(
        kind: str, photos: list[tuple[int, list[list[int]]]], request: pytest.FixtureRequest) -> None:
    store = fresh(kind, request)
    request.addfinalizer(lambda: close(store))
    refs: list[tuple[str, PhotoRef]] = []
    for n, (base, variants) in enumerate(photos):
        for k, bits in enumerate(variants):
            phash = _flip(f"{base:016x}", bits)
            sha = hashlib.sha256(f"{n}-{k % 3}".encode()).hexdigest()  # some bytes repeat
            ref = PhotoRef(sha256=sha, width=1, height=1, size=1, uploaded_at="2026-05-01T10:00",
                           phash=phash)
            audit_id = f"audit-{n}-{k}"
            store.index_photo_hashes(audit_id, [ref])
            refs.append((audit_id, ref))
    everything = store.known_photo_hashes()
    for audit_id, ref in refs:
        probe = PhotoRef(sha256=ref.sha256, width=1, height=1, size=1, uploaded_at="", phash=ref.phash)
        by_index = reuse_flags(probe, audit_id="new", visit_at=None,
                               known=store.photo_candidates(ref.sha256, ref.phash))
        by_scan = reuse_flags(probe, audit_id="new", visit_at=None, known=everything)
        assert sorted(by_index) == sorted(by_scan)
        assert f"duplicate:{audit_id}" in by_index


@pytest.mark.parametrize("kind", ["tinydb", "postgres"])
def test_get_rollups__another_replica_sees_a_submit_at_once(kind: str, tmp_path: Path,
                                                          request: pytest.FixtureRequest) -> None:
    from audit.store.folder.backend import TinyStore
    from audit.store.postgres.backend import PostgresStore

    writer = make_store(kind, tmp_path, request)
    people = people_of(writer)
    reader: Store = (TinyStore(tmp_path / "data") if kind == "tinydb"
                     else PostgresStore(writer.url, photo_dir=tmp_path))  # type: ignore[attr-defined]
    request.addfinalizer(lambda: close(reader))
    run(writer, people, [("start", "loc-a", "mystery"), ("start", "loc-b", "mystery"),
                         ("submit", 0, {"entrance__clean": 2}),
                         ("submit", 1, {"office__guard": False})])
    assert len(reader.get_rollups().locations) == 2
    first = min(r.audit_id for r in writer.list_summaries())
    audits.reopen(writer, people["hq"], first, "check")
    assert reader.get_rollups().canonical() == rollups_of(writer.list_summaries()).canonical()
    assert len(reader.get_rollups().locations) == 1
