"""API tokens: made by HQ (CLI and Admin), shown once, kept hashed, revoked at once, last use kept."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from audit.core import limits
from audit.model import User
from audit.people import tokens
from audit.people.tokens import TokenError
from audit.store import Store, open_store
from audit.store.folder.backend import TinyStore
from tests.conftest import populate


def test_issue__secret_shown_once_and_only_its_hash_kept(store: Store) -> None:
    populate(store)
    secret, token = tokens.issue_token(store, "Power BI", "read", by="boss")
    assert secret.startswith("cja_") and len(secret) > 40
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    [kept] = store.list_tokens()
    assert kept == token and secret not in json.dumps(kept.to_dict())
    assert tokens.authenticate(store, secret).id == token.id


def test_issue__bad_name_scope_location_or_region__refused_and_nothing_kept(store: Store) -> None:
    populate(store)
    _, first = tokens.issue_token(store, "kept", "read", by="boss")
    cases = [(("", "read"), {}, "token_bad_name"), (("x" * 101, "read"), {}, "token_bad_name"),
             (("BI", "admin"), {}, "token_bad_scope"),
             (("BI", "read"), {"locations": ("loc-zzz",)}, "token_unknown_location"),
             (("BI", "read"), {"regions": ("Атлантида",)}, "token_unknown_region")]
    for args, kwargs, code in cases:
        with pytest.raises(TokenError) as err:
            tokens.issue_token(store, *args, by="boss", **kwargs)  # type: ignore[arg-type]
        assert err.value.code == code
    assert store.list_tokens() == [first]


def test_issue__at_most_the_limit(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "API_TOKENS_MAX", 2)
    tokens.issue_token(store, "a", "read", by="boss")
    tokens.issue_token(store, "b", "read", by="boss")
    with pytest.raises(TokenError, match="at most 2"):
        tokens.issue_token(store, "c", "read", by="boss")
    assert len(store.list_tokens()) == 2


@pytest.mark.parametrize("bad", ["", "cja_", "cja_nope", "Bearer cja_x", "x" * 5000, "cja_" + "я" * 50])
def test_authenticate__unknown_or_malformed__refused(store: Store, bad: str) -> None:
    tokens.issue_token(store, "a", "read", by="boss")
    with pytest.raises(TokenError) as err:
        tokens.authenticate(store, bad)
    assert err.value.code == "token_invalid"


def test_revoked__refused_at_once_by_another_store_object(store: Store, tmp_path: Path) -> None:
    secret, token = tokens.issue_token(store, "BI", "read", by="boss")
    other = TinyStore(tmp_path / "data") if isinstance(store, TinyStore) else open_store(
        tmp_path, database_url=store.url)  # type: ignore[attr-defined]
    assert tokens.authenticate(other, secret).id == token.id  # the other one knows it (and caches)
    tokens.revoke_token(store, token.id, by="boss")
    with pytest.raises(TokenError):
        tokens.authenticate(other, secret)
    with pytest.raises(TokenError):
        tokens.authenticate(store, secret)
    [kept] = other.list_tokens()
    assert kept.revoked_by == "boss" and kept.revoked_at


def test_last_use__written_at_most_once_a_minute(store: Store) -> None:
    secret, _token = tokens.issue_token(store, "BI", "read", by="boss")
    tokens.authenticate(store, secret, now="2026-05-01T10:00:00+00:00")
    tokens.authenticate(store, secret, now="2026-05-01T10:00:30+00:00")
    assert store.list_tokens()[0].last_used_at == "2026-05-01T10:00:00+00:00"
    tokens.authenticate(store, secret, now="2026-05-01T10:01:00+00:00")
    assert store.list_tokens()[0].last_used_at == "2026-05-01T10:01:00+00:00"


def test_reader__scoped_token_reads_as_a_manager_of_its_places_network_as_hq(store: Store) -> None:
    populate(store)
    _, net = tokens.issue_token(store, "net", "read", by="boss")
    _, reg = tokens.issue_token(store, "spb", "read", by="boss", regions=("СПб",))
    _, loc = tokens.issue_token(store, "arbat", "write", by="boss", locations=("loc-a",))
    assert tokens.reader_of(store, net).user.role == "hq"
    assert tokens.reader_of(store, net).location_ids is None
    assert tokens.reader_of(store, reg).user == User(name=f"api:{reg.id}", role="manager",
                                                     locations=("loc-b",))
    assert tokens.reader_of(store, loc).location_ids == ("loc-a",)


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "audit.ops.cli", "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_cli__add_list_revoke(tmp_path: Path) -> None:
    data = tmp_path / "data"
    populate(TinyStore(data))
    made = _cli(data, "tokens", "add", "Power BI", "--scope", "read", "--region", "Москва")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("cja_") and "shown once" in made.stderr
    listed = _cli(data, "tokens", "list")
    assert "Power BI\tread\tМосква\tactive\tlast used never" in listed.stdout
    assert secret not in listed.stdout
    store = TinyStore(data)
    assert tokens.authenticate(store, secret).regions == ("Москва",)
    gone = _cli(data, "tokens", "revoke", "Power BI")
    assert gone.returncode == 0 and "refused from now on" in gone.stdout
    with pytest.raises(TokenError):
        tokens.authenticate(store, secret)
    bad = _cli(data, "tokens", "add", "x", "--scope", "read", "--location", "nowhere")
    assert bad.returncode == 1 and "no location 'nowhere'" in bad.stderr
    assert _cli(data, "tokens", "revoke", "nothing").returncode == 1
    assert len(store.list_tokens()) == 1


def test_postgres__schema_6_database_gains_tokens_webhooks_and_change_times(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A database an older app left at schema 6: brought to 7, each row's time of change taken
    from its submit, in the form the store writes (so old and new rows sort together)."""
    import psycopg

    from audit.store import AuditFilter
    from audit.store.integrations import row_time
    from audit.store.postgres.backend import LATEST, PostgresStore
    from tests.conftest import make_store
    from tests.test_api import _audit

    pg = make_store("postgres", tmp_path, request)
    assert isinstance(pg, PostgresStore)
    people = populate(pg)
    old = _audit(pg, people["shopper"], "loc-a", "mystery")
    with psycopg.connect(pg.url, autocommit=True) as conn:  # as the previous version left it
        conn.execute("DROP TABLE api_tokens; DROP TABLE webhook_endpoints; DROP TABLE webhook_deliveries; "
                     "DROP INDEX summaries_changed; ALTER TABLE summaries DROP COLUMN changed_at; "
                     "UPDATE summaries SET doc = doc - 'changed_at'; "
                     "DELETE FROM schema_version WHERE version >= 8")
    again = PostgresStore(pg.url, photo_dir=tmp_path / "data")
    request.addfinalizer(again.close)
    assert again.migrated_from == 7 and again.schema_version() == LATEST
    [(changed, row)] = again.changed_summaries(AuditFilter(), None, 10)
    assert row.audit_id == old and changed == row_time(row) == row.changed_at
    new = _audit(again, people["shopper"], "loc-a", "mystery")
    assert [r.audit_id for _, r in again.changed_summaries(AuditFilter(), None, 10)] == [old, new]
    tokens.issue_token(again, "after", "read", by="boss")
    assert [t.name for t in again.list_tokens()] == ["after"]
