"""The routes and middleware beside Streamlit: cookie, CSRF, the sync and photo routes, gzip."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from audit.audits import capture as audits
from audit.model import User
from audit.people import accounts, handoff
from audit.store.folder.backend import TinyStore
from audit.web.middleware import middleware
from audit.web.routes import routes
from tests.conftest import populate, served_folder

ORIGIN = "http://testserver"
T1 = "2026-05-01T10:00:00.000Z"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    return served_folder(tmp_path, monkeypatch)


@pytest.fixture
def people(data: TinyStore) -> dict[str, User]:
    return populate(data)


# the two @font-face rules as Streamlit 1.67's stylesheet writes them, and one left alone
STREAMLIT_CSS = (
    '@font-face{font-family:Source Sans;font-weight:100 900;font-style:normal;'
    'src:url(../media/SourceSansVF-Upright.ttf.BsWL4Kly.woff2)format("woff2")}'
    '@font-face{font-family:Material Symbols Rounded;font-style:normal;font-weight:400;'
    'font-display:block;src:url(../media/MaterialSymbols-Rounded.nEdyypZU.woff2)format("woff2")}'
    '@font-face{font-family:Source Code Pro;font-weight:100 900;font-style:normal;'
    'src:url(../media/SourceCodeVF-Upright.ttf.BjWn63N-.woff2)format("woff2")}'
    + ".x{color:red}\n" * 200)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    static = tmp_path / "static"
    (static / "static" / "js").mkdir(parents=True)
    (static / "static" / "js" / "index.abc123.js").write_text("const x = 1;\n" * 2000)
    (static / "static" / "css").mkdir()
    (static / "static" / "css" / "index.abc123.css").write_text(STREAMLIT_CSS)
    (static / "index.html").write_text(
        '<html lang="en"><head><link rel="preload" href="./static/media/SourceSansVF-Upright.ttf.x.woff2" '
        'as="font" type="font/woff2" crossorigin /></head><body>app</body></html>')
    app = Starlette(routes=[*routes(), Mount("/", StaticFiles(directory=static, html=True))],
                    middleware=middleware())
    with TestClient(app, base_url=ORIGIN) as c:
        yield c


def signed_in(client: TestClient, store: TinyStore, user: User) -> str:
    """A session exchanged through a ticket, as the page does; returns its CSRF token."""
    token = accounts.start_session(store, user)
    r = client.post("/api/session", json={"ticket": handoff.issue_ticket(token)}, headers={"Origin": ORIGIN})
    assert r.status_code == 204
    return handoff.csrf_token(token)


def draft_of(store: TinyStore, user: User) -> str:
    return audits.start_audit(store, user, location_id="loc-a", template_id="mini", mode="mystery",
                              lang="ru").id


def sync(client: TestClient, csrf: str, audit_id: str, *changes: dict[str, Any],
         origin: str = ORIGIN, lang: str = "en") -> Any:
    return client.post("/api/sync", content=json.dumps({"audit": audit_id, "client": "phone-1234-abcd",
                                                        "changes": list(changes)}),
                       headers={"Origin": origin, "X-CSRF-Token": csrf, "X-Lang": lang,
                                "Content-Type": "application/json"})


def test_ticket__sets_an_httponly_lax_cookie_once(client: TestClient, data: TinyStore,
                                                  people: dict[str, User]) -> None:
    token = accounts.start_session(data, people["shopper"])
    ticket = handoff.issue_ticket(token)
    r = client.post("/api/session", json={"ticket": ticket}, headers={"Origin": ORIGIN})
    cookie = r.headers["set-cookie"]
    assert r.status_code == 204 and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie and f"audit_session={token}" in cookie
    again = client.post("/api/session", json={"ticket": ticket}, headers={"Origin": ORIGIN})
    assert again.status_code == 401  # one-time
    https = client.post("/api/session", json={"ticket": handoff.issue_ticket(token)},
                        headers={"Origin": "https://testserver", "X-Forwarded-Proto": "https"})
    assert "Secure" in https.headers["set-cookie"]  # behind TLS the page's origin is https
    other = client.post("/api/session", json={"ticket": handoff.issue_ticket(token)},
                        headers={"Origin": "https://evil.example"})
    assert other.status_code == 403


def test_sync__twice__applied_once__and_csrf_refused_in_ru(client: TestClient, data: TinyStore,
                                                           people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = draft_of(data, sam)
    csrf = signed_in(client, data, sam)
    change = {"seq": 1, "kind": "answer", "key": "entrance.dry", "at": T1, "value": False}
    first = sync(client, csrf, audit_id, change)
    again = sync(client, csrf, audit_id, change)
    assert first.status_code == again.status_code == 200
    assert first.json()["acked"] == [1] and again.json()["acked"] == [1]
    assert first.json()["answers"]["entrance.dry"]["value"] is False
    assert "snapshot" not in again.json() or again.json()["digest"] == first.json()["digest"]
    forged = sync(client, "0" * 32, audit_id, {**change, "seq": 2, "value": True}, lang="ru")
    assert forged.status_code == 403 and "Отклонено" in forged.json()["message"]
    cross = sync(client, csrf, audit_id, {**change, "seq": 2, "value": True}, origin="https://evil.example")
    assert cross.status_code == 403
    a = data.get_audit(audit_id)
    assert a is not None and a.answers["entrance.dry"].value is False


def sync_known(client: TestClient, csrf: str, audit_id: str, known: str | None,
               *changes: dict[str, Any]) -> Any:
    return client.post("/api/sync", content=json.dumps({"audit": audit_id, "client": "phone-1234-abcd",
                                                        "changes": list(changes), "known": known}),
                       headers={"Origin": ORIGIN, "X-CSRF-Token": csrf, "Content-Type": "application/json"})


def test_sync__a_phone_that_is_up_to_date_gets_only_its_items__else_the_whole_picture(
        client: TestClient, data: TinyStore, people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = draft_of(data, sam)
    csrf = signed_in(client, data, sam)
    first = sync_known(client, csrf, audit_id, None,
                       {"seq": 1, "kind": "answer", "key": "entrance.dry", "at": T1, "value": True}).json()
    assert first["snapshot"] == {"entrance.dry": first["answers"]["entrance.dry"]}  # it knew nothing
    audits.answer(data, sam, audit_id, "entrance.clean", value=3)  # another device, meanwhile
    door = {"seq": 2, "kind": "answer", "key": "entrance.door", "at": T1, "value": "open"}
    second = sync_known(client, csrf, audit_id, first["digest"], door).json()
    assert set(second["snapshot"]) == {"entrance.dry", "entrance.clean", "entrance.door"}
    third = sync_known(client, csrf, audit_id, second["digest"],
                       {"seq": 3, "kind": "answer", "key": "entrance.dry", "at": "2026-05-01T10:00:01.000Z",
                        "value": False}).json()
    assert "snapshot" not in third and set(third["answers"]) == {"entrance.dry"}
    a = data.get_audit(audit_id)
    assert a is not None
    # what the phone holds (its picture plus the reply's items) matches the server's digest
    from audit.audits import sync as sync_module

    shown, digest = sync_module.snapshot(a.answers)
    assert third["digest"] == digest and shown == {**second["snapshot"], **third["answers"]}


@pytest.mark.parametrize("who", ["ended", "other_shopper", "forged_id"])
def test_sync__not_signed_in_or_not_theirs__refused(client: TestClient, data: TinyStore,
                                                    people: dict[str, User], who: str) -> None:
    sam = people["shopper"]
    audit_id = draft_of(data, sam)
    user = people["shopper2"] if who == "other_shopper" else sam
    csrf = signed_in(client, data, user)
    if who == "ended":
        data.delete_sessions(user.name)  # signed out elsewhere, or the password changed
    target = "no-such-audit-x" if who == "forged_id" else audit_id
    r = sync(client, csrf, target, {"seq": 1, "kind": "answer", "key": "entrance.dry", "at": T1,
                                    "value": True}, lang="ru")
    expected = {"ended": (401, "Вы вышли"), "other_shopper": (404, "Не найдено"),
                "forged_id": (404, "Не найдено")}[who]
    assert (r.status_code, r.json()["message"][:len(expected[1])]) == expected
    a = data.get_audit(audit_id)
    assert a is not None and not a.answers


def jpeg(size: tuple[int, int] = (1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(out, "JPEG", quality=85)
    return out.getvalue()


def test_photo__light_copy_stored_with_the_phones_report__bad_bytes_refused(
        client: TestClient, data: TinyStore, people: dict[str, User]) -> None:
    sam = people["shopper"]
    audit_id = draft_of(data, sam)
    csrf = signed_in(client, data, sam)
    report = json.dumps({"captured_at": "2026-04-01T09:30:00", "gps": [55.7, 37.6], "width": 4000,
                         "height": 3000, "size": 8_300_000, "downscaled": True})
    headers = {"Origin": ORIGIN, "X-CSRF-Token": csrf, "X-Photo-Report": report, "X-Lang": "ru"}
    q = {"audit": audit_id, "key": "entrance.dry", "client": "phone-1234-abcd", "seq": 7, "at": T1}
    r = client.post("/api/photo", params=q, content=jpeg(), headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["photo"].startswith("up_")  # the server's id for it, never the hash
    again = client.post("/api/photo", params=q, content=jpeg(), headers=headers)
    assert again.json()["acked"] == [7] and again.json()["photo"] == r.json()["photo"]
    a = data.get_audit(audit_id)
    assert a is not None and a.answers["entrance.dry"].photos == (r.json()["sha"],)
    ref = a.photos[r.json()["sha"]]
    assert (ref.width, ref.captured_at) == (1200, None)  # what the server read from the bytes
    assert ref.reported == {"captured_at": "2026-04-01T09:30:00", "gps": [55.7, 37.6], "width": 4000,
                            "height": 3000, "size": 8_300_000, "downscaled": True}
    bad = client.post("/api/photo", params={**q, "seq": 8}, content=b"not a photo", headers=headers)
    assert bad.status_code == 422 and "не изображение" in bad.json()["message"]
    a = data.get_audit(audit_id)
    assert a is not None and len(a.answers["entrance.dry"].photos) == 1  # nothing lost


def test_static__gzipped_once_and_kept__page_without_the_font_preload(client: TestClient) -> None:
    r = client.get("/static/js/index.abc123.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
    assert int(r.headers["content-length"]) < 2000 < len(r.content)  # httpx unpacks it
    plain = client.get("/static/js/index.abc123.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == r.content
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and b"SourceSans" not in page.content
    assert b"app" in page.content


def test_page__served_in_the_browsers_language(client: TestClient) -> None:
    pages = {lang: client.get("/", headers={"Accept-Language": lang}).text
             for lang in ("ru-RU,ru;q=0.9,en;q=0.8", "en-US,en;q=0.9", "de-DE")}
    assert [page[:16] for page in pages.values()] == ['<html lang="ru">', '<html lang="en">',
                                                      '<html lang="en">']
    assert client.get("/?lang=ru").text.startswith('<html lang="ru">')  # the page's choice


def test_static__icon_font_only_for_icon_names__text_font_for_nothing(client: TestClient) -> None:
    css = client.get("/static/css/index.abc123.css", headers={"Accept-Encoding": "gzip"}).text
    faces: dict[str, list[str]] = {}
    for face in css.split("@font-face")[1:]:
        faces.setdefault(face.split("font-family:")[1].split(";")[0], []).append(face)
    icons, space = faces["Material Symbols Rounded"]
    assert "unicode-range:U+0030-0039,U+005F,U+0061-007A}" in icons and "url(" in icons
    assert "unicode-range:U+0020;" in space and "url(" not in space  # nothing to download
    assert "unicode-range:U+0000}" in faces["Source Sans"][0]
    assert "unicode-range" not in faces["Source Code Pro"][0]  # code keeps its font
    assert css.count(".x{color:red}") == 200


def test_photo__a_flood_is_refused_before_any_work__the_phone_keeps_it_and_nothing_is_lost(
        client: TestClient, data: TinyStore, people: dict[str, User]) -> None:
    from audit.core import limits
    from audit.people.ratelimit import photo_uploads

    sam = people["shopper"]
    audit_id = draft_of(data, sam)
    csrf = signed_in(client, data, sam)
    headers = {"Origin": ORIGIN, "X-CSRF-Token": csrf, "X-Lang": "ru"}
    q = {"audit": audit_id, "key": "entrance.dry", "client": "phone-1234-abcd", "at": T1}
    first = client.post("/api/photo", params={**q, "seq": 1}, content=jpeg(), headers=headers)
    assert first.status_code == 200, first.text
    for _ in range(limits.UPLOADS_PER_MINUTE - 1):  # the rest of the minute's allowance
        photo_uploads.hit(data, sam.name)
    over = client.post("/api/photo", params={**q, "seq": 2}, content=jpeg((800, 600)), headers=headers)
    assert over.status_code == 503 and int(over.headers["Retry-After"]) > 0  # kept on the phone
    assert "фото" in over.json()["message"]
    a = data.get_audit(audit_id)
    assert a is not None and a.answers["entrance.dry"].photos == (first.json()["sha"],)
