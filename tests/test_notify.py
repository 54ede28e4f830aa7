"""E-mail through a real SMTP server (aiosmtpd on a loopback port): what arrives, in whose language."""

from __future__ import annotations

import dataclasses
import email
import email.utils
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from audit import workflow
from audit.actions import service as actions
from audit.model import User
from audit.model.actions import Message
from audit.notify import outbox as notify
from audit.people import accounts
from audit.store import Store
from tests.conftest import IN_CI, _free_port
from tests.test_actions import mystery

ROOT = Path(__file__).resolve().parent.parent
NOW = f"{date.today().isoformat()}T10:00:00+00:00"


class Inbox:
    """What the SMTP server received; `refuse` makes it answer RCPT with that reply instead."""

    def __init__(self) -> None:
        self.got: list[tuple[list[str], EmailMessage]] = []
        self.refuse: str | None = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, _class=EmailMessage,
                                          policy=email.policy.default)
        with self.lock:
            self.got.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        if IN_CI:
            pytest.fail("aiosmtpd is not installed (pip install -e '.[test]')")
        pytest.skip("aiosmtpd is not installed")
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[int, Inbox]) -> Inbox:
    _, box = smtp_server
    box.got.clear()
    box.refuse = None
    return box


@pytest.fixture
def smtp(smtp_server: tuple[int, Inbox], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
         ) -> notify.SmtpSettings:
    port, _ = smtp_server
    monkeypatch.setenv("AUDIT_SECRETS", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("AUDIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("AUDIT_SMTP_PORT", str(port))
    monkeypatch.setenv("AUDIT_SMTP_SECURITY", "none")
    monkeypatch.setenv("AUDIT_SMTP_FROM", "audit@example.test")
    monkeypatch.setenv("AUDIT_APP_URL", "https://audit.example.test")
    found = notify.smtp_settings()
    assert found is not None
    return dataclasses.replace(found, timeout=5.0)


def with_mail(store: Store, people: dict[str, User]) -> dict[str, User]:
    """E-mail and a language for the people who hear of actions."""
    out = dict(people)
    out["manager"] = accounts.update_user(store, "mia", email="mia@example.test", lang="en")
    out["hq"] = accounts.update_user(store, "boss", email="boss@example.test", lang="ru")
    out["manager2"] = accounts.create_user(store, "olga", "manager", "secret-pass",
                                           locations=("loc-a",), email="olga@example.test")
    out["manager2"] = accounts.update_user(store, "olga", lang="ru")
    accounts.update_user(store, "sue", email="sue@example.test")  # a shopper: never written to
    return out


def received(box: Inbox) -> dict[str, list[EmailMessage]]:
    out: dict[str, list[EmailMessage]] = {}
    for rcpts, msg in box.got:
        for r in rcpts:
            out.setdefault(r, []).append(msg)
    return out


def test_settings__secrets_file_then_env(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[smtp]\nhost = "mail.example.test"\nsecurity = "ssl"\nuser = "u"\n'
                       'password = "s3cr3t-Pw"\nfrom = "Audit <audit@example.test>"\n', encoding="utf-8")
    got = notify.smtp_settings({}, secrets)
    assert got is not None and (got.host, got.port, got.security, got.sender) == (
        "mail.example.test", 465, "ssl", "Audit <audit@example.test>")
    assert "s3cr3t-Pw" not in repr(got) and got.password == "s3cr3t-Pw"  # never printed
    env = {"AUDIT_SMTP_PORT": "2525", "AUDIT_SMTP_SECURITY": "starttls"}
    got = notify.smtp_settings(env, secrets)
    assert got is not None and (got.port, got.security) == (2525, "starttls")
    assert notify.smtp_settings({}, tmp_path / "none.toml") is None


def test_published_audit__reaches_the_branch_managers_in_their_language_with_the_pdf(
        store: Store, network: dict[str, User], smtp: notify.SmtpSettings, inbox: Inbox) -> None:
    people = with_mail(store, network)
    mystery(store, people, entrance__dry=False, office__guard=False)
    assert workflow.drain_outbox(store, smtp).failed == 0
    mail = received(inbox)
    assert set(mail) == {"mia@example.test", "olga@example.test"}  # never the shopper, never HQ
    kinds = {r: sorted(m["Subject"] for m in ms) for r, ms in mail.items()}
    published_en = next(m for m in mail["mia@example.test"] if "mystery audit" in m["Subject"])
    assert published_en["Subject"].startswith("Арбат: mystery audit")
    assert published_en["Content-Language"] == "en"
    pdf = next(published_en.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    assert "https://audit.example.test/?id=" in published_en.get_body(("plain",)).get_content()
    published_ru = mail["olga@example.test"][0]
    assert "тайный покупатель" in published_ru["Subject"] and published_ru["Content-Language"] == "ru"
    assigned = next(m for m in mail["mia@example.test"] if "new actions for you" in m["Subject"])
    body = assigned.get_body(("plain",)).get_content()
    assert "The entrance is dry, no puddle" in body and "critical" in body
    assert len(kinds["mia@example.test"]) == 2
    status = store.outbox_status()
    assert (status.pending, status.last_error) == (0, "") and status.last_sent_at


def test_sent_back__the_owner_hears_why(store: Store, network: dict[str, User],
                                        smtp: notify.SmtpSettings, inbox: Inbox) -> None:
    people = with_mail(store, network)
    mystery(store, people, entrance__dry=False)
    workflow.drain_outbox(store, smtp)
    inbox.got.clear()
    action = next(a for a in store.location_actions("loc-a") if a.key == "entrance.dry")
    actions.assign(store, people["hq"], action.id, owner="olga")
    actions.mark_done(store, people["manager2"], action.id, note="Коврик")
    actions.send_back(store, people["hq"], action.id, "Коврика не видно")
    workflow.drain_outbox(store, smtp)
    mail = received(inbox)["olga@example.test"]
    back = next(m for m in mail if m["Subject"].startswith("Задача возвращена"))
    assert "Коврика не видно" in back.get_body(("plain",)).get_content()


def test_digest__overdue_to_owners_and_hq_once_a_day(store: Store, network: dict[str, User],
                                                     smtp: notify.SmtpSettings, inbox: Inbox) -> None:
    people = with_mail(store, network)
    mystery(store, people, entrance__dry=False)
    workflow.drain_outbox(store, smtp)
    inbox.got.clear()
    late = (date.today() + timedelta(days=20)).isoformat() + "T10:00:00+00:00"
    assert notify.queue_digest(store, smtp, now=late) == 2
    assert notify.queue_digest(store, smtp, now=late) == 0  # a second process, the same day
    workflow.drain_outbox(store, smtp, now=lambda: late)
    mail = received(inbox)
    assert set(mail) == {"mia@example.test", "boss@example.test"}
    assert mail["boss@example.test"][0]["Subject"].startswith("Просроченных задач: ")
    assert mail["mia@example.test"][0]["Subject"].endswith("overdue actions")


def _named(store: Store, people: dict[str, User]) -> dict[str, User]:
    out = with_mail(store, people)
    out["manager"] = accounts.update_user(store, "mia", display_name="Mia Lane")
    out["manager2"] = accounts.update_user(store, "olga", display_name="Ольга Петрова")
    out["hq"] = accounts.update_user(store, "boss", display_name="Борис Главный")
    return out


def test_headers__date_message_id_and_the_reader_by_name(
        store: Store, network: dict[str, User], smtp: notify.SmtpSettings, inbox: Inbox) -> None:
    people = _named(store, network)
    mystery(store, people, entrance__dry=False)
    sent_at = f"{date.today().isoformat()}T10:05:00+00:00"
    assert workflow.drain_outbox(store, smtp, now=lambda: sent_at).failed == 0
    mail = received(inbox)
    ids = set()
    for rcpt, name in (("mia@example.test", "Mia Lane"), ("olga@example.test", "Ольга Петрова")):
        for m in mail[rcpt]:
            assert email.utils.parsedate_to_datetime(m["Date"]) == datetime.fromisoformat(sent_at)
            assert m["Date"].endswith("+0000")
            ident = m["Message-ID"]
            assert ident.startswith("<") and ident.endswith("@example.test>")  # the sender's domain
            assert ident.count("@") == 1 and " " not in ident
            ids.add(ident)
            (addr,) = m["To"].addresses
            assert (addr.display_name, addr.addr_spec) == (name, rcpt)  # never the login name
            assert "olga <" not in str(m["To"]) and "mia <" not in str(m["To"])
    assert len(ids) == sum(len(ms) for ms in mail.values())  # each message its own id
    # the name as it is when the message goes, not as it was when queued
    accounts.update_user(store, "mia", display_name="Mia Lane-Smith")
    notify.queue_test(store, people["manager"], now=sent_at)
    inbox.got.clear()
    assert workflow.drain_outbox(store, smtp, now=lambda: sent_at).sent == 1
    assert inbox.got[0][1]["To"].addresses[0].display_name == "Mia Lane-Smith"


def test_link__queued_before_the_public_address__waits_then_goes_absolute(
        store: Store, network: dict[str, User], smtp: notify.SmtpSettings, inbox: Inbox,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDIT_APP_URL")  # the server's public address not configured yet
    people = with_mail(store, network)
    audit_id = mystery(store, people, entrance__dry=False)
    queued = store.list_messages(("pending",))
    assert queued and all("/?id=" not in m.body or notify.APP + "/?id=" in m.body for m in queued)
    no_address = dataclasses.replace(smtp, app_url="")
    notify.queue_test(store, people["manager"], now=NOW)  # a message without a link still goes
    result = workflow.drain_outbox(store, no_address, now=lambda: NOW)
    assert result.sent == 1 and [m["Subject"] for _, m in inbox.got] == ["Test e-mail from the audit app"]
    assert result.failed == len(queued) and set(result.errors) == {notify.NO_ADDRESS}
    assert result.errors[0].startswith("no public address configured")
    waiting = store.list_messages(("pending", "dead"))
    assert {m.id for m in waiting} == {m.id for m in queued}  # nothing lost, nothing given up
    assert all(m.status == "pending" and m.last_error == notify.NO_ADDRESS for m in waiting)
    assert store.outbox_status().last_error == notify.NO_ADDRESS  # what Admin shows
    # many rounds without the address: still waiting, never dead
    for day in range(1, notify.MAX_ATTEMPTS + 2):
        at = (date.today() + timedelta(days=day)).isoformat() + "T10:00:00+00:00"
        assert workflow.drain_outbox(store, no_address, now=lambda at=at: at).sent == 0
    assert store.outbox_status().dead == 0
    # waiting is not trying: a real failure later still has every one of its tries
    assert {m.attempts for m in store.list_messages(("pending",))} == {0}
    # the address configured: the same queued messages go, with absolute links
    later = (date.today() + timedelta(days=30)).isoformat() + "T10:00:00+00:00"
    result = workflow.drain_outbox(store, smtp, now=lambda: later)
    assert (result.sent, result.failed) == (len(queued), 0)
    bodies = [m.get_body(("plain",)).get_content() for _, m in inbox.got[1:]]
    assert any(f"https://audit.example.test/?id={audit_id}" in b for b in bodies)
    assert any("https://audit.example.test/actions" in b for b in bodies)
    for b in bodies:
        assert notify.APP not in b and ": /" not in b  # never a relative link
    assert store.list_messages(("pending", "dead")) == []


def test_link__stored_relative_by_an_older_version__sent_absolute(
        store: Store, smtp: notify.SmtpSettings, inbox: Inbox) -> None:
    old = Message(id="m-old", to="mia@example.test", user="mia", lang="en", kind="audit_published",
                  subject="Old", body="Hello,\n\nOpen it in the app: /?id=abc123\n\n/actions\n"
                                      "Path in a note: /etc/hosts\n", created_at=NOW)
    store.enqueue_messages([old])
    result = workflow.drain_outbox(store, dataclasses.replace(smtp, app_url=""), now=lambda: NOW)
    assert (result.sent, result.errors) == (0, (notify.NO_ADDRESS,))
    later = (date.today() + timedelta(days=1)).isoformat() + "T10:00:00+00:00"
    assert workflow.drain_outbox(store, smtp, now=lambda: later).sent == 1
    body = inbox.got[0][1].get_body(("plain",)).get_content()
    assert "app: https://audit.example.test/?id=abc123" in body
    assert "\nhttps://audit.example.test/actions" in body
    assert "Path in a note: /etc/hosts" in body  # not a link of the app: left as written


def test_published__names_who_published__the_reviewer_or_hq(
        store: Store, network: dict[str, User], smtp: notify.SmtpSettings, inbox: Inbox) -> None:
    people = _named(store, network)
    rex = accounts.create_user(store, "rex", "reviewer", "secret-pass", regions=("Москва",))
    rex = accounts.update_user(store, "rex", display_name="Рекс Проверяющий")
    audit_id = mystery(store, people, publish=False, entrance__dry=False)
    workflow.publish_reviewed(store, rex, audit_id)
    assert workflow.drain_outbox(store, smtp).failed == 0
    mail = received(inbox)
    en = next(m for m in mail["mia@example.test"] if "mystery audit" in m["Subject"])
    ru = next(m for m in mail["olga@example.test"] if "тайный покупатель" in m["Subject"])
    assert "Рекс Проверяющий published the mystery audit" in en.get_body(("plain",)).get_content()
    assert "Рекс Проверяющий опубликовал(а) аудит" in ru.get_body(("plain",)).get_content()
    for m in (en, ru):
        text = m.get_body(("plain",)).get_content()
        assert "HQ published" not in text and "Головной офис" not in text
    # HQ publishing without review: HQ's person is named
    inbox.got.clear()
    second = mystery(store, people, location="loc-a", entrance__dry=False, visit_at=NOW)
    assert workflow.drain_outbox(store, smtp).failed == 0
    en = next(m for _, m in inbox.got
              if m["To"].addresses[0].addr_spec == "mia@example.test" and "mystery audit" in m["Subject"])
    assert f"/?id={second}" in en.get_body(("plain",)).get_content()
    assert "Борис Главный published the mystery audit" in en.get_body(("plain",)).get_content()


def _one(store: Store) -> Message:
    m = Message(id="m-refused", to="mia@example.test", user="mia", lang="en", kind="test",
                subject="Hello", body="Body", created_at=NOW)
    store.enqueue_messages([m])
    return m


def test_server_refuses__clear_error_recorded_message_kept_and_sent_later(
        store: Store, smtp: notify.SmtpSettings, inbox: Inbox) -> None:
    m = _one(store)
    inbox.refuse = "550 5.1.1 mailbox unavailable"
    result = workflow.drain_outbox(store, smtp, now=lambda: NOW)
    assert (result.sent, result.failed) == (0, 1)
    where = f"127.0.0.1:{smtp.port}"
    assert result.errors[0] == f"{where} refused: 550 5.1.1 mailbox unavailable" or \
        result.errors[0].startswith(f"{where} refused the recipient")
    kept = store.list_messages(("pending",))
    assert [(k.id, k.attempts) for k in kept] == [(m.id, 1)] and "550" in kept[0].last_error
    assert store.outbox_status().last_error == result.errors[0]
    assert workflow.drain_outbox(store, smtp, now=lambda: NOW).sent == 0  # backing off: not yet
    inbox.refuse = None
    later = (date.today() + timedelta(days=1)).isoformat() + "T10:00:00+00:00"
    assert workflow.drain_outbox(store, smtp, now=lambda: later).sent == 1
    assert [msg["Subject"] for _, msg in inbox.got] == ["Hello"]
    assert store.list_messages(("pending", "dead")) == []


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A server that accepts connections and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    port = sock.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(timeout=5)
        for c in held:
            c.close()
        sock.close()


def test_server_times_out__clear_error_recorded_message_kept(
        store: Store, smtp: notify.SmtpSettings, black_hole: int) -> None:
    m = _one(store)
    slow = dataclasses.replace(smtp, port=black_hole, timeout=1.0)
    result = workflow.drain_outbox(store, slow, now=lambda: NOW)
    assert result.failed == 1
    assert result.errors[0].startswith(f"no answer from 127.0.0.1:{black_hole} within 1 s")
    kept = store.list_messages(("pending",))
    assert [k.id for k in kept] == [m.id] and kept[0].last_error == result.errors[0]


def test_no_server_at_all__clear_error(store: Store, smtp: notify.SmtpSettings) -> None:
    _one(store)
    closed = dataclasses.replace(smtp, port=_free_port())
    result = workflow.drain_outbox(store, closed, now=lambda: NOW)
    assert result.errors[0].startswith(f"cannot connect to 127.0.0.1:{closed.port}")
    assert store.outbox_status().pending == 1


def test_gives_up_after_max_attempts__kept_for_admin(store: Store, smtp: notify.SmtpSettings,
                                                     inbox: Inbox) -> None:
    _one(store)
    inbox.refuse = "550 no"
    day = date.today()
    for n in range(notify.MAX_ATTEMPTS):
        at = (day + timedelta(days=n + 1)).isoformat() + "T10:00:00+00:00"
        workflow.drain_outbox(store, smtp, now=lambda at=at: at)  # type: ignore[misc]
    dead = store.list_messages(("dead",))
    assert [(d.id, d.attempts) for d in dead] == [("m-refused", notify.MAX_ATTEMPTS)]
    assert store.outbox_status().dead == 1
    assert store.retry_message("m-refused", NOW)
    assert store.outbox_status().pending == 1


DRAINER = """
import sys
from audit.notify import outbox as notify
from audit import workflow
from audit.store import open_store
store = open_store(sys.argv[1], database_url=sys.argv[2])
settings = notify.SmtpSettings(host="127.0.0.1", port=int(sys.argv[3]), security="none",
                               sender="audit@example.test", timeout=10)
while workflow.drain_outbox(store, settings, limit=3).sent:
    pass
"""


def test_two_processes_drain_at_once__each_message_sent_once(
        store: Store, smtp_server: tuple[int, Inbox], inbox: Inbox, tmp_path: Path) -> None:
    port, _ = smtp_server
    ids = [f"m{i:03d}" for i in range(40)]
    store.enqueue_messages([Message(id=i, to=f"{i}@example.test", user=i, lang="ru", kind="test",
                                    subject=i, body="x", created_at=NOW) for i in ids])
    url = getattr(store, "url", "")
    data = str(getattr(store, "root", tmp_path / "data"))
    procs = [subprocess.Popen([sys.executable, "-c", DRAINER, data, url, str(port)], cwd=ROOT)
             for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=120) == 0
    got = sorted(msg["X-Audit-Message"] for _, msg in inbox.got)
    assert got == ids  # all of them, none twice
    assert store.outbox_status().pending == 0


def test_cli_notify__without_smtp_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from audit.ops.cli import main

    monkeypatch.setenv("AUDIT_SECRETS", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("AUDIT_SMTP_HOST", raising=False)
    assert main(["--data-dir", str(tmp_path / "d"), "notify"]) == 1
    assert "e-mail is not configured" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "d"), "notify", "--quiet"]) == 0


def test_cli_notify__sends_what_waits(smtp: notify.SmtpSettings, inbox: Inbox, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from audit.ops.cli import main
    from audit.store.folder.backend import TinyStore

    _one(TinyStore(tmp_path / "data"))
    assert main(["--data-dir", str(tmp_path / "data"), "notify", "--no-digest"]) == 0
    assert "sent 1, failed 0" in capsys.readouterr().out
    assert len(inbox.got) == 1
