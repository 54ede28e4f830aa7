"""/api/v1 in the served app (`streamlit run asgi.py`): mounted beside Streamlit, behind the same
guard and body caps; its docs page; the feed streamed with the server's memory read from /proc."""

from __future__ import annotations

import httpx
import pytest

from audit.people import tokens
from audit.store.folder import docs
from audit.store.folder.backend import TinyStore, _install
from tests.security.rawhttp import MB
from tests.security.test_upload_memory import Memory, mb, server_pid

pytestmark = pytest.mark.e2e

FEED_AUDITS = 30_000
FEED_BUDGET = 120 * MB  # the whole table held at once would take several times this


@pytest.fixture(scope="module")
def token(server: tuple[str, TinyStore]) -> str:
    return tokens.issue_token(server[1], "served", "write", by="boss")[0]


def test_openapi_and_docs_page__served_with_the_guards_headers(server: tuple[str, TinyStore]) -> None:
    url, _ = server
    with httpx.Client(base_url=url, timeout=30) as client:
        spec = client.get("/api/v1/openapi.json")
        assert spec.status_code == 200 and "/audits" in spec.json()["paths"]
        page = client.get("/api/v1/docs")
        assert page.status_code == 200 and "swagger" in page.text.lower()
        assert "/api/v1/openapi.json" in page.text
        assert "cdn.jsdelivr.net" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        refused = client.get("/api/v1/audits", headers={"Accept-Language": "ru"})
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
        assert "Токен" in refused.json()["detail"] and "cdn" not in refused.headers["content-security-policy"]


@pytest.mark.parametrize(("method", "path"), [("PATCH", "/api/v1/actions/x-1"), ("POST", "/api/v1/plans"),
                                            ("PATCH", "/api/v1/visits/v2026-01-000000000000")])
def test_write_body_over_the_cap__413_before_it_is_read(server: tuple[str, TinyStore], token: str,
                                                        method: str, path: str) -> None:
    url, store = server
    plans = store.list_plans()
    with httpx.Client(base_url=url, timeout=30) as client:
        r = client.request(method, path, content=b"{" + b" " * (1 * MB) + b"}",
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        assert r.status_code == 413
    assert store.list_plans() == plans


def test_feed__many_audits_streamed_without_holding_them(server: tuple[str, TinyStore], token: str) -> None:
    url, store = server
    from datetime import UTC, datetime

    from benchmarks.api import history
    from benchmarks.scale import audit_doc

    rows = []
    for audit, row in history(FEED_AUDITS, datetime(2025, 1, 1, tzinfo=UTC)):
        (store.root / "audits" / f"{audit.id}.json").write_bytes(docs.dumps(audit_doc(audit)))
        rows.append(row)
    for k in range(60):
        from audit.model import Location

        store.put_location(Location(id=f"loc-{k:03d}", name=f"Branch {k}", region=f"R{k % 6}"))
    with store.locks.exclusive():
        _install(store.root, store.locks, ".feed", rows, [], {})
    del rows
    memory = Memory(server_pid(url))
    lines = 0
    with httpx.Client(base_url=url, timeout=300) as client, client.stream(
            "GET", "/api/v1/feed/audits.csv", params={"token": token}) as r:
        assert r.status_code == 200 and "content-length" not in r.headers  # streamed, not built whole
        assert r.headers["content-type"].startswith("text/csv")
        for chunk in r.iter_lines():
            lines += bool(chunk)
    assert lines == FEED_AUDITS + 1
    assert memory.peak() < FEED_BUDGET, f"the feed took {mb(memory.peak())} at its peak"
