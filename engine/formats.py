"""The formats answers are checked against, the same on every machine.

jsonschema checks some formats only when optional packages are installed; a form engine
must not accept a date on one server and refuse it on another, so we register our own.
``time`` is what a phone's time input gives (``HH:MM`` or ``HH:MM:SS``), not RFC 3339's
full-time with an offset: a technician notes a local time of day.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, Callable
from urllib.parse import urlsplit

from jsonschema import FormatChecker

FORMAT_CHECKER = FormatChecker(formats=())
#: the same checks, for the compiled validator
FORMAT_FUNCTIONS: dict[str, Callable[[object], bool]] = {}


def _register(name: str):
    def wrap(fn):
        FORMAT_FUNCTIONS[name] = fn
        return FORMAT_CHECKER.checks(name)(fn)

    return wrap

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@_register("date")
def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@_register("time")
def is_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_TIME.match(value))


@_register("date-time")
def is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATETIME.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00").replace("t", "T"))
    except ValueError:
        return False
    return True


@_register("email")
def is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


@_register("uri")
def is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and " " not in value


@_register("uuid")
def is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _UUID.match(value):
        return False
    uuid.UUID(value)
    return True


def compile_fast_validator(schema: dict) -> Any:
    """jsonschema-rs compiled for ``schema`` with exactly our formats; None if unavailable.

    Only its yes/no is used: it must agree with jsonschema (tests hold it on every shipped
    form), and jsonschema stays the one that explains errors.
    """
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - declared dependency, but the engine works without
        return None
    try:
        return jsonschema_rs.Draft202012Validator(schema, formats=dict(FORMAT_FUNCTIONS), validate_formats=True)
    except Exception:  # a construct it does not support: the slow path still validates
        return None
