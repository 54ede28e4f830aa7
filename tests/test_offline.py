"""The offline page's script is the walk's own (same files, same order), its entry in place of
the element's; the service worker keeps only the offline page and its script; the pages of the
app carry the worker's registration, packed once."""

from __future__ import annotations

import gzip
import json
import re

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from audit.ui.walk import component
from audit.web import marks, offline
from audit.web.marks import MARK, WholePages
from audit.web.middleware import StaticCompression
from audit.web.preload import page_files


def test_offline_script__the_elements_files_in_its_order__its_own_entry_last() -> None:
    assert offline.walk_scripts() == tuple(n for n in component.SCRIPTS if n != "main.js")
    script = offline.walk_script().decode()
    names = re.findall(r"^// -- (\S+) --$", script, re.M)
    assert names == [f"js/{n}" for n in offline.walk_scripts()] + ["offline_page.js"]
    # a classic set of files ending in the page's entry: nothing imported or exported
    assert not [line for line in script.splitlines() if line.startswith(("import ", "export "))]


def test_worker__keeps_the_offline_page_its_script_and_streamlits_files__versioned_by_them() -> None:
    source = offline.worker().decode()
    kept = json.loads(re.search(r"^const PRECACHE = (\[.*?\]);", source, re.M).group(1))
    digest = offline._digest(offline.walk_script())
    assert kept == ["offline", f"offline/walk.js?v={digest}"]
    # and Streamlit's hashed files the app loads first, the same for everyone
    shared = json.loads(re.search(r"^const STREAMLIT = (\[.*?\]);", source, re.M).group(1))
    assert shared == list(page_files()) and all(p.startswith("static/") for p in shared)
    assert f"/offline/walk.js?v={digest}" in offline.offline_page().decode()
    assert "__VERSION__" not in source and "__PRECACHE__" not in source


def test_offline_page__words_in_both_languages__no_early_end_of_its_json() -> None:
    page = offline.offline_page().decode()
    words = json.loads(page.split('<script type="application/json" id="offline-words">')[1]
                       .split("</script>")[0])
    assert set(words) == {"en", "ru"} and set(words["ru"]) == set(offline.WORDS)
    assert all(v != offline.WORDS[k] for lang in words.values() for k, v in lang.items())


def _app(body: bytes, encoding: str | None, path: str = "/audit", *,
         whole: bool = False) -> TestClient:
    async def page(_: object) -> Response:
        headers = {"Content-Encoding": encoding} if encoding else {}
        data = gzip.compress(body) if encoding else body
        return Response(data, media_type="text/html", headers={**headers, **(MARK if whole else {})})

    return TestClient(StaticCompression(Starlette(routes=[Route(path, page)])))


def test_page__registers_the_worker__packed_once_even_if_packed_before() -> None:
    html = b'<!DOCTYPE html><html lang="en"><head><title>x</title></head><body>' + b"x" * 2000
    for encoding in (None, "gzip"):  # Streamlit's own gzip packs every page but "/"
        got = _app(html, encoding).get("/audit", headers={"Accept-Encoding": "gzip",
                                                          "Accept-Language": "ru"})
        assert got.headers.get_list("content-encoding") == ["gzip"]
        assert got.text.startswith('<!DOCTYPE html><html lang="ru"><head><title>x</title><script>')
        assert 'navigator.serviceWorker.register("/sw.js")' in got.text
        assert got.text.endswith("x" * 2000)


def test_page__of_the_survey_and_the_api__left_as_made_but_packed() -> None:
    """A customer's survey or the API's docs: no script added, their own language kept; the
    mark their routes put on them (marks.MARK, marks.WholePages) never reaches the browser."""
    html = b'<!DOCTYPE html><html lang="en"><head><title>x</title></head><body>' + b"x" * 2000
    for encoding, path in ((None, "/v/loc-a"), ("gzip", "/v/loc-a")):
        got = _app(html, encoding, path, whole=True).get(
            path, headers={"Accept-Encoding": "gzip", "Accept-Language": "ru"})
        assert got.headers.get_list("content-encoding") == ["gzip"]
        assert got.content == html and marks.HEADER not in got.headers

    async def docs(_: object) -> Response:
        return Response(html, media_type="text/html")

    api = WholePages(Starlette(routes=[Route("/docs", docs)]))
    client = TestClient(StaticCompression(Starlette(routes=[Mount("/api/v1", app=api)])))
    got = client.get("/api/v1/docs", headers={"Accept-Encoding": "gzip", "Accept-Language": "ru"})
    assert got.content == html and marks.HEADER not in got.headers


def test_page__unmarked__is_the_apps_whatever_its_path() -> None:
    """The path decides nothing: a page without the mark gets the app's language and worker."""
    html = b'<!DOCTYPE html><html lang="en"><head><title>x</title></head><body>' + b"x" * 2000
    got = _app(html, None, "/v/loc-a").get("/v/loc-a", headers={"Accept-Language": "ru"})
    assert got.text.startswith('<!DOCTYPE html><html lang="ru">')
    assert 'navigator.serviceWorker.register("/sw.js")' in got.text
