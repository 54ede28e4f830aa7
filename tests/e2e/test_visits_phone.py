"""A shopper's visits on a real phone-sized Chromium with a granted position: on site and far."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from audit.model.visits import Plan
from audit.store.folder.backend import TinyStore
from audit.visits import service as visit_service
from audit.visits.proof import distance_m
from tests.conftest import _free_port, populate
from tests.e2e.conftest import PHONE, ROOT, snap, wait_for_session_cookie
from tests.e2e.conftest import wait_healthy as _wait_healthy

pytestmark = pytest.mark.e2e

ARBAT = (55.7520, 37.5930)
NEAR = {"latitude": 55.75225, "longitude": 37.59330, "accuracy": 12}  # across the street
FAR = {"latitude": 55.78100, "longitude": 37.59300, "accuracy": 20}  # about 3.2 km north


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TinyStore, list[str]]]:
    data = tmp_path_factory.mktemp("e2e-visits") / "data"
    store = TinyStore(data)
    people = populate(store)
    loc = store.get_location("loc-a")
    assert loc is not None
    store.put_location(dataclasses.replace(loc, lat=ARBAT[0], lon=ARBAT[1], tz="Europe/Moscow",
                                           hours={d: ["09:00", "21:00"] for d in
                                                  ("mon", "tue", "wed", "thu", "fri")}))
    today = date.today()
    made = visit_service.plan_visits(store, people["hq"], Plan(
        id="", template_id="mini", first=today - timedelta(days=1), last=today + timedelta(days=2),
        location_ids=("loc-a",), shoppers=("sam",), scenario_en="Ask to open a savings account; "
        "you are a pensioner who prefers cash.", scenario_ru="Попросите открыть вклад."))
    made += visit_service.plan_visits(store, people["hq"], Plan(
        id="", template_id="mini", first=today - timedelta(days=1), last=today + timedelta(days=2),
        location_ids=("loc-a",), shoppers=("sue",)))
    port = _free_port()
    env = {**os.environ, "AUDIT_DATA_DIR": str(data)}
    env.pop("AUDIT_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "asgi.py"),
         "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, store, [v.id for v in made]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _start_visit(chromium, url: str, who: str, where: dict[str, float], folder: Path,  # type: ignore[no-untyped-def]
                 name: str) -> None:
    from playwright.sync_api import expect

    ctx = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                               has_touch=True, locale="en-US", geolocation=where,
                               permissions=["geolocation"])
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.get_by_label("User name").fill(who)
    page.get_by_label("Password", exact=True).fill("secret-pass")
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", name="My visits")).to_be_visible()
    expect(page.get_by_role("heading", name="Due now · 1")).to_be_visible()
    expect(page.get_by_role("button", name="Start visit")).to_be_visible()
    snap(page, folder, f"{name}-1-my-visits")
    page.get_by_role("button", name="Start visit").tap()
    # the reason is on screen before the phone is asked anything
    expect(page.get_by_text("To prove the visit took place")).to_be_visible()
    snap(page, folder, f"{name}-2-asked")
    page.get_by_role("button", name="Share my position").tap()
    expect(page.get_by_text("Position received")).to_be_visible()
    page.get_by_role("button", name="Start the audit").tap()
    expect(page.get_by_text("0 of 11 answered")).to_be_visible()
    snap(page, folder, f"{name}-3-audit")
    ctx.close()


def test_phone__start_a_visit_on_site_and_far_away(server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # a shared, loaded machine: generous, never a sleep
    url, store, ids = server
    folder = Path(os.environ.get("AUDIT_SHOTS", tmp_path))
    _start_visit(browser, url, "sam", NEAR, folder, "near")
    near = store.get_visit(ids[0])
    assert near is not None and near.status == "started" and near.audit_id
    assert near.start_distance is not None and abs(near.start_distance - distance_m(
        ARBAT[0], ARBAT[1], NEAR["latitude"], NEAR["longitude"])) < 1
    assert near.start_distance < 200

    _start_visit(browser, url, "sue", FAR, folder, "far")
    far = store.get_visit(ids[1])
    assert far is not None and far.status == "started"
    assert far.start_distance is not None and 3000 < far.start_distance < 3400

    # HQ sees both, on the audit page, as a person reads them
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                              has_touch=True, locale="en-US")
    page = ctx.new_page()
    page.goto(url)
    page.get_by_label("User name").fill("boss")
    page.get_by_label("Password", exact=True).fill("secret-pass")
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", name="My drafts")).to_be_visible()
    # a new page load is signed in once the page has handed the session to the HttpOnly cookie
    wait_for_session_cookie(ctx)
    page.goto(f"{url}/plan")
    expect(page.get_by_role("heading", name="Visits")).to_be_visible()
    expect(page.get_by_text("Planned").first).to_be_visible()
    snap(page, folder, "hq-coverage")
    ctx.close()
