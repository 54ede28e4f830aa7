"""The smaller holes: CSV formulas, endless texts and numbers, logo bombs, the CLI's data folder."""

from __future__ import annotations

import base64
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from audit import workflow
from audit.audits import capture as audits
from audit.core import limits
from audit.i18n import error_text
from audit.model import User
from audit.people.ratelimit import RateLimited, photo_uploads
from audit.reports.export import export
from audit.scoring.score import AnswerError
from audit.store import Store
from audit.store.folder.backend import TinyStore
from tests.conftest import answer_mini, photograph
from tests.security.inputs import admin_part

ROOT = Path(__file__).resolve().parents[2]
MB_TEXT = "ж" * 1_000_000


def _draft(store: Store, people: dict[str, User]) -> str:
    header = audits.start_audit(store, people["shopper"], location_id="loc-a", template_id="mini",
                                mode="mystery", lang="ru")
    return header.id


def _refused(store: Store, user: User, audit_id: str, key: str, **kw: object) -> AnswerError:
    before = store.get_audit(audit_id)
    with pytest.raises(AnswerError) as err:
        audits.answer(store, user, audit_id, key, **kw)  # type: ignore[arg-type]
    after = store.get_audit(audit_id)
    assert before is not None and after is not None
    assert after.answers == before.answers  # nothing already saved was lost or changed
    return err.value


# -- CSV ---------------------------------------------------------------------------------------


def test_csv__a_comment_cannot_become_a_formula_where_excel_splits_on_semicolons(
        store: Store, network: dict[str, User]) -> None:
    attack = "Nice staff;=HYPERLINK(CHAR(104)&CHAR(116))"
    audit_id = _draft(store, network)
    answer_mini(store, network["shopper"], audit_id)
    audits.answer(store, network["shopper"], audit_id, "entrance.clean", comment=attack)
    photograph(store, network["shopper"], audit_id, "office.facade")
    workflow.submit(store, network["shopper"], audit_id)
    data = export(store, fmt="csv")["answers.csv"].decode("utf-8-sig")
    # Russian Excel splits on ";" wherever it is outside quotes (each " toggles quoting):
    # no field it makes may start with a formula character
    for line in data.splitlines():
        for field in _excel_fields(line, ";"):
            assert not field.startswith(("=", "+", "@")), field
    # and read as the comma file it is, the comment is all there
    rows = list(csv.DictReader(io.StringIO(data)))
    assert [r["comment"] for r in rows if r["key"] == "entrance.clean"] == [attack]


def _excel_fields(line: str, sep: str) -> list[str]:
    fields, current, quoted = [], "", False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            fields.append(current)
            current = ""
        else:
            current += ch
    return [*fields, current]


# -- answers -----------------------------------------------------------------------------------


def test_two_megabyte_answers__refused_in_the_persons_language(store: Store,
                                                                network: dict[str, User]) -> None:
    audit_id = _draft(store, network)
    sam = network["shopper"]
    audits.answer(store, sam, audit_id, "office.notes", value="Охранник вежлив", comment="ок")
    err = _refused(store, sam, audit_id, "office.notes", value=MB_TEXT)
    assert error_text(err, "ru") == f"Текст длиннее {limits.TEXT_ANSWER_MAX_CHARS} символов."
    err = _refused(store, sam, audit_id, "office.notes", comment=MB_TEXT)
    assert error_text(err, "en") == f"The text is longer than {limits.COMMENT_MAX_CHARS} characters."
    err = _refused(store, sam, audit_id, "office.site",
                   value={"text": MB_TEXT, "flagged": [], "typos": []})
    assert err.code == "too_long"


@pytest.mark.parametrize(("key", "value"), [
    ("waiting.wait", {"minutes": 1e308}),
    ("waiting.wait", 1e308),
    ("waiting.wait", {"start": "1970-01-01T00:00:00+00:00", "end": "2026-05-01T10:00:00+00:00"}),
    ("waiting.chairs", 1e308),
])
def test_huge_numbers__refused_not_stored(store: Store, network: dict[str, User], key: str,
                                          value: object) -> None:
    audit_id = _draft(store, network)
    sam = network["shopper"]
    audits.answer(store, sam, audit_id, "waiting.wait", value={"minutes": 4})
    audits.answer(store, sam, audit_id, "waiting.chairs", value=3)
    err = _refused(store, sam, audit_id, key, value=value)
    assert err.code == "out_of_range"
    assert error_text(err, "ru").startswith("Выберите значение от 0 до")
    audit = store.get_audit(audit_id)
    assert audit is not None and audit.answers["waiting.wait"].value == {"minutes": 4.0}


def test_infinite_minutes__refused(store: Store, network: dict[str, User]) -> None:
    audit_id = _draft(store, network)
    err = _refused(store, network["shopper"], audit_id, "waiting.wait", value={"minutes": float("1e309")})
    assert error_text(err, "ru") == "Нужно число."


# -- the brand logo ----------------------------------------------------------------------------


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_logo__small_file_of_144_megapixels__refused_and_old_one_dropped(store: Store) -> None:
    from audit.reports.gather import LogoError, brand_of, check_logo

    bomb = _png((12_000, 12_000))
    assert len(bomb) < 300_000
    with pytest.raises(LogoError) as err:
        check_logo(bomb)
    assert "Логотип — PNG или JPEG не больше" in error_text(err.value, "ru")
    good = _png((400, 160))
    check_logo(good)
    store.put_settings({"brand_name": "Сеть", "brand_logo": base64.b64encode(good).decode()})
    assert brand_of(store).logo == good
    # a logo stored before the limit existed no longer reaches every PDF
    store.put_settings({"brand_logo": base64.b64encode(bomb).decode()})
    brand = brand_of(store)
    assert brand.logo is None and brand.name == "Сеть"


def test_logo__admin_upload_of_the_bomb__refused_in_russian_and_the_brand_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at, data = admin_part(tmp_path, monkeypatch, "brand")
    good = base64.b64encode(_png((400, 160))).decode()
    data.put_settings({"brand_name": "Сеть", "brand_logo": good})
    at.file_uploader(key="brand.logo").set_value(("logo.png", _png((12_000, 12_000)), "image/png"))
    at.button(key="FormSubmitter:brand-Сохранить").click().run()
    assert not at.exception
    assert any("Логотип — PNG или JPEG не больше" in e.value for e in at.error)
    assert data.get_settings()["brand_logo"] == good


# -- uploads per minute ------------------------------------------------------------------------


def test_photo_uploads__per_person_per_minute(tmp_path: Path) -> None:
    store = TinyStore(tmp_path / "data")  # counted in the store: every process shares it
    for _ in range(limits.UPLOADS_PER_MINUTE):
        photo_uploads.hit(store, "sam")
    with pytest.raises(RateLimited) as err:
        photo_uploads.hit(store, "sam")
    assert error_text(err.value, "ru").startswith(f"Больше {limits.UPLOADS_PER_MINUTE} фото за минуту")
    photo_uploads.hit(store, "sue")  # someone else is not held up


# -- the CLI -----------------------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("AUDIT_DATA_DIR", None)
    env.pop("AUDIT_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "audit.ops.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300, check=False)


def test_cli__impossible_date__clear_error_nothing_created(tmp_path: Path) -> None:
    done = _cli("demo", "--data-dir", "D", "--today", "2026-02-30", cwd=tmp_path)
    assert done.returncode == 1
    assert "--today 2026-02-30 is not a date" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "D").exists()


def test_cli__data_dir_after_the_subcommand__as_the_readme_says(tmp_path: Path) -> None:
    done = _cli("demo", "--data-dir", "D", "--seed", "1", "--audits", "24", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "starting a new data folder" in done.stderr
    listed = _cli("users", "list", "--data-dir", "D", cwd=tmp_path)
    before = _cli("--data-dir", "D", "users", "list", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout == before.stdout and "hq\thq" in listed.stdout


@pytest.mark.parametrize("args", [
    ("users", "list"),
    ("export", "--format", "csv", "-o", "out.csv"),
    ("report", "--network", "-o", "n.pdf"),
])
def test_cli__mistyped_data_dir__refused_not_created(tmp_path: Path, args: tuple[str, ...]) -> None:
    real = tmp_path / "data"
    store = TinyStore(real)
    store.put_settings({"brand_name": "Сеть"})
    def files() -> dict[str, bytes]:
        return {str(f.relative_to(real)): f.read_bytes() for f in sorted(real.rglob("*")) if f.is_file()}

    saved = files()
    assert saved
    done = _cli("--data-dir", "dta", *args, cwd=tmp_path)
    assert done.returncode == 1
    assert "no data in dta: check --data-dir" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "dta").exists()
    assert files() == saved


@pytest.mark.parametrize("damage", ["[]", "null", '"x"', "missing"])
def test_people_file_emptied_or_gone__the_app_stops_and_says_so__no_first_run_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    from streamlit.testing.v1 import AppTest

    from audit.ui.common import close_app_stores
    from tests.conftest import populate
    from tests.security.inputs import ROOT

    folder = tmp_path / "data"
    monkeypatch.setenv("AUDIT_DATA_DIR", str(folder))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    store = TinyStore(folder)
    people = populate(store)
    audits.start_audit(store, people["shopper"], location_id="loc-a", template_id="mini",
                       mode="mystery", lang="ru")
    people_file = folder / "people.json"
    if damage == "missing":
        people_file.unlink()
    else:
        people_file.write_text(damage, encoding="utf-8")
    kept = {str(f.relative_to(folder)): f.read_bytes() for f in folder.rglob("*.json")}
    close_app_stores()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = "ru"
    at.run()
    assert not at.exception
    shown = " ".join(str(e.value) for e in at.error)
    assert "people.json" in shown and "резервной копии" in shown, shown
    assert not [b for b in at.button if "Создать" in b.label or "Create" in b.label]  # no first run
    assert {str(f.relative_to(folder)): f.read_bytes() for f in folder.rglob("*.json")} == kept
    close_app_stores()
