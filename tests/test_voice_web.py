"""The customer's voice page (/v/<location>): the form, every abuse rule and every bad input.

Starlette's TestClient over the real routes and middleware and a real data folder; the page's
signed time is made by the product's own function, back-dated where a test needs a customer
who took their time.
"""

from __future__ import annotations

import multiprocessing
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.testclient import TestClient

from audit.core import limits
from audit.model.voice import HELD_BURST, VoiceFilter
from audit.store import Store, open_store
from audit.store.folder.backend import TinyStore
from audit.voice import service
from audit.web.middleware import middleware
from audit.web.routes import routes
from tests.conftest import populate, served_folder, start_spawned

ORIGIN = "http://testserver"
STAFF_ONLY = """
id: staff-only
version: 1
title: {ru: "Только для персонала", en: "Staff only"}
levels: [{min: 0, key: disappointment}]
sections:
  - id: backroom
    title: {ru: Подсобка, en: Back room}
    items:
      - {id: tidy, text: {ru: Порядок, en: Tidy}, type: yes_no}
"""


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    store = served_folder(tmp_path, monkeypatch)
    populate(store)
    store.put_settings({service.TEMPLATE_SETTING: "mini"})
    return store


def make_client(address: str = "203.0.113.7", agent: str = "Phone/1") -> TestClient:
    app = Starlette(routes=routes(), middleware=middleware())
    return TestClient(app, base_url=ORIGIN, client=(address, 50000), headers={"User-Agent": agent})


@pytest.fixture
def client(data: TinyStore) -> Iterator[TestClient]:
    with make_client() as c:
        yield c


def token(store: Store, location: str = "loc-a", seconds_ago: int = 30) -> str:
    salt, _ = service.day_salts(store, datetime.now(UTC).date().isoformat())
    return service.form_token(salt, location, int(time.time()) - seconds_ago)


def good(store: Store, **changes: str) -> dict[str, str]:
    form = {"t": token(store), "e.entrance": "4", "p.entrance": "2", "e.waiting": "3",
            "p.waiting": "5", "level": "as_expected", "text": "Лужа у входа", "website": ""}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def saved(store: Store) -> int:
    return len(store.list_voice_responses())


# -- the page ------------------------------------------------------------------------------


def test_page__russian_phone__form_in_russian_with_a_switch(client: TestClient) -> None:
    r = client.get("/v/loc-a", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    html = r.text
    assert '<html lang="ru">' in html and "Расскажите о визите" in html
    assert "<legend>Вход</legend>" in html and "<legend>Ожидание</legend>" in html
    assert "<script" not in html  # works with JavaScript off: nothing to run
    assert 'href="/v/loc-a?lang=en"' in html
    assert 'method="post"' in html and 'action="/v/loc-a?lang=ru"' in html
    # every radio has its label, every group its legend
    for ident in re.findall(r'<input type="radio" id="([^"]+)"', html):
        assert f'<label for="{ident}">' in html
    assert html.count("<fieldset") == html.count("<legend>") == 2 * 3 + 1
    assert "Офис" not in html  # a section not marked customer-facing is not asked about


def test_page__switch_to_english(client: TestClient) -> None:
    html = client.get("/v/loc-a?lang=en", headers={"Accept-Language": "ru"}).text
    assert '<html lang="en">' in html and "The way in" in html and "Waiting your turn" in html


def test_page__unknown_location__404_page(client: TestClient) -> None:
    r = client.get("/v/nowhere", headers={"Accept-Language": "en"})
    assert r.status_code == 404 and "no such place" in r.text


def test_page__checklist_without_customer_sections__closed_with_its_reason(
        client: TestClient, data: TinyStore) -> None:
    from audit.checklist.templates import add_template

    add_template(data, STAFF_ONLY, by="test")
    data.put_settings({service.TEMPLATE_SETTING: "staff-only"})
    r = client.get("/v/loc-a", headers={"Accept-Language": "en"})
    assert r.status_code == 503 and "not open at this place" in r.text
    assert client.post("/v/loc-a", data={"level": "wow"}).status_code == 503
    assert saved(data) == 0


# -- a response ----------------------------------------------------------------------------


def test_submit__stored_without_personal_data_and_thanked(client: TestClient, data: TinyStore) -> None:
    r = client.post("/v/loc-a?lang=en", data=good(data))
    assert r.status_code == 200 and "Thank you" in r.text
    (resp,) = data.list_voice_responses()
    assert [(x.section, x.expected, x.perceived) for x in resp.ratings] == [
        ("entrance", 4, 2), ("waiting", 3, 5)]
    assert (resp.level, resp.text, resp.held, resp.template_id) == ("as_expected", "Лужа у входа", "", "mini")
    raw = "".join(p.read_text() for p in (data.root / "voice").rglob("*.json"))
    assert "203.0.113.7" not in raw and "Phone/1" not in raw
    assert len(resp.device) == 32


def test_submit__touchpoint_not_met__left_out(client: TestClient, data: TinyStore) -> None:
    r = client.post("/v/loc-a", data=good(data, **{"e.waiting": "", "p.waiting": ""}))
    assert r.status_code == 200
    assert [x.section for x in data.list_voice_responses()[0].ratings] == ["entrance"]


def test_same_phone__second_response_today__refused_by_cookie(client: TestClient, data: TinyStore) -> None:
    assert client.post("/v/loc-a", data=good(data)).status_code == 200
    page = client.get("/v/loc-a", headers={"Accept-Language": "en"})
    assert "already told us" in page.text and "<form" not in page.text
    r = client.post("/v/loc-a", data=good(data, text="again"), headers={"Accept-Language": "en"})
    assert r.status_code == 409 and "already told us" in r.text
    assert [x.text for x in data.list_voice_responses()] == ["Лужа у входа"]
    assert client.post("/v/loc-b", data=good(data, t=token(data, "loc-b"))).status_code == 200


def test_same_phone__cookie_cleared__refused_by_the_daily_hash(client: TestClient, data: TinyStore) -> None:
    assert client.post("/v/loc-a", data=good(data)).status_code == 200
    with make_client() as fresh:  # same address and browser, no cookie
        r = fresh.post("/v/loc-a", data=good(data, text="again"), headers={"Accept-Language": "en"})
    assert r.status_code == 409 and saved(data) == 1
    with make_client(agent="Other/2") as other:  # another phone on the same Wi-Fi
        assert other.post("/v/loc-a", data=good(data)).status_code == 200
    assert saved(data) == 2


def test_honeypot__filled__refused_and_nothing_stored(client: TestClient, data: TinyStore) -> None:
    r = client.post("/v/loc-a", data=good(data, website="http://spam.test"),
                    headers={"Accept-Language": "en"})
    assert r.status_code == 400 and "could not be accepted" in r.text
    assert saved(data) == 0


def test_too_fast__form_shown_again_with_the_answers_kept(client: TestClient, data: TinyStore) -> None:
    r = client.post("/v/loc-a?lang=en", data=good(data, t=token(data, seconds_ago=1)))
    assert r.status_code == 422 and "quicker than the questions can be read" in r.text
    assert 'id="e-entrance-4" name="e.entrance" value="4" checked' in r.text
    assert "Лужа у входа</textarea>" in r.text and saved(data) == 0
    fresh = re.search(r'name="t" value="([^"]+)"', r.text)
    assert fresh is not None and fresh.group(1) != good(data)["t"]


@pytest.mark.parametrize("bad", [
    "", "garbage", "123.abc", f"{int(time.time()) - 30}.{'0' * 32}",
    f"{int(time.time()) - limits.VOICE_FORM_MAX_SECONDS - 60}"],
    ids=["empty", "garbage", "not-a-time", "forged-signature", "too-old"])  # stable ids: xdist
def test_token__missing_forged_or_old__form_shown_again(client: TestClient, data: TinyStore,
                                                        bad: str) -> None:
    form = good(data, t=bad)
    if bad.isdigit():  # an old page, signed by us
        salt, _ = service.day_salts(data, datetime.now(UTC).date().isoformat())
        form["t"] = service.form_token(salt, "loc-a", int(bad))
    r = client.post("/v/loc-a?lang=en", data=form)
    assert r.status_code == 422 and "open for a long time" in r.text and saved(data) == 0


def test_token__of_another_location__refused(client: TestClient, data: TinyStore) -> None:
    r = client.post("/v/loc-a?lang=en", data=good(data, t=token(data, "loc-b")))
    assert r.status_code == 422 and saved(data) == 0


@pytest.mark.parametrize(("changes", "words"), [
    ({"p.entrance": ""}, "choose both what you expected and what you got"),
    ({"e.entrance": "", "p.entrance": "", "e.waiting": "", "p.waiting": ""}, "at least one place"),
    ({"level": ""}, "how the visit was overall"),
    ({"level": "ecstatic"}, "how the visit was overall"),
    ({"e.entrance": "6"}, "from 1 to 5"),
    ({"e.entrance": "0"}, "from 1 to 5"),
    ({"e.entrance": "-1"}, "from 1 to 5"),
    ({"p.waiting": "٣"}, "from 1 to 5"),  # an Arabic-Indic digit: isdigit, not ours
    ({"e.entrance": "4.5"}, "from 1 to 5"),
    ({"text": "x" * (limits.VOICE_TEXT_MAX_CHARS + 1)}, "at most 1000 fit"),
])
def test_bad_answer__clear_message_nothing_stored(client: TestClient, data: TinyStore,
                                                  changes: dict[str, str], words: str) -> None:
    assert client.post("/v/loc-b", data=good(data, t=token(data, "loc-b"))).status_code == 200
    r = client.post("/v/loc-a?lang=en", data=good(data, **changes))
    assert r.status_code == 422 and words in r.text
    assert 'role="alert"' in r.text
    assert saved(data) == 1  # the earlier response is still there


def test_text__markup_and_controls__kept_as_plain_text(client: TestClient, data: TinyStore) -> None:
    r = client.post("/v/loc-a", data=good(data, text="<script>alert(1)</script>\x00\x1b[31m\r\nok 🙂"))
    assert r.status_code == 200
    assert data.list_voice_responses()[0].text == "<script>alert(1)</script>[31m\nok 🙂"
    with make_client(agent="Other/1") as other:
        again = other.post("/v/loc-a?lang=en", data=good(data, level="", text="<b>x</b>"))
    assert "&lt;b&gt;x&lt;/b&gt;</textarea>" in again.text  # escaped when shown again


def test_score_given_twice__refused(client: TestClient, data: TinyStore) -> None:
    body = "&".join(f"{k}={v}" for k, v in good(data, text="").items()) + "&e.entrance=5"
    r = client.post("/v/loc-a?lang=en", content=body.encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and saved(data) == 0


@pytest.mark.parametrize(("body", "kind"), [
    (b'{"level": "wow"}', "application/json"),
    (b"level=wow", "text/plain"),
    (b"\xff\xfe\x00\x80=\x81", "application/x-www-form-urlencoded"),
    (b"&".join(b"f%d=1" % i for i in range(300)), "application/x-www-form-urlencoded"),
    (b"", "application/x-www-form-urlencoded"),
    (b"t=%ZZ&level=%", "application/x-www-form-urlencoded"),
])
def test_damaged_form__4xx_never_500(client: TestClient, data: TinyStore, body: bytes, kind: str) -> None:
    r = client.post("/v/loc-a", content=body, headers={"Content-Type": kind})
    assert 400 <= r.status_code < 500 and saved(data) == 0


def test_body_over_the_cap__413_before_it_is_read(client: TestClient, data: TinyStore) -> None:
    form = good(data, text="x" * (limits.VOICE_BODY_MAX_BYTES + 10))
    r = client.post("/v/loc-a", data=form)
    assert r.status_code == 413 and saved(data) == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(["t", "e.entrance", "p.entrance", "e.waiting", "level",
                                               "text", "website", "x"]),
                              st.text(max_size=40), max_size=8))
def test_any_form__never_a_500(client: TestClient, data: TinyStore, fields: dict[str, str]) -> None:
    r = client.post("/v/loc-a", data=fields)
    assert r.status_code in (200, 400, 409, 413, 422, 429)


# -- rates ---------------------------------------------------------------------------------


def test_one_address__over_its_allowance__429_with_retry_after(data: TinyStore) -> None:
    most = limits.VOICE_PER_ADDRESS[0]
    for n in range(most):
        with make_client(agent=f"Phone/{n}") as c:
            loc = "loc-a" if n % 2 else "loc-b"
            assert c.post(f"/v/{loc}", data=good(data, t=token(data, loc))).status_code == 200
    with make_client(agent="Phone/last") as c:
        r = c.post("/v/loc-a?lang=en", data=good(data))
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "Too many responses" in r.text and saved(data) == most
    with make_client(address="198.51.100.9", agent="Phone/last") as c:  # another network
        assert c.post("/v/loc-a", data=good(data)).status_code == 200


def test_location_burst__held_for_hq_not_counted_then_refused(client: TestClient, data: TinyStore) -> None:
    now = time.time()
    for _ in range(limits.VOICE_PER_LOCATION[0]):  # the hour's allowance already taken
        service.per_location.hit(data, "loc-a")
    r = client.post("/v/loc-a", data=good(data))
    assert r.status_code == 200  # the customer is thanked; HQ sees it held
    (resp,) = data.list_voice_responses()
    assert resp.held == HELD_BURST and not resp.is_counted
    for _ in range(limits.VOICE_HELD_PER_LOCATION[0] - 1):
        service.held_per_location.hit(data, "loc-a")
    with make_client(agent="Other/1") as other:
        r = other.post("/v/loc-a?lang=en", data=good(data))
    assert r.status_code == 429 and saved(data) == 1
    assert time.time() - now < limits.VOICE_PER_LOCATION[1]


def _post_from_another_process(folder: str, start: int, count: int, out: multiprocessing.Queue,
                               one_address: bool = True) -> None:
    import os

    os.environ["AUDIT_DATA_DIR"] = folder
    store = open_store(folder)
    page = service.voice_page(store, "loc-a")
    codes = []
    for n in range(start, start + count):
        fields = {k: [v] for k, v in good(store).items()}
        address = "192.0.2.1" if one_address else f"198.18.{n // 250}.{n % 250}"
        got = service.take_response(store, page, fields, address=address, user_agent=f"P/{n}",
                                    cookie_says_done=False, now=datetime.now(UTC))
        codes.append(got.status)
    out.put(codes)


def test_address_allowance__holds_across_two_processes(data: TinyStore) -> None:
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    most = limits.VOICE_PER_ADDRESS[0]
    procs = [ctx.Process(target=_post_from_another_process, args=(str(data.root), k * 100, most, queue))
             for k in range(2)]
    start_spawned(procs)
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    statuses = [s for codes in results for s in codes]
    assert statuses.count("saved") == most and statuses.count("limited") == most
    assert saved(data) == most


def test_location_burst__counted_across_two_processes(data: TinyStore) -> None:
    most = limits.VOICE_PER_LOCATION[0]
    for _ in range(most - 10):  # ten left in the hour's allowance
        service.per_location.hit(data, "loc-a")
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    procs = [ctx.Process(target=_post_from_another_process,
                         args=(str(data.root), k * 100, 10, queue, False)) for k in range(2)]
    start_spawned(procs)
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    statuses = [s for codes in results for s in codes]
    assert statuses.count("saved") == 10 and statuses.count("held") == 10
    stored = data.list_voice_responses()
    assert sum(r.is_counted for r in stored) == 10 and sum(not r.is_counted for r in stored) == 10


def test_page__small_and_self_contained(client: TestClient, data: TinyStore) -> None:
    from audit.checklist import shipped_dir
    from audit.checklist.templates import add_template

    add_template(data, (shipped_dir() / "service-point.yaml").read_text(encoding="utf-8"), by="test")
    data.put_settings({service.TEMPLATE_SETTING: "service-point"})
    r = client.get("/v/loc-a", headers={"Accept-Language": "ru", "Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert int(r.headers["content-length"]) < 6_000  # eight touchpoints: one request on slow 3G
    assert not re.search(r'(src|href)="(https?:)?//', r.text)  # nothing from another site
    assert "content-security-policy" in r.headers


def test_store_cannot_write__503_said_so_nothing_lost(client: TestClient, data: TinyStore) -> None:
    assert client.post("/v/loc-b", data=good(data, t=token(data, "loc-b"))).status_code == 200
    (data.root / "voice").mkdir(exist_ok=True)
    (data.root / "voice" / "loc-a").write_text("not a folder")  # its day's file cannot be made
    r = client.post("/v/loc-a?lang=en", data=good(data))
    assert r.status_code == 503 and "could not be taken just now" in r.text
    assert r.headers["retry-after"] == "60"
    kept = data.list_voice_responses(VoiceFilter(location_ids=("loc-b",)))
    assert [x.location_id for x in kept] == ["loc-b"]
