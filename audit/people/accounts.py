"""Local accounts: hashed passwords, lock-out, sign-in sessions, e-mail mapping for SSO."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import math
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from audit.core import clock, limits
from audit.core.addresses import normalise_address
from audit.core.errors import AppError
from audit.model import ROLES, User
from audit.people.ratelimit import RateLimited, RateLimiter
from audit.store import Session, Store

MAX_FAILURES = limits.SIGN_IN_MAX_FAILURES
LOCK_MINUTES = limits.SIGN_IN_LOCK_MINUTES
SESSION_DAYS = limits.SESSION_DAYS
MIN_PASSWORD = 8
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")

_hasher = PasswordHasher()
# verified against when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
_hash_slots = threading.BoundedSemaphore(limits.PASSWORD_HASH_SLOTS)
_pruned: dict[str, float] = {}  # store → when this process last removed expired sessions


class AccountError(AppError):
    """A sign-in or account change that cannot go ahead; `.code` names why."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message, **params)
        self.code = code


def hash_password(password: str) -> str:
    with _hash_slot():
        return str(_hasher.hash(password))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password_short", f"the password needs at least {MIN_PASSWORD} characters",
                           min=MIN_PASSWORD)


def check_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise AccountError("bad_name", "a user name is 2–40 lowercase Latin letters, digits, . _ -",
                           name=name)


def create_user(store: Store, name: str, role: str, password: str | None, *,
                locations: tuple[str, ...] = (), display_name: str = "", email: str = "",
                any_location: bool = False, regions: tuple[str, ...] = ()) -> User:
    check_name(name)
    if role not in ROLES:
        raise AccountError("bad_role", f"role must be one of {', '.join(ROLES)}", role=role)
    if store.get_user(name) is not None:
        raise AccountError("user_exists", f"user {name} already exists", name=name)
    known = {loc.id for loc in store.list_locations()}
    unknown = [loc for loc in locations if loc not in known]
    if unknown:
        raise AccountError("unknown_location", f"no location {', '.join(unknown)}",
                           locations=", ".join(unknown))
    email = normalise_address(email)  # one address, no line breaks: refused before anything is saved
    if password is not None:
        check_password_rules(password)
    user = User(
        name=name,
        role=role,
        locations=tuple(locations),
        display_name=display_name or name,
        email=email,
        code="S-" + secrets.token_hex(3).upper() if role == "shopper" else "",
        password_hash=hash_password(password) if password is not None else "",
        any_location=any_location,
        regions=tuple(regions),
    )
    store.put_user(user)
    return user


def create_first_hq(store: Store, name: str, password: str) -> User:
    """First run only: the first account, always HQ; refused once anyone exists."""
    if store.user_count() > 0:
        raise AccountError("not_first_run", "accounts already exist; sign in instead")
    return create_user(store, name, "hq", password, display_name=name)


def needs_first_run(store: Store) -> bool:
    """Only a store whose marker says it never had people offers the first HQ account; an
    empty people table in one that has had them raises PeopleLost instead (user_count)."""
    return store.user_count() == 0 and not store.has_had_people()  # counting finds the damage


def _minutes_left(until: str, at: datetime) -> int:
    return max(1, math.ceil((datetime.fromisoformat(until) - at).total_seconds() / 60))


def _is_locked(until: str, at: datetime) -> bool:
    return bool(until) and datetime.fromisoformat(until) > at


def _locked(until: str, at: datetime) -> AccountError:
    return AccountError("locked", "too many failed attempts; try again later", until=until,
                        minutes=_minutes_left(until, at))


def _verify(password_hash: str, password: str) -> bool:
    """Argon2 verify within the process's hash slots: each costs 64 MiB while it runs."""
    with _hash_slot():
        try:
            return bool(_hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False


@contextlib.contextmanager
def _hash_slot() -> Iterator[None]:
    if not _hash_slots.acquire(timeout=limits.PASSWORD_HASH_WAIT_SECONDS):
        raise AccountError("busy", "the server is busy signing others in; try again in a minute")
    try:
        yield
    finally:
        _hash_slots.release()


@dataclass(frozen=True)
class SignInPolicy:
    """How many failures lock a name, and how often one name or one address may try."""

    max_failures: int = MAX_FAILURES
    per_account: RateLimiter = field(default_factory=lambda: RateLimiter(
        "rate_limited", "sign-in attempts", *limits.SIGN_IN_PER_ACCOUNT))
    per_address: RateLimiter = field(default_factory=lambda: RateLimiter(
        "rate_limited", "sign-in attempts", *limits.SIGN_IN_PER_ADDRESS))


DEFAULT_POLICY = SignInPolicy()


def _rate_limit(store: Store, name: str, address: str | None, policy: SignInPolicy) -> None:
    try:
        policy.per_account.hit(f"{store!r}|{name}")
        if address:
            policy.per_address.hit(f"{store!r}|{address}")
    except RateLimited as err:
        raise AccountError("rate_limited", str(err), **err.params) from None


class _UnknownNames:
    """Failure counts for names that have no account, kept like a real account's.

    A name that is not there answers exactly as one that is: "wrong" four times, then
    "locked for 15 minutes", so trying names tells nothing about who has an account. Kept in
    memory (a guessed name must not make the store grow), at most `size` names.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._rows: OrderedDict[str, tuple[int, str]] = OrderedDict()
        self._lock = threading.Lock()

    def locked_until(self, key: str, at: datetime) -> str:
        with self._lock:
            _, until = self._rows.get(key, (0, ""))
        return until if _is_locked(until, at) else ""

    def fail(self, key: str, at: datetime, max_failures: int) -> str:
        """Count a failure; the lock's end if this one locks the name, else ""."""
        with self._lock:
            failures, until = self._rows.pop(key, (0, ""))
            failures = (0 if until else failures) + 1  # a lock that ran out starts a new count
            until = ""
            if failures >= max_failures:
                failures, until = 0, (at + timedelta(minutes=limits.SIGN_IN_LOCK_MINUTES)).isoformat()
            self._rows[key] = (failures, until)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)
        return until


_unknown = _UnknownNames()


def sign_in(store: Store, name: str, password: str, *, address: str | None = None,
            now: datetime | None = None, policy: SignInPolicy = DEFAULT_POLICY) -> User:
    """The user if the password is right; counts failures and locks after the policy's max.

    The count is a read-modify-write under the store's lock, so parallel attempts are each
    counted and none slips past a lock set meanwhile. Attempts are rate-limited per name and
    per client `address` before any hashing; an unknown name answers like a real one.
    """
    at = now or clock.now()
    key = name.strip().lower()
    max_failures = policy.max_failures
    user = store.get_user(key)
    if user is None or not user.password_hash:
        _refuse_unknown(f"{store!r}|{key}", password, at, max_failures,
                        lambda: _rate_limit(store, key, address, policy))
    if _is_locked(user.locked_until, at):
        raise _locked(user.locked_until, at)
    _rate_limit(store, key, address, policy)
    if not _verify(user.password_hash, password):
        _count_failure(store, user.name, at, max_failures)
    if user.disabled:
        raise AccountError("disabled", "this account is disabled; ask HQ")
    fresh_hash = hash_password(password) if _hasher.check_needs_rehash(user.password_hash) else ""
    # Re-read after the slow verify: parallel wrong attempts may have locked the account, or
    # HQ may have changed the password or disabled it, while this one was hashing.
    now_user = store.get_user(user.name)
    if now_user is None or now_user.password_hash != user.password_hash:
        raise AccountError("bad_credentials", "wrong name or password")
    if _is_locked(now_user.locked_until, at):
        raise _locked(now_user.locked_until, at)
    if now_user.disabled:
        raise AccountError("disabled", "this account is disabled; ask HQ")
    if now_user.failed_logins or now_user.locked_until or fresh_hash:
        def accept(u: User) -> User:
            if _is_locked(u.locked_until, at):
                raise _locked(u.locked_until, at)
            if u.password_hash != user.password_hash:
                raise AccountError("bad_credentials", "wrong name or password")
            return dataclasses.replace(u, failed_logins=0, locked_until="",
                                       password_hash=fresh_hash or u.password_hash)

        now_user = store.update_user(user.name, accept) or now_user
    return now_user


def _refuse_unknown(key: str, password: str, at: datetime, max_failures: int,
                    rate_limit: Callable[[], None]) -> NoReturn:
    until = _unknown.locked_until(key, at)
    if until:
        raise _locked(until, at)
    rate_limit()
    # a wrong name costs one Argon2 verify, as a wrong password does
    _verify(_DUMMY_HASH, password)
    until = _unknown.fail(key, at, max_failures)
    if until:
        raise AccountError("locked", "too many failed attempts; try again later", until=until,
                           minutes=LOCK_MINUTES)
    raise AccountError("bad_credentials", "wrong name or password")


def _count_failure(store: Store, name: str, at: datetime, max_failures: int) -> NoReturn:
    def count(u: User) -> User:
        if _is_locked(u.locked_until, at):
            raise _locked(u.locked_until, at)  # locked by a parallel attempt: not counted again
        failures = u.failed_logins + 1
        if failures >= max_failures:
            return dataclasses.replace(u, failed_logins=0, locked_until=(
                at + timedelta(minutes=LOCK_MINUTES)).isoformat())
        return dataclasses.replace(u, failed_logins=failures, locked_until="")

    new = store.update_user(name, count)
    if new is not None and new.locked_until:
        raise AccountError("locked", "too many failed attempts; try again later",
                           until=new.locked_until, minutes=LOCK_MINUTES)
    raise AccountError("bad_credentials", "wrong name or password")


def set_password(store: Store, name: str, password: str, *, keep_session: str | None = None) -> User:
    """Change a password and end every other session of that person."""
    user = store.get_user(name)
    if user is None:
        raise AccountError("no_user", f"no user {name}", name=name)
    check_password_rules(password)
    user = dataclasses.replace(user, password_hash=hash_password(password), failed_logins=0,
                               locked_until="")
    store.put_user(user)
    store.delete_sessions(name, keep=_token_hash(keep_session) if keep_session else None)
    return user


def update_user(store: Store, name: str, **changes: object) -> User:
    user = store.get_user(name)
    if user is None:
        raise AccountError("no_user", f"no user {name}", name=name)
    if "role" in changes and changes["role"] not in ROLES:
        raise AccountError("bad_role", f"role must be one of {', '.join(ROLES)}", role=changes["role"])
    if "email" in changes:
        changes["email"] = normalise_address(str(changes["email"]))
    user = dataclasses.replace(user, **changes)  # type: ignore[arg-type]
    store.put_user(user)
    if user.disabled:
        store.delete_sessions(name)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, user: User, *, now: datetime | None = None) -> str:
    """A new random session token; only its hash is stored."""
    at = now or clock.now()
    token = secrets.token_urlsafe(32)
    _prune_sessions(store, at)
    store.add_session(Session(token_hash=_token_hash(token), user=user.name,
                              created_at=at.isoformat(),
                              expires_at=(at + timedelta(days=SESSION_DAYS)).isoformat()))
    return token


def _prune_sessions(store: Store, at: datetime) -> None:
    """Expired sessions go now and then: a sign-in is the moment, at most once an interval."""
    key = repr(store)
    last = _pruned.get(key)
    if last is not None and time.monotonic() - last < limits.SESSION_PRUNE_EVERY_SECONDS:
        return
    _pruned[key] = time.monotonic()
    store.prune_sessions(at.isoformat())


def session_user(store: Store, token: str | None, *, now: datetime | None = None) -> User | None:
    """The signed-in person behind a token, or None if it ended, expired or was disabled."""
    if not token:
        return None
    session = store.get_session(_token_hash(token))
    if session is None:
        return None
    if datetime.fromisoformat(session.expires_at) <= (now or clock.now()):
        store.delete_session(session.token_hash)
        return None
    user = store.get_user(session.user)
    if user is None or user.disabled:
        return None
    return user


def end_session(store: Store, token: str | None) -> None:
    if token:
        store.delete_session(_token_hash(token))


def user_for_email(store: Store, email: str | None) -> User | None:
    """SSO: the HQ-maintained account whose e-mail matches the provider's, if enabled."""
    if not email:
        return None
    try:
        wanted = normalise_address(email)  # as saved: a provider may spell the IDN domain in ASCII
    except AppError:
        return None
    for user in store.list_users():
        if user.email and user.email == wanted and not user.disabled:
            return user
    return None
