"""Shared fixtures: real stores in tmp_path, a small checklist with every item type, people."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles

from audit.checklist.parse import parse_checklist
from audit.checklist.templates import add_template
from audit.model import Checklist, Location, User
from audit.people import accounts
from audit.store import Store
from audit.store.folder.backend import TinyStore

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_configure(config: pytest.Config) -> None:
    """Every tmp_path in memory where there is room (as the benchmarks' temp folders): the
    stores are the same, and the disk's fsyncs, which no test measures (a test cannot cut the
    power), cost a busy shared disk minutes over the suite. PYTEST_DEBUG_TEMPROOT or
    --basetemp, when given, win; xdist's workers get their folders under this one."""
    shm = Path("/dev/shm")
    if (config.option.basetemp is None and "PYTEST_DEBUG_TEMPROOT" not in os.environ
            and shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 4 << 30):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files that hold a slow or a browser test first, each file's tests in their order:
    with `--dist loadfile --no-loadscope-reorder` (the README's command) xdist hands the files
    out in this order, so the long ones start the run instead of ending it on one worker
    (xdist's own order, most tests first, left the few long browser tests to the end)."""
    long = {item.path for item in items if item.get_closest_marker("slow") or item.get_closest_marker("e2e")}
    items.sort(key=lambda item: item.path not in long)


# the app's e-mail drainer thread stays off in tests; test_notify drains on purpose
os.environ.setdefault("AUDIT_NOTIFY_IN_APP", "0")

# Argon2 at its cheapest in this process: each person a test makes would otherwise cost a
# memory-hard hash. The real parameters are what the served app (tests/e2e) and the
# subprocesses of tests/security/test_sign_in.py hash with.
accounts._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
accounts._DUMMY_HASH = accounts._hasher.hash("a name nobody has")

MINI_YAML = """
id: mini
version: 1
title: {ru: "Мини-проверка", en: "Mini check"}
levels: [{min: 0, key: disappointment}, {min: 60, key: average}, {min: 85, key: wow}]
critical_cap: 40
sections:
  - id: entrance
    title: {ru: Вход, en: Entrance}
    customer: {ru: "Вход", en: "The way in"}
    weight: 2
    items:
      - id: dry
        text: {ru: "У входа сухо, нет луж", en: "The entrance is dry, no puddle"}
        type: yes_no
        weight: 2
        photo: on_fail
        guidance: {ru: "Сфотографируйте лужу", en: "Photograph any puddle"}
      - id: clean
        text: {ru: "Чистота входа", en: "Cleanliness of the entrance"}
        type: scale
        scale: {min: 1, max: 5}
      - id: door
        text: {ru: "Дверь", en: "Door"}
        type: choice
        options:
          - {id: open, text: {ru: "Открыта", en: "Open"}, score: 1}
          - {id: heavy, text: {ru: "Тяжёлая", en: "Heavy"}, score: 0.5}
          - {id: locked, text: {ru: "Заперта", en: "Locked"}, score: 0}
  - id: waiting
    title: {ru: Ожидание, en: Waiting}
    customer: {ru: "Ожидание", en: "Waiting your turn"}
    items:
      - id: comforts
        text: {ru: "Удобства", en: "Comforts"}
        type: multi
        na: true
        options:
          - {id: water, text: {ru: Вода, en: Water}, score: 0.5}
          - {id: wifi, text: {ru: Wi-Fi, en: Wi-Fi}, score: 0.5}
          - {id: kids, text: {ru: Детский уголок, en: Kids corner}, score: 0.5}
      - id: wait
        text: {ru: "Время ожидания", en: "Wait time"}
        type: wait_time
        bands: [{max: 5, score: 1}, {max: 10, score: 0.5}, {score: 0}]
      - id: chairs
        text: {ru: "Число стульев", en: "Number of chairs"}
        type: number
        required: false
        bands: [{max: 2, score: 0}, {score: 1}]
  - id: office
    title: {ru: Офис, en: Office}
    items:
      - id: hours
        text: {ru: "Часы работы", en: "Opening hours"}
        type: hours
        hours: {evening_after: "19:00", weekend: true}
      - id: site
        text: {ru: "Опечатки на сайте", en: "Typos on the website"}
        type: typo_check
        bands: [{max: 0, score: 1}, {max: 2, score: 0.5}, {score: 0}]
      - id: guard
        text: {ru: "Охранник трезв", en: "The guard is sober"}
        type: yes_no
        critical: true
      - id: notes
        text: {ru: "Заметки", en: "Notes"}
        type: text
      - id: facade
        text: {ru: "Фото фасада", en: "Photo of the front"}
        type: photo
        photo: required
"""


# every required answer of the mini checklist, all good: only the facade photo is missing
MINI_GOOD = {
    "entrance.dry": True, "entrance.clean": 5, "entrance.door": "open",
    "waiting.comforts": ["water"], "waiting.wait": {"minutes": 3},
    "office.hours": {"mon": ["09:00", "20:00"]},
    "office.site": {"text": "", "flagged": [], "typos": []}, "office.guard": True,
}


def answer_mini(store: Store, user: User, audit_id: str, **changes: object) -> None:
    """Answer the mini checklist's required items; `changes` override by key (dots as __)."""
    from audit.audits import capture as audits

    values = MINI_GOOD | {k.replace("__", "."): v for k, v in changes.items()}
    for key, value in values.items():
        audits.answer(store, user, audit_id, key, value=value)


_photo_seeds = itertools.count(1000)


def forge_photo_name(store: Store, audit_id: str, key: str, sha: str) -> None:
    """An answer naming a hash, written straight into the store: what an older version's sync
    let through, and what no surface can do now."""
    import dataclasses

    from audit.model import Answer

    store.save_answer(audit_id, key, lambda old: dataclasses.replace(
        old or Answer(key=key), photos=(*(old.photos if old else ()), sha)))


def photograph(store: Store, user: User, audit_id: str, key: str, *, comment: str | None = None
               ) -> str:
    """Attach a real photo to an item the one way a photo gets in (an upload); its sha256.

    Each call sends a different small picture, so no two calls raise re-use flags.
    """
    from audit.audits import capture as audits
    from audit.audits import evidence
    from tests.e2e.photos import phone_jpeg

    sha = evidence.add_photo(store, user, audit_id, key,
                             phone_jpeg(seed=next(_photo_seeds), size=(160, 120))).ref.sha256
    if comment is not None:
        audits.answer(store, user, audit_id, key, comment=comment)
    return sha


@pytest.fixture(scope="session")
def mini() -> Checklist:
    return parse_checklist(MINI_YAML, source="mini.yaml")


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for this test session, on a Unix socket in a temp folder."""
    bindir = _pg_bin()
    if bindir is None:
        message = "PostgreSQL is not installed (apt-get install postgresql)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    # not under pytest's tmp folder: that is private to root, and the server runs as postgres
    base = Path(tempfile.mkdtemp(prefix="audit-pg-"))
    datadir, sockdir = base / "data", base / "sock"
    sockdir.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(base, "postgres")
        shutil.chown(sockdir, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(datadir), "-A", "trust", "-U",
                    "postgres", "--no-sync"], check=True, capture_output=True)
    port = _free_port()
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-w", "-l",
                    str(base / "log"), "-o", f"-k {sockdir} -p {port} -c listen_addresses='' "
                    "-c fsync=off", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@/postgres?host={sockdir}&port={port}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate",
                        "stop"], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_db_counter = itertools.count()


def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    if kind == "tinydb":
        return TinyStore(tmp_path / "data")
    import psycopg

    from audit.store.postgres.backend import PostgresStore

    server: str = request.getfixturevalue("postgres_server")
    name = f"t{os.getpid()}_{next(_db_counter)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    pg = PostgresStore(server.replace("/postgres?", f"/{name}?"), photo_dir=tmp_path / "data")
    request.addfinalizer(pg.close)
    return pg


@pytest.fixture(params=["tinydb", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Every store test runs on each backend."""
    yield make_store(request.param, tmp_path, request)


@pytest.fixture
def network(store: Store) -> dict[str, User]:
    """Two locations, the mini template, and one person per role (password 'secret-pass')."""
    return populate(store)


def populate(store: Store) -> dict[str, User]:
    store.put_location(Location(id="loc-a", name="Арбат", region="Москва", address="ул. Арбат, 1"))
    store.put_location(Location(id="loc-b", name="Невский", region="СПб", address="Невский, 2"))
    add_template(store, MINI_YAML, by="test")
    people = {
        "hq": accounts.create_user(store, "boss", "hq", "secret-pass"),
        "shopper": accounts.create_user(store, "sam", "shopper", "secret-pass",
                                        locations=("loc-a",)),
        "shopper2": accounts.create_user(store, "sue", "shopper", "secret-pass",
                                         locations=("loc-a", "loc-b")),
        "manager": accounts.create_user(store, "mia", "manager", "secret-pass",
                                        locations=("loc-a",)),
        "manager_b": accounts.create_user(store, "max", "manager", "secret-pass",
                                          locations=("loc-b",)),
    }
    return people


def start_spawned(procs: Iterable[Any]) -> None:
    """Start spawned processes as a plain interpreter would: spawn runs the parent's __main__
    again in each child, and a page script an earlier AppTest ran in this worker stays there
    (the child would run the page, fail, and never report)."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        for p in procs:
            p.start()
    finally:
        sys.modules["__main__"] = main


def served_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    """The store the served routes open (`process.process_store`), on a fresh data folder of
    `tmp_path`: no store an earlier test left in the process, no database."""
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    from audit.ops import process

    monkeypatch.setattr(process, "_stores", {})
    store = process.process_store()
    assert isinstance(store, TinyStore)
    return store
