"""Evidence that cannot be faked: a photo enters an audit only as an upload of its shopper, and
the phone's sync takes no value, time or amount of receipts that breaks the audit.

The HTTP attacks run against the served app; the rest through the functions on both stores.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from audit import workflow
from audit.audits import capture as audits
from audit.audits import evidence, sync
from audit.core import limits
from audit.core.errors import NotFound
from audit.model import User
from audit.people import accounts, handoff
from audit.photos import prepare_photo
from audit.store import Store
from audit.store.folder.backend import TinyStore
from tests.conftest import answer_mini, forge_photo_name, photograph
from tests.e2e.photos import phone_jpeg

T1 = "2026-05-01T10:00:00.000Z"
CLIENT = "phone-evid-0001"


class Phone:
    """One signed-in person's phone talking to the served app."""

    def __init__(self, url: str, store: TinyStore, name: str) -> None:
        person = store.get_user(name)
        assert person is not None
        self.person = person
        token = accounts.start_session(store, person)
        self.headers = {"Origin": url, "X-CSRF-Token": handoff.csrf_token(token), "X-Lang": "en"}
        self.http = httpx.Client(base_url=url, timeout=60, cookies={"audit_session": token})
        self.seq = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def sync(self, audit_id: str, *changes: dict[str, Any]) -> httpx.Response:
        # json.dumps writes NaN and Infinity as a phone's broken number would arrive
        body = json.dumps({"audit": audit_id, "client": CLIENT, "changes": list(changes)})
        return self.http.post("/api/sync", content=body,
                              headers={**self.headers, "Content-Type": "application/json"})

    def change(self, kind: str, key: str, **extra: Any) -> dict[str, Any]:
        return {"seq": self.next_seq(), "kind": kind, "key": key, "at": T1, **extra}

    def upload(self, audit_id: str, key: str, data: bytes) -> httpx.Response:
        params = {"audit": audit_id, "key": key, "client": CLIENT, "seq": str(self.next_seq()),
                  "at": T1}
        return self.http.post("/api/photo", params=params, content=data,
                              headers={**self.headers, "Content-Type": "image/jpeg"})


@pytest.fixture
def phones(server: tuple[str, TinyStore]) -> Iterator[dict[str, Phone]]:
    url, store = server
    made = {name: Phone(url, store, name) for name in ("sam", "sue")}
    yield made
    for p in made.values():
        p.http.close()


def draft(store: Store, who: User) -> str:
    return audits.start_audit(store, who, location_id="loc-a", template_id="mini",
                              mode="mystery", lang="en").id


# -- over HTTP: the served app -------------------------------------------------------------


def test_sync_add_photo__a_hash_attaches_nothing__the_same_refusal_whether_it_exists(
        server: tuple[str, TinyStore], phones: dict[str, Phone]) -> None:
    _, store = server
    sam, sue = phones["sam"], phones["sue"]
    mine, theirs = draft(store, sam.person), draft(store, sue.person)
    sent = sue.upload(theirs, "office.facade", phone_jpeg(seed=41, size=(320, 240)))
    assert sent.status_code == 200, sent.text
    her_sha, her_upload = sent.json()["sha"], sent.json()["photo"]
    assert her_upload.startswith("up_") and her_upload != her_sha

    made_up = hashlib.sha256(b"no such photo").hexdigest()
    r = sam.sync(mine, sam.change("add_photo", "office.facade", value=her_sha),
                 sam.change("add_photo", "office.facade", value=made_up),
                 sam.change("add_photo", "office.facade", value=her_upload))
    assert r.status_code == 200, r.text
    refused = r.json()["refused"]
    assert [x["code"] for x in refused] == ["photo_by_hash", "photo_by_hash", "photo_not_uploaded"]
    assert refused[0]["message"] == refused[1]["message"]  # another audit's hash reads as none
    assert her_sha not in r.text and her_upload not in r.text
    audit = store.get_audit(mine)
    assert audit is not None and not any(a.photos for a in audit.answers.values())
    answer_mini(store, sam.person, mine)
    with pytest.raises(audits.SubmitRefused) as refusal:
        workflow.submit(store, sam.person, mine)
    assert ("office.facade", "photo") in refusal.value.missing
    kept = store.get_audit(theirs)  # nothing of hers was touched
    assert kept is not None and kept.answers["office.facade"].photos == (her_sha,)


def test_upload__answers_its_id__the_id_attaches_and_removes__re_use_flagged_as_uploaded(
        server: tuple[str, TinyStore], phones: dict[str, Phone]) -> None:
    _, store = server
    sam = phones["sam"]
    first, second = draft(store, sam.person), draft(store, sam.person)
    photo = phone_jpeg(seed=42, size=(320, 240))
    up = sam.upload(first, "entrance.dry", photo).json()
    r = sam.sync(first, sam.change("remove_photo", "entrance.dry", value=up["photo"], at=T1))
    assert r.status_code == 200 and not r.json()["refused"]
    assert r.json()["answers"]["entrance.dry"]["photos"] == []
    later = "2026-05-01T10:01:00.000Z"
    r = sam.sync(first, {**sam.change("add_photo", "entrance.dry", value=up["photo"]), "at": later})
    assert r.json()["answers"]["entrance.dry"]["photos"] == [up["sha"]]
    # the same photo sent to another audit: the re-use flag only an upload can raise
    again = sam.upload(second, "entrance.dry", photo).json()
    audit = store.get_audit(second)
    assert audit is not None and audit.photos[again["sha"]].flags
    assert again["photo"] != up["photo"]


@pytest.mark.parametrize(("key", "value", "code"), [
    ("entrance.clean", math.nan, "not_whole"),
    ("entrance.clean", math.inf, "not_whole"),
    ("entrance.clean", -math.inf, "not_whole"),
    ("entrance.clean", 1e308, "out_of_range"),
    ("waiting.wait", {"start": "2026-05-01T10:00:00+00:00", "end": "2026-05-01T10:05:00"},
     "mixed_zones"),
    ("waiting.wait", {"start": "yesterday", "end": "2026-05-01T10:05:00"}, "bad_time"),
    ("waiting.wait", {"start": ["2026"], "end": "2026-05-01T10:05:00"}, "bad_time"),
    ("waiting.wait", {"minutes": math.nan}, "not_number"),
])
def test_sync__broken_numbers_and_times__refused_per_change__saved_answer_kept(
        server: tuple[str, TinyStore], phones: dict[str, Phone], key: str, value: Any,
        code: str) -> None:
    _, store = server
    sam = phones["sam"]
    audit_id = draft(store, sam.person)
    good = {"entrance.clean": 4, "waiting.wait": {"minutes": 3.0}}[key]
    audits.answer(store, sam.person, audit_id, key, value=good)
    r = sam.sync(audit_id, sam.change("answer", key, value=value),
                 sam.change("answer", "entrance.dry", value=True))
    audit = store.get_audit(audit_id)
    assert audit is not None and audit.answers[key].value == good
    if _non_finite(value):
        # not JSON at all (NaN, Infinity): the route refuses the whole body before any change
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "json_number"
        assert "entrance.dry" not in audit.answers or audit.answers["entrance.dry"].value is not True
        return
    assert r.status_code == 200, r.text
    assert [x["code"] for x in r.json()["refused"]] == [code]
    assert audit.answers["entrance.dry"].value is True  # the batch's good change went in


def _non_finite(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return True
    return False


def test_sync__comment_over_the_limit__refused_as_the_screen_refuses_it(
        server: tuple[str, TinyStore], phones: dict[str, Phone]) -> None:
    _, store = server
    sam = phones["sam"]
    audit_id = draft(store, sam.person)
    audits.answer(store, sam.person, audit_id, "entrance.dry", comment="лужа")
    r = sam.sync(audit_id, sam.change("comment", "entrance.dry",
                                      value="x" * (limits.COMMENT_MAX_CHARS + 1)))
    assert [x["code"] for x in r.json()["refused"]] == ["too_long"]
    assert str(limits.COMMENT_MAX_CHARS) in r.json()["refused"][0]["message"]
    with pytest.raises(Exception, match=str(limits.COMMENT_MAX_CHARS)):
        audits.answer(store, sam.person, audit_id, "entrance.dry",
                      comment="x" * (limits.COMMENT_MAX_CHARS + 1))
    audit = store.get_audit(audit_id)
    assert audit is not None and audit.answers["entrance.dry"].comment == "лужа"


# -- through the functions, both stores --------------------------------------------------


def apply(store: Store, user: User, audit_id: str, *changes: dict[str, Any],
          client: str = CLIENT, now: str | None = None) -> sync.SyncResult:
    _, client_id, parsed = sync.parse_batch({"audit": audit_id, "client": client,
                                             "changes": list(changes)})
    return sync.apply_batch(store, user, audit_id, client_id, parsed, now=now)


@pytest.mark.parametrize(("key", "value", "code"), [
    ("entrance.clean", math.nan, "not_whole"), ("entrance.clean", math.inf, "not_whole"),
    ("entrance.clean", -math.inf, "not_whole"), ("waiting.wait", {"minutes": math.nan}, "not_number")])
def test_sync__non_finite_numbers_past_the_route__still_refused_per_change(
        store: Store, network: dict[str, User], key: str, value: Any, code: str) -> None:
    """The route refuses NaN and Infinity in JSON; a batch that reaches the sync another way
    (a future route, the tests' own calls) is refused per change all the same."""
    sam = network["shopper"]
    audit_id = draft(store, sam)
    good = {"entrance.clean": 4, "waiting.wait": {"minutes": 3.0}}[key]
    audits.answer(store, sam, audit_id, key, value=good)
    result = apply(store, sam, audit_id,
                   {"seq": 1, "kind": "answer", "key": key, "at": "2026-05-01T10:00:00.000Z",
                    "value": value})
    assert [r.code for r in result.refused] == [code]
    audit = store.get_audit(audit_id)
    assert audit is not None and audit.answers[key].value == good


def test_forged_photo_names__submit_refused__walk_shows_nothing__check_reports_both(
        store: Store, network: dict[str, User]) -> None:
    from audit.ui.walk.component import walk_data

    sam, sue = network["shopper"], network["shopper2"]
    mine, theirs = draft(store, sam), draft(store, sue)
    her_sha = photograph(store, sue, theirs, "office.facade")
    made_up = "e" * 64
    # the capture layer itself refuses a hash the audit holds no photo of, known elsewhere or not
    for sha in (her_sha, made_up):
        with pytest.raises(NotFound):
            audits.answer(store, sam, mine, "office.facade", add_photo=sha)
    # what an older version let through: the bare hashes in the answers
    forge_photo_name(store, mine, "office.facade", her_sha)
    forge_photo_name(store, mine, "entrance.dry", made_up)
    answer_mini(store, sam, mine)
    with pytest.raises(audits.SubmitRefused) as refused:
        audits.submit(store, sam, mine)
    assert ("office.facade", "photo") in refused.value.missing
    audit = store.get_audit(mine)
    assert audit is not None
    data = walk_data(audit, audits.checklist_for(store, audit.header), lang="en", user="sam",
                     csrf="x", ticket=None, view="walk", focus=None, location=None,
                     photos=store.photo_files())
    assert data["photos"] == {}  # her photo's thumbnail is not shown in his walk
    found = {(f.kind, f.where, f.detail.split(" ")[1]) for f in store.integrity_scan().findings}
    assert ("answer_photo_foreign", mine, her_sha) in found
    assert ("answer_photo_missing", mine, made_up) in found
    assert not [f for f in store.integrity_scan().findings if f.where == theirs]


def test_future_dated_change__taken_as_now__later_real_changes_still_win(
        store: Store, network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = draft(store, sam)
    now = "2026-05-01T10:00:00+00:00"
    r = apply(store, sam, audit_id, {"seq": 1, "kind": "answer", "key": "entrance.dry",
                                     "at": "9999-12-31T23:59:59.000Z", "value": False}, now=now)
    assert r.applied == (1,)
    later = "2026-05-01T10:01:00+00:00"
    r = apply(store, sam, audit_id, {"seq": 2, "kind": "answer", "key": "entrance.dry",
                                     "at": "2026-05-01T10:01:00.000Z", "value": True}, now=later)
    audit = store.get_audit(audit_id)
    assert audit is not None and audit.answers["entrance.dry"].value is True
    # within the allowed skew a phone's time is taken as it came
    skew = limits.PHONE_CLOCK_SKEW_SECONDS
    assert skew <= 600
    r = apply(store, sam, audit_id, {"seq": 3, "kind": "answer", "key": "entrance.dry",
                                     "at": "2026-05-01T10:02:00.000Z", "value": False}, now=later)
    r = apply(store, sam, audit_id, {"seq": 4, "kind": "answer", "key": "entrance.dry",
                                     "at": "2026-05-01T10:01:30.000Z", "value": True}, now=later)
    audit = store.get_audit(audit_id)
    assert audit is not None and audit.answers["entrance.dry"].value is False


def sync_record(store: Store, audit_id: str) -> dict[str, Any]:
    """The audit's sync record as the store keeps it (read in a save that changes nothing)."""
    seen: list[dict[str, Any]] = []

    def read(answers: Any, record: Any) -> tuple[list[Any], dict[str, Any]]:
        seen.append(dict(record))
        return [], dict(record)

    store.save_answers(audit_id, read)
    return seen[0]


def test_receipts__forty_sparse_batches__record_stays_small__a_recent_resend_is_a_duplicate(
        store: Store, network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = draft(store, sam)
    audits.answer(store, sam, audit_id, "entrance.dry", value=True, comment="сухо")
    keys = ["entrance.clean", "waiting.chairs"]
    last: list[dict[str, Any]] = []
    for n in range(40):
        # every other sequence number skipped: each batch leaves 500 gaps, from a new phone id
        last = [{"seq": 2 * (n * 500 + i) + 1, "kind": "answer", "key": keys[i % 2], "at": T1,
                 "value": 3} for i in range(500)]
        apply(store, sam, audit_id, *last, client=f"phone-{n:04d}-abcdef")
    size = len(json.dumps(sync_record(store, audit_id)))
    assert size < 40_000, size
    if isinstance(store, TinyStore):
        assert store._audit_path(audit_id).stat().st_size < 60_000
    again = apply(store, sam, audit_id, *last[-limits.SYNC_RECEIPT_GAPS_MAX:],
                  client="phone-0039-abcdef")
    assert len(again.duplicates) == limits.SYNC_RECEIPT_GAPS_MAX and not again.applied
    audit = store.get_audit(audit_id)
    assert audit is not None and audit.answers["entrance.dry"].comment == "сухо"


def test_stale_outbox_entry_naming_a_hash__refused_with_its_code__the_rest_applied(
        store: Store, network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = draft(store, sam)
    sha = photograph(store, sam, audit_id, "office.facade")
    r = apply(store, sam, audit_id,
              {"seq": 1, "kind": "add_photo", "key": "entrance.dry", "at": T1, "value": sha},
              {"seq": 2, "kind": "add_photo", "key": "entrance.dry", "at": T1, "value": 12},
              {"seq": 3, "kind": "caption", "key": "office.facade", "at": T1, "sha": "f" * 64,
               "value": "чужое"},
              {"seq": 4, "kind": "answer", "key": "entrance.dry", "at": T1, "value": False})
    assert [(x.seq, x.code) for x in r.refused] == [(1, "photo_by_hash"), (2, "photo_not_uploaded"),
                                                    (3, "photo_not_uploaded")]
    assert r.applied == (4,)
    audit = store.get_audit(audit_id)
    assert audit is not None and audit.answers["entrance.dry"].photos == ()
    assert audit.answers["office.facade"].photos == (sha,)


def test_upload_id__the_same_photo_sent_twice_to_an_audit__keeps_one_id(
        store: Store, network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = draft(store, sam)
    data = phone_jpeg(seed=43, size=(160, 120))
    one = evidence.add_photo(store, sam, audit_id, "entrance.dry", data)
    two = evidence.add_photo(store, sam, audit_id, "entrance.dry", data)
    assert one.ref.upload == two.ref.upload and sync.UPLOAD_RE.match(one.ref.upload)


def _jpeg_with_offset(offset: str) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769).update({0x9003: "2026:05:01 10:00:00", 0x9011: offset})
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 40)).save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize(("offset", "captured"), [
    ("+03:00", "2026-05-01T10:00:00+03:00"),
    ("-12:00", "2026-05-01T10:00:00-12:00"),
    ("+14:00", "2026-05-01T10:00:00+14:00"),
    ("+99:99", "2026-05-01T10:00:00"),
    ("+14:30", "2026-05-01T10:00:00"),
    ("-23:59", "2026-05-01T10:00:00"),
])
def test_exif_offset__beyond_14_hours__ignored__the_wall_clock_kept(offset: str,
                                                                   captured: str) -> None:
    assert prepare_photo(_jpeg_with_offset(offset)).captured_at == captured
    reported = evidence.PhoneReport.from_json({"captured_at": "2026-05-01T10:00:00" + offset})
    assert reported.captured_at == captured or (offset == "+99:99" and reported.captured_at is None)


# -- the phone: the walk names its photo by the id the upload answered --------------------------


def test_phone__deletes_its_sent_photo_by_the_upload_id(server: tuple[str, TinyStore],
                                                       browser: Any) -> None:
    from playwright.sync_api import expect

    from tests.e2e.conftest import PHONE_CONTEXT, card, sign_in, status, wait_for

    url, store = server
    sam = store.get_user("sam")
    assert sam is not None
    audit_id = draft(store, sam)
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    sent: list[dict[str, Any]] = []

    def seen(request: Any) -> None:  # an event: the request goes on untouched
        if "/api/sync" in request.url and request.method == "POST":
            sent.append(json.loads(request.post_data or "{}"))

    ctx.on("request", seen)
    page.on("dialog", lambda d: d.accept())
    sign_in(page, url, "sam")
    page.goto(f"{url}/?id={audit_id}")
    expect(status(page)).to_have_attribute("data-state", "saved")
    gallery = card(page, "entrance.dry").locator("input[type=file]:not([capture])")
    gallery.set_input_files(files=[{"name": "p.jpg", "mimeType": "image/jpeg",
                                    "buffer": phone_jpeg(seed=44, size=(640, 480))}])

    def photos() -> tuple[str, ...]:
        audit = store.get_audit(audit_id)
        answer = audit.answers.get("entrance.dry") if audit else None
        return answer.photos if answer else ()

    held = wait_for(photos, "the photo on the server")
    audit = store.get_audit(audit_id)
    assert audit is not None
    upload = audit.photos[held[0]].upload
    expect(status(page)).to_have_attribute("data-state", "saved")
    expect(card(page, "entrance.dry").locator(".thumb .tag")).to_have_count(0)  # sent, id known
    card(page, "entrance.dry").get_by_role("button", name="Фото 1").tap()
    page.get_by_role("button", name="Удалить фото").tap()
    wait_for(lambda: not photos(), "the removal on the server")
    expect(card(page, "entrance.dry").locator(".thumb")).to_have_count(0)  # events delivered
    removals = [c for b in sent for c in b.get("changes", []) if c["kind"] == "remove_photo"]
    assert [c["value"] for c in removals] == [upload], [r.get("changes") for r in sent]
    ctx.close()


def test_pdf__an_answer_naming_another_audits_photo__prints_no_photo_of_it(
        store: Store, network: dict[str, User]) -> None:
    from pypdf import PdfReader

    sam, sue = network["shopper"], network["shopper2"]
    mine, theirs = draft(store, sam), draft(store, sue)
    her_sha = photograph(store, sue, theirs, "office.facade")
    forge_photo_name(store, mine, "office.facade", her_sha)

    def pictures(audit_id: str) -> int:
        audit = store.get_audit(audit_id)
        assert audit is not None
        pdf = workflow.audit_pdf(store, audit, lang="en", reader=network["hq"])
        return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)

    assert pictures(theirs) >= 1
    assert pictures(mine) == 0
