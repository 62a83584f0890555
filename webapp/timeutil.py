"""UTC in the database, Europe/Paris on the screen."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc


def local(dt: datetime) -> datetime:
    return dt.astimezone(PARIS)


def local_midnight(day: date) -> datetime:
    """The start of a Paris calendar day, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=PARIS)


def day_bounds_utc(day: date, days: int = 1) -> tuple[datetime, datetime]:
    return local_midnight(day).astimezone(UTC), local_midnight(day + timedelta(days=days)).astimezone(UTC)


def today_local() -> date:
    return datetime.now(PARIS).date()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_day(value: str | None, default: date | None = None) -> date:
    try:
        return date.fromisoformat(value) if value else (default or today_local())
    except ValueError:
        return default or today_local()


def parse_local_datetime(value: str) -> datetime:
    """``2026-11-24T09:00`` (an <input type=datetime-local>) as Paris time, or an ISO
    datetime with its offset; returned in UTC. Raises ValueError."""
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=PARIS)
    return dt.astimezone(UTC)


def input_value(dt: datetime | None) -> str:
    """The value of an <input type=datetime-local> for an aware datetime."""
    return local(dt).strftime("%Y-%m-%dT%H:%M") if dt else ""


def format_duration(minutes: int) -> str:
    h, m = divmod(int(minutes), 60)
    if h and m:
        return f"{h} h {m:02d}"
    return f"{h} h" if h else f"{m} min"
