"""The Store contract: what every backend promises, checked on each of them.

Every test takes the `store` fixture, so it runs on the folder store (TinyDB) and on
PostgreSQL. Each one builds its inputs from real model values, derives what the store must
answer from those inputs (or from the product's own pure functions: AuditFilter.matches,
rollups_of, stats_of...), and compares: two stores that both pass return equal values for the
same calls. Lists whose order the protocol does not promise are compared sorted.

`covers` records which protocol members a test checks; the last test fails when a member of
the protocol has no contract test (or a test claims one it never calls).
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from audit.actions.service import action_id, action_settings, proposals
from audit.audits import capture as audits
from audit.checklist.templates import get_checklist
from audit.core.errors import AuditLocked, NotFound, StoreError
from audit.model import Answer, Audit, AuditHeader, Checklist, Location, SummaryRow, User
from audit.model.actions import ActionFilter, OutboxStatus, fact_of, stats_of
from audit.model.integrations import ApiToken, Delivery, Endpoint
from audit.model.rollups import Rollups, period_of, rollups_of
from audit.model.visits import VisitFilter
from audit.model.voice import Rating, VoiceFilter, VoiceResponse
from audit.photos import PhotoStore, prepare_photo
from audit.scoring.score import score_audit
from audit.store import AuditFilter, DerivedCounts, Session, Store, TemplateInfo
from audit.store.actions import ActionStore
from audit.store.integrations import IntegrationStore
from tests.conftest import MINI_GOOD, MINI_YAML
from tests.store_contract.values import (
    BOSS,
    LOC_A,
    LOC_B,
    MIA,
    OTHER_YAML,
    SAM,
    SUE,
    action,
    draft_row,
    jpeg,
    listed,
    message,
    near,
    network,
    newest_first,
    photo_ref,
    plan,
    start,
    submitted,
)

F = TypeVar("F", bound=Callable[..., Any])

COVERED: dict[str, set[str]] = {}  # protocol member → the contract tests that check it


def covers(*members: str) -> Callable[[F], F]:
    def mark(test: F) -> F:
        for name in members:
            COVERED.setdefault(name, set()).add(test.__name__)
        return test

    return mark


def protocol_members(*protocols: type) -> set[str]:
    """Every public method and property the protocols (and the protocols they include) declare."""
    out: set[str] = set()
    for proto in protocols:
        for cls in proto.__mro__:
            if cls is object or not getattr(cls, "_is_protocol", False) or cls.__name__ == "Protocol":
                continue
            out |= {name for name, value in vars(cls).items()
                    if not name.startswith("_") and (callable(value) or isinstance(value, property))}
    return out


T1 = "2025-03-04T10:00:00+00:00"
T2 = "2025-03-20T12:30:00+00:00"
T3 = "2025-04-02T09:15:00+00:00"
T4 = "2025-04-28T17:45:00+00:00"


# -- locations ---------------------------------------------------------------------------------


@covers("put_location", "get_location", "list_locations")
def test_locations__round_trip_replace_and_listed_by_name(store: Store) -> None:
    assert store.list_locations() == []
    assert store.get_location("loc-a") is None
    extra = Location(id="loc-c", name="Бульвар", region="Москва", active=False)
    for loc in (LOC_B, LOC_A, extra):
        store.put_location(loc)
    for loc in (LOC_A, LOC_B, extra):
        assert store.get_location(loc.id) == loc
    assert store.list_locations() == sorted((LOC_A, LOC_B, extra), key=lambda loc: loc.name)

    renamed = dataclasses.replace(LOC_A, name="Яблоко", hours={}, lat=None, lon=None, tz="")
    store.put_location(renamed)  # the same id: replaced, not added
    assert store.get_location("loc-a") == renamed
    assert store.list_locations() == sorted((renamed, LOC_B, extra), key=lambda loc: loc.name)
    assert store.get_location("loc-x") is None


# -- people and sessions -----------------------------------------------------------------------


@covers("put_user", "get_user", "list_users", "user_count")
def test_users__round_trip_replace_listed_by_name_and_counted(store: Store) -> None:
    assert store.user_count() == 0
    assert store.list_users() == []
    full = User(name="Ольга", role="reviewer", locations=("loc-a", "loc-b"), display_name="Ольга П.",
                email="olga@example.org", code="R-7", password_hash="$argon2id$v=19$m=1$x$y",
                disabled=True, failed_logins=3, locked_until="2025-03-04T11:00:00+00:00",
                any_location=True, regions=("Москва", "СПб"), lang="en")
    people = [SUE, full, SAM, BOSS]
    for user in people:
        store.put_user(user)
    for user in people:
        assert store.get_user(user.name) == user
    assert store.list_users() == sorted(people, key=lambda u: u.name)
    assert store.user_count() == len(people)

    changed = dataclasses.replace(SAM, locations=("loc-b",), disabled=True)
    store.put_user(changed)  # the same name: replaced, not added
    assert store.get_user("sam") == changed
    assert store.user_count() == len(people)
    assert store.get_user("nobody") is None


@covers("has_had_people")
def test_has_had_people__false_when_new__true_from_the_first_person_on(store: Store) -> None:
    assert store.has_had_people() is False
    store.put_location(LOC_A)  # places are not people
    assert store.has_had_people() is False
    store.put_user(SAM)
    assert store.has_had_people() is True
    store.put_user(dataclasses.replace(SAM, disabled=True))
    assert store.has_had_people() is True and store.user_count() == 1


@covers("update_user")
def test_update_user__read_modify_write_under_a_lock_none_when_missing(store: Store) -> None:
    store.put_user(SAM)
    seen: list[User] = []

    def lock_out(u: User) -> User:
        seen.append(u)
        return dataclasses.replace(u, failed_logins=u.failed_logins + 1, locked_until=T2)

    new = store.update_user("sam", lock_out)
    assert seen == [SAM]
    assert new == dataclasses.replace(SAM, failed_logins=1, locked_until=T2)
    assert store.get_user("sam") == new

    assert store.update_user("nobody", lock_out) is None
    assert len(seen) == 1  # no user: `change` is never called
    assert store.get_user("nobody") is None

    def refuse(u: User) -> User:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        store.update_user("sam", refuse)
    assert store.get_user("sam") == new

    # threads counting failed sign-ins at once never lose a count
    threads, each = 4, 8

    def count() -> None:
        for _ in range(each):
            store.update_user("sam", lambda u: dataclasses.replace(u, failed_logins=u.failed_logins + 1))

    workers = [threading.Thread(target=count) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    found = store.get_user("sam")
    assert found == dataclasses.replace(new, failed_logins=new.failed_logins + threads * each)


def _token(n: int) -> str:
    return hashlib.sha256(f"token {n}".encode()).hexdigest()


@covers("add_session", "get_session", "delete_session")
def test_sessions__round_trip_and_delete_one(store: Store) -> None:
    one = Session(_token(1), "sam", T1, "2025-03-05T10:00:00+00:00")
    two = Session(_token(2), "sam", T1, "2025-03-06T10:00:00+00:00")
    assert store.get_session(one.token_hash) is None
    store.add_session(one)
    store.add_session(two)
    assert store.get_session(one.token_hash) == one
    assert store.get_session(two.token_hash) == two

    store.delete_session(one.token_hash)
    assert store.get_session(one.token_hash) is None
    assert store.get_session(two.token_hash) == two
    store.delete_session(one.token_hash)  # gone already: no error
    store.delete_session("not-a-hash")
    assert store.get_session(two.token_hash) == two


@covers("delete_sessions", "prune_sessions")
def test_sessions__a_persons_deleted_but_the_one_kept__the_expired_pruned(store: Store) -> None:
    people = ("sam", "sam", "sam", "sue")
    sessions = [Session(_token(n), user, T1, T4) for n, user in enumerate(people)]
    for s in sessions:
        store.add_session(s)
    keep = sessions[1].token_hash
    assert store.delete_sessions("sam", keep=keep) == people.count("sam") - 1
    assert [store.get_session(s.token_hash) for s in sessions] == [
        None if s.user == "sam" and s.token_hash != keep else s for s in sessions]
    assert store.delete_sessions("sam") == 1  # without keep: every one of theirs
    assert store.get_session(keep) is None
    assert store.delete_sessions("sam") == 0
    assert store.get_session(sessions[3].token_hash) == sessions[3]

    ends = ["2025-03-04T09:59:59+00:00", T1, "2025-03-04T10:00:01+00:00", T4]
    timed = [Session(_token(10 + n), "mia", "2025-03-01T00:00:00+00:00", end) for n, end in enumerate(ends)]
    for s in timed:
        store.add_session(s)
    gone = [s for s in (*timed, sessions[3]) if s.expires_at <= T1]
    assert store.prune_sessions(T1) == len(gone)  # expired at or before now
    assert [store.get_session(s.token_hash) for s in timed] == [None if s in gone else s for s in timed]
    assert store.get_session(sessions[3].token_hash) == sessions[3]
    assert store.prune_sessions(T1) == 0


# -- templates -------------------------------------------------------------------------------


@covers("put_template", "get_template_text", "list_templates", "latest_versions")
def test_templates__versions_by_id_latest_titles_and_no_overwrite(store: Store) -> None:
    assert store.latest_versions() == {}
    assert store.list_templates() == []
    assert store.get_template_text("mini") is None
    v2 = MINI_YAML.replace("version: 1", "version: 2").replace("Mini check", "Mini check, v2")
    puts = [("mini", 1, MINI_YAML, "boss", T1), ("other", 3, OTHER_YAML, "ann", T2),
            ("mini", 2, v2, "boss", T3)]
    for tid, version, text, by, at in puts:
        store.put_template(tid, version, text, by, at)

    assert store.get_template_text("mini") == (2, v2)
    assert store.get_template_text("mini", 1) == (1, MINI_YAML)
    assert store.get_template_text("other", None) == (3, OTHER_YAML)
    assert store.get_template_text("mini", 3) is None
    assert store.get_template_text("nothing") is None
    assert store.latest_versions() == {"mini": 2, "other": 3}
    titles = {MINI_YAML: ("Мини-проверка", "Mini check"), v2: ("Мини-проверка", "Mini check, v2"),
              OTHER_YAML: ("Мини-проверка", "Other check")}
    assert store.list_templates() == sorted(
        (TemplateInfo(tid, version, *titles[text], at, by) for tid, version, text, by, at in puts),
        key=lambda t: (t.id, t.version))

    with pytest.raises(StoreError):
        store.put_template("mini", 1, v2, "mallory", T4)
    assert store.get_template_text("mini", 1) == (1, MINI_YAML)
    assert len(store.list_templates()) == len(puts)


# -- audits: one audit's file ------------------------------------------------------------------


def _header(audit_id: str, at: str = T1, **changes: Any) -> AuditHeader:
    h = AuditHeader(id=audit_id, template_id="mini", template_version=1, location_id="loc-a",
                    mode="mystery", auditor="sam", lang="ru", started_at=at, visit_at=at,
                    events=({"type": "started", "by": "sam", "at": at},))
    return dataclasses.replace(h, **changes)


@covers("create_audit", "get_audit", "get_header", "get_summary")
def test_create_audit__header_row_and_empty_audit_read_back(store: Store, mini: Checklist) -> None:
    network(store)
    header = _header("audit-01", section="entrance", visit_id="v2025-03-0123456789ab")
    row = audits.summary_of(header, mini, {}, region=LOC_A.region)
    for read in (store.get_audit, store.get_header, store.get_summary):
        assert read("audit-01") is None
    store.create_audit(header, row)
    assert store.get_audit("audit-01") == Audit(header=header, answers={}, photos={})
    assert store.get_header("audit-01") == header
    assert store.get_summary("audit-01") == row

    other = dataclasses.replace(header, auditor="sue", mode="self")
    with pytest.raises(StoreError):
        store.create_audit(other, audits.summary_of(other, mini, {}, region=LOC_A.region))
    assert store.get_header("audit-01") == header
    assert store.get_summary("audit-01") == row
    for missing in ("audit-02", "../../etc/passwd", "x"):
        assert store.get_audit(missing) is None
        assert store.get_header(missing) is None
        assert store.get_summary(missing) is None


@covers("save_answer")
def test_save_answer__update_sees_the_stored_answer_and_its_result_is_kept(store: Store) -> None:
    network(store)
    start(store, SAM, "audit-01", T1)
    seen: list[Answer | None] = []

    def set_value(old: Answer | None) -> Answer:
        seen.append(old)
        return Answer(key="entrance.clean", value=4, by="sam", at=T1)

    first = store.save_answer("audit-01", "entrance.clean", set_value)
    assert seen == [None] and first == Answer(key="entrance.clean", value=4, by="sam", at=T1)

    def add_comment(old: Answer | None) -> Answer:
        seen.append(old)
        assert old is not None
        return dataclasses.replace(old, comment="Пятна <b>", photos=("a" * 64,), at=T2)

    second = store.save_answer("audit-01", "entrance.clean", add_comment)
    assert seen[-1] == first
    store.save_answer("audit-01", "waiting.comforts",
                      lambda old: Answer(key="waiting.comforts", value=[], na=True, by="sam", at=T2))
    found = store.get_audit("audit-01")
    assert found is not None and found.answers == {
        "entrance.clean": second,
        "waiting.comforts": Answer(key="waiting.comforts", value=[], na=True, by="sam", at=T2)}


@covers("save_answer", "save_photo_ref", "save_answers", "update_header")
def test_audit_writes__not_found_for_a_missing_audit(store: Store) -> None:
    network(store)
    calls: list[object] = []

    def answer(old: Answer | None) -> Answer:
        calls.append(old)
        return Answer(key="entrance.dry", value=True)

    def batch(answers: Any, sync: Any) -> tuple[list[Answer], dict[str, Any]]:
        calls.append(answers)
        return [Answer(key="entrance.dry", value=True)], {}

    for audit_id in ("audit-404", "../x"):
        with pytest.raises(NotFound):
            store.save_answer(audit_id, "entrance.dry", answer)
        with pytest.raises(NotFound):
            store.save_photo_ref(audit_id, photo_ref(1))
        with pytest.raises(NotFound):
            store.save_answers(audit_id, batch)
        for allow in (False, True):
            with pytest.raises(NotFound):
                store.update_header(audit_id, _header(audit_id), allow_submitted=allow)
    assert calls == []
    assert list(store.audit_ids()) == []


@covers("save_answer", "save_photo_ref", "save_answers", "update_header")
def test_audit_writes__a_submitted_audit_is_locked(store: Store) -> None:
    network(store)
    submitted(store, SAM, "audit-01", T1)
    before = store.get_audit("audit-01")
    assert before is not None
    calls: list[object] = []

    def answer(old: Answer | None) -> Answer:
        calls.append(old)
        return Answer(key="entrance.dry", value=False)

    def batch(answers: Any, sync: Any) -> tuple[list[Answer], dict[str, Any]]:
        calls.append(answers)
        return [Answer(key="entrance.dry", value=False)], {"n": 1}

    with pytest.raises(AuditLocked):
        store.save_answer("audit-01", "entrance.dry", answer)
    with pytest.raises(AuditLocked):
        store.save_photo_ref("audit-01", photo_ref(2))
    with pytest.raises(AuditLocked):
        store.save_answers("audit-01", batch)
    with pytest.raises(AuditLocked):
        store.update_header("audit-01", dataclasses.replace(before.header, section="office"))
    assert calls == []
    assert store.get_audit("audit-01") == before


@covers("save_photo_ref")
def test_save_photo_ref__kept_by_sha256_and_replaced_by_the_same_photo(store: Store) -> None:
    network(store)
    start(store, SAM, "audit-01", T1)
    one, two = photo_ref(1), photo_ref(2)
    store.save_photo_ref("audit-01", one)
    store.save_photo_ref("audit-01", two)
    captioned = dataclasses.replace(one, caption="Лужа у входа", flags=())
    store.save_photo_ref("audit-01", captioned)
    found = store.get_audit("audit-01")
    assert found is not None
    assert found.photos == {one.sha256: captioned, two.sha256: two}
    assert found.answers == {}


@covers("save_answers")
def test_save_answers__one_batch_sees_answers_and_its_sync_record(store: Store) -> None:
    network(store)
    start(store, SAM, "audit-01", T1)
    kept = store.save_answer("audit-01", "entrance.clean",
                             lambda old: Answer(key="entrance.clean", value=3, by="sam", at=T1))
    seen: list[tuple[dict[str, Answer], dict[str, Any]]] = []
    dry = Answer(key="entrance.dry", value=True, by="sam", at=T2)
    door = Answer(key="entrance.door", value="heavy", comment="Скрипит", by="sam", at=T2)

    def first(answers: Any, sync: Any) -> tuple[list[Answer], dict[str, Any]]:
        seen.append((dict(answers), dict(sync)))
        return [dry, door], {"device": "phone-1", "batches": ["b1"]}

    store.save_answers("audit-01", first)
    assert seen == [({"entrance.clean": kept}, {})]
    clean = dataclasses.replace(kept, value=5, at=T3)

    def second(answers: Any, sync: Any) -> tuple[list[Answer], dict[str, Any]]:
        seen.append((dict(answers), dict(sync)))
        return [clean], {**sync, "batches": [*sync["batches"], "b2"]}

    store.save_answers("audit-01", second)
    assert seen[1] == ({"entrance.clean": kept, "entrance.dry": dry, "entrance.door": door},
                       {"device": "phone-1", "batches": ["b1"]})

    def nothing(answers: Any, sync: Any) -> tuple[list[Answer], dict[str, Any]]:
        seen.append((dict(answers), dict(sync)))
        return [], sync

    store.save_answers("audit-01", nothing)
    assert seen[2][1] == {"device": "phone-1", "batches": ["b1", "b2"]}
    found = store.get_audit("audit-01")
    assert found is not None
    assert found.answers == {"entrance.clean": clean, "entrance.dry": dry, "entrance.door": door}


@covers("integrity_scan", "clear_leftovers")
def test_integrity_scan__both_backends_find_a_missing_photo_and_an_audit_unlike_its_row(
        store: Store) -> None:
    network(store)
    submitted(store, SAM, "audit-01", T1)  # its photo's record is here, the photo's bytes are not
    full = store.integrity_scan()
    assert [(f.kind, f.where, f.detail, f.repairable) for f in full.findings] == [
        ("photo_missing", "audit-01", photo_ref(1).sha256, False)]
    assert (full.finished, full.removed) == (0, 0)
    assert store.integrity_scan(quick=True).findings == []
    assert store.clear_leftovers(full.findings) == 0  # no temp file or stage folder among them

    header = store.get_header("audit-01")
    assert header is not None
    store.update_header("audit-01", dataclasses.replace(header, status="draft"), allow_submitted=True)
    assert [(f.kind, f.where) for f in store.integrity_scan(quick=True).findings] == [
        ("state_mismatch", "audit-01")]
    assert ("state_mismatch", "audit-01") in {(f.kind, f.where) for f in store.integrity_scan().findings}


@covers("update_header", "get_summary", "summary_months")
def test_update_header__draft_changes_kept_and_the_row_follows_the_visit(store: Store) -> None:
    network(store)
    header = start(store, SAM, "audit-01", T1)
    moved = dataclasses.replace(header, section="office")
    store.update_header("audit-01", moved)
    assert store.get_header("audit-01") == moved
    assert store.get_summary("audit-01") == draft_row(store, header)

    for when in (T2, T3):  # within the month, then into the next one
        moved = dataclasses.replace(moved, visit_at=when)
        store.update_header("audit-01", moved)
        assert store.get_header("audit-01") == moved
        assert store.get_summary("audit-01") == dataclasses.replace(draft_row(store, header),
                                                                     visit_at=when)
        flt = AuditFilter(auditor="sam")
        assert [r.audit_id for r in store.list_summaries(flt)] == ["audit-01"]
        assert store.summary_months(flt) == [when[:7]]
        assert [r.visit_at for r in store.recent_summaries(flt)] == [when]
        assert [r.visit_at for r in store.recent_summaries(dataclasses.replace(flt, status="draft"))] \
            == [when]


@covers("update_header", "get_rollups")
def test_update_header__allow_submitted_changes_a_submitted_audit_and_moves_its_sums(
        store: Store) -> None:
    network(store)
    row = submitted(store, SAM, "audit-01", T1)
    header = store.get_header("audit-01")
    assert header is not None
    graded = dataclasses.replace(header, events=(*header.events, {"type": "graded", "grade": 5}))
    store.update_header("audit-01", graded, allow_submitted=True)
    assert store.get_header("audit-01") == graded
    assert store.get_summary("audit-01") == row

    later = dataclasses.replace(graded, visit_at=T3)
    store.update_header("audit-01", later, allow_submitted=True)
    assert store.get_header("audit-01") == later
    moved = dataclasses.replace(row, visit_at=T3)
    assert store.get_summary("audit-01") == moved
    assert store.get_rollups().canonical() == rollups_of([moved]).canonical()


# -- audits: actions that change the state -------------------------------------------------------


def _states(store: Store, audit_id: str) -> tuple[AuditHeader | None, SummaryRow | None]:
    return store.get_header(audit_id), store.get_summary(audit_id)


@covers("submit_audit", "known_photo_hashes", "get_rollups")
def test_submit_audit__header_row_sums_and_photo_hashes_in_one_call(
        store: Store, mini: Checklist) -> None:
    network(store)
    header = start(store, SAM, "audit-01", T1)
    answers = {}
    for key, value in MINI_GOOD.items():
        answers[key] = store.save_answer("audit-01", key,
                                         lambda old, k=key, v=value: Answer(key=k, value=v, by="sam"))
    refs = [photo_ref(1), photo_ref(2)]
    for ref in refs:
        store.save_photo_ref("audit-01", ref)
    new = dataclasses.replace(header, status="submitted", submitted_at=T2)
    row = audits.summary_of(new, mini, answers, score_audit(mini, answers), region=LOC_A.region)
    store.submit_audit(new, row, refs)
    assert _states(store, "audit-01") == (new, row)
    found = store.get_audit("audit-01")
    assert found is not None and found.answers == answers
    assert store.get_rollups().canonical() == rollups_of([row]).canonical()
    assert store.known_photo_hashes() == sorted(("audit-01", r.sha256, r.phash) for r in refs)

    with pytest.raises(AuditLocked):  # submitted already
        store.submit_audit(dataclasses.replace(new, submitted_at=T3), row, refs)
    assert _states(store, "audit-01") == (new, row)
    with pytest.raises(NotFound):
        store.submit_audit(_header("audit-404", status="submitted"),
                           dataclasses.replace(row, audit_id="audit-404"), [])
    assert store.get_summary("audit-404") is None


@covers("reopen_audit", "get_rollups", "rollup_months")
def test_reopen_audit__back_to_draft_and_out_of_the_sums(store: Store) -> None:
    network(store)
    row = submitted(store, SAM, "audit-01", T1)
    kept = submitted(store, SAM, "audit-02", T3, photo=2)
    header = store.get_header("audit-01")
    assert header is not None
    assert store.rollup_months() == sorted({period_of(row), period_of(kept)})

    draft = dataclasses.replace(header, status="draft")
    draft_r = dataclasses.replace(row, status="draft")
    store.reopen_audit(draft, draft_r)
    assert _states(store, "audit-01") == (draft, draft_r)
    assert store.get_rollups().canonical() == rollups_of([kept]).canonical()
    assert store.rollup_months() == [period_of(kept)]
    assert [r.audit_id for r in store.recent_summaries(AuditFilter(auditor="sam", status="draft"))] \
        == ["audit-01"]

    with pytest.raises(AuditLocked):  # a draft already
        store.reopen_audit(draft, draft_r)
    with pytest.raises(NotFound):
        store.reopen_audit(_header("audit-404"), dataclasses.replace(draft_r, audit_id="audit-404"))
    assert _states(store, "audit-01") == (draft, draft_r)


@covers("hold_audit", "list_summaries", "get_rollups")
def test_hold_audit__a_draft_marked_as_waiting_for_photos_and_nothing_else(store: Store) -> None:
    network(store)
    kept = submitted(store, SAM, "audit-02", T3, photo=2)
    draft = start(store, SAM, "audit-01", T1)
    row = draft_row(store, draft)
    sha = "a" * 64
    held = dataclasses.replace(draft, arriving=(sha,))
    held_r = dataclasses.replace(row, arriving=1)
    store.hold_audit(held, held_r)
    assert _states(store, "audit-01") == (held, held_r)
    assert [r.arriving for r in store.list_summaries(AuditFilter(status="draft"))] == [1]
    assert store.get_rollups().canonical() == rollups_of([kept]).canonical()  # still no sums
    back = dataclasses.replace(held, arriving=())
    store.hold_audit(back, row)  # the last photo in: a plain draft again
    assert _states(store, "audit-01") == (back, row)
    with pytest.raises(AuditLocked):  # only a draft waits for photos
        store.hold_audit(dataclasses.replace(store.get_header("audit-02"), arriving=(sha,)), kept)
    assert store.get_summary("audit-02") == kept
    with pytest.raises(NotFound):
        store.hold_audit(_header("audit-404"), dataclasses.replace(row, audit_id="audit-404"))


@covers("publish_audit", "get_rollups")
def test_publish_audit__any_state_its_row_and_what_the_branch_sees(store: Store) -> None:
    network(store)
    row = submitted(store, SAM, "audit-01", T1)
    header = store.get_header("audit-01")
    assert header is not None
    assert store.get_rollups().for_branch() == Rollups()  # an unpublished mystery audit

    shown = dataclasses.replace(header, published=True)
    shown_r = dataclasses.replace(row, published=True)
    store.publish_audit(shown, shown_r)
    assert _states(store, "audit-01") == (shown, shown_r)
    assert store.get_rollups().canonical() == rollups_of([shown_r]).canonical()
    assert store.get_rollups().for_branch().canonical() == rollups_of([shown_r]).for_branch().canonical()
    assert store.get_rollups().for_branch() != Rollups()

    store.publish_audit(shown, shown_r)  # again: nothing adds up twice
    assert store.get_rollups().canonical() == rollups_of([shown_r]).canonical()

    draft = start(store, SAM, "audit-02", T2)  # a draft may be (un)published too
    draft_r = draft_row(store, draft)
    store.publish_audit(dataclasses.replace(draft, published=True),
                        dataclasses.replace(draft_r, published=True))
    assert _states(store, "audit-02") == (dataclasses.replace(draft, published=True),
                                          dataclasses.replace(draft_r, published=True))
    assert store.get_rollups().canonical() == rollups_of([shown_r]).canonical()
    with pytest.raises(NotFound):
        store.publish_audit(_header("audit-404"), dataclasses.replace(draft_r, audit_id="audit-404"))


@covers("send_back_audit", "publish_reviewed_audit")
def test_review__send_back_a_submitted_audit_and_publish_only_a_submitted_one(store: Store) -> None:
    network(store)
    row = submitted(store, SAM, "audit-01", T1)
    header = store.get_header("audit-01")
    assert header is not None

    back = dataclasses.replace(header, status="draft",
                               events=(*header.events, {"type": "sent_back", "by": "boss"}))
    back_r = dataclasses.replace(row, status="draft")
    store.send_back_audit(back, back_r)
    assert _states(store, "audit-01") == (back, back_r)
    assert store.get_rollups() == Rollups()

    published = dataclasses.replace(header, published=True)
    published_r = dataclasses.replace(row, published=True)
    with pytest.raises(AuditLocked):  # sent back meanwhile: not published
        store.publish_reviewed_audit(published, published_r)
    with pytest.raises(AuditLocked):
        store.send_back_audit(back, back_r)
    assert _states(store, "audit-01") == (back, back_r)

    row2 = submitted(store, SAM, "audit-02", T2, photo=2)
    header2 = store.get_header("audit-02")
    assert header2 is not None
    published = dataclasses.replace(header2, published=True)
    published_r = dataclasses.replace(row2, published=True)
    store.publish_reviewed_audit(published, published_r)
    assert _states(store, "audit-02") == (published, published_r)
    assert store.get_rollups().canonical() == rollups_of([published_r]).canonical()
    for change in (store.send_back_audit, store.publish_reviewed_audit):
        with pytest.raises(NotFound):
            change(_header("audit-404", status="submitted"),
                   dataclasses.replace(row2, audit_id="audit-404"))


@covers("delete_audit", "audit_ids", "actions_pending")
def test_delete_audit__leaves_nothing_behind_and_twice_is_no_error(store: Store) -> None:
    network(store)
    kept = submitted(store, SAM, "audit-01", T1)
    gone = submitted(store, SAM, "audit-02", T2, photo=2)
    header = store.get_header("audit-02")
    assert header is not None
    # a final audit reopened before its actions were made keeps its mark as a draft
    store.reopen_audit(dataclasses.replace(header, status="draft", actions_due=True),
                       dataclasses.replace(gone, status="draft"))
    assert store.actions_pending() == ["audit-02"]
    assert sorted(store.audit_ids()) == ["audit-01", "audit-02"]

    store.delete_audit("audit-02")
    assert (store.get_audit("audit-02"), store.get_header("audit-02"), store.get_summary("audit-02")) \
        == (None, None, None)
    assert list(store.audit_ids()) == ["audit-01"]
    assert store.list_summaries() == [kept]
    assert store.actions_pending() == []
    assert store.known_photo_hashes() == [("audit-01", photo_ref(1).sha256, photo_ref(1).phash)]
    store.delete_audit("audit-02")
    store.delete_audit("never-was")
    assert store.list_summaries() == [kept]

    store.delete_audit("audit-01")  # a submitted one too: out of the sums and the hashes
    assert list(store.audit_ids()) == []
    assert store.list_summaries() == []
    assert store.get_rollups() == Rollups()
    assert store.rollup_months() == []
    assert store.known_photo_hashes() == []


@covers("actions_pending", "clear_actions_due", "submit_audit")
def test_actions_due__marked_with_the_state_change_listed_sorted_and_cleared(
        store: Store, mini: Checklist) -> None:
    network(store)
    for audit_id in ("audit-02", "audit-01", "audit-03"):
        header = start(store, SAM, audit_id, T1)
        final = dataclasses.replace(header, status="submitted", submitted_at=T2,
                                    actions_due=audit_id != "audit-03")
        store.submit_audit(final, audits.summary_of(final, mini, {}, region=LOC_A.region), [])
    assert store.actions_pending() == ["audit-01", "audit-02"]

    store.clear_actions_due("audit-02")
    assert store.actions_pending() == ["audit-01"]
    cleared = store.get_header("audit-02")
    assert cleared is not None and cleared.actions_due is False and cleared.status == "submitted"
    store.clear_actions_due("audit-02")  # twice, an unmarked one, a missing one: no error
    store.clear_actions_due("audit-03")
    store.clear_actions_due("audit-404")
    assert store.actions_pending() == ["audit-01"]
    marked = store.get_header("audit-01")
    assert marked is not None and marked.actions_due is True


@covers("actions_pending", "audit_actions")
def test_self_audit_submitted_through_the_product__its_hook_has_run(store: Store) -> None:
    network(store)
    store.put_user(MIA)  # the owner of what her self-audit finds
    row = submitted(store, MIA, "audit-01", T1, mode="self", waiting__wait={"minutes": 12})
    assert store.actions_pending() == []  # the hook cleared the mark made with the submit
    header = store.get_header("audit-01")
    assert header is not None and header.actions_due is False
    audit = store.get_audit("audit-01")
    assert audit is not None
    checklist = get_checklist(store, "mini")
    made = [p for p in proposals(audit, score_audit(checklist, audit.answers),
                                 action_settings(store, "mini")) if p.auto]
    assert made and {p.key for p in made} <= set(row.findings)
    found = store.audit_actions("audit-01", "loc-a")
    assert sorted(a.id for a in found) == sorted(action_id("loc-a", "audit-01", p.key) for p in made)
    assert {a.owner for a in found} == {"mia"}  # the manager who ran the self-audit


# -- listing rows ------------------------------------------------------------------------------


def _archive(store: Store) -> dict[str, SummaryRow]:
    """Drafts and submitted audits of two people, two locations, two checklists, three months."""
    network(store, other=True)
    rows: dict[str, SummaryRow] = {}
    for audit_id, who, at, loc, template in (
            ("audit-01", SAM, T1, "loc-a", "mini"), ("audit-04", SUE, T2, "loc-b", "other"),
            ("audit-06", SUE, "2025-02-27T08:00:00+00:00", "loc-a", "mini"),
            ("audit-07", SAM, T4, "loc-a", "other")):
        rows[audit_id] = draft_row(store, start(store, who, audit_id, at, location=loc,
                                                template=template))
    for n, (audit_id, who, at, loc, mode, template, submit_at) in enumerate((
            ("audit-02", SAM, T2, "loc-a", "mystery", "mini", T4),
            ("audit-03", SUE, T3, "loc-b", "mystery", "mini", T3),
            ("audit-05", MIA, T4, "loc-a", "self", "mini", T4),
            ("audit-08", SUE, "2025-02-03T10:00:00+00:00", "loc-b", "mystery", "other", T1))):
        rows[audit_id] = submitted(store, who, audit_id, at, photo=n + 1, location=loc, mode=mode,
                                   template=template, submit_at=submit_at)
    return rows


FILTERS = [
    AuditFilter(), AuditFilter(status="draft"), AuditFilter(status="submitted"),
    AuditFilter(auditor="sue"), AuditFilter(auditor="sam", status="draft"),
    AuditFilter(location_ids=("loc-b",)), AuditFilter(location_ids=("loc-a", "loc-b"), status="submitted"),
    AuditFilter(location_ids=()), AuditFilter(region="СПб"), AuditFilter(template_id="other"),
    AuditFilter(mode="self"), AuditFilter(date_from="2025-03-20"), AuditFilter(date_to="2025-03-20"),
    AuditFilter(date_from="2025-03", date_to="2025-03"), AuditFilter(date_from="2025-03-20T12:30:00+00:00"),
    AuditFilter(date_to="2025-04-02T09:15"), AuditFilter(auditor="sam", location_ids=("loc-b",)),
    AuditFilter(auditor="nobody"),
]


@covers("list_summaries", "recent_summaries", "summary_months", "get_rollups", "rollup_months")
def test_reading_rows__lists_months_and_sums_of_every_filter(store: Store) -> None:
    rows = _archive(store)
    assert store.list_summaries() == [rows[k] for k in sorted(rows)]
    for flt in FILTERS:
        # whole rows, by audit id
        assert store.list_summaries(flt) == [rows[k] for k in sorted(rows) if flt.matches(rows[k])], flt
        # months with a matching row, newest first
        expected_months = sorted({period_of(r) for r in rows.values() if flt.matches(r)}, reverse=True)
        assert store.summary_months(flt) == expected_months, flt
    _check_recent(store, rows)
    _check_rollups(store, rows)


def _check_recent(store: Store, rows: dict[str, SummaryRow]) -> None:
    """recent_summaries: newest visit first, filtered, kept and limited; a person's rows and the
    network's latest may be list rows, some locations' are whole rows."""
    def keep(r: SummaryRow) -> bool:
        return r.auditor != "mia"

    for flt in FILTERS:
        for limit in (None, 2, 30):
            for chosen in (None, keep):
                expected = newest_first(r for r in rows.values()
                                        if flt.matches(r) and (chosen is None or chosen(r)))
                expected = expected if limit is None else expected[:limit]
                found = store.recent_summaries(flt, limit=limit, keep=chosen)
                assert [listed(r) for r in found] == [listed(r) for r in expected], (flt, limit)
                network_latest = flt.location_ids is None and flt.status == "submitted"
                if flt.auditor is None and not network_latest:
                    assert found == expected, (flt, limit)
    for month in ("2025-03", "2025-04", "2025-01"):
        for flt in (AuditFilter(location_ids=("loc-a",)), AuditFilter(auditor="sam"),
                    AuditFilter(status="submitted")):
            expected = newest_first(r for r in rows.values() if flt.matches(r) and period_of(r) == month)
            found = store.recent_summaries(flt, month=month, limit=None)
            assert [listed(r) for r in found] == [listed(r) for r in expected], (flt, month)


def _check_rollups(store: Store, rows: dict[str, SummaryRow]) -> None:
    """get_rollups: the sums of the submitted rows of some months, a checklist, a location (whose
    rollups have no item groups); rollup_months: the months with submitted rows, oldest first."""
    final = [r for r in rows.values() if r.status == "submitted"]
    assert store.rollup_months() == sorted({period_of(r) for r in final})
    cases: list[tuple[dict[str, Any], Callable[[SummaryRow], bool]]] = [
        ({}, lambda r: True),
        ({"first_month": "2025-03"}, lambda r: period_of(r) >= "2025-03"),
        ({"last_month": "2025-03"}, lambda r: period_of(r) <= "2025-03"),
        ({"first_month": "2025-03", "last_month": "2025-03"}, lambda r: period_of(r) == "2025-03"),
        ({"template_id": "other"}, lambda r: r.template_id == "other"),
        ({"first_month": "2025-05"}, lambda r: False),
    ]
    for args, wanted in cases:
        assert store.get_rollups(**args).canonical() == rollups_of(
            r for r in final if wanted(r)).canonical(), args
        for loc in ("loc-a", "loc-b"):
            mine = rollups_of(r for r in final if wanted(r) and r.location_id == loc)
            assert store.get_rollups(location_id=loc, **args).canonical() == Rollups(
                mine.locations).canonical(), (loc, args)
    # asked again, with nothing changed: the same sums (a store may keep them between looks)
    assert store.get_rollups().canonical() == rollups_of(final).canonical()


# -- bulk: import and rebuild ------------------------------------------------------------------


def _built(mini: Checklist, audit_id: str, *, status: str, at: str, who: str = "sam",
           photos: range = range(0), location: str = "loc-a") -> tuple[Audit, SummaryRow]:
    header = AuditHeader(id=audit_id, template_id="mini", template_version=1, location_id=location,
                         mode="mystery", auditor=who, lang="ru", status=status, started_at=at,
                         visit_at=at, submitted_at=at if status == "submitted" else "",
                         published=status == "submitted",
                         events=({"type": "imported", "at": at},))
    answers = {k: Answer(key=k, value=v, by=who, at=at) for k, v in MINI_GOOD.items()}
    refs = {r.sha256: r for r in map(photo_ref, photos)}
    region = LOC_A.region if location == "loc-a" else LOC_B.region
    score = score_audit(mini, answers) if status == "submitted" else None
    return Audit(header, answers, refs), audits.summary_of(header, mini, answers, score, region=region)


@covers("import_audits", "audit_ids", "known_photo_hashes", "get_rollups")
def test_import_audits__every_audit_its_row_sums_and_hashes(store: Store, mini: Checklist) -> None:
    network(store)
    built = [_built(mini, "imp-01", status="submitted", at=T1, photos=range(10, 12)),
             _built(mini, "imp-02", status="draft", at=T2, photos=range(12, 13), who="sue"),
             _built(mini, "imp-03", status="submitted", at=T3, location="loc-b",
                    photos=range(10, 11))]
    assert store.import_audits(iter(built)) == len(built)
    assert sorted(store.audit_ids()) == sorted(a.id for a, _ in built)
    for audit, row in built:
        assert store.get_audit(audit.id) == audit
        assert store.get_summary(audit.id) == row
    assert store.list_summaries() == sorted((r for _, r in built), key=lambda r: r.audit_id)
    final = [(a, r) for a, r in built if r.status == "submitted"]
    assert store.get_rollups().canonical() == rollups_of(r for _, r in final).canonical()
    assert store.known_photo_hashes() == sorted(
        (a.id, p.sha256, p.phash) for a, _ in final for p in a.photos.values())
    assert store.import_audits([]) == 0


@covers("rebuild_derived", "known_photo_hashes", "get_rollups", "list_summaries")
def test_rebuild_derived__rows_sums_and_hashes_anew_from_the_audits(store: Store) -> None:
    rows = _archive(store)
    seen: dict[str, SummaryRow | None] = {}
    progress: list[tuple[int, int]] = []

    def row_of(audit: Audit, current: SummaryRow | None) -> SummaryRow:
        seen[audit.id] = current
        assert current is not None
        return dataclasses.replace(current, region=current.region + " (Север)")

    counts = store.rebuild_derived(row_of, lambda n, total: progress.append((n, total)))
    assert seen == rows  # each audit once, with its row as it was
    assert progress == [(n, len(rows)) for n in range(1, len(rows) + 1)]
    new = {k: dataclasses.replace(r, region=r.region + " (Север)") for k, r in rows.items()}
    assert store.list_summaries() == [new[k] for k in sorted(new)]
    final = [r for r in new.values() if r.status == "submitted"]
    assert store.get_rollups().canonical() == rollups_of(final).canonical()
    photos = sorted((a, r.sha256, r.phash) for a in sorted(new) if new[a].status == "submitted"
                    for audit in [store.get_audit(a)] if audit for r in audit.photos.values())
    assert store.known_photo_hashes() == photos
    assert (counts.rows, counts.photos) == (len(rows), len(photos))
    # groups: PostgreSQL counts rollup groups, the folder its rollup files; both some, or none
    assert counts.groups > 0

    def same(audit: Audit, current: SummaryRow | None) -> SummaryRow:
        assert current is not None
        return current

    assert store.rebuild_derived(same).rows == len(rows)  # again: the same rows, sums, hashes
    assert store.list_summaries() == [new[k] for k in sorted(new)]
    assert store.get_rollups().canonical() == rollups_of(final).canonical()
    assert store.known_photo_hashes() == photos

    for audit_id in list(rows):
        store.delete_audit(audit_id)
    assert store.rebuild_derived(row_of) == DerivedCounts(rows=0, groups=0, photos=0)


# -- photos ------------------------------------------------------------------------------------


@covers("photo_files", "photo_dir")
def test_photo_files__stored_once_read_by_kind_and_older_folder_photos_still_read(
        store: Store) -> None:
    first, second = prepare_photo(jpeg((200, 30, 30))), prepare_photo(jpeg((30, 200, 30)))
    files = store.photo_files()
    assert not files.exists(first.sha256)
    assert files.put(first) is True
    assert files.put(first) is False  # the same content: stored once
    assert files.exists(first.sha256)
    assert files.get(first.sha256, "original") == first.original
    assert files.get(first.sha256, "display") == first.display
    assert files.get(first.sha256, "thumb") == first.thumbnail
    with pytest.raises(KeyError):
        files.get(second.sha256, "display")
    assert not files.exists("not-a-photo")

    light = store.photo_files(keep_originals=False)
    assert light.put(second) is True
    assert light.get(second.sha256, "display") == second.display
    with pytest.raises(KeyError):
        light.get(second.sha256, "original")
    assert files.put(second) is True  # what was left out before is kept now
    assert files.get(second.sha256, "original") == second.original
    forged = dataclasses.replace(second, sha256=first.sha256)
    with pytest.raises(ValueError):
        files.put(forged)

    # photos an older version kept as files in photo_dir are read through photo_files
    assert isinstance(store.photo_dir, Path)
    old = prepare_photo(jpeg((30, 30, 200)))
    assert PhotoStore(store.photo_dir).put(old) is True
    assert store.photo_files().exists(old.sha256)
    assert store.photo_files().get(old.sha256, "thumb") == old.thumbnail


@covers("index_photo_hashes", "photo_candidates", "known_photo_hashes")
def test_photo_hashes__same_bytes_and_near_hashes_found_far_ones_not(store: Store) -> None:
    one, two, three = photo_ref(1), photo_ref(2), photo_ref(3)
    assert store.known_photo_hashes() == []
    assert store.photo_candidates(one.sha256, one.phash) == []
    store.index_photo_hashes("audit-01", [one, two])
    store.index_photo_hashes("audit-02", [one])
    store.index_photo_hashes("audit-02", [one])  # again: nothing twice
    store.index_photo_hashes("audit-03", [])
    store.index_photo_hashes("audit-03", iter([three]))
    everything = [("audit-01", one.sha256, one.phash), ("audit-01", two.sha256, two.phash),
                  ("audit-02", one.sha256, one.phash), ("audit-03", three.sha256, three.phash)]
    assert store.known_photo_hashes() == sorted(everything)

    assert sorted(store.photo_candidates(one.sha256, one.phash)) == [
        ("audit-01", one.sha256, one.phash), ("audit-02", one.sha256, one.phash)]
    other_bytes = hashlib.sha256(b"another photo").hexdigest()
    for bits in (1, 6):  # a near copy (other bytes, hash within 6 bits) is found by its hash
        assert sorted(store.photo_candidates(other_bytes, near(two.phash, bits))) == [
            ("audit-01", two.sha256, two.phash)]
    assert store.photo_candidates(other_bytes, near(two.phash, 20)) == []
    assert store.photo_candidates(other_bytes, "") == []


# -- visit plans and visits --------------------------------------------------------------------


@covers("put_plan", "list_plans", "get_visit")
def test_plans__stored_with_their_visits_newest_first_all_or_nothing(store: Store) -> None:
    network(store)
    p1, v1 = plan("plan-1", T1)
    p2, v2 = plan("plan-2", T2, shoppers=())
    p3, v3 = plan("plan-0", T2, location_ids=("loc-b",))
    assert store.list_plans() == []
    for p, vs in ((p1, v1), (p2, v2), (p3, v3)):
        store.put_plan(p, vs)
    assert store.list_plans() == sorted((p1, p2, p3), key=lambda p: (p.created_at, p.id), reverse=True)
    for v in (*v1, *v2, *v3):
        assert store.get_visit(v.id) == v
    assert store.get_visit("v2025-03-000000000000") is None
    assert store.get_visit("no-such-visit") is None

    p4, v4 = plan("plan-4", T3)
    clash = [*v4, dataclasses.replace(v1[0], plan_id="plan-4")]
    with pytest.raises(StoreError):  # one visit exists: nothing of the plan is stored
        store.put_plan(p4, clash)
    assert [v for v in v4 if store.get_visit(v.id) is not None] == []
    assert store.get_visit(v1[0].id) == v1[0]
    with pytest.raises(StoreError):
        store.put_plan(dataclasses.replace(p1, created_at=T4), [])
    assert store.list_plans() == sorted((p1, p2, p3), key=lambda p: (p.created_at, p.id), reverse=True)


@covers("list_visits")
def test_list_visits__every_filter(store: Store) -> None:
    network(store)
    visits = []
    for p, vs in (plan("plan-1", T1), plan("plan-2", T2, shoppers=()),
                  plan("plan-3", T3, shoppers=("sue",), location_ids=("loc-b",))):
        store.put_plan(p, vs)
        visits += vs
    for flt in (VisitFilter(), VisitFilter(first_month="2025-04"), VisitFilter(last_month="2025-03"),
                VisitFilter("2025-03", "2025-03", shopper="sam"), VisitFilter(shopper="sue"),
                VisitFilter(shopper="nobody"), VisitFilter(location_ids=("loc-b",)),
                VisitFilter(location_ids=()), VisitFilter(region="Москва"),
                VisitFilter(open_only=True), VisitFilter("2025-04", None, region="СПб", open_only=True),
                VisitFilter(first_month="2025-05")):
        found = store.list_visits(flt)  # in no promised order
        assert sorted(found, key=lambda v: v.id) == sorted(
            (v for v in visits if flt.matches(v)), key=lambda v: v.id), flt


@covers("update_visit", "list_visits")
def test_update_visit__changed_under_its_lock_and_filed_by_its_new_shopper(store: Store) -> None:
    network(store)
    p, vs = plan("plan-1", T1, shoppers=())
    store.put_plan(p, vs)
    open_visit = vs[0]
    seen = []

    def claim(v: Any) -> Any:
        seen.append(v)
        return dataclasses.replace(v, shopper="sue", status="started", audit_id="audit-01",
                                   started_at=T1, on_time=True, start_pos={"lat": 55.7, "lon": 37.6})

    claimed = store.update_visit(open_visit.id, claim)
    assert seen[-1] == open_visit
    assert claimed == claim(open_visit)
    assert store.get_visit(open_visit.id) == claimed
    month = VisitFilter(open_visit.month, open_visit.month)
    assert claimed in store.list_visits(dataclasses.replace(month, shopper="sue"))
    assert open_visit.id not in {v.id for v in store.list_visits(dataclasses.replace(month, open_only=True))}

    handed = store.update_visit(open_visit.id, lambda v: dataclasses.replace(v, shopper="sam"))
    assert store.list_visits(dataclasses.replace(month, shopper="sam")) == [handed]
    assert open_visit.id not in {v.id for v in store.list_visits(dataclasses.replace(month, shopper="sue"))}

    with pytest.raises(StoreError):  # a visit keeps its month (and so its files)
        store.update_visit(open_visit.id, lambda v: dataclasses.replace(v, month="2025-05"))
    assert store.get_visit(open_visit.id) == handed
    for missing in ("v2025-03-000000000000", "no-such-visit"):
        with pytest.raises(NotFound):
            store.update_visit(missing, lambda v: v)


# -- settings ----------------------------------------------------------------------------------


@covers("count_hit")
def test_count_hit__up_to_the_limit_per_window__per_key__refusals_not_counted(store: Store) -> None:
    assert [store.count_hit("photo:sam", 3, 60, 1000.0 + i) for i in range(3)] == [0.0] * 3
    assert store.count_hit("photo:sam", 3, 60, 1010.0) == 50.0  # until the first leaves
    assert store.count_hit("photo:sam", 3, 60, 1059.0) == 1.0  # the refusal was not counted
    assert store.count_hit("photo:sue", 3, 60, 1010.0) == 0.0  # another key, its own count
    assert store.count_hit("photo:sam", 3, 60, 1060.5) == 0.0  # the first has left the window
    assert store.count_hit("photo:sam", 3, 60, 1060.6) > 0


@covers("get_settings", "put_settings")
def test_settings__merged_by_key_and_read_back(store: Store) -> None:
    assert store.get_settings() == {}
    first = {"brand": "Банк «Пример»", "options": {"photos": True, "limit": 3}, "list": [1, "два"]}
    store.put_settings(first)
    assert store.get_settings() == first
    store.put_settings({"brand": "Банк", "logo": None})
    assert store.get_settings() == {**first, "brand": "Банк", "logo": None}
    got = store.get_settings()
    got["brand"] = "changed by the caller"
    assert store.get_settings()["brand"] == "Банк"


@covers("update_setting")
def test_update_setting__decided_once_under_the_lock(store: Store) -> None:
    store.put_settings({"brand": "Банк"})
    first = store.update_setting("salt", lambda v: v or {"day": "2026-12-07", "salt": "a1"})
    again = store.update_setting("salt", lambda v: v or {"day": "2026-12-07", "salt": "b2"})
    assert first == again == {"day": "2026-12-07", "salt": "a1"}  # the second found the first's
    assert store.get_settings() == {"brand": "Банк", "salt": first}
    with pytest.raises(ZeroDivisionError):  # a change that fails writes nothing
        store.update_setting("salt", lambda v: 1 // 0)
    assert store.get_settings()["salt"] == first


# -- corrective actions ------------------------------------------------------------------------


@covers("change_actions", "get_action", "location_actions", "owner_actions", "audit_actions")
def test_change_actions__a_locations_actions_in_what_change_returns_out(store: Store) -> None:
    a1 = action(LOC_A, "audit-01", "waiting.wait")
    a2 = action(LOC_A, "audit-01", "entrance.dry", owner="mia", critical=True)
    a3 = action(LOC_A, "audit-02", "waiting.wait", owner="mia", status="done")
    b1 = action(LOC_B, "audit-03", "waiting.wait", owner="mia")
    seen: list[list[Any]] = []

    def add(*new: Any) -> Callable[[list[Any]], list[Any]]:
        def change(current: list[Any]) -> list[Any]:
            seen.append(sorted(current, key=lambda a: a.id))
            return list(new)
        return change

    assert store.change_actions("loc-a", add(a1, a2)) == [a1, a2]
    assert seen[-1] == []
    assert store.change_actions("loc-b", add(b1)) == [b1]
    assert store.change_actions("loc-a", add(a3)) == [a3]
    assert seen[-1] == sorted([a1, a2], key=lambda a: a.id)  # the location's, not another's
    for a in (a1, a2, a3, b1):
        assert store.get_action(a.id) == a
    assert store.get_action("nothing") is None

    def ids(found: list[Any]) -> list[str]:
        return sorted(a.id for a in found)

    assert sorted(store.location_actions("loc-a"), key=lambda a: a.id) == sorted(
        [a1, a2, a3], key=lambda a: a.id)
    assert store.location_actions("loc-x") == []
    assert ids(store.owner_actions("mia")) == ids([a2, a3, b1])
    assert ids(store.audit_actions("audit-01", "loc-a")) == ids([a1, a2])
    assert store.audit_actions("audit-03", "loc-a") == []

    moved = dataclasses.replace(a2, owner="max", status="in_progress", history=(*a2.history, {"x": 1}))
    assert store.change_actions("loc-a", add(moved)) == [moved]  # a changed copy replaces it
    assert store.get_action(a2.id) == moved
    assert ids(store.owner_actions("mia")) == ids([a3, b1])
    assert store.owner_actions("max") == [moved]
    assert len(store.location_actions("loc-a")) == 3

    with pytest.raises(ValueError):  # an action of another location: nothing is written
        store.change_actions("loc-a", add(dataclasses.replace(a1, status="done"), b1))
    assert store.get_action(a1.id) == a1
    assert store.change_actions("loc-a", add()) == []


def _many_actions(store: Store) -> list[Any]:
    made = [
        action(LOC_A, "audit-01", "waiting.wait", owner="mia", due="2025-03-10"),
        action(LOC_A, "audit-01", "entrance.dry", owner="mia", status="done", critical=True,
               opened_at="2025-03-04T10:00:00+00:00", done_at="2025-03-07T16:00:00+00:00"),
        action(LOC_A, "audit-02", "office.site", status="verified", confirmed_by="audit-05",
               opened_at="2025-03-01T09:00:00+03:00", done_at="2025-03-02T10:30:00+03:00", repeats=1),
        action(LOC_A, "audit-02", "waiting.comforts", status="rejected", repeats=2, due="2025-05-01",
               template_id="other"),
        action(LOC_B, "audit-03", "waiting.wait", owner="max", status="in_progress", due="2025-03-01"),
        action(LOC_B, "audit-03", "entrance.door", status="done", owner="max",
               opened_at="2025-03-10T10:00:00+00:00", done_at="2025-03-30T10:00:00+00:00"),
    ]
    for loc in ("loc-a", "loc-b"):
        store.change_actions(loc, lambda cur, loc=loc: [a for a in made if a.location_id == loc])
    return made


ACTION_FILTERS = [
    None, ActionFilter(), ActionFilter(location_ids=("loc-b",)), ActionFilter(location_ids=()),
    ActionFilter(region="Москва"), ActionFilter(regions=("СПб", "Казань")),
    ActionFilter(statuses=("open", "in_progress", "rejected")), ActionFilter(owner="mia"),
    ActionFilter(template_id="other"), ActionFilter(location_ids=("loc-a",), statuses=("done",)),
]


@covers("list_actions", "action_facts", "action_stats")
def test_list_actions_facts_and_stats__every_filter(store: Store) -> None:
    made = _many_actions(store)
    for flt in ACTION_FILTERS:
        wanted = sorted((a for a in made if flt is None or flt.matches(a)), key=lambda a: a.id)
        assert sorted(store.list_actions(flt), key=lambda a: a.id) == wanted, flt
        facts = sorted(store.action_facts(flt), key=lambda f: f.id)
        expected = [fact_of(a) for a in wanted]
        assert [f._replace(days=None) for f in facts] == [f._replace(days=None) for f in expected], flt
        assert [f.days for f in facts] == [pytest.approx(f.days) if f.days is not None else None
                                           for f in expected], flt
    assert store.list_actions() == store.list_actions(None)
    # HQ's sums: those of the facts, whatever store sums them
    for today in ("2025-03-05", "2025-04-15"):
        for flt in ACTION_FILTERS:
            expected = stats_of((fact_of(a) for a in made if flt is None or flt.matches(a)), today)
            found = store.action_stats(flt, today)
            assert _same_stats(found, expected), (today, flt)


def _same_stats(found: Any, expected: Any) -> bool:
    def plain(stats: Any) -> Any:
        return ([dataclasses.replace(r, median_days=None) for r in stats.locations],
                [r.median_days for r in stats.locations], stats.median_days)

    f_rows, f_days, f_median = plain(found)
    e_rows, e_days, e_median = plain(expected)
    return (f_rows == e_rows
            and f_days == [None if d is None else pytest.approx(d) for d in e_days]
            and f_median == (None if e_median is None else pytest.approx(e_median)))


# -- the e-mail outbox -------------------------------------------------------------------------


@covers("enqueue_messages", "list_messages", "outbox_status")
def test_outbox__queued_once_listed_newest_first_and_counted(store: Store) -> None:
    assert store.outbox_status() == OutboxStatus()
    assert store.list_messages() == []
    queued = [message(n, f"2025-03-04T10:0{n}:00+00:00") for n in (3, 1, 2)]
    assert store.enqueue_messages(queued) == 3
    again = dataclasses.replace(queued[0], subject="changed")
    assert store.enqueue_messages([again, message(4, "2025-03-04T10:04:00+00:00")]) == 1
    assert store.enqueue_messages([]) == 0
    queued.append(message(4, "2025-03-04T10:04:00+00:00"))
    newest = sorted(queued, key=lambda m: (m.created_at, m.id), reverse=True)
    assert store.list_messages() == newest  # the first of an id stays
    assert store.list_messages(("pending",), limit=2) == newest[:2]
    assert store.list_messages(("dead",)) == []
    assert store.outbox_status() == OutboxStatus(pending=4)


@covers("claim_messages", "outbox_status")
def test_claim_messages__oldest_due_first_leased_to_one_worker(store: Store) -> None:
    now, later = "2025-03-04T12:00:00+00:00", "2025-03-04T12:05:00+00:00"
    queued = [message(1, "2025-03-04T10:02:00+00:00"), message(2, "2025-03-04T10:01:00+00:00"),
              message(3, "2025-03-04T10:03:00+00:00", next_try="2025-03-04T13:00:00+00:00"),
              message(4, "2025-03-04T10:00:00+00:00", next_try=now),
              message(5, "2025-03-04T10:04:00+00:00")]
    store.enqueue_messages(queued)
    due = sorted((m for m in queued if m.next_try <= now), key=lambda m: (m.created_at, m.id))

    first = store.claim_messages("w1", now, later, 2)
    assert first == [dataclasses.replace(m, lease_until=later, claimed_by="w1") for m in due[:2]]
    assert store.outbox_status().last_drain_at == now
    second = store.claim_messages("w2", now, later, 10)  # the leased ones are not given again
    assert second == [dataclasses.replace(m, lease_until=later, claimed_by="w2") for m in due[2:]]
    assert store.claim_messages("w3", now, later, 10) == []
    assert store.claim_messages("w3", "2025-03-04T12:04:59+00:00", later, 10) == []
    # a lease that ran out (it ends now): another worker may take the message
    after = later
    retaken = store.claim_messages("w3", after, "2025-03-04T12:10:00+00:00", 1)
    assert retaken == [dataclasses.replace(due[0], lease_until="2025-03-04T12:10:00+00:00",
                                           claimed_by="w3")]
    assert store.outbox_status() == OutboxStatus(pending=len(queued), last_drain_at=after)


@covers("finish_message", "list_messages", "outbox_status")
def test_finish_message__sent_failed_or_dead_only_by_its_worker(store: Store) -> None:
    now, lease = "2025-03-04T12:00:00+00:00", "2025-03-04T12:05:00+00:00"
    queued = [message(n, f"2025-03-04T10:0{n}:00+00:00") for n in (1, 2, 3)]
    store.enqueue_messages(queued)
    store.claim_messages("w1", now, lease, 3)
    assert store.finish_message("msg-001", "w2", now=now) is False  # not its worker
    assert store.finish_message("msg-404", "w1", now=now) is False

    sent_at = "2025-03-04T12:01:00+00:00"
    assert store.finish_message("msg-001", "w1", now=sent_at) is True
    assert store.finish_message("msg-001", "w1", now=sent_at) is False  # finished already
    retry_at = "2025-03-04T12:30:00+00:00"
    failed_at = "2025-03-04T12:02:00+00:00"
    assert store.finish_message("msg-002", "w1", now=failed_at, error="421 busy", next_try=retry_at) is True
    dead_at = "2025-03-04T12:03:00+00:00"
    assert store.finish_message("msg-003", "w1", now=dead_at, error="550 no such user", dead=True) is True

    failed = dataclasses.replace(queued[1], attempts=1, last_error="421 busy", next_try=retry_at)
    dead = dataclasses.replace(queued[2], attempts=1, last_error="550 no such user", status="dead")
    assert store.list_messages() == [dead, failed]
    assert store.list_messages(("pending",)) == [failed]
    sent = store.list_messages(("sent",))
    # the folder store keeps a sent message without its body: the body is not compared
    assert [dataclasses.replace(m, body="") for m in sent] == [
        dataclasses.replace(queued[0], body="", status="sent", sent_at=sent_at, attempts=1)]
    assert store.outbox_status() == OutboxStatus(pending=1, dead=1, last_sent_at=sent_at,
                                                 last_error="550 no such user", last_error_at=dead_at,
                                                 last_drain_at=now)
    assert store.claim_messages("w1", now, lease, 10) == []  # failed: not before its next try
    # an error that is not a try (waiting for the public address) is shown but not counted
    assert store.claim_messages("w1", retry_at, "2025-03-04T12:35:00+00:00", 10)[0].id == "msg-002"
    assert store.finish_message("msg-002", "w1", now=retry_at, error="waits", next_try=retry_at,
                                counted=False) is True
    assert [(m.attempts, m.last_error) for m in store.list_messages(("pending",))] == [(1, "waits")]
    assert [m.id for m in store.claim_messages("w1", retry_at, "2025-03-04T12:35:00+00:00", 10)] == [
        "msg-002"]


@covers("retry_message", "outbox_status")
def test_retry_message__a_dead_message_is_pending_again_from_now(store: Store) -> None:
    now, lease = "2025-03-04T12:00:00+00:00", "2025-03-04T12:05:00+00:00"
    queued = [message(1, "2025-03-04T10:01:00+00:00"), message(2, "2025-03-04T10:02:00+00:00")]
    store.enqueue_messages(queued)
    store.claim_messages("w1", now, lease, 2)
    store.finish_message("msg-001", "w1", now=now, error="550", dead=True)
    store.finish_message("msg-002", "w1", now=now)
    assert store.outbox_status().dead == 1

    later = "2025-03-05T09:00:00+00:00"
    assert store.retry_message("msg-001", later) is True
    assert store.list_messages(("pending", "dead")) == [dataclasses.replace(
        queued[0], status="pending", attempts=0, next_try=later, last_error="550")]
    assert store.outbox_status().dead == 0 and store.outbox_status().pending == 1
    assert store.retry_message("msg-002", later) is False  # sent: nothing to retry
    assert store.retry_message("msg-404", later) is False
    assert store.claim_messages("w2", "2025-03-05T08:59:59+00:00", later, 5) == []
    assert [m.id for m in store.claim_messages("w2", later, "2025-03-05T09:05:00+00:00", 5)] == ["msg-001"]


@covers("claim_once")
def test_claim_once__true_for_the_first_caller_of_each_value(store: Store) -> None:
    assert store.claim_once("digest", "2025-03-04") is True
    assert store.claim_once("digest", "2025-03-04") is False
    assert store.claim_once("reminder", "2025-03-04") is True  # names are apart
    assert store.claim_once("digest", "2025-03-05") is True
    assert store.claim_once("digest", "2025-03-05") is False
    results: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        got = store.claim_once("digest", "2025-03-06")
        with lock:
            results.append(got)

    workers = [threading.Thread(target=claim) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(results) == [False, False, False, True]


# -- customers' voice -------------------------------------------------------------------------


def _voice(n: int, *, location: str = "loc-a", day: str = "2025-03-04", device: str = "",
           text: str = "") -> VoiceResponse:
    return VoiceResponse(id=f"{day.replace('-', '')}-c{n:04d}", location_id=location, template_id="mini",
                         template_version=1, day=day, at=f"{day}T10:{n % 60:02d}:00+00:00",
                         ratings=(Rating("entrance", 4, 2), Rating("waiting", 3, 5)),
                         level="as_expected", text=text, device=device)


@covers("add_voice_response", "list_voice_responses")
def test_contract__voice_response__once_per_device_per_location_per_day(store: Store) -> None:
    made = [_voice(1, device="p1", text="<b>x</b> 🙂"), _voice(2, device="p1"),
            _voice(3, device="p1", location="loc-b"), _voice(4, device="p1", day="2025-03-05"),
            _voice(5), _voice(6), _voice(5, text="same id")]
    taken = [store.add_voice_response(r) for r in made]
    assert taken == [True, False, True, True, True, True, False]
    assert sorted(store.list_voice_responses(), key=lambda r: r.id) == sorted(
        (r for r, ok in zip(made, taken, strict=True) if ok), key=lambda r: r.id)


@covers("import_voice_responses", "list_voice_responses")
def test_contract__voice_import_and_filters(store: Store) -> None:
    made = [_voice(n, location=("loc-a", "loc-b")[n % 2], day=f"2025-0{1 + n % 4}-1{n % 3}")
            for n in range(24)]
    assert store.import_voice_responses(made[:10]) == 10
    assert store.import_voice_responses(made) == 14
    for flt in (VoiceFilter(), VoiceFilter(location_ids=("loc-b",)),
                VoiceFilter(first_month="2025-02", last_month="2025-03"),
                VoiceFilter(location_ids=("loc-a", "nowhere"), last_month="2025-01")):
        want = sorted((r for r in made if flt.matches(r)), key=lambda r: (r.at, r.id))
        assert store.list_voice_responses(flt) == want


@covers("set_voice_text_approved")
def test_contract__voice_text_approval(store: Store) -> None:
    r = _voice(1, text="Спасибо")
    store.add_voice_response(r)
    assert store.set_voice_text_approved("loc-a", r.id, True) is True
    assert store.list_voice_responses() == [dataclasses.replace(r, text_approved=True)]
    assert store.set_voice_text_approved("loc-b", r.id, False) is False
    assert store.set_voice_text_approved("loc-a", "20250304-none", True) is False
    assert store.list_voice_responses()[0].text_approved is True
# -- integrations: API tokens, webhook endpoints and deliveries, rows by last change -----------


@covers("put_token", "list_tokens", "token_by_hash", "update_token")
def test_tokens__kept_by_id_found_by_hash_changed_in_place(store: Store) -> None:
    first = ApiToken(id="tok_1", name="BI", scope="read", token_hash="a" * 64,
                     regions=("Москва",), created_at=T1, created_by="boss")
    second = ApiToken(id="tok_2", name="CRM", scope="write", token_hash="b" * 64,
                      locations=("loc-b",), created_at=T2, created_by="boss")
    store.put_token(second)
    store.put_token(first)
    assert store.list_tokens() == [first, second]
    assert store.token_by_hash("b" * 64) == second
    assert store.token_by_hash("c" * 64) is None
    gone = store.update_token("tok_1", lambda t: dataclasses.replace(t, revoked_at=T2, revoked_by="boss"))
    assert gone == dataclasses.replace(first, revoked_at=T2, revoked_by="boss")
    assert store.token_by_hash("a" * 64) == gone
    assert store.update_token("tok_404", lambda t: t) is None
    with pytest.raises(ZeroDivisionError):  # a change that fails writes nothing
        store.update_token("tok_2", lambda t: 1 // 0)  # type: ignore[arg-type, return-value]
    assert store.list_tokens() == [gone, second]


def _delivery(n: int, endpoint: str, at: str) -> Delivery:
    return Delivery(id=f"dlv-{n:03d}", endpoint_id=endpoint, event="audit.submitted",
                    payload={"n": n, "audit": {"id": f"a{n}"}}, created_at=at)


@covers("put_endpoint", "list_endpoints")
def test_endpoints__kept_and_replaced_by_id(store: Store) -> None:
    one = Endpoint(id="ep-1", url="https://bi.example.test/hook", events=("audit.submitted",),
                   secret="whsec_" + "A" * 32, created_at=T1, created_by="boss")
    two = Endpoint(id="ep-2", url="https://crm.example.test/in", events=("action.created",),
                   secret="whsec_" + "B" * 32, regions=("СПб",), created_at=T2, created_by="boss")
    store.put_endpoint(two)
    store.put_endpoint(one)
    assert store.list_endpoints() == [one, two]
    store.put_endpoint(dataclasses.replace(one, disabled=True))
    assert store.list_endpoints() == [dataclasses.replace(one, disabled=True), two]


@covers("enqueue_deliveries", "claim_deliveries", "finish_delivery", "list_deliveries",
        "retry_delivery")
def test_deliveries__each_endpoint_hears_in_order_one_at_a_time(store: Store) -> None:
    queued = [_delivery(1, "ep-1", T1), _delivery(2, "ep-2", T1), _delivery(3, "ep-1", T2),
              _delivery(4, "ep-1", T2)]
    assert store.enqueue_deliveries(queued) == 4
    assert store.enqueue_deliveries([_delivery(1, "ep-1", T1)]) == 0  # an id already there
    lease = "2025-03-04T12:05:00+00:00"
    now = "2025-03-04T12:00:00+00:00"
    got = store.claim_deliveries("w1", now, lease, 10)
    assert [d.id for d in got] == ["dlv-001", "dlv-002"]  # the head of each endpoint's line
    assert got[0].payload == {"n": 1, "audit": {"id": "a1"}} and got[0].seq < got[1].seq
    assert store.claim_deliveries("w2", now, lease, 10) == []  # leased, and the rest wait behind
    assert store.finish_delivery("dlv-001", "w2", now=now) is False  # not w2's
    retry_at = "2025-03-04T12:01:00+00:00"
    assert store.finish_delivery("dlv-001", "w1", now=now, error="503 from the receiver",
                                 next_try=retry_at) is True
    assert store.finish_delivery("dlv-002", "w1", now=now) is True
    assert store.claim_deliveries("w2", now, lease, 10) == []  # dlv-001 waits; 3 and 4 behind it
    again = store.claim_deliveries("w2", retry_at, lease, 10)
    assert [(d.id, d.attempts, d.last_error) for d in again] == [("dlv-001", 1, "503 from the receiver")]
    assert store.finish_delivery("dlv-001", "w2", now=retry_at, error="gone", next_try=lease,
                                 dead=True) is True
    assert [d.id for d in store.claim_deliveries("w3", retry_at, lease, 10)] == ["dlv-003"]
    waiting = {d.id: d for d in store.list_deliveries(("pending", "dead"))}
    assert waiting["dlv-001"].status == "dead" and waiting["dlv-001"].attempts == 2
    assert set(waiting) == {"dlv-001", "dlv-003", "dlv-004"}
    sent = store.list_deliveries(("sent",))
    assert [(d.id, d.status, d.sent_at, d.attempts) for d in sent] == [("dlv-002", "sent", now, 1)]
    assert store.retry_delivery("dlv-001", lease) is True
    assert store.retry_delivery("dlv-404", lease) is False
    back = {d.id: d for d in store.list_deliveries(("pending",))}["dlv-001"]
    assert (back.status, back.attempts, back.next_try) == ("pending", 0, lease)


@covers("changed_summaries")
def test_changed_summaries__oldest_change_first_after_the_cursor(store: Store) -> None:
    network(store)
    store.put_user(BOSS)
    rows = {n: submitted(store, SAM if n < 3 else SUE, f"audit-chg-{n}", T1,
                         location="loc-a" if n < 3 else "loc-b") for n in range(1, 5)}
    got = store.changed_summaries(AuditFilter(status="submitted"), None, 10)
    assert sorted(r.audit_id for _, r in got) == sorted(r.audit_id for r in rows.values())
    stamps = [c for c, _ in got]
    assert stamps == sorted(stamps) and all(r.changed_at == c for c, r in got)
    assert {r.audit_id: r for _, r in got} == {r.audit_id: r for r in rows.values()}
    first_two = store.changed_summaries(AuditFilter(status="submitted"), None, 2)
    rest = store.changed_summaries(AuditFilter(status="submitted"),
                                   (first_two[-1][0], first_two[-1][1].audit_id), 10)
    assert [r.audit_id for _, r in first_two + rest] == [r.audit_id for _, r in got]
    only_b = store.changed_summaries(AuditFilter(location_ids=("loc-b",)), None, 10)
    assert {r.audit_id for _, r in only_b} == {"audit-chg-3", "audit-chg-4"}
    # a change moves the row to the end, and its old place is not listed again
    audits.publish(store, BOSS, "audit-chg-1")
    after = store.changed_summaries(AuditFilter(status="submitted"), None, 10)
    assert [r.audit_id for _, r in after][-1] == "audit-chg-1"
    assert len(after) == 4 and after[-1][1].published


# -- the contract covers the whole protocol ----------------------------------------------------


def test_contract__covers_every_protocol_method(store: Store) -> None:
    members = protocol_members(Store, ActionStore, IntegrationStore)
    missing = members - set(COVERED)
    unknown = set(COVERED) - members
    assert not missing, f"protocol members without a contract test: {sorted(missing)}"
    assert not unknown, f"contract tests for what the protocol does not have: {sorted(unknown)}"
    here = globals()

    def source(test: str) -> str:
        """The test's code and that of the module's helpers it calls (`_check_...(store, ...)`)."""
        text = inspect.getsource(here[test])
        helpers = {h for h in re.findall(r"\b(_\w+)\(store\b", text) if inspect.isfunction(here.get(h))}
        return "\n".join([text, *(inspect.getsource(here[h]) for h in sorted(helpers))])

    for name, tests in sorted(COVERED.items()):
        for test in tests:
            assert re.search(rf"\bstore\.{name}\b", source(test)), f"{test} claims {name} but never calls it"
    for name in members:  # and the store under test has each of them
        assert hasattr(store, name), name
