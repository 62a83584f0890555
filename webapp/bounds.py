"""What the database can store, and how deep a JSON value may nest: the one home of the
rules that keep hostile input away from SQL (issue 11).

Each rule is here once and read at the edges: the marshmallow fields and the base input
schema (:mod:`webapp.schemas`), the URL converter, the JSON loader and the form check
(:mod:`webapp.guards`), the pull's cursor. Nothing here knows Flask.

* **Integers**: every integer column is a 32-bit ``integer`` on PostgreSQL; SQLite's driver
  refuses past 64 bits. An id, a version or a page number outside ``0..MAX_INT`` names
  nothing: it is refused (or treated as absent) before it reaches SQL.
* **Text**: PostgreSQL stores no NUL character (neither in ``varchar`` nor in ``jsonb``), and
  no database stores a lone UTF-16 surrogate (``"\\ud800"`` in JSON): they cannot be encoded.
  The same text is refused on SQLite too, so that both databases answer alike.
* **Depth**: parsing and walking JSON recurse; a body nested thousands deep exhausts the
  interpreter's stack. Request bodies are refused past :data:`MAX_JSON_DEPTH` levels.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

#: The largest integer every integer column holds (PostgreSQL's ``integer``).
MAX_INT = 2**31 - 1
#: How deep a request's JSON may nest (objects and arrays). A form's answers nest a few
#: levels (an array of objects in a group); the rest is room.
MAX_JSON_DEPTH = 32

#: Why a text cannot be stored, by the reason's code.
NUL = "nul"
SURROGATE = "surrogate"


def bounded_int(value: Any, default: int | None = None, *, minimum: int = 0) -> int | None:
    """``value`` (text from a form or a query string, or an int) as an int the database
    holds, within ``minimum..MAX_INT``; ``default`` for anything else."""
    if isinstance(value, bool):
        return default
    try:
        number = int(value) if isinstance(value, int) else int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return number if minimum <= number <= MAX_INT else default


def text_fault(text: str) -> str | None:
    """Why ``text`` cannot be stored (:data:`NUL`, :data:`SURROGATE`), or None."""
    if "\x00" in text:
        return NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def text_faults(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string of a JSON value (object keys included) that cannot be stored, as
    ``(path, reason)``; a faulty key is reported at its own path."""
    stack: list[tuple[tuple, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            fault = text_fault(item)
            if fault:
                yield where, fault
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and text_fault(key):
                    yield (*where, key), text_fault(key)
                stack.append(((*where, key), child))
        elif isinstance(item, (list, tuple)):
            stack.extend(((*where, i), child) for i, child in enumerate(item))


def depth(value: Any) -> int:
    """How many objects and arrays nest in a JSON value (0 for a scalar); iterative, so
    any depth is measured."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        stack.extend((child, level) for child in children)
    return deepest


class TooDeep(ValueError):
    """JSON nested deeper than allowed."""

    def __init__(self, limit: int):
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def loads(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses what RFC 8259 refuses (``NaN``, ``Infinity``) with
    ``ValueError`` and a value nested deeper than ``max_depth`` with :class:`TooDeep` (a
    ``ValueError`` too), whatever the depth: the parser's own ``RecursionError`` included."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise TooDeep(max_depth) from None
    if depth(value) > max_depth:
        raise TooDeep(max_depth)
    return value
