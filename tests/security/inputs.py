"""What the attacks send and where: shared by the security tests and benchmarks/abuse.py."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from audit.people import accounts
from audit.store.folder.backend import TinyStore
from tests.conftest import populate

ROOT = Path(__file__).resolve().parents[2]

GERMAN = ("Die Öffnungszeiten unserer Filiale sind montags bis freitags von neun bis achtzehn Uhr. "
          "Bitte vereinbaren Sie einen Termin für eine persönliche Beratung zu Krediten und Konten. "
          "Unsere Mitarbeiter helfen Ihnen gerne weiter und beantworten alle Fragen.")


def random_latin(chars: int, seed: int = 7) -> str:
    """Random Latin "words" of 3 to 12 letters: the paste that took 192 s of CPU."""
    rng = random.Random(seed)
    words: list[str] = []
    while len(" ".join(words)) < chars:
        words.append("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 12))))
    return " ".join(words)[:chars]


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
