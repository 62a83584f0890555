"""engine.display: how each kind of value reads, in French and English (the table in its
docstring), and that instants are read on the company's clock."""

from __future__ import annotations

import datetime as dt

import pytest

from engine import clock, display, load_definition, walk

UTC = dt.timezone.utc


@pytest.mark.parametrize("minutes, fr, en", [
    (0, "0 min", "0 min"),
    (5, "5 min", "5 min"),
    (59, "59 min", "59 min"),
    (60, "1 h", "1 h"),
    (61, "1 h 01", "1 h 01 min"),
    (65, "1 h 05", "1 h 05 min"),
    (90, "1 h 30", "1 h 30 min"),
    (600, "10 h", "10 h"),
    (605, "10 h 05", "10 h 05 min"),
    (89.6, "1 h 30", "1 h 30 min"),   # a float is rounded to the minute
    (-65, "−1 h 05", "−1 h 05 min"),
])
def test_durations(minutes, fr, en):
    assert display.duration(minutes, "fr") == fr
    assert display.duration(minutes, "en") == en


@pytest.mark.parametrize("value", [None, True, False])
def test_no_duration_reads_empty(value):
    assert display.duration(value, "fr") == "" and display.duration(value, "en") == ""


def test_a_duration_that_is_no_number_is_shown_as_it_is():
    assert display.duration("abc", "fr") == "abc"
    assert display.duration("75", "fr") == "1 h 15"


def test_unknown_language_reads_french():
    assert display.duration(65, "de") == "1 h 05"
    assert display.boolean(True, "de") == "Oui"


@pytest.mark.parametrize("style, fr, en", [
    ("short", "30/11/2026", "30/11/2026"),
    ("medium", "lun. 30 nov. 2026", "Mon 30 Nov 2026"),
    ("long", "lundi 30 novembre 2026", "Monday 30 November 2026"),
    ("day", "lun. 30 nov.", "Mon 30 Nov"),
    ("day_long", "lundi 30 novembre", "Monday 30 November"),
])
def test_date_styles(style, fr, en):
    day = dt.date(2026, 11, 30)
    assert display.date(day, "fr", style) == fr
    assert display.date(day, "en", style) == en
    assert display.date("2026-11-30", "fr", style) == fr


def test_an_unknown_date_style_is_an_error_not_a_silent_format():
    with pytest.raises(KeyError, match="short"):
        display.date(dt.date(2026, 11, 30), "fr", "EEE d MMM")


def test_instants_read_on_the_company_clock():
    # 23:30 UTC on 30 November is 00:30 on 1 December in Paris (UTC+1 in winter)
    at = dt.datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert display.time(at) == "00:30"
    assert display.date(at) == "01/12/2026"
    assert display.datetime(at, "en") == "01/12/2026 00:30"
    assert display.datetime("2026-11-30T23:30:00Z", "fr") == "01/12/2026 00:30"
    # a time typed without a zone is already a wall-clock time
    assert display.datetime("2026-11-30T23:30", "fr") == "30/11/2026 23:30"


def test_ranges_say_the_end_day_only_when_it_differs():
    start = dt.datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 14:00 in Paris
    assert display.time_range(start, start + dt.timedelta(minutes=90)) == "14:00 – 15:30"
    assert display.time_range(start, start + dt.timedelta(hours=11)) == "14:00 – 25/11/2026 01:00"
    assert display.period(start, start + dt.timedelta(minutes=90), "fr") == "24/11/2026 14:00 – 15:30"
    assert display.period(start, None, "fr") == "24/11/2026 14:00"
    assert display.period(None, None, "fr") == "" and display.time_range(None, start) == ""


def test_no_date_reads_empty_and_text_that_is_no_date_is_kept():
    assert display.date(None) == "" and display.time(None) == "" and display.datetime(None) == ""
    assert display.date("bientôt") == "bientôt" and display.datetime("") == ""


def test_booleans_and_numbers():
    assert [display.boolean(v, "fr") for v in (True, False)] == ["Oui", "Non"]
    assert [display.boolean(v, "en") for v in (True, False)] == ["Yes", "No"]
    assert display.number(8.5, "fr") == "8,5" and display.number(8.5, "en") == "8.5"
    assert display.number(8.0, "fr") == "8" and display.number(12, "fr") == "12"


def test_the_zone_is_the_clocks():
    before = clock.company_tz()
    try:
        clock.configure("America/Montreal")
        at = dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # EDT since 8 March: UTC-4
        assert display.time(at) == "10:00"
        assert display.time(dt.datetime(2026, 3, 6, 14, 0, tzinfo=UTC)) == "09:00"  # EST, UTC-5
    finally:
        clock.configure(before)


def test_answers_read_with_their_labels_units_and_formats():
    d = load_definition({
        "id": "t", "version": 1, "title": "t",
        "schema": {"type": "object", "properties": {
            "ok": {"type": "boolean"},
            "kind": {"type": "string", "oneOf": [{"const": "a", "title": "Alpha"}, {"const": "b", "title": "Bêta"}]},
            "many": {"type": "array", "items": {"enum": ["x", "y"]}, "uniqueItems": True},
            "power": {"type": "number"},
            "took": {"type": "integer"},
            "day": {"type": "string", "format": "date"},
            "at": {"type": "string", "format": "date-time"},
        }},
        "ui": {"took": {"ui:widget": "duration"}, "power": {"ui:options": {"unit": "kW"}}, "many": {"ui:enumNames": ["Joint", "Sonde"]}},
    })
    data = {"ok": False, "kind": "b", "many": ["x", "y"], "power": 8.5, "took": 95, "day": "2026-11-24", "at": "2026-11-24T13:00:00Z"}
    for lang, expected in [
        ("fr", {"ok": "Non", "kind": "Bêta", "many": "Joint, Sonde", "power": "8,5 kW", "took": "1 h 35", "day": "24/11/2026", "at": "24/11/2026 14:00"}),
        ("en", {"ok": "No", "kind": "Bêta", "many": "Joint, Sonde", "power": "8.5 kW", "took": "1 h 35 min", "day": "24/11/2026", "at": "24/11/2026 14:00"}),
    ]:
        tree = walk(d, data, lang=lang)
        assert {c.key: display.answer(c, lang) for c in tree.children} == expected
    empty = walk(d, {}, lang="fr")
    assert {display.answer(c, "fr") for c in empty.children} == {""}
