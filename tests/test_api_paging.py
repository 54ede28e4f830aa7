"""Paging /api/v1/audits while another process submits audits: every audit listed once, none
missed, on each store."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from fastapi.testclient import TestClient

from audit import workflow
from audit.api.app import create_api
from audit.audits import capture as audits
from audit.people import tokens
from audit.store import Store
from audit.store.folder.backend import TinyStore
from tests.conftest import answer_mini, photograph, populate

BEFORE, DURING = 8, 15

WRITER = textwrap.dedent("""
    import sys
    from audit import workflow
    from audit.audits import capture as audits
    from audit.store import open_store
    from tests.conftest import answer_mini, photograph

    store = open_store(sys.argv[1], database_url=sys.argv[2])
    sam = store.get_user("sam")
    for n in range(int(sys.argv[3])):
        audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                      mode="mystery", lang="ru").id
        answer_mini(store, sam, audit_id)
        photograph(store, sam, audit_id, "office.facade")
        workflow.submit(store, sam, audit_id)
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


def test_pages_while_another_process_writes__each_audit_once(store: Store, tmp_path: Path) -> None:
    populate(store)
    before = _submit(store, BEFORE)
    secret, _ = tokens.issue_token(store, "sync", "read", by="boss")
    client = TestClient(create_api(lambda: store))
    auth = {"Authorization": f"Bearer {secret}"}
    url = "" if isinstance(store, TinyStore) else store.url  # type: ignore[attr-defined]
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "data"), url, str(DURING)],
                              cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, text=True)
    seen: list[str] = []
    cursor = None
    pages = 0
    try:
        while True:
            done = writer.poll() is not None  # read before the page: a last pass after the end
            r = client.get("/audits", params={"limit": 5, **({"cursor": cursor} if cursor else {})},
                           headers=auth)
            assert r.status_code == 200, r.text
            body = r.json()
            seen += [a["id"] for a in body["data"]]
            cursor = body["next_cursor"] or cursor
            pages += 1
            if done and not body["has_more"]:
                break
    finally:
        out, _ = writer.communicate(timeout=300)
    assert writer.returncode == 0
    during = out.split()
    assert len(during) == DURING and pages > (BEFORE + DURING) // 5
    assert len(seen) == len(set(seen)), "an audit was listed twice"
    assert set(seen) == set(before) | set(during), "an audit was missed"


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
