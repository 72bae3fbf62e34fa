"""Partial dates: a source that gives only a year or a month must never gain a day."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

Clock = Callable[[], dt.datetime]  # an aware UTC "now"; read only in entry points

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# The years a date written in config may fall in. Far enough back for any policy a
# register cites and far enough ahead for any plan; a year such as 9999 would break
# every pack (the timeline cannot draw the year after it).
FIRST_YEAR, LAST_YEAR = 1900, 2100


def utc_now() -> dt.datetime:
    """The real clock, to the second: what entry points hand down as `now` or `clock`."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class FixedClock:
    """A clock stopped at one moment: for tests, and for rebuilding a past pack exactly."""

    moment: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.moment


def utc_stamp(moment: dt.datetime) -> str:
    """The one way the tools write a moment: 2026-11-22T07:00:00Z (UTC, to the second)."""
    if moment.tzinfo is None:
        raise ValueError("a timestamp needs a timezone-aware datetime")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: object) -> dt.datetime | None:
    """A stamp written by `utc_stamp` (or any ISO date-time; naive means UTC); None if it is not one."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# The one date window for dates read from feeds. No NHS policy item is older than the
# NHS; a date more than a couple of days ahead (time zones, an embargo lifting at
# midnight) is not a publication date. A date outside it is treated as no date at all,
# so an item dated 9999 or 1900 can never set a milestone's date or create one.
NHS_FOUNDED = dt.datetime(1948, 7, 5, tzinfo=dt.UTC)
FEED_LEAD = dt.timedelta(days=2)


def feed_date_ok(moment: dt.datetime, now: dt.datetime) -> bool:
    """Whether a date a feed gives is believable as a publication date (see NHS_FOUNDED)."""
    return NHS_FOUNDED <= moment <= now + FEED_LEAD


def utc_second(moment: dt.datetime) -> dt.datetime:
    """The moment in UTC, to the second: what a manifest or a document property records."""
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def stamp_day(text: str | None, never: str = "") -> str:
    """The day of a stamp as a reader writes it (22 November 2026); `never` if there is none.

    Text that is not a stamp comes back as it is, for the caller to print safely.
    """
    moment = parse_stamp(text)
    if moment is None:
        return text or never
    return day_month_year(moment)


UK = ZoneInfo("Europe/London")  # trusts, secretaries and governors read times in UK time


def moment_words(moment: dt.datetime) -> str:
    """A moment as a secretary reads it, in UK time: 28 November 2026 at 16:00."""
    local = moment.astimezone(UK)
    return f"{day_month_year(local)} at {local:%H:%M}"


def stamp_words(text: str | None, never: str = "") -> str:
    """A stored stamp as a secretary reads it (see moment_words); `never` if there is none."""
    moment = parse_stamp(text)
    return moment_words(moment) if moment else text or never


def day_month_year(day: dt.date) -> str:
    """How governors read a date: 7 January 2019."""
    return f"{day.day} {day:%B %Y}"


_ISO_DAY = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


def plain_dates(text: str) -> str:
    """Text with every ISO date (2018-02-09) written as a reader writes it (9 February 2018).

    Only full, real dates change: "2026-27" is a financial year and stays as it is.
    """

    def words(m: re.Match[str]) -> str:
        try:
            return day_month_year(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        except ValueError:
            return m.group(0)

    return _ISO_DAY.sub(words, text)


def weekday_date(day: dt.date) -> str:
    """A meeting's date: Thursday 10 December 2026."""
    return f"{day:%A} {day_month_year(day)}"


def check_year(year: int, value: object) -> None:
    """ValueError unless the year is one config may hold (FIRST_YEAR to LAST_YEAR)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{str(value)[:40]!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}")


class NotADate(ValueError):
    """The value is not written as a date at all (not: a date that does not exist, or is out of range)."""


@dataclass(frozen=True, order=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, value: object) -> PartialDate:
        """Accept what YAML hands us: 2018, "2018-11", a date, or "2018-11-14"."""
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            check_year(value.year, value)
            return cls(value.year, value.month, value.day)
        if isinstance(value, bool):
            raise NotADate(f"expected a date like 2018, 2018-11 or 2018-11-14, got {value!r}")
        if isinstance(value, int):
            value = str(value)
        if not isinstance(value, str):
            raise NotADate(f"expected a date like 2018, 2018-11 or 2018-11-14, got {value!r}")
        m = _PATTERN.match(value.strip())
        if not m:
            raise NotADate(f"expected a date like 2018, 2018-11 or 2018-11-14, got {value!r}")
        year = int(m.group(1))
        month, day = (int(g) if g else None for g in m.groups()[1:])
        try:
            dt.date(year, month or 1, day or 1)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a real date ({exc})") from None
        check_year(year, value)
        return cls(year, month, day)

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def __str__(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def human(self) -> str:
        """How a governor reads it: 14 November 2018, November 2018, 2018."""
        if self.day:
            return day_month_year(self.first_day())
        if self.month:
            return f"{dt.date(self.year, self.month, 1):%B %Y}"
        return str(self.year)

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        if self.day:
            return self.first_day()
        if self.month:
            nxt = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(self.year, 12, 31)

    def to_yaml(self) -> object:
        """The value that dumps as this date, unquoted, in the register's own style."""
        if self.day:
            return self.first_day()
        if self.month:
            return str(self)
        return self.year
