"""Pure JSON Schema functions: traversal, local ``$ref``, ``allOf`` merging, conditionals.

Like react-jsonschema-form's ``retrieveSchema``, these turn a schema with references and
combinators into the plain shape a form is drawn from. They know nothing of UI hints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from .refs import REF_KEYWORDS, RefError, reference_of, resolve

#: Keywords whose value is one subschema.
SUBSCHEMA_KEYWORDS = (
    "items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
    "contains", "propertyNames", "not", "if", "then", "else", "additionalItems",
)
#: Keywords whose value is a list of subschemas.
SUBSCHEMA_LIST_KEYWORDS = ("allOf", "anyOf", "oneOf", "prefixItems")
#: Keywords whose value maps names to subschemas.
SUBSCHEMA_MAP_KEYWORDS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")

#: Every keyword of JSON Schema 2020-12 plus the draft-7 spellings RJSF forms use.
KNOWN_KEYWORDS = frozenset({
    "$schema", "$id", "$ref", "$defs", "$anchor", "$dynamicRef", "$dynamicAnchor", "$comment",
    "$vocabulary", "definitions", "type", "enum", "const", "multipleOf", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
    "maxItems", "minItems", "uniqueItems", "maxContains", "minContains", "maxProperties",
    "minProperties", "required", "dependentRequired", "dependencies", "properties",
    "patternProperties", "additionalProperties", "unevaluatedProperties", "propertyNames",
    "items", "prefixItems", "additionalItems", "unevaluatedItems", "contains", "allOf", "anyOf",
    "oneOf", "not", "if", "then", "else", "dependentSchemas", "format", "contentEncoding",
    "contentMediaType", "contentSchema", "title", "description", "default", "examples",
    "readOnly", "writeOnly", "deprecated",
})


def child_schemas(schema: dict, pointer: str = "") -> Iterator[tuple[Any, str]]:
    """The subschemas directly inside ``schema``, with their JSON pointers."""
    for kw in SUBSCHEMA_KEYWORDS:
        if kw in schema:
            yield schema[kw], f"{pointer}/{kw}"
    for kw in SUBSCHEMA_LIST_KEYWORDS:
        if isinstance(schema.get(kw), list):
            for i, sub in enumerate(schema[kw]):
                yield sub, f"{pointer}/{kw}/{i}"
    for kw in (*SUBSCHEMA_MAP_KEYWORDS, "dependencies"):
        if isinstance(schema.get(kw), dict):
            for name, sub in schema[kw].items():
                if kw != "dependencies" or isinstance(sub, dict):
                    yield sub, f"{pointer}/{kw}/{escape(name)}"


def escape(name: Any) -> str:
    """A property name as one JSON pointer segment (RFC 6901)."""
    return str(name).replace("~", "~0").replace("/", "~1")


def iter_subschemas(schema: Any, pointer: str = "") -> Iterator[tuple[dict, str]]:
    """Every schema object inside ``schema`` (itself included) with its JSON pointer."""
    if not isinstance(schema, dict):
        return
    yield schema, pointer
    for sub, ptr in child_schemas(schema, pointer):
        yield from iter_subschemas(sub, ptr)


def resolve_pointer(root: Any, ref: str, at: Any = None) -> Any:
    """The target of a reference inside the form (see :mod:`engine.refs`); RefError otherwise."""
    return resolve(root, ref, at)


def deref(schema: Any, root: dict, _seen: frozenset = frozenset()) -> dict:
    """Follow ``$ref`` (and ``$dynamicRef``, read statically) chains; sibling keywords of a
    reference override the target's."""
    if schema is True or schema is None:
        return {}
    if schema is False:
        return {"not": {}}
    ref = reference_of(schema)
    if ref is None:
        return schema if isinstance(schema, dict) else {}
    target = resolve(root, ref, schema)
    if id(target) in _seen:
        raise RefError(f"unresolvable reference: {ref} refers to itself")
    target = deref(target, root, _seen | {id(target)})
    merged = dict(target)
    merged.update({k: v for k, v in schema.items() if k not in REF_KEYWORDS})
    return merged


def merge_schemas(base: dict, extra: dict) -> dict:
    """Combine two object/field schemas as ``allOf`` would for drawing a form.

    Properties are merged (the extra one refining the base one), ``required`` is a union,
    numeric bounds keep the tighter value, anything else from ``extra`` wins.
    """
    out = dict(base)
    for key, value in extra.items():
        if key == "properties" and isinstance(value, dict):
            props = dict(out.get("properties") or {})
            for name, sub in value.items():
                if name in props and isinstance(props[name], dict) and isinstance(sub, dict):
                    props[name] = merge_schemas(props[name], sub)
                else:
                    props[name] = sub
            out["properties"] = props
        elif key == "required" and isinstance(value, list):
            out["required"] = list(dict.fromkeys([*(out.get("required") or []), *value]))
        elif key in ("minimum", "exclusiveMinimum", "minLength", "minItems") and key in out:
            out[key] = max(out[key], value)
        elif key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems") and key in out:
            out[key] = min(out[key], value)
        elif key == "allOf":
            out["allOf"] = [*(out.get("allOf") or []), *value]
        else:
            out[key] = value
    return out


def flatten(schema: Any, root: dict) -> dict:
    """Dereference and fold ``allOf`` members (themselves dereferenced) into one schema.

    ``if/then/else`` and dependency keywords of the members are kept (collected in
    ``"x-branches"`` by :func:`branches`), so folding never loses a condition.
    """
    s = deref(schema, root)
    members = s.get("allOf")
    if not isinstance(members, list):
        return s
    out = {k: v for k, v in s.items() if k != "allOf"}
    conditionals = [out] if _has_conditional(out) else []
    for member in members:
        flat = flatten(member, root)
        if _has_conditional(flat):
            conditionals.append(flat)
        out = merge_schemas(out, {k: v for k, v in flat.items() if k not in _CONDITIONAL_KEYS})
    if conditionals:
        out = {k: v for k, v in out.items() if k not in _CONDITIONAL_KEYS}
        out["x-conditionals"] = [{k: c[k] for k in _CONDITIONAL_KEYS if k in c} for c in conditionals]
    return out


def flat_cached(cache: dict, schema: Any, root: dict) -> dict:
    """:func:`flatten` once per schema object: ``cache`` lives as long as the definition
    (the schema is kept with the result, so its identity is never reused meanwhile)."""
    key = ("flat", id(schema))
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = (schema, flatten(schema, root))
    return hit[1]


_CONDITIONAL_KEYS = ("if", "then", "else", "dependentSchemas", "dependentRequired", "dependencies")


def _has_conditional(s: dict) -> bool:
    return any(k in s for k in _CONDITIONAL_KEYS)


@dataclass(frozen=True)
class Branch:
    """A part of an object schema that applies only when ``condition`` holds on the object.

    ``condition`` is a schema evaluated against the object's value; ``schema`` is what the
    branch adds (properties, required, refinements).
    """

    condition: dict
    schema: dict
    origin: str   # "then", "else", "dependentSchemas", "dependentRequired"


def branches(schema: dict, root: dict) -> list[Branch]:
    """Every conditional part of an (already flattened) object schema, as :class:`Branch`."""
    found: list[Branch] = []
    holders = schema.get("x-conditionals") or ([schema] if _has_conditional(schema) else [])
    for h in holders:
        if "if" in h:
            cond = deref(h["if"], root)
            if "then" in h:
                found.append(Branch(cond, flatten(h["then"], root), "then"))
            if "else" in h:
                found.append(Branch({"not": cond}, flatten(h["else"], root), "else"))
        dep_schemas = dict(h.get("dependentSchemas") or {})
        dep_required = dict(h.get("dependentRequired") or {})
        for name, dep in (h.get("dependencies") or {}).items():
            (dep_required if isinstance(dep, list) else dep_schemas)[name] = dep
        for name, names in dep_required.items():
            found.append(Branch({"required": [name]}, {"required": list(names)}, "dependentRequired"))
        for name, dep in dep_schemas.items():
            dep = flatten(dep, root)
            alternatives = dep.get("oneOf") or dep.get("anyOf")
            base = {k: v for k, v in dep.items() if k not in ("oneOf", "anyOf")}
            if base:
                found.append(Branch({"required": [name]}, base, "dependentSchemas"))
            # RJSF's dynamic dependencies: each alternative says, through its own schema of
            # the trigger property, when it applies.
            for alt in alternatives or ():
                alt = flatten(alt, root)
                trigger = (alt.get("properties") or {}).get(name, {})
                cond = {"required": [name], "properties": {name: deref(trigger, root)}}
                rest = dict(alt)
                rest["properties"] = {k: v for k, v in (alt.get("properties") or {}).items() if k != name}
                found.append(Branch(cond, rest, "dependentSchemas"))
    return found


def is_constant(option: Any) -> bool:
    """RJSF's ``isConstant``: a ``const``, or an ``enum`` of one value."""
    return isinstance(option, dict) and ("const" in option or (isinstance(option.get("enum"), list) and len(option["enum"]) == 1))


def constant_of(option: dict) -> Any:
    """The one value of a constant option (see :func:`is_constant`)."""
    return option["const"] if "const" in option else option["enum"][0]


def is_choice_list(schema: dict) -> bool:
    """A ``oneOf``/``anyOf`` whose members are all constants (titled choices)."""
    alts = schema.get("oneOf") or schema.get("anyOf")
    return bool(alts) and isinstance(alts, list) and all(is_constant(a) for a in alts)


def schema_type(schema: dict) -> str | None:
    """The single JSON type a field has, inferred when ``type`` is absent or a list."""
    t = schema.get("type")
    if isinstance(t, list):
        non_null = [x for x in t if x != "null"]
        t = non_null[0] if non_null else "null"
    if t:
        return t
    if "properties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    values = schema.get("enum") or [constant_of(a) for a in (schema.get("oneOf") or schema.get("anyOf") or []) if is_constant(a)]
    if "const" in schema:
        values = [schema["const"]]
    if values:
        return json_type(values[0])
    for kind, keywords in _IMPLIED_TYPES:
        if any(k in schema for k in keywords):
            return kind
    return None


def json_type(value: Any) -> str:
    """The JSON type of a value (RJSF's ``guessType``, with integers told apart)."""
    return {bool: "boolean", int: "integer", float: "number", str: "string", dict: "object", list: "array"}.get(type(value), "null" if value is None else "string")


#: Keywords that only make sense for one type: a schema without ``type`` that uses them is
#: a field of that type (``{"format": "date"}`` is a date, ``{"minimum": 0}`` a number).
_IMPLIED_TYPES = (
    ("string", ("format", "pattern", "minLength", "maxLength")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
    ("array", ("minItems", "maxItems", "contains", "uniqueItems")),
    ("object", ("additionalProperties", "patternProperties", "propertyNames", "minProperties", "maxProperties", "dependentRequired")),
)
#: What a field whose schema says nothing of its type may hold, in the order its type
#: selector offers them (RJSF's ``FallbackField``; integers are numbers there).
ANY_TYPES = ("string", "number", "boolean", "null", "object", "array")


def union_types(schema: dict) -> list[str] | None:
    """The types a field may hold when it may hold several: a ``type`` list (a single type
    made nullable aside: that is a field of that type) or no type at all (any JSON).
    None for a field of one type, a list of choices or a oneOf/anyOf."""
    t = schema.get("type")
    if isinstance(t, list):
        types = list(dict.fromkeys(x for x in t if isinstance(x, str)))
        return types if len([x for x in types if x != "null"]) > 1 else None
    if t or schema_type(schema) is not None or drawn_alternatives(schema) is not None:
        return None
    return list(ANY_TYPES)


def drawn_alternatives(schema: dict) -> tuple[str, list] | None:
    """``("oneOf"|"anyOf", options)`` when the field is a choice between sub-forms.

    A list of ``const`` options is a list of choices (a select), not this. Options that
    only constrain (``{"required": ["a"]}``) have nothing to draw, so neither is a
    ``oneOf`` made only of them: it stays the schema's business.
    """
    for kw in ("oneOf", "anyOf"):
        alts = schema.get(kw)
        if isinstance(alts, list) and alts:
            if all(is_constant(a) for a in alts):
                return None
            if any(_drawable(a) for a in alts):
                return kw, alts
            return None
    return None


_DRAWABLE = ("type", "properties", "items", "prefixItems", "enum", "const", "additionalProperties", "patternProperties", "$ref", "$dynamicRef", "allOf", "oneOf", "anyOf", "format")


def _drawable(option: Any) -> bool:
    return isinstance(option, dict) and any(k in option for k in _DRAWABLE)


def tuple_parts(schema: dict) -> tuple[list, Any] | None:
    """A fixed-position array: ``(position schemas, schema of extra items)``, the latter
    None when no item may be added (2020-12 ``prefixItems`` and ``items``; draft-7
    ``items: [...]`` and ``additionalItems`` are read as such when the form loads)."""
    prefix = schema.get("prefixItems")
    if not isinstance(prefix, list):
        return None
    extra = schema.get("items")
    return prefix, (extra if isinstance(extra, dict) else ANY_SCHEMA if extra is True else None)


def map_parts(schema: dict) -> tuple[dict, Any] | None:
    """An object whose keys the person types: ``(patternProperties, additionalProperties)``.

    RJSF draws key/value rows when ``additionalProperties`` is a schema or ``true``, and for
    the keys ``patternProperties`` matches; without either, undeclared keys are not drawn
    (they are kept as they are, see :mod:`engine.walk`). ``additional`` is None when no
    other key is allowed (``false``), ``True`` for any value (``true``, or absent beside
    ``patternProperties``)."""
    patterns = schema.get("patternProperties")
    patterns = patterns if isinstance(patterns, dict) and patterns else {}
    additional = schema.get("additionalProperties", True if patterns else None)
    if additional is False:
        additional = None
    if not patterns and additional is None:
        return None
    return patterns, additional


#: The schema of a value that may be any JSON (one object, never changed: caches key
#: schemas by identity).
ANY_SCHEMA: dict = {}


def value_schema(parts: tuple[dict, Any], key: str) -> dict:
    """The schema of a map's value at ``key``: the first pattern the key matches, else
    ``additionalProperties`` (any JSON when that is ``true`` or absent)."""
    from .ecma import search

    patterns, additional = parts
    for pattern, sub in patterns.items():
        if search(pattern, key):
            return sub if isinstance(sub, dict) else ANY_SCHEMA
    return additional if isinstance(additional, dict) else ANY_SCHEMA


def pattern_of(parts: tuple[dict, Any], key: str) -> str | None:
    """The pattern whose row a map's key belongs to (None: the additional row)."""
    from .ecma import search

    return next((p for p in parts[0] if search(p, key)), None)
