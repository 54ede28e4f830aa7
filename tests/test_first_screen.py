"""The sign-in form's lazy files, read from Streamlit's own entry script, named in its page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from streamlit import file_util

from audit.web.middleware import StaticCompression
from audit.web.preload import FIRST_SCREEN, HOME, first_screen_links, home_links, lazy_files, page_files
from tests.conftest import served_folder

STATIC = Path(file_util.get_static_dir())


def test_lazy_files__every_first_screen_element_found__none_the_page_names_already() -> None:
    files = lazy_files(STATIC)
    stems = {Path(f).name.rsplit(".", 2)[0] for f in files}
    # an upgrade of Streamlit that renames an element's file fails here, not silently
    assert set(FIRST_SCREEN) <= stems
    index = (STATIC / "index.html").read_text(encoding="utf-8")
    assert all((STATIC / f).is_file() and f"./{f}" not in index for f in files)
    assert len(files) == len(set(files))


def test_page_files__the_pages_own_and_the_first_screens__each_once() -> None:
    files = page_files()
    index = (STATIC / "index.html").read_text(encoding="utf-8")
    entry = next(p for p in index.split('"') if p.startswith("./static/js/index."))
    assert entry[2:] in files and any(f.startswith("static/css/") for f in files)
    assert set(lazy_files(STATIC, HOME)) <= set(files) and len(files) == len(set(files))
    stems = {Path(f).name.rsplit(".", 2)[0] for f in lazy_files(STATIC, HOME)}
    assert set(HOME) <= stems


def test_lazy_files__a_page_without_the_table__nothing_named(tmp_path: Path) -> None:
    (tmp_path / "static" / "js").mkdir(parents=True)
    (tmp_path / "index.html").write_text('<script type="module" crossorigin src="./static/js/i.js">')
    (tmp_path / "static" / "js" / "i.js").write_text("console.log(1)")
    assert lazy_files(tmp_path) == []
    assert lazy_files(tmp_path, ("TextInput",)) == []


def test_streamlit_page__names_them_once_for_the_signed_out__other_pages_do_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served_folder(tmp_path, monkeypatch)  # nobody yet: Streamlit's page (its first run) is shown
    async def index(_: object) -> FileResponse:
        return FileResponse(STATIC / "index.html")

    async def plain(_: object) -> HTMLResponse:  # the offline page, a benchmark's page
        return HTMLResponse("<html><head><title>x</title></head><body>plain</body></html>")

    app = StaticCompression(Starlette(routes=[Route("/", index), Route("/plain", plain)]))
    page = TestClient(app).get("/").text
    links = re.findall(r'<link rel="modulepreload" crossorigin href="\./(static/js/[^"]+)">', page)
    assert set(lazy_files(STATIC)) <= set(links) and len(links) == len(set(links))
    assert first_screen_links().decode() in page
    assert "static/js" not in TestClient(app).get("/plain").text
    # a signed-in browser's page asks for the home's files, not the sign-in form's
    signed_in = TestClient(app, cookies={"audit_session": "x"}).get("/").text
    assert home_links().decode() in signed_in and first_screen_links().decode() not in signed_in
    text_input = [f for f in lazy_files(STATIC, ("TextInput",)) if "TextInput" in f]
    assert text_input and not [f for f in text_input if f in signed_in]
