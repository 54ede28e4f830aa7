"""Visit plans: windows, recurring rules and time zones as tables; the store's visits on both
backends; starting a visit and every bad input with its message and nothing lost."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from audit import workflow
from audit.audits import capture as audits
from audit.core import zones
from audit.core.errors import StoreError
from audit.i18n import error_text
from audit.model import Location, User
from audit.model.visits import Plan, Visit, VisitFilter
from audit.store import Store
from audit.visits import plans as visits
from audit.visits import service as visit_service
from audit.visits.plans import PlanError, VisitError
from audit.visits.proof import BadPosition, check_position
from tests.conftest import answer_mini, photograph

MSK = "Europe/Moscow"
BERLIN = "Europe/Berlin"
NY = "America/New_York"

LOCS = {
    "a": Location("a", "Арбат", "Москва", tz=MSK, lat=55.7520, lon=37.5930),
    "b": Location("b", "Тверская", "Москва", tz=MSK),
    "c": Location("c", "Kreuzberg", "Berlin", tz=BERLIN),
    "off": Location("off", "Closed", "Москва", tz=MSK, active=False),
    "ny": Location("ny", "Soho", "NY", tz=NY),
}
PEOPLE = {
    "sam": User("sam", "shopper", locations=("a",)),
    "sue": User("sue", "shopper", locations=("a", "b")),
    "gone": User("gone", "shopper", disabled=True),
    "mia": User("mia", "manager", locations=("a",)),
}


def plan(**kw: object) -> Plan:
    base: dict[str, object] = {"id": "p1", "template_id": "mini", "first": date(2026, 3, 1),
                               "last": date(2026, 3, 31)}
    return Plan(**(base | kw))  # type: ignore[arg-type]


# --- expansion tables -------------------------------------------------------------------------


@pytest.mark.parametrize(("kw", "count", "windows"), [
    # one window for one location
    ({"location_ids": ("a",), "first": date(2026, 3, 2), "last": date(2026, 3, 8)}, 1,
     [("2026-03-02", "2026-03-08")]),
    # every location of a region (the disabled one left out), twice a month
    ({"region": "Москва", "per_month": 2}, 4,
     [("2026-03-01", "2026-03-15"), ("2026-03-16", "2026-03-31")]),
    # three months, once a month
    ({"location_ids": ("c",), "per_month": 1, "last": date(2026, 5, 31)}, 3,
     [("2026-03-01", "2026-03-31"), ("2026-04-01", "2026-04-30"), ("2026-05-01", "2026-05-31")]),
    # February in four runs of days
    ({"location_ids": ("a",), "per_month": 4, "first": date(2026, 2, 1),
      "last": date(2026, 2, 28)}, 4,
     [("2026-02-01", "2026-02-07"), ("2026-02-08", "2026-02-14"), ("2026-02-15", "2026-02-21"),
      ("2026-02-22", "2026-02-28")]),
    # a plan starting mid-month keeps its first day
    ({"location_ids": ("a",), "per_month": 2, "first": date(2026, 3, 10)}, 2,
     [("2026-03-10", "2026-03-15"), ("2026-03-16", "2026-03-31")]),
])
def test_expand__windows(kw: dict[str, object], count: int,
                         windows: list[tuple[str, str]]) -> None:
    got = visits.expand(plan(**kw), LOCS, PEOPLE)
    assert len(got) == count
    assert sorted({(v.first, v.last) for v in got}) == windows
    assert len({v.id for v in got}) == count
    assert all(v.month == v.first[:7] for v in got)


@pytest.mark.parametrize(("loc", "day", "frm", "to", "opens", "closes"), [
    # Moscow has no DST: 10:00–14:00 MSK is 07:00–11:00 UTC all year
    ("a", date(2026, 3, 28), "10:00", "14:00", "2026-03-28T07:00:00+00:00",
     "2026-03-28T10:59:59+00:00"),
    # Berlin the Saturday before the change (CET, +01:00) and the Sunday of it (CEST, +02:00)
    ("c", date(2026, 3, 28), "10:00", "14:00", "2026-03-28T09:00:00+00:00",
     "2026-03-28T12:59:59+00:00"),
    ("c", date(2026, 3, 29), "10:00", "14:00", "2026-03-29T08:00:00+00:00",
     "2026-03-29T11:59:59+00:00"),
    # New York's autumn change: 1 November 2026 is EST again (-05:00)
    ("ny", date(2026, 10, 31), "09:00", "12:00", "2026-10-31T13:00:00+00:00",
     "2026-10-31T15:59:59+00:00"),
    ("ny", date(2026, 11, 1), "09:00", "12:00", "2026-11-01T14:00:00+00:00",
     "2026-11-01T16:59:59+00:00"),
    # a whole day across the change in Berlin is 23 hours long
    ("c", date(2026, 3, 29), "", "", "2026-03-28T23:00:00+00:00", "2026-03-29T21:59:59+00:00"),
])
def test_window__local_hours_across_dst(loc: str, day: date, frm: str, to: str, opens: str,
                                        closes: str) -> None:
    got = visits.expand(plan(location_ids=(loc,), first=day, last=day, time_from=frm, time_to=to),
                        LOCS, PEOPLE)
    assert (got[0].opens_at, got[0].closes_at) == (opens, closes)


@pytest.mark.parametrize(("weekdays", "first", "last", "opens_day", "closes_day"), [
    (("sat",), date(2026, 3, 1), date(2026, 3, 31), "2026-03-07", "2026-03-28"),
    (("mon", "fri"), date(2026, 3, 3), date(2026, 3, 13), "2026-03-06", "2026-03-13"),
    ((), date(2026, 3, 3), date(2026, 3, 3), "2026-03-03", "2026-03-03"),
])
def test_window__weekdays_pick_the_first_and_last_allowed_day(
        weekdays: tuple[str, ...], first: date, last: date, opens_day: str, closes_day: str) -> None:
    v = visits.expand(plan(location_ids=("c",), first=first, last=last, weekdays=weekdays,
                           time_from="10:00", time_to="14:00"), LOCS, PEOPLE)[0]
    assert zones.format_day(v.opens_at, v.tz) == opens_day
    assert zones.format_day(v.closes_at, v.tz) == closes_day


@pytest.mark.parametrize(("at", "inside"), [
    ("2026-03-28T09:30:00+00:00", True),  # Sat 10:30 CET
    ("2026-03-28T08:59:00+00:00", False),  # Sat 09:59 CET: too early
    ("2026-03-28T13:00:00+00:00", False),  # Sat 14:00 CET: the window has closed
    ("2026-03-27T10:00:00+00:00", False),  # a Friday
    ("2026-03-29T08:30:00+00:00", True),  # Sun 10:30 CEST, the day the clocks changed
    ("2026-04-04T09:00:00+00:00", False),  # after the window's last day
])
def test_in_window__weekday_and_hours_in_the_location_zone(at: str, inside: bool) -> None:
    v = visits.expand(plan(location_ids=("c",), first=date(2026, 3, 27), last=date(2026, 3, 31),
                           weekdays=("sat", "sun"), time_from="10:00", time_to="14:00"),
                      LOCS, PEOPLE)[0]
    assert visits.in_window(v, at) is inside


def test_expand__shoppers_taken_in_turn_and_shifted_per_location() -> None:
    got = visits.expand(plan(location_ids=("a", "b"), per_month=2, shoppers=("sam", "sue")),
                        LOCS, PEOPLE)
    by_loc = {(v.location_id, v.first): v.shopper for v in got}
    assert by_loc[("a", "2026-03-01")] == "sam" and by_loc[("a", "2026-03-16")] == "sue"
    assert by_loc[("b", "2026-03-01")] == "sue" and by_loc[("b", "2026-03-16")] == "sam"


def test_expand__no_shopper_leaves_visits_open_with_the_scenario() -> None:
    got = visits.expand(plan(location_ids=("a",), scenario_ru="Спросите про вклад",
                             scenario_en="Ask about deposits"), LOCS, PEOPLE)
    assert got[0].shopper == "" and got[0].scenario("ru") == "Спросите про вклад"
    assert got[0].scenario("en") == "Ask about deposits"


@pytest.mark.parametrize(("kw", "code", "en_words"), [
    ({"location_ids": ("a",), "first": date(2026, 3, 10), "last": date(2026, 3, 2)},
     "plan_window_backwards", "ends (2026-03-02) before it starts (2026-03-10)"),
    ({"location_ids": ("a",), "time_from": "14:00", "time_to": "10:00"}, "plan_time_backwards",
     "ends (10:00) before it starts (14:00)"),
    ({"location_ids": ("a",), "time_from": "25:99"}, "plan_bad_time", "25:99"),
    ({"location_ids": ("nowhere",)}, "plan_unknown_location", "nowhere"),
    ({"location_ids": ("off",)}, "plan_location_disabled", "Closed is disabled"),
    ({"region": "Атлантида"}, "plan_empty_region", "Атлантида"),
    ({}, "plan_no_locations", "at least one location"),
    ({"location_ids": ("a",), "shoppers": ("ghost",)}, "plan_unknown_shopper", "ghost"),
    ({"location_ids": ("a",), "shoppers": ("gone",)}, "plan_shopper_disabled", "gone"),
    ({"location_ids": ("a",), "shoppers": ("mia",)}, "plan_not_a_shopper", "mia"),
    ({"location_ids": ("a",), "per_month": 8, "weekdays": ("sat",)}, "plan_no_day",
     "No allowed weekday"),
    ({"location_ids": ("a",), "per_month": 99}, "plan_bad_count", "between 0 and 8"),
])
def test_expand__bad_plans_say_what_and_how(kw: dict[str, object], code: str,
                                             en_words: str) -> None:
    with pytest.raises(PlanError) as err:
        visits.expand(plan(**kw), LOCS, PEOPLE)
    assert err.value.code == code
    assert en_words in error_text(err.value, "en")
    ru = error_text(err.value, "ru")
    assert ru != error_text(err.value, "en") and any("а" <= ch <= "я" for ch in ru)


# --- what a visit means today -------------------------------------------------------------------


def one(**kw: object) -> Visit:
    v = visits.expand(plan(location_ids=("a",), first=date(2026, 3, 2), last=date(2026, 3, 8)),
                      LOCS, PEOPLE)[0]
    return dataclasses.replace(v, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("now", "kw", "expected"), [
    ("2026-03-01T12:00:00+00:00", {}, "upcoming"),
    ("2026-03-05T12:00:00+00:00", {}, "due"),
    ("2026-03-05T12:00:00+00:00", {"status": "started"}, "started"),
    ("2026-03-10T12:00:00+00:00", {}, "overdue"),
    ("2026-03-20T12:00:00+00:00", {}, "missed"),
    ("2026-03-20T12:00:00+00:00", {"status": "started"}, "missed"),
    ("2026-03-20T12:00:00+00:00", {"status": "done"}, "done"),
    ("2026-03-05T12:00:00+00:00", {"status": "cancelled"}, "cancelled"),
])
def test_state__by_time_and_status(now: str, kw: dict[str, object], expected: str) -> None:
    assert visits.state(one(**kw), now) == expected


def test_my_visits__groups_and_order() -> None:
    now = "2026-03-05T12:00:00+00:00"
    due = one(id="v2026-03-000000000001")
    late = one(id="v2026-03-000000000002", opens_at="2026-02-20T00:00:00+00:00",
               closes_at="2026-03-01T00:00:00+00:00")
    soon = one(id="v2026-03-000000000003", opens_at="2026-03-10T00:00:00+00:00",
               closes_at="2026-03-12T00:00:00+00:00")
    done = one(id="v2026-03-000000000004", status="done", done_at="2026-03-04T10:00:00+00:00")
    old_done = one(id="v2026-03-000000000005", status="done", done_at="2026-01-04T10:00:00+00:00")
    got = visits.my_visits([soon, done, late, due, old_done], now)
    assert [v.id for v in got.due] == [due.id]
    assert [v.id for v in got.overdue] == [late.id]
    assert [v.id for v in got.upcoming] == [soon.id]
    assert [v.id for v in got.done] == [done.id]


def test_coverage_and_shopper_stats__count_every_class() -> None:
    now = "2026-03-20T12:00:00+00:00"
    rows = [
        one(id="v2026-03-000000000001", shopper="sam", status="done", on_time=True,
            start_distance=40.0, grade=4),
        one(id="v2026-03-000000000002", shopper="sam", status="done", on_time=False, grade=2),
        one(id="v2026-03-000000000003", shopper="sue", status="done", on_time=True,
            submit_distance=3200.0),
        one(id="v2026-03-000000000004", shopper="sue"),  # missed
        one(id="v2026-03-000000000005", shopper="sue", closes_at="2026-03-18T00:00:00+00:00"),
        one(id="v2026-03-000000000006", opens_at="2026-03-25T00:00:00+00:00",
            closes_at="2026-03-30T00:00:00+00:00"),
        one(id="v2026-03-000000000007", status="cancelled"),
    ]
    cell = visits.coverage(rows, now)[("a", "2026-03")]
    assert (cell.planned, cell.done, cell.overdue, cell.missed, cell.doubtful) == (1, 3, 1, 1, 2)
    stats = {s.shopper: s for s in visits.shopper_stats(rows, now)}
    assert (stats["sam"].done, stats["sam"].on_time, stats["sam"].grade) == (2, 1, 3.0)
    assert stats["sam"].on_time_rate == 0.5
    assert (stats["sue"].planned, stats["sue"].missed, stats["sue"].overdue) == (3, 1, 1)
    assert [s.shopper for s in visits.late_shoppers(list(stats.values()))] == ["sue"]


# --- positions --------------------------------------------------------------------------------


@pytest.mark.parametrize(("lat", "lon", "acc", "field"), [
    (91, 37, 10, "lat"), (-90.5, 37, 10, "lat"), (55, 181, 10, "lon"), (55, -200, 10, "lon"),
    (55, 37, -1, "accuracy"), (55, 37, 1e9, "accuracy"), ("nan", 37, 10, "lat"),
    (55, None, 10, "lon"), (55, 37, float("inf"), "accuracy"),
])
def test_position__out_of_range_or_absurd_is_refused_by_name(lat: object, lon: object,
                                                            acc: object, field: str) -> None:
    with pytest.raises(BadPosition) as err:
        check_position(lat, lon, acc)
    assert err.value.params["field"] == field
    assert "nothing was saved" in error_text(err.value, "en")
    assert "ничего не сохранено" in error_text(err.value, "ru")


# --- the store's visits, both backends ----------------------------------------------------------


def _network(store: Store, network: dict[str, User]) -> dict[str, User]:
    store.put_location(dataclasses.replace(store.get_location("loc-a"),  # type: ignore[arg-type]
                                           tz=MSK, lat=55.7520, lon=37.5930))
    store.put_location(dataclasses.replace(store.get_location("loc-b"),  # type: ignore[arg-type]
                                           tz=MSK, lat=59.9343, lon=30.3351))
    return network


def test_store__plan_visits_list_by_month_shopper_and_open(store: Store,
                                                          network: dict[str, User]) -> None:
    people = _network(store, network)
    got = visit_service.plan_visits(store, people["hq"], plan(
        id="", location_ids=("loc-a", "loc-b"), per_month=2, last=date(2026, 4, 30),
        shoppers=("sam", "sue")), now="2026-02-20T10:00:00+00:00")
    assert len(got) == 8
    assert [p.id for p in store.list_plans()] == [got[0].plan_id]
    every = store.list_visits(VisitFilter())
    assert sorted(v.id for v in every) == sorted(v.id for v in got)
    march = store.list_visits(VisitFilter("2026-03", "2026-03"))
    assert {v.month for v in march} == {"2026-03"} and len(march) == 4
    sams = store.list_visits(VisitFilter(shopper="sam"))
    assert sams and {v.shopper for v in sams} == {"sam"}
    assert len(store.list_visits(VisitFilter(location_ids=("loc-b",)))) == 4
    assert store.list_visits(VisitFilter(open_only=True)) == []
    assert store.get_visit(got[0].id) == got[0]
    assert store.get_visit("v2026-03-ffffffffffff") is None


def test_store__update_visit_moves_it_between_shoppers(store: Store,
                                                      network: dict[str, User]) -> None:
    people = _network(store, network)
    v = visit_service.plan_visits(store, people["hq"], plan(id="", location_ids=("loc-a",)),
                           now="2026-02-20T10:00:00+00:00")[0]
    assert store.list_visits(VisitFilter(open_only=True)) == [v]
    taken = store.update_visit(v.id, lambda x: dataclasses.replace(x, shopper="sue"))
    assert store.list_visits(VisitFilter(shopper="sue")) == [taken]
    store.update_visit(v.id, lambda x: dataclasses.replace(x, shopper="sam"))
    assert store.list_visits(VisitFilter(shopper="sue")) == []
    assert [x.id for x in store.list_visits(VisitFilter(shopper="sam"))] == [v.id]
    assert store.list_visits(VisitFilter(open_only=True)) == []


def test_store__a_plan_with_a_bad_location_stores_nothing(store: Store,
                                                         network: dict[str, User]) -> None:
    people = _network(store, network)
    store.put_location(Location("loc-off", "Off", "Москва", tz=MSK, active=False))
    visit_service.plan_visits(store, people["hq"], plan(id="", location_ids=("loc-a",)))
    before = store.list_visits(VisitFilter())
    for kw in ({"location_ids": ("loc-a", "loc-off")}, {"location_ids": ("loc-zzz",)},
               {"location_ids": ("loc-a",), "shoppers": ("nobody",)},
               {"location_ids": ("loc-a",), "first": date(2026, 3, 9), "last": date(2026, 3, 1)}):
        with pytest.raises(PlanError):
            visit_service.plan_visits(store, people["hq"], plan(id="", **kw))
    assert store.list_visits(VisitFilter()) == before
    assert len(store.list_plans()) == 1


def test_store__the_same_plan_twice_is_refused(store: Store, network: dict[str, User]) -> None:
    people = _network(store, network)
    visit_service.plan_visits(store, people["hq"], plan(id="p-same", location_ids=("loc-a",)))
    with pytest.raises(StoreError):
        visit_service.plan_visits(store, people["hq"], plan(id="p-same", location_ids=("loc-a",)))
    assert len(store.list_visits(VisitFilter())) == 1


# --- starting a visit ---------------------------------------------------------------------------

NOW = "2026-03-05T08:00:00+00:00"  # inside the first week's window


def _planned(store: Store, people: dict[str, User], **kw: object) -> Visit:
    base: dict[str, object] = {"id": "", "location_ids": ("loc-a",), "first": date(2026, 3, 2),
                               "last": date(2026, 3, 8), "shoppers": ("sam",),
                               "scenario_en": "Ask about a deposit"}
    return visit_service.plan_visits(store, people["hq"], plan(**(base | kw)),
                              now="2026-02-20T10:00:00+00:00")[0]


def test_start_visit__fills_in_the_audit_and_records_the_position(store: Store,
                                                                  network: dict[str, User]) -> None:
    people = _network(store, network)
    v = _planned(store, people)
    here = check_position(55.7523, 37.5934, 15.0, NOW)
    header = visit_service.start_visit(store, people["shopper"], v.id, lang="ru", position=here, now=NOW)
    assert (header.location_id, header.template_id, header.mode, header.visit_id) == (
        "loc-a", "mini", "mystery", v.id)
    assert header.auditor == "sam" and header.visit_at == NOW
    got = store.get_visit(v.id)
    assert got is not None and got.status == "started" and got.audit_id == header.id
    assert got.on_time is True and got.start_distance is not None and got.start_distance < 60
    assert [e["type"] for e in store.get_header(header.id).events] == ["started", "position"]  # type: ignore[union-attr]


def test_start_visit__second_start_is_refused_with_the_audit_to_continue(
        store: Store, network: dict[str, User]) -> None:
    people = _network(store, network)
    v = _planned(store, people)
    header = visit_service.start_visit(store, people["shopper"], v.id, lang="en", now=NOW)
    audits.answer(store, people["shopper"], header.id, "entrance.dry", value=True)
    with pytest.raises(VisitError) as err:
        visit_service.start_visit(store, people["shopper"], v.id, lang="en", now=NOW)
    assert err.value.code == "visit_already_started" and err.value.params["audit_id"] == header.id
    assert "continue its audit" in error_text(err.value, "en")
    assert "продолжите" in error_text(err.value, "ru")
    kept = store.get_audit(header.id)
    assert kept is not None and kept.answers["entrance.dry"].value is True


def test_start_visit__someone_elses_visit_reads_as_none(store: Store,
                                                       network: dict[str, User]) -> None:
    people = _network(store, network)
    v = _planned(store, people, shoppers=("sue",))
    for who in (people["shopper"], people["manager"]):
        with pytest.raises(VisitError) as err:
            visit_service.start_visit(store, who, v.id, lang="en", now=NOW)
        assert err.value.code == "visit_not_found"
        assert "planned for another shopper" in error_text(err.value, "en")
    with pytest.raises(VisitError):
        visit_service.start_visit(store, people["shopper"], "v2026-03-0123456789ab", lang="en", now=NOW)
    assert store.get_visit(v.id) == v  # untouched


def test_start_visit__open_visit_is_taken_by_the_first_shopper_of_the_region(
        store: Store, network: dict[str, User]) -> None:
    people = _network(store, network)
    v = _planned(store, people, shoppers=())
    header = visit_service.start_visit(store, people["shopper2"], v.id, lang="en", now=NOW)
    assert store.get_visit(v.id).shopper == "sue"  # type: ignore[union-attr]
    with pytest.raises(VisitError):
        visit_service.start_visit(store, people["shopper"], v.id, lang="en", now=NOW)
    assert store.get_visit(v.id).audit_id == header.id  # type: ignore[union-attr]


def test_start_visit__disabled_location_or_account_is_refused(store: Store,
                                                             network: dict[str, User]) -> None:
    people = _network(store, network)
    v = _planned(store, people)
    loc = store.get_location("loc-a")
    store.put_location(dataclasses.replace(loc, active=False))  # type: ignore[arg-type]
    with pytest.raises(VisitError) as err:
        visit_service.start_visit(store, people["shopper"], v.id, lang="en", now=NOW)
    assert err.value.code == "visit_location_disabled"
    assert "Арбат is disabled" in error_text(err.value, "en")
    store.put_location(dataclasses.replace(loc, active=True))  # type: ignore[arg-type]
    with pytest.raises(VisitError) as err:
        visit_service.start_visit(store, dataclasses.replace(people["shopper"], disabled=True), v.id,
                           lang="en", now=NOW)
    assert err.value.code == "visit_account_disabled"
    assert store.get_visit(v.id) == v


def test_start_visit__late_start_is_flagged_and_missed_is_refused(store: Store,
                                                                  network: dict[str, User]) -> None:
    people = _network(store, network)
    v = _planned(store, people)
    header = visit_service.start_visit(store, people["shopper"], v.id, lang="en",
                                now="2026-03-10T09:00:00+00:00")
    assert store.get_visit(v.id).on_time is False  # type: ignore[union-attr]
    assert header.visit_id == v.id
    w = _planned(store, people, first=date(2026, 3, 9), last=date(2026, 3, 10))
    with pytest.raises(VisitError) as err:
        visit_service.start_visit(store, people["shopper"], w.id, lang="en",
                           now="2026-03-30T09:00:00+00:00")
    assert err.value.code == "visit_missed"


def test_submit__records_the_submit_position_and_closes_the_visit(store: Store,
                                                                   network: dict[str, User]) -> None:
    people = _network(store, network)
    v = _planned(store, people)
    sam = people["shopper"]
    header = visit_service.start_visit(store, sam, v.id, lang="en", now=NOW)
    answer_mini(store, sam, header.id)
    photograph(store, sam, header.id, "office.facade")
    far = check_position(55.78, 37.70, 30.0)
    workflow.submit(store, sam, header.id, position=far, now="2026-03-05T09:00:00+00:00")
    got = store.get_visit(v.id)
    assert got is not None and got.status == "done" and got.done_at == "2026-03-05T09:00:00+00:00"
    assert got.submit_distance is not None and 7000 < got.submit_distance < 8000
    cell = visits.coverage([got], "2026-03-06T00:00:00+00:00")[("loc-a", "2026-03")]
    assert (cell.done, cell.doubtful) == (1, 1)


def test_postgres__schema_2_database_gains_the_visit_tables(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A database an older app left at schema 2 is brought to 3, its audits untouched."""
    import psycopg

    from audit.store.postgres.backend import LATEST, PostgresStore
    from tests.conftest import make_store, populate

    pg = make_store("postgres", tmp_path, request)
    assert isinstance(pg, PostgresStore)
    people = populate(pg)
    audit_id = audits.start_audit(pg, people["shopper"], location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    with psycopg.connect(pg.url, autocommit=True) as conn:  # as the previous version left it
        conn.execute("DROP TABLE visits; DROP TABLE visit_plans; DROP TABLE actions; "
                     "DROP TABLE outbox; DROP TABLE outbox_state; "
                     "DELETE FROM schema_version WHERE version >= 3")
    again = PostgresStore(pg.url, photo_dir=tmp_path / "data")
    request.addfinalizer(again.close)
    assert again.migrated_from == 2 and again.schema_version() == LATEST
    assert again.get_header(audit_id) is not None
    _network(again, people)
    made = visit_service.plan_visits(again, people["hq"], plan(id="", location_ids=("loc-a",)))
    assert again.list_visits(VisitFilter()) == made
