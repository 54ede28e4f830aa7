"""Submit while photos are still on the phone: held for them, read by nobody else, whole by itself."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from audit import workflow
from audit.audits import capture as audits
from audit.core.errors import AuditLocked, NotFound
from audit.model import User
from audit.people import accounts, handoff
from audit.review import steps as review
from audit.store import AuditFilter
from audit.store.folder.backend import TinyStore
from audit.web.middleware import middleware
from audit.web.routes import routes
from tests.conftest import answer_mini, populate, served_folder

ORIGIN = "http://testserver"
T1 = "2026-05-01T10:00:00.000Z"
PHONE = "phone-1234-abcd"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    return served_folder(tmp_path, monkeypatch)


@pytest.fixture
def people(data: TinyStore) -> dict[str, User]:
    return populate(data)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(Starlette(routes=routes(), middleware=middleware()), base_url=ORIGIN) as c:
        yield c


def signed_in(client: TestClient, store: TinyStore, user: User) -> str:
    token = accounts.start_session(store, user)
    r = client.post("/api/session", json={"ticket": handoff.issue_ticket(token)},
                    headers={"Origin": ORIGIN})
    assert r.status_code == 204
    return handoff.csrf_token(token)


def sync(client: TestClient, csrf: str, audit_id: str, *changes: dict[str, Any]) -> Any:
    return client.post("/api/sync", content=json.dumps({"audit": audit_id, "client": PHONE,
                                                        "changes": list(changes)}),
                       headers={"Origin": ORIGIN, "X-CSRF-Token": csrf, "X-Lang": "en",
                                "Content-Type": "application/json"})


def jpeg(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (shade, 120, 200)).save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(client: TestClient, csrf: str, audit_id: str, key: str, data: bytes, seq: int) -> Any:
    q = {"audit": audit_id, "key": key, "client": PHONE, "seq": seq, "at": T1}
    return client.post("/api/photo", params=q, content=data,
                       headers={"Origin": ORIGIN, "X-CSRF-Token": csrf, "X-Lang": "en"})


def submit_change(seq: int, *photos: tuple[str, bytes]) -> dict[str, Any]:
    return {"seq": seq, "kind": "submit", "key": "audit", "at": T1,
            "value": {"photos": [{"key": k, "sha": hashlib.sha256(b).hexdigest()} for k, b in photos]}}


def test_submit_from_the_outbox__held_for_its_photo__the_branch_sees_nothing__whole_when_it_lands(
        client: TestClient, data: TinyStore, people: dict[str, User]) -> None:
    sam, mia, boss = people["shopper"], people["manager"], people["hq"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(data, sam, audit_id)
    csrf = signed_in(client, data, sam)
    facade = jpeg(10)
    # the last answer and the submit in one batch, the facade photo (required) still on the phone
    r = sync(client, csrf, audit_id,
             {"seq": 1, "kind": "comment", "key": "entrance.dry", "at": T1, "value": "сухо"},
             submit_change(2, ("office.facade", facade)))
    assert r.status_code == 200, r.text
    assert r.json()["acked"] == [1, 2] and r.json()["refused"] == []
    assert r.json()["status"] == {"submitted": True, "arriving": 1}
    header = data.get_header(audit_id)
    assert header is not None and header.status == "draft"
    assert header.arriving == (hashlib.sha256(facade).hexdigest(),)
    assert review.stage(header) == "arriving"
    assert data.get_audit(audit_id).answers["entrance.dry"].comment == "сухо"  # type: ignore[union-attr]

    # marked for the reviewer and HQ; nothing for the branch, and nothing final
    assert [(r.audit_id, r.arriving) for r in review.photos_arriving(data, boss)] == [(audit_id, 1)]
    assert review.photos_arriving(data, mia) == [] and review.review_queue(data, boss) == []
    with pytest.raises(NotFound):
        audits.load_audit(data, mia, audit_id)
    with pytest.raises(AuditLocked):
        workflow.publish(data, boss, audit_id)
    assert data.get_header(audit_id).published is False  # type: ignore[union-attr]
    assert data.list_messages(("pending", "sent", "dead")) == []
    assert data.list_summaries(AuditFilter(status="submitted")) == []

    # locked for answers; a photo it did not wait for is refused; nothing of it is lost
    late = sync(client, csrf, audit_id, {"seq": 3, "kind": "answer", "key": "entrance.dry",
                                         "at": T1, "value": False})
    assert late.status_code == 409
    other = upload(client, csrf, audit_id, "entrance.dry", jpeg(200), 4)
    assert other.status_code == 409
    a = data.get_audit(audit_id)
    assert a is not None and a.answers["entrance.dry"].value is True and len(a.photos) == 0

    # the photo lands: the audit is submitted, as any other, and waits for review
    landed = upload(client, csrf, audit_id, "office.facade", facade, 5)
    assert landed.status_code == 200, landed.text
    assert landed.json()["status"] == {"submitted": True, "arriving": 0}
    header = data.get_header(audit_id)
    assert header is not None and (header.status, header.arriving) == ("submitted", ())
    assert [e["type"] for e in header.events] == ["started", "photos_arriving", "submitted"]
    assert [r.audit_id for r in review.review_queue(data, boss)] == [audit_id]
    assert review.photos_arriving(data, boss) == []
    row = data.get_summary(audit_id)
    assert row is not None and (row.status, row.arriving) == ("submitted", 0)
    # the same submit sent again (its answer was lost on the way): acknowledged, nothing more
    again = sync(client, csrf, audit_id, submit_change(2, ("office.facade", facade)))
    assert again.status_code == 200 and again.json()["acked"] == [2]
    assert data.get_header(audit_id).events == header.events  # type: ignore[union-attr]


def test_self_audit_held__no_actions_for_the_branch_until_its_photos_are_in(
        client: TestClient, data: TinyStore, people: dict[str, User]) -> None:
    mia = people["manager"]
    audit_id = audits.start_audit(data, mia, location_id="loc-a", template_id="mini",
                                  mode="self", lang="en").id
    answer_mini(data, mia, audit_id, entrance__dry=False)  # a finding: its photo is asked for
    csrf = signed_in(client, data, mia)
    puddle, facade = jpeg(30), jpeg(60)
    r = sync(client, csrf, audit_id,
             submit_change(1, ("entrance.dry", puddle), ("office.facade", facade)))
    assert r.json()["status"] == {"submitted": True, "arriving": 2}
    assert upload(client, csrf, audit_id, "entrance.dry", puddle, 2).json()["status"] == \
        {"submitted": True, "arriving": 1}
    assert data.location_actions("loc-a") == []  # nothing final: no actions, no e-mail
    assert data.get_header(audit_id).status == "draft"  # type: ignore[union-attr]
    assert upload(client, csrf, audit_id, "office.facade", facade, 3).json()["status"] == \
        {"submitted": True, "arriving": 0}
    header = data.get_header(audit_id)
    assert header is not None and header.status == "submitted"
    assert "entrance.dry" in {a.key for a in data.location_actions("loc-a")}


def test_submit_from_the_outbox__an_answer_missing__refused_with_what_and_still_a_draft(
        client: TestClient, data: TinyStore, people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(data, sam, audit_id, office__guard=None)
    csrf = signed_in(client, data, sam)
    r = sync(client, csrf, audit_id, submit_change(1, ("office.facade", jpeg(90))))
    assert r.status_code == 200 and r.json()["acked"] == [1]
    (refused,) = r.json()["refused"]
    assert refused["seq"] == 1 and "missing" in refused["message"]
    header = data.get_header(audit_id)
    assert header is not None and (header.status, header.arriving) == ("draft", ())
    # garbled photos in a submit: refused as such, nothing held
    bad = sync(client, csrf, audit_id, {"seq": 2, "kind": "submit", "key": "audit", "at": T1,
                                        "value": {"photos": [{"key": "office.facade", "sha": "x"}]}})
    assert bad.status_code == 200 and bad.json()["refused"][0]["seq"] == 2
    assert data.get_header(audit_id).arriving == ()  # type: ignore[union-attr]
    # and the audit is still the shopper's to finish
    assert sync(client, csrf, audit_id, {"seq": 3, "kind": "answer", "key": "office.guard",
                                         "at": T1, "value": True}).status_code == 200


def test_submit_with_every_photo_landed_already__submitted_at_once(
        client: TestClient, data: TinyStore, people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(data, sam, audit_id)
    csrf = signed_in(client, data, sam)
    facade = jpeg(120)
    assert upload(client, csrf, audit_id, "office.facade", facade, 1).status_code == 200
    r = sync(client, csrf, audit_id, submit_change(2, ("office.facade", facade)))
    assert r.json()["status"] == {"submitted": True, "arriving": 0}
    assert data.get_header(audit_id).status == "submitted"  # type: ignore[union-attr]


@pytest.mark.parametrize(("where", "kept"), [
    ({"lat": 55.75, "lon": 37.62, "accuracy": 12, "at": "2026-05-01T09:59:00.000Z"}, (55.75, 37.62)),
    ({"lat": 95.0, "lon": 37.62, "accuracy": 12}, None),  # off the Earth
    ({"lat": "north", "lon": 37.62, "accuracy": 12}, None),
    ({"lat": 55.75, "lon": 37.62, "accuracy": 12, "at": "yesterday"}, None),
    ("here", None),
])
def test_submit_from_the_outbox__its_position_recorded__a_garbled_one_left_out_the_submit_stands(
        client: TestClient, data: TinyStore, people: dict[str, User], where: Any,
        kept: tuple[float, float] | None) -> None:
    """The position a phone took when Submit was tapped (perhaps without a signal) travels with
    the queued submit and becomes the submit's proof; one that makes no sense is left out and
    costs the shopper nothing: the audit is submitted with every answer it had."""
    sam = people["shopper"]
    audit_id = audits.start_audit(data, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(data, sam, audit_id)
    csrf = signed_in(client, data, sam)
    facade = jpeg(130)
    assert upload(client, csrf, audit_id, "office.facade", facade, 1).status_code == 200
    change = submit_change(2, ("office.facade", facade))
    change["value"]["position"] = where
    r = sync(client, csrf, audit_id, change)
    assert r.status_code == 200 and r.json()["status"] == {"submitted": True, "arriving": 0}
    header = data.get_header(audit_id)
    assert header is not None and header.status == "submitted"
    proof = [(e["lat"], e["lon"]) for e in header.events
             if e.get("type") == "position" and e.get("stage") == "submit"]
    assert proof == ([kept] if kept else [])
    assert data.get_audit(audit_id).answers["entrance.door"].value == "open"  # type: ignore[union-attr]
