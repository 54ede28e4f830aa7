"""/api/v1 writes that save a person work (plans, visits) and customers' voice as resources, on
each store: the access matrix per token scope, If-Match, problem details, nothing lost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from audit.api.app import create_api
from audit.checklist.parse import shipped_dir
from audit.checklist.templates import add_template, get_checklist
from audit.checklist.voice import touchpoints
from audit.core import limits
from audit.model.visits import VisitFilter
from audit.model.voice import Rating, VoiceResponse
from audit.people import tokens
from audit.store import Store
from audit.visits import service as visit_service
from audit.voice import service as voice_service
from tests.conftest import make_store, populate


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "API_SETTLE_SECONDS", 0)  # one writer here; see test_api_paging


@dataclass
class World:
    store: Store
    client: TestClient
    secrets: dict[str, str]
    sections: list[str]


def _response(n: int, location: str, sections: list[str], *, level: str = "as_expected",
              text: str = "", approved: bool = False, held: str = "", day: str = "") -> VoiceResponse:
    day = day or (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    return VoiceResponse(id=f"{day.replace('-', '')}-w{n:05d}", location_id=location,
                         template_id="service-point", template_version=1, day=day,
                         at=f"{day}T10:{n:02d}:00.000000+00:00",
                         ratings=tuple(Rating(s, 4, 2 + n % 3) for s in sections[:2]), level=level,
                         text=text, text_approved=approved, device=f"secret-device-{n}", held=held)


@pytest.fixture(scope="module", params=["tinydb", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp: Path = tmp_path_factory.mktemp(f"api-w-{request.param}")
    store = make_store(request.param, tmp, request)
    populate(store)
    add_template(store, (shipped_dir() / "service-point.yaml").read_text(encoding="utf-8"), by="test")
    store.put_settings({voice_service.TEMPLATE_SETTING: "service-point"})
    sections = [s.id for s in touchpoints(get_checklist(store, "service-point"))]
    store.import_voice_responses([
        _response(1, "loc-a", sections, text="Кассир нагрубил", approved=True, level="disappointed"),
        _response(2, "loc-a", sections, text="Позвоните мне +7 900 000-00-00"),
        _response(3, "loc-b", sections, level="wow"),
        _response(4, "loc-a", sections, held="burst"),
    ])
    secrets = {
        "network": tokens.issue_token(store, "BI", "read", by="boss")[0],
        "moscow": tokens.issue_token(store, "Moscow", "read", by="boss", regions=("Москва",))[0],
        "writer": tokens.issue_token(store, "Planner", "write", by="boss")[0],
        "writer_a": tokens.issue_token(store, "Arbat desk", "write", by="boss", locations=("loc-a",))[0],
    }
    yield World(store, TestClient(create_api(lambda: store)), secrets, sections)


def call(w: World, method: str, path: str, who: str | None, **kw: Any):  # type: ignore[no-untyped-def]
    headers = dict(kw.pop("headers", {}))
    if who is not None:
        headers["Authorization"] = f"Bearer {w.secrets[who]}"
    return w.client.request(method, path, headers=headers, **kw)


def _plan(**extra: object) -> dict[str, object]:
    today = datetime.now(UTC).date()
    return {"checklist_id": "mini", "first": today.isoformat(),
            "last": (today + timedelta(days=40)).isoformat(), "location_ids": ["loc-a", "loc-b"],
            "per_month": 1, "shoppers": ["sue"], **extra}


# -- plans -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [(None, 401), ("network", 403), ("moscow", 403),
                                             ("writer_a", 403)])
def test_post_plan__only_a_network_write_token(world: World, who: str | None, status: int) -> None:
    before = world.store.list_plans()
    r = call(world, "POST", "/plans", who, json=_plan())
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert world.store.list_plans() == before


def test_post_plan__made_by_the_plan_pages_rules(world: World) -> None:
    w = world
    r = call(w, "POST", "/plans", "writer", json=_plan())
    assert r.status_code == 201, r.text
    body = r.json()
    made = [v for v in w.store.list_visits(VisitFilter()) if v.plan_id == body["id"]]
    assert body["visits"] == len(made) >= 2 and {v.shopper for v in made} == {"sue"}
    assert body["created_at"] and call(w, "GET", f"/plans/{body['id']}", "network").json()["id"] == body["id"]
    listed = call(w, "GET", f"/visits?plan={body['id']}&limit=1000", "network").json()["data"]
    assert {v["id"] for v in listed} == {v.id for v in made}
    assert call(w, "GET", f"/plans/{body['id']}", "moscow").status_code == 403


@pytest.mark.parametrize(("change", "words"), [
    ({"location_ids": ["loc-zz"]}, "loc-zz"), ({"shoppers": ["mia"]}, "не тайный покупатель"),
    ({"checklist_id": "nope"}, "nope"), ({"per_month": 99}, "per_month"),
    ({"time_from": "25:99"}, "25:99"), ({"weekdays": ["someday"]}, "weekdays"),
    ({"first": "2030-01-01", "last": "2029-01-01"}, ""), ({"colour": "red"}, "colour"),
    ({"first": "0001-01-01"}, "first")])
def test_post_plan__bad_plan__problem_in_russian_nothing_stored(world: World, change: dict[str, object],
                                                               words: str) -> None:
    before = (world.store.list_plans(), world.store.list_visits(VisitFilter()))
    r = call(world, "POST", "/plans", "writer", json=_plan(**change), headers={"Accept-Language": "ru"})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json" and words in r.json()["detail"]
    assert r.headers["content-language"] == "ru"
    assert (world.store.list_plans(), world.store.list_visits(VisitFilter())) == before


# -- visits ------------------------------------------------------------------------------------

def _new_visit(w: World) -> str:
    made = call(w, "POST", "/plans", "writer", json=_plan(location_ids=["loc-a"], per_month=0)).json()
    [visit] = call(w, "GET", f"/visits?plan={made['id']}", "network").json()["data"]
    return str(visit["id"])


def test_patch_visit__reassigned_with_if_match_then_cancelled(world: World) -> None:
    w = world
    visit_id = _new_visit(w)
    path = f"/visits/{visit_id}"
    tag = call(w, "GET", path, "network").headers["etag"]
    stale = call(w, "PATCH", path, "writer", json={"shopper": "sam"}, headers={"If-Match": '"old"'})
    assert stale.status_code == 412 and stale.json()["type"].endswith("conflict")
    assert w.store.get_visit(visit_id).shopper == "sue"  # type: ignore[union-attr]
    r = call(w, "PATCH", path, "writer", json={"shopper": "sam"}, headers={"If-Match": tag})
    assert r.status_code == 200 and r.json()["shopper"] == "sam", r.text
    again = call(w, "PATCH", path, "writer", json={"shopper": "sue"}, headers={"If-Match": tag})
    assert again.status_code == 412 and w.store.get_visit(visit_id).shopper == "sam"  # type: ignore[union-attr]
    for bad in ({"shopper": "boss"}, {"shopper": "nobody"}, {"status": "done"}, {"when": 1}):
        r = call(w, "PATCH", path, "writer", json=bad)
        assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json", bad
    assert w.store.get_visit(visit_id).shopper == "sam"  # type: ignore[union-attr]
    cancelled = call(w, "PATCH", path, "writer", json={"status": "cancelled"})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    refused = call(w, "PATCH", path, "writer", json={"shopper": "sue"}, headers={"Accept-Language": "ru"})
    assert refused.status_code == 400 and "отменил" in refused.json()["detail"]
    assert call(w, "PATCH", path, "writer", json={"status": "planned"}).json()["state"] != "cancelled"


@pytest.mark.parametrize(("who", "status"), [("network", 403), ("moscow", 403), ("writer_a", 403),
                                             (None, 401)])
def test_patch_visit__only_a_network_write_token(world: World, who: str | None, status: int) -> None:
    visit_id = _new_visit(world)
    r = call(world, "PATCH", f"/visits/{visit_id}", who, json={"status": "cancelled"})
    assert r.status_code == status
    assert world.store.get_visit(visit_id).status == "planned"  # type: ignore[union-attr]


def test_patch_visit__under_way_is_the_shoppers_and_unknown_is_404(world: World) -> None:
    w = world
    visit_id = _new_visit(w)
    sue = w.store.get_user("sue")
    assert sue is not None
    visit_service.start_visit(w.store, sue, visit_id, lang="ru")
    r = call(w, "PATCH", f"/visits/{visit_id}", "writer", json={"shopper": "sam"})
    assert r.status_code == 400 and "under way" in r.json()["detail"]
    assert w.store.get_visit(visit_id).shopper == "sue"  # type: ignore[union-attr]
    assert call(w, "PATCH", "/visits/v2026-01-000000000000", "writer", json={}).status_code == 404


# -- customers' voice --------------------------------------------------------------------------

def test_responses__no_device_words_only_approved_held_only_for_the_network(world: World) -> None:
    w = world
    every = call(w, "GET", "/responses", "network").json()["data"]
    assert "secret-device" not in str(every)
    by_n = {r["id"][-1]: r for r in every}
    assert set(by_n) == {"1", "2", "3", "4"} and by_n["4"]["counted"] is False
    assert by_n["1"]["text"] == "Кассир нагрубил" and by_n["2"]["text"] is None
    assert "900" not in str(every)
    moscow = call(w, "GET", "/responses", "moscow").json()["data"]
    assert {r["id"][-1] for r in moscow} == {"1", "2"}  # loc-b is not theirs; held is HQ's
    one = call(w, "GET", f"/responses/{by_n['3']['id']}", "network")
    assert one.status_code == 200 and one.json()["level"] == "wow"
    assert call(w, "GET", f"/responses/{by_n['3']['id']}", "moscow").status_code == 404
    assert call(w, "GET", f"/responses/{by_n['4']['id']}", "moscow").status_code == 404


def test_responses__filters_and_pages(world: World) -> None:
    w = world
    ids = [r["id"] for r in call(w, "GET", "/responses", "network").json()["data"]]
    seen: list[str] = []
    body = call(w, "GET", "/responses?limit=1", "network").json()
    while True:
        seen += [r["id"] for r in body["data"]]
        if not body["has_more"]:
            break
        body = call(w, "GET", body["links"]["next"].removeprefix("/api/v1"), "network").json()
    assert seen == ids
    spb = call(w, "GET", "/responses?region=СПб", "network").json()["data"]
    assert [r["location_id"] for r in spb] == ["loc-b"]
    assert call(w, "GET", "/responses?region=СПб", "moscow").json()["data"] == []
    assert len(call(w, "GET", "/responses?level=disappointed", "network").json()["data"]) == 1
    month = ids[0][:4] + "-" + ids[0][4:6]
    assert call(w, "GET", f"/responses?first_month={month}", "network").json()["data"]
    assert call(w, "GET", "/responses?changed_after=2999-01-01", "network").json()["data"] == []
    for bad in ("first_month=2026-13", "level=angry", "changed_after=soon",
                "first_month=2026-05&last_month=2026-04"):
        assert call(w, "GET", f"/responses?{bad}", "network").status_code == 400


def test_gaps__the_reports_table_audits_beside_it_for_the_network_only(world: World) -> None:
    w = world
    every = call(w, "GET", "/gaps", "network").json()["data"]
    assert {g["location_id"] for g in every} == {"loc-a", "loc-b"}
    assert {g["section"] for g in every} <= set(w.sections) and "audit_score" in every[0]
    a = next(g for g in every if g["location_id"] == "loc-a" and g["section"] == w.sections[0])
    assert a["n"] == 2 and a["expected"] == 4  # the held response is not counted
    mine = call(w, "GET", "/gaps", "moscow").json()["data"]
    assert {g["location_id"] for g in mine} == {"loc-a"} and "audit_score" not in mine[0]
    assert call(w, "GET", "/gaps?location=loc-b", "moscow").json()["data"] == []
    for bad in ("first_month=0000-01", "first_month=2026-05&last_month=2026-04"):
        r = call(w, "GET", f"/gaps?{bad}", "network", headers={"Accept-Language": "ru"})
        assert r.status_code == 400 and "first_month" in r.json()["detail"]
    page = call(w, "GET", "/gaps?limit=1", "network").json()
    assert len(page["data"]) == 1 and page["has_more"]
