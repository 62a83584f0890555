"""engine.clock: one company zone, checked; days and their bounds on the company's clock."""

from __future__ import annotations

import datetime as dt

import pytest

from engine import clock

UTC = dt.timezone.utc


@pytest.fixture
def zone():
    """Set the company's zone for one test, and put the previous one back."""
    before = clock.company_tz()
    yield clock.configure
    clock.configure(before)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "Europe/"])
def test_an_unknown_zone_says_which_setting_is_wrong(name, zone):
    with pytest.raises(clock.UnknownTimeZone, match="FIELDFORMS_TZ"):
        zone(name)


def test_the_environment_is_the_default_of_a_process_without_the_app(monkeypatch):
    monkeypatch.setenv("FIELDFORMS_TZ", "America/Montreal")
    assert clock.setting_from_environment() == "America/Montreal"
    monkeypatch.delenv("FIELDFORMS_TZ")
    assert clock.setting_from_environment() == clock.DEFAULT_ZONE == "Europe/Paris"


def test_today_is_the_companys_day_not_the_servers(zone, monkeypatch):
    zone("America/Montreal")
    # 03:30 UTC on 11 March 2026 is still 10 March (23:30 EDT) in Montreal
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 3, 11, 3, 30, tzinfo=UTC).astimezone(clock.company_tz()))
    assert clock.today() == dt.date(2026, 3, 10)


def test_day_bounds_follow_the_clock_changes(zone):
    zone("Europe/Paris")
    start, end = clock.day_bounds_utc(dt.date(2026, 10, 25))  # the clocks go back: 25 hours
    assert start == dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC) and end - start == dt.timedelta(hours=25)
    zone("America/Montreal")
    start, end = clock.day_bounds_utc(dt.date(2026, 3, 8))  # the clocks go forward: 23 hours
    assert start == dt.datetime(2026, 3, 8, 5, 0, tzinfo=UTC) and end - start == dt.timedelta(hours=23)


def test_wall_clock_inputs_round_trip(zone):
    zone("America/Montreal")
    at = clock.parse_local_datetime("2026-03-10T10:00")
    assert at == dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    assert clock.input_value(at) == "2026-03-10T10:00"
    assert clock.parse_local_datetime("2026-03-10T10:00+01:00") == dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert clock.local(dt.datetime(2026, 3, 10, 14, 0)).hour == 10  # naive from the database: UTC


def test_minutes_between_and_monday():
    a = dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert clock.minutes_between(a, a + dt.timedelta(minutes=65, seconds=59)) == 65
    assert clock.monday_of(dt.date(2026, 12, 6)) == dt.date(2026, 11, 30)


def test_the_clock_moves_to_an_instant_and_runs_on_from_there():
    """What browser tests use to live a given day: now starts at the instant given, moves at
    the system's pace, and is the system's again after the block."""
    from datetime import date, datetime, timedelta, timezone

    start = datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)  # 02:30 in Paris, before the clocks go back
    with clock.moved_to(start):
        first = clock.now()
        second = clock.now()
        assert start <= first <= second < start + timedelta(seconds=5)
        assert clock.today() == date(2026, 10, 25)
    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=5)
    with pytest.raises(ValueError):
        with clock.moved_to(datetime(2026, 1, 1)):
            pass


def test_add_months_keeps_the_day_or_takes_the_months_last():
    from datetime import date

    assert clock.add_months(date(2026, 11, 30), 12) == date(2027, 11, 30)
    assert clock.add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert clock.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert clock.add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert clock.add_months(date(2027, 1, 15), -1) == date(2026, 12, 15)
    assert clock.add_months(date(2026, 3, 31), 24) == date(2028, 3, 31)
    assert clock.month_end(date(2028, 2, 3)) == date(2028, 2, 29) and clock.month_end(date(2026, 12, 1)) == date(2026, 12, 31)
