"""A location's place from a photo, the phone's way: its light copy to /api/location-photo (HQ only);
every bad input refused with its reason and the location as it was."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from audit.core import limits
from audit.model import Location, User
from audit.people import accounts, handoff
from audit.store import Store
from audit.store.folder.backend import TinyStore
from audit.visits import service as visit_service
from audit.web.middleware import middleware
from audit.web.routes import routes
from tests.conftest import populate, served_folder
from tests.test_photos import _exif

ORIGIN = "http://testserver"
KAZAN = (55.7963, 49.1088)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    return served_folder(tmp_path, monkeypatch)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(Starlette(routes=routes(), middleware=middleware()), base_url=ORIGIN) as c:
        yield c


def jpeg(gps: tuple[float, float] | None = None, shade: int = 90) -> bytes:
    out = io.BytesIO()
    im = Image.new("RGB", (800, 600), (shade, 140, 200))
    if gps is None:
        im.save(out, "JPEG", quality=85)
    else:
        im.save(out, "JPEG", quality=85, exif=_exif(gps=gps).tobytes())
    return out.getvalue()


def sign_in(client: TestClient, store: Store, user: User) -> str:
    token = accounts.start_session(store, user)
    r = client.post("/api/session", json={"ticket": handoff.issue_ticket(token)},
                    headers={"Origin": ORIGIN})
    assert r.status_code == 204
    return handoff.csrf_token(token)


def post(client: TestClient, csrf: str, body: bytes, *, location: str = "loc-a",
         report: dict[str, Any] | None = None, lang: str = "en",
         origin: str = ORIGIN) -> Any:
    headers = {"Origin": origin, "X-CSRF-Token": csrf, "X-Lang": lang,
               "X-Photo-Report": json.dumps(report or {})}
    return client.post("/api/location-photo", params={"location": location}, content=body,
                       headers=headers)


def place(store: Store) -> tuple[float | None, float | None, str]:
    loc = store.get_location("loc-a")
    assert loc is not None
    return loc.lat, loc.lon, loc.tz


def test_location_photo__its_gps_becomes_the_place__the_phones_reading_of_a_light_copy_too(
        client: TestClient, data: TinyStore) -> None:
    boss = populate(data)["hq"]
    csrf = sign_in(client, data, boss)
    ok = post(client, csrf, jpeg(gps=(59.9343, 30.3351)))  # the photo's own EXIF
    assert ok.status_code == 200, ok.text
    lat, lon, tz = place(data)
    assert lat == pytest.approx(59.9343, abs=1e-4) and lon == pytest.approx(30.3351, abs=1e-4)
    assert tz == "Europe/Moscow"
    # the phone's light copy has no EXIF: the GPS it read from the original stands in
    light = post(client, csrf, jpeg(shade=30), report={"gps": [56.8389, 60.6057], "downscaled": True})
    assert light.status_code == 200, light.text
    assert place(data)[:2] == (56.8389, 60.6057) and place(data)[2] == "Asia/Yekaterinburg"
    assert light.json() == {"lat": 56.8389, "lon": 60.6057, "tz": "Asia/Yekaterinburg"}


def test_location_photo__bad_inputs__each_refused_with_its_reason__the_place_unchanged(
        client: TestClient, data: TinyStore) -> None:
    people = populate(data)
    data.put_location(Location(id="loc-a", name="Арбат", region="Москва", lat=55.75, lon=37.59,
                               tz="Europe/Moscow"))
    before = place(data)
    csrf = sign_in(client, data, people["hq"])

    bad = post(client, csrf, b"not a photo at all", lang="ru")
    assert bad.status_code == 422 and "не изображение" in bad.json()["message"]
    no_gps = post(client, csrf, jpeg(), lang="ru")
    assert no_gps.status_code == 422 and no_gps.json()["error"] == "no_gps"
    assert "координаты не изменены" in no_gps.json()["message"]
    garbled = post(client, csrf, jpeg(), report={"gps": [500, "x"]})  # not a point on Earth
    assert garbled.status_code == 422 and garbled.json()["error"] == "no_gps"
    huge = post(client, csrf, b"\xff\xd8" + b"0" * (limits.PHOTO_MAX_BYTES + 10))
    assert huge.status_code == 413
    assert post(client, csrf, jpeg(gps=KAZAN), location="no-such-place").status_code == 404
    assert post(client, csrf, jpeg(gps=KAZAN), location="").status_code == 404
    odd = client.post("/api/location-photo", params={"location": "loc-a"}, content=b"",
                      headers={"Origin": ORIGIN, "X-CSRF-Token": csrf,
                               "X-Photo-Report": "%E0%A4%A{not json"})
    assert odd.status_code == 422 and odd.json()["error"] == "empty"
    assert post(client, "wrong", jpeg(gps=KAZAN)).status_code == 403
    assert post(client, csrf, jpeg(gps=KAZAN), origin="https://evil.example").status_code == 403
    for role in ("manager", "shopper"):  # not HQ: refused before a byte is read, as not there
        other = sign_in(client, data, people[role])
        r = post(client, other, jpeg(gps=KAZAN))
        assert r.status_code == 404, role
    client.cookies.clear()
    assert post(client, csrf, jpeg(gps=KAZAN)).status_code == 401
    assert place(data) == before  # nothing of it was lost
    assert data.get_location("loc-b") is not None  # nor of any other place


def test_locate_from_photo__the_rule_itself__on_both_backends(
        store: Store, network: dict[str, User]) -> None:
    with pytest.raises(visit_service.NoGps):
        visit_service.locate_from_photo(store, network["hq"], "loc-a", jpeg())
    loc = visit_service.locate_from_photo(store, network["hq"], "loc-a", jpeg(gps=KAZAN))
    assert (round(loc.lat or 0, 3), round(loc.lon or 0, 3)) == (55.796, 49.109)
    assert store.get_location("loc-a") == loc
