"""The three spellings of a field location, defined once.

A field is located by its *path* (a tuple of property names and array indexes). The JSON
pointer (RFC 6901) is what errors and the API speak; the HTML *name* is what a browser sends
back in a form post (``parts[1].qty``); the *dom id* is what labels and ``aria-describedby``
point at. Every other module converts through here so the three never drift apart.
"""

from __future__ import annotations

import re
from typing import Iterable

Path = tuple[str | int, ...]

#: The array index of an array's blank item template; spelled ``__INDEX__`` in HTML names
#: and ids so that the client script can number the items it adds.
TEMPLATE_INDEX = -1
INDEX_TOKEN = "__INDEX__"

#: Characters a property name may not contain, because they structure HTML names.
NAME_RESERVED = re.compile(r"[.\[\]:]")
_NAME_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]|\.")


def to_pointer(path: Iterable[str | int]) -> str:
    """``("parts", 1, "qty")`` -> ``/parts/1/qty`` (with ``~0``/``~1`` escaping)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def from_pointer(pointer: str) -> Path:
    """Inverse of :func:`to_pointer`; digit-only segments become array indexes."""
    if pointer in ("", "#"):
        return ()
    if pointer.startswith("#"):
        pointer = pointer[1:]
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    parts: list[str | int] = []
    for raw in pointer[1:].split("/"):
        seg = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(seg) if seg.isascii() and seg.isdigit() else seg)
    return tuple(parts)


def to_name(path: Iterable[str | int]) -> str:
    """``("parts", 1, "qty")`` -> ``parts[1].qty``: the HTML form field name."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{INDEX_TOKEN if p == TEMPLATE_INDEX else p}]"
        else:
            out += ("." if out else "") + p
    return out


def from_name(name: str) -> Path | None:
    """Inverse of :func:`to_name`; ``None`` for a name that is not a well-formed path."""
    parts: list[str | int] = []
    pos = 0
    expect_name = True
    while pos < len(name):
        m = _NAME_TOKEN.match(name, pos)
        if not m or m.end() == pos:
            return None
        if m.group(1) is not None:
            if not expect_name:
                return None
            parts.append(m.group(1))
            expect_name = False
        elif m.group(2) is not None:
            if expect_name and parts:  # ``[0]`` alone: a row of the root object's map
                return None
            parts.append(int(m.group(2)))
            expect_name = False
        else:  # a dot
            if expect_name:
                return None
            expect_name = True
        pos = m.end()
    if expect_name and parts:
        return None
    return tuple(parts)


def to_dom_id(path: Iterable[str | int], prefix: str = "ff") -> str:
    """A unique, CSS-safe id: ``ff-parts-1-qty``; other characters are hex-escaped."""
    segs = []
    for p in path:
        if p == TEMPLATE_INDEX and isinstance(p, int):
            segs.append(INDEX_TOKEN)
            continue
        s = str(p)
        segs.append(re.sub(r"[^A-Za-z0-9_]", lambda m: f"_{ord(m.group()):x}_", s))
    return "-".join([prefix, *segs]) if segs else prefix


def get_at(data: object, path: Path, default: object = None) -> object:
    """The value at ``path`` in nested dicts/lists, or ``default`` when absent."""
    cur = data
    for p in path:
        if isinstance(p, int):
            if not isinstance(cur, list) or p >= len(cur):
                return default
        elif not isinstance(cur, dict) or p not in cur:
            return default
        cur = cur[p]
    return cur


def is_prefix(prefix: Path, path: Path) -> bool:
    return path[: len(prefix)] == prefix
