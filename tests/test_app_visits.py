"""The real app through AppTest: My visits, starting a visit, HQ's visits page, Admin's place
fields, the review queue and panel, the shopper seeing the reviewer's comments."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from audit import workflow
from audit.audits import capture as audits
from audit.core import clock
from audit.model import User
from audit.model.visits import Plan, VisitFilter
from audit.people import accounts
from audit.review import steps as review
from audit.store.folder.backend import TinyStore
from audit.ui.visits import cell_text
from audit.visits import plans as visits
from audit.visits import service as visit_service
from tests.conftest import answer_mini, photograph, populate
from tests.test_app import app_as, open_audit, texts, walk_element

PLAN_PAGE = "audit/ui/pages/plan.py"
REVIEW_PAGE = "audit/ui/pages/review.py"
ADMIN = "audit/ui/pages/admin.py"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    return TinyStore(tmp_path / "data")


@pytest.fixture
def people(data: TinyStore) -> dict[str, User]:
    return populate(data)


def heads(at: AppTest) -> list[str]:
    return [str(h.value) for h in at.header] + [str(h.value) for h in at.subheader]


def _place(store: TinyStore) -> None:
    for loc_id, lat, lon in (("loc-a", 55.7520, 37.5930), ("loc-b", 59.9343, 30.3351)):
        loc = store.get_location(loc_id)
        assert loc is not None
        store.put_location(dataclasses.replace(loc, lat=lat, lon=lon, tz="Europe/Moscow",
                                               hours={"mon": ["09:00", "21:00"]}))


def _plan_now(store: TinyStore, hq: User, shoppers: tuple[str, ...] = ("sam",),
              days: tuple[int, int] = (-2, 3), **kw: object) -> list[visits.Visit]:
    today = date.today()
    base: dict[str, object] = {
        "id": "", "template_id": "mini", "first": today + timedelta(days=days[0]),
        "last": today + timedelta(days=days[1]), "location_ids": ("loc-a",),
        "shoppers": shoppers, "scenario_en": "Ask about a deposit for a pensioner",
        "scenario_ru": "Спросите о вкладе для пенсионера"}
    return visit_service.plan_visits(store, hq, Plan(**(base | kw)))  # type: ignore[arg-type]


def test_my_visits__is_the_shoppers_home_with_scenario_address_and_hours(
        data: TinyStore, people: dict[str, User]) -> None:
    _place(data)
    due = _plan_now(data, people["hq"])[0]
    _plan_now(data, people["hq"], days=(10, 12))
    _plan_now(data, people["hq"], shoppers=("sue",))  # someone else's: never shown
    at = app_as(data, people["shopper"]).run()
    assert not at.exception
    shown = texts(at)
    assert {"My visits", "Due now · 1", "Upcoming · 1"} <= set(heads(at))
    assert "ул. Арбат, 1" in shown and "Mon 09:00–21:00" in shown
    assert "Ask about a deposit for a pensioner" in shown
    assert f"visit.start.{due.id}" in [b.key for b in at.button]
    assert len([b for b in at.button if b.key and b.key.startswith("visit.start.")]) == 2

    ru = app_as(data, people["shopper"], lang="ru").run()
    assert "Мои визиты" in heads(ru) and "Спросите о вкладе для пенсионера" in texts(ru)


def test_my_visits__start_opens_the_audit_filled_in_and_a_second_start_is_refused(
        data: TinyStore, people: dict[str, User]) -> None:
    _place(data)
    v = _plan_now(data, people["hq"])[0]
    at = app_as(data, people["shopper"]).run()
    at.button(key=f"visit.start.{v.id}").click().run()
    assert not at.exception
    assert "Starting the visit to Арбат" in texts(at)
    at.button(key="visit.go").click().run()
    assert not at.exception
    got = data.get_visit(v.id)
    assert got is not None and got.status == "started" and got.audit_id
    header = data.get_header(got.audit_id)
    assert header is not None and header.visit_id == v.id and header.location_id == "loc-a"
    assert "Арбат" in texts(at) and walk_element(at)["audit"] == got.audit_id  # the walk opened

    # a second tab still showing the Start button
    again = app_as(data, people["shopper"]).run()
    again.session_state["_starting"] = v.id
    again.run()
    again.button(key="visit.go").click().run()
    assert "already under way" in texts(again)
    assert "Continue the audit" in [p.label for p in again.get("page_link")]
    assert data.get_visit(v.id) == got


def test_my_visits__someone_elses_visit_reads_as_not_found(data: TinyStore,
                                                          people: dict[str, User]) -> None:
    _place(data)
    v = _plan_now(data, people["hq"], shoppers=("sue",))[0]
    at = app_as(data, people["shopper"], lang="ru").run()
    at.session_state["_starting"] = v.id  # a crafted request for another shopper's visit
    at.run()
    at.button(key="visit.go").click().run()
    assert "назначен другому покупателю" in texts(at)
    assert data.get_visit(v.id) == v


def test_hq_visits_page__plans_a_month_and_shows_coverage_and_shoppers(
        data: TinyStore, people: dict[str, User]) -> None:
    _place(data)
    at = app_as(data, people["hq"])
    at.switch_page(PLAN_PAGE).run()
    assert not at.exception
    at.segmented_control(key="plan.part").set_value("plan").run()
    at.selectbox(key="plan.region").set_value("Москва")
    at.number_input(key="plan.per_month").set_value(2)
    at.multiselect(key="plan.shoppers").select("sam")
    at.text_area(key="plan.scenario_en").input("Open a card")
    at.button(key="FormSubmitter:plan.form-Plan the visits").click().run()
    assert not at.exception
    assert "2 visits planned." in texts(at)
    made = data.list_visits(VisitFilter())
    assert len(made) == 2 and {v.shopper for v in made} == {"sam"}

    at.segmented_control(key="plan.part").set_value("coverage").run()
    assert not at.exception
    grid = at.dataframe[0].value
    month = date.today().strftime("%Y-%m")
    cell = visits.coverage(made, clock.now_iso())[("loc-a", month)]
    assert cell.total == 2
    assert list(grid["Location"]) == ["Арбат"] and list(grid[month]) == [cell_text(cell)]
    at.segmented_control(key="plan.part").set_value("shoppers").run()
    table = at.dataframe[0].value
    assert list(table["Shopper"]) == ["sam"] and list(table["Planned"]) == [2]


def test_hq_visits_page__a_window_that_ends_before_it_starts_is_refused(
        data: TinyStore, people: dict[str, User]) -> None:
    _place(data)
    at = app_as(data, people["hq"], lang="ru")
    at.switch_page(PLAN_PAGE).run()
    at.segmented_control(key="plan.part").set_value("plan").run()
    at.multiselect(key="plan.locations").select("loc-a")
    at.date_input(key="plan.first").set_value(date(2026, 5, 20))
    at.date_input(key="plan.last").set_value(date(2026, 5, 10))
    at.button(key="FormSubmitter:plan.form-Запланировать визиты").click().run()
    assert "заканчивается (2026-05-10) раньше, чем начинается (2026-05-20)" in texts(at)
    assert data.list_visits(VisitFilter()) == [] and data.list_plans() == []


def test_visits_page__not_for_shoppers_or_managers(data: TinyStore,
                                                  people: dict[str, User]) -> None:
    for who in ("shopper", "manager"):
        at = app_as(data, people[who])
        at.switch_page(PLAN_PAGE).run()
        assert not at.exception
        assert "plan.part" not in [s.key for s in at.get("button_group")]


def test_admin__location_coordinates_and_zone_saved_bad_ones_refused(
        data: TinyStore, people: dict[str, User]) -> None:
    at = app_as(data, people["hq"])
    at.switch_page(ADMIN).run()
    at.segmented_control(key="admin.part").set_value("locations").run()
    at.text_input(key="le.place.loc-a.lat").input("95.1")
    at.text_input(key="le.place.loc-a.lon").input("37.59")
    at.button(key="FormSubmitter:loc.edit.loc-a-Save").click().run()
    assert "nothing was saved" in texts(at) or "lat = 95.1" in texts(at)
    assert data.get_location("loc-a").lat is None  # type: ignore[union-attr]
    at.text_input(key="le.place.loc-a.lat").input("55,752")
    at.selectbox(key="le.place.loc-a.tz").set_value("Europe/Moscow")
    at.button(key="FormSubmitter:loc.edit.loc-a-Save").click().run()
    loc = data.get_location("loc-a")
    assert loc is not None and (loc.lat, loc.lon, loc.tz) == (55.752, 37.59, "Europe/Moscow")
    assert loc.address == "ул. Арбат, 1"  # what was there stays


def _in_review(store: TinyStore, who: dict[str, User]) -> str:
    sam = who["shopper"]
    audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(store, sam, audit_id)
    photograph(store, sam, audit_id, "office.facade")
    workflow.submit(store, sam, audit_id)
    return audit_id


@pytest.fixture
def rex(data: TinyStore, people: dict[str, User]) -> User:
    return accounts.create_user(data, "rex", "reviewer", "secret-pass", regions=("Москва",))


def test_review__queue_comment_send_back_then_shopper_sees_the_comment(
        data: TinyStore, people: dict[str, User], rex: User) -> None:
    _place(data)
    audit_id = _in_review(data, people)
    at = app_as(data, rex).run()  # a reviewer's home is the queue
    assert not at.exception
    assert "Review" in [p.label for p in at.get("page_link")]
    hq = app_as(data, people["hq"])
    hq.switch_page(REVIEW_PAGE).run()
    assert not hq.exception and "Review" in [p.label for p in hq.get("page_link")]
    at = open_audit(at, audit_id)
    assert not at.exception and "In review" in texts(at)
    at.selectbox(key="review.key").set_value("entrance.clean")
    at.text_area(key="review.text").input("The mat is dirty in your photo — score 2?")
    at.button(key="FormSubmitter:review.comment-Add the comment").click().run()
    assert not at.exception
    at.text_area(key="review.note").input("See the comment")
    at.button(key="review.send_back.go").click().run()
    assert not at.exception
    assert review.stage(data.get_header(audit_id)) == "sent_back"  # type: ignore[arg-type]

    shopper = open_audit(app_as(data, people["shopper"]), audit_id, "entrance")
    assert not shopper.exception
    assert "Sent back by the reviewer: See the comment" in texts(shopper)
    assert "The mat is dirty in your photo — score 2?" in texts(shopper)


def test_review__publish_grade_history_and_the_branch_sees_it(
        data: TinyStore, people: dict[str, User], rex: User) -> None:
    _place(data)
    audit_id = _in_review(data, people)
    at = open_audit(app_as(data, rex), audit_id)
    at.segmented_control(key="review.grade.value").set_value(5)
    at.button(key="FormSubmitter:review.grade-Save the grade").click().run()
    at.button(key="review.publish").click().run()
    assert not at.exception
    assert data.get_header(audit_id).published  # type: ignore[union-attr]
    history = texts(at)
    assert "Published to the branch" in history and "graded 5/5" in history
    assert "UTC+03:00" in history  # times in the location's zone, labelled
    assert "Proof of visit" not in history  # positions are HQ's only
    hq = open_audit(app_as(data, people["hq"]), audit_id)
    assert "Proof of visit (HQ only)" in texts(hq) and "no position given" in texts(hq)
    mia = open_audit(app_as(data, people["manager"]), audit_id)
    assert not mia.exception and "Published" in texts(mia)
    assert "sam" not in " ".join(str(m.value) for m in mia.markdown if "·" in str(m.value))


def test_audit_page__hq_sees_start_submit_and_photo_positions_as_distances(
        data: TinyStore, people: dict[str, User]) -> None:
    from audit.model import PhotoRef
    from audit.visits.proof import check_position, distance_m

    _place(data)
    v = _plan_now(data, people["hq"])[0]
    sam = people["shopper"]
    header = visit_service.start_visit(data, sam, v.id, lang="en",
                                position=check_position(55.7524, 37.5935, 10))
    answer_mini(data, sam, header.id)
    ref = PhotoRef(sha256="b" * 64, width=10, height=10, size=100, uploaded_at="",
                   gps=(55.7820, 37.5930))
    audits.attach_photo(data, sam, header.id, "office.facade", ref)
    workflow.submit(data, sam, header.id, position=check_position(55.7820, 37.5930, 25))
    at = open_audit(app_as(data, people["hq"]), header.id)
    assert not at.exception
    shown = texts(at)
    near = round(distance_m(55.7520, 37.5930, 55.7524, 37.5935))
    far = distance_m(55.7520, 37.5930, 55.7820, 37.5930) / 1000
    assert f"At start: **on site ({near} m)**" in shown
    assert f"At submit: **far ({far:.1f} km)**" in shown
    assert f"Photo bbbbbbbb: far ({far:.1f} km)" in shown
    manager_or_shopper = open_audit(app_as(data, sam), header.id)
    assert "Proof of visit" not in texts(manager_or_shopper)
    assert "km" not in texts(manager_or_shopper)
