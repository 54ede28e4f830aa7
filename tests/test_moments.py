"""One rule for "the moment something happened", on every surface and in every zone.

A moment is stored in UTC and shown in the location's zone with its offset. A photo's capture
time comes from EXIF: DateTimeOriginal with its OffsetTimeOriginal where the file has one;
without it the camera's wall clock is read in the phone's zone (sent with the photo), else in
the location's. The defect: a photo taken at 13:30 on a Moscow phone printed "снято 7 дек.
2026, 16:30 UTC+03:00", after the audit was submitted (the naive EXIF time was taken as UTC).

The same visit is walked in three zones (UTC−5 with a DST change, UTC+3, UTC+5) and read back
from the audit PDF (pypdf), the app's audit and photo pages (AppTest) and the manager's e-mail.
One backend: the rule is in the formatting, which both stores feed the same stored strings.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from audit import workflow
from audit.audits import capture as audits
from audit.audits import evidence
from audit.core.zones import capture_moment, capture_utc
from audit.i18n.formats import Fmt
from audit.model import Location, User
from audit.people import accounts
from audit.store import Store
from audit.store.folder.backend import TinyStore
from audit.ui.common import close_app_stores
from tests.conftest import answer_mini, populate

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
AUDITS = "audit/ui/pages/audits.py"


def exif_jpeg(taken: str, offset: str | None = None, seed: int = 0) -> bytes:
    """A small JPEG whose EXIF says when it was taken ("2026:12:07 13:30:00"), with or
    without OffsetTimeOriginal."""
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = taken
    if offset is not None:
        sub[0x9011] = offset
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (20 + seed, 120, 200 - seed)).save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def local_iso(wall: str, zone: str) -> str:
    """A wall-clock time in `zone` as the store keeps it (UTC)."""
    return datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC")).isoformat()


@dataclass(frozen=True)
class Case:
    zone: str
    started: str  # local wall clock
    photo: str  # the camera's wall clock, EXIF without an offset
    submitted: str
    # what each prints in Russian
    started_ru: str
    photo_ru: str
    submitted_ru: str
    day_ru: str  # the visit's day in the location's zone (the e-mail's subject and body)


CASES = [
    Case("Europe/Moscow", "2026-12-07T13:05:00", "2026-12-07T13:30:00", "2026-12-07T13:45:00",
         "7 дек. 2026, 13:05 UTC+03:00", "7 дек. 2026, 13:30 UTC+03:00",
         "7 дек. 2026, 13:45 UTC+03:00", "7 дек. 2026"),
    Case("Asia/Yekaterinburg", "2026-12-07T08:05:00", "2026-12-07T08:30:00", "2026-12-07T08:45:00",
         "7 дек. 2026, 08:05 UTC+05:00", "7 дек. 2026, 08:30 UTC+05:00",
         "7 дек. 2026, 08:45 UTC+05:00", "7 дек. 2026"),  # 03:05 UTC: the same day
    # New York late in the evening: 04:05 UTC is already the next day there
    Case("America/New_York", "2026-12-06T23:05:00", "2026-12-06T23:30:00", "2026-12-06T23:45:00",
         "6 дек. 2026, 23:05 UTC−05:00", "6 дек. 2026, 23:30 UTC−05:00",
         "6 дек. 2026, 23:45 UTC−05:00", "6 дек. 2026"),
    # the night the clocks go back in New York: started on summer time, photo and submit on winter
    Case("America/New_York", "2026-11-01T00:50:00", "2026-11-01T02:10:00", "2026-11-01T02:20:00",
         "1 нояб. 2026, 00:50 UTC−04:00", "1 нояб. 2026, 02:10 UTC−05:00",
         "1 нояб. 2026, 02:20 UTC−05:00", "1 нояб. 2026"),
]


@dataclass
class Walked:
    store: Store
    case: Case
    audit_id: str
    photo: str
    people: dict[str, User]


@pytest.fixture(params=CASES, ids=lambda c: f"{c.zone}-{c.started[:10]}")
def walked(request: pytest.FixtureRequest, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Walked]:
    case: Case = request.param
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    store = TinyStore(tmp_path / "data")
    people = populate(store)
    store.put_location(Location("loc-a", "Арбат", "Москва", address="ул. Арбат, 1", tz=case.zone))
    for name in ("sam", "mia", "boss"):
        accounts.update_user(store, name, email=f"{name}@example.test", lang="ru")
    sam = people["shopper"]
    started = local_iso(case.started, case.zone)
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini", mode="mystery",
                                  lang="ru", now=started).id
    answer_mini(store, sam, audit_id, entrance__dry=False)
    taken = case.photo.replace("-", ":").replace("T", " ")
    # the phone names no zone: the camera's wall clock is read in the location's
    ref = evidence.add_photo(store, sam, audit_id, "entrance.dry", exif_jpeg(taken), now=started).ref
    evidence.add_photo(store, sam, audit_id, "office.facade", exif_jpeg(taken, seed=40), now=started)
    workflow.submit(store, sam, audit_id, now=local_iso(case.submitted, case.zone))
    workflow.publish(store, people["hq"], audit_id, True, now=local_iso(case.submitted, case.zone))
    yield Walked(store, case, audit_id, ref.sha256, people)
    close_app_stores()


def test_capture_time__stored_as_utc_from_the_locations_wall_clock(walked: Walked) -> None:
    audit = walked.store.get_audit(walked.audit_id)
    assert audit is not None
    stored = audit.photos[walked.photo].captured_at
    assert stored == local_iso(walked.case.photo, walked.case.zone).replace("+00:00", "+00:00")
    assert stored is not None and stored < (audit.header.submitted_at or "")


def test_audit_pdf__every_time_in_the_locations_zone_and_labelled(walked: Walked) -> None:
    c = walked.case
    audit = walked.store.get_audit(walked.audit_id)
    assert audit is not None
    text = pdf_text(workflow.audit_pdf(walked.store, audit, lang="ru", reader=walked.people["hq"]))
    assert f"снято {c.photo_ru}" in text
    assert f"отправлен {c.submitted_ru}" in text or c.submitted_ru in text
    assert c.started_ru in text  # the running header and the history's first line
    # never later than the submit because of zone handling
    assert "UTC+00:00" not in text and " UTC " not in text


def test_app__audit_and_photo_pages_show_the_same_moments(walked: Walked) -> None:
    c = walked.case
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "ru"
    at.session_state["_token"] = accounts.start_session(walked.store, walked.people["hq"])
    at.run()
    at.query_params["id"] = walked.audit_id
    at.query_params["photo"] = walked.photo
    at.switch_page(AUDITS).run()
    assert not at.exception
    caption = " ".join(str(c.value) for c in at.caption).replace("\\", "").replace("\u2060", "")
    assert f"снято {c.photo_ru}" in caption, caption
    at.query_params.pop("photo")
    at.switch_page(AUDITS).run()
    assert not at.exception
    shown = " ".join(str(m.value) for m in (*at.markdown, *at.caption, *at.info))
    shown = shown.replace("\\", "").replace("\u2060", "")  # esc()'s escapes, as the screen reads
    assert c.submitted_ru in shown, shown
    assert c.started_ru in shown  # the history's first line


def test_email__the_visits_day_where_the_branch_is(walked: Walked) -> None:
    c = walked.case
    got = [m for m in walked.store.list_messages(("pending",)) if m.user == "mia"]
    assert got, "the manager got no e-mail"
    mail = got[0]
    assert c.day_ru in mail.subject and c.day_ru in mail.body, (mail.subject, mail.body)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", mail.subject + mail.body)


# -- the rule itself ------------------------------------------------------------------------------


@pytest.mark.parametrize(("wall", "zones", "utc"), [
    ("2026-12-07T13:30:00", ("Europe/Moscow",), "2026-12-07T10:30:00+00:00"),  # the defect's photo
    ("2026-12-07T13:30:00+03:00", ("Asia/Yekaterinburg",), "2026-12-07T10:30:00+00:00"),  # its offset wins
    ("2026-12-07T13:30:00", ("", "Asia/Yekaterinburg"), "2026-12-07T08:30:00+00:00"),  # no phone zone
    ("2026-12-07T13:30:00", ("America/New_York", "Europe/Moscow"), "2026-12-07T18:30:00+00:00"),  # phone's
    ("2026-07-07T13:30:00", ("America/New_York",), "2026-07-07T17:30:00+00:00"),  # summer time
    ("2026-12-07T13:30:00", ("Nowhere/Else", "Europe/Moscow"), "2026-12-07T10:30:00+00:00"),
    ("2026-12-07T13:30:00", (), "2026-12-07T13:30:00+00:00"),  # no zone known at all: UTC
])
def test_capture_utc__offset_then_phones_zone_then_locations(wall: str, zones: tuple[str, ...],
                                                             utc: str) -> None:
    assert capture_utc(wall, *zones) == utc


def test_capture_utc__garble_is_no_time() -> None:
    assert capture_utc("yesterday", "Europe/Moscow") is None and capture_utc(None) is None
    with pytest.raises(ValueError):
        capture_moment("yesterday")


def test_fmt_captured__an_old_naive_capture_time_reads_as_the_locations_wall_clock() -> None:
    """Photos stored before this rule keep the camera's naive wall clock: shown as it was taken."""
    assert Fmt("ru", "Europe/Moscow").captured("2026-12-07T13:30:00") == "7 дек. 2026, 13:30 UTC+03:00"
    assert Fmt("ru", "Europe/Moscow").captured("2026-12-07T10:30:00+00:00") == "7 дек. 2026, 13:30 UTC+03:00"
    assert Fmt("en", "America/New_York").when("2026-11-01T05:50:00+00:00") == "Nov 1, 2026, 01:50 UTC−04:00" \
        or Fmt("en", "America/New_York").when("2026-11-01T05:50:00+00:00").endswith("01:50 UTC−04:00")


def test_phone_zone__sent_with_the_photo_reads_its_wall_clock(tmp_path: Path) -> None:
    """A photo sent from a phone in Yekaterinburg for a Moscow branch: the phone's zone reads
    the camera's clock (the shopper's phone, not the branch, knows where the camera was)."""
    store = TinyStore(tmp_path / "data")
    people = populate(store)
    store.put_location(Location("loc-a", "Арбат", "Москва", tz="Europe/Moscow"))
    sam = people["shopper"]
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini", mode="mystery",
                                  lang="ru").id
    report = evidence.PhoneReport.from_json({"captured_at": "2026-12-07T13:30:00",
                                             "zone": "Asia/Yekaterinburg"})
    ref = evidence.add_photo(store, sam, audit_id, "office.facade", exif_jpeg("2026:12:07 13:30:00"),
                             report=report).ref
    assert ref.captured_at == "2026-12-07T08:30:00+00:00"
    assert ref.reported["zone"] == "Asia/Yekaterinburg"
    # a zone the database lacks is dropped, and the location's reads the clock
    bad = evidence.PhoneReport.from_json({"zone": "Mars/Olympus"})
    assert bad.zone == ""
    ref2 = evidence.add_photo(store, sam, audit_id, "office.facade",
                              exif_jpeg("2026:12:07 13:30:00", seed=9), report=bad).ref
    assert ref2.captured_at == "2026-12-07T10:30:00+00:00"
    # an offset in the file beats both
    ref3 = evidence.add_photo(store, sam, audit_id, "office.facade",
                              exif_jpeg("2026:12:07 13:30:00", "+05:00", seed=18), report=report).ref
    assert ref3.captured_at == "2026-12-07T08:30:00+00:00"
