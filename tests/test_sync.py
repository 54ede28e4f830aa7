"""A phone's batches on both store backends: once per change, the later change wins, access as today."""

from __future__ import annotations

import hashlib

import pytest

from audit import workflow
from audit.audits import capture as audits
from audit.audits import evidence, sync
from audit.core import limits
from audit.core.errors import AuditLocked, NotFound
from audit.model import User
from audit.people import accounts
from audit.store import Store
from tests.conftest import answer_mini, photograph
from tests.e2e.photos import phone_jpeg

CLIENT = "phone-aaaa-1111"
OTHER = "phone-bbbb-2222"


def batch(*changes: dict[str, object], audit: str,
          client: str = CLIENT) -> tuple[str, str, list[sync.Change]]:
    return sync.parse_batch({"audit": audit, "client": client, "changes": list(changes)})


def ch(seq: int, kind: str, key: str, at: str, **extra: object) -> dict[str, object]:
    return {"seq": seq, "kind": kind, "key": key, "at": at, **extra}


def apply(store: Store, user: User, *changes: dict[str, object], audit: str,
          client: str = CLIENT) -> sync.SyncResult:
    audit_id, client_id, parsed = batch(*changes, audit=audit, client=client)
    return sync.apply_batch(store, user, audit_id, client_id, parsed)


@pytest.fixture
def draft(store: Store, network: dict[str, User]) -> str:
    return audits.start_audit(store, network["shopper"], location_id="loc-a", template_id="mini",
                              mode="mystery", lang="ru").id


T1, T2, T3 = "2026-05-01T10:00:00.000Z", "2026-05-01T10:00:05.000Z", "2026-05-01T10:00:09.000Z"


def test_batch__every_kind_applied_in_one_write(store: Store, network: dict[str, User], draft: str) -> None:
    sam = network["shopper"]
    result = apply(store, sam,
                   ch(1, "answer", "entrance.dry", T1, value=False),
                   ch(2, "comment", "entrance.dry", T1, value="лужа <b>у входа</b> 🙂"),
                   ch(3, "answer", "waiting.comforts", T1, na=True),
                   ch(4, "answer", "waiting.wait", T1, value={"start": T1}),
                   ch(5, "answer", "waiting.wait", T2, value={"start": T1, "end": T2}),
                   ch(6, "section", "waiting", T2), audit=draft)
    assert result.applied == (1, 2, 3, 4, 5, 6) and not result.refused
    a = store.get_audit(draft)
    assert a is not None
    assert a.answers["entrance.dry"].value is False
    assert a.answers["entrance.dry"].comment == "лужа <b>у входа</b> 🙂"
    assert a.answers["waiting.comforts"].na
    assert set(a.answers["waiting.wait"].value) == {"start", "end"}
    assert a.header.section == "waiting"
    assert result.answers["entrance.dry"].value is False  # the phone learns what is stored


def test_same_change_twice__applied_once(store: Store, network: dict[str, User], draft: str) -> None:
    sam = network["shopper"]
    first = apply(store, sam, ch(1, "answer", "entrance.clean", T1, value=4), audit=draft)
    # another device changes it later; then the first phone's lost acknowledgement makes it resend
    apply(store, sam, ch(1, "answer", "entrance.clean", T2, value=2), audit=draft, client=OTHER)
    again = apply(store, sam, ch(1, "answer", "entrance.clean", T1, value=4), audit=draft)
    assert first.applied == (1,) and again.applied == () and again.duplicates == (1,)
    a = store.get_audit(draft)
    assert a is not None and a.answers["entrance.clean"].value == 2


def test_out_of_order__the_later_by_phone_time_wins(store: Store, network: dict[str, User],
                                                   draft: str) -> None:
    sam = network["shopper"]
    apply(store, sam, ch(2, "answer", "entrance.dry", T2, value=True), audit=draft)
    late = apply(store, sam, ch(1, "answer", "entrance.dry", T1, value=False), audit=draft)
    assert late.applied == (1,)  # acknowledged, so the phone stops sending it
    a = store.get_audit(draft)
    assert a is not None and a.answers["entrance.dry"].value is True
    # the gap is closed: both are known, neither applies again
    again = apply(store, sam, ch(1, "answer", "entrance.dry", T1, value=False),
                  ch(2, "answer", "entrance.dry", T2, value=True), audit=draft)
    assert again.duplicates == (1, 2)


def test_two_devices__fields_of_one_item_kept_apart(store: Store, network: dict[str, User],
                                                   draft: str) -> None:
    sam = network["shopper"]
    apply(store, sam, ch(1, "comment", "entrance.clean", T3, value="видно пыль"), audit=draft,
          client=OTHER)
    apply(store, sam, ch(1, "answer", "entrance.clean", T1, value=3), audit=draft)
    a = store.get_audit(draft)
    assert a is not None
    assert (a.answers["entrance.clean"].value, a.answers["entrance.clean"].comment) == (3, "видно пыль")


def test_photo_removed_before_its_late_upload__stays_removed(store: Store, network: dict[str, User],
                                                            draft: str) -> None:
    sam, data = network["shopper"], phone_jpeg(seed=7, size=(160, 120))
    sha = hashlib.sha256(data).hexdigest()  # what the phone names before the upload arrives
    removed = apply(store, sam, ch(2, "remove_photo", "entrance.dry", T2, value=sha), audit=draft)
    assert removed.applied == (2,) and not removed.refused
    late = evidence.add_photo(store, sam, draft, "entrance.dry", data, client=CLIENT, seq=1, at=T1)
    assert late.ref.sha256 == sha and late.ref.upload.startswith("up_")
    a = store.get_audit(draft)
    assert a is not None and a.answers["entrance.dry"].photos == ()


@pytest.mark.parametrize(("change", "code"), [
    (ch(1, "answer", "entrance.clean", T1, value=9), "out_of_range"),
    (ch(1, "answer", "entrance.dry", T1, value="maybe"), "not_yes_no"),
    (ch(1, "answer", "entrance.dry", T1, na=True), "na_not_allowed"),
    (ch(1, "answer", "nowhere.none", T1, value=True), "unknown_item"),
    (ch(1, "comment", "entrance.dry", T1, value="x" * (limits.COMMENT_MAX_CHARS + 1)), "too_long"),
    (ch(1, "section", "attic", T1), "unknown_section"),
])
def test_bad_change__refused_with_its_reason__the_rest_kept(store: Store, network: dict[str, User],
                                                           draft: str, change: dict[str, object],
                                                           code: str) -> None:
    sam = network["shopper"]
    apply(store, sam, ch(9, "answer", "entrance.door", T1, value="open"), audit=draft)
    result = apply(store, sam, change, ch(10, "answer", "entrance.dry", T1, value=True), audit=draft)
    assert [r.code for r in result.refused] == [code]
    assert result.applied == (10,)
    a = store.get_audit(draft)
    assert a is not None and a.answers["entrance.door"].value == "open"
    assert a.answers["entrance.dry"].value is True


def test_typo_text__server_finds_the_suspects(store: Store, network: dict[str, User], draft: str) -> None:
    sam = network["shopper"]
    result = apply(store, sam, ch(1, "answer", "office.site", T1,
                                  value={"text": "Звонитте нам every day exept Sunday",
                                         "typos": ["exept", "nam"]}),
                   audit=draft)
    value = result.answers["office.site"].value
    assert set(value["flagged"]) == {"Звонитте", "exept"} and value["typos"] == ["exept"]


def test_typo_text__a_check_that_could_not_run__says_so_to_the_phone(
        store: Store, network: dict[str, User], draft: str) -> None:
    from audit.typos import check as typos
    from audit.ui.walk import component

    if typos._worker_count() == 0:
        pytest.fail("typo workers are switched off (AUDIT_TYPO_WORKERS=0)")
    typos.check_typos("Мы всегда радв помочь.")  # a worker is up
    pool = typos._pool(typos._worker_count())
    worker = pool.idle.get(timeout=10)
    worker.process.kill()  # the check's worker dies: the server checks what it can, and says so
    worker.process.wait(timeout=10)
    pool.idle.put(worker)
    result = apply(store, network["shopper"], ch(1, "answer", "office.site", T1,
                                                 value={"text": "Мы всегда радв помочь."}),
                   audit=draft)
    value = result.answers["office.site"].value
    assert value["checked"] == "unavailable" and value["flagged"] == []
    audit = store.get_audit(draft)
    assert audit is not None
    data = component.walk_data(audit, audits.checklist_for(store, audit.header), lang="ru",
                               user="sam", csrf="c" * 32, ticket=None, view="", focus=None,
                               location=None, photos=store.photo_files())
    assert data["answers"]["office.site"]["value"]["checked"] == "unavailable"
    assert data["texts"]["typos_unavailable"].startswith("Проверка опечаток не сработала")
    again = apply(store, network["shopper"], ch(2, "answer", "office.site", T2,
                                                value={"text": "Мы всегда радв помочь!",
                                                       "checked": "made-up"}),
                  audit=draft)
    assert "checked" not in again.answers["office.site"].value  # the phone cannot say it


@pytest.mark.parametrize("who", ["other_shopper", "manager", "forged", "signed_out"])
def test_not_theirs__reads_as_not_found(store: Store, network: dict[str, User], draft: str,
                                        who: str) -> None:
    sam = network["shopper"]
    audit_id = "no-such-audit-1" if who == "forged" else draft
    actor = {"other_shopper": network["shopper2"], "manager": network["manager"],
             "forged": sam, "signed_out": sam}[who]
    if who == "signed_out":
        token = accounts.start_session(store, sam)
        accounts.end_session(store, token)
        assert accounts.session_user(store, token) is None  # the route refuses before applying
        return
    with pytest.raises(NotFound):
        apply(store, actor, ch(1, "answer", "entrance.dry", T1, value=True), audit=audit_id)
    a = store.get_audit(draft)
    assert a is not None and "entrance.dry" not in a.answers


def test_submitted__refused_as_locked(store: Store, network: dict[str, User], draft: str) -> None:
    sam = network["shopper"]
    answer_mini(store, sam, draft)
    photograph(store, sam, draft, "office.facade")
    workflow.submit(store, sam, draft)
    with pytest.raises(AuditLocked):
        apply(store, sam, ch(1, "answer", "entrance.dry", T1, value=False), audit=draft)
    a = store.get_audit(draft)
    assert a is not None and a.answers["entrance.dry"].value is True


@pytest.mark.parametrize(("payload", "word"), [
    ([], "not an object"),
    ({"audit": "x" * 10, "client": "short", "changes": []}, "client"),
    ({"audit": "x" * 10, "client": CLIENT, "changes": [{"seq": 0, "kind": "answer"}]}, "sequence"),
    ({"audit": "x" * 10, "client": CLIENT, "changes": [ch(1, "explode", "a.b", T1)]}, "kind"),
    ({"audit": "x" * 10, "client": CLIENT, "changes": [ch(1, "answer", "a.b", "yesterday")]}, "time"),
    ({"audit": "x" * 10, "client": CLIENT, "changes": [ch(i, "answer", "a.b", T1) for i in range(1, 502)]},
     "at most"),
])
def test_unreadable_batch__refused_whole(payload: object, word: str) -> None:
    with pytest.raises(sync.SyncError, match=word):
        sync.parse_batch(payload)


def test_snapshot__digest_changes_with_the_answers(store: Store, network: dict[str, User],
                                                  draft: str) -> None:
    sam = network["shopper"]
    a = store.get_audit(draft)
    assert a is not None
    _, before = sync.snapshot(a.answers)
    apply(store, sam, ch(1, "answer", "entrance.dry", T1, value=True), audit=draft)
    a = store.get_audit(draft)
    assert a is not None
    shown, after = sync.snapshot(a.answers)
    assert before != after and shown["entrance.dry"]["value"] is True


def test_section_na__one_change_with_its_reason__refused_without_one__put_back(
        store: Store, network: dict[str, User]) -> None:
    from audit.checklist.templates import add_template
    from tests.test_conditions import COND_YAML

    add_template(store, COND_YAML, by="test")
    sam = network["shopper"]
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="cond",
                                  mode="mystery", lang="ru").id
    audits.answer(store, sam, audit_id, "restroom.clean", value=True)  # kept under the N/A
    result = apply(store, sam,
                   ch(1, "answer", "restroom", T1, na=True, value="  "),  # no reason
                   ch(2, "answer", "talk", T1, na=True, value="no talk"),  # may not be N/A
                   ch(3, "comment", "restroom", T1, value="x"),  # only the N/A itself
                   ch(4, "answer", "restroom", T2, na=True, value="Нет туалета"), audit=audit_id)
    assert result.applied == (4,)  # the others are refused, each with its reason
    assert [(r.seq, r.code) for r in result.refused] == [
        (1, "na_reason_needed"), (2, "section_na_not_allowed"), (3, "unknown_item")]
    a = store.get_audit(audit_id)
    assert a is not None
    assert (a.answers["restroom"].na, a.answers["restroom"].comment) == (True, "Нет туалета")
    assert a.answers["restroom.clean"].value is True
    apply(store, sam, ch(5, "answer", "restroom", T3, na=False, value=""), audit=audit_id)
    a = store.get_audit(audit_id)
    assert a is not None and not a.answers["restroom"].na and a.answers["restroom"].comment == ""
