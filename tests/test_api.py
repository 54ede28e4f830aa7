"""/api/v1 through the real FastAPI app on each store: the access matrix per token scope, pages,
ETags, problem details in the caller's language, rate limits, revocation, writes, the feed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from audit import workflow
from audit.api.app import create_api
from audit.audits import capture as audits
from audit.core import limits
from audit.model import User
from audit.people import accounts, tokens
from audit.store import Store
from tests.conftest import answer_mini, make_store, photograph, populate


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read rows just written, by one writer: nothing is left to settle.
    (test_api_paging holds the settling to account under concurrent writers.)"""
    monkeypatch.setattr(limits, "API_SETTLE_SECONDS", 0)


@dataclass
class World:
    store: Store
    client: TestClient
    people: dict[str, User]
    ids: dict[str, str]  # what each audit is → its id
    secrets: dict[str, str]  # token kind → its secret
    photo: str  # the sha256 of a photo of the published mystery audit


def _audit(store: Store, who: User, location: str, mode: str, *, publish_by: User | None = None,
           submit: bool = True, **answers: object) -> str:
    audit_id = audits.start_audit(store, who, location_id=location, template_id="mini", mode=mode,
                                  lang="ru").id
    answer_mini(store, who, audit_id, **answers)
    photograph(store, who, audit_id, "office.facade")
    if answers.get("entrance__dry") is False:
        photograph(store, who, audit_id, "entrance.dry")
    if submit:
        workflow.submit(store, who, audit_id)
    if publish_by is not None:
        workflow.publish(store, publish_by, audit_id)
    return audit_id


@pytest.fixture(scope="module", params=["tinydb", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp: Path = tmp_path_factory.mktemp(f"api-{request.param}")
    store = make_store(request.param, tmp, request)
    people = populate(store)
    accounts.update_user(store, "sam", code="S-SAM001")
    accounts.update_user(store, "sue", code="S-SUE002")
    people = {k: store.get_user(u.name) or u for k, u in people.items()}
    hq, sam, sue, mia = people["hq"], people["shopper"], people["shopper2"], people["manager"]
    ids = {
        "published_a": _audit(store, sam, "loc-a", "mystery", publish_by=hq, entrance__dry=False),
        "unpublished_b": _audit(store, sue, "loc-b", "mystery"),
        "self_a": _audit(store, mia, "loc-a", "self", entrance__clean=1),
        "draft_a": _audit(store, sam, "loc-a", "mystery", submit=False),
    }
    photo = next(iter(store.get_audit(ids["published_a"]).photos))  # type: ignore[union-attr]
    secrets = {
        "network": tokens.issue_token(store, "BI", "read", by="boss")[0],
        "moscow": tokens.issue_token(store, "Moscow", "read", by="boss", regions=("Москва",))[0],
        "loc_b": tokens.issue_token(store, "Nevsky", "read", by="boss", locations=("loc-b",))[0],
        "writer": tokens.issue_token(store, "Tickets", "write", by="boss")[0],
        "writer_a": tokens.issue_token(store, "Arbat desk", "write", by="boss", locations=("loc-a",))[0],
    }
    client = TestClient(create_api(lambda: store))
    yield World(store, client, people, ids, secrets, photo)


def get(w: World, path: str, who: str | None = "network", **headers: str):  # type: ignore[no-untyped-def]
    if who is not None:
        headers["Authorization"] = f"Bearer {w.secrets[who]}"
    return w.client.get(path, headers=headers)


def listed(w: World, path: str, who: str = "network") -> list[dict]:  # type: ignore[type-arg]
    r = get(w, path, who)
    assert r.status_code == 200, r.text
    return r.json()["data"]  # type: ignore[no-any-return]


# -- the access matrix: each token reads what a person of its scope reads -----------------------

def test_audits__each_scope_lists_what_its_person_would(world: World) -> None:
    w = world
    ids = dict(w.ids.items())
    seen = {who: {a["id"] for a in listed(w, "/audits", who)} for who in ("network", "moscow", "loc_b")}
    assert seen["network"] == {ids["published_a"], ids["unpublished_b"], ids["self_a"]}  # no draft
    # a region's token reads as the branch: published mystery audits and submitted self-audits
    assert seen["moscow"] == {ids["published_a"], ids["self_a"]}
    assert seen["loc_b"] == set()  # loc-b's only audit is not published yet


def test_audits__shoppers_named_only_to_the_network_token(world: World) -> None:
    w = world
    by_id = {a["id"]: a for a in listed(w, "/audits")}
    assert by_id[w.ids["published_a"]]["auditor"] == "sam"
    scoped = {a["id"]: a for a in listed(w, "/audits", "moscow")}
    assert scoped[w.ids["published_a"]]["auditor"] == "S-SAM001"
    assert scoped[w.ids["self_a"]]["auditor"] == "mia"  # a self-audit has no shopper to protect
    detail = get(w, f"/audits/{w.ids['published_a']}", "moscow").json()
    assert "sam" not in str(detail).replace("S-SAM001", "")


@pytest.mark.parametrize(("who", "audit", "status"), [
    ("moscow", "unpublished_b", 404), ("loc_b", "published_a", 404), ("loc_b", "unpublished_b", 404),
    ("network", "draft_a", 404), ("network", "unpublished_b", 200), ("moscow", "self_a", 200)])
def test_audit_detail__what_a_token_may_not_read_is_as_missing(world: World, who: str, audit: str,
                                                               status: int) -> None:
    r = get(world, f"/audits/{world.ids[audit]}", who)
    assert r.status_code == status
    if status == 404:
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json() == get(world, "/audits/no-such-audit-0000", who).json() | {
            "detail": r.json()["detail"], "instance": r.json()["instance"]}


def test_audit_detail__score_sections_answers_findings_and_photo_links(world: World) -> None:
    w = world
    body = get(w, f"/audits/{w.ids['published_a']}").json()
    assert body["state"] == "published" and body["mode"] == "mystery" and body["score"] is not None
    assert {s["id"] for s in body["sections"]} >= {"entrance"}
    assert any(f["key"] == "entrance.dry" for f in body["findings"])
    dry = next(a for a in body["answers"] if a["key"] == "entrance.dry")
    assert dry["value"] is False
    facade = next(a for a in body["answers"] if a["key"] == "office.facade")
    link = facade["photos"][0]
    assert link == f"/api/v1/audits/{w.ids['published_a']}/photos/{w.photo}"
    r = get(w, link.removeprefix("/api/v1"))
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg" and r.content[:2] == b"\xff\xd8"
    assert get(w, link.removeprefix("/api/v1"), "loc_b").status_code == 404
    other = next(iter(w.store.get_audit(w.ids["self_a"]).photos))  # type: ignore[union-attr]
    assert get(w, f"/audits/{w.ids['published_a']}/photos/{other}").status_code == 404


def test_people_visits_plans__network_token_only(world: World) -> None:
    w = world
    assert {p["name"] for p in listed(w, "/people")} >= {"boss", "sam", "mia"}
    assert "password_hash" not in str(listed(w, "/people"))
    for path in ("/people", "/visits", "/plans"):
        r = get(w, path, "moscow")
        assert r.status_code == 403 and "whole network" in r.json()["detail"]


def test_locations__a_scoped_token_sees_its_own(world: World) -> None:
    assert [loc["id"] for loc in listed(world, "/locations", "moscow")] == ["loc-a"]
    assert [loc["id"] for loc in listed(world, "/locations")] == ["loc-a", "loc-b"]
    assert get(world, "/locations/loc-b", "moscow").status_code == 404
    assert get(world, "/locations/loc-b", "loc_b").json()["name"] == "Невский"


def test_actions__scoped_by_location(world: World) -> None:
    every = listed(world, "/actions")
    assert every and {a["location_id"] for a in every} <= {"loc-a", "loc-b"}
    mine = listed(world, "/actions", "loc_b")
    assert all(a["location_id"] == "loc-b" for a in mine)
    one = every[0]
    assert get(world, f"/actions/{one['id']}").json()["id"] == one["id"]
    if one["location_id"] == "loc-a":
        assert get(world, f"/actions/{one['id']}", "loc_b").status_code == 404


def test_checklists__versions_and_items(world: World) -> None:
    [mini] = listed(world, "/checklists")
    assert mini["id"] == "mini" and mini["version"] == 1
    body = get(world, "/checklists/mini/versions/1").json()
    assert any(i["key"] == "entrance.dry" for s in body["sections"] for i in s["items"])
    assert get(world, "/checklists/mini/versions/9").status_code == 404


# -- pages, filters, ETags -------------------------------------------------------------------

def test_pages__one_by_one_give_each_row_once_in_order(world: World) -> None:
    w = world
    whole = listed(w, "/audits")
    seen: list[str] = []
    r = get(w, "/audits?limit=1")
    while True:
        body = r.json()
        seen += [a["id"] for a in body["data"]]
        if not body["has_more"]:
            break
        r = get(w, body["links"]["next"].removeprefix("/api/v1"))
    assert seen == [a["id"] for a in whole]
    stamps = [(a["changed_at"], a["id"]) for a in whole]
    assert stamps == sorted(stamps)
    # the last cursor, kept, gives nothing new until something changes
    last = body["next_cursor"]
    assert listed(w, f"/audits?cursor={last}") == []


def test_filters__location_mode_state_changed_after(world: World) -> None:
    w = world
    assert {a["id"] for a in listed(w, "/audits?mode=self")} == {w.ids["self_a"]}
    assert {a["id"] for a in listed(w, "/audits?state=published")} == {w.ids["published_a"]}
    assert {a["id"] for a in listed(w, "/audits?location=loc-b")} == {w.ids["unpublished_b"]}
    assert listed(w, "/audits?location=loc-b", "moscow") == []  # a filter never widens a scope
    assert listed(w, "/audits?region=СПб&checklist=mini") == listed(w, "/audits?location=loc-b")
    whole = listed(w, "/audits")
    since = whole[0]["changed_at"]
    assert [a["id"] for a in listed(w, f"/audits?changed_after={since}")] == [a["id"] for a in whole[1:]]
    assert listed(w, "/audits?changed_after=2999-01-01") == []


def test_etag__unchanged_item_or_page_answers_304(world: World) -> None:
    w = world
    r = get(w, f"/audits/{w.ids['published_a']}")
    tag = r.headers["etag"]
    again = get(w, f"/audits/{w.ids['published_a']}", **{"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    page = get(w, "/audits")
    assert get(w, "/audits", **{"If-None-Match": page.headers["etag"]}).status_code == 304
    assert get(w, "/audits", **{"If-None-Match": '"other"'}).status_code == 200


# -- refusals: problem details in the caller's language -----------------------------------------

@pytest.mark.parametrize(("path", "status", "words"), [
    ("/audits?cursor=bm9wZQ", 400, "cursor"), ("/audits?limit=0", 400, "limit"),
    ("/audits?limit=100000", 400, "limit"), ("/audits?changed_after=yesterday", 400, "ISO 8601"),
    ("/audits?mode=secret", 400, "mode"), ("/nowhere", 404, "/api/v1/docs"),
    ("/audits/..%2F..%2Fetc", 404, ""), ("/checklists/mini/versions/-1", 400, "version")])
def test_bad_input__problem_json_never_a_500(world: World, path: str, status: int, words: str) -> None:
    r = get(world, path)
    assert r.status_code == status, r.text
    body = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert body["status"] == status and words in body["detail"] and body["title"]


def test_problems__in_the_language_asked(world: World) -> None:
    w = world
    ru = w.client.get("/audits", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"})
    assert ru.status_code == 401 and "Токен не передан" in ru.json()["detail"]
    assert ru.headers["www-authenticate"].startswith("Bearer") and ru.headers["content-language"] == "ru"
    en = w.client.get("/audits", headers={"Accept-Language": "en-GB,ru;q=0.5"})
    assert "The token is missing" in en.json()["detail"]
    assert get(w, "/audits", None, Authorization="Basic Ym9zczpzZWNyZXQ=").status_code == 401


def test_revoked_token__refused_at_the_next_request(world: World) -> None:
    w = world
    secret, token = tokens.issue_token(w.store, "short-lived", "read", by="boss")
    ok = w.client.get("/locations", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
    tokens.revoke_token(w.store, token.id, by="boss")
    r = w.client.get("/locations", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401
    assert w.client.get("/feed/audits.csv", params={"token": secret}).status_code == 401


def test_rate_limit__per_token_counted_in_the_store(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    w = world
    monkeypatch.setattr(tokens.api_requests, "count", 3)
    secret, _ = tokens.issue_token(w.store, "busy", "read", by="boss")
    other, _ = tokens.issue_token(w.store, "calm", "read", by="boss")
    codes = [w.client.get("/locations", headers={"Authorization": f"Bearer {secret}"}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = w.client.get("/locations", headers={"Authorization": f"Bearer {secret}", "Accept-Language": "ru"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "больше 3 запросов" in r.json()["detail"]
    assert w.client.get("/locations", headers={"Authorization": f"Bearer {other}"}).status_code == 200


# -- writes ----------------------------------------------------------------------------------

def test_patch_action__a_write_token_assigns_a_read_token_may_not(world: World) -> None:
    w = world
    action = next(a for a in listed(w, "/actions") if a["location_id"] == "loc-a" and a["status"] == "open")
    path = f"/actions/{action['id']}"
    body = {"due": "2099-01-31"}
    ro = w.client.patch(path, json=body, headers={"Authorization": f"Bearer {w.secrets['network']}"})
    assert ro.status_code == 403 and "only read" in ro.json()["detail"]
    auth = {"Authorization": f"Bearer {w.secrets['writer']}"}
    stale = w.client.patch(path, json=body, headers={**auth, "If-Match": '"stale"'})
    assert stale.status_code == 412
    r = w.client.patch(path, json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["due"] == "2099-01-31" and w.store.get_action(action["id"]).due == "2099-01-31"  # type: ignore[union-attr]
    bad = w.client.patch(path, json={"due": "2000-01-01"}, headers=auth)
    assert bad.status_code == 400 and w.store.get_action(action["id"]).due == "2099-01-31"  # type: ignore[union-attr]
    unknown = w.client.patch(path, json={"colour": "red"}, headers=auth)
    assert unknown.status_code == 400 and "colour" in unknown.json()["detail"]
    started = w.client.patch(path, json={"status": "in_progress"},
                             headers={"Authorization": f"Bearer {w.secrets['writer_a']}"})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    # a location's write token may work on it, but not assign (a reviewer's or HQ's right)
    assign = w.client.patch(path, json={"due": "2099-02-28"},
                            headers={"Authorization": f"Bearer {w.secrets['writer_a']}"})
    assert assign.status_code == 400 and w.store.get_action(action["id"]).due == "2099-01-31"  # type: ignore[union-attr]


# -- the feed ----------------------------------------------------------------------------------

def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_feed__flat_tables_by_url_with_the_token_no_redirect(world: World) -> None:
    w = world
    r = w.client.get("/feed/audits.csv", params={"token": w.secrets["moscow"]}, follow_redirects=False)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _csv(r.text)
    assert {row["id"] for row in rows} == {w.ids["published_a"], w.ids["self_a"]}
    assert {row["auditor"] for row in rows} == {"S-SAM001", "mia"}
    answers = _csv(get(w, "/feed/answers.csv").text)
    assert {a["audit_id"] for a in answers} == {w.ids["published_a"], w.ids["unpublished_b"], w.ids["self_a"]}
    assert any(a["key"] == "entrance.dry" and a["value"] == "false" for a in answers)
    acts = _csv(get(w, "/feed/actions.csv", "loc_b").text)
    assert all(a["location_id"] == "loc-b" for a in acts)
    assert get(w, "/feed/visits.csv", "moscow").status_code == 403
    assert get(w, "/feed/visits.csv").text.startswith("\ufeffid,plan_id")
    assert get(w, "/feed/secrets.csv").status_code == 400


def test_post_location__a_network_write_token_adds_one_by_the_admin_rule(world: World) -> None:
    w = world
    new = {"id": "loc-api-1", "name": "Тверская", "region": "Москва", "tz": "Europe/Moscow"}

    def post(who: str, body: dict, **headers: str):  # type: ignore[no-untyped-def, type-arg]
        return w.client.post("/locations", json=body, headers={"Authorization": f"Bearer {w.secrets[who]}",
                                                                **headers})

    assert post("network", new).status_code == 403  # read only
    assert post("writer_a", new).status_code == 403  # a location's token adds no location
    assert w.store.get_location("loc-api-1") is None
    made = post("writer", new)
    assert made.status_code == 201 and made.json()["links"]["self"] == "/api/v1/locations/loc-api-1"
    assert w.store.get_location("loc-api-1").tz == "Europe/Moscow"  # type: ignore[union-attr]
    again = post("writer", new | {"name": "other"}, **{"Accept-Language": "ru"})
    assert again.status_code == 409 and "уже есть" in again.json()["detail"]
    assert w.store.get_location("loc-api-1").name == "Тверская"  # type: ignore[union-attr]
    for bad in ({**new, "id": "Loc A"}, {**new, "id": "loc-api-2", "name": " "},
                {**new, "id": "loc-api-3", "tz": "Mars/Olympus"}, {**new, "id": "loc-api-4", "x": 1}):
        r = post("writer", bad)
        assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json", r.text
    assert {loc.id for loc in w.store.list_locations()} == {"loc-a", "loc-b", "loc-api-1"}
