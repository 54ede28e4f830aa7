"""The walk element's Python wrapper with its data in and out; the photo pipeline on both stores."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from audit.audits import capture as audits
from audit.audits import evidence
from audit.core import limits
from audit.model import Location, User
from audit.photos import PhotoError
from audit.store import Store
from audit.ui.walk import component
from tests.conftest import forge_photo_name


def jpeg(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def test_walk_data__answers_thumbnails_hours_and_words(store: Store, network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini", mode="mystery",
                                  lang="en").id
    added = evidence.add_photo(store, sam, audit_id, "entrance.dry", jpeg())
    audits.answer(store, sam, audit_id, "entrance.dry", value=False)
    audit = store.get_audit(audit_id)
    assert audit is not None
    checklist = audits.checklist_for(store, audit.header)
    loc = Location(id="loc-a", name="A", region="R", hours={"mon": ["09:00", "21:00"]})
    data = component.walk_data(audit, checklist, lang="en", user="sam", csrf="c" * 32, ticket=None,
                               view="", focus=None, location=loc, photos=store.photo_files())
    assert data["answers"]["entrance.dry"] == {"value": False, "na": False, "comment": "",
                                               "photos": [added.ref.sha256]}
    assert data["photos"][added.ref.sha256]["thumb"].startswith("data:image/jpeg;base64,")
    assert data["hours"] == {"mon": ["09:00", "21:00"]}
    assert data["texts"]["offline"] == "Offline: answers are kept on this phone ({count})"
    items = {i["key"]: i for s in data["sections"] for i in s["items"]}
    assert items["entrance.clean"]["scale"] == [1, 5]
    assert items["waiting.wait"]["bands"][0] == {"max": 5.0, "score": 1.0}
    assert items["office.hours"]["hours"] == {"evening_after": "19:00", "weekend": True}
    assert items["office.notes"]["required"] is False  # evidence, not scored: no required mark
    # the phone's fields are cut at the limits the server enforces (one table: core/limits.py)
    assert data["limits"] == {"comment": limits.COMMENT_MAX_CHARS, "text": limits.TEXT_ANSWER_MAX_CHARS,
                              "caption": limits.CAPTION_MAX_CHARS,
                              "reason": limits.SECTION_NA_REASON_MAX_CHARS,
                              "photo_edge": limits.PHOTO_SEND_LONG_EDGE,
                              "photo_bytes": limits.PHOTO_SEND_MAX_BYTES,
                              "sync_wait": limits.SYNC_WAIT_SECONDS,
                              "sync_retry_max": limits.SYNC_RETRY_MAX_SECONDS}
    # a hash the audit holds no photo of (typed in by an older sync) shows nothing
    forge_photo_name(store, audit_id, "entrance.clean", "ab" * 32)
    again = store.get_audit(audit_id)
    assert again is not None
    data = component.walk_data(again, checklist, lang="en", user="sam", csrf="c" * 32, ticket=None,
                               view="", focus=None, location=loc, photos=store.photo_files())
    assert list(data["photos"]) == [added.ref.sha256]


@pytest.mark.parametrize(("raw", "expected"), [
    ({"audit": "a1", "view": "review", "nav": 0}, component.PhoneView("review", 0)),
    ({"audit": "a1", "view": "office", "nav": 3}, component.PhoneView("office", 3)),
    ({"audit": "a2", "view": "review", "nav": 0}, None),  # another audit's walk
    ({"audit": "a1", "view": "attic", "nav": 0}, None),
    ({"audit": "a1", "view": "review", "nav": -1}, None),
    ({"audit": "a1", "view": "review", "nav": True}, None),
    ({"audit": "a1", "view": "review"}, None),
    ("review", None),
    (None, None),
])
def test_phone_view__only_this_audits_known_views(raw: object, expected: component.PhoneView | None) -> None:
    assert component.phone_view({"view": raw}, "a1", ["entrance", "office"]) == expected
    assert component.phone_view(None, "a1", ["entrance", "office"]) is None


@pytest.mark.parametrize(("state", "expected"), [
    ({"pending": {"audit": "a1", "count": 3}}, 3),
    ({"pending": {"audit": "a1", "count": 0}}, 0),
    ({"pending": {"audit": "other", "count": 0}}, None),
    ({"pending": {"audit": "a1", "count": -1}}, None),
    ({"pending": {"audit": "a1", "count": True}}, None),
    ({"pending": None}, None),
])
def test_pending__what_the_phone_reported_for_this_audit(state: object, expected: int | None) -> None:
    assert component.pending(state, "a1") == expected


def test_add_photo__bad_bytes_refused__nothing_stored(store: Store, network: dict[str, User],
                                                      tmp_path: Path) -> None:
    sam = network["shopper"]
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini", mode="mystery",
                                  lang="en").id
    with pytest.raises(PhotoError):
        evidence.add_photo(store, sam, audit_id, "entrance.dry", b"\xff\xd8\xff not really")
    audit = store.get_audit(audit_id)
    assert audit is not None and not audit.photos and not audit.answers


def test_add_photo__phone_capture_time_fills_the_gap_for_the_old_flag(store: Store,
                                                                       network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini", mode="mystery",
                                  lang="en", visit_at="2026-05-01T10:00:00+00:00").id
    report = evidence.PhoneReport.from_json({"captured_at": "2026-01-02T09:00:00", "gps": [0, 0],
                                             "width": "wide"})
    added = evidence.add_photo(store, sam, audit_id, "entrance.dry", jpeg(), report=report)
    assert added.ref.flags == ("old",) and added.ref.captured_at is None
    assert added.ref.reported == {"captured_at": "2026-01-02T09:00:00"}  # garbled fields left out


def test_add_photo__originals_off__only_the_light_copies_are_kept(store: Store,
                                                                  network: dict[str, User]) -> None:
    store.put_settings({"keep_originals": False})
    sam = network["shopper"]
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini", mode="mystery",
                                  lang="en").id
    added = evidence.add_photo(store, sam, audit_id, "entrance.dry", jpeg())
    files = store.photo_files()
    assert files.get(added.ref.sha256, "display") and files.get(added.ref.sha256, "thumb")
    with pytest.raises(KeyError):
        files.get(added.ref.sha256, "original")


def test_script__every_file_of_js_joined_once__only_the_entry_exports() -> None:
    files = sorted(p.name for p in (component.HERE / "js").glob("*.js"))
    assert sorted(component.SCRIPTS) == files
    assert component.SCRIPTS[-1] == "main.js"
    script = component.script()
    for name in component.SCRIPTS:
        assert script.count(f"// -- js/{name} --\n") == 1
    # one module: a file's own import or export would not resolve from Streamlit's blob: URL
    lines = [line for line in script.splitlines() if line.startswith(("import ", "export "))]
    assert lines == ["export default async function (component) {"]
