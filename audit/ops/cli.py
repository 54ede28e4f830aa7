"""The `audit` command: a thin shell over the library."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from audit.checklist.parse import ChecklistError, load_checklist
from audit.core import clock
from audit.core.errors import AppError
from audit.model import ROLES
from audit.store import Store, open_store


class CliError(Exception):
    """A message for stderr; the command exits with status 1."""


def _holds_a_store(folder: Path) -> bool:
    """A store's marker (store.json), or an older layout's index.json that `audit migrate` upgrades."""
    return (folder / "store.json").exists() or (folder / "index.json").exists()


def _store(args: argparse.Namespace, *, create: bool = False) -> Store:
    """The store; only commands that fill one (`demo`, `users add`) may start a new folder.

    A mistyped --data-dir must not become an empty store that silently answers "nothing".
    With AUDIT_DATABASE_URL the folder holds photos only and is made as needed.
    """
    folder = Path(args.data_dir)
    if not os.environ.get("AUDIT_DATABASE_URL") and not _holds_a_store(folder):
        if not create:
            raise CliError(f"no data in {folder}: check --data-dir (or AUDIT_DATA_DIR); "
                           "`audit demo` or `audit users add` starts a new data folder")
        print(f"starting a new data folder in {folder.resolve()}", file=sys.stderr)
    return open_store(args.data_dir)


def cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            load_checklist(path)
        except ChecklistError as err:
            failed += 1
            for problem in err.problems:
                print(problem.format(args.lang), file=sys.stderr)
            continue
        print(f"{path}: ok")
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from audit.ops.demo import DEMO_PASSWORD, generate

    try:
        today = date.fromisoformat(args.today) if args.today else None
    except ValueError:
        raise CliError(f"--today {args.today} is not a date; write it as YYYY-MM-DD, "
                       "e.g. 2026-02-28") from None
    store = _store(args, create=True)
    if store.list_summaries() and not args.force:
        raise CliError(f"{args.data_dir} already holds audits; use an empty folder or --force "
                       "to add demo data beside them")
    result = generate(store, seed=args.seed, audits=args.audits, locations=args.locations,
                      today=today)
    print(f"{result.locations} locations, {result.users} people, {result.audits} audits "
          f"with {result.photos} photos in {args.data_dir}")
    for loc_id, story in result.stories.items():
        loc = store.get_location(loc_id)
        print(f"  {loc.name if loc else loc_id}: {story}")
    if result.actions:
        print(f"{result.in_review} mystery audits wait for review; the rest are reviewed and published")
        print("actions (as `audit actions sync` makes them):")
        for line in result.actions:
            print(f"  {line}")
        print(f"{result.visits} visits planned this week; {result.messages} e-mails wait in the outbox "
              "(to example.com addresses; nothing is sent until [smtp] is configured)")
    print(f"sign in as hq, reviewer1, shopper1 or manager1 with the password {DEMO_PASSWORD}")
    return 0


def _password_from_env_or_prompt(env: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"no password: set {env} or run in a terminal to be asked")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat: "):
        raise CliError("the passwords differ")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from audit.people import accounts

    store = _store(args, create=args.users_cmd == "add")
    if args.users_cmd == "list":
        for u in store.list_users():
            locs = ",".join(u.locations) or ("any" if u.any_location else "-")
            state = "disabled" if u.disabled else ("locked" if u.locked_until else "active")
            print(f"{u.name}\t{u.role}\t{locs}\t{u.email or '-'}\t{state}")
        return 0
    if args.users_cmd == "add":
        password = _password_from_env_or_prompt("AUDIT_PASSWORD")
        user = accounts.create_user(store, args.name, args.role, password,
                                    locations=tuple(args.location or ()), email=args.email or "",
                                    display_name=args.display_name or "",
                                    any_location=args.any_location,
                                    regions=tuple(args.region or ()))
        print(f"added {user.name} ({user.role})")
        return 0
    if args.users_cmd == "passwd":
        password = _password_from_env_or_prompt("AUDIT_PASSWORD")
        accounts.set_password(store, args.name, password)
        print(f"password changed for {args.name}; their other sessions have ended")
        return 0
    raise CliError("choose a users subcommand: add, list, passwd")


def cmd_tokens(args: argparse.Namespace) -> int:
    """API tokens for integrations: add (the secret printed once), list, revoke."""
    from audit.people import tokens

    store = _store(args)
    if args.tokens_cmd == "add":
        secret, token = tokens.issue_token(store, args.name, args.scope, by="cli",
                                           locations=tuple(args.location or ()),
                                           regions=tuple(args.region or ()))
        where = ",".join(token.locations + token.regions) or "network"
        print(f"added {token.id} {token.name!r} ({token.scope}, {where}); the token, shown once:",
              file=sys.stderr)
        print(secret)
        return 0
    if args.tokens_cmd == "list":
        for tk in store.list_tokens():
            where = ",".join(tk.locations + tk.regions) or "network"
            state = f"revoked {tk.revoked_at}" if tk.revoked_at else "active"
            print(f"{tk.id}\t{tk.name}\t{tk.scope}\t{where}\t{state}\t"
                  f"last used {tk.last_used_at or 'never'}")
        return 0
    found = tokens.find_token(store, args.token)
    if found is None:
        raise CliError(f"no token {args.token!r}; `audit tokens list` shows them")
    tokens.revoke_token(store, found.id, by="cli")
    print(f"revoked {found.id} {found.name!r}; it is refused from now on")
    return 0


def cmd_webhooks(args: argparse.Namespace) -> int:
    """Send the webhook deliveries that are due (from cron, where the app does not send them)."""
    from audit import workflow
    from audit.notify import webhooks

    store = _store(args)
    workflow.webhook_daily(store)
    sent = failed = 0
    while True:
        got = webhooks.send_due(store)
        sent, failed = sent + got.sent, failed + got.failed
        if not got.sent:
            break
    print(f"sent {sent}, failed {failed} (retried later)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """PDFs for batch use. The shell is an operator's: it reads the whole data folder anyway."""
    from audit import workflow
    from audit.checklist.templates import get_checklist
    from audit.people import audience
    from audit.reports import pdf as report

    store = _store(args)
    try:
        if args.network:
            if args.audit_id:
                raise CliError("give an audit id or --network, not both")
            checklist = get_checklist(store, args.template)
            rows = [r for r in store.list_summaries() if r.status == "submitted"]
            locations = {loc.id: loc for loc in store.list_locations()}
            pdf = workflow.network_pdf(
                store, rows, locations, checklist, lang=args.lang, date_from=args.date_from,
                date_to=args.date_to, region=args.region, mode=args.mode, tz=args.tz or "UTC")
        else:
            if not args.audit_id:
                raise CliError("give an audit id, or --network for the network report")
            audit = store.get_audit(args.audit_id)
            if audit is None:
                raise CliError(f"no audit {args.audit_id}")
            pdf = workflow.audit_pdf(store, audit, lang=args.lang,
                                     reader=audience.reader_for(args.audience),
                                     tz=args.tz, now=clock.now_iso())
    except (report.FontMissing, ValueError) as err:
        raise CliError(str(err)) from err
    _write(Path(args.output), pdf)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from audit.reports.export import export, output_files

    store = _store(args)
    if args.what == "actions":
        return _export_actions(store, args)
    if args.what == "voice":
        return _export_voice(store, args)
    try:  # the files leave the app: HQ's copy, mystery shoppers by code
        files = export(store, fmt=args.format, date_from=args.date_from, date_to=args.date_to,
                       region=args.region, lang=args.lang, leaves_app=True)
    except ValueError as err:  # an unknown format or a bad date
        raise CliError(str(err)) from err
    for path, data in output_files(args.output, files).items():
        _write(path, data)
    return 0


def _export_actions(store: Store, args: argparse.Namespace) -> int:
    """Every corrective action (of one region with --region), created within --from/--to."""
    from audit.model.actions import ActionFilter
    from audit.reports.action_export import export_actions
    from audit.reports.export import output_files

    found = store.list_actions(ActionFilter(region=args.region) if args.region else None)
    found = [a for a in found if (not args.date_from or a.created_at[:10] >= args.date_from)
             and (not args.date_to or a.created_at[:10] <= args.date_to)]
    try:
        files = export_actions(store, found, fmt=args.format, lang=args.lang, today=clock.now_iso()[:10])
    except ValueError as err:
        raise CliError(str(err)) from err
    into_folder = Path(args.output).is_dir()
    for path, data in output_files(args.output, files).items():
        _write(path.with_name("actions.xlsx") if into_folder and path.suffix == ".xlsx" else path, data)
    return 0


def cmd_voice(args: argparse.Namespace) -> int:
    """Customers' voice: a location's poster (QR code and short link)."""
    from audit.reports.pdf import FontMissing
    from audit.reports.voice import poster_pdf

    store = _store(args)
    try:
        pdf = poster_pdf(store, args.location, args.lang, app_url=args.url)
    except FontMissing as err:
        raise CliError(str(err)) from err
    _write(Path(args.output or f"voice-poster-{args.location}-{args.lang}.pdf"), pdf)
    return 0


def _export_voice(store: Store, args: argparse.Namespace) -> int:
    """Customers' voice: the gap table and its months (whole months from --from/--to)."""
    from audit.reports.export import output_files
    from audit.reports.voice import export_voice

    ids = ([loc.id for loc in store.list_locations() if loc.region == args.region]
           if args.region else None)
    try:
        files = export_voice(store, fmt=args.format, lang=args.lang, location_ids=ids,
                             first_month=args.date_from[:7] if args.date_from else None,
                             last_month=args.date_to[:7] if args.date_to else None)
    except ValueError as err:
        raise CliError(str(err)) from err
    into_folder = Path(args.output).is_dir()
    for path, data in output_files(args.output, files).items():
        _write(path.with_name("voice.xlsx") if into_folder and path.suffix == ".xlsx" else path, data)
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    """Queue the day's overdue digest (once a day) and send what waits; for cron."""
    from audit import workflow
    from audit.notify import outbox as notify

    settings = notify.smtp_settings()
    if settings is None:
        print("e-mail is not configured ([smtp] in .streamlit/secrets.toml or AUDIT_SMTP_HOST); "
              "nothing sent", file=sys.stderr)
        return 0 if args.quiet else 1
    store = _store(args)
    queued = notify.queue_digest(store, settings) if not args.no_digest else 0
    sent = failed = 0
    while True:
        result = workflow.drain_outbox(store, settings)
        sent, failed = sent + result.sent, failed + result.failed
        for err in result.errors:
            print(f"audit notify: {err}", file=sys.stderr)
        if result.sent + result.failed < notify.BATCH or result.failed:
            break
    status = store.outbox_status()
    print(f"queued {queued} digest messages; sent {sent}, failed {failed}; "
          f"{status.pending} waiting, {status.dead} given up")
    return 1 if failed else 0


def cmd_actions(args: argparse.Namespace) -> int:
    """Weigh the audits that reached their branch, oldest first (after an upgrade), and say what
    that did in numbers."""
    from audit.actions.service import sync

    for line in sync(_store(args), since=args.since, redo=args.redo).lines():
        print(line)
    return 0


def cmd_release_held(args: argparse.Namespace) -> int:
    """Complete every audit that has waited its limit for photos that never left the phone."""
    from audit import workflow
    from audit.core import limits

    results = workflow.release_expired(_store(args))
    for audit_id, trouble in results:
        print(f"{audit_id}: " + (f"not released: {trouble}" if trouble
                                 else "completed without its missing photos"))
    done = sum(1 for _, trouble in results if not trouble)
    print(f"released {done} audits held over {limits.HELD_AUDIT_RELEASE_HOURS} h for their photos")
    return 1 if done < len(results) else 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade the data folder (or, with AUDIT_DATABASE_URL, the database) in place."""
    from audit.ops.maintenance import migrate_database, migrate_folder

    url = os.environ.get("AUDIT_DATABASE_URL", "")
    if url:
        migrate_database(url, Path(args.data_dir), print)
    else:
        migrate_folder(Path(args.data_dir), print)
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from audit.ops.maintenance import reindex

    store = _store(args)
    shown = [-1]

    def progress(done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if tenth != shown[0]:
            shown[0] = tenth
            print(f"  {done} of {total} audits", file=sys.stderr)

    counts = reindex(store, progress)
    print(f"rebuilt {counts.rows} rows, {counts.groups} rollup files or groups and "
          f"{counts.photos} photo hashes from the audits")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from audit.ops import check
    from audit.store.integrity import describe

    store = _store(args)
    report = check.repair(store) if args.repair else check.run(store, quick=args.quick)
    if report.finished:
        print(f"finished {report.finished} interrupted change(s) from their journal")
    if report.hooks:
        print(f"made the corrective actions of {report.hooks} audit(s) a crash left without them")
    if report.removed:
        print(f"removed {report.removed} temp file(s) left by writers that stopped")
    if args.repair:
        print(f"repaired {report.repaired} problem(s)")
    for f in report.findings:
        print(describe(f, "en"))
        if not f.repairable:
            print("  cannot be repaired here: restore it from a backup")
    if report.clean:
        print("quick check: no problems found" if report.quick else "no problems found")
        return 0
    if not args.repair and any(f.repairable for f in report.findings):
        print(f"{len(report.findings)} problem(s); `audit check --repair` fixes those it can")
    return 1


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as err:
        raise CliError(f"cannot write {path}: {err.strerror}") from err
    print(f"wrote {path} ({len(data) // 1024} KB)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audit", description="Customer-journey audits: checklists, demo data, reports.")
    data_help = "data folder of the embedded store (default: $AUDIT_DATA_DIR or ./data)"
    parser.add_argument("--data-dir", default=os.environ.get("AUDIT_DATA_DIR", "data"), help=data_help)
    # accepted after the subcommand too (`audit demo --data-dir D`); SUPPRESS keeps the value
    # given before it when none is given after
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument("--data-dir", default=argparse.SUPPRESS, help=data_help)
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("validate", parents=[data_dir],
                       help="check checklist YAML files and list every problem",
                       description="Check checklist YAML files; print 'ok' per good file, every "
                                   "problem of a bad one, and exit 1 if any is bad.")
    p.add_argument("files", nargs="+", help="checklist .yaml files")
    p.add_argument("--lang", choices=("en", "ru"), default="en", help="language of the messages")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("demo", parents=[data_dir], help="fill a store with a realistic demo network",
                       description="Fill the data folder with demo locations, people and a year "
                                   "of audits. The same seed (and --today) gives the same data.")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--audits", type=int, default=360, help="number of audits (default 360)")
    p.add_argument("--locations", type=int, default=15, help="number of locations (min 12)")
    p.add_argument("--today", help="the last day of the demo year, YYYY-MM-DD (default today)")
    p.add_argument("--force", action="store_true", help="add to a store that already has audits")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("users", parents=[data_dir], help="add, list people, change passwords",
                       description="Manage local accounts. Passwords come from a prompt or "
                                   "$AUDIT_PASSWORD, never from an argument.")
    users = p.add_subparsers(dest="users_cmd", required=True)
    u = users.add_parser("add", parents=[data_dir], help="add a person",
                         description="Add a person with a role.")
    u.add_argument("name", help="sign-in name: lowercase letters, digits, . _ -")
    u.add_argument("--role", required=True, choices=ROLES)
    u.add_argument("--location", action="append", help="a location id they work with (repeat)")
    u.add_argument("--email", help="e-mail for single sign-on")
    u.add_argument("--display-name", help="name shown in the app")
    u.add_argument("--any-location", action="store_true",
                   help="a shopper who may audit any location")
    u.add_argument("--region", action="append",
                   help="a region a reviewer reviews, or where a shopper takes open visits (repeat)")
    u.set_defaults(func=cmd_users)
    u = users.add_parser("list", parents=[data_dir], help="list people",
                         description="List people and their roles.")
    u.set_defaults(func=cmd_users)
    u = users.add_parser("passwd", parents=[data_dir], help="change a password",
                         description="Change a password; the person's other sessions end.")
    u.add_argument("name")
    u.set_defaults(func=cmd_users)

    p = sub.add_parser("tokens", parents=[data_dir], help="API tokens for integrations: add, list, revoke",
                       description="Tokens another system uses for /api/v1 and the feed. The token is "
                                   "printed once (to stdout); only its hash is kept.")
    toks = p.add_subparsers(dest="tokens_cmd", required=True)
    tk = toks.add_parser("add", parents=[data_dir], help="make a token and print it once",
                         description="Make a named token. Without --location or --region it reads "
                                     "the whole network, as HQ.")
    tk.add_argument("name", help="what the token is for, e.g. 'Power BI'")
    tk.add_argument("--scope", required=True, choices=("read", "write"))
    tk.add_argument("--location", action="append", help="a location id it may read (repeat)")
    tk.add_argument("--region", action="append", help="a region whose locations it may read (repeat)")
    tk.set_defaults(func=cmd_tokens)
    tk = toks.add_parser("list", parents=[data_dir], help="list tokens, their scope and last use",
                         description="List tokens (never their secrets).")
    tk.set_defaults(func=cmd_tokens)
    tk = toks.add_parser("revoke", parents=[data_dir], help="revoke a token at once",
                         description="Revoke a token by id (or name); every process refuses it at once.")
    tk.add_argument("token", help="its id (tok_…) or name")
    tk.set_defaults(func=cmd_tokens)

    p = sub.add_parser("webhooks", parents=[data_dir], help="send the webhook deliveries that are due",
                       description="One round of webhook deliveries (run it from cron when the app "
                                   "does not send them: AUDIT_WEBHOOKS_IN_APP=0).")
    hooks = p.add_subparsers(dest="webhooks_cmd", required=True)
    wh = hooks.add_parser("send", parents=[data_dir], help="send what is due now",
                          description="Send each endpoint's due deliveries, in order; failures are "
                                      "retried later with backoff.")
    wh.set_defaults(func=cmd_webhooks)

    p = sub.add_parser("report", parents=[data_dir], help="a scored PDF of one audit, or the network report",
                       description="Write a PDF: one audit by id, or with --network the network "
                                   "report for a period, region and template.")
    p.add_argument("audit_id", nargs="?", help="the audit's id")
    p.add_argument("--network", action="store_true", help="the network report instead")
    p.add_argument("--from", dest="date_from", help="first visit day, YYYY-MM-DD (network)")
    p.add_argument("--to", dest="date_to", help="last visit day, YYYY-MM-DD (network)")
    p.add_argument("--region", help="one region only (network)")
    p.add_argument("--template", default="service-point", help="checklist id (network)")
    p.add_argument("--mode", choices=("mystery", "self", "both"), default="mystery",
                   help="which audits the network report ranks (default: mystery)")
    p.add_argument("--for", dest="audience", choices=("branch", "hq"), default="branch",
                   help="who reads the audit PDF: hq also sees the photo re-use flags and positions "
                        "(default: branch)")
    p.add_argument("--tz", default=None,
                   help="time zone of the times printed, e.g. Europe/Moscow (default: the audit's "
                        "location's zone, UTC where it has none; UTC for the network report)")
    p.add_argument("--lang", choices=("ru", "en"), default="ru", help="language of the PDF")
    p.add_argument("-o", "--output", required=True, help="the PDF file to write")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("export", parents=[data_dir],
                       help="audits and their answers, or actions, as CSV or XLSX",
                       description="Export submitted audits and their item-level answers. With csv "
                                   "two files are written beside -o (…-audits.csv, …-answers.csv); "
                                   "with xlsx one workbook with two sheets. --what actions writes "
                                   "the corrective actions instead (…-actions.csv, or one sheet); --what "
                                   "voice the customers' voice gap table (…-voice-gap.csv, "
                                   "…-voice-months.csv and the shoppers' own expected against got, "
                                   "…-voice-shoppers.csv; or three sheets).")
    p.add_argument("--what", choices=("audits", "actions", "voice"), default="audits",
                   help="audits (default), corrective actions, or customers' voice (the gap "
                        "table per location and touchpoint beside the audit score, and its months)")
    p.add_argument("--format", required=True, choices=("csv", "xlsx"))
    p.add_argument("--from", dest="date_from", help="first visit day, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="last visit day, YYYY-MM-DD")
    p.add_argument("--region", help="one region only")
    p.add_argument("--lang", choices=("en", "ru"), default="en", help="language of item texts")
    p.add_argument("-o", "--output", required=True, help="file (or folder) to write")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("voice", parents=[data_dir], help="customers' voice: a location's QR poster",
                       description="Customers' voice. `audit voice poster LOCATION` writes the A4 "
                                   "poster of a location: a QR code of its short link (/v/LOCATION "
                                   "under the public address, AUDIT_APP_URL), in Russian and English.")
    voice_cmds = p.add_subparsers(dest="voice_cmd", required=True)
    v = voice_cmds.add_parser("poster", parents=[data_dir], help="the A4 poster PDF of a location",
                              description="The A4 poster PDF of a location: its QR code and short link.")
    v.add_argument("location", help="the location's id")
    v.add_argument("--lang", choices=("ru", "en"), default="ru",
                   help="the poster's main language (the other one is printed beneath)")
    v.add_argument("--url", default=None,
                   help="the public address phones open (default: AUDIT_APP_URL, or app_url in "
                        "[smtp] of .streamlit/secrets.toml)")
    v.add_argument("-o", "--output", help="the PDF file (default: voice-poster-LOCATION-LANG.pdf)")
    v.set_defaults(func=cmd_voice)

    p = sub.add_parser("notify", help="send the e-mails that wait (run it from cron)",
                       description="Queue the day's digest of overdue actions (once a day, after the "
                                   "digest hour) and send every queued e-mail through SMTP; failures "
                                   "are recorded and tried again later. Exit 1 when a send failed or "
                                   "SMTP is not configured.")
    p.add_argument("--no-digest", action="store_true", help="send what waits, queue no digest")
    p.add_argument("--quiet", action="store_true", help="exit 0 when SMTP is not configured")
    p.set_defaults(func=cmd_notify)

    p = sub.add_parser("actions", help="corrective actions: make them for past audits",
                       description="sync: weigh audits that reached their branch (submitted "
                                   "self-audits, published mystery audits) oldest first: each makes "
                                   "its findings' actions, dated and due from when it reached the "
                                   "branch, and a later audit confirms them (the item passes) or "
                                   "finds them again (a repeat); old audits e-mail nobody. Safe to "
                                   "run again.")
    acts = p.add_subparsers(dest="actions_cmd", required=True)
    a = acts.add_parser("sync", help="make actions from past audits",
                        description="Make actions from audits visited since --since, oldest first.")
    a.add_argument("--since", help="first visit day, YYYY-MM-DD (default: every audit)")
    a.add_argument("--redo", action="store_true",
                   help="first put every action no person has touched back as its audit made it, "
                        "then weigh again (after an earlier version's sync opened them all on "
                        "one day)")
    a.set_defaults(func=cmd_actions)
    p = sub.add_parser("release-held", parents=[data_dir],
                       help="complete audits that waited too long for photos from the phone "
                            "(run it from cron)",
                       description="An audit submitted on the phone waits for the photos still on "
                                   "it. After HELD_AUDIT_RELEASE_HOURS (see the README's limits) "
                                   "it is completed without the ones that never arrived, which "
                                   "its history lists as missing. Exit 1 if one could not be.")
    p.set_defaults(func=cmd_release_held)
    p = sub.add_parser("migrate", help="upgrade the data folder or database to this version",
                       description="Upgrade the store in place. A data folder: copies index.json to "
                                   "backups/ first, builds the new files beside the old, switches, "
                                   "checks counts and a sample, and says what it did; run it again "
                                   "after an interruption. With AUDIT_DATABASE_URL: applies the "
                                   "pending schema steps in one transaction. Stop the app first.")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("reindex", help="rebuild rows, rollups and indexes from the audits",
                       description="Rebuild every summary row, per-person and per-location index, "
                                   "monthly rollup and photo hash from the audits themselves. "
                                   "Writers wait while it runs.")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("check", parents=[data_dir],
                       help="find what a crash or a full disk left inconsistent, and repair it",
                       description="Finish interrupted changes, then list rows without audits, "
                                   "audits without rows, states that differ, indexes and rollups "
                                   "that disagree, leftover temp files and missing photos. Exit 1 "
                                   "if anything is found. Writers wait while it reads.")
    p.add_argument("--repair", action="store_true",
                   help="remove leftovers and rebuild rows, indexes and rollups from the audits")
    p.add_argument("--quick", action="store_true",
                   help="only the part the app runs at start (the latest rows, the journal)")
    p.set_defaults(func=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except (CliError, AppError) as err:
        print(f"audit: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
