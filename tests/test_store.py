"""The embedded store against real files: round trips, locking, crashes, unwritable folders."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from audit import workflow
from audit.audits import capture as audits
from audit.checklist.templates import add_template
from audit.core import limits
from audit.core.errors import AuditLocked, NotFound, StoreError, StoreUnavailable
from audit.model import Answer, Location, User
from audit.people import accounts
from audit.scoring.score import AnswerError
from audit.store import AuditFilter, Store
from audit.store.folder.backend import TinyStore
from tests.conftest import MINI_YAML, answer_mini, photograph, populate

ROOT = Path(__file__).resolve().parent.parent


def start(store: Store, who: User, location: str = "loc-a", mode: str = "mystery") -> str:
    return audits.start_audit(store, who, location_id=location, template_id="mini", mode=mode,
                              lang="ru").id


def test_locations_and_users__round_trip(store: Store, network: dict[str, User]) -> None:
    assert [loc.id for loc in store.list_locations()] == ["loc-a", "loc-b"]
    store.put_location(Location(id="loc-a", name="Арбат <b>1</b>", region="Москва"))
    assert store.get_location("loc-a").name == "Арбат <b>1</b>"  # type: ignore[union-attr]
    assert store.get_user("sam").locations == ("loc-a",)  # type: ignore[union-attr]
    assert store.user_count() == 5


def test_every_file_is_readable_utf8_json(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    people = populate(store)
    audit_id = start(store, people["shopper"])
    answer_mini(store, people["shopper"], audit_id)
    photograph(store, people["shopper"], audit_id, "office.facade")
    workflow.submit(store, people["shopper"], audit_id)
    accounts.start_session(store, people["shopper"])
    files = list(store.root.rglob("*.json"))
    assert {p.relative_to(store.root).parts[0] for p in files} >= {
        "store.json", "locations.json", "people.json", "templates.json", "sessions", "audits",
        "rows", "index", "rollups"}
    for path in files:
        json.loads(path.read_text(encoding="utf-8"))
    raw = (store.root / "locations.json").read_text(encoding="utf-8")
    assert "Арбат" in raw  # ensure_ascii=False keeps Cyrillic readable


def test_audit_file__is_still_a_tinydb_database(tmp_path: Path) -> None:
    from tinydb import TinyDB

    from audit.store.folder.tx import AtomicJSONStorage

    store = TinyStore(tmp_path / "data")
    people = populate(store)
    audit_id = start(store, people["shopper"])
    audits.answer(store, people["shopper"], audit_id, "entrance.clean", value=4)
    db = TinyDB(tmp_path / "data" / "audits" / f"{audit_id}.json", storage=AtomicJSONStorage)
    assert [a["value"] for a in db.table("answers").all()] == [4]
    assert db.table("header").get(doc_id=1)["id"] == audit_id  # type: ignore[index]
    db.table("answers").insert({"key": "entrance.dry", "value": True})  # TinyDB's own write
    a = store.get_audit(audit_id)
    assert a is not None and a.answers["entrance.dry"].value is True


def test_answer__records_who_and_when(store: Store, network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = start(store, sam)
    audits.answer(store, sam, audit_id, "entrance.dry", value=True, now="2026-05-01T10:00:00")
    audits.answer(store, sam, audit_id, "entrance.dry", comment="лужа <b>", now="2026-05-01T10:01:00")
    a = store.get_audit(audit_id)
    assert a is not None
    ans = a.answers["entrance.dry"]
    assert (ans.value, ans.comment, ans.by, ans.at) == (True, "лужа <b>", "sam", "2026-05-01T10:01:00")


def test_answer__bad_value_refused_and_saved_answer_kept(store: Store,
                                                         network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = start(store, sam)
    audits.answer(store, sam, audit_id, "entrance.clean", value=4)
    with pytest.raises(AnswerError):
        audits.answer(store, sam, audit_id, "entrance.clean", value=9)
    a = store.get_audit(audit_id)
    assert a is not None and a.answers["entrance.clean"].value == 4


def test_submitted_audit__is_read_only_until_hq_reopens(store: Store,
                                                        network: dict[str, User]) -> None:
    sam, boss = network["shopper"], network["hq"]
    audit_id = start(store, sam)
    answer_mini(store, sam, audit_id)
    with pytest.raises(audits.SubmitRefused) as refused:
        workflow.submit(store, sam, audit_id)
    assert refused.value.missing == [("office.facade", "photo")]
    photograph(store, sam, audit_id, "office.facade")
    row = workflow.submit(store, sam, audit_id)
    assert row.status == "submitted" and row.overall is not None
    assert store.get_summary(audit_id) == row

    with pytest.raises(AuditLocked):
        audits.answer(store, sam, audit_id, "entrance.dry", value=False)
    with pytest.raises(AuditLocked):  # even the store itself refuses
        store.save_answer(audit_id, "entrance.dry", lambda a: Answer(key="entrance.dry", value=False))
    a = store.get_audit(audit_id)
    assert a is not None and a.answers["entrance.dry"].value is True

    with pytest.raises(NotFound):
        audits.reopen(store, sam, audit_id, "typo")  # a shopper cannot reopen
    audits.reopen(store, boss, audit_id, "wrong branch photo", now="2026-05-02T09:00:00")
    header = store.get_header(audit_id)
    assert header is not None and header.status == "draft"
    assert header.events[-1] == {"type": "reopened", "by": "boss", "at": "2026-05-02T09:00:00",
                                 "reason": "wrong branch photo"}
    audits.answer(store, sam, audit_id, "entrance.dry", value=False)


def test_template_version__kept_by_started_audits(store: Store, network: dict[str, User]) -> None:
    from audit.checklist.templates import get_checklist

    sam = network["shopper"]
    audit_id = start(store, sam)
    newer = add_template(store, MINI_YAML.replace("Mini check", "Mini check 2"), by="boss")
    assert newer.version == 2
    header = store.get_header(audit_id)
    assert header is not None and header.template_version == 1
    assert get_checklist(store, "mini").title.en == "Mini check 2"
    assert get_checklist(store, "mini", 1).title.en == "Mini check"


def test_list_summaries__filters(store: Store, network: dict[str, User]) -> None:
    a = start(store, network["shopper"])
    b = start(store, network["manager"], mode="self")
    assert {r.audit_id for r in store.list_summaries()} == {a, b}
    assert [r.audit_id for r in store.list_summaries(AuditFilter(mode="self"))] == [b]
    assert [r.audit_id for r in store.list_summaries(AuditFilter(auditor="sam"))] == [a]
    assert store.list_summaries(AuditFilter(region="СПб")) == []


def test_delete_draft__removes_file_and_row(store: Store, network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = start(store, sam)
    audits.delete_draft(store, sam, audit_id)
    assert store.get_audit(audit_id) is None and store.get_summary(audit_id) is None


def test_crafted_audit_id__is_not_found(store: Store) -> None:
    assert store.get_audit("../index") is None
    assert store.get_audit("") is None


def test_threads__8_writers_200_answers_each_lose_nothing(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    store.put_location(Location(id="loc-a", name="A", region="R"))
    add_template(store, MINI_YAML, by="t")
    people = [User(name=f"u{i}", role="shopper", locations=("loc-a",)) for i in range(8)]
    for p in people:
        store.put_user(p)
    shared = audits.start_audit(store, people[0], location_id="loc-a", template_id="mini",
                                mode="mystery", lang="en").id
    own = [audits.start_audit(store, p, location_id="loc-a", template_id="mini", mode="mystery",
                              lang="en").id for p in people]
    keys = ["entrance.dry", "entrance.clean", "entrance.door", "waiting.comforts",
            "waiting.wait", "office.guard", "office.notes", "office.site"]
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            for n in range(200):
                # shared audit: each thread owns one item's comment, so every write must survive
                store.save_answer(shared, keys[i], lambda a, n=n: Answer(
                    key=keys[i], comment=f"{i}:{n}", photos=(a.photos if a else ()) + (str(n),)))
                audits.answer(store, people[i], own[i], "office.notes", value=f"note {n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    a = store.get_audit(shared)
    assert a is not None
    for i in range(8):
        ans = a.answers[keys[i]]
        assert ans.comment == f"{i}:199"
        assert ans.photos == tuple(str(n) for n in range(200))  # no read-modify-write was lost
    for i in range(8):
        b = store.get_audit(own[i])
        assert b is not None and b.answers["office.notes"].value == "note 199"
    for f in (tmp_path / "data" / "audits").iterdir():
        json.loads(f.read_text(encoding="utf-8"))
    assert not [p for p in (tmp_path / "data").rglob("*.tmp") if p.is_file()]


WRITER = """
import sys
from audit.model import Answer
from audit.store.folder.backend import TinyStore
from audit.checklist.templates import add_template
from tests.conftest import MINI_YAML, answer_mini, populate
store = TinyStore(sys.argv[1])
audit_id, start = sys.argv[2], int(sys.argv[3])
n = start
while True:
    key = "office.notes" if n % 2 else "entrance.clean"
    store.save_answer(audit_id, f"k{n}", lambda a, n=n: Answer(key=f"k{n}", value=n, comment="ж" * 300))
    print(n, flush=True)
    n += 1
"""


def _tiny_with_draft(tmp_path: Path) -> tuple[TinyStore, User, str]:
    """A TinyDB store with one location, the mini checklist, a shopper and their draft."""
    store = TinyStore(tmp_path / "data")
    store.put_location(Location(id="loc-a", name="A", region="R"))
    add_template(store, MINI_YAML, by="t")
    sam = User(name="sam", role="shopper", locations=("loc-a",))
    store.put_user(sam)
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    return store, sam, audit_id


def test_sigkill_mid_write__every_reported_answer_survives(tmp_path: Path) -> None:
    _, _, audit_id = _tiny_with_draft(tmp_path)
    reported: list[int] = []
    next_n = 0
    for round_ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / "data"), audit_id, str(next_n)],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.stdout is not None
        # let it report a varying number of saves, then kill it wherever it is
        for _ in range(20 + 17 * round_):
            line = proc.stdout.readline()
            assert line, "writer died on its own"
            reported.append(int(line))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        next_n = reported[-1] + 1
        data = json.loads((tmp_path / "data" / "audits" / f"{audit_id}.json").read_text("utf-8"))
        saved = {row["value"] for row in data["answers"].values()}
        assert set(reported) <= saved
        # the killed process may have saved one more that it did not live to report
        next_n = max(saved) + 1
    fresh = TinyStore(tmp_path / "data").get_audit(audit_id)
    assert fresh is not None and len(fresh.answers) >= len(reported)


def test_unwritable_data_folder__clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StoreUnavailable) as info:
        TinyStore(blocker / "data")
    msg = str(info.value)
    assert str(blocker / "data") in msg and "AUDIT_DATA_DIR" in msg


def test_write_failure__clear_error_and_saved_answers_kept(tmp_path: Path) -> None:
    store, sam, audit_id = _tiny_with_draft(tmp_path)
    audits.answer(store, sam, audit_id, "entrance.clean", value=3)
    path = tmp_path / "data" / "audits" / f"{audit_id}.json"
    # a file size limit just above the audit file makes the next write fail as a full disk does
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size + 100, hard))
    try:
        with pytest.raises(StoreError) as info:
            audits.answer(store, sam, audit_id, "entrance.clean", comment="ж" * limits.COMMENT_MAX_CHARS)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert "cannot write" in str(info.value) and "too large" in str(info.value).lower()
    assert not list(path.parent.glob("*.tmp"))  # no half-written leftovers
    a = TinyStore(tmp_path / "data").get_audit(audit_id)
    assert a is not None and a.answers["entrance.clean"].value == 3
    assert a.answers["entrance.clean"].comment == ""
    b = store.get_audit(audit_id)  # the same store object still reads what is on disk
    assert b is not None and b.answers["entrance.clean"].comment == ""


def test_corrupt_file__clear_error(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    (tmp_path / "data" / "locations.json").write_text("{not json")
    with pytest.raises(StoreError) as info:
        store.list_locations()
    assert "locations.json is not valid JSON" in str(info.value)


def test_read_folder__kept_until_the_folder_changes(tmp_path: Path) -> None:
    from audit.store.folder import docs

    folder = tmp_path / "months"
    docs.write(folder / "a.json", [1])

    def settle() -> None:  # as if nothing had been written for a while
        past = time.time_ns() - 10 * docs.RACY_NS
        os.utime(folder, ns=(past, past))

    def read() -> list[tuple[str, object]]:
        return docs.read_folder(folder, "test", lambda stem, d: [(stem, d)])[0]

    settle()
    assert read() == [("a", [1])]
    docs.write(folder / "b.json", [2])
    assert read() == [("a", [1]), ("b", [2])]
    assert docs.read_folder(folder, "test", lambda stem, d: [])[1] is None  # too fresh to vouch for
    settle()
    assert read() == [("a", [1]), ("b", [2])]
    assert docs.read_folder(folder, "test", lambda stem, d: [])[1] is not None
    docs.write(folder / "a.json", [3])
    settle()
    assert read() == [("a", [3]), ("b", [2])]
    docs.remove(folder / "b.json")
    assert read() == [("a", [3])]
