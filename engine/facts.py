"""Facts about answers that the rules above the engine need, read from the walked tree.

Completion guards count photos and look for signatures; the sync API checks that every
attachment an answer names was uploaded; a signature records the digest of the answers it
signed, so a later change to them is visible. All of it reads the same tree as the
renderers: a camera or signature field is whatever the walk says it is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .definition import FormDefinition
from .node import Node
from .walk import walk


@dataclass(frozen=True)
class SignatureFact:
    pointer: str
    signer: str               # "technician" or "client" (the field's ``signer`` option)
    attachment: str | None
    name: str | None
    signed_at: str | None


def _visible_nodes(tree: Node):
    stack = [tree]
    while stack:
        n = stack.pop()
        if not n.visible:
            continue
        yield n
        stack.extend(reversed(n.children))


def photo_ids(tree: Node) -> list[str]:
    """Attachment ids of the photos answered in shown camera fields, in form order."""
    out: list[str] = []
    for n in _visible_nodes(tree):
        if n.widget == "camera" and n.has_value:
            values = n.value if isinstance(n.value, list) else [n.value]
            out += [v for v in values if isinstance(v, str)]
    return out


def signatures(tree: Node) -> list[SignatureFact]:
    """The shown signature fields, answered or not."""
    out = []
    for n in _visible_nodes(tree):
        if n.widget == "signature":
            v = n.value if isinstance(n.value, dict) else {}
            out.append(SignatureFact(n.pointer, str(n.options.get("signer", "technician")), v.get("attachment"), v.get("name"), v.get("signed_at")))
    return out


def attachment_ids(tree: Node) -> list[str]:
    """Every attachment id the answers reference (photos and signatures)."""
    return photo_ids(tree) + [s.attachment for s in signatures(tree) if s.attachment]


def _without_signatures(node: Node) -> Any:
    if node.widget == "signature":
        return None
    if node.widget == "object":
        return {c.key: v for c in node.children if c.has_value and (v := _without_signatures(c)) is not None}
    if node.widget == "array":
        return [_without_signatures(c) for c in node.children]
    return node.value


def answers_digest(definition: FormDefinition, data: dict) -> str:
    """sha256 of the answers a signature covers: every answer but the signatures themselves,
    canonically serialised, with the form version's content hash (the same words in another
    version of the form are another document)."""
    body = {"form": definition.content_hash, "answers": _without_signatures(walk(definition, data))}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
