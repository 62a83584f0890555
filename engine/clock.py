"""The company's clock: its time zone, its "now" and its "today", and the conversions
between the instants we store (aware, UTC) and the wall-clock times people read and type.

One setting, ``FIELDFORMS_TZ`` (an IANA name, ``Europe/Paris`` by default), read once per
process. The web app reads it at creation (environment or instance config) and hands it
here with :func:`configure`; a process without the app (``fieldforms preview``, the
engine's own tests) takes the environment's on first use. It is a process-wide setting
rather than a parameter of every walk, decode and render because a deployment serves one
company: the zone cannot differ between two calls of one process, and threading it through
every public signature would only give each call a chance to pass a different one.

Nothing else reads ``FIELDFORMS_TZ`` or names a zone: the engine's codec (date-time
answers), the renderers (form inputs, displayed dates, the PDF) and the web app (agenda
days, the phone's pull, the calendar feed, the CLI) all ask this module.
"""

from __future__ import annotations

import os
import time as _time
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The setting's name, in the environment and in the web app's config.
SETTING = "FIELDFORMS_TZ"
#: The zone of a company that set none.
DEFAULT_ZONE = "Europe/Paris"
UTC = timezone.utc

#: The company's calendar: the days a date typed or sent may name. Far enough from the
#: ends of Python's calendar (years 1 and 9999) that a day's bounds in any zone, a week or a
#: month from it are still days; an agenda needs no more.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

_zone: ZoneInfo | None = None


class UnknownTimeZone(ValueError):
    """``FIELDFORMS_TZ`` names no time zone: said at start-up, not in the middle of a request."""


def zone_named(name: str) -> ZoneInfo:
    """The zone called ``name``, or :class:`UnknownTimeZone` saying which setting is wrong."""
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise UnknownTimeZone(f"{SETTING}={name!r} is not a known time zone: use an IANA name such as {DEFAULT_ZONE!r} or 'America/Montreal'") from exc


def setting_from_environment() -> str:
    """The zone the environment asks for, else the default (not validated: see :func:`zone_named`)."""
    return os.environ.get(SETTING) or DEFAULT_ZONE


def configure(name: str | ZoneInfo) -> ZoneInfo:
    """Make ``name`` the company's zone for this process (validated); returns it."""
    global _zone
    _zone = zone_named(name)
    return _zone


def company_tz() -> ZoneInfo:
    """The company's time zone."""
    return _zone if _zone is not None else configure(setting_from_environment())


def _system_now() -> datetime:
    return datetime.now(UTC)


#: Where "now" comes from: the system's clock, unless :func:`moved_to` says otherwise.
_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """This instant on the company's wall clock (aware)."""
    return _source().astimezone(company_tz())


@contextmanager
def moved_to(start: datetime) -> Iterator[None]:
    """Run the company's clock from ``start`` (aware) at the system clock's pace until the
    block ends. Browser tests start the app in their own process: with this and Playwright's
    clock set to the same instant, the server and the phone live the same day whatever the
    day the tests run on (libfaketime does the same from outside for a whole process)."""
    global _source
    if start.tzinfo is None:
        raise ValueError("the clock moves to an aware instant")
    origin, previous = _time.monotonic(), _source
    _source = lambda: start + timedelta(seconds=_time.monotonic() - origin)  # noqa: E731
    try:
        yield
    finally:
        _source = previous


def today() -> date:
    """The company's today: the day it is in the company's zone, whatever the server's zone."""
    return now().date()


def local(at: datetime) -> datetime:
    """An instant on the company's wall clock; a naive datetime is taken as UTC (how the
    database gives them back)."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(company_tz())


def local_midnight(day: date) -> datetime:
    """The start of a company calendar day, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=company_tz())


def day_bounds_utc(day: date, days: int = 1) -> tuple[datetime, datetime]:
    """The UTC instants where ``days`` company days from ``day`` begin and end (23 or 25
    hours long on the nights the clocks change)."""
    return local_midnight(day).astimezone(UTC), local_midnight(day + timedelta(days=days)).astimezone(UTC)


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end`` (an intervention's planned duration)."""
    return int((end - start).total_seconds() // 60)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def add_months(day: date, months: int) -> date:
    """``day`` ``months`` later (or earlier), on the same day of the month or the month's
    last when it is shorter: a yearly visit of 29 February falls on 28 February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return add_months(day.replace(day=1), 1) - timedelta(days=1)


def in_calendar(day: date) -> bool:
    """Whether ``day`` is in the company's calendar (:data:`FIRST_DAY` to :data:`LAST_DAY`)."""
    return FIRST_DAY <= day <= LAST_DAY


def parse_day(value: str | None, default: date | None = None) -> date:
    """``2026-11-30`` from a query string; ``default`` (else today) when absent, invalid or
    out of the company's calendar."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        day = None
    return day if day is not None and in_calendar(day) else (default or today())


def parse_local_datetime(value: str) -> datetime:
    """``2026-11-24T09:00`` (an ``<input type=datetime-local>``) as company time, or an ISO
    datetime with its offset; returned in UTC. Raises ValueError, also for an instant out
    of the company's calendar (an offset that would carry it past year 9999 included)."""
    at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=company_tz())
    try:
        at = at.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value!r} is out of the calendar") from None
    if not in_calendar(at.date()):
        raise ValueError(f"{value!r} is out of the calendar")
    return at


def input_value(at: datetime | None) -> str:
    """The value of an ``<input type=datetime-local>`` showing an instant."""
    return local(at).strftime("%Y-%m-%dT%H:%M") if at else ""
