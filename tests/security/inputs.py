"""What the attacks send and where: shared by the security tests and benchmarks/abuse.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from audit.people import accounts
from audit.store.folder.backend import TinyStore
from tests.conftest import populate
from tests.security import texts

ROOT = Path(__file__).resolve().parents[2]

GERMAN, random_latin = texts.GERMAN, texts.random_latin


def admin_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part: str) -> tuple[AppTest, TinyStore]:
    """The real app, signed in as HQ in Russian, on one part of the admin page."""
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    data = TinyStore(tmp_path / "data")
    people = populate(data)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = "ru"
    at.session_state["_token"] = accounts.start_session(data, people["hq"])
    at.run()
    at.switch_page("audit/ui/pages/admin.py").run()
    at.segmented_control(key="admin.part").set_value(part).run()
    return at, data
