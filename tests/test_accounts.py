"""Local accounts: hashed passwords, lock-out, sessions that end, SSO e-mail mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audit.model import User
from audit.people import accounts
from audit.store import Store
from audit.store.folder.backend import TinyStore

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def test_password__hashed_never_stored_in_clear(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "d")
    accounts.create_user(store, "sam", "shopper", "very-secret-1")
    raw = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "d").rglob("*.json"))
    assert "very-secret-1" not in raw
    people = json.loads((tmp_path / "d" / "people.json").read_text(encoding="utf-8"))
    assert people["sam"]["password_hash"].startswith("$argon2id$")


def test_sign_in__right_and_wrong(store: Store, network: dict[str, User]) -> None:
    assert accounts.sign_in(store, "sam", "secret-pass").name == "sam"
    assert accounts.sign_in(store, " SAM ", "secret-pass").name == "sam"
    with pytest.raises(accounts.AccountError) as info:
        accounts.sign_in(store, "sam", "nope")
    assert info.value.code == "bad_credentials"
    with pytest.raises(accounts.AccountError) as unknown:
        accounts.sign_in(store, "ghost", "nope")
    assert unknown.value.code == "bad_credentials"  # the same answer: names are not revealed


def test_lockout__after_max_failures_for_a_while(store: Store, network: dict[str, User]) -> None:
    for i in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(accounts.AccountError):
            accounts.sign_in(store, "sam", "wrong", now=T0 + timedelta(seconds=i))
    with pytest.raises(accounts.AccountError) as info:
        accounts.sign_in(store, "sam", "wrong", now=T0 + timedelta(seconds=10))
    assert info.value.code == "locked" and info.value.params["minutes"] == accounts.LOCK_MINUTES
    with pytest.raises(accounts.AccountError) as still:
        accounts.sign_in(store, "sam", "secret-pass", now=T0 + timedelta(minutes=5))
    assert still.value.code == "locked"
    later = T0 + timedelta(minutes=accounts.LOCK_MINUTES + 1)
    assert accounts.sign_in(store, "sam", "secret-pass", now=later).name == "sam"
    user = store.get_user("sam")
    assert user is not None and user.failed_logins == 0 and not user.locked_until


def test_disabled_account__cannot_sign_in_and_sessions_end(store: Store,
                                                           network: dict[str, User]) -> None:
    token = accounts.start_session(store, network["shopper"])
    accounts.update_user(store, "sam", disabled=True)
    assert accounts.session_user(store, token) is None
    with pytest.raises(accounts.AccountError) as info:
        accounts.sign_in(store, "sam", "secret-pass")
    assert info.value.code == "disabled"


def test_changed_password__ends_other_sessions_keeps_this_one(store: Store,
                                                              network: dict[str, User]) -> None:
    phone = accounts.start_session(store, network["shopper"])
    laptop = accounts.start_session(store, network["shopper"])
    other = accounts.start_session(store, network["shopper2"])
    accounts.set_password(store, "sam", "brand-new-pass", keep_session=laptop)
    assert accounts.session_user(store, phone) is None
    assert accounts.session_user(store, laptop) is not None
    assert accounts.session_user(store, other) is not None  # someone else's sessions stay
    assert accounts.sign_in(store, "sam", "brand-new-pass").name == "sam"


def test_session__expires_and_sign_out_ends_it(store: Store, network: dict[str, User]) -> None:
    token = accounts.start_session(store, network["shopper"], now=T0)
    assert accounts.session_user(store, token, now=T0 + timedelta(days=1)) is not None
    assert accounts.session_user(store, token,
                                 now=T0 + timedelta(days=accounts.SESSION_DAYS + 1)) is None
    again = accounts.start_session(store, network["shopper"])
    accounts.end_session(store, again)
    assert accounts.session_user(store, again) is None
    assert accounts.session_user(store, "forged-token") is None


def test_first_hq__only_while_nobody_exists(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "d")
    boss = accounts.create_first_hq(store, "boss", "long-enough")
    assert boss.role == "hq"
    with pytest.raises(accounts.AccountError) as info:
        accounts.create_first_hq(store, "mallory", "long-enough")
    assert info.value.code == "not_first_run"
    assert store.get_user("mallory") is None


@pytest.mark.parametrize(("name", "role", "password", "locations", "code"), [
    ("Bad Name", "shopper", "long-enough", (), "bad_name"),
    ("ok", "king", "long-enough", (), "bad_role"),
    ("ok", "shopper", "short", (), "password_short"),
    ("ok", "manager", "long-enough", ("nowhere",), "unknown_location"),
    ("sam", "shopper", "long-enough", (), "user_exists"),
])
def test_create_user__bad_input_refused_nothing_changed(store: Store, network: dict[str, User],
                                                        name: str, role: str, password: str,
                                                        locations: tuple[str, ...], code: str) -> None:
    before = store.list_users()
    with pytest.raises(accounts.AccountError) as info:
        accounts.create_user(store, name, role, password, locations=locations)
    assert info.value.code == code
    assert store.list_users() == before


def test_shopper_gets_a_random_code(store: Store, network: dict[str, User]) -> None:
    codes = {network["shopper"].code, network["shopper2"].code}
    assert len(codes) == 2 and all(c.startswith("S-") and len(c) == 8 for c in codes)
    assert network["manager"].code == ""


def test_sso__email_maps_to_an_enabled_account(store: Store, network: dict[str, User]) -> None:
    accounts.update_user(store, "mia", email="Mia@Example.COM ")
    assert accounts.user_for_email(store, "mia@example.com").name == "mia"  # type: ignore[union-attr]
    assert accounts.user_for_email(store, "MIA@example.com").name == "mia"  # type: ignore[union-attr]
    assert accounts.user_for_email(store, "stranger@example.com") is None
    assert accounts.user_for_email(store, None) is None
    accounts.update_user(store, "mia", disabled=True)
    assert accounts.user_for_email(store, "mia@example.com") is None

