"""The manager's photo of a fix goes the walk's way: the phone's light copy to /api/action-photo."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from audit.actions import service as actions
from audit.model import User
from audit.people import accounts, handoff
from audit.store.folder.backend import TinyStore
from audit.web.middleware import middleware
from audit.web.routes import routes
from tests.conftest import populate, served_folder
from tests.test_actions import mystery

ORIGIN = "http://testserver"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    return served_folder(tmp_path, monkeypatch)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(Starlette(routes=routes(), middleware=middleware()), base_url=ORIGIN) as c:
        yield c


def jpeg(shade: int = 90) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1024, 768), (shade, 140, 200)).save(out, "JPEG", quality=85)
    return out.getvalue()


def post(client: TestClient, csrf: str, action_id: str, body: bytes, report: dict | None = None,
         lang: str = "en") -> object:
    headers = {"Origin": ORIGIN, "X-CSRF-Token": csrf, "X-Lang": lang,
               "X-Photo-Report": json.dumps(report or {})}
    return client.post("/api/action-photo", params={"action": action_id}, content=body,
                       headers=headers)


def test_action_photo__stored_as_evidence_with_the_phones_report__refusals_keep_what_was_there(
        client: TestClient, data: TinyStore) -> None:
    people: dict[str, User] = populate(data)
    mystery(data, people, entrance__dry=False)
    action = next(a for a in data.location_actions("loc-a") if a.key == "entrance.dry")
    mia, max_ = people["manager"], people["manager_b"]
    token = accounts.start_session(data, mia)
    r = client.post("/api/session", json={"ticket": handoff.issue_ticket(token)},
                    headers={"Origin": ORIGIN})
    assert r.status_code == 204
    csrf = handoff.csrf_token(token)
    report = {"captured_at": "2026-05-01T10:00:00", "gps": [55.75, 37.62], "width": 4000,
              "height": 3000, "size": 5_300_000, "downscaled": True}
    ok = post(client, csrf, action.id, jpeg(), report)
    assert ok.status_code == 200, ok.text  # type: ignore[attr-defined]
    (ref,) = data.get_action(action.id).evidence  # type: ignore[union-attr]
    assert ref.sha256 == ok.json()["sha"] and ref.width == 1024  # type: ignore[attr-defined]
    assert ref.reported == report  # the phone's reading of the original, beside the server's
    bad = post(client, csrf, action.id, b"not a photo", lang="ru")
    assert bad.status_code == 422 and "не изображение" in bad.json()["message"]  # type: ignore[attr-defined]
    assert post(client, "wrong", action.id, jpeg(20)).status_code == 403  # type: ignore[attr-defined]
    assert post(client, csrf, "no-such-action", jpeg(30)).status_code == 404  # type: ignore[attr-defined]
    assert len(data.get_action(action.id).evidence) == 1  # type: ignore[union-attr]  nothing lost
    # another branch's manager: the action is not theirs to see
    other = accounts.start_session(data, max_)
    client.post("/api/session", json={"ticket": handoff.issue_ticket(other)}, headers={"Origin": ORIGIN})
    assert post(client, handoff.csrf_token(other), action.id, jpeg(40)).status_code == 404  # type: ignore[attr-defined]
    # a closed action takes no more photos: refused before its body is read
    actions.mark_done(data, mia, action.id, "a new mat at the door")
    client.post("/api/session", json={"ticket": handoff.issue_ticket(token)}, headers={"Origin": ORIGIN})
    closed = post(client, csrf, action.id, jpeg(50))
    assert closed.status_code == 409, closed.text  # type: ignore[attr-defined]
    assert len(data.get_action(action.id).evidence) == 1  # type: ignore[union-attr]
