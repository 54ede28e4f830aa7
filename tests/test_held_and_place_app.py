"""The pages through AppTest: a location's photo through the photo element (no uploader), and the
button that completes an audit held for photos that never arrived (both backends)."""

from __future__ import annotations

import hashlib
import json

from streamlit.testing.v1 import AppTest

from audit import workflow
from audit.audits import capture as audits
from audit.model import User
from audit.people import accounts
from audit.store import Store
from tests.conftest import answer_mini
from tests.test_app import app_as, data, open_audit, people, texts  # noqa: F401  the fixtures, on both backends

ADMIN = "audit/ui/pages/admin.py"
T1 = "2026-05-01T10:00:00.000Z"


def pick_elements(at: AppTest) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(e.proto.json) for e in at.get("bidi_component")
            if e.proto.component_name == "audit_photo_pick"]


def test_admin__a_locations_photo_goes_through_the_photo_element_not_an_uploader(
        data: Store, people: dict[str, User]) -> None:  # noqa: F811
    at = app_as(data, people["hq"], lang="ru").run()
    at.switch_page(ADMIN).run()
    at.segmented_control(key="admin.part").set_value("locations").run()
    assert not at.exception
    urls = sorted(d["url"] for d in pick_elements(at))
    assert urls == ["/api/location-photo?location=loc-a", "/api/location-photo?location=loc-b"]
    element = pick_elements(at)[0]
    assert element["label"].startswith("Взять координаты")  # the reader's language
    assert element["limits"] == {"photo_edge": 2048, "photo_bytes": 600 * 1024}
    assert element["texts"]["offline"].startswith("Нет связи")
    assert not [u for u in at.get("file_uploader") if str(u.proto.id).find("place.photo") >= 0]
    assert all("place.photo" not in str(getattr(u, "key", "")) for u in at.get("file_uploader"))


def held_audit(store: Store, shopper: User) -> str:
    audit_id = audits.start_audit(store, shopper, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(store, shopper, audit_id)
    workflow.submit_from_phone(store, shopper, audit_id,
                               [("office.facade", hashlib.sha256(b"never sent").hexdigest())])
    return audit_id


def test_review_queue__reviewer_completes_a_held_audit_with_the_button(
        data: Store, people: dict[str, User]) -> None:  # noqa: F811
    rex = accounts.create_user(data, "rex", "reviewer", "secret-pass", regions=("Москва",))
    audit_id = held_audit(data, people["shopper"])
    at = app_as(data, rex).run()  # a reviewer's home is the review queue
    assert not at.exception
    assert "submitted, photos arriving (1)" in texts(at)
    at.button(key=f"release.{audit_id}").click().run()
    assert not at.exception
    header = data.get_header(audit_id)
    assert header is not None and (header.status, header.arriving) == ("submitted", ())
    assert [e["by"] for e in header.events if e["type"] == "photos_released"] == ["rex"]
    assert "photos arriving" not in texts(at)  # now in the queue to review, like any other


def test_home__branch_manager_sees_no_held_audit_and_no_button(
        data: Store, people: dict[str, User]) -> None:  # noqa: F811
    audit_id = held_audit(data, people["shopper"])
    at = app_as(data, people["manager"]).run()
    assert not at.exception
    assert "photos arriving" not in texts(at)
    assert not [b for b in at.button if b.key == f"release.{audit_id}"]
    hq = app_as(data, people["hq"]).run()  # HQ's home lists it with the button
    assert [b for b in hq.button if b.key == f"release.{audit_id}"]


def test_held_audit_page__hq_releases_it_there_the_shopper_sees_no_button(
        data: Store, people: dict[str, User]) -> None:  # noqa: F811
    audit_id = held_audit(data, people["shopper"])
    shopper = open_audit(app_as(data, people["shopper"]).run(), audit_id)
    assert not shopper.exception
    assert not [b for b in shopper.button if b.key == f"release.{audit_id}"]
    hq = open_audit(app_as(data, people["hq"]).run(), audit_id)
    assert not hq.exception
    hq.button(key=f"release.{audit_id}").click().run()
    assert not hq.exception
    header = data.get_header(audit_id)
    assert header is not None and (header.status, header.arriving) == ("submitted", ())
    assert [e["by"] for e in header.events if e["type"] == "photos_released"] == [people["hq"].name]
