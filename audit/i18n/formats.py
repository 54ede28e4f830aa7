"""Numbers, dates, times and units as the reader's language writes them (Babel): every surface asks here.

A moment (something happened: a visit, a submit, a photo taken) is an aware time stored in
UTC and shown in the location's zone with the zone's offset beside it: "7 дек. 2026, 13:30
UTC+03:00". A day (a due date, a visit's date) is "7 дек. 2026". Numbers take the reader's
decimal comma or point ("56,5 сек", "3,3 км", "75 %", "−1,9"). Machine-readable exports keep
ISO times and decimal points; nothing a person reads on a screen, in a PDF or an e-mail does.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone_location
from babel.numbers import format_decimal, format_percent

from audit.core.zones import BadZone, capture_moment, zone


class Fmt:
    """Numbers, percentages, dates and times in one language and one time zone, by Babel.

    "52,7 %" and "14 мар. 2025, 12:30 UTC" in Russian, "52.7%" and "14 Mar 2025, 12:30 UTC"
    in English. Times are shown in `tz` and labelled with its offset; a stored time without an
    offset is UTC (as stored), except a photo's capture time (`captured`), which is the
    camera's wall clock where the photo was taken.
    """

    def __init__(self, lang: str, tz: str = "UTC") -> None:
        self.lang = "ru" if lang == "ru" else "en"
        self.locale = Locale.parse(self.lang)
        tz = tz or "UTC"
        try:
            self.zone: tzinfo = zone(tz) if tz != "UTC" else UTC
        except BadZone as err:
            raise ValueError(f"unknown time zone {tz!r}; use an IANA name such as Europe/Moscow, "
                             "or UTC") from err
        self.tz = tz
        pattern = self.locale.percent_formats[None].pattern  # "#,##0 %" in ru, "#,##0%" in en
        self._percent = pattern.replace("#,##0", "#,##0.#", 1)
        # a report writes the same few numbers hundreds of times ("1 / 1"): format each once
        self._nums: dict[float, str] = {}
        self._pcts: dict[float, str] = {}

    # --- numbers --------------------------------------------------------------------------

    def num(self, x: float) -> str:
        """Points, weights, measured values: up to two decimals, as the reader writes them."""
        r = round(float(x), 2)
        found = self._nums.get(r)
        if found is None:
            found = self._nums[r] = str(format_decimal(r, "#,##0.##", locale=self.locale))
        return found

    def num1(self, x: float) -> str:
        """One decimal at most: "6,3", "6.3", "7"."""
        return str(format_decimal(round(float(x), 1), "#,##0.#", locale=self.locale))

    def whole(self, x: float) -> str:
        """A count or a rounded value: "1 738" in Russian, "1,738" in English."""
        return str(format_decimal(round(float(x)), "#,##0", locale=self.locale))

    def pct(self, x: float | None) -> str:
        """A score of 100, to one decimal: "52,7 %", "52.7%"."""
        if x is None:
            return "—"
        r = round(x, 1)
        found = self._pcts.get(r)
        if found is None:
            found = self._pcts[r] = str(format_percent(r / 100, self._percent, locale=self.locale))
        return found

    def pct0(self, x: float | None) -> str:
        """A percentage without decimals, for tight table cells and subjects: "75 %", "75%"."""
        pattern = self._percent.replace("#,##0.#", "#,##0")
        return "—" if x is None else str(format_percent(round(x) / 100, pattern, locale=self.locale))

    def signed(self, x: float | None, digits: int = 1) -> str:
        """+3,2, −1,5 or ±0: a change in percentage points; "—" where there is none."""
        if x is None:
            return "—"
        r = round(x, digits)
        sign = "+" if r > 0 else "−" if r < 0 else "±"
        pattern = "#,##0." + "#" * digits if digits else "#,##0"
        return sign + str(format_decimal(abs(r), pattern, locale=self.locale))

    def points(self, x: float) -> str:
        """"3.1 points" / "3,1 балла", with the plural the number needs."""
        r = round(x, 1)
        form = self.locale.plural_form(r if r != int(r) else int(r))
        words = _POINTS_RU if self.lang == "ru" else _POINTS_EN
        return f"{self.num(r)} {words.get(form, words['other'])}"

    def quantity(self, x: float, unit: str = "") -> str:
        """A measured value with the checklist's unit: "56,5 сек"."""
        return f"{self.num(x)} {unit}".strip()

    def distance(self, metres: float) -> str:
        """40 м, 950 м, 3,3 км, 120 км (m and km in English)."""
        m_unit, km_unit = ("м", "км") if self.lang == "ru" else ("m", "km")
        if metres < 1000:
            return f"{self.whole(metres)} {m_unit}"
        km = metres / 1000
        return f"{self.num1(km) if km < 100 else self.whole(km)} {km_unit}"

    # --- moments and days -----------------------------------------------------------------

    def _local(self, iso: str | None) -> datetime | None:
        if not iso:
            return None
        try:
            dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        except (TypeError, ValueError):
            return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(self.zone)

    def zone_label(self, dt: datetime) -> str:
        """"UTC+03:00" (the offset at that moment, so a DST change shows), "UTC" without a zone."""
        if self.tz == "UTC":
            return "UTC"
        offset = dt.utcoffset() or timedelta(0)
        sign = "+" if offset >= timedelta(0) else "−"
        minutes = abs(int(offset.total_seconds())) // 60
        return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"

    def zone_name(self) -> str:
        """The zone as the reader names it: "Москва", "New York"; "UTC" without a zone."""
        if self.tz == "UTC":
            return "UTC"
        return str(get_timezone_location(self.tz, locale=self.locale, return_city=True))

    def _moment(self, dt: datetime | None, fallback: str) -> str:
        if dt is None:
            return fallback or "—"
        return f"{format_datetime(dt, 'd MMM y, HH:mm', locale=self.locale)} {self.zone_label(dt)}"

    def when(self, iso: str | None) -> str:
        """A stored moment in the zone, labelled: 14 мар. 2025, 12:30 UTC+03:00."""
        return self._moment(self._local(iso), iso or "")

    def captured(self, iso: str | None) -> str:
        """A photo's capture time: with its offset where the file had one, else the wall clock
        of the place (the location's zone), never taken for UTC."""
        if not iso:
            return "—"
        try:
            moment = capture_moment(iso, self.tz if self.tz != "UTC" else "")
        except ValueError:
            return iso
        return self._moment(moment.astimezone(self.zone), iso)

    def time(self, iso: str | None) -> str:
        """The clock time of a moment in the zone, labelled: 13:30 UTC+03:00."""
        dt = self._local(iso)
        return iso or "—" if dt is None else f"{dt:%H:%M} {self.zone_label(dt)}"

    def day(self, value: str | date | None) -> str:
        """The date alone: a stored moment's date in the zone, or a day as it is: 14 мар. 2025."""
        if value is None or value == "":
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).isoformat() if value.tzinfo else value.date().isoformat()
        if isinstance(value, date):
            return str(format_date(value, "d MMM y", locale=self.locale))
        dt = self._local(value) if len(value) > 10 else None
        if dt is None:
            try:
                return str(format_date(date.fromisoformat(value[:10]), "d MMM y", locale=self.locale))
            except ValueError:
                return value
        return str(format_date(dt.date(), "d MMM y", locale=self.locale))

    def month(self, ym: str) -> str:
        """"2025-03" → "март 2025" / "March 2025"."""
        try:
            first = date(int(ym[:4]), int(ym[5:7]), 1)
        except ValueError:
            return ym
        return str(format_date(first, "LLLL y", locale=self.locale))

    def month_short(self, ym: str) -> str:
        """"2025-03" → "мар 25" / "Mar 25", for chart axes."""
        try:
            first = date(int(ym[:4]), int(ym[5:7]), 1)
        except ValueError:
            return ym
        return str(format_date(first, "LLL yy", locale=self.locale)).replace(".", "")

    def clock(self, iso: str) -> str:
        dt = self._local(iso)
        return iso if dt is None else dt.strftime("%H:%M:%S")


_POINTS_EN = {"one": "point", "other": "points"}
_POINTS_RU = {"one": "балл", "few": "балла", "many": "баллов", "other": "балла"}


@functools.lru_cache(maxsize=256)
def fmt(lang: str, tz: str = "") -> Fmt:
    """The formatter for a reader's language and a location's zone ("" or a zone the database
    lacks: UTC, labelled so — a stale zone name never stops a page)."""
    try:
        return Fmt(lang, tz or "UTC")
    except ValueError:
        return Fmt(lang, "UTC")


def moment(iso: str | None, lang: str, tz: str = "") -> str:
    """A stored moment for a reader: 7 дек. 2026, 13:30 UTC+03:00."""
    return fmt(lang, tz).when(iso)


def day(value: str | date | None, lang: str, tz: str = "") -> str:
    """A day for a reader: 21 дек. 2026."""
    return fmt(lang, tz).day(value)


def number(x: Any, lang: str) -> str:
    return fmt(lang).num(float(x))


def percent(x: float | None, lang: str) -> str:
    """A whole percentage: 75 %, 75%."""
    return fmt(lang).pct0(x)


@functools.lru_cache(maxsize=4)
def vega_locale(lang: str) -> dict[str, Any]:
    """The reader's number and date conventions for a chart (Vega's `config.locale`; its own
    default is English): a decimal comma and Russian month names on a Russian screen."""
    loc = fmt(lang).locale
    symbols = loc.number_symbols["latn"]
    days = loc.days["stand-alone"]
    months = loc.months["stand-alone"]
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Babel counts from Monday, d3 from Sunday
    return {
        "number": {"decimal": symbols["decimal"], "thousands": symbols["group"], "grouping": [3],
                   "currency": ["", ""], "minus": "−", "percent": "\u00a0%" if lang == "ru" else "%"},
        "time": {"dateTime": "%x, %X", "date": "%d.%m.%Y" if lang == "ru" else "%m/%d/%Y",
                 "time": "%H:%M:%S", "periods": ["AM", "PM"],
                 "days": [str(days["wide"][d]) for d in sunday_first],
                 "shortDays": [str(days["abbreviated"][d]) for d in sunday_first],
                 "months": [str(months["wide"][m]) for m in range(1, 13)],
                 "shortMonths": [str(months["abbreviated"][m]) for m in range(1, 13)]},
    }
