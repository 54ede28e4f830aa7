"""Sign-in under attack: parallel tabs, two processes, bursts, guessed names, old sessions."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from audit.core import limits
from audit.i18n import error_text
from audit.model import User
from audit.people import accounts
from audit.people.ratelimit import RateLimiter
from audit.store import Session, Store
from tests.conftest import make_store
from tests.security.memory import peak_growth


def _attempt(store: Store, name: str, password: str, **kw: object) -> str:
    """"ok", or the refusal's code; the refusal must read as a sentence in Russian."""
    try:
        accounts.sign_in(store, name, password, **kw)  # type: ignore[arg-type]
    except accounts.AccountError as err:
        assert error_text(err, "ru").endswith(".")
        return err.code
    return "ok"


def _all_at_once(n: int, work: object) -> list[str]:
    barrier = threading.Barrier(n)
    results: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        r = work(i)  # type: ignore[operator]
        with lock:
            results.append(r)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_twelve_tabs__eleven_wrong_and_the_right_one_at_once__account_ends_locked(
        store: Store, network: dict[str, User]) -> None:
    results = _all_at_once(12, lambda i: _attempt(store, "sam", "secret-pass" if i == 0 else f"guess-{i}"))
    user = store.get_user("sam")
    assert user is not None and user.locked_until, results
    assert datetime.fromisoformat(user.locked_until) > datetime.now(UTC)
    # the right password is now refused too, in the person's language
    with pytest.raises(accounts.AccountError) as err:
        accounts.sign_in(store, "sam", "secret-pass")
    assert err.value.code == "locked"
    assert "заблокирован" in error_text(err.value, "ru")
    # nothing else about the person changed, and the password works once the lock ends
    assert (user.role, user.locations) == (network["shopper"].role, network["shopper"].locations)
    later = datetime.fromisoformat(user.locked_until) + timedelta(minutes=1)
    fresh = accounts.SignInPolicy()  # the rate limit's minute has passed by then too
    assert accounts.sign_in(store, "sam", "secret-pass", now=later, policy=fresh).name == "sam"


def _generous_policy() -> accounts.SignInPolicy:
    return accounts.SignInPolicy(max_failures=1000,
                                 per_account=RateLimiter("rate_limited", "tries", 10_000, 60),
                                 per_address=RateLimiter("rate_limited", "tries", 10_000, 60))


def _cheap_hash(store: Store, name: str) -> None:
    """A cheap hash, so that the store's read-modify-write, not Argon2, is what races."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("secret-pass")
    store.update_user(name, lambda u: dataclasses.replace(u, password_hash=cheap))


def test_forty_threads__every_failure_counted(store: Store, network: dict[str, User]) -> None:
    _cheap_hash(store, "sam")
    policy = _generous_policy()
    results = _all_at_once(40, lambda i: _attempt(store, "sam", f"wrong-{i}", policy=policy))
    assert Counter(results) == {"bad_credentials": 40}
    user = store.get_user("sam")
    assert user is not None and user.failed_logins == 40


_RACER = """
import sys, time
from pathlib import Path
from audit.people import accounts
from audit.people.ratelimit import RateLimiter
from audit.store import open_store

target, go, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
store = open_store(target) if not target.startswith("postgresql") else open_store(
    "unused", database_url=target)
policy = accounts.SignInPolicy(max_failures=10_000,
                               per_account=RateLimiter("rate_limited", "t", 10**6, 60),
                               per_address=RateLimiter("rate_limited", "t", 10**6, 60))
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.001)
for i in range(n):
    try:
        accounts.sign_in(store, "sam", f"wrong-{i}", policy=policy)
    except accounts.AccountError as err:
        assert err.code == "bad_credentials", err.code
"""


@pytest.mark.parametrize("kind", ["tinydb", "postgres"])
def test_two_processes__every_failure_counted(kind: str, tmp_path: Path,
                                              request: pytest.FixtureRequest) -> None:
    store = make_store(kind, tmp_path, request)
    accounts.create_user(store, "sam", "shopper", "secret-pass")
    _cheap_hash(store, "sam")
    target = str(tmp_path / "data") if kind == "tinydb" else store.url  # type: ignore[attr-defined]
    go = tmp_path / "go"
    n = 150
    procs = [subprocess.Popen([sys.executable, "-c", _RACER, target, str(go), str(n)],
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(0.5)  # both have imported and opened the store (not a timing assertion)
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err[-2000:]
    user = store.get_user("sam")
    assert user is not None and user.failed_logins == 2 * n


def test_unknown_name__locks_exactly_like_a_real_account(store: Store,
                                                          network: dict[str, User]) -> None:
    def story(name: str) -> list[str]:
        out = []
        for _ in range(limits.SIGN_IN_MAX_FAILURES + 1):
            try:
                accounts.sign_in(store, name, "wrong-pass")
            except accounts.AccountError as err:
                out.append(error_text(err, "ru"))
        return out

    real, ghost = story("sam"), story("ghost-who-never-was")
    assert real == ghost
    assert "заблокирован на 15 мин" in real[-1]
    assert store.get_user("ghost-who-never-was") is None  # a guessed name stores nothing


def test_one_address__many_names__rate_limited_before_any_hashing(
        store: Store, network: dict[str, User]) -> None:
    count, _ = limits.SIGN_IN_PER_ADDRESS
    policy = accounts.SignInPolicy()
    codes = [_attempt(store, f"name-{i}", "x", address="203.0.113.9", policy=policy)
             for i in range(count)]
    assert "rate_limited" not in codes
    started = time.perf_counter()
    with pytest.raises(accounts.AccountError) as err:
        accounts.sign_in(store, "sam", "secret-pass", address="203.0.113.9", policy=policy)
    assert err.value.code == "rate_limited"
    assert error_text(err.value, "ru").startswith("Слишком много попыток входа")
    assert error_text(err.value, "en").startswith("Too many sign-in attempts")
    refused_in = time.perf_counter() - started
    # the person, from their own address, still gets in: nothing of theirs was touched
    assert accounts.sign_in(store, "sam", "secret-pass", address="198.51.100.7",
                            policy=policy).name == "sam"
    assert refused_in < 0.05, "a refusal must not cost an Argon2 hash"


def test_one_name__many_addresses__rate_limited(store: Store, network: dict[str, User]) -> None:
    count, _ = limits.SIGN_IN_PER_ACCOUNT
    policy = accounts.SignInPolicy(max_failures=1000)
    for i in range(count):
        assert _attempt(store, "sam", f"guess-{i}", address=f"10.0.0.{i}", policy=policy) \
            == "bad_credentials"
    assert _attempt(store, "sam", "secret-pass", address="10.0.1.1", policy=policy) == "rate_limited"


def test_24_parallel_sign_ins__argon2_memory_bounded() -> None:
    growth, codes = peak_growth("""
        import tempfile, threading
        from pathlib import Path
        from audit.people import accounts
        from audit.store.folder.backend import TinyStore
        store = TinyStore(Path(tempfile.mkdtemp()) / "d")
        accounts.create_user(store, "sam", "shopper", "secret-pass")

        def run():
            out = []
            def one(i):
                try:
                    accounts.sign_in(store, f"nobody-{i}", "secret-pass")
                except accounts.AccountError as err:
                    out.append(err.code)
            ts = [threading.Thread(target=one, args=(i,)) for i in range(24)]
            for t in ts: t.start()
            for t in ts: t.join()
            return out
    """)
    assert codes == ["bad_credentials"] * 24
    budget = limits.PASSWORD_HASH_SLOTS * 64 * 2**20 + 64 * 2**20
    assert growth < budget, f"{growth / 2**20:.0f} MB peak for 24 sign-ins"


def test_expired_sessions__pruned_by_the_store(store: Store, network: dict[str, User]) -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    for i in range(30):
        store.add_session(Session(token_hash=f"old-{i}", user="sam",
                                  created_at=(now - timedelta(days=40)).isoformat(),
                                  expires_at=(now - timedelta(days=26 - i % 3)).isoformat()))
    live = accounts.start_session(store, network["shopper"], now=now)  # a sign-in prunes
    assert all(store.get_session(f"old-{i}") is None for i in range(30))
    assert accounts.session_user(store, live, now=now) is not None  # the live one stays
    store.add_session(Session(token_hash="stale", user="sam", created_at=now.isoformat(),
                              expires_at=(now + timedelta(days=1)).isoformat()))
    assert store.prune_sessions((now + timedelta(days=2)).isoformat()) == 1
    assert store.prune_sessions((now + timedelta(days=2)).isoformat()) == 0
    assert accounts.session_user(store, live, now=now) is not None
