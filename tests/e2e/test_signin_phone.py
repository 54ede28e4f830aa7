"""The sign-in page on a phone (390×844, touch, Russian): opened from the app's address, signed
in through, home reached; with JavaScript off the form still signs in; axe-clean, thumb-sized,
nothing sideways from 320 to 430 px."""

from __future__ import annotations

from typing import Any

from audit.store.folder.backend import TinyStore
from tests.e2e.conftest import PHONE, PHONE_CONTEXT, throttle, wait_for_session_cookie
from tests.e2e.test_phone import serious

TAP = 44


def test_sign_in_page__phone_on_slow_3g__form_then_home(server: tuple[str, TinyStore],
                                                         browser: Any) -> None:
    from playwright.sync_api import expect

    url, _ = server
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    throttle(ctx, page)
    page.goto(f"{url}/start?x=1", wait_until="commit")  # a page of the app, signed out
    password = page.get_by_label("Пароль", exact=True)
    expect(password).to_be_editable()
    assert page.url == f"{url}/signin?next=%2Fstart%3Fx%3D1"
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert page.evaluate("!!document.querySelector('script')") is False  # nothing to run
    assert serious(page) == []
    for target in (page.get_by_label("Имя пользователя"), password,
                   page.get_by_role("button", name="Войти"), page.get_by_role("link", name="English")):
        box = target.bounding_box()
        assert box["height"] >= TAP and box["width"] >= TAP, box

    page.get_by_label("Имя пользователя").fill("sam")
    password.fill("wrong-pass")
    page.get_by_role("button", name="Войти").tap()
    expect(page.get_by_role("alert")).to_have_text("Неверное имя или пароль.")
    expect(page.get_by_label("Имя пользователя")).to_have_value("sam")
    assert serious(page) == []

    page.get_by_label("Пароль", exact=True).fill("secret-pass")
    page.get_by_role("button", name="Войти").tap()
    expect(page.get_by_role("heading", name="Новый аудит")).to_be_visible(timeout=120_000)
    assert page.url.startswith(f"{url}/start")  # the page asked for, once signed in
    wait_for_session_cookie(ctx)
    cookie = next(c for c in ctx.cookies() if c["name"] == "audit_session")
    assert cookie["httpOnly"]
    ctx.close()


def test_sign_in_page__javascript_off__the_form_signs_in(server: tuple[str, TinyStore],
                                                          browser: Any) -> None:
    from playwright.sync_api import expect

    url, _ = server
    ctx = browser.new_context(**PHONE_CONTEXT, locale="en-GB", java_script_enabled=False)
    page = ctx.new_page()
    page.goto(url)
    assert page.url == f"{url}/signin"
    page.get_by_label("User name").fill("sue")
    page.get_by_label("Password", exact=True).fill("nope-nope")
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    assert not [c for c in ctx.cookies() if c["name"] == "audit_session"]
    page.get_by_role("link", name="Русский").tap()  # the switch works without a script too
    expect(page.get_by_label("Имя пользователя")).to_be_visible()
    page.get_by_label("Имя пользователя").fill("sue")
    page.get_by_label("Пароль", exact=True).fill("secret-pass")
    with page.expect_response(lambda r: r.url.endswith("/signin?lang=ru")) as answer:
        page.get_by_role("button", name="Войти").tap()
    assert answer.value.status == 303
    page.wait_for_url(f"{url}/")  # Streamlit's page now (it needs JavaScript to draw)
    assert any(c["name"] == "audit_session" and c["httpOnly"] for c in ctx.cookies())
    ctx.close()


def test_sign_in_page__320_to_430_px__nothing_sideways(server: tuple[str, TinyStore],
                                                       browser: Any) -> None:
    url, _ = server
    for width in (320, 390, 430):
        ctx = browser.new_context(**{**PHONE_CONTEXT, "viewport": {**PHONE, "width": width}},
                                  locale="ru-RU")
        page = ctx.new_page()
        page.goto(f"{url}/signin")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        button = page.get_by_role("button", name="Войти").bounding_box()
        assert button["x"] >= 0 and button["x"] + button["width"] <= width
        ctx.close()


def test_sign_in_page__english_picked_on_a_russian_phone__the_app_follows(
        server: tuple[str, TinyStore], browser: Any) -> None:
    from playwright.sync_api import expect

    url, _ = server
    ctx = browser.new_context(**PHONE_CONTEXT, locale="ru-RU")
    page = ctx.new_page()
    page.goto(url)
    page.get_by_role("link", name="English").tap()
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password", exact=True).fill("secret-pass")
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_text("My drafts")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    ctx.close()
