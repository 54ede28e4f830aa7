"""An emptied people table is never a new store: the marker remembers there were people, sign-in
is refused with a clear error, the first-HQ page is not offered, and `audit check` reports it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from audit.audits import capture as audits
from audit.core.errors import PeopleLost
from audit.i18n import error_text
from audit.model import User
from audit.ops import check
from audit.people import accounts
from audit.store import Store
from audit.store.folder.backend import TinyStore
from audit.ui.auth import needs_first_run
from audit.ui.common import close_app_stores
from tests.conftest import make_store, populate

ROOT = Path(__file__).resolve().parents[2]


def empty_people(store: Store, how: str = "{}") -> None:
    """What a bad restore, a hand edit or an attacker leaves: the people table reads empty."""
    if isinstance(store, TinyStore):
        (store.root / "people.json").write_text(how, encoding="utf-8")
        return
    import psycopg

    with psycopg.connect(store.url, autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute("DELETE FROM users")


def saved(store: Store) -> tuple[Any, ...]:
    """Everything but the people: what must survive the refusal untouched."""
    return (store.list_locations(), store.list_summaries(), store.list_templates())


@pytest.fixture
def emptied(store: Store) -> Iterator[tuple[Store, dict[str, User], str, tuple[Any, ...]]]:
    """A store that had people and an audit, whose people table was then emptied."""
    people = populate(store)
    audit_id = audits.start_audit(store, people["shopper"], location_id="loc-a",
                                  template_id="mini", mode="mystery", lang="ru").id
    before = saved(store)
    empty_people(store)
    yield store, people, audit_id, before


# -- the store ---------------------------------------------------------------------------------


def test_emptied_people__every_read_of_people_refuses__nothing_else_lost(
        emptied: tuple[Store, dict[str, User], str, tuple[Any, ...]]) -> None:
    store, _, audit_id, before = emptied
    assert store.has_had_people() is True
    for read in (store.user_count, store.list_users, lambda: store.get_user("boss"),
                 lambda: store.get_user("nobody-like-this")):
        with pytest.raises(PeopleLost):
            read()
    assert saved(store) == before
    assert store.get_header(audit_id) is not None


def test_emptied_people__sign_in_refused_with_a_clear_error_in_both_languages(
        emptied: tuple[Store, dict[str, User], str, tuple[Any, ...]]) -> None:
    store, _, _, before = emptied
    with pytest.raises(PeopleLost) as err:
        accounts.sign_in(store, "boss", "secret-pass")
    en, ru = error_text(err.value, "en"), error_text(err.value, "ru")
    assert "has had accounts" in en and "restore" in en and "audit check" in en
    assert "были учётные записи" in ru and "резервной копии" in ru
    where = "people.json" if isinstance(store, TinyStore) else "users"
    assert where in en and where in ru
    assert saved(store) == before


def test_emptied_people__no_first_hq_account__no_first_run_page(
        emptied: tuple[Store, dict[str, User], str, tuple[Any, ...]]) -> None:
    store, _, _, before = emptied
    with pytest.raises(PeopleLost):
        needs_first_run(store)
    with pytest.raises(PeopleLost):
        accounts.create_first_hq(store, "attacker", "attacker-pass")
    with pytest.raises(PeopleLost):
        accounts.create_user(store, "attacker", "hq", "attacker-pass")
    assert saved(store) == before
    empty_people(store)  # still empty: nobody was added
    assert store.has_had_people() is True


def test_new_store__first_run_offered__until_the_first_person_then_never_again(
        store: Store) -> None:
    assert needs_first_run(store) is True
    accounts.create_first_hq(store, "boss", "secret-pass")
    assert needs_first_run(store) is False
    with pytest.raises(accounts.AccountError):
        accounts.create_first_hq(store, "second", "secret-pass")
    empty_people(store)
    with pytest.raises(PeopleLost):
        needs_first_run(store)


@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
def test_emptied_people__audit_check_reports_it__repair_does_not_hide_it(
        emptied: tuple[Store, dict[str, User], str, tuple[Any, ...]], quick: bool) -> None:
    store, _, _, before = emptied
    report = check.run(store, quick=quick)
    lost = [f for f in report.findings if f.kind == "people_lost"]
    assert len(lost) == 1 and not lost[0].repairable
    assert lost[0].where == ("people.json" if isinstance(store, TinyStore) else "users")
    after = check.repair(store)
    assert [f.kind for f in after.findings] == ["people_lost"]
    assert saved(store) == before


def test_people_present__check_reports_no_people_problem(store: Store,
                                                        network: dict[str, User]) -> None:
    for quick in (True, False):
        assert not [f for f in check.run(store, quick=quick).findings if f.kind == "people_lost"]


def test_new_store__check_reports_no_people_problem(store: Store) -> None:
    for quick in (True, False):
        assert check.run(store, quick=quick).clean


# -- the folder's marker -----------------------------------------------------------------------


def test_folder__marker_deleted_and_people_emptied__still_refused(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    populate(store)
    (store.root / "store.json").unlink()
    empty_people(store)
    again = TinyStore(tmp_path / "data")  # a marker made again over a folder with a people file
    assert again.has_had_people() is True
    with pytest.raises(PeopleLost):
        again.user_count()


@pytest.mark.parametrize("people", ["{}", None], ids=["emptied", "no-file"])
def test_folder__marker_from_before_the_flag__learns_it_at_open(tmp_path: Path,
                                                               people: str | None) -> None:
    """A store an older version made: its marker says nothing of people."""
    store = TinyStore(tmp_path / "data")
    if people is not None:
        populate(store)
    marker = store.root / "store.json"
    old = json.loads(marker.read_text(encoding="utf-8"))
    old.pop("had_people")
    marker.write_text(json.dumps(old), encoding="utf-8")
    if people is not None:
        (store.root / "people.json").write_text(people, encoding="utf-8")
    again = TinyStore(tmp_path / "data")
    assert again.has_had_people() is (people is not None)
    assert json.loads(marker.read_text(encoding="utf-8"))["had_people"] is (people is not None)
    assert json.loads(marker.read_text(encoding="utf-8"))["layout"] == old["layout"]
    if people is not None:
        with pytest.raises(PeopleLost):
            again.user_count()
    else:
        assert needs_first_run(again) is True


def test_folder__first_person_and_marker_written_together(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    assert json.loads((store.root / "store.json").read_text(encoding="utf-8"))["had_people"] is False
    accounts.create_first_hq(store, "boss", "secret-pass")
    assert json.loads((store.root / "store.json").read_text(encoding="utf-8"))["had_people"] is True
    assert list(json.loads((store.root / "people.json").read_text(encoding="utf-8"))) == ["boss"]


def test_postgres__marker_row_deleted_and_users_emptied__still_refused(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    import psycopg

    store = make_store("postgres", tmp_path, request)
    populate(store)
    with psycopg.connect(store.url, autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute("DELETE FROM store_marker; DELETE FROM users")
    with pytest.raises(PeopleLost):
        store.user_count()
    assert [f.kind for f in check.run(store, quick=True).findings] == ["people_lost"]


# -- the surfaces: the app and the CLI ----------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_app__emptied_people__stops_with_the_error__no_first_run_page(
        emptied: tuple[Store, dict[str, User], str, tuple[Any, ...]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    store, _, _, before = emptied
    if isinstance(store, TinyStore):
        monkeypatch.setenv("AUDIT_DATA_DIR", str(store.root))
        monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("AUDIT_DATABASE_URL", store.url)  # type: ignore[attr-defined]
    close_app_stores()
    try:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
        at.session_state["lang"] = lang
        at.run()
        assert not at.exception
        shown = " ".join(str(e.value) for e in at.error)
        assert ("has had accounts" if lang == "en" else "были учётные записи") in shown, shown
        assert not at.text_input  # neither the sign-in form nor the first-HQ form
        assert not [b for b in at.button if b.key in ("first.demo", "signin.sso")]
        assert "first" not in " ".join(str(m.value) for m in [*at.info, *at.markdown]).lower()
    finally:
        close_app_stores()
    assert saved(store) == before


def test_cli__check_quick_and_full__report_the_emptied_people_file(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")
    populate(store)
    empty_people(store)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("AUDIT_DATABASE_URL", None)
    for quick in (["--quick"], []):
        done = subprocess.run([sys.executable, "-m", "audit.ops.cli", "check", "--data-dir",
                               str(store.root), *quick], capture_output=True, text=True, env=env,
                              timeout=300, check=False)
        assert done.returncode == 1, done.stdout + done.stderr
        assert ("its people table holds nobody (sign-in is refused until it is restored): "
                "people.json (empty)") in done.stdout
        assert "restore it from a backup" in done.stdout
    assert (store.root / "people.json").read_text(encoding="utf-8") == "{}"


# -- the routes beside the app -------------------------------------------------------------------


def test_routes__emptied_people__said_plainly_never_a_500(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from audit.ops import process
    from audit.people import handoff
    from audit.web.middleware import middleware
    from audit.web.routes import routes

    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    monkeypatch.setattr(process, "_stores", {})
    store = process.process_store()
    people = populate(store)
    audit_id = audits.start_audit(store, people["shopper"], location_id="loc-a",
                                  template_id="mini", mode="mystery", lang="ru").id
    token = accounts.start_session(store, people["shopper"])
    origin = "http://testserver"
    client = TestClient(Starlette(routes=routes(), middleware=middleware()), base_url=origin)
    r = client.post("/api/session", json={"ticket": handoff.issue_ticket(token)},
                    headers={"Origin": origin})
    assert r.status_code == 204
    before = saved(store)
    empty_people(store)
    headers = {"Origin": origin, "X-CSRF-Token": handoff.csrf_token(token), "X-Lang": "en"}
    r = client.post("/api/sync", json={"audit": audit_id, "client": "phone-0001", "changes": []},
                    headers=headers)
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "people_lost" and "backup" in r.json()["message"]
    r = client.post(f"/api/photo?audit={audit_id}&key=a.b&client=phone-0001&seq=1&at=x",
                    content=b"x" * 10, headers=headers)
    assert r.status_code == 503, r.text
    r = client.get("/media/anything.jpg")  # people's files: nobody's, while nobody can be told
    assert r.status_code == 403
    assert saved(store) == before
