"""Bodies that cannot drown the served app: each attack of the report, against the app started
as the README says, with the server process's memory read from /proc.

The report: a 500 MB POST to /api/session without signing in took +981 MB; five 200 MB posts
at once +1.2 GB (371 MB still held after); /api/sync read 200 MB before its 2 MB check; one
shopper's 30 parallel 24 MB photos to an audit that does not exist +1,091 MB (2,992 MB on a
second round); nested JSON and NaN answered 500; an https Origin was taken on an http host.

Bodies are made as they are sent and stop once the server has answered (tests/security/
rawhttp.py), so this process never holds one. Every case also checks that what a person had
saved before is still there.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from audit.audits import capture as audits
from audit.core import limits
from audit.model import User
from audit.people import accounts, handoff
from audit.store.folder.backend import TinyStore
from tests.e2e.conftest import start_server
from tests.e2e.photos import phone_jpeg
from tests.security import rawhttp
from tests.security.rawhttp import MB, filler
from tests.security.test_upload_memory import Memory, mb, server_pid

pytestmark = pytest.mark.e2e

T1 = "2026-05-01T10:00:00.000Z"
BIG = 200 * MB
PHOTO = 24 * MB
# What five refused 200 MB bodies may cost the server at its peak, and keep: the report's
# +1.2 GB is what reading them cost; refused unread, they cost a few buffers.
FIVE_BODIES_BUDGET = 50 * MB
KEPT_BUDGET = 30 * MB


def _each(n: int, send: Callable[[int], rawhttp.Answer]) -> list[rawhttp.Answer]:
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(send, range(n)))


@pytest.fixture(scope="module")
def pid(server: tuple[str, TinyStore]) -> int:
    return server_pid(server[0])


def person(store: TinyStore, name: str, role: str = "shopper") -> tuple[User, str, dict[str, str]]:
    """A new person of loc-a, signed in: the user, the cookie, and a page's request headers."""
    user = store.get_user(name) or accounts.create_user(store, name, role, "secret-pass",
                                                        locations=("loc-a",))
    token = accounts.start_session(store, user)
    headers = {"X-CSRF-Token": handoff.csrf_token(token), "X-Lang": "en",
               "Cookie": f"audit_session={token}"}
    return user, token, headers


def saved_before(store: TinyStore, user: User, mode: str = "mystery") -> tuple[str, Callable[[], None]]:
    """A draft with an answer saved, and a check that it is still there, unchanged."""
    audit_id = audits.start_audit(store, user, location_id="loc-a", template_id="mini",
                                  mode=mode, lang="en").id
    audits.answer(store, user, audit_id, "entrance.door", value="open")
    before = store.get_audit(audit_id)
    assert before is not None

    def still_there() -> None:
        after = store.get_audit(audit_id)
        assert after is not None and after.answers["entrance.door"] == before.answers["entrance.door"]

    return audit_id, still_there


# --- /api/session: nobody signed in -----------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["length-declared", "chunked"])
def test_session__five_200_mb_bodies_at_once__413_in_the_callers_language__server_barely_moves(
        server: tuple[str, TinyStore], pid: int, declared: bool) -> None:
    url, store = server
    user, _, _ = person(store, "sess-keeper")
    _, still_there = saved_before(store, user)
    memory = Memory(pid)

    def send(i: int) -> rawhttp.Answer:
        return rawhttp.request(url, "POST", "/api/session", body=filler(BIG, b'{"ticket": "'),
                               length=BIG if declared else None,
                               headers={"Origin": url, "Content-Type": "application/json",
                                        "X-Lang": "ru" if i % 2 else "en"})

    answers = _each(5, send)
    peak, kept = memory.peak(), memory.kept()
    print(f"\n/api/session, 5 × 200 MB ({'declared' if declared else 'chunked'}): "
          f"peak +{mb(peak)}, kept +{mb(kept)}; sent before the answer "
          f"{mb(max(a.sent for a in answers))} at most")
    assert [a.status for a in answers] == [413] * 5
    for i, a in enumerate(answers):
        assert a.json()["error"] == "body_too_large"
        text = a.json()["message"]
        assert text.startswith("Отклонено: запрос больше" if i % 2 else
                               "Refused: the request is larger than this address takes (4 KB)"), text
    assert peak < FIVE_BODIES_BUDGET, f"peak +{mb(peak)}, budget {mb(FIVE_BODIES_BUDGET)}"
    assert kept < KEPT_BUDGET, f"kept +{mb(kept)}"
    still_there()


NESTED = b'{"ticket": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"ticket": ' + b"[" * 50 + b"]" * 50 + b"}", "deeper than 10 levels"),
    (b'{"ticket": ' + b"[" * 1500 + b"]" * 1500 + b"}", "deeper than 10 levels"),
    (b'{"ticket": NaN}', "not finite (NaN)"),
    (b'{"ticket": [Infinity]}', "not finite (Infinity)"),
    (b'{"ticket": -Infinity}', "not finite (-Infinity)"),
    (b'{"ticket": 1e999}', "not finite (1e999)"),
    (b'{"ticket": "x"', "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
], ids=["depth-50", "depth-1500", "nan", "infinity", "minus-infinity", "1e999",
        "cut-short", "not-utf8"])
def test_session__bad_json__400_with_the_reason__never_500(server: tuple[str, TinyStore],
                                                          body: bytes, reason: str) -> None:
    url, _ = server
    r = httpx.post(url + "/api/session", content=body,
                   headers={"Origin": url, "Content-Type": "application/json", "X-Lang": "en"})
    assert r.status_code == 400, (r.status_code, r.text)
    assert reason in r.json()["message"], r.json()


def test_session__deeper_than_the_cap__413_not_500(server: tuple[str, TinyStore]) -> None:
    url, _ = server
    r = httpx.post(url + "/api/session", content=NESTED,
                   headers={"Origin": url, "Content-Type": "application/json", "X-Lang": "ru"})
    assert r.status_code == 413 and "Отклонено" in r.json()["message"], r.text


# --- Origin with its scheme ---------------------------------------------------------------


def test_origin__https_page_on_an_http_host__refused_and_the_other_way_round(
        server: tuple[str, TinyStore]) -> None:
    url, store = server
    user, token, headers = person(store, "origin-tester")
    audit_id, still_there = saved_before(store, user)
    https_origin = url.replace("http://", "https://")
    batch = {"audit": audit_id, "client": "phone-1234-abcd", "changes": [
        {"seq": 1, "kind": "answer", "key": "entrance.door", "at": T1, "value": "locked"}]}
    for path, body in (("/api/session", {"ticket": handoff.issue_ticket(token)}), ("/api/sync", batch)):
        r = httpx.post(url + path, json=body, headers={**headers, "Origin": https_origin})
        assert r.status_code == 403 and r.json()["error"] == "forbidden_origin", (path, r.text)
    # behind a proxy that says the page came over https, an http Origin is the stranger
    r = httpx.post(url + "/api/sync", json=batch,
                   headers={**headers, "Origin": url, "X-Forwarded-Proto": "https"})
    assert r.status_code == 403, r.text
    still_there()  # the "locked" never landed
    # the same request from the page's own origin is taken: the scheme was the only fault
    ok = httpx.post(url + "/api/sync", json={**batch, "changes": []}, headers={**headers, "Origin": url})
    assert ok.status_code == 200, ok.text


# --- /api/sync ------------------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["length-declared", "chunked"])
def test_sync__200_mb_batch__413_before_it_is_read(server: tuple[str, TinyStore], pid: int,
                                                   declared: bool) -> None:
    url, store = server
    user, _, headers = person(store, f"sync-big-{int(declared)}")
    _, still_there = saved_before(store, user)
    memory = Memory(pid)
    a = rawhttp.request(url, "POST", "/api/sync", body=filler(BIG, b'{"audit": "x", "changes": ['),
                        length=BIG if declared else None,
                        headers={**headers, "Origin": url, "Content-Type": "application/json"})
    peak = memory.peak()
    print(f"\n/api/sync, 200 MB ({'declared' if declared else 'chunked'}): peak +{mb(peak)}, "
          f"{mb(a.sent)} sent before the answer")
    assert a.status == 413, a.body[:300]
    assert a.json()["message"] == ("Refused: the request is larger than this address takes (2 MB). "
                                   "Nothing was saved from it; everything saved before is kept.")
    assert peak < 3 * limits.SYNC_BODY_MAX_BYTES + 20 * MB, f"peak +{mb(peak)}"
    still_there()


@pytest.mark.parametrize(("body", "reason"), [
    (json.dumps({"audit": "a", "client": "phone-1234-abcd", "changes": [
        {"seq": 1, "kind": "answer", "key": "entrance.door", "at": T1,
         "value": [[[[[[[[[[["deep"]]]]]]]]]]]}]}).encode(), "deeper than 10 levels"),
    (b'{"audit": "a", "client": "phone-1234-abcd", "changes": [{"seq": 1, "kind": "answer", '
     b'"key": "entrance.door", "at": "' + T1.encode() + b'", "value": NaN}]}', "not finite (NaN)"),
    (b'{"audit": "a", "client": "phone-1234-abcd", "changes": [], "known": -Infinity}',
     "not finite (-Infinity)"),
], ids=["nested", "nan", "infinity"])
def test_sync__bad_json__400_with_the_reason__nothing_saved_lost(
        server: tuple[str, TinyStore], body: bytes, reason: str) -> None:
    url, store = server
    user, _, headers = person(store, "sync-json")
    audit_id, still_there = saved_before(store, user)
    body = body.replace(b'"audit": "a"', f'"audit": "{audit_id}"'.encode())
    r = httpx.post(url + "/api/sync", content=body,
                   headers={**headers, "Origin": url, "Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert reason in r.json()["message"], r.json()
    still_there()


# --- /api/photo -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_photo() -> bytes:
    """A 12 MP phone JPEG padded to 24 MB after its end (a phone's high-quality file's size)."""
    jpeg = phone_jpeg(3)
    return jpeg + b"\0" * (PHOTO - len(jpeg))


def photo_pieces(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for i in range(0, len(data), rawhttp.PIECE):
        yield bytes(view[i:i + rawhttp.PIECE])


def upload(url: str, headers: dict[str, str], audit_id: str, seq: int, data: bytes,
           key: str = "office.facade") -> rawhttp.Answer:
    return rawhttp.request(url, "POST", "/api/photo", body=photo_pieces(data), length=len(data),
                           headers={**headers, "Origin": url, "Content-Type": "image/jpeg"},
                           params={"audit": audit_id, "key": key, "client": "phone-1234-abcd",
                                   "seq": str(seq), "at": T1})


def test_photo__thirty_24_mb_uploads_at_once_to_a_missing_audit__refused_unread(
        server: tuple[str, TinyStore], pid: int, big_photo: bytes) -> None:
    url, store = server
    user, _, headers = person(store, "photo-missing")
    _, still_there = saved_before(store, user)
    memory = Memory(pid)
    answers = _each(30, lambda i: upload(url, headers, "no-such-audit-0000", i + 1, big_photo))
    peak, kept = memory.peak(), memory.kept()
    statuses = sorted({a.status for a in answers})
    print(f"\n/api/photo, 30 × 24 MB to a missing audit: peak +{mb(peak)}, kept +{mb(kept)}, "
          f"answers {statuses}, {mb(max(a.sent for a in answers))} sent before an answer at most")
    assert set(statuses) <= {404, 503} and 404 in statuses, statuses
    for a in answers:
        if a.status == 503:  # the rest of the minute: kept on the phone, sent again
            assert int(a.headers["retry-after"]) > 0 and a.json()["message"], a.body
    assert peak < 40 * MB, f"peak +{mb(peak)}"
    still_there()


def test_photo__thirty_24_mb_uploads_at_once_from_one_person__at_most_twice_one_uploads_peak(
        server: tuple[str, TinyStore], pid: int, big_photo: bytes) -> None:
    url, store = server
    user, _, headers = person(store, "photo-flood")
    audit_id, still_there = saved_before(store, user)
    warm = upload(url, headers, audit_id, 1, big_photo)  # the first photo loads the photo code
    assert warm.status == 200, warm.body[:300]
    memory = Memory(pid)
    one = upload(url, headers, audit_id, 2, big_photo)
    single = memory.peak()
    assert one.status == 200, one.body[:300]
    memory = Memory(pid)
    answers = _each(30, lambda i: upload(url, headers, audit_id, 3 + i, big_photo))
    peak, kept = memory.peak(), memory.kept()
    by_status: dict[int, int] = {}
    for a in answers:
        by_status[a.status] = by_status.get(a.status, 0) + 1
    print(f"\n/api/photo, one 24 MB upload: peak +{mb(single)}; 30 at once from one person: "
          f"peak +{mb(peak)} ({peak / single:.2f}×), kept +{mb(kept)}, answers {by_status}")
    assert set(by_status) <= {200, 503} and by_status.get(200, 0) >= 1, by_status
    codes = {a.json()["error"] for a in answers if a.status == 503}
    assert codes <= {"uploads_in_flight", "photos_busy", "too_many_uploads"}, codes
    assert all(int(a.headers["retry-after"]) > 0 for a in answers if a.status == 503)
    assert peak <= 2 * single, f"30 at once peaked +{mb(peak)}, one upload +{mb(single)}"
    assert kept < 2 * single, f"kept +{mb(kept)} after (the report: 1.5 GB)"
    still_there()
    saved = store.get_audit(audit_id)
    assert saved is not None and saved.answers["office.facade"].photos  # the photo is there


# --- the per-minute allowances hold across processes ----------------------------------------


@pytest.fixture(scope="module")
def second(server: tuple[str, TinyStore]) -> Iterator[str]:
    """A second app process on the same data folder (as two replicas of one deployment)."""
    url, proc = start_server(server[1].root)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def small_jpeg(seed: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (seed % 256, 90, 140)).save(out, "JPEG")
    return out.getvalue()


def test_photo_allowance__two_processes__one_allowance(server: tuple[str, TinyStore],
                                                       second: str) -> None:
    url, store = server
    user, _, headers = person(store, "two-procs-photo")
    audit_id, still_there = saved_before(store, user)
    answers = [upload((url, second)[i % 2], headers, audit_id, i + 1, small_jpeg(i), key="office.facade")
               for i in range(limits.UPLOADS_PER_MINUTE + 4)]
    statuses = [a.status for a in answers]
    assert statuses[:limits.UPLOADS_PER_MINUTE] == [200] * limits.UPLOADS_PER_MINUTE, statuses
    assert statuses[limits.UPLOADS_PER_MINUTE:] == [503] * 4, statuses  # on both processes
    over = answers[-1]
    assert over.json()["error"] == "too_many_uploads" and int(over.headers["retry-after"]) > 0
    assert over.json()["message"].startswith("More than 30 photos in a minute.")
    still_there()


def test_sync_allowance__two_processes__one_allowance(server: tuple[str, TinyStore],
                                                      second: str) -> None:
    url, store = server
    user, _, headers = person(store, "two-procs-sync")
    audit_id, still_there = saved_before(store, user)
    batch = {"audit": audit_id, "client": "phone-1234-abcd", "changes": []}
    hdrs = {**headers, "Content-Type": "application/json"}
    statuses = []
    with httpx.Client(timeout=60) as client:
        for i in range(limits.SYNC_BATCHES_PER_MINUTE + 3):
            base = (url, second)[i % 2]
            r = client.post(base + "/api/sync", json=batch, headers={**hdrs, "Origin": base})
            statuses.append(r.status_code)
    n = limits.SYNC_BATCHES_PER_MINUTE
    assert statuses[:n] == [200] * n and statuses[n:] == [503] * 3, statuses
    assert int(r.headers["Retry-After"]) > 0 and r.json()["error"] == "too_many_batches"
    still_there()
