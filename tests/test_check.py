"""`audit check`: each kind of damage a crash, a full disk or a hand edit leaves is found, and
`--repair` puts right what can be put right without touching an audit's own file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from audit import workflow
from audit.audits import capture as audits
from audit.audits import evidence
from audit.core.files import writer_tag
from audit.ops import check
from audit.ops.maintenance import reindex
from audit.store import Store
from audit.store.folder.backend import TinyStore
from audit.store.integrity import KINDS, describe
from tests.conftest import answer_mini, forge_photo_name, populate
from tests.e2e.photos import phone_jpeg


def _audits(store: Store) -> dict[str, str]:
    """A published mystery audit with a photo, a submitted self-audit, a draft."""
    people = populate(store)
    sam, mia, hq = people["shopper"], people["manager"], people["hq"]
    ids: dict[str, str] = {}
    for name, user, mode in (("published", sam, "mystery"), ("submitted", mia, "self"),
                             ("draft", sam, "mystery")):
        audit_id = audits.start_audit(store, user, location_id="loc-a", template_id="mini",
                                      mode=mode, lang="ru").id
        answer_mini(store, user, audit_id)
        if name != "draft":
            evidence.add_photo(store, user, audit_id, "office.facade", phone_jpeg(seed=len(ids)))
            workflow.submit(store, user, audit_id)
        ids[name] = audit_id
    workflow.publish_reviewed(store, hq, ids["published"])
    return ids


def _audit_files(store: TinyStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((store.root / "audits").glob("*.json"))}


def test_check__clean_after_ordinary_work(store: Store) -> None:
    _audits(store)
    report = check.run(store)
    assert report.findings == [], [check.describe(f, "en") for f in report.findings]
    assert check.run(store, quick=True).clean


def _row_shard(store: TinyStore, audit_id: str) -> Path:
    header = store.get_header(audit_id)
    assert header is not None
    return store._rows_path(header.location_id, (header.visit_at or header.started_at)[:7])


def _edit(path: Path, change: Callable[[Any], None]) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _drop_row(store: TinyStore, ids: dict[str, str]) -> None:
    _edit(_row_shard(store, ids["submitted"]), lambda d: d.pop(ids["submitted"]))


def _state_differs(store: TinyStore, ids: dict[str, str]) -> None:
    _edit(_row_shard(store, ids["submitted"]),
          lambda d: d[ids["submitted"]].update(status="draft"))


def _file_gone(store: TinyStore, ids: dict[str, str]) -> None:
    store._audit_path(ids["draft"]).unlink()


def _index_gone(store: TinyStore, ids: dict[str, str]) -> None:
    for path in (store.root / "index" / "people" / "mia").glob("20*.json"):
        path.unlink()


def _rollup_changed(store: TinyStore, ids: dict[str, str]) -> None:
    path = next((store.root / "rollups").glob("*/loc/loc-a.json"))
    _edit(path, lambda d: next(iter(d.values())).update(n=7))


def _temp_left(store: TinyStore, ids: dict[str, str]) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    shard = _row_shard(store, ids["draft"])
    host = writer_tag().split("~")[0]
    (shard.parent / f".{shard.name}.{host}~{dead}-abc123.tmp").write_bytes(b"{")


def _sha_hashes_gone(store: TinyStore, ids: dict[str, str]) -> None:
    for path in (store.root / "hashes" / "sha").glob("*.json"):
        path.unlink()


def _near_hash_of_no_audit(store: TinyStore, ids: dict[str, str]) -> None:
    path = next((store.root / "hashes" / "near").rglob("*.json"))
    _edit(path, lambda d: d.update({"nobody-has-it": [["f" * 64, "0" * 16]]}))


def _untagged_temp_left(store: TinyStore, ids: dict[str, str]) -> None:
    """A temp file no writer of this version names so (a hand edit's, an old version's): just
    written, so its age says nothing."""
    shard = _row_shard(store, ids["draft"])
    (shard.parent / f"{shard.name}.tmp").write_bytes(b"{")


def _stage_left(store: TinyStore, ids: dict[str, str]) -> None:
    (store.root / ".rebuild" / "rows").mkdir(parents=True)


def _row_without_id(store: TinyStore, ids: dict[str, str]) -> None:
    _edit(_row_shard(store, ids["submitted"]), lambda d: d[ids["submitted"]].pop("audit_id"))


def _rollup_unreadable(store: TinyStore, ids: dict[str, str]) -> None:
    next((store.root / "rollups").glob("*/loc/loc-a.json")).write_text("{", encoding="utf-8")


DAMAGE = {
    "file_without_row": _drop_row,
    "state_mismatch": _state_differs,
    "row_without_file": _file_gone,
    "derived_differs": _index_gone,
    "derived_differs ": _rollup_changed,
    "derived_differs  ": _sha_hashes_gone,
    "derived_differs   ": _near_hash_of_no_audit,
    "temp_file": _temp_left,
    "temp_file ": _untagged_temp_left,
    "stage_folder": _stage_left,
    "damaged_row": _row_without_id,
    "unreadable_file": _rollup_unreadable,
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_check__finds_each_damage__repair_rebuilds_from_the_audit_files(
        tmp_path: Path, kind: str) -> None:
    store = TinyStore(tmp_path / "data")
    ids = _audits(store)
    DAMAGE[kind](store, ids)
    files = _audit_files(store)

    found = check.run(store)
    assert kind.strip() in {f.kind for f in found.findings}, found.findings

    fixed = check.repair(store)
    assert fixed.clean and fixed.repaired >= 1, fixed.findings
    assert _audit_files(store) == files  # an audit's own file is the truth: never rewritten
    for name, audit_id in ids.items():
        row = store.get_summary(audit_id)
        if kind == "row_without_file" and name == "draft":
            assert row is None
            continue
        assert row is not None and row.status == ("draft" if name == "draft" else "submitted")
        assert row.published == (name == "published")


ROW_DAMAGE: dict[str, Callable[[dict[str, Any], str], None]] = {
    "no audit_id": lambda d, i: d[i].pop("audit_id"),
    "another audit_id": lambda d, i: d[i].update(audit_id="x" * 12),
    "no location": lambda d, i: d[i].pop("location_id"),
    "no status": lambda d, i: d[i].pop("status"),
    "status a number": lambda d, i: d[i].update(status=5),
    "published a string": lambda d, i: d[i].update(published="yes"),
    "version a string": lambda d, i: d[i].update(template_version="three"),
    "sections a list": lambda d, i: d[i].update(sections=[1, 2]),
    "a section's score a string": lambda d, i: d[i].update(sections={"office": "high"}),
    "lost a string": lambda d, i: d[i].update(lost="much"),
    "a row that is a string": lambda d, i: d.update({i: "gone"}),
    "a row that is a list": lambda d, i: d.update({i: [1, 2]}),
}


@pytest.mark.parametrize("how", ROW_DAMAGE)
def test_check__a_damaged_row__is_a_finding__repair_makes_it_again__nothing_else_lost(
        tmp_path: Path, how: str) -> None:
    store = TinyStore(tmp_path / "data")
    ids = _audits(store)
    reindex(store)  # a draft's row counts its answers when it is built: the rows as rebuilt
    rows = {name: store.get_summary(audit_id) for name, audit_id in ids.items()}
    _edit(_row_shard(store, ids["submitted"]), lambda d: ROW_DAMAGE[how](d, ids["submitted"]))
    files = _audit_files(store)

    found = check.run(store)
    damaged = [f for f in found.findings if f.kind == "damaged_row"]
    assert [f.where for f in damaged] == [ids["submitted"]], found.findings
    assert "rows/" in damaged[0].detail and damaged[0].repairable
    assert describe(damaged[0], "ru").startswith("строка списка без нужного поля")
    assert describe(damaged[0], "en").startswith("a row in the lists with a field missing")

    fixed = check.repair(store)
    assert fixed.clean and fixed.repaired >= 1, fixed.findings
    assert _audit_files(store) == files
    assert {name: store.get_summary(audit_id) for name, audit_id in ids.items()} == rows


def test_check__a_row_under_a_key_no_audit_has__is_a_finding__repair_drops_it(
        tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    ids = _audits(store)
    reindex(store)  # a draft's row counts its answers when it is built: the rows as rebuilt
    rows = {name: store.get_summary(audit_id) for name, audit_id in ids.items()}
    _edit(_row_shard(store, ids["draft"]), lambda d: d.update({"not an id!": {"note": 1}}))
    found = check.run(store).findings
    assert [(f.kind, f.where) for f in found] == [("damaged_row", "not an id!")]
    assert check.repair(store).clean
    assert {name: store.get_summary(audit_id) for name, audit_id in ids.items()} == rows


def test_check__every_kind_is_described_in_both_languages() -> None:
    for kind, (en, ru) in KINDS.items():
        assert en and ru and en != ru, kind


def test_check__an_untagged_temp_file__reported__cleared_by_clear_leftovers(
        tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    ids = _audits(store)
    _untagged_temp_left(store, ids)
    left = next((store.root / "rows").rglob("*.tmp"))
    found = check.run(store).findings
    assert [(f.kind, f.where) for f in found] == [("temp_file", str(left.relative_to(store.root)))]
    assert store.clear_leftovers(found) == 1
    assert not left.exists() and check.run(store).clean


def _held_open(path: Path) -> Any:
    """A named pipe in place of an audit file: whoever reads it waits until the returned
    writer (opened once the reader is there) writes and closes it."""
    os.mkfifo(path)
    return path


def test_check__a_tap_is_saved_while_the_full_check_is_reading__no_waiting_for_it(
        tmp_path: Path) -> None:
    """The full check is stopped in the middle of its read (an audit file that is a pipe, whose
    reader waits until it is written): a shopper's tap finishes meanwhile, and the check then
    ends clean, the tap saved."""
    store = TinyStore(tmp_path / "data")
    ids = _audits(store)
    sam = store.get_user("sam")
    assert sam is not None
    for _ in range(20):  # more drafts than the one tapped on
        answer_mini(store, sam, audits.start_audit(store, sam, location_id="loc-a",
                                                   template_id="mini", mode="mystery",
                                                   lang="ru").id)
    pipe = _held_open(store.root / "audits" / "zzzzzzzz.json")  # read after every audit
    reports: list[check.Report] = []
    checking = threading.Thread(target=lambda: reports.append(check.run(store)), daemon=True)
    tapped = threading.Event()
    failed: list[BaseException] = []

    def tap() -> None:
        try:
            audits.answer(store, sam, ids["draft"], "entrance.clean", value=2)
        except BaseException as err:
            failed.append(err)
        finally:
            tapped.set()

    checking.start()
    writer = open(pipe, "wb")  # noqa: SIM115  returns once the check has opened the pipe
    try:
        threading.Thread(target=tap, daemon=True).start()
        # a hang guard only: the order is proved by the check being held at the pipe
        assert tapped.wait(120), "the tap waited for the check"
        assert not failed, failed
        assert checking.is_alive() and not reports  # the check had not ended: it is held
    finally:
        writer.write(b"{}")
        writer.close()
    _ended_clean(checking, pipe, reports)
    answer = store.get_audit(ids["draft"]).answers["entrance.clean"]  # type: ignore[union-attr]
    assert answer.value == 2


def _ended_clean(checking: threading.Thread, pipe: Path, reports: list[check.Report]) -> None:
    """The held check let go: it ends, and what it reports is clean."""
    checking.join(120)
    pipe.unlink()
    assert reports and reports[0].clean, reports[0].findings if reports else "no report"


def test_check__what_a_writer_changed_during_the_read_is_not_reported(tmp_path: Path) -> None:
    """The check reads every audit file (the draft still a draft), then, before it reads the
    rows, the draft is submitted: its file and row now say submitted, which the check, holding
    the draft as it read it, would call a mismatch. Looked at again under the audit's lock, it
    is none: nothing is reported."""
    store = TinyStore(tmp_path / "data")
    ids = _audits(store)
    sam = store.get_user("sam")
    assert sam is not None
    evidence.add_photo(store, sam, ids["draft"], "office.facade", phone_jpeg(seed=7))
    pipe = _held_open(store.root / "audits" / "zzzzzzzz.json")  # the last audit file read
    reports: list[check.Report] = []
    checking = threading.Thread(target=lambda: reports.append(check.run(store)), daemon=True)
    checking.start()
    writer = open(pipe, "wb")  # noqa: SIM115  returns once the check has read the others
    try:
        workflow.submit(store, sam, ids["draft"])
    finally:
        writer.write(b"{}")
        writer.close()
    _ended_clean(checking, pipe, reports)
    assert check.run(store).clean


def test_check__a_live_writers_temp_file_is_not_a_leftover(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    ids = _audits(store)
    shard = _row_shard(store, ids["draft"])
    (shard.parent / f".{shard.name}.{writer_tag()}-abc123.tmp").write_bytes(b"{")
    assert check.run(store).clean


def test_check__a_missing_photo_is_reported__never_made_up(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    ids = _audits(store)
    audit = store.get_audit(ids["submitted"])
    assert audit is not None
    sha = next(iter(audit.photos))
    for path in (store.root / "photos" / sha[:2]).glob(f"{sha}.*"):
        path.unlink()
    report = check.repair(store)
    assert [(f.kind, f.where, f.repairable) for f in report.findings] == [
        ("photo_missing", ids["submitted"], False)]
    assert store.get_audit(ids["submitted"]) == audit


def test_check__postgres_rows_against_audits__repair(postgres_server: str, tmp_path: Path,
                                                   request: pytest.FixtureRequest) -> None:
    from tests.conftest import make_store

    store = make_store("postgres", tmp_path, request)
    ids = _audits(store)
    with store._tx() as cur:  # type: ignore[attr-defined]
        cur.execute("DELETE FROM summaries WHERE audit_id = %s", (ids["draft"],))
        cur.execute("UPDATE summaries SET status = 'draft' WHERE audit_id = %s",
                    (ids["submitted"],))
    found = {(f.kind, f.where) for f in check.run(store).findings}
    assert found == {("file_without_row", ids["draft"]), ("state_mismatch", ids["submitted"])}
    fixed = check.repair(store)
    assert fixed.clean and fixed.repaired == 2
    row = store.get_summary(ids["submitted"])
    assert row is not None and row.status == "submitted"


def test_check__postgres_damaged_rows__findings__repair_makes_them_again(
        postgres_server: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from tests.conftest import make_store

    store = make_store("postgres", tmp_path, request)
    ids = _audits(store)
    reindex(store)  # a draft's row counts its answers when it is built: the rows as rebuilt
    rows = {name: store.get_summary(audit_id) for name, audit_id in ids.items()}
    with store._tx() as cur:  # type: ignore[attr-defined]
        cur.execute("UPDATE summaries SET doc = doc - 'audit_id' WHERE audit_id = %s",
                    (ids["submitted"],))
        cur.execute("UPDATE summaries SET doc = jsonb_set(doc, '{published}', '\"maybe\"') "
                    "WHERE audit_id = %s", (ids["published"],))
    found = {(f.kind, f.where) for f in check.run(store).findings}
    assert found == {("damaged_row", ids["submitted"]), ("damaged_row", ids["published"]),
                     ("state_mismatch", ids["published"])}
    fixed = check.repair(store)
    assert fixed.clean, fixed.findings
    assert {name: store.get_summary(audit_id) for name, audit_id in ids.items()} == rows


def test_check__postgres_quick__the_latest_rows_against_their_audits(
        postgres_server: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from tests.conftest import make_store

    store = make_store("postgres", tmp_path, request)
    ids = _audits(store)
    assert check.run(store, quick=True).clean
    with store._tx() as cur:  # type: ignore[attr-defined]
        cur.execute("UPDATE summaries SET doc = jsonb_set(doc, '{published}', 'true') "
                    "WHERE audit_id = %s", (ids["submitted"],))
    found = check.run(store, quick=True).findings
    assert [(f.kind, f.where) for f in found] == [("state_mismatch", ids["submitted"])]


def test_check__actions_of_an_audit_final_before_a_crash_are_made_at_the_next_check(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The crash between an audit becoming final and its corrective actions being made."""
    from audit.actions import service as actions

    people = populate(store)
    mia = people["manager"]
    audit_id = audits.start_audit(store, mia, location_id="loc-a", template_id="mini",
                                  mode="self", lang="ru").id
    answer_mini(store, mia, audit_id, office__guard=False)  # a critical failure: an action
    evidence.add_photo(store, mia, audit_id, "office.facade", phone_jpeg())

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process stops right after the submit's own step

    with monkeypatch.context() as m:
        m.setattr(actions, "on_audit_final", crash)
        with pytest.raises(KeyboardInterrupt):
            workflow.submit(store, mia, audit_id)
    assert store.get_header(audit_id).status == "submitted"  # type: ignore[union-attr]
    assert store.actions_pending() == [audit_id]
    assert not store.audit_actions(audit_id, "loc-a")

    report = check.run(store, quick=True)  # what the app runs at start
    assert report.hooks == 1 and report.clean
    made = store.audit_actions(audit_id, "loc-a")
    assert "office.guard" in {a.key for a in made}  # the critical failure among the findings
    assert store.actions_pending() == []
    assert not store.get_header(audit_id).actions_due  # type: ignore[union-attr]
    check.run(store)
    assert store.audit_actions(audit_id, "loc-a") == made  # made once


def test_cli_check__says_what_it_found__repair__exit_codes(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    ids = _audits(store)
    _state_differs(store, ids)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "audit.ops.cli", "--data-dir", str(store.root),
                               "check", *args], capture_output=True, text=True, check=False)

    first = cli()
    assert first.returncode == 1
    assert ids["submitted"] in first.stdout and "--repair" in first.stdout
    assert cli("--repair").returncode == 0
    again = cli()
    assert again.returncode == 0 and "no problems found" in again.stdout


def test_app_start__quick_check_settles_leftovers__admin_says_what_it_found_in_russian(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.ui.common import close_app_stores
    from tests.test_app import app_as, texts

    store = TinyStore(tmp_path / "data")
    ids = _audits(store)
    _temp_left(store, ids)
    dead = next((store.root / "rows").rglob("*.tmp"))
    dead.rename(store.tmp_dir / dead.name)  # where the writers' temp files go
    _edit(store._recent_path(), lambda rows: rows[0].update(published=not rows[0]["published"]))
    monkeypatch.setenv("AUDIT_DATA_DIR", str(store.root))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    try:
        at = app_as(store, store.get_user("boss"), lang="ru")
        at.switch_page("audit/ui/pages/admin.py").run()
        shown = texts(at)
    finally:
        close_app_stores()
    assert "Проверка данных при запуске" in shown and "нашла проблем: 1" in shown, shown
    assert "состояние аудита и его строки различаются" in shown
    assert "удалено оставшихся временных файлов: 1" in shown
    assert not (store.tmp_dir / dead.name).exists()


def test_check__an_answer_naming_a_missing_or_another_audits_photo__reported_on_both_stores(
        store: Store) -> None:
    ids = _audits(store)
    sam = store.get_user("sam")
    assert sam is not None
    published = store.get_audit(ids["published"])
    assert published is not None
    theirs = next(iter(published.photos))
    # what an older sync let through: bare hashes in a draft's answers
    forge_photo_name(store, ids["draft"], "office.facade", theirs)
    forge_photo_name(store, ids["draft"], "entrance.dry", "0" * 64)
    report = check.run(store)
    said = [check.describe(f, "en") for f in report.findings]
    assert f"an answer names another audit's photo: {ids['draft']} (office.facade: {theirs} " \
           f"(audit {ids['published']}))" in said
    assert f"an answer names a photo the audit never received: {ids['draft']} " \
           f"(entrance.dry: {'0' * 64})" in said
    assert len(said) == 2 and not report.clean
    repaired = check.repair(store)  # nothing made up: the answers stay as found
    assert len(repaired.findings) == 2
    after = store.get_audit(ids["draft"])
    assert after is not None and after.answers["office.facade"].photos == (theirs,)
