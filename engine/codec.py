"""Answers to HTML input values and back, for one leaf node at a time.

Rendering an answer into a form and decoding what the browser posts must be an exact round
trip, so both directions live side by side here. A value the browser sends that cannot be
converted (``"abc"`` for a number) is kept as text: validation then tells the technician,
rather than the decoder silently dropping it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from .clock import company_tz
from .node import MISSING, Node

TRUE_TOKENS = frozenset({"true", "on", "1", "yes"})
_INT = re.compile(r"^[+-]?\d+$")
_LOCAL_DT = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$")


def scalar_to_text(node: Node, value: Any) -> str:
    """The ``value`` attribute of an input showing ``value`` in ``node``'s widget."""
    if node.widget == "json":
        return "" if value is MISSING else json.dumps(value, ensure_ascii=False)
    if value is MISSING:
        return ""
    for c in node.choices:
        if c.value == value and type(c.value) is type(value):
            return c.token
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if node.widget == "datetime" and isinstance(value, str):
        return datetime_to_local(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def local_datetime(value: str) -> dt.datetime | None:
    """An RFC 3339 instant in the company's time zone (naive ones are taken as local);
    None when it is not a date-time."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(company_tz()) if parsed.tzinfo is not None else parsed


def datetime_to_local(value: str) -> str:
    """An RFC 3339 instant as a ``datetime-local`` value in the company's time zone."""
    parsed = local_datetime(value)
    if parsed is None:
        return value
    text = parsed.strftime("%Y-%m-%dT%H:%M")
    return text + (parsed.strftime(":%S") if parsed.second else "")


def local_to_datetime(text: str) -> str:
    """A ``datetime-local`` value back to an RFC 3339 instant with the zone's offset."""
    m = _LOCAL_DT.match(text)
    if not m:
        return text
    naive = dt.datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{m.group(3) or ':00'}")
    return naive.replace(tzinfo=company_tz()).isoformat()


def duration_parts(value: Any) -> tuple[str, str]:
    """Minutes as the (hours, minutes) pair the duration widget shows."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "", ""
    total = int(value)
    return str(total // 60), str(total % 60)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def text_to_scalar(node: Node, text: str) -> Any:
    """One posted value as the typed answer of ``node``; MISSING for an empty input."""
    if text == "":
        empty = node.options.get("emptyValue", MISSING)
        return empty
    if node.choices:
        for c in node.choices:
            if c.token == text:
                return c.value
        return text
    if node.widget == "json":
        try:
            return json.loads(text, parse_constant=_no_constant)
        except ValueError:
            return text  # validation says it is not what the field expects
    kind = node.kind if node.kind != "array" else "string"
    if kind == "boolean":
        if text.lower() in TRUE_TOKENS:
            return True
        if text.lower() in ("false", "off", "0", "no"):
            return False
        return text
    if kind == "integer":
        t = text.strip()
        if _INT.match(t):
            return int(t)
        try:
            f = float(t.replace(",", "."))
        except ValueError:
            return text
        return int(f) if f.is_integer() else f
    if kind == "number":
        t = text.strip().replace(",", ".")
        if _INT.match(t):
            return int(t)
        try:
            f = float(t)
        except ValueError:
            return text
        return f if f == f and f not in (float("inf"), float("-inf")) else text
    if node.widget == "datetime":
        return local_to_datetime(text)
    return text
