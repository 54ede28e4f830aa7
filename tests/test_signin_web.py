"""The sign-in page (/signin): the form, the cookie, every bad input, and the way a signed-out
browser is sent there from Streamlit's page.

Starlette's TestClient over the real routes and middleware and a real data folder; Streamlit's
page is its real index.html, served by a route as Streamlit serves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient
from streamlit import file_util

from audit.core import limits
from audit.model import User
from audit.people import accounts
from audit.store.folder.backend import TinyStore
from audit.web import marks
from audit.web.middleware import middleware
from audit.web.preload import page_files
from audit.web.routes import routes
from audit.web.signin import safe_next
from tests.conftest import populate, served_folder

ORIGIN = "http://testserver"
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Origin": ORIGIN,
        "Sec-Fetch-Site": "same-origin"}
INDEX = Path(file_util.get_static_dir()) / "index.html"
WRONG_RU = "Неверное имя или пароль."


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    store = served_folder(tmp_path, monkeypatch)
    populate(store)
    return store


def make_client(address: str = "203.0.113.7", **headers: str) -> TestClient:
    async def streamlit_page(_: object) -> Response:  # Streamlit's page, as Streamlit serves it
        return FileResponse(INDEX, media_type="text/html")

    app = Starlette(routes=[*routes(), Route("/", streamlit_page), Route("/audit", streamlit_page)],
                    middleware=middleware())
    return TestClient(app, base_url=ORIGIN, client=(address, 50000), follow_redirects=False,
                      headers={"Accept-Language": "ru-RU,ru;q=0.9", **headers})


@pytest.fixture
def client(data: TinyStore) -> Iterator[TestClient]:
    with make_client() as c:
        yield c


def saved(store: TinyStore) -> tuple[object, ...]:
    """What a sign-in must never change: people's passwords and roles, audits, locations."""
    people = tuple((u.name, u.role, u.password_hash, u.disabled) for u in store.list_users())
    return people, tuple(store.list_summaries()), tuple(store.list_locations())


def post(client: TestClient, body: str | bytes, query: str = "?lang=ru", **headers: str) -> Response:
    return client.post(f"/signin{query}", content=body, headers={**FORM, **headers})


# -- the page --------------------------------------------------------------------------------


def test_form__in_the_browsers_language__no_script__marks_stripped__streamlits_files_fetched_ahead(
        client: TestClient) -> None:
    r = client.get("/signin")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    html = r.text
    assert html.startswith('<!doctype html><html lang="ru">')
    for words in ('<label for="name">Имя пользователя</label>', '<label for="password">Пароль</label>',
                  '<button type="submit">Войти</button>', 'method="post"', 'hreflang="en"'):
        assert words in html
    assert "<script" not in html  # the form works without JavaScript
    assert marks.HEADER not in r.headers and "serviceWorker" not in html
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    # the home page's files are fetched while the person types
    assert page_files() and all(f'<link rel="prefetch" crossorigin href="/{f}">' in html
                                for f in page_files())
    assert len(r.content) < 20_000


def test_form__english_picked__page_and_cookie_say_so(client: TestClient) -> None:
    r = client.get("/signin?lang=en")
    assert '<html lang="en">' in r.text and "User name" in r.text and ">Sign in</button>" in r.text
    assert r.cookies.get("audit_lang") == "en"
    again = client.get("/signin")  # the pick is kept over the browser's Russian
    assert '<html lang="en">' in again.text


def test_form__english_browser__english_page() -> None:
    with make_client(**{"Accept-Language": "en-GB"}) as c:
        assert '<html lang="en">' in c.get("/signin").text


# -- signing in ------------------------------------------------------------------------------


def test_sign_in__sets_the_httponly_cookie__303_to_the_app(client: TestClient, data: TinyStore) -> None:
    r = post(client, "name=Sam&password=secret-pass")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("audit_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    token = r.cookies["audit_session"]
    user = accounts.session_user(data, token)
    assert isinstance(user, User) and user.name == "sam"
    # signed in: the app's page is served, and the sign-in page sends the person on
    assert client.get("/").status_code == 200
    assert client.get("/signin?next=/audit").headers["location"] == "/audit"


def test_sign_in__back_to_the_page_asked_for__never_to_another_site(client: TestClient) -> None:
    r = post(client, "name=sam&password=secret-pass", "?lang=ru&next=%2Faudit%3Fid%3Da-1%26s%3Dreview")
    assert r.headers["location"] == "/audit?id=a-1&s=review"
    for evil in ("//evil.example/x", "https://evil.example", "/\\evil.example", "/signin?next=/",
                 "audit", "/ä", "/x\ny"):
        assert safe_next(evil) == "/"


def test_wrong_password__clear_error_on_the_same_page__name_kept__nothing_saved_lost(
        client: TestClient, data: TinyStore) -> None:
    before = saved(data)
    r = post(client, "name=sam&password=wrong-pass")
    assert r.status_code == 401 and "audit_session" not in r.headers.get("set-cookie", "")
    assert f'<div class="err" role="alert" id="problem">{WRONG_RU}</div>' in r.text
    assert 'value="sam"' in r.text and 'aria-describedby="problem"' in r.text
    assert saved(data) == before


def test_unknown_user__answers_exactly_like_a_wrong_password(client: TestClient, data: TinyStore) -> None:
    before = saved(data)
    r = post(client, "name=nobody&password=secret-pass")
    assert r.status_code == 401 and WRONG_RU in r.text
    assert saved(data) == before and data.get_user("nobody") is None


@pytest.mark.parametrize("body", ["", "name=sam", "password=secret-pass", "name=%20&password=x",
                                  "name=sam&password="])
def test_missing_fields__say_what_to_fill(client: TestClient, data: TinyStore, body: str) -> None:
    before = saved(data)
    r = post(client, body)
    assert r.status_code == 400 and "Введите имя пользователя и пароль." in r.text
    assert saved(data) == before


def test_oversize_body__413_page_before_it_is_read__nothing_saved_lost(
        client: TestClient, data: TinyStore) -> None:
    before = saved(data)
    body = "name=sam&password=" + "x" * limits.SIGN_IN_FORM_MAX_BYTES
    r = post(client, body)
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "Отклонено" in r.text and 'href="/signin?lang=ru"' in r.text and '<html lang="ru">' in r.text
    assert "set-cookie" not in r.headers and saved(data) == before

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b"name=sam&password="
        for _ in range(10):
            yield b"x" * 1024

    r = client.post("/signin?lang=ru", content=chunks(), headers=FORM)
    assert r.status_code == 413 and saved(data) == before


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "http://evil.example", "Sec-Fetch-Site": ""},
    {"Origin": "https://testserver"},  # another scheme of this host
    {"Origin": "", "Sec-Fetch-Site": ""},  # neither: not a page of this site
])
def test_cross_site_post__refused_with_a_clear_error__no_session(
        client: TestClient, data: TinyStore, headers: dict[str, str]) -> None:
    before = sessions(data)
    sent = {k: v for k, v in {**FORM, **headers}.items() if v}
    r = client.post("/signin?lang=ru", content="name=sam&password=secret-pass",
                    headers=sent if "Origin" in sent else {**sent, "Origin": ""})
    assert r.status_code == 403 and "Отклонено: запрос пришёл не со страницы приложения." in r.text
    assert "set-cookie" not in r.headers and sessions(data) == before


def sessions(store: TinyStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (store.root / "sessions").glob("*.json")}


def test_rate_limit__one_rule_for_both_surfaces__the_page_says_when_to_try_again(
        data: TinyStore) -> None:
    """Streamlit's sign-in calls accounts.sign_in; so does the page: attempts made through one
    count against the other (the per-name limit, right passwords included)."""
    count, _ = limits.SIGN_IN_PER_ACCOUNT
    for _ in range(count):  # as Streamlit's form does (audit/ui/auth.py)
        accounts.sign_in(data, "sam", "secret-pass", address="203.0.113.7")
    before = saved(data)
    with make_client() as c:
        r = post(c, "name=sam&password=secret-pass")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 60
    assert "Слишком много попыток входа. Подождите 1 мин" in r.text
    assert "audit_session" not in r.headers.get("set-cookie", "") and saved(data) == before


def test_locked_account__says_for_how_long(client: TestClient, data: TinyStore) -> None:
    for _ in range(limits.SIGN_IN_MAX_FAILURES):
        post(client, "name=mia&password=wrong-pass")
    r = post(client, "name=mia&password=secret-pass")
    assert r.status_code == 429 and "Вход заблокирован на" in r.text


@pytest.mark.parametrize("body,kind", [
    (b'{"name": "sam", "password": "secret-pass"}', "application/json"),
    (b"name=sam&password=secret-pass", "text/plain"),
    (b"\xff\xfe\x00name=\xc3&password=\x80", "application/x-www-form-urlencoded"),
    ("&".join(f"f{i}=x" for i in range(50)).encode(), "application/x-www-form-urlencoded"),
    (b"name=%3Cscript%3Ealert(1)%3C/script%3E&password=x", "application/x-www-form-urlencoded"),
    (b"name=" + b"a" * 3000 + b"&password=x", "application/x-www-form-urlencoded"),
    (b"name=sam&name=boss&password=secret-pass&password=x", "application/x-www-form-urlencoded"),
])
def test_odd_bodies__a_clear_page__never_a_500(client: TestClient, data: TinyStore,
                                              body: bytes, kind: str) -> None:
    before = saved(data)
    r = client.post("/signin?lang=ru", content=body, headers={**FORM, "Content-Type": kind})
    assert r.status_code in (303, 400, 401, 429), r.text
    assert "<script>alert" not in r.text
    if r.status_code != 303:
        assert 'role="alert"' in r.text
    assert saved(data) == before


def test_odd_next_and_lang__never_a_500(client: TestClient) -> None:
    for query in ("?lang=xx", "?next=%00", "?next=" + "a" * 5000, "?lang=en&next=//x",
                  "?next=%2F%22%3E%3Cscript%3E"):
        r = client.get(f"/signin{query}")
        assert r.status_code == 200 and "<script" not in r.text, query


# -- the way in from Streamlit's page --------------------------------------------------------


def test_streamlits_page__signed_out__sent_to_the_sign_in_page_with_the_page_asked_for(
        client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    r = client.get("/audit?id=a-1&s=review")
    assert r.headers["location"] == "/signin?next=%2Faudit%3Fid%3Da-1%26s%3Dreview"
    # an ended or forged session is no session
    client.cookies.set("audit_session", "forged")
    assert client.get("/").status_code == 303


def test_streamlits_page__signed_in_company_sso_or_asked_for__served(
        client: TestClient, data: TinyStore) -> None:
    assert client.get("/?signin=app").status_code == 200  # Streamlit's own sign-in (company SSO)
    with make_client() as c:
        c.cookies.set("_streamlit_user", "x")  # signed in with a company account
        assert c.get("/").status_code == 200
    token = accounts.start_session(data, data.get_user("sam"))  # type: ignore[arg-type]
    with make_client() as c:
        c.cookies.set("audit_session", token)
        page = c.get("/")
        assert page.status_code == 200 and 'navigator.serviceWorker.register("/sw.js")' in page.text


def test_streamlits_page__store_that_never_had_people__its_first_run_is_served(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served_folder(tmp_path, monkeypatch)
    with make_client() as c:
        assert c.get("/").status_code == 200
