"""Times shown in a location's zone, labelled; zones by name and by coordinates."""

from __future__ import annotations

import pytest

from audit.core.zones import BadZone, check_zone, format_day, format_time, zone_at
from audit.i18n import error_text


@pytest.mark.parametrize(("iso", "zone", "shown"), [
    ("2026-03-28T09:30:00+00:00", "Europe/Berlin", "2026-03-28 10:30 Europe/Berlin"),  # CET
    ("2026-03-29T09:30:00+00:00", "Europe/Berlin", "2026-03-29 11:30 Europe/Berlin"),  # CEST
    ("2026-03-29T09:30:00+00:00", "Europe/Moscow", "2026-03-29 12:30 Europe/Moscow"),
    ("2026-11-01T05:30:00+00:00", "America/New_York", "2026-11-01 01:30 America/New_York"),
    ("2026-11-01T06:30:00+00:00", "America/New_York", "2026-11-01 01:30 America/New_York"),
    ("2026-03-29T09:30:00", "", "2026-03-29 09:30 UTC"),  # no offset: stored as UTC
    ("", "Europe/Moscow", "—"),
])
def test_format_time__in_the_zone_and_labelled(iso: str, zone: str, shown: str) -> None:
    assert format_time(iso, zone) == shown


def test_format_day__the_local_date_not_the_utc_one() -> None:
    assert format_day("2026-03-28T22:30:00+00:00", "Europe/Moscow") == "2026-03-29"
    assert format_day("2026-03-28T22:30:00+00:00", "America/New_York") == "2026-03-28"


def test_check_zone__unknown_name_says_how_to_fix() -> None:
    assert check_zone(" Asia/Yekaterinburg ") == "Asia/Yekaterinburg"
    with pytest.raises(BadZone) as err:
        check_zone("Moscow/Arbat")
    assert "Europe/Moscow" in error_text(err.value, "en")
    assert "часовой пояс" in error_text(err.value, "ru")


@pytest.mark.parametrize(("lat", "lon", "zone"), [
    (55.7520, 37.6175, "Europe/Moscow"), (56.8380, 60.5975, "Asia/Yekaterinburg"),
    (52.5200, 13.4050, "Europe/Berlin"), (40.7128, -74.0060, "America/New_York"),
])
def test_zone_at__picks_the_zone_of_a_point(lat: float, lon: float, zone: str) -> None:
    assert zone_at(lat, lon) == zone


def test_export__visit_times_in_the_locations_zone_with_the_zone_named() -> None:
    from audit.model import Location, SummaryRow
    from audit.reports.export import audits_table

    row = SummaryRow(audit_id="a1", location_id="m", region="R", template_id="t",
                     template_version=1, mode="mystery", auditor="sam", status="submitted",
                     started_at="2026-03-05T21:00:00+00:00", visit_at="2026-03-05T21:30:00+00:00",
                     submitted_at="2026-03-05T22:10:00+00:00")
    df = audits_table([row], {"m": Location("m", "Арбат", "R", tz="Europe/Moscow")})
    rec = df.to_dict("records")[0]
    assert (rec["visit_date"], rec["visit_time"], rec["time_zone"], rec["submitted_at"]) == (
        "2026-03-06", "00:30", "Europe/Moscow", "2026-03-06 01:10")
