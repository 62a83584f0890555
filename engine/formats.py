"""The formats answers are checked against: the standard ones, the same on every machine.

Each format is checked by the function jsonschema itself uses for it — ``rfc3986-validator``
(uri, uri-reference), ``rfc3339-validator`` (date-time), ``rfc3987-syntax`` (iri,
iri-reference), ``fqdn``, ``idna``, ``jsonpointer``, ``uri-template``, ``isoduration``,
:mod:`ipaddress`, :mod:`uuid` — all declared dependencies (``jsonschema[format-nongpl]``),
so no server checks less than another: a missing one fails at import, not silently.
Three differ from jsonschema's table, each for a reason:

- ``email`` / ``idn-email``: jsonschema only looks for an ``@``; ``email-validator`` checks
  the RFC 5321/6531 syntax (no leading, trailing or doubled dot, a valid domain or address
  literal, quoted local parts) with its DNS deliverability check off — a technician
  may be offline, and the answer must not change with the network.
- ``date-time``: ``rfc3339-validator`` refuses leap seconds; RFC 3339 allows ``:60`` when the
  UTC time is 23:59.
- ``time``: the one documented deviation from the standard. It is what a phone's time input
  gives, a local time of day ``HH:MM`` or ``HH:MM:SS``, not RFC 3339's full-time with an
  offset: a technician notes the time on the clock.
- ``regex``: an ECMA-262 pattern (:mod:`engine.ecma`), as JSON Schema says, not Python's.

Every check takes any JSON value and never raises: a value it cannot read is not valid.
The same functions serve jsonschema (:data:`FORMAT_CHECKER`) and jsonschema-rs
(:data:`FORMAT_FUNCTIONS`), so the two can never disagree about a format.
"""

from __future__ import annotations

import re
from typing import Callable

from email_validator import EmailNotValidError, validate_email
from jsonschema import Draft202012Validator, FormatChecker
from rfc3339_validator import validate_rfc3339
from rfc3986_validator import validate_rfc3986
from rfc3987_syntax import is_valid_syntax

from .ecma import pattern_problem

#: the formats jsonschema checks with its ``format-nongpl`` dependencies, taken as they are
_STANDARD = (
    "date", "duration", "hostname", "idn-hostname", "ipv4", "ipv6", "json-pointer",
    "relative-json-pointer", "uri-template", "uuid",
)

_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?")
_LEAP_SECOND = re.compile(r"(.*[Tt]([0-9]{2}):([0-9]{2}):)60(\.[0-9]+)?([Zz]|([+-])([0-9]{2}):([0-9]{2}))")


def is_time(value: str) -> bool:
    """A local time of day, ``HH:MM`` or ``HH:MM:SS`` (the documented deviation)."""
    return _TIME.fullmatch(value) is not None


def is_datetime(value: str) -> bool:
    """RFC 3339 ``date-time``, leap seconds included (only at 23:59:60 UTC)."""
    leap = _LEAP_SECOND.fullmatch(value)
    if leap is None:
        return bool(validate_rfc3339(value.upper()))
    head, hour, minute, fraction, zone, sign, off_h, off_m = leap.groups()
    if not validate_rfc3339(f"{head}59{fraction or ''}{zone}".upper()):
        return False
    offset = 0 if zone in "Zz" else (1 if sign == "+" else -1) * (int(off_h) * 60 + int(off_m))
    return (int(hour) * 60 + int(minute) - offset) % 1440 == 23 * 60 + 59


def _email(smtputf8: bool) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            validate_email(value, check_deliverability=False, globally_deliverable=False, allow_smtputf8=smtputf8,
                           allow_quoted_local=True, allow_domain_literal=True, allow_display_name=False)
        except EmailNotValidError:
            return False
        return True

    return check


def is_regex(value: str) -> bool:
    return pattern_problem(value) is None


def _standard(name: str) -> Callable[[str], bool]:
    func, _ = Draft202012Validator.FORMAT_CHECKER.checkers[name]

    def check(value: str) -> bool:
        return bool(func(value))

    return check


def _one_line(check: Callable[[str], bool]) -> Callable[[str], bool]:
    """Refuse a line break that a checker's regex lets through (Python's ``$`` matches
    before a final newline): no URI, host name or date-time holds one."""

    def strict(value: str) -> bool:
        return "\n" not in value and check(value)

    return strict


_CHECKS: dict[str, Callable[[str], bool]] = {
    **{name: _standard(name) for name in _STANDARD},
    "hostname": _one_line(_standard("hostname")),
    "uri-template": _one_line(_standard("uri-template")),
    # called directly: jsonschema would pick the GPL ``rfc3987`` instead where it is installed
    "uri": _one_line(lambda value: validate_rfc3986(value, rule="URI") is not None),
    "uri-reference": _one_line(lambda value: validate_rfc3986(value, rule="URI_reference") is not None),
    "iri": lambda value: is_valid_syntax("iri", value),
    "iri-reference": lambda value: is_valid_syntax("iri_reference", value),
    "date-time": _one_line(is_datetime),
    "time": is_time,
    "email": _email(smtputf8=False),
    "idn-email": _email(smtputf8=True),
    "regex": is_regex,
}


def _never_raises(check: Callable[[str], bool]) -> Callable[[object], bool]:
    def safe(value: object) -> bool:
        if not isinstance(value, str):
            return True  # formats constrain strings only
        try:
            return bool(check(value))
        except Exception:  # a checker's ValueError, UnicodeError (lone surrogates), ...: not valid
            return False

    safe.__name__ = getattr(check, "__name__", "check")
    return safe


#: the same checks for jsonschema-rs: name -> function(str) -> bool
FORMAT_FUNCTIONS: dict[str, Callable[[object], bool]] = {name: _never_raises(check) for name, check in _CHECKS.items()}

#: the same checks for jsonschema
FORMAT_CHECKER = FormatChecker(formats=())
for _name, _check in FORMAT_FUNCTIONS.items():
    FORMAT_CHECKER.checks(_name)(_check)
