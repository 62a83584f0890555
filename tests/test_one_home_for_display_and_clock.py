"""Durations, dates and times are formatted in engine/display.py only, and the company's zone
is named in engine/clock.py only (issue 10, "One home per rule" in DESIGN.md).

Grep-based: a second formatter or a hard-coded zone creeping back in fails here with the
lines to look at. The phone's scripts may do the few things listed in PHONE_ALLOWED, each
for a reason that is not formatting a value the server knows.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = [p for pkg in ("engine", "renderers", "webapp") for p in (ROOT / pkg).rglob("*.py")] + [ROOT / "cli.py"]
TEMPLATES = [p for pkg in ("renderers", "webapp") for p in (ROOT / pkg).rglob("*.html")] + list((ROOT / "form_definitions" / "reports").rglob("*.html"))
SCRIPTS = sorted((ROOT / "webapp" / "static" / "m").glob("*.js")) + sorted((ROOT / "renderers" / "static").glob("*.js"))

DISPLAY = ROOT / "engine" / "display.py"
CLOCK = ROOT / "engine" / "clock.py"
#: Formatting a value for a person: hours and minutes, clock patterns, Babel's formatters.
PY_FORMATTING = {
    "divmod": re.compile(r"\bdivmod\("),
    "an 'N h' f-string": re.compile(r"\{[^{}]*\} ?h\b"),
    "a clock pattern": re.compile(r"%H:%M|%H h|%d/%m|%d\.%m|%m/%d"),  # ISO %Y-%m-%d is for machines
    "strftime": re.compile(r"\bstrftime\("),
    "a Babel formatter": re.compile(r"\bformat_(date|datetime|time|timedelta)\b"),
}
#: Wall-clock values of <input> elements and answers (not text for a person): the codec and
#: the clock write ``2026-11-24T09:00``.
PY_ALLOWED = {DISPLAY: set(PY_FORMATTING), CLOCK: {"strftime", "a clock pattern"}, ROOT / "engine" / "codec.py": {"strftime", "a clock pattern"}}

#: file name -> what it may do, and why
PHONE_ALLOWED = {
    "views.js": {
        "Intl.DateTimeFormat": "companyDay(): which day is the company's today, in the zone the pull sends",
        "padStart": "clock(): the running timer's stopwatch, ticking on the phone",
        "/ 60": "clock() and picker(): the stopwatch; minutes split into the duration picker's two selects",
        "% 60": "clock() and picker(): as above",
    },
    "fill.js": {
        "Intl.DateTimeFormat": "the codec: an RFC 3339 answer into a datetime-local input, in the form's data-ff-tz",
        "padStart": "the codec: datetime-local values",
        "/ 60": "the duration widget's hours and minutes inputs",
        "% 60": "the duration widget's hours and minutes inputs",
    },
    "values.js": {
        "Intl.DateTimeFormat": "the codec (engine/codec.py's twin): datetime-local values and back, in data-ff-tz",
        "padStart": "the codec: RFC 3339 offsets",
        "/ 60": "the codec: RFC 3339 offsets",
        "% 60": "the codec: RFC 3339 offsets",
    },
    "signature.js": {"padStart": "the signature's signed_at, an RFC 3339 value stored in the answers"},
    "sync.js": {"padStart": "a sha256 digest in hex"},
    "attachments.js": {"padStart": "a sha256 digest in hex"},
}
JS_TOKENS = ("toLocale", "Intl.DateTimeFormat", "Intl.NumberFormat", "Intl.RelativeTimeFormat", "padStart", "getHours", "getMinutes", "/ 60", "% 60")


def _lines(path: Path):
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        yield n, line


def test_python_formats_values_only_in_engine_display():
    found = []
    for path in PYTHON:
        allowed = PY_ALLOWED.get(path, set())
        for n, line in _lines(path):
            code = line.split("#", 1)[0]
            for what, pattern in PY_FORMATTING.items():
                if what not in allowed and pattern.search(code):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {what}: {line.strip()}")
    assert found == [], "format with engine.display instead:\n" + "\n".join(found)


def test_templates_format_with_the_display_filters():
    pattern = re.compile(r"strftime|// ?60|% ?60\b|%H:%M|%d/%m")
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in TEMPLATES for n, line in _lines(p) if pattern.search(line)]
    assert found == [], "use the when/hm/day/duration filters or time_range:\n" + "\n".join(found)


def test_phone_scripts_insert_the_servers_labels_and_format_nothing():
    found = []
    for path in SCRIPTS:
        allowed = PHONE_ALLOWED.get(path.name, {})
        for n, line in _lines(path):
            for token in JS_TOKENS:
                if token in line and token not in allowed:
                    found.append(f"{path.relative_to(ROOT)}:{n}: {token}: {line.strip()}")
    assert found == [], "send a *_label from the server (engine.display) instead:\n" + "\n".join(found)


def test_the_phones_list_uses_the_pulls_labels():
    views = (ROOT / "webapp" / "static" / "m" / "views.js").read_text(encoding="utf-8")
    for label in ("iv.day", "day_label", "date_label", "time_label", "duration_label", "h.date_label"):
        assert label in views


def test_no_module_names_a_zone_but_the_clock():
    zone = re.compile(r"Europe/|America/|ZoneInfo\(|zoneinfo")
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in PYTHON + TEMPLATES + SCRIPTS if p != CLOCK
             for n, line in _lines(p) if zone.search(line)]
    assert found == [], "ask engine.clock for the company's zone:\n" + "\n".join(found)
