"""Hostile e-mail addresses and subjects, against a real SMTP server (aiosmtpd on a loopback port).

An address with a line break or a comma is refused when it is saved; one written straight into
the store fails alone when it is sent, with its error on it for Admin, and the rest still go.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit import workflow
from audit.core.addresses import AddressError, check_address
from audit.i18n import error_text
from audit.model import User
from audit.model.actions import Message
from audit.notify import outbox as notify
from audit.people import accounts
from audit.store import Store
from tests.conftest import _free_port
from tests.security.inputs import admin_part
from tests.test_app import texts
from tests.test_notify import NOW, Inbox, inbox, received, smtp, smtp_server  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
INJECTED = "mia@example.test\r\nBcc: eve@evil.test"
HOSTILE = [
    INJECTED,
    "mia@example.test\nBcc: eve@evil.test",
    "mia@example.test\rX-Injected: 1",
    "mia@exam\x00ple.test",
    "mia@example.test\u2028Bcc: eve@evil.test",
    "mia@example.test\x85Bcc: eve@evil.test",
]
MANY = ["mia@example.test, eve@evil.test", "mia@example.test;eve@evil.test",
        "Mia <mia@example.test>, eve@evil.test"]


def _message(ident: str, to: str, *, subject: str = "Hello", user: str = "mia") -> Message:
    return Message(id=ident, to=to, user=user, lang="en", kind="test", subject=subject,
                   body="Body", created_at=NOW)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_address_with_line_break__refused_at_save_and_nothing_lost(
        store: Store, network: dict[str, User], hostile: str) -> None:
    before = accounts.update_user(store, "mia", email="mia@example.test", lang="en")
    with pytest.raises(AddressError) as info:
        accounts.update_user(store, "mia", email=hostile, lang="ru")
    assert info.value.code == "bad_email_controls"
    assert "line break or another control character" in error_text(info.value, "en")
    assert "перевод строки" in error_text(info.value, "ru")
    assert "\n" not in error_text(info.value, "en") and "\r" not in error_text(info.value, "en")
    assert store.get_user("mia") == before  # neither the address nor the language changed
    count = store.user_count()
    with pytest.raises(AddressError):
        accounts.create_user(store, "eve", "manager", "secret-pass", email=hostile)
    assert store.get_user("eve") is None and store.user_count() == count


@pytest.mark.parametrize("many", MANY)
def test_comma_address__refused_as_more_than_one(store: Store, network: dict[str, User],
                                                 many: str) -> None:
    before = accounts.update_user(store, "mia", email="mia@example.test")
    with pytest.raises(AddressError) as info:
        accounts.update_user(store, "mia", email=many)
    assert info.value.code == "bad_email_many"
    assert "one e-mail address per person" in error_text(info.value, "en")
    assert store.get_user("mia") == before


def test_not_an_address__refused_with_the_reason(store: Store, network: dict[str, User]) -> None:
    before = accounts.update_user(store, "mia", email="mia@example.test")
    for bad in ("mia", "mia@localhost", "mia@@example.test", "mia@exa mple.test"):
        with pytest.raises(AddressError) as info:
            accounts.update_user(store, "mia", email=bad)
        assert info.value.code == "bad_email", bad
        assert "is not an e-mail address" in error_text(info.value, "en")
    assert store.get_user("mia") == before
    assert accounts.update_user(store, "mia", email="  ").email == ""  # no e-mail at all is fine


def test_address__normalised_when_saved(store: Store, network: dict[str, User]) -> None:
    assert accounts.update_user(store, "mia", email=" Mia@Example.TEST ").email == "mia@example.test"
    assert accounts.update_user(store, "mia", email="Mia@Пример.РФ").email == "mia@пример.рф"
    found = accounts.user_for_email(store, "MIA@xn--e1afmkfd.xn--p1ai")  # a provider's ASCII form
    assert found is not None and found.name == "mia"
    assert accounts.user_for_email(store, "mia@пример.рф\r\nX: 1") is None


def test_cli_users_add__hostile_address_refused_nothing_created(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AUDIT_PASSWORD": "secret-pass"}
    run = [sys.executable, "-m", "audit.ops.cli", "--data-dir", str(data), "users"]
    done = subprocess.run([*run, "add", "boss", "--role", "hq", "--email", "boss@example.test"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    for hostile in (INJECTED, MANY[0]):
        done = subprocess.run([*run, "add", "eve", "--role", "hq", "--email", hostile],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
                              check=False)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert ("line break" in done.stderr) or ("more than one address" in done.stderr)
    listed = subprocess.run([*run, "list"], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=120, check=True).stdout
    assert "boss\thq\t-\tboss@example.test" in listed and "eve" not in listed


def test_admin_people__hostile_address_refused_in_russian_and_nothing_saved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at, data = admin_part(tmp_path, monkeypatch, "people")
    at.text_input(key="person.name").input("eve")
    at.text_input(key="person.email").input(INJECTED)
    at.text_input(key="person.password").input("secret-pass")
    at.button(key="FormSubmitter:person.add-Добавить человека").click().run()
    assert not at.exception
    assert "перевод строки или другой управляющий символ" in texts(at)
    assert data.get_user("eve") is None
    before = data.get_user("mia")
    assert before is not None
    at.text_input(key="pe.email.mia").input(MANY[0])
    at.button(key="FormSubmitter:person.edit.mia-Сохранить").click().run()
    assert not at.exception
    assert "больше одного адреса" in texts(at)
    assert data.get_user("mia") == before


def test_hostile_stored_address__fails_alone_with_its_error_others_delivered(
        store: Store, network: dict[str, User], smtp: notify.SmtpSettings,  # noqa: F811
        inbox: Inbox) -> None:  # noqa: F811
    # written straight into the store: no save check ever saw these
    boss = store.get_user("boss")
    assert boss is not None
    store.put_user(dataclasses.replace(boss, email=INJECTED, lang="en"))
    store.enqueue_messages([_message("m1", "first@example.test"),
                            _message("m2", INJECTED),
                            _message("m3", MANY[0]),
                            _message("m4", "mia@exa\x1bmple.test"),  # PostgreSQL holds no NUL
                            _message("m5", "last@example.test")])
    assert notify.queue_test(store, dataclasses.replace(boss, email=INJECTED, lang="en"),
                             now=NOW) == 1
    result = workflow.drain_outbox(store, smtp, now=lambda: NOW)
    assert (result.sent, result.failed) == (2, 4)
    mail = received(inbox)
    assert set(mail) == {"first@example.test", "last@example.test"}  # nobody else, never eve
    assert all("evil" not in str(msg) for msgs in mail.values() for msg in msgs)
    failed = {m.id: m for m in store.list_messages(("dead",))}
    assert len(failed) == 4 and {"m2", "m3", "m4"} < set(failed)  # and boss's test message
    assert all(m.attempts == 1 and m.last_error.startswith("bad recipient address")
               for m in failed.values())
    assert "line break" in failed["m2"].last_error and "\\r\\n" in failed["m2"].last_error
    assert "\r" not in failed["m2"].last_error
    assert "more than one address" in failed["m3"].last_error
    status = store.outbox_status()
    assert (status.pending, status.dead) == (0, 4)
    again = workflow.drain_outbox(store, smtp, now=lambda: "2099-01-01T10:00:00+00:00")
    assert (again.sent, again.failed) == (0, 0)  # failed for good: not re-claimed every round
    assert len(inbox.got) == 2


def test_a_batch_of_bad_addresses__never_holds_back_the_next(
        store: Store, smtp: notify.SmtpSettings, inbox: Inbox) -> None:  # noqa: F811
    bad = [_message(f"b{i:02d}", INJECTED) for i in range(notify.BATCH)]
    store.enqueue_messages([*bad, dataclasses.replace(_message("good", "good@example.test"),
                                                      created_at=NOW.replace("10:00", "10:01"))])
    first = workflow.drain_outbox(store, smtp, now=lambda: NOW)
    assert (first.sent, first.failed) == (0, notify.BATCH)
    second = workflow.drain_outbox(store, smtp, now=lambda: NOW)
    assert (second.sent, second.failed) == (1, 0)
    assert list(received(inbox)) == ["good@example.test"]


def test_admin_shows_the_failed_message_its_error_and_attempts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: notify.SmtpSettings,  # noqa: F811
        inbox: Inbox) -> None:  # noqa: F811
    at, data = admin_part(tmp_path, monkeypatch, "actions")
    data.enqueue_messages([_message("m-bad", INJECTED, subject="Hello"),
                           _message("m-good", "good@example.test")])
    assert workflow.drain_outbox(data, smtp, now=lambda: NOW).failed == 1
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "не отправлено" in shown and "попыток: 1" in shown
    assert "bad recipient address" in shown and "line break" in shown
    assert list(received(inbox)) == ["good@example.test"]


def test_subject_and_name_with_line_breaks__cannot_inject_headers(
        store: Store, smtp: notify.SmtpSettings, inbox: Inbox) -> None:  # noqa: F811
    subject = "Задача возвращена: Вход\r\nBcc: eve@evil.test\r\nX-Injected: 1\n\nbody"
    store.enqueue_messages([_message("m-subj", "mia@example.test", subject=subject,
                                     user="Mia\r\nBcc: eve@evil.test")])
    assert workflow.drain_outbox(store, smtp, now=lambda: NOW).sent == 1
    ((rcpts, msg),) = inbox.got
    assert rcpts == ["mia@example.test"]
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert msg["Subject"] == "Задача возвращена: Вход Bcc: eve@evil.test X-Injected: 1 body"
    assert msg["To"].addresses[0].addr_spec == "mia@example.test"
    assert msg["To"].addresses[0].display_name == "Mia Bcc: eve@evil.test"


def test_idn_address__delivered_to_the_ascii_domain(store: Store, network: dict[str, User],
                                                    smtp: notify.SmtpSettings,  # noqa: F811
                                                    inbox: Inbox) -> None:  # noqa: F811
    mia = accounts.update_user(store, "mia", email="Mia@Пример.РФ", lang="en")
    assert mia.email == "mia@пример.рф"
    assert check_address(mia.email).smtp == "mia@xn--e1afmkfd.xn--p1ai"
    assert notify.queue_test(store, mia, now=NOW) == 1
    assert workflow.drain_outbox(store, smtp, now=lambda: NOW).sent == 1
    ((rcpts, msg),) = inbox.got
    assert rcpts == ["mia@xn--e1afmkfd.xn--p1ai"]
    assert msg["To"].addresses[0].addr_spec == "mia@xn--e1afmkfd.xn--p1ai"


@pytest.fixture
def ascii_server() -> Iterator[tuple[int, Inbox]]:
    """An SMTP server that does not offer SMTPUTF8 (aiosmtpd's Controller does by default)."""
    from aiosmtpd.controller import Controller

    box = Inbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


def test_unicode_local_part__sent_with_smtputf8_failed_alone_without(
        store: Store, network: dict[str, User], smtp: notify.SmtpSettings,  # noqa: F811
        inbox: Inbox, ascii_server: tuple[int, Inbox]) -> None:  # noqa: F811
    olga = accounts.update_user(store, "mia", email="Ольга@Пример.РФ", lang="ru")
    assert olga.email == "ольга@пример.рф"
    notify.queue_test(store, olga, now=NOW)
    store.enqueue_messages([_message("m-ascii", "first@example.test")])
    port, box = ascii_server
    result = workflow.drain_outbox(store, dataclasses.replace(smtp, port=port), now=lambda: NOW)
    assert (result.sent, result.failed) == (1, 1) and "SMTPUTF8" in result.errors[0]
    assert [r for r, _ in box.got] == [["first@example.test"]]
    (dead,) = store.list_messages(("dead",))
    assert dead.attempts == 1 and "SMTPUTF8" in dead.last_error
    assert store.retry_message(dead.id, NOW)  # Admin's "Try again", once the server offers it
    assert workflow.drain_outbox(store, smtp, now=lambda: NOW).sent == 1
    ((rcpts, _),) = inbox.got
    assert rcpts == ["ольга@пример.рф"]


def test_hostile_sender_setting__nothing_sent_messages_kept_for_when_it_is_fixed(
        store: Store, smtp: notify.SmtpSettings, inbox: Inbox) -> None:  # noqa: F811
    store.enqueue_messages([_message("m1", "first@example.test")])
    for sender in ("audit@example.test\r\nBcc: eve@evil.test", "audit@example.test, eve@evil.test"):
        bad = dataclasses.replace(smtp, sender=sender)
        result = workflow.drain_outbox(store, bad, now=lambda: NOW)
        assert result.failed == 1 and "bad sender (`from`) in the [smtp] settings" in result.errors[0]
        assert "\r" not in result.errors[0]
        (kept,) = store.list_messages(("pending",))
        assert store.retry_message(kept.id, NOW)  # not the message's fault: it waits, not failed
    assert inbox.got == []
    assert workflow.drain_outbox(store, smtp, now=lambda: NOW).sent == 1
    assert list(received(inbox)) == ["first@example.test"]
