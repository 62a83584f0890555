"""A browser's form post back to typed JSON answers, guided by the walked tree.

Field names are the HTML spelling of paths (``parts[1].qty``); suffixes carry what is not
an answer of its own: ``:h`` and ``:m`` (the duration widget), ``:option`` and ``:drawn``
(the option chosen in a oneOf/anyOf selector and the one whose sub-form was drawn),
``:key`` (the key typed for a map row, whose value is named by the row's number:
``specs[0]``), ``:kept`` (the JSON of answers the schema allows but no field shows, which
the form carries untouched). Array items and map rows come back in the order the browser
sent them, so removing or reordering rows on the device needs no renumbering; the
positions of a tuple keep their places.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from typing import Any, Iterable

from .codec import TRUE_TOKENS, text_to_scalar
from .definition import FormDefinition
from .node import MISSING, Node
from .paths import Path, from_name
from .schema import pattern_of


class _Posted:
    """The posted pairs indexed by path, with array indexes in the order they arrived."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        self.values: dict[Path, list[str]] = defaultdict(list)
        self.suffixed: dict[tuple[Path, str], str] = {}
        self.indexes: dict[Path, list[int]] = defaultdict(list)
        for name, value in pairs:
            name, _, suffix = str(name).partition(":")
            path = from_name(name)
            if path is None:
                continue
            value = "" if value is None else str(value)
            if suffix:
                self.suffixed[(path, suffix)] = value
            else:
                self.values[path].append(value)
            for i, seg in enumerate(path):
                if isinstance(seg, int):
                    seen = self.indexes[path[:i]]
                    if seg not in seen:
                        seen.append(seg)

    def has_prefix(self, path: Path) -> bool:
        return path in self.indexes or path in self.values


def decode_form(definition: FormDefinition, pairs: Iterable[tuple[str, str]]) -> dict:
    """Typed answers from ``(name, value)`` pairs as ``new FormData(form)`` sends them.

    Numbers and integers are parsed, an unchecked checkbox is ``false``, multi-choice
    arrays are lists of their typed values, and empty strings are absent.
    """
    from .walk import walk

    tree = walk(definition, {})
    posted = _Posted(pairs)
    result = _decode(tree, (), posted)
    return result if isinstance(result, dict) else {}


def _decode(node: Node, path: Path, posted: _Posted) -> Any:
    widget = node.widget
    if widget == "choice":
        return _decode_choice(node, path, posted)
    if widget == "map":
        return _decode_map(node, path, posted)
    if widget == "object" or (widget == "signature" and node.kind == "object"):
        out = {}
        parts = []
        for child in node.children:
            if child.inline:  # the map part, the object's own oneOf: same answer as the object
                parts.append(_decode(child, path, posted))
                continue
            v = _decode(child, path + (child.key,), posted)
            if v is not MISSING:
                out[child.key] = v
        for part in parts:
            for k, v in part.items() if isinstance(part, dict) else ():
                out.setdefault(k, v)
        for k, v in kept_answers(posted.suffixed.get((path, "kept"))).items():
            out.setdefault(k, v)
        return out if (out or not path) else MISSING
    if widget == "array":
        if node.fixed:
            return _decode_tuple(node, path, posted)
        items = []
        for i in posted.indexes.get(path, []):
            v = _decode(node.template, path + (i,), posted)
            if v is not MISSING:
                items.append(v)
        return items or MISSING
    if widget == "null":
        return None
    values = posted.values.get(path, [])
    if widget == "duration":
        hours = posted.suffixed.get((path, "h"), "").strip()
        minutes = posted.suffixed.get((path, "m"), "").strip()
        if not hours and not minutes:
            return text_to_scalar(node, values[-1]) if values else MISSING
        if (hours or "0").isdigit() and (minutes or "0").isdigit():
            return int(hours or 0) * 60 + int(minutes or 0)
        return f"{hours}:{minutes}"
    if node.multiple:
        # checkboxes send repeated names; photos send one indexed name per attachment
        raw = list(values) + [posted.values[path + (i,)][-1] for i in posted.indexes.get(path, []) if posted.values.get(path + (i,))]
        out = []
        for text in raw:
            v = text_to_scalar(node, text)
            if v is not MISSING and v not in out:
                out.append(v)
        return out or MISSING
    if widget == "checkbox" and node.kind == "boolean":
        return any(v.lower() in TRUE_TOKENS for v in values)
    if not values:
        return MISSING
    return text_to_scalar(node, values[-1])


def kept_answers(text: str | None) -> dict:
    """The answers a form carried untouched (``name:kept``), or nothing if unreadable."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _index(text: str | None, count: int) -> int | None:
    return int(text) if text is not None and text.isascii() and text.isdigit() and int(text) < count else None


def _decode_choice(node: Node, path: Path, posted: _Posted) -> Any:
    """The answer of the option chosen. A choice switched without JavaScript posts the
    sub-form of the option drawn before: the new option then starts from its defaults (the
    form comes back with its sub-form drawn), as RJSF starts an option it switches to."""
    count = len(node.alternatives)
    k = _index(posted.suffixed.get((path, "option")), count)
    drawn = _index(posted.suffixed.get((path, "drawn")), count)
    if k is None:
        k = drawn if drawn is not None else node.selected
    alt = node.alternatives[k].node
    if drawn is not None and drawn != k:
        return copy.deepcopy(alt.value)
    return _decode(alt, path, posted)


def row_of(node: Node, key: str) -> Node:
    """The blank row of a map that a key's value is decoded with (its pattern's, else the
    additional one)."""
    pattern = pattern_of((dict(node.pattern_rows), None), key) if node.pattern_rows else None
    if pattern is not None:
        return dict(node.pattern_rows)[pattern]
    return node.template if node.template is not None else node.pattern_rows[0][1]


def unique_key(key: str, taken: Any, separator: str = "-") -> str:
    """RJSF's answer to a key typed twice: ``key-1``, ``key-2``…"""
    if key not in taken:
        return key
    n = 1
    while f"{key}{separator}{n}" in taken:
        n += 1
    return f"{key}{separator}{n}"


def _decode_map(node: Node, path: Path, posted: _Posted) -> Any:
    """Rows with an empty key are no rows (a blank row left blank, a row emptied to remove
    it without JavaScript); a key given twice, or the name of a field, gets a suffix."""
    out: dict = {}
    taken = set(node.reserved_keys)
    separator = str(node.options.get("duplicateKeySuffixSeparator", "-"))
    for i in posted.indexes.get(path, []):
        key = posted.suffixed.get((path + (i,), "key"), "")
        if key == "" or (node.template is None and not node.pattern_rows):
            continue
        v = _decode(row_of(node, key), path + (i,), posted)
        if v is MISSING:
            continue
        key = unique_key(key, taken, separator)
        taken.add(key)
        out[key] = v
    return out or MISSING


def _decode_tuple(node: Node, path: Path, posted: _Posted) -> Any:
    """Each position with its own schema, in place: an empty position before an answered
    one is ``null`` (JSON arrays have no holes), empty positions at the end are left out;
    extra items follow in the order they were sent."""
    items = [_decode(node.children[i], path + (i,), posted) for i in range(node.fixed)]
    extra = []
    if node.template is not None:
        extra = [v for i in posted.indexes.get(path, []) if i >= node.fixed for v in [_decode(node.template, path + (i,), posted)] if v is not MISSING]
    while items and items[-1] is MISSING and not extra:
        items.pop()
    items = [None if v is MISSING else v for v in items] + extra
    return items or MISSING
