"""Customers' voice responses in both stores: kept, listed by location and month, one phone a day."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from pathlib import Path

import pytest

from audit.model.voice import Rating, VoiceFilter, VoiceResponse
from audit.store import Store, open_store
from audit.store.folder.backend import TinyStore
from tests.conftest import start_spawned


def response(n: int, *, location: str = "loc-a", day: str = "2026-03-05", device: str = "",
             level: str = "as_expected", text: str = "") -> VoiceResponse:
    return VoiceResponse(id=f"{day.replace('-', '')}-r{n:05d}", location_id=location,
                         template_id="mini", template_version=1, day=day,
                         at=f"{day}T10:{n % 60:02d}:00+00:00",
                         ratings=(Rating("entrance", 4, 2), Rating("waiting", 3, 5)),
                         level=level, text=text, device=device)


def test_response__kept_and_read_back_whole(store: Store) -> None:
    r = response(1, text="Очередь <b>длинная</b> 🙂", device="d1")
    assert store.add_voice_response(r) is True
    assert store.list_voice_responses() == [r]
    assert r.ratings[0].gap == -2 and r.month == "2026-03"


def test_one_device__once_per_location_per_day(store: Store) -> None:
    assert store.add_voice_response(response(1, device="phone-1")) is True
    assert store.add_voice_response(response(2, device="phone-1")) is False  # same day, same place
    assert store.add_voice_response(response(3, device="phone-1", location="loc-b")) is True
    assert store.add_voice_response(response(4, device="phone-1", day="2026-03-06")) is True
    assert store.add_voice_response(response(5, device="phone-2")) is True
    assert store.add_voice_response(response(6)) is True  # no device known: not limited here
    assert store.add_voice_response(response(7)) is True
    ids = [r.id for r in store.list_voice_responses()]
    assert "20260305-r00002" not in ids and len(ids) == 6  # nothing saved before was lost


def test_same_id_twice__second_refused_first_kept(store: Store) -> None:
    first = response(1, text="first")
    assert store.add_voice_response(first) is True
    assert store.add_voice_response(response(1, text="second")) is False
    assert store.list_voice_responses() == [first]


def test_import__many_at_once__ids_already_there_skipped(store: Store) -> None:
    batch = [response(n, location="loc-a" if n % 2 else "loc-b", day=f"2026-0{1 + n % 3}-10")
             for n in range(30)]
    first = dataclasses.replace(batch[0], text="kept")
    store.add_voice_response(first)
    assert store.import_voice_responses(batch) == 29  # response 0's id was there already
    assert store.import_voice_responses(batch) == 0
    got = {r.id: r for r in store.list_voice_responses()}
    assert len(got) == 30 and got[first.id].text == "kept"


def test_list__by_location_and_months(store: Store) -> None:
    for n, (loc, day) in enumerate([("loc-a", "2026-01-10"), ("loc-a", "2026-02-10"),
                                    ("loc-b", "2026-02-11"), ("loc-a", "2026-03-01")]):
        store.add_voice_response(response(n, location=loc, day=day))
    got = store.list_voice_responses(VoiceFilter(location_ids=("loc-a",), first_month="2026-02"))
    assert [(r.location_id, r.month) for r in got] == [("loc-a", "2026-02"), ("loc-a", "2026-03")]
    got = store.list_voice_responses(VoiceFilter(last_month="2026-02"))
    assert sorted(r.month for r in got) == ["2026-01", "2026-02", "2026-02"]
    assert store.list_voice_responses(VoiceFilter(location_ids=("nowhere",))) == []


def test_text_approval__set_and_cleared(store: Store) -> None:
    r = response(1, text="Спасибо Анне!")
    store.add_voice_response(r)
    assert store.set_voice_text_approved("loc-a", r.id, True) is True
    assert store.list_voice_responses()[0].text_approved is True
    assert store.set_voice_text_approved("loc-a", r.id, False) is True
    assert store.list_voice_responses()[0].text_approved is False
    assert store.set_voice_text_approved("loc-b", r.id, True) is False  # not that location's
    assert store.set_voice_text_approved("loc-a", "not-an-id", True) is False
    assert store.list_voice_responses() == [r]


def _add_many(url: str, folder: str, start: int, count: int, queue: multiprocessing.Queue) -> None:
    s = open_store(folder, database_url=url)
    took = sum(s.add_voice_response(response(start + i, device="same-phone")) for i in range(count))
    queue.put(took)


def test_one_device__two_processes_at_once__one_response_taken(store: Store) -> None:
    url = "" if isinstance(store, TinyStore) else store.url  # type: ignore[attr-defined]
    folder = str(store.root) if isinstance(store, TinyStore) else str(store.photo_dir)
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    procs = [ctx.Process(target=_add_many, args=(url, folder, k * 100, 20, queue)) for k in range(2)]
    start_spawned(procs)
    took = sorted(queue.get(timeout=180) for _ in procs)  # a spawned process imports everything
    for p in procs:
        p.join(30)
    assert took == [0, 1]
    assert len(store.list_voice_responses()) == 1


PHONES = 10


def _add_together(url: str, folder: str, start: int, queue: multiprocessing.Queue) -> None:
    """30 responses at once from 30 threads, three from each of ten phones."""
    from concurrent.futures import ThreadPoolExecutor

    s = open_store(folder, database_url=url)
    made = [response(start + i, device=f"phone-{i % PHONES}") for i in range(3 * PHONES)]
    with ThreadPoolExecutor(len(made)) as pool:
        took = list(pool.map(s.add_voice_response, made))
    queue.put(sorted(r.id for r, ok in zip(made, took, strict=True) if ok))


def test_many_at_once__threads_of_two_processes__each_phone_once_every_one_kept(
        store: Store) -> None:
    """Responses written together (one write of the day's file for a group) are each checked as
    if alone: each phone is taken once across both processes, and every "taken" is on disk."""
    url = "" if isinstance(store, TinyStore) else store.url  # type: ignore[attr-defined]
    folder = str(store.root) if isinstance(store, TinyStore) else str(store.photo_dir)
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    procs = [ctx.Process(target=_add_together, args=(url, folder, k * 100, queue)) for k in range(2)]
    start_spawned(procs)
    taken = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(30)
    ids = sorted(i for got in taken for i in got)
    fresh = open_store(folder, database_url=url)  # read afresh, as another process would
    try:
        kept = fresh.list_voice_responses()
    finally:
        if hasattr(fresh, "close"):
            fresh.close()
    assert sorted(r.id for r in kept) == ids
    assert sorted(r.device for r in kept) == sorted(f"phone-{i}" for i in range(PHONES))


def test_postgres__schema_step_7_adds_the_table_to_an_older_database(
        postgres_server: str, tmp_path: Path) -> None:
    import psycopg

    from audit.store.postgres.backend import LATEST, PostgresStore

    name = f"voice_old_{os.getpid()}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = postgres_server.replace("/postgres?", f"/{name}?")
    old = PostgresStore(url, photo_dir=tmp_path)
    with old._tx() as cur:  # back to schema 6: as a database of the previous release
        cur.execute("DROP TABLE voice_responses")
        cur.execute("DELETE FROM schema_version WHERE version >= 7")  # step 8 runs again: safe
    old.close()
    with pytest.raises(Exception, match="audit migrate"):
        PostgresStore(url, photo_dir=tmp_path, migrate=False)
    again = PostgresStore(url, photo_dir=tmp_path)
    try:
        assert (again.migrated_from, again.schema_version()) == (6, LATEST)
        assert again.add_voice_response(response(1)) is True
    finally:
        again.close()
