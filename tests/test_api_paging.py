"""Paging /api/v1/audits while two other processes submit audits at two locations (their
writes may commit out of the order of their times of change): every audit listed once, none
missed, on each store — the settling time holds back what may still be joined by an earlier one."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from audit import workflow
from audit.api.app import create_api
from audit.api.paging import settled_until
from audit.audits import capture as audits
from audit.core import limits
from audit.people import tokens
from audit.store import Store
from audit.store.folder.backend import TinyStore
from tests.conftest import answer_mini, photograph, populate

BEFORE, DURING = 8, 15  # audits before, and by each writer while the reader pages

WRITER = textwrap.dedent("""
    import sys
    from audit import workflow
    from audit.audits import capture as audits
    from audit.store import open_store
    from tests.conftest import answer_mini, photograph

    store = open_store(sys.argv[1], database_url=sys.argv[2])
    who = store.get_user(sys.argv[4])
    for n in range(int(sys.argv[3])):
        audit_id = audits.start_audit(store, who, location_id=sys.argv[5], template_id="mini",
                                      mode="mystery", lang="ru").id
        answer_mini(store, who, audit_id)
        photograph(store, who, audit_id, "office.facade")
        workflow.submit(store, who, audit_id)
        print(audit_id, flush=True)
""")


def _submit(store: Store, n: int) -> list[str]:
    sam = store.get_user("sam")
    assert sam is not None
    out = []
    for _ in range(n):
        audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                      mode="mystery", lang="ru").id
        answer_mini(store, sam, audit_id)
        photograph(store, sam, audit_id, "office.facade")
        workflow.submit(store, sam, audit_id)
        out.append(audit_id)
    return out


def test_pages_while_two_processes_write__each_audit_once(store: Store, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # a second is ample for a write's stamp-to-commit here, and short enough that the reader
    # pages through rows while the writers are still at it
    monkeypatch.setattr(limits, "API_SETTLE_SECONDS", 1)
    monkeypatch.setattr(tokens.api_requests, "count", 10**9)  # the reader asks again at once
    populate(store)
    before = _submit(store, BEFORE)
    secret, _ = tokens.issue_token(store, "sync", "read", by="boss")
    client = TestClient(create_api(lambda: store))
    auth = {"Authorization": f"Bearer {secret}"}
    url = "" if isinstance(store, TinyStore) else store.url  # type: ignore[attr-defined]
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "data"), url, str(DURING),
                                 who, location],
                                cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, text=True)
               for who, location in (("sam", "loc-a"), ("sue", "loc-b"))]
    seen: list[str] = []
    cursor = None
    pages = served_while_writing = 0
    try:
        while True:
            done = all(w.poll() is not None for w in writers)  # read before the page: a last pass
            if done:  # every write has committed: nothing is left to settle
                monkeypatch.setattr(limits, "API_SETTLE_SECONDS", 0)
            r = client.get("/audits", params={"limit": 5, **({"cursor": cursor} if cursor else {})},
                           headers=auth)
            assert r.status_code == 200, r.text
            body = r.json()
            seen += [a["id"] for a in body["data"]]
            if not done and len(seen) > BEFORE:
                served_while_writing += len(body["data"])
            cursor = body["next_cursor"] or cursor
            pages += 1
            if done and not body["has_more"]:
                break
    finally:
        outs = [w.communicate(timeout=300)[0] for w in writers]
    assert all(w.returncode == 0 for w in writers)
    during = [i for out in outs for i in out.split()]
    assert len(during) == 2 * DURING and pages > (BEFORE + 2 * DURING) // 5
    assert len(seen) == len(set(seen)), "an audit was listed twice"
    assert set(seen) == set(before) | set(during), "an audit was missed"
    print(f"served while writing: {served_while_writing}")


def test_settling__a_fresh_change_waits_its_time_then_comes(store: Store,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    populate(store)
    secret, _ = tokens.issue_token(store, "sync", "read", by="boss")
    client = TestClient(create_api(lambda: store))
    auth = {"Authorization": f"Bearer {secret}"}
    monkeypatch.setattr(limits, "API_SETTLE_SECONDS", 3600)
    [fresh] = _submit(store, 1)
    body = client.get("/audits", headers=auth).json()
    assert body["data"] == [] and body["has_more"] is False
    assert settled_until() < store.get_summary(fresh).changed_at  # type: ignore[union-attr,operator]
    monkeypatch.setattr(limits, "API_SETTLE_SECONDS", 0)  # its hour has passed
    again = client.get("/audits", params={"cursor": body["next_cursor"] or ""}, headers=auth).json()
    assert [a["id"] for a in again["data"]] == [fresh]


def test_folder_from_before_change_lists__made_from_its_rows_once(tmp_path: Path) -> None:
    import json
    import shutil

    from audit.store import AuditFilter

    store = TinyStore(tmp_path / "data")
    populate(store)
    made = _submit(store, 3)
    shutil.rmtree(tmp_path / "data" / "changes")  # as an older version left the folder
    for shard in (tmp_path / "data" / "rows").rglob("*.json"):
        rows = json.loads(shard.read_text())
        shard.write_text(json.dumps({k: {f: v for f, v in d.items() if f != "changed_at"}
                                     for k, d in rows.items()}))
    again = TinyStore(tmp_path / "data")
    got = again.changed_summaries(AuditFilter(status="submitted"), None, 10)
    assert sorted(r.audit_id for _, r in got) == sorted(made)
    assert all(c == r.changed_at and c.endswith("+00:00") for c, r in got)
    assert (tmp_path / "data" / "changes" / ".built").exists()
    newer = _submit(again, 1)
    assert [r.audit_id for _, r in again.changed_summaries(AuditFilter(), None, 10)][-1] == newer[0]


@pytest.mark.parametrize("settle", [0, 60])
def test_a_change_committed_after_a_later_one__served_only_with_settling(
        request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        settle: int) -> None:
    """The race itself, made to happen on PostgreSQL: a writer has stamped a row's change but
    not committed when a second writer's later change commits and a reader pages past it."""
    import psycopg

    from audit.store.integrations import stamp
    from tests.conftest import make_store

    store = make_store("postgres", tmp_path, request)
    populate(store)
    [slow] = _submit(store, 1)
    secret, _ = tokens.issue_token(store, "sync", "read", by="boss")
    client = TestClient(create_api(lambda: store))
    auth = {"Authorization": f"Bearer {secret}"}
    monkeypatch.setattr(limits, "API_SETTLE_SECONDS", 0)
    cursor = client.get("/audits", headers=auth).json()["next_cursor"]  # the reader is up to date
    monkeypatch.setattr(limits, "API_SETTLE_SECONDS", settle)
    with psycopg.connect(store.url) as writer:  # type: ignore[attr-defined]
        writer.execute("UPDATE summaries SET changed_at = %s WHERE audit_id = %s", (stamp(), slow))
        [fast] = _submit(store, 1)  # stamped later, committed first
        first = client.get("/audits", params={"cursor": cursor}, headers=auth).json()
        writer.commit()
    seen = [a["id"] for a in first["data"]]
    monkeypatch.setattr(limits, "API_SETTLE_SECONDS", 0)  # later: everything has settled
    rest = client.get("/audits", params={"cursor": first["next_cursor"] or cursor}, headers=auth).json()
    seen += [a["id"] for a in rest["data"]]
    if settle:
        assert sorted(seen) == sorted([slow, fast])
    else:  # without settling the slow writer's row is behind the cursor for good
        assert seen == [fast]
