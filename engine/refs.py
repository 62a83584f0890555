"""References inside a form, resolved by ``referencing`` (jsonschema's own library).

``$ref`` and ``$dynamicRef`` may point anywhere the JSON Schema 2020-12 rules say: a JSON
pointer (percent-encoded, ``#/$defs/percent%25field``), an ``$anchor`` or ``$dynamicAnchor``,
a resource of the form named by its ``$id`` (relative ids resolved against the enclosing
one), or one of the JSON Schema meta-schemas that jsonschema ships. Nothing is fetched: a
reference to anything else is *remote*, and a form must be self-contained, so load refuses
it with a message that says so. The validators (jsonschema, jsonschema-rs) resolve the same
references themselves; this module is what the walk, lint and load use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin

from jsonschema_specifications import REGISTRY as META_SCHEMAS
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

#: keywords whose value is one reference
REF_KEYWORDS = ("$ref", "$dynamicRef")


class RefError(LookupError):
    """A reference that does not point at anything the form can use."""


@dataclass(eq=False)
class SchemaIndex:
    """Where each subschema of one document lives: its base URI and its JSON pointer."""

    root: Any
    registry: Registry
    base_of: dict[int, str] = field(default_factory=dict)
    pointer_of: dict[int, str] = field(default_factory=dict)
    local_uris: set[str] = field(default_factory=set)

    def base(self, schema: Any) -> str:
        return self.base_of.get(id(schema), self.base_of.get(id(self.root), ""))

    def resolve(self, ref: str, at: Any = None) -> Any:
        """The target of ``ref`` written in the subschema ``at`` (default: the root)."""
        if not isinstance(ref, str):
            raise RefError(f"a reference must be a text, not {ref!r}")
        base = self.base(at if at is not None else self.root)
        uri = urldefrag(urljoin(base, ref))[0]
        if uri not in self.local_uris and uri not in META_SCHEMAS:
            raise RefError(f"remote reference {ref}: only references inside the form are supported (a form is self-contained and nothing is fetched); copy that schema under “$defs” and refer to it as “#/$defs/…”")
        try:
            return self.registry.resolver(base_uri=base).lookup(ref).contents
        except Unresolvable:
            raise RefError(f"unresolvable reference: {ref} does not point at anything in this form") from None
        except Exception as exc:  # a malformed pointer or URI  # noqa: BLE001
            raise RefError(f"unresolvable reference: {ref} is not a valid reference ({exc})") from None


def _walk(index: SchemaIndex, schema: Any, base: str, pointer: str) -> None:
    from .schema import child_schemas

    if not isinstance(schema, dict):
        return
    if isinstance(schema.get("$id"), str):
        base = urldefrag(urljoin(base, schema["$id"]))[0]
        index.local_uris.add(base)
    index.base_of.setdefault(id(schema), base)
    index.pointer_of.setdefault(id(schema), pointer)
    for sub, ptr in child_schemas(schema, pointer):
        _walk(index, sub, base, ptr)


_INDEXES: dict[int, SchemaIndex] = {}
_MAX_INDEXES = 512


def index_of(root: Any) -> SchemaIndex:
    """The index of ``root``, built once per document (forms are not changed once loaded)."""
    hit = _INDEXES.get(id(root))
    if hit is not None and hit.root is root:
        return hit
    resource = DRAFT202012.create_resource(root if isinstance(root, (dict, bool)) else {})
    uri = urldefrag(resource.id() or "")[0]
    try:
        registry = META_SCHEMAS.with_resource(uri, resource).crawl()
    except Exception:  # an unusable $id: refs are then resolved against the document alone  # noqa: BLE001
        registry = META_SCHEMAS.with_resource("", resource)
        uri = ""
    index = SchemaIndex(root=root, registry=registry, local_uris={uri, ""})
    _walk(index, root, uri, "")
    if len(_INDEXES) >= _MAX_INDEXES:
        _INDEXES.pop(next(iter(_INDEXES)))
    _INDEXES[id(root)] = index
    return index


def resolve(root: Any, ref: str, at: Any = None) -> Any:
    """The target of ``ref`` in the document ``root``; :class:`RefError` if there is none."""
    return index_of(root).resolve(ref, at)


def reference_of(schema: Any) -> str | None:
    """The reference a subschema makes (``$ref``, else ``$dynamicRef`` read statically)."""
    if not isinstance(schema, dict):
        return None
    for kw in REF_KEYWORDS:
        if kw in schema:
            return schema[kw]
    return None
