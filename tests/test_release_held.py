"""A held audit whose photos never arrive: released after the limit or by hand, the missing photos
named for those who may read HQ's notes, a late photo refused with its reason (both backends)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from audit import workflow
from audit.audits import capture as audits
from audit.audits.evidence import add_photo
from audit.core import limits
from audit.core.errors import NotFound
from audit.core.zones import parse_utc, utc_iso
from audit.i18n import error_text
from audit.model import User
from audit.ops.cli import main
from audit.people import accounts, audience, handoff
from audit.review import steps as review
from audit.store import AuditFilter, Store
from audit.web.middleware import middleware
from audit.web.routes import routes
from tests.conftest import answer_mini, populate, served_folder

T1 = "2026-05-01T10:00:00.000Z"
ORIGIN = "http://testserver"
PHONE = "phone-1234-abcd"


def later(hours: float) -> str:
    return utc_iso(parse_utc(T1) + timedelta(hours=hours))


def jpeg(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (shade, 120, 200)).save(out, "JPEG", quality=85)
    return out.getvalue()


FACADE = jpeg(10)


def held(store: Store, who: User, mode: str = "mystery", **answers: object) -> str:
    audit_id = audits.start_audit(store, who, location_id="loc-a", template_id="mini", mode=mode,
                                  lang="en", now=T1).id
    answer_mini(store, who, audit_id, **answers)
    left = workflow.submit_from_phone(
        store, who, audit_id, [("office.facade", hashlib.sha256(FACADE).hexdigest())], now=T1)
    assert left == 1
    return audit_id


@pytest.fixture
def reviewer(store: Store) -> User:
    return accounts.create_user(store, "rex", "reviewer", "secret-pass", regions=("Москва",))


def history(store: Store, reader: User, audit_id: str) -> list[str]:
    header = store.get_header(audit_id)
    assert header is not None
    return [ln.what for ln in review.history_lines(
        header, store.get_location("loc-a"), "en", view=audience.view_of(reader, header),
        items={"office.facade": "FACADE-ITEM"})]


def test_released_after_the_limit__submitted_without_the_photo__named_missing_for_hq_only(
        store: Store, network: dict[str, User], reviewer: User) -> None:
    sam, boss, mia = network["shopper"], network["hq"], network["manager"]
    audit_id = held(store, sam)
    limit = limits.HELD_AUDIT_RELEASE_HOURS
    assert workflow.release_expired(store, now=later(limit - 1)) == []
    assert store.get_header(audit_id).arriving  # type: ignore[union-attr]

    assert workflow.release_expired(store, now=later(limit + 1)) == [(audit_id, "")]
    header = store.get_header(audit_id)
    assert header is not None and (header.status, header.arriving) == ("submitted", ())
    released = [e for e in header.events if e["type"] == "photos_released"]
    assert released[0]["items"] == ["office.facade"] and released[0]["automatic"] is True
    row = store.get_summary(audit_id)
    assert row is not None and (row.status, row.arriving) == ("submitted", 0)
    at = later(limit + 1)
    assert [r.audit_id for r in review.review_queue(store, boss, now=at)] == [audit_id]
    assert review.photos_arriving(store, boss, now=at) == []
    # the reviewer and HQ read what is missing; after publication the branch does not
    for reader in (boss, reviewer, sam):
        assert any(f"after {limit} h" in s and "FACADE-ITEM" in s
                   for s in history(store, reader, audit_id)), reader.role
    workflow.publish_reviewed(store, reviewer, audit_id)
    assert not any("FACADE-ITEM" in s or "never arrived" in s for s in history(store, mia, audit_id))
    # a second run finds nothing more to do
    assert workflow.release_expired(store, now=later(limit + 2)) == []


def test_released_by_hand__only_a_reviewer_of_its_region_or_hq__not_twice(
        store: Store, network: dict[str, User], reviewer: User) -> None:
    sam, mia, sue = network["shopper"], network["manager"], network["shopper2"]
    audit_id = held(store, sam)
    before = store.get_header(audit_id)
    elsewhere = accounts.create_user(store, "ron", "reviewer", "secret-pass", regions=("СПб",))
    for who in (sam, sue, mia, elsewhere):
        with pytest.raises(NotFound):
            workflow.release_held(store, who, audit_id, now=later(1))
    assert store.get_header(audit_id) == before  # nothing of the hold was lost
    row = workflow.release_held(store, reviewer, audit_id, now=later(1))  # before the limit
    assert row.status == "submitted"
    header = store.get_header(audit_id)
    assert header is not None
    event = next(e for e in header.events if e["type"] == "photos_released")
    assert (event["by"], event["automatic"]) == ("rex", False)
    assert any(s.startswith("Completed without 1 photos") and "FACADE-ITEM" in s
               for s in history(store, reviewer, audit_id))
    with pytest.raises(audits.NotHeld) as again:
        workflow.release_held(store, network["hq"], audit_id)
    assert "no longer waits" in error_text(again.value, "en")


def test_late_photo_after_release__refused_with_its_reason__the_audit_unchanged(
        store: Store, network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = held(store, sam)
    workflow.release_held(store, network["hq"], audit_id, now=later(2))
    before = store.get_audit(audit_id)
    with pytest.raises(audits.PhotoTooLate) as late:
        add_photo(store, sam, audit_id, "office.facade", FACADE, client=PHONE, seq=9, at=T1)
    assert "came too late" in error_text(late.value, "en") and "2026-05-01" in error_text(late.value, "en")
    assert "пришло слишком поздно" in error_text(late.value, "ru")
    after = store.get_audit(audit_id)
    assert after is not None and before is not None
    assert (after.header, after.photos, after.answers) == (before.header, before.photos, before.answers)


def test_self_audit_released__final_for_its_branch__which_reads_what_is_missing(
        store: Store, network: dict[str, User]) -> None:
    mia = network["manager"]
    audit_id = held(store, mia, mode="self", entrance__clean=1)
    assert store.location_actions("loc-a") == []
    assert workflow.release_expired(store, now=later(limits.HELD_AUDIT_RELEASE_HOURS + 1)) == \
        [(audit_id, "")]
    assert "entrance.clean" in {a.key for a in store.location_actions("loc-a")}
    assert any("FACADE-ITEM" in s for s in history(store, mia, audit_id))


def test_cli_release_held__releases_expired_holds_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = served_folder(tmp_path, monkeypatch)
    people = populate(data)
    audit_id = held(data, people["shopper"])  # held in May: long past the limit now
    assert main(["release-held", "--data-dir", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert f"{audit_id}: completed without its missing photos" in out and "released 1" in out
    assert data.list_summaries(AuditFilter(status="submitted"))[0].audit_id == audit_id
    assert main(["release-held", "--data-dir", str(tmp_path / "data")]) == 0
    assert "released 0" in capsys.readouterr().out


def test_route__the_phone_sends_the_photo_after_release__409_with_the_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = served_folder(tmp_path, monkeypatch)
    people = populate(data)
    sam = people["shopper"]
    audit_id = held(data, sam)
    workflow.release_held(data, people["hq"], audit_id, now=later(3))
    before = data.get_audit(audit_id)
    with TestClient(Starlette(routes=routes(), middleware=middleware()), base_url=ORIGIN) as c:
        token = accounts.start_session(data, sam)
        assert c.post("/api/session", json={"ticket": handoff.issue_ticket(token)},
                      headers={"Origin": ORIGIN}).status_code == 204
        q = {"audit": audit_id, "key": "office.facade", "client": PHONE, "seq": 7, "at": T1}
        r = c.post("/api/photo", params=q, content=FACADE,
                   headers={"Origin": ORIGIN, "X-CSRF-Token": handoff.csrf_token(token),
                            "X-Lang": "ru", "X-Photo-Report": json.dumps({})})
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "photo_too_late" and "слишком поздно" in r.json()["message"]
    assert data.get_audit(audit_id) == before


def test_the_served_app_releases_expired_holds_by_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.web.lifespan import lifespan
    from tests.e2e.conftest import wait_for

    data = served_folder(tmp_path, monkeypatch)
    people = populate(data)
    old = held(data, people["shopper"])  # held in May: past the limit
    fresh = audits.start_audit(data, people["shopper2"], location_id="loc-a", template_id="mini",
                               mode="mystery", lang="en").id
    answer_mini(data, people["shopper2"], fresh)
    workflow.submit_from_phone(data, people["shopper2"], fresh,
                               [("office.facade", hashlib.sha256(b"on its way").hexdigest())])
    monkeypatch.setenv("AUDIT_WEBHOOKS_IN_APP", "0")
    with TestClient(Starlette(routes=routes(), lifespan=lifespan), base_url=ORIGIN):
        wait_for(lambda: data.get_header(old).status == "submitted",  # type: ignore[union-attr]
                 "the expired hold released by the app", 30)
    header = data.get_header(fresh)
    assert header is not None and header.status == "draft" and header.arriving  # still waits
