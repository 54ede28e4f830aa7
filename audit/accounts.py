"""Local accounts: hashed passwords, lock-out, sign-in sessions, e-mail mapping for SSO."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from audit.model import ROLES, User
from audit.store import Session, Store, StoreError

MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_DAYS = 14
MIN_PASSWORD = 8
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")

_hasher = PasswordHasher()
# verified against when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(StoreError):
    """A sign-in or account change that cannot go ahead; `.code` names why."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message, **params)
        self.code = code


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


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
    if password is not None:
        check_password_rules(password)
    user = User(
        name=name,
        role=role,
        locations=tuple(locations),
        display_name=display_name or name,
        email=email.strip().lower(),
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


def sign_in(store: Store, name: str, password: str, *, now: datetime | None = None) -> User:
    """The user if the password is right; counts failures and locks after MAX_FAILURES."""
    at = now or _now()
    user = store.get_user(name.strip().lower())
    if user is None or not user.password_hash:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise AccountError("bad_credentials", "wrong name or password")
    if user.locked_until and datetime.fromisoformat(user.locked_until) > at:
        raise AccountError("locked", "too many failed attempts; try again later",
                           until=user.locked_until,
                           minutes=max(1, int((datetime.fromisoformat(user.locked_until) - at)
                                              .total_seconds() // 60) + 1))
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        failures = user.failed_logins + 1
        locked = ""
        if failures >= MAX_FAILURES:
            locked = (at + timedelta(minutes=LOCK_MINUTES)).isoformat()
            failures = 0
        store.put_user(dataclasses.replace(user, failed_logins=failures, locked_until=locked))
        if locked:
            raise AccountError("locked", "too many failed attempts; try again later",
                               until=locked, minutes=LOCK_MINUTES) from None
        raise AccountError("bad_credentials", "wrong name or password") from None
    if user.disabled:
        raise AccountError("disabled", "this account is disabled; ask HQ")
    stale_hash = _hasher.check_needs_rehash(user.password_hash)
    if user.failed_logins or user.locked_until or stale_hash:
        user = dataclasses.replace(user, failed_logins=0, locked_until="",
                                   password_hash=hash_password(password) if stale_hash
                                   else user.password_hash)
        store.put_user(user)
    return user


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
        changes["email"] = str(changes["email"]).strip().lower()
    user = dataclasses.replace(user, **changes)  # type: ignore[arg-type]
    store.put_user(user)
    if user.disabled:
        store.delete_sessions(name)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, user: User, *, now: datetime | None = None) -> str:
    """A new random session token; only its hash is stored."""
    at = now or _now()
    token = secrets.token_urlsafe(32)
    store.add_session(Session(token_hash=_token_hash(token), user=user.name,
                              created_at=at.isoformat(),
                              expires_at=(at + timedelta(days=SESSION_DAYS)).isoformat()))
    return token


def session_user(store: Store, token: str | None, *, now: datetime | None = None) -> User | None:
    """The signed-in person behind a token, or None if it ended, expired or was disabled."""
    if not token:
        return None
    session = store.get_session(_token_hash(token))
    if session is None:
        return None
    if datetime.fromisoformat(session.expires_at) <= (now or _now()):
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
    wanted = email.strip().lower()
    for user in store.list_users():
        if user.email and user.email == wanted and not user.disabled:
            return user
    return None
