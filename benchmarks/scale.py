"""Every page and action a person waits for, at 1,000 and at 100,000 audits, on both stores.

Builds four stores (1,000 and 100,000 audits; TinyDB and PostgreSQL), or reuses them from a
temp folder keyed by VERSION and the month: 300 locations in 10 regions, 60 shoppers, 300
branch managers, 12 months of audits, about 2.5 photos per submitted audit, a few drafts per
person. Rows come from a pool of demo audits scored once and spread over the network (fast:
rows and files are written directly, not through a submit each); a historic audit's file
keeps the answers HQ and the location page read (its findings, N/A and five more) and names
its photos (their hashes indexed for the re-use check; the files are links to one small
picture, which no timing reads), while the drafts the timings work on are whole checklists.
The stores are what the app would have written: `audit check` finds nothing in them.

Then, small and big store interleaved so machine noise hits both alike, medians of several runs:

- per person (goal: big ÷ small ≤ 1.3): the shopper's and the manager's audits page
  (AppTest, a new session's first run), start (AppTest: tap Start, the walk opens), opening a
  draft (AppTest: the audit page with the walk element in it), a tap's sync (the phone's
  outbox batch of one answer through the /api/sync route, as the phone waits for its
  acknowledgement), submit, sign-in (the store's part: the person by name, a new session, the
  first page's session check; Argon2 aside), a photo upload as a person waits for it (a 12 MP
  JPEG prepared, stored, checked for re-use, attached) — and the re-use check alone;
- HQ (goal ≤ 2.0): the dashboard page (as HQ looks again: the figures are kept while the
  rollups are unchanged; and right after a submit, when the month it changed is read and
  summed again) and a location page (AppTest);
- the dashboard page, both ways, against a bare Streamlit script drawing the same charts and
  tables from frames computed beforehand (goal ≤ 1.5 at 100,000).

Before timing, the people timed must have the same own audits in both stores, and the
dashboard page must show the floor's figures (its headline numbers, ranking and costliest
items), or the script stops with an error.

Prints `scale-NAME: ratio=R (X ms vs Y ms)` per measure (big vs small; page vs floor), then
`scale: ratio=R (X ms vs floor Y ms)` last: the worst per-person ratio, X at the big store and
Y at the small one. `--tiny` runs the same path (12 locations, 60 and 150 audits, one run of
each, both stores, and `audit check` on every store built) in a fresh temp folder.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import gc
import hashlib
import io
import json
import logging
import os
import pickle
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import psycopg  # noqa: E402
from photo import phone_jpeg  # noqa: E402
from PIL import Image  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.exceptions import StarletteDeprecationWarning  # noqa: E402

with warnings.catch_warnings():  # its advice (another HTTP client) is not this script's to take
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest  # noqa: E402

from audit import workflow  # noqa: E402
from audit.actions import service as actions  # noqa: E402
from audit.audits import capture as audits  # noqa: E402
from audit.audits.evidence import add_photo  # noqa: E402
from audit.checklist.templates import get_checklist, install_shipped  # noqa: E402
from audit.core.clock import now_iso  # noqa: E402
from audit.i18n.formats import Fmt  # noqa: E402
from audit.model import Answer, Audit, AuditHeader, Location, PhotoRef, SummaryRow, User  # noqa: E402
from audit.model.actions import ActionFilter  # noqa: E402
from audit.ops import check, process  # noqa: E402
from audit.ops.demo import generate  # noqa: E402
from audit.people import accounts, handoff  # noqa: E402
from audit.photos import reuse_flags  # noqa: E402
from audit.reports import analytics  # noqa: E402
from audit.scoring.score import missing_for_submit  # noqa: E402
from audit.store import AuditFilter, Store  # noqa: E402
from audit.store.folder import docs  # noqa: E402
from audit.store.folder.backend import TinyStore, _install  # noqa: E402
from audit.store.integrity import describe  # noqa: E402
from audit.store.postgres.backend import PostgresStore  # noqa: E402
from audit.web.middleware import middleware  # noqa: E402
from audit.web.routes import routes  # noqa: E402

VERSION = "scale-6"  # change when the data generated or a layout changes
APP = str(ROOT / "streamlit_app.py")
DASHBOARD, LOCATIONS = "audit/ui/pages/dashboard.py", "audit/ui/pages/locations.py"
START, AUDITS = "audit/ui/pages/start.py", "audit/ui/pages/audits.py"
TEMPLATE = "service-point"
PASSWORD = "bench-pass-2026"  # noqa: S105  a benchmark's fake accounts
ORIGIN = "http://testserver"  # the routes' test client: the phone's page and the server agree


@dataclasses.dataclass(frozen=True)
class Net:
    """The network's size: locations, regions, shoppers; the audits a month the people timed
    did themselves (shopper1 and loc-001, each); the demo audits the rows are drawn from."""

    locs: int = 300
    regions: int = 10
    shoppers: int = 60
    own: int = 10
    pool: int = 600


NET = Net()
TINY = Net(locs=12, regions=3, shoppers=6, own=1, pool=40)


# AppTest outside a server warns a lot; Streamlit sets its loggers' levels again on each new
# AppTest, so a filter keeps the warnings out
logging.getLogger("streamlit").setLevel(logging.ERROR)
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    lambda record: record.levelno >= logging.ERROR)


def say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


# --- the network and its audits -----------------------------------------------------------


@functools.cache
def network() -> tuple[list[Location], list[User]]:
    """The same people and places in every store (one Argon2 hash for all of them)."""
    locs = [Location(id=f"loc-{i:03d}", name=f"Точка {i:03d}", region=f"Регион {i % NET.regions + 1}",
                     address=f"ул. Примерная, {i}") for i in range(1, NET.locs + 1)]
    hashed = accounts.hash_password(PASSWORD)
    users = [User(name="hq", role="hq", display_name="HQ", password_hash=hashed)]
    for i in range(1, NET.shoppers + 1):
        mine = tuple(locs[(i * 5 + k) % NET.locs].id for k in range(5))
        users.append(User(name=f"shopper{i}", role="shopper", locations=mine, password_hash=hashed,
                          code=f"S-{i:06X}"))
    for i, loc in enumerate(locs, start=1):
        users.append(User(name=f"manager{i}", role="manager", locations=(loc.id,),
                          password_hash=hashed))
    return locs, users


@functools.cache
def pool(size: int) -> list[tuple[Audit, SummaryRow]]:
    """Demo audits of every checklist, scored once: the answers and rows spread over the network
    (their photos are made per audit, below)."""
    with tempfile.TemporaryDirectory(prefix="scale-pool-") as tmp:
        store = TinyStore(Path(tmp) / "pool")
        generate(store, seed=5, audits=size, locations=15, today=date(2026, 1, 1), with_users=False,
                 photos=False)
        out = []
        for row in store.list_summaries():
            audit = store.get_audit(row.audit_id)
            assert audit is not None
            out.append((audit, row))
        return out


def history(n: int, locs: list[Location], users: list[User]) -> Iterator[tuple[Audit, SummaryRow]]:
    """n audits over the 12 months before today, each with its row; submitted ones with photos.

    The people the timings act as (shopper1, and manager1 of loc-001) have the same own
    history in every store, NET.own audits a month each, and so do the drafts in progress:
    what differs between a small and a big store is the rest of the archive only.
    """
    rng = random.Random(n)
    same = random.Random(1)  # what is the same in every store
    demo = pool(NET.pool)
    shoppers_of: dict[str, list[str]] = {}
    for u in users:
        if u.role == "shopper" and u.name != "shopper1":
            for loc in u.locations:
                shoppers_of.setdefault(loc, []).append(u.name)
    manager_of = {u.locations[0]: u.name for u in users if u.role == "manager"}
    by_name = {u.name: u for u in users}
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    first = today - timedelta(days=365)

    def when(r: random.Random) -> datetime:
        return first + timedelta(seconds=r.randrange(int((today - first).total_seconds())))

    # (who, location, mode, visit, draft) for each audit
    slots: list[tuple[str, str, str, datetime, bool]] = []
    for month in range(12):
        for k in range(NET.own):
            visit = first + timedelta(days=30 * month + same.randrange(30), hours=k % 8)
            slots.append(("shopper1", same.choice(by_name["shopper1"].locations), "mystery", visit, False))
            mode = "self" if k % 2 else "mystery"
            who = "manager1" if mode == "self" else same.choice(shoppers_of.get("loc-001", ["shopper2"]))
            slots.append((who, "loc-001", mode, visit, False))
    for u in users:  # drafts in progress: two per shopper, one per tenth manager
        for _ in range(2 if u.role == "shopper" else 1 if u.role == "manager" and
                       int(u.name[7:]) % 10 == 1 else 0):
            loc_id = u.locations[0]
            slots.append((u.name, loc_id, "mystery" if u.role == "shopper" else "self",
                          today - timedelta(days=same.randrange(0, 10)), True))
    fixed = len(slots)
    if n < fixed:
        raise SystemExit(f"a store needs at least {fixed} audits: the people timed and the drafts")
    others = [loc for loc in locs if loc.id != "loc-001"]
    while len(slots) < n:
        loc = others[len(slots) % len(others)]
        mode = "self" if rng.random() < 0.4 else "mystery"
        who = manager_of[loc.id] if mode == "self" else rng.choice(shoppers_of.get(loc.id, ["shopper2"]))
        slots.append((who, loc.id, mode, when(rng), False))
    loc_by_id = {loc.id: loc for loc in locs}
    for i, (who, loc_id, mode, visit, is_draft) in enumerate(slots[:n]):
        r = same if i < fixed else rng
        loc = loc_by_id[loc_id]
        base_audit, base_row = demo[r.randrange(len(demo))]
        audit_id = f"h{n}-{i:06d}"
        at = visit.isoformat()
        status = "draft" if is_draft else "submitted"
        # only a submitted mystery audit is published (a draft never is)
        published = mode == "mystery" and r.random() < 0.85 and not is_draft
        keep = set(base_row.findings) | set(base_row.na)
        keep |= set(list(base_audit.answers)[:5])
        answers = {k: dataclasses.replace(a, by=who, at=at) for k, a in base_audit.answers.items()
                   if k in keep}
        done = (visit + timedelta(minutes=40)).isoformat()
        events: tuple[dict[str, Any], ...] = ({"type": "started", "by": who, "at": at},)
        if status == "submitted":
            events += ({"type": "submitted", "by": who, "at": done},)
        photos: dict[str, PhotoRef] = {}
        if status == "draft":
            row = SummaryRow(audit_id=audit_id, location_id=loc.id, region=loc.region,
                             template_id=base_row.template_id,
                             template_version=base_row.template_version, mode=mode, auditor=who,
                             status="draft", started_at=at, visit_at=at, answered=len(answers),
                             total=base_row.total)
        else:
            row = dataclasses.replace(base_row, audit_id=audit_id, location_id=loc.id,
                                      region=loc.region, mode=mode, auditor=who, status=status,
                                      started_at=at, visit_at=at, submitted_at=done,
                                      published=published)
            # up to five photos, each on an answer kept in the file (the findings' first)
            targets = [k for k in base_row.findings if k in answers] or list(answers)
            for k in range(r.randrange(6) if targets else 0):
                ref = PhotoRef(sha256=hashlib.sha256(f"{audit_id}-{k}".encode()).hexdigest(),
                               width=1600, height=1200, size=240_000, uploaded_at=done,
                               captured_at=at, phash=random_hash(r), source_format="jpeg")
                photos[ref.sha256] = ref
                key = targets[k % len(targets)]
                answers[key] = dataclasses.replace(answers[key],
                                                   photos=(*answers[key].photos, ref.sha256))
        header = AuditHeader(id=audit_id, template_id=base_row.template_id,
                             template_version=base_row.template_version, location_id=loc.id,
                             mode=mode, auditor=who, lang="ru", status=status, started_at=at,
                             visit_at=at, submitted_at=done if status == "submitted" else "",
                             published=published, events=events)
        yield Audit(header=header, answers=answers, photos=photos), row


def random_hash(rng: random.Random) -> str:
    """A 64-bit picture hash, uniform (real ones bunch up more), and one the check reads."""
    from audit.photos import hash_pieces

    while True:
        phash = f"{rng.getrandbits(64):016x}"
        if hash_pieces(phash) is not None:
            return phash


def audit_doc(audit: Audit) -> dict[str, Any]:
    return {"header": {"1": audit.header.to_dict()},
            "answers": {str(i): a.to_dict() for i, a in enumerate(audit.answers.values(), start=1)},
            "photos": {str(i): p.to_dict() for i, p in enumerate(audit.photos.values(), start=1)}}


@functools.cache
def stand_in() -> bytes:
    """The one small picture every historic photo's display copy and thumbnail stand for."""
    out = io.BytesIO()
    Image.new("RGB", (160, 120), (120, 130, 140)).save(out, "JPEG", quality=70)
    return out.getvalue()


def link_photos(root: Path, shas: Iterator[str] | list[str]) -> None:
    """A data folder's photo files for these hashes, as links to the stand-in picture (the
    check looks for each display copy; nothing timed reads a historic audit's photos)."""
    photos = root / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    for kind in ("display", "thumb"):
        (photos / f"stand-in.{kind}.jpg").write_bytes(stand_in())
    made: set[str] = set()
    for sha in shas:
        folder = photos / sha[:2]
        if sha[:2] not in made:
            folder.mkdir(exist_ok=True)
            made.add(sha[:2])
        for kind in ("display", "thumb"):
            os.symlink(f"../stand-in.{kind}.jpg", folder / f"{sha}.{kind}.jpg")


# --- building the stores ----------------------------------------------------------------------


def people_and_places(store: Store) -> tuple[list[Location], list[User]]:
    locs, users = network()
    for loc in locs:
        store.put_location(loc)
    for u in users:
        store.put_user(u)
    install_shipped(store, by="bench")
    return locs, users


def build_tinydb(root: Path, n: int) -> None:
    store = TinyStore(root)
    locs, users = people_and_places(store)
    rows: list[SummaryRow] = []
    hashes: list[tuple[str, str, str]] = []
    folder = root / "audits"
    for audit, row in history(n, locs, users):
        (folder / f"{audit.id}.json").write_bytes(docs.dumps(audit_doc(audit)))
        rows.append(row)
        hashes += [(audit.id, p.sha256, p.phash) for p in audit.photos.values()]
    link_photos(root, [sha for _, sha, _ in hashes])
    with store.locks.exclusive():
        _install(root, store.locks, ".bench", rows, hashes, {})


def build_pg(url: str, n: int, photo_dir: Path) -> None:
    store = PostgresStore(url, photo_dir=photo_dir)
    locs, users = people_and_places(store)
    rows: list[SummaryRow] = []
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        items = list(history(n, locs, users))
        with cur.copy("COPY audits (id, header) FROM STDIN") as cp:
            for audit, _ in items:
                cp.write_row((audit.id, json.dumps(audit.header.to_dict(), ensure_ascii=False)))
        with cur.copy("COPY answers (audit_id, key, doc) FROM STDIN") as cp:
            for audit, _ in items:
                for a in audit.answers.values():
                    cp.write_row((audit.id, a.key, json.dumps(a.to_dict(), ensure_ascii=False)))
        with cur.copy("COPY audit_photos (audit_id, sha256, doc) FROM STDIN") as cp:
            for audit, _ in items:
                for ref in audit.photos.values():
                    cp.write_row((audit.id, ref.sha256, json.dumps(ref.to_dict(), ensure_ascii=False)))
        # the photos' bytes: the stand-in picture as each one's display copy and thumbnail
        with cur.copy("COPY photo_files (sha256, kind, ext, data) FROM STDIN") as cp:
            for audit, _ in items:
                for sha in audit.photos:
                    cp.write_row((sha, "display", "jpg", stand_in()))
                    cp.write_row((sha, "thumb", "jpg", stand_in()))
        with cur.copy("COPY summaries (audit_id, location_id, status, doc, auditor, template_id, mode, "
                      "region, visit, month, submitted_at) FROM STDIN") as cp:
            for _, row in items:
                when = row.visit_at or row.started_at
                cp.write_row((row.audit_id, row.location_id, row.status,
                              json.dumps(row.to_dict(), ensure_ascii=False), row.auditor,
                              row.template_id, row.mode, row.region, when, when[:7],
                              row.submitted_at))
                rows.append(row)
        from audit.photos import hash_pieces

        with cur.copy("COPY photo_hashes (audit_id, sha256, phash, p0, p1, p2, p3, p4, p5, p6) "
                      "FROM STDIN") as cp:
            for audit, row in items:
                if row.status != "submitted":
                    continue
                for ref in audit.photos.values():
                    cp.write_row((audit.id, ref.sha256, ref.phash,
                                  *(hash_pieces(ref.phash) or (None,) * 7)))
        PostgresStore._write_rollups(cur, [r for r in rows if r.status == "submitted"])
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    store.close()


@contextmanager
def pg_server(folder: Path) -> Iterator[str]:
    """A PostgreSQL server whose data folder is kept in the cache between runs."""
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1].parent
    data, sock = folder / "pgdata", folder / "sock"
    prefix: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if not (data / "PG_VERSION").exists():
        shutil.rmtree(data, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        if prefix:
            shutil.chown(folder, "postgres")
        subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                        "postgres", "--no-sync"], check=True, capture_output=True)
    sock.mkdir(exist_ok=True)
    if prefix:
        shutil.chown(sock, "postgres")
    port = 54000 + os.getpid() % 1000
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"),
                    "-o", f"-k {sock} -p {port} -c listen_addresses='' -c fsync=off "
                    "-c shared_buffers=256MB", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@/postgres?host={sock}&port={port}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True, check=False)


def ensure_stores(cache: Path, sizes: list[int], backends: list[str], server: str | None, *,
                  check_built: bool = False) -> dict[tuple[str, int], tuple[Store, dict[str, str]]]:
    """(backend, size) → the store and the environment the app needs to open it.

    The store is the app's own (audit.ops.process: one per data folder or database in a
    process), so the pages, the routes and the timings here share it, as in a server.
    With `check_built`, `audit check` must find nothing in a store just built.
    """
    out: dict[tuple[str, int], tuple[Store, dict[str, str]]] = {}
    for n in sizes:
        built: list[str] = []
        if "tinydb" in backends:
            root = cache / f"tinydb-{n}"
            env = {"AUDIT_DATA_DIR": str(root), "AUDIT_DATABASE_URL": ""}
            if not (cache / f"tinydb-{n}.built").exists():
                shutil.rmtree(root, ignore_errors=True)
                t0 = time.perf_counter()
                build_tinydb(root, n)
                (cache / f"tinydb-{n}.built").write_text("ok")
                say(f"built TinyDB with {n} audits in {time.perf_counter() - t0:.0f} s")
                built.append("tinydb")
            # the timings submit and upload: they work on a copy, so the cache stays as built
            # and a second run finds the same stores
            work = cache / f"work-tinydb-{n}"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(root, work, symlinks=True)
            env = {"AUDIT_DATA_DIR": str(work), "AUDIT_DATABASE_URL": ""}
            with app_env(env):
                out[("tinydb", n)] = (process.process_store(), env)
        if "postgres" in backends and server is not None:
            name = f"scale_{n}"
            url = server.replace("/postgres?", f"/{name}?")
            photos = cache / f"pg-photos-{n}"
            env = {"AUDIT_DATA_DIR": str(photos), "AUDIT_DATABASE_URL": url}
            if not (cache / f"postgres-{n}.built").exists():
                with psycopg.connect(server, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {name}")
                    conn.execute(f"CREATE DATABASE {name}")
                t0 = time.perf_counter()
                build_pg(url, n, photos)
                (cache / f"postgres-{n}.built").write_text("ok")
                say(f"built PostgreSQL with {n} audits in {time.perf_counter() - t0:.0f} s")
                built.append("postgres")
            work_name = f"work_{n}"  # a copy, as for the folder store
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {work_name}")
                conn.execute(f"CREATE DATABASE {work_name} TEMPLATE {name}")
            env = {"AUDIT_DATA_DIR": str(photos),
                   "AUDIT_DATABASE_URL": server.replace("/postgres?", f"/{work_name}?")}
            with app_env(env):
                out[("postgres", n)] = (process.process_store(), env)
        for backend in built if check_built else []:
            store = out[(backend, n)][0]
            report = check.run(store)
            assert report.clean, (f"audit check on the {backend} store of {n} audits: "
                                  + "; ".join(describe(f, "en") for f in report.findings[:5])
                                  + f" ({len(report.findings)} in all)")
            say(f"audit check: nothing found in the {backend} store of {n} audits")
    return out


# --- what is timed --------------------------------------------------------------------------------


def complete_draft(store: Store, user: User, location_id: str) -> str:
    """A service-point draft with every required answer and photo: ready to submit."""
    header = audits.start_audit(store, user, location_id=location_id, template_id=TEMPLATE,
                                mode="mystery" if user.role == "shopper" else "self", lang="ru")
    checklist = get_checklist(store, TEMPLATE, header.template_version)
    answers: dict[str, Answer] = {}
    for section in checklist.sections:
        for item in section.items:
            key = f"{section.id}.{item.id}"
            value = _good(item)
            if value is not None:
                answers[key] = Answer(key=key, value=value, by=user.name, at=now_iso())
    photographed = [key for key, what in missing_for_submit(checklist, answers, photos=())
                    if what == "photo"]
    for key, a in answers.items():
        store.save_answer(header.id, key, lambda _old, a=a: a)
    for key in photographed:  # a required photo counts only as one the audit received
        add_photo(store, user, header.id, key, stand_in())
    return header.id


def _good(item: Any) -> Any:
    t = item.type
    if t == "yes_no":
        return True
    if t == "scale":
        return item.scale_max
    if t in ("choice",):
        return max(item.options, key=lambda o: o.score).id
    if t == "multi":
        return [o.id for o in item.options]
    if t in ("number",):
        return 1.0 if item.bands and item.bands[0].max else 0.0
    if t == "wait_time":
        return {"minutes": 1}
    if t == "hours":
        return {d: ["09:00", "21:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    if t == "typo_check":
        return {"text": "ok", "flagged": [], "typos": []}
    return None


@contextmanager
def app_env(env: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_components: list[Any] = []


def new_app(script: str) -> AppTest:
    """An AppTest sharing one component registry: AppTest scans every installed package for
    components on each new session (0.5 s or more), which a server does once at start."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    if not _components:
        _components.append(BidiComponentManager())
        _components[0].discover_and_register_components(start_file_watching=False)
    at = AppTest.from_file(script, default_timeout=300)
    at._bidi_component_manager = _components[0]
    return at


def session(store: Store, name: str, env: dict[str, str]) -> AppTest:
    user = store.get_user(name)
    assert user is not None
    at = new_app(APP)
    at.session_state["lang"] = "ru"
    at.session_state["_token"] = accounts.start_session(store, user)
    return at


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


@dataclasses.dataclass
class Phone:
    """What a phone holds for the sync route: the test client (its cookie), the CSRF token,
    the draft and item it taps, its last sequence number and the answers' digest it knows."""

    client: TestClient
    csrf: str
    draft: str
    key: str
    seq: int = 0
    digest: str | None = None


class Case:
    """One store with what the timings need prepared."""

    def __init__(self, store: Store, env: dict[str, str]) -> None:
        self.store, self.env = store, env
        self.shopper = store.get_user("shopper1")
        self.manager = store.get_user("manager1")
        assert self.shopper is not None and self.manager is not None
        self.loc = self.shopper.locations[0]
        checklist = get_checklist(store, TEMPLATE)
        self.photo_key = next(f"{s.id}.{i.id}" for s, i in checklist.items() if i.type == "yes_no")

    def page(self, user: str, switch: str | None = None, query: dict[str, str] | None = None) -> float:
        with app_env(self.env):
            at = session(self.store, user, self.env)
            if switch is None:
                seconds = timed(at.run)
            else:
                at.run()
                for k, v in (query or {}).items():
                    at.query_params[k] = v
                seconds = timed(lambda: at.switch_page(switch).run())
            assert not at.exception, at.exception
            return seconds

    def start(self) -> float:
        with app_env(self.env):
            at = session(self.store, "shopper1", self.env)
            at.run()
            at.switch_page(START).run()
            seconds = timed(lambda: at.button(key="start.go").click().run())
            assert not at.exception and at.query_params.get("id"), at.exception
            return seconds

    def walk(self, draft: str) -> float:
        """Opening a draft: the audit page of a new session, the walk element mounted."""
        with app_env(self.env):
            at = session(self.store, "shopper1", self.env)
            at.run()
            at.query_params["id"] = draft
            seconds = timed(lambda: at.switch_page(AUDITS).run())
            assert not at.exception, at.exception
            shown = [json.loads(e.proto.json) for e in at.get("bidi_component")
                     if e.proto.component_name == "audit_walk"]
            assert [w["audit"] for w in shown] == [draft], "the walk did not open the draft"
            return seconds

    def sync_session(self) -> Phone:
        """A phone with a draft open: signed in to the routes (cookie and CSRF token), and the
        draft's answers as the server last told it (the digest it sends as `known`)."""
        with app_env(self.env):
            draft = audits.start_audit(self.store, self.shopper, location_id=self.loc,
                                       template_id=TEMPLATE, mode="mystery", lang="ru").id
            client = TestClient(Starlette(routes=routes(), middleware=middleware()), base_url=ORIGIN)
            token = accounts.start_session(self.store, self.shopper)
            r = client.post("/api/session", json={"ticket": handoff.issue_ticket(token)},
                            headers={"Origin": ORIGIN})
            assert r.status_code == 204, r.text
            phone = Phone(client, handoff.csrf_token(token), draft, self.photo_key)
            self.sync(phone, 0)  # the first batch: the phone learns the digest
            return phone

    def sync(self, phone: Phone, n: int) -> float:
        """One tap's batch (an answer, flipped each time) until the server's acknowledgement."""
        phone.seq += 1
        at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        value = n % 2 == 0
        body = json.dumps({"audit": phone.draft, "client": "bench-phone-0001", "known": phone.digest,
                           "changes": [{"seq": phone.seq, "kind": "answer", "key": phone.key,
                                        "at": at, "value": value}]})
        headers = {"Origin": ORIGIN, "X-CSRF-Token": phone.csrf, "X-Lang": "ru",
                   "Content-Type": "application/json"}
        with app_env(self.env):
            t0 = time.perf_counter()
            r = phone.client.post("/api/sync", content=body, headers=headers)
            seconds = time.perf_counter() - t0
        assert r.status_code == 200, r.text
        reply = r.json()
        assert reply["acked"] == [phone.seq] and reply["answers"][phone.key]["value"] is value, reply
        phone.digest = reply["digest"]
        return seconds

    def submit(self, draft: str) -> float:
        return timed(lambda: workflow.submit(self.store, self.shopper, draft))

    def sign_in(self) -> float:
        def store_part() -> None:
            user = self.store.get_user("shopper2")
            assert user is not None
            token = accounts.start_session(self.store, user)
            assert accounts.session_user(self.store, token) is not None

        return timed(store_part)

    def upload(self, data: bytes, draft: str, seq: int) -> tuple[float, float]:
        """The whole upload a person waits for (what the /api/photo route runs: prepared,
        stored, checked for re-use, attached through the phone's receipts), and the re-use
        check of that photo alone."""
        header = self.store.get_header(draft)
        assert header is not None
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        t0 = time.perf_counter()
        added = add_photo(self.store, self.shopper, draft, self.photo_key, data,
                          client="bench-phone-0002", seq=seq, at=at)
        whole = time.perf_counter() - t0
        assert added.result is not None and added.result.applied == (seq,), added.result
        ref = added.ref
        check_alone = timed(lambda: reuse_flags(
            ref, audit_id=draft, visit_at=header.visit_at,
            known=self.store.photo_candidates(ref.sha256, ref.phash)))
        return whole, check_alone

    def reuse_check(self) -> float:
        ref = PhotoRef(sha256=hashlib.sha256(b"probe").hexdigest(), width=1, height=1, size=1,
                       uploaded_at=now_iso(), phash=random_hash(random.Random(1)))
        return timed(lambda: reuse_flags(ref, audit_id="x", visit_at=None,
                                         known=self.store.photo_candidates(ref.sha256, ref.phash)))


# --- the floor: the dashboard's charts and tables from frames computed beforehand ---------------

FLOOR = '''
import os, pickle
import altair as alt
import streamlit as st

RED = "#c0392b"
st.set_page_config(layout="wide")
f = pickle.load(open(os.environ["SCALE_FLOOR"], "rb"))
st.header("Дашборд", anchor=False)
with st.container(border=True):
    cols = st.columns(2)
    cols[0].select_slider("Период (месяцы)", f["months"], value=(f["months"][-6], f["months"][-1]), key="p")
    cols[1].selectbox("Чек-лист", f["templates"], key="t")
    cols = st.columns(2)
    cols[0].selectbox("Регион", [""] + f["regions"], key="r")
    cols[1].segmented_control("Режим", ["both", "mystery", "self"], default="both", key="m")
st.multiselect("Точки в динамике", f["names"], max_selections=6, key="c",
               placeholder="До 6 точек")
cols = st.columns(3)
cols[0].metric("Аудитов", f["audits"])
cols[1].metric("Слабейшая точка", f["weakest"][0], delta=f["weakest"][1], help="…")
cols[1].caption(f["weakest"][2])
cols[2].metric("Слабейший раздел", f["weakest_cell"][0])
cols[2].caption(f["weakest_cell"][1])
st.warning(f["headline"], icon=":material/flag:")
tabs = st.tabs(["Рейтинг", "Карта", "Динамика", "Пункты", "Разрыв", "Сравнение", "Экспорт", "Задачи"])
with tabs[0]:
    st.space("small")
    st.dataframe(f["ranking"], hide_index=True, width="stretch", column_config={
        "Точка": st.column_config.TextColumn("Точка", pinned=True),
        "Балл": st.column_config.ProgressColumn("Балл", min_value=0, max_value=100, format="%.0f%%",
                                                width="small"),
        "link": st.column_config.LinkColumn(" ", display_text="↗")})
with tabs[1]:
    narrow = f"width / {max(len(f['sections']), 1)} < 26"
    base = alt.Chart(f["heatmap"]).encode(
        x=alt.X("section:N", sort=f["sections"], title=None,
                axis=alt.Axis(labelAngle=alt.ExprRef(f"{narrow} ? -90 : -35"), labelLimit=160,
                              labelOverlap=False, orient="top")),
        y=alt.Y("location:N", sort=f["order"], title=None, axis=alt.Axis(labelLimit=120, labelOverlap=False)))
    rect = base.mark_rect().encode(
        color=alt.Color("score:Q", scale=alt.Scale(domain=[0, 60, 85, 100],
                        range=[RED, "#f1c40f", "#8bc34a", "#2e8b57"]),
                        legend=alt.Legend(title="%", orient="bottom", gradientLength=160)),
        tooltip=["location", "section", alt.Tooltip("score:Q", format=".0f"), "audits"])
    text = base.mark_text(fontSize=10).encode(text=alt.Text("score:Q", format=".0f"),
                                              color=alt.value("#1b1b1b"),
                                              opacity=alt.condition(narrow, alt.value(0), alt.value(1)))
    st.altair_chart(rect + text, width="stretch", height=220 + 26 * len(f["order"]))
with tabs[2]:
    st.altair_chart(alt.Chart(f["trend"]).mark_line(point=True).encode(
        x=alt.X("month:O", title=None), y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100]), title="%"),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["series", "month", alt.Tooltip("score:Q", format=".0f"), "audits"]), width="stretch")
    st.caption("…")
with tabs[3]:
    st.altair_chart(alt.Chart(f["worst"]).mark_bar(color=RED).encode(
        x=alt.X("lost:Q", title="Потеряно баллов"),
        y=alt.Y("item:N", sort=list(f["worst"]["item"]), title=None,
                axis=alt.Axis(labelLimit=320, labelOverlap=False)),
        tooltip=["item", alt.Tooltip("lost:Q", format=".1f", title="…"),
                 alt.Tooltip("per_audit:Q", format=".2f", title="…"), alt.Tooltip("audits:Q", title="…")]),
        width="stretch", height=60 + 26 * len(f["worst"]))
    st.caption("…")
    st.dataframe(f["worst"], hide_index=True, width="stretch", column_config={
        "lost": st.column_config.NumberColumn(format="%.1f"),
        "per_audit": st.column_config.NumberColumn(format="%.2f"),
        "rate": st.column_config.NumberColumn(format="%.0f%%")})
with tabs[4]:
    st.altair_chart(alt.Chart(f["gaps"]).mark_bar().encode(
        x=alt.X("gap:Q", title="…"), y=alt.Y("location:N", sort="-x", title=None,
                                              axis=alt.Axis(labelOverlap=False)),
        color=alt.condition("datum.flagged", alt.value(RED), alt.value("#7f8c8d")),
        tooltip=["location", alt.Tooltip("self:Q", format=".0f"), alt.Tooltip("mystery:Q", format=".0f"),
                 alt.Tooltip("gap:Q", format="+.0f"), "n"]),
        width="stretch", height=60 + 26 * len(f["gaps"]))
    st.caption("…")
with tabs[5]:
    cols = st.columns(2)
    cols[0].selectbox("A", f["names"], index=0, key="a")
    cols[1].selectbox("B", f["names"], index=1, key="b")
    for col, side in zip(st.columns(2), f["compare_sides"]):
        col.metric(side[0], side[1], help="…")
    st.altair_chart(alt.Chart(f["compare"]).mark_bar().encode(
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title="%"),
        y=alt.Y("section:N", title=None, sort=f["sections"]), yOffset="location:N",
        color=alt.Color("location:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["location", "section", alt.Tooltip("score:Q", format=".0f")]), width="stretch")
with tabs[6]:
    st.caption(f"{f['audits']} audits")
    cols = st.columns(3)
    cols[0].download_button("CSV", data=b"", file_name="a.csv", key="e1", icon=":material/table:",
                            width="stretch")
    cols[1].download_button("XLSX", data=b"", file_name="a.xlsx", key="e2", icon=":material/grid_on:",
                            width="stretch")
    cols[2].download_button("PDF", data=b"", file_name="a.pdf", key="e3",
                            icon=":material/picture_as_pdf:", width="stretch")
with tabs[7]:
    m = f["actions"]
    if m is None:
        st.caption("Задач пока нет.")
    else:
        cols = st.columns(2)
        cols[0].metric("Открыто", m["open"], help="…")
        cols[1].metric("Просрочено", m["overdue"])
        cols = st.columns(2)
        cols[0].metric("Медиана", m["median"])
        cols[1].metric("Подтверждено", m["confirmed"])
        if m["fast_but_failing"]:
            st.warning(m["fast_but_failing"], icon=":material/replay:")
        st.dataframe(m["table"], hide_index=True, width="stretch", column_config={
            "median": st.column_config.NumberColumn(format="%.1f"),
            "confirmed": st.column_config.NumberColumn(format="%.0f%%")})
        cols = st.columns(2)
        cols[0].download_button("CSV", data=b"", file_name="a.csv", key="a1", icon=":material/table:",
                                width="stretch")
        cols[1].download_button("XLSX", data=b"", file_name="a.xlsx", key="a2",
                                icon=":material/grid_on:", width="stretch")
'''


def floor_frames(store: Store, path: Path) -> dict[str, Any]:
    """The page's frames, computed once from the same rollups, for the floor to draw."""
    import pandas as pd

    from audit.ui.dashboard import _month_options

    locations = {loc.id: loc for loc in store.list_locations()}
    names = {k: v.name for k, v in locations.items()}
    months = _month_options(store)
    f = analytics.month_filters(months[-6], months[-1], template_id=TEMPLATE)
    checklist = get_checklist(store, TEMPLATE)
    data = store.get_rollups(*analytics.months_to_read(f), template_id=TEMPLATE)
    d = analytics.dashboard(data, locations, f, checklist=checklist)
    titles = {s.id: s.title.ru for s in checklist.sections}
    ids = list(names)
    cmp = analytics.compare(data, ids[0], ids[1], f)
    scored = [r for r in d.ranking if r.score is not None]
    low = min((c for c in d.heatmap if c.score is not None), key=lambda c: c.score or 0)
    flagged = [g for g in d.gaps if g.flagged]
    frames = {
        "months": months, "templates": [checklist.title.ru],
        "regions": sorted({loc.region for loc in locations.values()}), "names": list(names.values()),
        "audits": d.audits,
        "weakest": (scored[-1].name, f"{scored[-1].change or 0:+.0f}", f"{scored[-1].score:.0f}%"),
        "weakest_cell": (titles.get(low.section_id, low.section_id),
                         f"{names[low.location_id]} · {low.score:.0f}%"),
        "headline": f"{names[flagged[0].location_id]}: {flagged[0].gap:+.0f}" if flagged else "",
        "ranking": pd.DataFrame([{"#": r.rank, "Точка": r.name,
                                  "Балл": None if r.score is None else round(r.score),
                                  "Изменение": Fmt("ru").signed(r.change),
                                  "Уровень": r.level, "Аудиты": r.audits, "Критичные": r.critical,
                                  "Регион": r.region, "link": f"location?id={r.location_id}"}
                                 for r in d.ranking]),
        "heatmap": pd.DataFrame([{"location": names[c.location_id], "section": titles.get(c.section_id),
                                  "score": c.score, "audits": c.audits}
                                 for c in d.heatmap if c.score is not None]),
        "order": [names[r.location_id] for r in d.ranking],
        "sections": [titles.get(s, s) for s in d.sections],
        "trend": pd.DataFrame([{"month": p.month, "series": p.series, "score": p.score,
                                "audits": p.audits} for p in d.trend]),
        "worst": pd.DataFrame([{
            "item": item.text.ru if (item := checklist.item(w.key)) else w.key, "lost": w.lost,
            "per_audit": w.mean_lost, "audits": w.applicable,
            "rate": 100 * w.fail_rate if item is not None and item.type == "yes_no" else None}
            for w in d.worst_items]),
        "gaps": pd.DataFrame([{"location": names[g.location_id], "gap": g.gap, "self": g.self_score,
                               "mystery": g.mystery_score, "flagged": g.flagged,
                               "n": f"{g.self_audits}/{g.mystery_audits}"} for g in d.gaps]),
        "compare_sides": [(names[s["location_id"]], f"{s['score'] or 0:.0f}%")
                          for s in (cmp["a"], cmp["b"])],
        "compare": pd.DataFrame([{"section": titles.get(s["section_id"]), "location": who,
                                  "score": s[k]} for s in cmp["sections"]
                                 for who, k in (("A", "a"), ("B", "b")) if s[k] is not None]),
        "actions": actions_frames(store, names),
    }
    path.write_bytes(pickle.dumps(frames))
    return frames


def actions_frames(store: Store, names: dict[str, str]) -> dict[str, Any] | None:
    """The dashboard's action figures for the template, as the floor draws them (None: none)."""
    import pandas as pd

    m = actions.metrics(store.action_stats(ActionFilter(template_id=TEMPLATE), date.today().isoformat()))
    if not m.locations:
        return None
    return {
        "open": m.open, "overdue": m.overdue,
        "median": "—" if m.median_days is None else f"{m.median_days:.1f}",
        "confirmed": "—" if m.confirmed_share is None else f"{100 * m.confirmed_share:.0f}%",
        "fast_but_failing": ", ".join(names.get(i, i) for i in m.fast_but_failing),
        "table": pd.DataFrame([{"location": names.get(r.location_id, r.location_id), "open": r.open,
                                "overdue": r.overdue, "median": r.median_days,
                                "confirmed": None if r.confirmed_share is None else 100 * r.confirmed_share,
                                "repeats": r.repeats}
                               for r in sorted(m.locations,
                                               key=lambda r: (-r.overdue, -r.open, r.location_id))]),
    }


def check_page_vs_floor(case: Case, frames: dict[str, Any]) -> None:
    """The dashboard page shows the figures the floor draws: its headline numbers, the ranking's
    locations and scores, the costliest items and their points; else the ratio means nothing."""
    import numpy as np

    with app_env(case.env):
        at = session(case.store, "hq", case.env)
        at.run()
        at.switch_page(DASHBOARD).run()
        assert not at.exception, at.exception
        metrics = [m.value for m in at.metric]
        assert metrics[:3] == [str(frames["audits"]), frames["weakest"][0], frames["weakest_cell"][0]], (
            metrics[:3], frames["audits"], frames["weakest"][0], frames["weakest_cell"][0])
        ranking, worst = at.dataframe[0].value, at.dataframe[1].value
    plain = frames["ranking"]
    assert list(ranking.iloc[:, 1]) == list(plain["Точка"]), "the ranking's locations differ"
    assert np.allclose(ranking.iloc[:, 2].astype(float), plain["Балл"].astype(float)), "the scores differ"
    assert list(worst.iloc[:, 0]) == list(frames["worst"]["item"]), "the costliest items differ"
    shown = worst.iloc[:, 1].astype(str).str.replace("\u00a0", "").str.replace(",", ".")  # "56,2" in Russian
    assert np.allclose(shown.astype(float), frames["worst"]["lost"].astype(float), atol=0.05), (
        "the points lost differ")


# --- the run ------------------------------------------------------------------------------------


def interleaved(runs: int, small: Callable[[int], float], big: Callable[[int], float]
                ) -> tuple[float, float]:
    """Medians (ms) of runs of each, alternating which goes first."""
    a: list[float] = []
    b: list[float] = []
    for i in range(runs):
        if i % 2:
            b.append(big(i))
            a.append(small(i))
        else:
            a.append(small(i))
            b.append(big(i))
    return statistics.median(a) * 1000, statistics.median(b) * 1000


def line(name: str, x: float, y: float) -> float:
    ratio = x / y
    print(f"scale-{name}: ratio={ratio:.2f} ({x:.1f} ms vs {y:.1f} ms)", flush=True)
    return ratio


@functools.cache
def phone_photo(seed: int) -> bytes:
    """A 12 MP phone JPEG, made once for both backends."""
    return phone_jpeg(seed)


def check_same_people(small: Case, big: Case) -> None:
    """The people timed have the same own audits in both stores (ids aside): what a person
    waits for may differ only by the rest of the archive."""
    def own(c: Case) -> list[tuple[Any, ...]]:
        rows = (c.store.list_summaries(AuditFilter(auditor="shopper1"))
                + c.store.list_summaries(AuditFilter(location_ids=("loc-001",))))
        return sorted((r.auditor, r.location_id, r.status, r.visit_at, r.template_id, r.mode,
                       r.published, r.overall) for r in rows)

    mine_small, mine_big = own(small), own(big)
    assert mine_small == mine_big, (f"the people timed have other audits in the big store: "
                                    f"{len(mine_big)} rows vs {len(mine_small)}")


def time_backend(backend: str, small: Case, big: Case, runs: int, many: int, cache: Path
                 ) -> list[tuple[float, str, float, float]]:
    """Every measure on one backend (`runs` of the slow ones, `many` of the quick ones); the
    per-person ones as (ratio, name, big ms, small ms)."""
    per_person: list[tuple[float, str, float, float]] = []

    def both(name: str, fn: Callable[[Case, int], float], *, person: bool = True,
             n: int | None = None) -> None:
        x_small, x_big = interleaved(n or runs, lambda i: fn(small, i), lambda i: fn(big, i))
        r = line(f"{backend}-{name}", x_big, x_small)
        if person:
            per_person.append((r, f"{backend}-{name}", x_big, x_small))

    check_same_people(small, big)
    # as the served app's lifespan does after start-up (audit/web/lifespan.py): what is loaded
    # by now leaves the collector's generations; what the pages load and read comes after
    gc.collect()
    gc.freeze()
    for case in (small, big):  # warm each store's caches and the app's imports once
        case.page("shopper1")
        case.page("hq", DASHBOARD)
    both("shopper-page", lambda c, i: c.page("shopper1"), n=many)
    both("manager-page", lambda c, i: c.page("manager1"), n=many)
    both("start", lambda c, i: c.start(), n=many)
    opened = {id(c): complete_draft(c.store, c.shopper, c.loc) for c in (small, big)}
    both("walk", lambda c, i: c.walk(opened[id(c)]), n=many)
    phones = {id(c): c.sync_session() for c in (small, big)}
    both("tap-sync", lambda c, i: c.sync(phones[id(c)], i + 1), n=many)
    drafts = {id(c): [complete_draft(c.store, c.shopper, c.loc) for _ in range(many)]
              for c in (small, big)}
    both("submit", lambda c, i: c.submit(drafts[id(c)][i]), n=many)
    both("sign-in", lambda c, i: c.sign_in(), n=many)
    photos = [phone_photo(1000 + i) for i in range(runs)]
    target = {id(c): audits.start_audit(c.store, c.shopper, location_id=c.loc, template_id=TEMPLATE,
                                        mode="mystery", lang="ru").id for c in (small, big)}
    checks: dict[int, list[float]] = {id(small): [], id(big): []}

    def upload(c: Case, i: int) -> float:
        whole, check_alone = c.upload(photos[i], target[id(c)], i + 1)
        checks[id(c)].append(check_alone)
        return whole

    both("photo-upload", upload)
    line(f"{backend}-reuse-check-of-upload", statistics.median(checks[id(big)]) * 1000,
         statistics.median(checks[id(small)]) * 1000)
    x_small, x_big = interleaved(max(runs, 21), lambda i: small.reuse_check(),
                                 lambda i: big.reuse_check())
    line(f"{backend}-reuse-check", x_big, x_small)
    both("dashboard-page", lambda c, i: c.page("hq", DASHBOARD), person=False)
    # the same right after a submit: the month it changed is read and summed again
    fresh = {id(c): [complete_draft(c.store, c.shopper, c.loc) for _ in range(2 * runs)]
             for c in (small, big)}

    def after_submit(c: Case, i: int) -> float:
        c.submit(fresh[id(c)].pop())
        return c.page("hq", DASHBOARD)

    both("dashboard-page-after-submit", after_submit, person=False)
    both("location-page", lambda c, i: c.page("hq", LOCATIONS, {"id": "loc-001"}), person=False)

    frames = cache / f"floor-{backend}.pickle"
    check_page_vs_floor(big, floor_frames(big.store, frames))
    os.environ["SCALE_FLOOR"] = str(frames)
    script = cache / "floor.py"
    script.write_text(FLOOR, encoding="utf-8")

    def floor_page(i: int) -> float:
        at = new_app(str(script))
        seconds = timed(at.run)
        assert not at.exception, at.exception
        return seconds

    page_ms, floor_ms = interleaved(runs, lambda i: big.page("hq", DASHBOARD), floor_page)
    line(f"{backend}-dashboard-vs-floor", page_ms, floor_ms)
    page_ms, floor_ms = interleaved(runs, lambda i: after_submit(big, i), floor_page)
    line(f"{backend}-dashboard-after-submit-vs-floor", page_ms, floor_ms)
    return per_person


def main() -> None:
    global NET
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9,
                        help="timed runs of the slow measures (odd is best); quick ones get 2n+1")
    parser.add_argument("--backends", default="tinydb,postgres")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "audit-scale-cache"))
    parser.add_argument("--build-only", action="store_true", help="build (or check) the stores, time nothing")
    parser.add_argument("--check", action="store_true",
                        help="run `audit check` on every store built: it must find nothing")
    parser.add_argument("--tiny", action="store_true",
                        help="the whole path in seconds: 12 locations, 60 and 150 audits, one run "
                             "of each, checked, in a temp folder removed afterwards")
    args = parser.parse_args()
    backends = args.backends.split(",")
    many = 2 * args.runs + 1  # the quick ones: more runs for a steady median
    with contextlib.ExitStack() as cleanup:
        if args.tiny:
            NET = TINY
            args.small, args.big, args.runs, many, args.check = 60, 150, 1, 1, True
            args.cache = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="scale-tiny-"))
            os.chmod(args.cache, 0o755)  # noqa: S103  the server's own user (postgres) must get in
        cache = Path(args.cache) / f"{VERSION}-{date.today():%Y-%m}"
        cache.mkdir(parents=True, exist_ok=True)
        say(f"stores cached in {cache}")
        server = cleanup.enter_context(pg_server(cache / "pg") if "postgres" in backends
                                       else nullcontext())
        try:
            stores = ensure_stores(cache, [args.small, args.big], backends, server,
                                   check_built=args.check)
            if args.build_only:
                return
            per_person: list[tuple[float, str, float, float]] = []
            for backend in backends:
                per_person += time_backend(backend, Case(*stores[(backend, args.small)]),
                                           Case(*stores[(backend, args.big)]), args.runs, many, cache)
        finally:
            process.close_stores()
        ratio, name, big_ms, small_ms = max(per_person)
        print(f"  worst per-person: {name}, {big_ms:.1f} ms at {args.big} audits vs "
              f"{small_ms:.1f} ms at {args.small}", flush=True)
        print(f"scale: ratio={ratio:.2f} ({big_ms:.1f} ms vs floor {small_ms:.1f} ms)", flush=True)


if __name__ == "__main__":
    main()
