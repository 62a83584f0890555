"""A browser's form post back to typed JSON answers, guided by the walked tree.

Field names are the HTML spelling of paths (``parts[1].qty``); the duration widget adds
``:h`` and ``:m`` suffixes. Array items come back in the order the browser sent them, so
removing or reordering rows on the device needs no renumbering.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from .codec import TRUE_TOKENS, text_to_scalar
from .definition import FormDefinition
from .node import MISSING, Node
from .paths import Path, from_name


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
    if widget == "object" or (widget == "signature" and node.kind == "object"):
        out = {}
        for child in node.children:
            v = _decode(child, path + (child.key,), posted)
            if v is not MISSING:
                out[child.key] = v
        return out if (out or not path) else MISSING
    if widget == "array":
        items = []
        for i in posted.indexes.get(path, []):
            v = _decode(node.template, path + (i,), posted)
            if v is not MISSING:
                items.append(v)
        return items or MISSING
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
