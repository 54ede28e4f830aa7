"""E-mail: messages queued in the store's outbox in each reader's language, sent later over SMTP.

Queuing is a small write and never waits for a mail server. Draining — by the app's
background thread (`drain_forever`) or by `audit notify` from cron — claims a few messages
with a lease, sends them, and records each result: sent, or the error and when to try again
(backing off, until MAX_ATTEMPTS). A claimed message is never taken by another drainer
while its lease holds, so two processes draining at once send it once.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import smtplib
import socket
import ssl
import threading
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from audit.checklist.templates import get_checklist
from audit.core.addresses import AddressError, check_address, visible
from audit.core.clock import now_iso
from audit.core.limits import DIGEST_MAX_LINES, DIGEST_MAX_LOCATIONS, MAIL_NEWS_DAYS
from audit.core.text import control_chars, one_line
from audit.i18n import DEFAULT_LANG, t
from audit.i18n.formats import day, percent
from audit.model import AuditHeader, User
from audit.model.actions import OPEN_STATUSES, Action, ActionFilter, Message
from audit.store import Store

log = logging.getLogger(__name__)

SECURITY = ("starttls", "ssl", "none")
MAX_ATTEMPTS = 8
LEASE_SECONDS = 300
BATCH = 20


class SendError(Exception):
    """A message the mail server did not take; the text says what happened and where."""


class BadMessage(Exception):
    """A message no server will ever take as it stands (a bad address): failed at once, not retried."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"  # starttls | ssl | none
    user: str = ""
    password: str = ""
    sender: str = ""
    timeout: float = 20.0
    app_url: str = ""  # the app's address, for links in the e-mails
    cafile: str = ""  # a CA bundle for a mail server with a private certificate
    digest_hour: int = 7  # UTC hour after which the day's overdue digest goes out

    def __repr__(self) -> str:  # never print the password
        return f"SmtpSettings({self.host}:{self.port}, {self.security}, from {self.sender})"


def _secrets_file() -> Path:
    return Path(os.environ.get("AUDIT_SECRETS", ".streamlit/secrets.toml"))


def smtp_settings(env: Mapping[str, str] | None = None, secrets_file: Path | None = None
                  ) -> SmtpSettings | None:
    """[smtp] from .streamlit/secrets.toml, each key overridden by AUDIT_SMTP_<KEY>; None without a host.

    Keys: host, port, security (starttls | ssl | none), user, password, from, timeout,
    app_url (AUDIT_APP_URL), cafile, digest_hour.
    """
    env = os.environ if env is None else env
    table: dict[str, Any] = {}
    path = secrets_file or _secrets_file()
    try:
        with path.open("rb") as f:
            table = dict(tomllib.load(f).get("smtp") or {})
    except FileNotFoundError:
        pass
    except (OSError, tomllib.TOMLDecodeError) as err:
        log.warning("cannot read %s: %s", path, err)
    for key in ("host", "port", "security", "user", "password", "from", "timeout", "cafile",
                "digest_hour"):
        value = env.get(f"AUDIT_SMTP_{key.upper()}")
        if value:
            table[key] = value
    if env.get("AUDIT_APP_URL"):
        table["app_url"] = env["AUDIT_APP_URL"]
    host = str(table.get("host", "") or "").strip()
    if not host:
        return None
    security = str(table.get("security", "starttls")).lower()
    if security not in SECURITY:
        security = "starttls"
    default_port = {"starttls": 587, "ssl": 465, "none": 25}[security]
    return SmtpSettings(
        host=host, port=int(table.get("port") or default_port), security=security,
        user=str(table.get("user", "") or ""), password=str(table.get("password", "") or ""),
        sender=str(table.get("from", "") or table.get("user", "") or f"audit@{host}"),
        timeout=float(table.get("timeout") or 20.0),
        app_url=str(table.get("app_url", "") or "").rstrip("/"),
        cafile=str(table.get("cafile", "") or ""), digest_hour=int(table.get("digest_hour", 7)))


def public_url(env: Mapping[str, str] | None = None, secrets_file: Path | None = None) -> str:
    """The app's public address (AUDIT_APP_URL, else app_url in [smtp] of the secrets file),
    without a trailing slash; "" when none is set. E-mail need not be configured for it."""
    env = os.environ if env is None else env
    if env.get("AUDIT_APP_URL"):
        return env["AUDIT_APP_URL"].strip().rstrip("/")
    path = secrets_file or _secrets_file()
    try:
        with path.open("rb") as f:
            table = dict(tomllib.load(f).get("smtp") or {})
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    return str(table.get("app_url", "") or "").strip().rstrip("/")


# -- composing: one message per reader, in their language ---------------------------------------


def lang_of(user: User) -> str:
    return user.lang if user.lang in ("ru", "en") else DEFAULT_LANG


# A link in a queued body is the app's page behind this marker; the marker becomes the
# configured public address (`app_url`) when the message is built to be sent, so a message
# queued before the address was set still gets an absolute link, and none is stored relative.
APP = "{app-url}"
NO_ADDRESS = ("no public address configured: set app_url in [smtp] of .streamlit/secrets.toml "
              "(or AUDIT_APP_URL) so the links in the e-mails work; the message waits until then")
WAIT = timedelta(minutes=5)  # how soon a message waiting for the public address is looked at again


class Waiting(Exception):
    """A message that cannot be sent yet (no public address for its link): kept pending, never given up."""


def _link(path: str) -> str:
    return f"{APP}{path}"


# a link an older version queued relative (no address was set then): a page path at the end of
# a line, after ": " or alone on it
_RELATIVE = re.compile(r"(?m)(?:(?<=: )|^)(?=/(?:\?id=|actions)\S*$)")


def with_links(body: str, app_url: str) -> str:
    """The body with its links made absolute from `app_url`; Waiting if it has links and no address."""
    marked = APP in body or _RELATIVE.search(body) is not None
    if not marked:
        return body
    base = app_url.strip().rstrip("/")
    if not base:
        raise Waiting(NO_ADDRESS)
    return _RELATIVE.sub(base, body.replace(APP, base))


def _display(user: User | None) -> str:
    return (user.display_name or user.name) if user is not None else ""


def _message(user: User, kind: str, subject: str, body: str, now: str, *, attach_audit: str = "",
             ident: str | None = None, meta: dict[str, Any] | None = None) -> Message | None:
    if not user.email or user.disabled or user.role == "shopper":
        return None  # shoppers never hear of actions or of what a branch was told
    lang = lang_of(user)
    return Message(id=ident or secrets.token_hex(10), to=user.email, user=user.name, lang=lang,
                   kind=kind, subject=subject, body=body + "\n-- \n" + t("mail.footer", lang) + "\n",
                   attach_audit=attach_audit, created_at=now,
                   meta={**(meta or {}), "to_name": _display(user)})


def _finding(store: Store, a: Action, lang: str) -> str:
    try:
        item = get_checklist(store, a.template_id, a.template_version).item(a.key)
    except Exception:  # a template that no longer loads still gets its e-mail, by key
        item = None
    return item.text.get(lang) if item else a.key


def _lines(store: Store, actions: Iterable[Action], lang: str, names: Mapping[str, str]) -> str:
    return "\n".join(t("mail.line", lang, location=names.get(a.location_id, a.location_id),
                       finding=_finding(store, a, lang), due=day(a.due, lang),
                       critical=t("mail.critical", lang) if a.critical else "")
                     for a in sorted(actions, key=lambda a: (a.due, a.location_id, a.key)))


def _names(store: Store) -> dict[str, str]:
    return {loc.id: loc.name for loc in store.list_locations()}


def assigned_messages(store: Store, actions: Sequence[Action], people: Iterable[User], now: str
                      ) -> list[Message]:
    """One message per owner, listing the actions newly theirs."""
    by_name = {u.name: u for u in people}
    names = _names(store)
    out = []
    by_owner: dict[str, list[Action]] = {}
    for a in actions:
        if a.owner:
            by_owner.setdefault(a.owner, []).append(a)
    for owner, mine in sorted(by_owner.items()):
        person = by_name.get(owner)
        if person is None:
            continue
        lang = lang_of(person)
        locs = sorted({names.get(a.location_id, a.location_id) for a in mine})
        m = _message(person, "action_assigned",
                     t("mail.assigned.subject", lang, count=len(mine), location=", ".join(locs)),
                     t("mail.assigned.body", lang, name=person.display_name or person.name,
                       lines=_lines(store, mine, lang, names), link=_link("/actions")), now,
                     meta={"actions": [a.id for a in mine]})
        if m is not None:
            out.append(m)
    return out


def is_news(reached: str, now: str) -> bool:
    """Whether an audit that reached its branch at `reached` is still e-mailed about: within
    MAIL_NEWS_DAYS of `now`. One rule for every e-mail an audit causes — a past audit weighed
    today (`audit actions sync`, a hook finished late) tells nobody about the past."""
    if not reached:
        return False
    try:
        then, at = datetime.fromisoformat(reached), datetime.fromisoformat(now)
    except ValueError:
        return False
    if (then.tzinfo is None) != (at.tzinfo is None):
        then, at = then.replace(tzinfo=None), at.replace(tzinfo=None)
    return at - then <= timedelta(days=MAIL_NEWS_DAYS)


def queue_for_final(store: Store, header: AuditHeader, actions: Sequence[Action],
                    people: Iterable[User], *, now: str, plan: int | None = None) -> int:
    """After an audit reached the branch: the report to its managers (mystery), actions to owners.

    `plan` is how many findings the audit's action plan lists (`audit.actions.service.audit_plan`):
    the count the managers' e-mail gives, as the PDF and the app list them."""
    people = list(people)
    messages = assigned_messages(store, actions, people, now)
    if header.mode == "mystery":
        by = publisher(header, people)
        location = store.get_location(header.location_id)
        summary = store.get_summary(header.id)
        tz = location.tz if location else ""
        for person in people:
            if person.role != "manager" or header.location_id not in person.locations:
                continue
            lang = lang_of(person)
            name = location.name if location else header.location_id
            score = percent(summary.overall if summary else None, lang)  # "75 %" in Russian
            visit_day = day(header.visit_at, lang, tz)  # the visit's day where the branch is
            m = _message(person, "audit_published",
                         t("mail.published.subject", lang, location=name, date=visit_day,
                           score=score),
                         t("mail.published.body", lang, name=person.display_name or person.name,
                           by=by or t("mail.published.someone", lang), location=name,
                           date=visit_day, score=score,
                           count=len(actions) if plan is None else plan,
                           link=_link(f"/?id={header.id}")),
                         now, attach_audit=header.id, ident=f"published-{header.id}-{person.name}")
            if m is not None:
                messages.append(m)
    return store.enqueue_messages(messages) if messages else 0


def publisher(header: AuditHeader, people: Iterable[User]) -> str:
    """Who published the audit last (a reviewer, or HQ without review), by display name; "" if unknown."""
    by = next((str(e.get("by") or "") for e in reversed(header.events)
               if e.get("type") == "published"), "")
    if not by:
        return ""
    return _display(next((u for u in people if u.name == by), None)) or by


def queue_assigned(store: Store, actions: Sequence[Action], *, now: str) -> int:
    messages = assigned_messages(store, actions, store.list_users(), now)
    return store.enqueue_messages(messages) if messages else 0


def queue_sent_back(store: Store, action: Action, by: User, *, now: str) -> int:
    owner = store.get_user(action.owner) if action.owner else None
    if owner is None:
        return 0
    lang = lang_of(owner)
    location = store.get_location(action.location_id)
    finding = _finding(store, action, lang)
    m = _message(owner, "action_sent_back", t("mail.sent_back.subject", lang, finding=finding),
                 t("mail.sent_back.body", lang, name=owner.display_name or owner.name,
                   by=by.display_name or by.name, finding=finding,
                   location=location.name if location else action.location_id,
                   reason=action.reason, link=_link(f"/actions?id={action.id}")), now,
                 meta={"actions": [action.id]})
    return store.enqueue_messages([m]) if m is not None else 0


def queue_test(store: Store, user: User, *, now: str | None = None) -> int:
    at = now or now_iso()
    lang = lang_of(user)
    m = _message(user, "test", t("mail.test.subject", lang),
                 t("mail.test.body", lang, name=user.display_name or user.name), at)
    return store.enqueue_messages([m]) if m is not None else 0


def digest_text(store: Store, overdue: Sequence[Action], lang: str, names: Mapping[str, str],
                today: str, *, table: bool = False) -> str:
    """The digest's list, readable however much is overdue: a line per location (how many, how
    many critical, the oldest due date), worst first, at most DIGEST_MAX_LOCATIONS; then at
    most DIGEST_MAX_LINES actions one by one, oldest due first; the rest is a link to the
    app's action table (HQ's control, with `table`; else the reader's own actions page)."""
    per: dict[str, list[Action]] = {}
    for a in overdue:
        per.setdefault(a.location_id, []).append(a)
    order = sorted(per.items(), key=lambda kv: (-len(kv[1]), min(a.due for a in kv[1]), kv[0]))
    out = [t("mail.digest.location", lang, location=names.get(loc, loc), count=len(xs),
             critical=sum(a.critical for a in xs), oldest=day(min(a.due for a in xs), lang))
           for loc, xs in order[:DIGEST_MAX_LOCATIONS]]
    if len(order) > DIGEST_MAX_LOCATIONS:
        rest = order[DIGEST_MAX_LOCATIONS:]
        out.append(t("mail.digest.more_locations", lang, locations=len(rest),
                     count=sum(len(xs) for _, xs in rest)))
    first = sorted(overdue, key=lambda a: (a.due, not a.critical, a.location_id, a.key))
    out += ["", _lines(store, first[:DIGEST_MAX_LINES], lang, names)]
    if len(first) > DIGEST_MAX_LINES:
        out.append(t("mail.digest.more", lang, count=len(first) - DIGEST_MAX_LINES,
                     link=_link("/actions?state=overdue" if table else "/actions")))
    return "\n".join(out)


def digest_messages(store: Store, today: str, now: str) -> list[Message]:
    """Overdue actions: each owner their own, each reviewer their regions', HQ the network's;
    by location, a bounded list, then a link to the rest (`digest_text`)."""
    overdue = [a for a in store.list_actions(ActionFilter(statuses=OPEN_STATUSES))
               if a.is_overdue(today)]
    if not overdue:
        return []
    names = _names(store)
    out = []
    for person in store.list_users():
        if person.role == "hq":
            theirs = overdue
        elif person.role == "reviewer":
            theirs = [a for a in overdue if a.region in person.regions]
        else:
            theirs = [a for a in overdue if a.owner == person.name]
        if not theirs:
            continue
        lang = lang_of(person)
        m = _message(person, "digest", t("mail.digest.subject", lang, count=len(theirs)),
                     t("mail.digest.body", lang, name=person.display_name or person.name,
                       date=day(today, lang),
                       lines=digest_text(store, theirs, lang, names, today,
                                         table=person.role == "hq"),
                       link=_link("/actions")),
                     now, ident=f"digest-{today}-{person.name}")
        if m is not None:
            out.append(m)
    return out


def queue_digest(store: Store, settings: SmtpSettings, *, now: str | None = None) -> int:
    """Once a day, after the digest hour: the overdue digest (whichever process gets there first)."""
    at = now or now_iso()
    if int(at[11:13] or 0) < settings.digest_hour or not store.claim_once("digest", at[:10]):
        return 0
    messages = digest_messages(store, at[:10], at)
    return store.enqueue_messages(messages) if messages else 0


# -- sending ------------------------------------------------------------------------------------

PdfMaker = Callable[[Store, str, str], bytes]  # (store, audit id, language) -> the PDF attached


def header_text(text: str) -> str:
    """A header value on one line: line breaks and control characters become spaces."""
    return one_line(text)


def _addressee(name: str, to: str) -> str | HeaderAddress:
    try:
        address = check_address(to)  # again here: the store may hold what no save checked
    except AddressError as err:
        raise BadMessage(f"bad recipient address: {err}") from err
    if address.needs_smtputf8:  # a Unicode local part: sent only where the server has SMTPUTF8
        local, domain = address.smtp.rsplit("@", 1)
        return HeaderAddress(display_name=header_text(name), username=local, domain=domain)
    return formataddr((header_text(name), address.smtp)) if name else address.smtp


def _sender(sender: str) -> str:
    """The settings' `from` ("Audit <audit@example.com>" or a bare address), checked like any other."""
    where = "bad sender (`from`) in the [smtp] settings"
    if control_chars(sender) or len(getaddresses([sender])) != 1:
        raise SendError(f"{where}: {visible(sender)} is not one address on one line")
    name, address = parseaddr(sender)
    try:
        smtp = check_address(address).smtp
    except AddressError as err:
        # an operator's own choice may name a local host (audit@localhost, the default
        # audit@<host>): taken if it is one plain ASCII address; otherwise the settings' fault,
        # not the message's, so it is tried again once they are fixed
        if not (address.isascii() and address.count("@") == 1 and address.split("@")[0]
                and address.split("@")[1] and not any(c.isspace() for c in address)):
            raise SendError(f"{where}: {err}") from err
        smtp = address
    return formataddr((header_text(name), smtp)) if name else smtp


def _domain(sender: str, settings: SmtpSettings) -> str:
    """The sender's domain for the Message-ID (the server's host if the sender has none)."""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    try:
        return domain.encode("idna").decode("ascii") if domain else settings.host
    except UnicodeError:
        return settings.host


def _date(at: str) -> str:
    """The Date header for an ISO time (UTC where it names no zone)."""
    when = datetime.fromisoformat(at)
    return format_datetime(when if when.tzinfo else when.replace(tzinfo=UTC))


def build_email(m: Message, settings: SmtpSettings, attachment: tuple[str, bytes] | None = None,
                *, to_name: str = "", now: str | None = None) -> EmailMessage:
    """The message to send; BadMessage if its address or headers can never be sent, Waiting if
    its links need the public address and none is configured.

    The recipient by display name (`to_name`, else the one recorded when queued), the Date (`now`,
    the sending time) and a Message-ID at the sender's domain; the body's links made absolute
    from the configured public address (`with_links`). Every header value is one line (the
    default policy would refuse a line break anyway) and every address is checked again, so a
    value written straight into the store adds no recipient and no header.
    """
    body = with_links(m.body, settings.app_url)
    email = EmailMessage()
    try:
        sender = _sender(settings.sender)
        email["From"] = sender
        email["To"] = _addressee(to_name or str(m.meta.get("to_name") or "") or m.user, m.to)
        email["Subject"] = header_text(m.subject)
        email["Date"] = _date(now or now_iso())
        # short enough for one line (a folded Message-ID confuses some readers); the outbox's
        # id goes in X-Audit-Message
        email["Message-ID"] = make_msgid(domain=header_text(_domain(sender, settings)))
        email["X-Audit-Message"] = header_text(m.id)  # the outbox's id: a resend is recognisable
        email.set_content(body)
        if attachment is not None:
            name, data = attachment
            email.add_attachment(data, maintype="application", subtype="pdf",
                                 filename=header_text(name))
        email["Content-Language"] = header_text(m.lang)  # after the body: set_content drops it
    except (ValueError, TypeError) as err:  # the policy refusing a header: nothing sent
        raise BadMessage(f"cannot build the message: {err}") from err
    return email


def send(settings: SmtpSettings, email: EmailMessage) -> None:
    """One message over one SMTP session; any failure becomes a SendError saying what and where."""
    where = f"{settings.host}:{settings.port}"
    context = ssl.create_default_context(cafile=settings.cafile or None)
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port,
                                                    timeout=settings.timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.user:
                client.login(settings.user, settings.password)
            refused = client.send_message(email)
        if refused:
            raise SendError(f"{where} refused {', '.join(refused)}")
    except SendError:
        raise
    except smtplib.SMTPNotSupportedError as err:  # e.g. a non-ASCII address, and no SMTPUTF8
        raise BadMessage(f"{where} cannot take this message: {err}") from err
    except TimeoutError as err:
        raise SendError(f"no answer from {where} within {settings.timeout:g} s ({err})") from err
    except smtplib.SMTPResponseException as err:
        text = err.smtp_error.decode("utf-8", "replace") if isinstance(err.smtp_error, bytes) \
            else str(err.smtp_error)
        raise SendError(f"{where} refused: {err.smtp_code} {text}") from err
    except smtplib.SMTPServerDisconnected as err:
        if "timed out" in str(err):  # smtplib reports a silent server this way
            raise SendError(f"no answer from {where} within {settings.timeout:g} s") from err
        raise SendError(f"{where} closed the connection: {err}") from err
    except smtplib.SMTPRecipientsRefused as err:
        raise SendError(f"{where} refused the recipient: {err.recipients}") from err
    except smtplib.SMTPException as err:
        raise SendError(f"{where}: {err}") from err
    except ssl.SSLError as err:
        raise SendError(f"TLS with {where} failed: {err.reason or err}") from err
    except OSError as err:
        raise SendError(f"cannot connect to {where}: {err.strerror or err}") from err


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


@dataclass(frozen=True)
class DrainResult:
    sent: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{secrets.token_hex(3)}"


def _iso(dt: datetime) -> str:
    return dt.replace(microsecond=0).isoformat()


def drain(store: Store, settings: SmtpSettings, *, now: Callable[[], str] = now_iso,
          worker: str | None = None, limit: int = BATCH, lease_seconds: int = LEASE_SECONDS,
          make_pdf: PdfMaker) -> DrainResult:
    """Claim up to `limit` due messages, send each, record what happened; nothing is lost.

    Each message is settled on its own: one that fails, however, never holds back the rest.
    A message that can never be sent as it stands (BadMessage: a bad address) fails at once;
    a server or network failure (SendError) or a surprise is tried again, backing off, until
    MAX_ATTEMPTS. Either way its error and attempts stay on it for Admin.
    """
    me = worker or worker_id()
    at = now()
    claimed = store.claim_messages(me, at, _iso(datetime.fromisoformat(at)
                                                + timedelta(seconds=lease_seconds)), limit)
    sent = failed = 0
    errors: list[str] = []
    for m in claimed:
        try:
            _send_one(store, settings, m, make_pdf, now())
        except Exception as err:  # recorded on the message, and the next one goes
            failed += 1
            if isinstance(err, Waiting):  # kept pending, its error shown in Admin, never given up
                errors.append(str(err))
                _record(store, m, me, now, error=str(err), wait=True)
                continue
            final = isinstance(err, BadMessage)
            text = str(err) if isinstance(err, (BadMessage, SendError)) \
                else f"{type(err).__name__}: {err}"
            errors.append(text)
            _record(store, m, me, now, error=text, final=final)
            if isinstance(err, (BadMessage, SendError)):
                log.warning("e-mail %s to %r: %s", m.id, m.to, text)
            else:
                log.exception("e-mail %s to %r", m.id, m.to)
            continue
        sent += 1
        _record(store, m, me, now)
    return DrainResult(sent, failed, tuple(errors))


def _send_one(store: Store, settings: SmtpSettings, m: Message, make_pdf: PdfMaker,
              at: str | None = None) -> None:
    _addressee(m.user, m.to)  # a bad address fails before a PDF is made for it
    with_links(m.body, settings.app_url)  # nor for a message that must wait for the public address
    attachment = None
    body_note = ""
    if m.attach_audit:
        try:
            attachment = (f"audit-{m.attach_audit}-{m.lang}.pdf", make_pdf(store, m.attach_audit, m.lang))
        except Exception as err:  # a report that cannot be made must not stop the e-mail
            body_note = "\n" + t("mail.no_pdf", m.lang, reason=err) + "\n"
    try:
        to_name = _display(store.get_user(m.user)) if m.user else ""
    except Exception:  # the name is a courtesy: the one recorded when queued will do
        to_name = ""
    send(settings, build_email(m if not body_note else replace(m, body=m.body + body_note),
                               settings, attachment, to_name=to_name, now=at))


def _record(store: Store, m: Message, worker: str, now: Callable[[], str], *, error: str = "",
            final: bool = False, wait: bool = False) -> None:
    """The outcome on the message; if even that fails, its lease runs out and it is tried again."""
    when = now()
    try:
        if not error:
            store.finish_message(m.id, worker, now=when)
            return
        attempts = m.attempts + 1
        if wait:
            store.finish_message(m.id, worker, now=when, error=error,
                                 next_try=_iso(datetime.fromisoformat(when) + WAIT), counted=False)
            return
        store.finish_message(m.id, worker, now=when, error=error,
                             next_try=_iso(datetime.fromisoformat(when) + backoff(attempts)),
                             dead=final or attempts >= MAX_ATTEMPTS)
    except Exception:  # the other messages still go; this one returns with its lease
        log.exception("e-mail %s: cannot record the outcome", m.id)


def drain_forever(open_store: Callable[[], Store], stop: threading.Event, interval: float = 60.0,
                  settings: Callable[[], SmtpSettings | None] = smtp_settings, *,
                  make_pdf: PdfMaker) -> None:
    """The app's own drainer: every `interval` seconds, the day's digest and a drain, until `stop`.

    Meant for a background thread (the Streamlit side now, the ASGI entry's lifespan later).
    Without SMTP settings it only waits; an error is logged and tried again next round.
    """
    while not stop.is_set():
        try:
            found = settings()
            if found is not None:
                store = open_store()
                queue_digest(store, found)
                while not stop.is_set() and drain(store, found, make_pdf=make_pdf).sent >= BATCH:
                    pass  # a full batch went out: more may be waiting
        except Exception:  # the thread must outlive a bad round; the next one tries again
            log.exception("e-mail drain failed")
        stop.wait(interval)
