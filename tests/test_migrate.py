"""`audit migrate` and `audit reindex` on real folders and a real database, killed and run again.

tests/data/layout1 is a data folder written by the version before layout 2 (`audit demo
--audits 40`, then a shopper's two submitted audits with re-used photos, a draft, a reopened
audit and a sign-in session).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb
from streamlit.testing.v1 import AppTest

from audit import workflow
from audit.core.errors import LayoutOutdated
from audit.model import SummaryRow
from audit.model.rollups import rollups_of
from audit.ops.demo import DEMO_PASSWORD
from audit.ops.maintenance import reindex
from audit.people import accounts
from audit.store import AuditFilter
from audit.store.folder.backend import TinyStore
from audit.store.postgres import backend as postgres
from tests.conftest import make_store

ROOT = Path(__file__).resolve().parent.parent
LAYOUT1 = ROOT / "tests" / "data" / "layout1"
OLD = json.loads((LAYOUT1 / "index.json").read_text(encoding="utf-8"))
APP = str(ROOT / "streamlit_app.py")


def migrate(folder: Path, **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "audit.ops.cli", "--data-dir", str(folder), "migrate"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={k: v for k, v in os.environ.items() if k != "AUDIT_DATABASE_URL"},
                            **popen)


def finish(folder: Path) -> str:
    proc = migrate(folder)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def layout1_copy(tmp_path: Path, name: str = "data") -> Path:
    folder = tmp_path / name
    shutil.copytree(LAYOUT1, folder)
    return folder


def snapshot(folder: Path) -> dict[str, Any]:
    """Every file of the store as data: JSON parsed, the rest as bytes (locks and the marker's
    time aside)."""
    out: dict[str, Any] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_dir() or rel.startswith(".locks"):
            continue
        if rel == "store.json":
            out[rel] = json.loads(path.read_text(encoding="utf-8"))["layout"]
        elif path.suffix == ".json":
            out[rel] = json.loads(path.read_text(encoding="utf-8"))
        else:
            out[rel] = path.read_bytes()
    return out


def old_rows() -> dict[str, dict[str, Any]]:
    return {r["audit_id"]: r for r in OLD["audits"].values()}


# -- a clean migration --------------------------------------------------------------------------


def test_migrate__layout1_upgraded_in_place_with_a_copy_a_check_and_a_report(tmp_path: Path) -> None:
    folder = layout1_copy(tmp_path)
    original = (folder / "index.json").read_bytes()
    out = finish(folder)
    backup = folder / "backups" / "index-layout1.json"
    assert f"copied {folder / 'index.json'} to {backup}" in out
    assert "audits: 43" in out and "photo hashes: 4" in out and "rollups: equal" in out
    assert f"the old index is kept at {backup}" in out
    assert backup.read_bytes() == original
    assert not (folder / "index.json").exists()
    assert json.loads((folder / "store.json").read_text())["layout"] == 2

    store = TinyStore(folder)
    rows = {r.audit_id: r for r in store.list_summaries()}
    for audit_id, old in old_rows().items():  # every row as it was, with the points lost added
        new = rows[audit_id].to_dict()
        assert new == {**old, "lost": new["lost"], "skipped": new["skipped"]}
        if old["status"] == "submitted" and old.get("findings"):
            assert new["lost"], audit_id
    shopper = accounts.sign_in(store, "shopper1", DEMO_PASSWORD)
    session = next(iter(OLD["sessions"].values()))
    assert store.get_session(session["token_hash"]) is not None  # signed-in people stay signed in
    drafts = store.recent_summaries(AuditFilter(auditor=shopper.name, status="draft"), limit=None)
    assert {r.audit_id for r in drafts} == {
        r["audit_id"] for r in OLD["audits"].values()
        if r["auditor"] == "shopper1" and r["status"] == "draft"}
    assert store.get_rollups().canonical() == rollups_of(rows.values()).canonical()
    for h in OLD["photo_hashes"].values():  # the re-use check still finds the older photo
        found = store.photo_candidates(h["sha256"], h["phash"])
        assert (h["audit_id"], h["sha256"], h["phash"]) in found
    assert "already in layout 2; nothing to do" in finish(folder)


def test_migrate__killed_anywhere_and_run_again__the_same_as_a_clean_run(tmp_path: Path) -> None:
    clean = layout1_copy(tmp_path, "clean")
    t0 = time.perf_counter()
    finish(clean)
    took = time.perf_counter() - t0
    expected = snapshot(clean)
    rng = random.Random(14)
    # kill points: after each line the migration prints, and at instants spread over a clean run
    points: list[tuple[str, float]] = [("line", n) for n in range(1, 5)]
    points += [("time", took * f) for f in sorted(rng.uniform(0.05, 1.0) for _ in range(6))]
    for n, (kind, at) in enumerate(points):
        folder = layout1_copy(tmp_path, f"killed{n}")
        proc = migrate(folder)
        assert proc.stdout is not None
        if kind == "line":
            for _ in range(int(at)):
                proc.stdout.readline()
        else:
            deadline = time.perf_counter() + at
            while time.perf_counter() < deadline and proc.poll() is None:
                time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        if (folder / "index.json").exists():  # the app still refuses it, naming the command
            with pytest.raises(LayoutOutdated):
                TinyStore(folder)
        finish(folder)
        assert snapshot(folder) == expected, f"killed at {kind} {at}"


def test_old_layout__the_cli_refuses_every_command_but_migrate(tmp_path: Path) -> None:
    folder = layout1_copy(tmp_path)
    done = subprocess.run([sys.executable, "-m", "audit.ops.cli", "--data-dir", str(folder), "users",
                           "list"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert f"audit migrate --data-dir {folder}" in done.stderr
    assert (folder / "index.json").read_bytes() == (LAYOUT1 / "index.json").read_bytes()


@pytest.mark.parametrize(("lang", "words"), [("en", "older version of the app"),
                                             ("ru", "старой версией приложения")])
def test_old_layout__the_app_refuses_to_start_and_names_the_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, words: str) -> None:
    folder = layout1_copy(tmp_path)
    monkeypatch.setenv("AUDIT_DATA_DIR", str(folder))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert words in message and f"audit migrate --data-dir {folder}" in message
    assert not at.text_input  # no sign-in, no first-run form


# -- reindex ----------------------------------------------------------------------------------


def test_reindex__rebuilds_rows_indexes_rollups_and_hashes_from_the_audits(tmp_path: Path) -> None:
    folder = layout1_copy(tmp_path)
    finish(folder)
    store = TinyStore(folder)
    submitted = {r.audit_id: r for r in store.list_summaries() if r.status == "submitted"}
    before = {k: v for k, v in snapshot(folder).items() if k.startswith(("rollups/", "hashes/"))}
    shutil.rmtree(folder / "rollups")
    shutil.rmtree(folder / "index")
    shutil.rmtree(folder / "hashes")
    for shard in sorted((folder / "rows").rglob("*.json"))[::3]:  # shards that lost their rows
        shard.write_text("{}")
    counts = reindex(store)
    assert (counts.rows, counts.photos) == (43, 4)
    after = {k: v for k, v in snapshot(folder).items() if k.startswith(("rollups/", "hashes/"))}
    assert after == before
    rows = {r.audit_id: r for r in store.list_summaries()}
    assert {k: v for k, v in rows.items() if v.status == "submitted"} == submitted
    # drafts are rebuilt from their files: their progress is counted again, and no score
    draft = next(r for r in rows.values() if r.status == "draft" and r.auditor == "shopper1")
    assert (draft.answered, draft.overall) == (1, None)
    assert store.recent_summaries(AuditFilter(auditor="shopper1", status="draft"), limit=None)


def test_reindex__on_both_stores_the_same_rollups(store: Any, network: Any) -> None:
    from audit.audits import capture as audits
    from tests.conftest import answer_mini, photograph

    sam, boss = network["shopper"], network["hq"]
    ids = []
    for n in range(3):
        audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                      mode="mystery", lang="en").id
        answer_mini(store, sam, audit_id, entrance__clean=n + 2)
        photograph(store, sam, audit_id, "office.facade")
        workflow.submit(store, sam, audit_id)
        ids.append(audit_id)
    audits.reopen(store, boss, ids[0], "check")
    before = store.get_rollups().canonical()
    counts = reindex(store)
    assert counts.rows == 3
    assert store.get_rollups().canonical() == before
    assert [r.audit_id for r in store.recent_summaries(AuditFilter(auditor="sam", status="draft"))] \
        == [ids[0]]


# -- PostgreSQL: versioned schema ----------------------------------------------------------------


def v1_database(server: str, name: str) -> str:
    """A database in schema 1 (the version before), filled with the layout-1 folder's data."""
    from audit.store.postgres.backend import SCHEMA_V1

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = server.replace("/postgres?", f"/{name}?")
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(SCHEMA_V1)
        for r in OLD["locations"].values():
            cur.execute("INSERT INTO locations VALUES (%s, %s)", (r["id"], Jsonb(r)))
        for r in OLD["users"].values():
            cur.execute("INSERT INTO users VALUES (%s, %s)", (r["name"], Jsonb(r)))
        for r in OLD["sessions"].values():
            cur.execute("INSERT INTO sessions VALUES (%s, %s, %s, %s)",
                        (r["token_hash"], r["user"], r["created_at"], r["expires_at"]))
        for r in OLD["templates"].values():
            cur.execute("INSERT INTO templates VALUES (%s, %s, %s, %s, %s, %s, %s)",
                        (r["id"], r["version"], r["yaml"], r["title_ru"], r["title_en"],
                         r["uploaded_by"], r["uploaded_at"]))
        for path in sorted((LAYOUT1 / "audits").glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            audit_id = path.stem
            cur.execute("INSERT INTO audits VALUES (%s, %s)", (audit_id, Jsonb(doc["header"]["1"])))
            for a in doc["answers"].values():
                cur.execute("INSERT INTO answers VALUES (%s, %s, %s)", (audit_id, a["key"], Jsonb(a)))
            for p in doc["photos"].values():
                cur.execute("INSERT INTO audit_photos VALUES (%s, %s, %s)",
                            (audit_id, p["sha256"], Jsonb(p)))
        for r in OLD["audits"].values():
            cur.execute("INSERT INTO summaries VALUES (%s, %s, %s, %s)",
                        (r["audit_id"], r["location_id"], r["status"], Jsonb(r)))
        for r in OLD["photo_hashes"].values():
            cur.execute("INSERT INTO photo_hashes VALUES (%s, %s, %s)",
                        (r["audit_id"], r["sha256"], r["phash"]))
    return url


def test_postgres__old_schema_refused_when_big_and_audit_migrate_upgrades_it(
        postgres_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    url = v1_database(postgres_server, f"v1big_{os.getpid()}")
    monkeypatch.setattr(postgres, "AUTO_MIGRATE_ROWS", 10)  # 43 audits count as big here
    with pytest.raises(LayoutOutdated) as info:
        postgres.PostgresStore(url, photo_dir=tmp_path)
    assert "audit migrate" in str(info.value) and info.value.code == "layout_outdated"
    shutil.copytree(LAYOUT1 / "photos", tmp_path / "photos")
    done = subprocess.run([sys.executable, "-m", "audit.ops.cli", "--data-dir", str(tmp_path), "migrate"],
                          cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "AUDIT_DATABASE_URL": url})
    assert done.returncode == 0, done.stderr
    assert f"from version 1 to {postgres.LATEST}" in done.stdout and "rollups equal" in done.stdout
    store = postgres.PostgresStore(url, photo_dir=tmp_path / "elsewhere")
    try:
        assert store.schema_version() == postgres.LATEST
        rows = store.list_summaries()
        added = ("lost", "skipped")
        assert {r.audit_id: {k: v for k, v in r.to_dict().items() if k not in added} for r in rows} \
            == {k: {**v, "region": v.get("region", "")} for k, v in old_rows().items()}
        assert store.get_rollups().canonical() == rollups_of(rows).canonical()
        h = next(iter(OLD["photo_hashes"].values()))
        assert (h["audit_id"], h["sha256"], h["phash"]) in store.photo_candidates(h["sha256"], h["phash"])
        # photos now come from the database: the folder they were in is not given any more
        assert store.photo_files().get(h["sha256"], "thumb")[:2] == b"\xff\xd8"
    finally:
        store.close()


def test_postgres__a_small_old_database_is_upgraded_when_the_app_starts(
        postgres_server: str, tmp_path: Path) -> None:
    from audit.store.postgres.backend import PostgresStore

    url = v1_database(postgres_server, f"v1small_{os.getpid()}")
    store = PostgresStore(url, photo_dir=tmp_path)
    try:
        assert (store.migrated_from, store.schema_version()) == (1, postgres.LATEST)
        assert len(store.list_summaries()) == 43
        assert store.get_rollups().canonical() == rollups_of(store.list_summaries()).canonical()
        again = PostgresStore(url, photo_dir=tmp_path)
        assert again.migrated_from == postgres.LATEST  # nothing left to do
        again.close()
    finally:
        store.close()


def test_postgres__refused_with_a_clear_message_when_newer_than_the_app(
        postgres_server: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from audit.core.errors import LayoutTooNew
    from audit.store.postgres.backend import PostgresStore

    store = make_store("postgres", tmp_path, request)
    url = store.url  # type: ignore[attr-defined]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(LayoutTooNew) as info:
        PostgresStore(url, photo_dir=tmp_path)
    assert "newer version" in str(info.value)


def test_row_of__keeps_a_submitted_score_and_adds_points_lost(tmp_path: Path) -> None:
    folder = layout1_copy(tmp_path)
    finish(folder)
    store = TinyStore(folder)
    row = next(r for r in store.list_summaries() if r.status == "submitted" and r.findings)
    from audit.ops.maintenance import row_of

    audit = store.get_audit(row.audit_id)
    assert audit is not None
    stripped = SummaryRow.from_dict({**row.to_dict(), "lost": {}, "overall": 1.0})
    again = row_of(store, audit, stripped)
    assert again.overall == 1.0  # the score as submitted stays
    assert again.lost == row.lost


def test_migrate__a_copy_left_half_written_by_a_killed_run__removed_by_the_next(tmp_path: Path) -> None:
    """A run killed while it wrote the copy of index.json leaves its temp file in backups/."""
    from audit.core.files import writer_tag

    clean = layout1_copy(tmp_path, "clean")
    finish(clean)
    folder = layout1_copy(tmp_path, "killed")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    tag = writer_tag().rsplit("~", 1)[0] + f"~{dead}"
    (folder / "backups").mkdir()
    half = folder / "backups" / f".index-layout1.json.{tag}-abc123.tmp"
    half.write_bytes((folder / "index.json").read_bytes()[:1000])
    finish(folder)
    assert not half.exists()
    assert snapshot(folder) == snapshot(clean)
