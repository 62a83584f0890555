"""Answers to the ``(name, value)`` pairs a browser posts for the rendered form.

The inverse of :func:`engine.decode_form`, written from the same tree and the same codec:
tests use it to hold the round trip for every form without a browser, and the offline
client's server-side checks use it to replay a draft as a form post.
"""

from __future__ import annotations

import json
from typing import Any

from .codec import duration_parts, scalar_to_text
from .definition import FormDefinition
from .node import MISSING, Node


def encode_form(definition: FormDefinition, data: dict) -> list[tuple[str, str]]:
    """What ``new FormData(form)`` yields for the form opened on ``data`` (with the
    defaults of what it lacks, as :func:`renderers.html.render_form` draws it) and posted
    without script: every field is posted, shown or not."""
    from .defaults import fill_defaults
    from .walk import walk

    pairs: list[tuple[str, str]] = []
    _encode(walk(definition, fill_defaults(definition, data)), pairs)
    return pairs


def kept_text(node: Node) -> str:
    """The ``:kept`` input's value: the answers no field of an object shows."""
    return json.dumps(node.kept, ensure_ascii=False, separators=(",", ":")) if node.kept else ""


def _encode(node: Node, pairs: list[tuple[str, str]]) -> None:
    value: Any = node.value
    if node.widget == "choice":
        pairs += [(f"{node.name}:option", str(node.selected)), (f"{node.name}:drawn", str(node.selected))]
        for child in node.children:
            _encode(child, pairs)
        return
    if node.widget == "map":
        for row in node.children:
            pairs.append((f"{row.name}:key", str(row.key)))
            _encode(row, pairs)
        return
    if node.widget in ("object", "array") or (node.widget == "signature" and node.kind == "object"):
        for child in node.children:
            _encode(child, pairs)
        if node.kept:
            pairs.append((f"{node.name}:kept", kept_text(node)))
        return
    if node.widget == "null":
        return
    if node.widget == "duration":
        h, m = duration_parts(value)
        pairs += [(f"{node.name}:h", h), (f"{node.name}:m", m)]
        return
    if node.multiple:
        items = value if isinstance(value, list) else []
        if node.widget == "camera":
            pairs += [(f"{node.name}[{i}]", scalar_to_text(node, v)) for i, v in enumerate(items)]
        else:
            pairs += [(node.name, scalar_to_text(node, v)) for v in items]
        return
    if node.widget == "checkbox" and node.kind == "boolean":
        if value is True:
            pairs.append((node.name, "true"))
        return
    if node.widget == "radio" and value is MISSING:
        return  # no radio button checked: nothing is posted
    pairs.append((node.name, scalar_to_text(node, value)))
