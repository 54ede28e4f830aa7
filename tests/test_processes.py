"""Several OS processes on one data folder: two app-like writers and the CLI, 500 writes each.

Each writer mixes what people do (sign-ins, answers, starts, submits with photos, HQ
publishing, people added) and prints every write it finished; the CLI adds people. Afterwards
every printed write is in the store, every file parses, every row matches its audit file, and
the rollups equal a computation from the rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from audit.checklist.templates import add_template
from audit.model import Location, User
from audit.model.rollups import rollups_of
from audit.people import accounts
from audit.store import AuditFilter
from audit.store.folder.backend import TinyStore
from tests.conftest import MINI_YAML

ROOT = Path(__file__).resolve().parent.parent
WRITES = 500

WRITER = r"""
import hashlib, json, random, sys
from audit.audits import capture as audits
from audit import workflow
from audit.people import accounts
from audit.model import PhotoRef
from audit.store.folder.backend import TinyStore
from tests.conftest import MINI_GOOD

root, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = TinyStore(root)
me, boss = store.get_user(f"{tag}-shopper"), store.get_user(f"{tag}-hq")
rng = random.Random(tag)

def say(**what):
    print(json.dumps(what), flush=True)

def start():
    return audits.start_audit(store, me, location_id=rng.choice(["loc-a", "loc-b"]),
                              template_id="mini", mode="mystery", lang="en").id

draft, submitted = start(), []
for i in range(n):
    kind = i % 6
    if kind == 0:
        name = f"{tag}-p{i}"
        accounts.create_user(store, name, "shopper", None, locations=("loc-a",))
        say(kind="person", name=name)
    elif kind == 1:
        say(kind="session", token=accounts.start_session(store, me))
    elif kind == 2:
        audits.answer(store, me, draft, "office.notes", value=f"{tag}-{i}")
        say(kind="answer", audit=draft, value=f"{tag}-{i}")
    elif kind == 3:
        for key, value in MINI_GOOD.items():
            audits.answer(store, me, draft, key, value=value)
        audits.answer(store, me, draft, "entrance.clean", value=rng.randint(1, 5))
        sha = hashlib.sha256(f"{tag}-{i}".encode()).hexdigest()
        phash = f"{rng.getrandbits(64) | 0xF0F0:016x}"
        ref = PhotoRef(sha256=sha, width=4, height=3, size=10, uploaded_at="2026-05-01T10:00:00",
                       phash=phash)
        audits.attach_photo(store, me, draft, "office.facade", ref)
        workflow.submit(store, me, draft)
        say(kind="submit", audit=draft, sha=sha, phash=phash)
        submitted.append(draft)
        draft = start()
        say(kind="start", audit=draft)
    elif kind == 4 and submitted:
        audit_id = rng.choice(submitted)
        published = rng.random() < 0.5
        workflow.publish(store, boss, audit_id, published)
        say(kind="publish", audit=audit_id, published=published)
    else:
        audits.set_section(store, me, draft, rng.choice(["entrance", "waiting", "office"]))
        say(kind="section", audit=draft)
"""

CLI = r"""
import sys
from argon2 import PasswordHasher
from audit.people import accounts
from audit.ops.cli import main

# the command's own code, with a cheap password hash: what is tested here is the store's writes,
# and 500 full Argon2 hashes would take minutes on a shared machine
accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    code = main(["--data-dir", root, "users", "add", f"cli-{i}", "--role", "manager",
                 "--location", "loc-b"])
    assert code == 0
"""


@pytest.mark.slow
@pytest.mark.timeout(1800)  # thousands of fsynced writes; a busy shared disk makes them slow
def test_two_writers_and_the_cli__500_writes_each__nothing_lost(tmp_path: Path) -> None:
    root = tmp_path / "data"
    store = TinyStore(root)
    store.put_location(Location(id="loc-a", name="A", region="R1"))
    store.put_location(Location(id="loc-b", name="B", region="R2"))
    add_template(store, MINI_YAML, by="test")
    for tag in ("one", "two"):
        store.put_user(User(name=f"{tag}-shopper", role="shopper", locations=("loc-a", "loc-b")))
        store.put_user(User(name=f"{tag}-hq", role="hq"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AUDIT_PASSWORD": "cli-pass-1234"}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(root), tag, str(WRITES)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tag in ("one", "two")]
    procs.append(subprocess.Popen([sys.executable, "-c", CLI, str(root), str(WRITES)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=1700) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err[-3000:]
    writes = [json.loads(line) for out, _ in outputs[:2] for line in out.splitlines()]
    cli_people = [line.split()[1] for line in outputs[2][0].splitlines() if line.startswith("added ")]
    assert len(writes) >= 2 * WRITES and len(cli_people) == WRITES

    fresh = TinyStore(root)  # what another process sees now
    assert not list((root / ".journal").iterdir())  # every action finished whole
    for path in root.rglob("*"):
        assert not (path.is_file() and path.name.endswith(".tmp")), path
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
    people = {u.name for u in fresh.list_users()}
    assert {w["name"] for w in writes if w["kind"] == "person"} | set(cli_people) <= people
    for w in writes:
        if w["kind"] == "session":
            assert accounts.session_user(fresh, w["token"]) is not None
    last_answer: dict[str, str] = {}
    published: dict[str, bool] = {}
    for w in writes:
        if w["kind"] == "answer":
            last_answer[w["audit"]] = w["value"]
        elif w["kind"] == "publish":
            published[w["audit"]] = w["published"]
    for audit_id, value in last_answer.items():
        audit = fresh.get_audit(audit_id)
        assert audit is not None and audit.answers["office.notes"].value == value
    submits = [w for w in writes if w["kind"] == "submit"]
    assert len(submits) >= 2 * (WRITES // 6)
    for w in submits:
        header, row = fresh.get_header(w["audit"]), fresh.get_summary(w["audit"])
        assert header is not None and row is not None
        assert header.status == row.status == "submitted"
        assert header.published == row.published == published.get(w["audit"], False)
        assert (w["audit"], w["sha"], w["phash"]) in fresh.photo_candidates(w["sha"], w["phash"])

    # rows match audit files, one row per file, and the indexes and rollups match the rows
    ids = set(fresh.audit_ids())
    rows = {r.audit_id: r for r in fresh.list_summaries()}
    assert set(rows) == ids
    for audit_id in ids:
        header = fresh.get_header(audit_id)
        assert header is not None
        assert (rows[audit_id].status, rows[audit_id].published) == (header.status, header.published)
    for tag in ("one", "two"):
        drafts = fresh.recent_summaries(AuditFilter(auditor=f"{tag}-shopper", status="draft"),
                                        limit=None)
        assert {r.audit_id for r in drafts} == {
            i for i, r in rows.items() if r.auditor == f"{tag}-shopper" and r.status == "draft"}
        mine = fresh.recent_summaries(AuditFilter(auditor=f"{tag}-shopper"), limit=None)
        assert {r.audit_id for r in mine} == {i for i, r in rows.items() if r.auditor == f"{tag}-shopper"}
    assert fresh.get_rollups().canonical() == rollups_of(rows.values()).canonical()
