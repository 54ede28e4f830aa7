"""A location's voice poster: A4, its short link printed and in its QR code, from the CLI and
the library alike; the QR read back from the rendered page by zxing-cpp."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from audit.core.errors import NotFound
from audit.ops.cli import main
from audit.reports.voice import NoPublicAddress, poster_pdf
from audit.store.folder.backend import TinyStore
from tests.conftest import populate

URL = "https://audit.example.com"


@pytest.fixture
def data(tmp_path: Path) -> TinyStore:
    store = TinyStore(tmp_path / "data")
    populate(store)
    return store


def qr_texts(pdf: bytes) -> list[str]:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    return [b.text for b in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize(("lang", "title", "other"), [
    ("ru", "Как прошёл ваш визит?", "How was your visit?"),
    ("en", "How was your visit?", "Как прошёл ваш визит?"),
])
def test_poster__a4_link_and_qr_lead_to_the_location(data: TinyStore, lang: str, title: str,
                                                     other: str) -> None:
    pdf = poster_pdf(data, "loc-a", lang, app_url=URL + "/")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    assert f"{URL}/v/loc-a" in text and title in text and other in text and "Арбат" in text
    assert qr_texts(pdf) == [f"{URL}/v/loc-a"]


def test_poster__no_public_address__clear_error(data: TinyStore, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.delenv("AUDIT_APP_URL", raising=False)
    monkeypatch.setenv("AUDIT_SECRETS", str(tmp_path / "none.toml"))
    with pytest.raises(NoPublicAddress) as info:
        poster_pdf(data, "loc-a", "en")
    assert "AUDIT_APP_URL" in str(info.value)
    for bad in ("audit.example.com", "ftp://x", "https://", "https://x/?a=1", "javascript:alert(1)"):
        with pytest.raises(NoPublicAddress):
            poster_pdf(data, "loc-a", "en", app_url=bad)


def test_poster__address_from_the_secrets_file(data: TinyStore, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.delenv("AUDIT_APP_URL", raising=False)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[smtp]\napp_url = "https://branch.example.org/"\n')
    monkeypatch.setenv("AUDIT_SECRETS", str(secrets))
    assert qr_texts(poster_pdf(data, "loc-b", "ru")) == ["https://branch.example.org/v/loc-b"]


def test_poster__unknown_location__not_found(data: TinyStore) -> None:
    with pytest.raises(NotFound):
        poster_pdf(data, "nowhere", "ru", app_url=URL)


def test_cli__voice_poster__writes_the_pdf(data: TinyStore, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUDIT_APP_URL", URL)
    out = tmp_path / "poster.pdf"
    assert main(["--data-dir", str(data.root), "voice", "poster", "loc-b", "--lang", "en",
                 "-o", str(out)]) == 0
    assert qr_texts(out.read_bytes()) == [f"{URL}/v/loc-b"]
    assert main(["--data-dir", str(data.root), "voice", "poster", "nowhere", "-o", str(out)]) == 1
    assert "nowhere" in capsys.readouterr().err
    monkeypatch.delenv("AUDIT_APP_URL")
    monkeypatch.setenv("AUDIT_SECRETS", str(tmp_path / "none.toml"))
    assert main(["--data-dir", str(data.root), "voice", "poster", "loc-a", "-o", str(out)]) == 1
    assert "AUDIT_APP_URL" in capsys.readouterr().err
