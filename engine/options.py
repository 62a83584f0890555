"""Which option of a oneOf/anyOf (or which type of a type union) answers belong to.

RJSF's ``getClosestMatchingOption``: the option the answers are valid against, when exactly
one is; otherwise the option that scores best (a point per property whose answer has the
property's type, one more when it equals the property's ``const`` or ``default``, one
less when it does not, objects scored recursively); the first option when nothing tells.

RJSF asks its validator whether answers are valid against an option. Here the question is
put to a *matcher*: the option with its references resolved, cut down to the keywords that
``engine.rules.holds`` and the device's ``condition.js`` evaluate alike, so that the server
page, the PDF and the phone (``choice.js``) pick the same option for the same answers.
Keywords outside that subset are left out, which makes a matcher more permissive than its
option, never stricter; an option with ``properties`` also needs one of them answered
(RJSF's ``getMatchingOption`` adds that ``anyOf`` and drops ``required``). A ``const``
without a ``type`` gets the type of its value, so that a discriminator written
``{"const": "card"}`` scores like ``{"type": "string", "const": "card"}``.
"""

from __future__ import annotations

from typing import Any

from .node import MISSING
from .rules import CLIENT_KEYWORDS, _equal, holds
from .schema import drawn_alternatives, flatten, json_type, merge_schemas, union_types

#: what a matcher keeps besides the condition subset: what scoring reads
_SCORING = ("default", "oneOf")
_MAX_DEPTH = 8


def matcher(option: Any, root: dict, depth: int = 0) -> Any:
    """The client-evaluable form of one option (see the module docstring)."""
    return _augment(_trim(option, root, depth))


def _augment(m: Any) -> Any:
    if not isinstance(m, dict) or not m.get("properties"):
        return m
    out = {k: v for k, v in m.items() if k != "required"}
    any_answered = {"anyOf": [{"required": [name]} for name in m["properties"]]}
    if "anyOf" in out:
        out["allOf"] = [*(out.get("allOf") or []), any_answered]
    else:
        out.update(any_answered)
    return out


def _trim(schema: Any, root: dict, depth: int) -> Any:
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return True
    s = flatten(schema, root)
    out: dict[str, Any] = {}
    for key, value in s.items():
        if key in ("properties",) and isinstance(value, dict):
            out[key] = {name: _trim(sub, root, depth + 1) for name, sub in value.items()}
        elif key in ("not", "contains"):
            out[key] = _trim(value, root, depth + 1)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            trimmed = [_trim(sub, root, depth + 1) for sub in value]
            if key == "oneOf":  # scored (first matching option); not evaluated by holds()
                out[key] = [_augment(t) for t in trimmed]
            else:
                out[key] = trimmed
        elif key in CLIENT_KEYWORDS and key not in ("title", "description", "$comment") or key in _SCORING:
            out[key] = value
    if "const" in out and "type" not in out:
        # a const says its type: a discriminator (``{"const": "card"}``) then scores as
        # RJSF scores ``{"type": "string", "const": "card"}``, the way most forms write it
        out["type"] = _guess(out["const"])
    return out


def _truthy(v: Any) -> bool:
    """JavaScript's truthiness: RJSF scores a ``default``/``const`` only when it is truthy."""
    if v is MISSING or v is None or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0 and v == v
    if isinstance(v, str):
        return v != ""
    return True


def _guess(v: Any) -> str:
    """RJSF's ``guessType``: integers are numbers."""
    if v is MISSING:
        return "undefined"
    t = json_type(v)
    return "number" if t == "integer" else t


def _same(a: Any, b: Any) -> bool:
    """JavaScript's ``===`` on JSON values: objects and lists are never equal."""
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    return _equal(a, b)


def first_matching(options: list, value: Any) -> int:
    """RJSF's ``getFirstMatchingOption``: the first option ``value`` is valid against, or 0."""
    if value is MISSING:
        return 0
    for i, option in enumerate(options):
        if holds(option, value):
            return i
    return 0


def score(m: Any, value: Any) -> int:
    """RJSF's ``calculateIndexScore`` on a matcher."""
    if not isinstance(m, dict):
        return 0
    props = m.get("properties")
    if isinstance(props, dict):
        total = 0
        obj = value if isinstance(value, dict) else {}
        for key, sub in props.items():
            if not isinstance(sub, dict):
                continue
            v = obj.get(key, MISSING)
            alts = sub.get("oneOf") or sub.get("anyOf")
            if isinstance(alts, list) and alts and _truthy(v):
                total += score(alts[first_matching(alts, v)], v)
                continue
            if sub.get("type") == "object":
                total += (1 if isinstance(v, dict) else 0) + score(sub, v)
                continue
            if sub.get("type") == _guess(v):
                total += 1
                if _truthy(sub.get("default")):
                    total += 1 if _same(v, sub["default"]) else -1
                elif _truthy(sub.get("const")):
                    total += 1 if _same(v, sub["const"]) else -1
        return total
    return 1 if isinstance(m.get("type"), str) and m["type"] == _guess(value) else 0


def closest_option(matchers: list, value: Any, selected: int = 0) -> int:
    """RJSF's ``getClosestMatchingOption`` (see the module docstring); ``selected`` is what
    wins when every option scores alike."""
    if not matchers:
        return 0
    valid = [i for i, m in enumerate(matchers) if value is not MISSING and holds(m, value)]
    if len(valid) == 1:
        return valid[0]
    candidates = valid or list(range(len(matchers)))
    best, best_score, seen = selected, 0, set()
    for i in candidates:
        s = score(matchers[i], value)
        seen.add(s)
        if s > best_score:
            best, best_score = i, s
    if len(seen) == 1 and selected >= 0:
        return selected
    return best


def is_inline(schema: dict) -> bool:
    """An object with properties of its own and a oneOf/anyOf: the chosen option's
    properties are drawn below its own (RJSF's ObjectField, then its OneOfField)."""
    return bool(schema.get("properties")) and drawn_alternatives(schema) is not None


def option_schemas(schema: dict, root: dict) -> tuple[list, list] | None:
    """A choice field's options, each merged with what the field says besides them, and
    each option's own title; None when the field is not a choice. A type union is a choice
    too, one option per type (RJSF v6's type selector for ``type: [...]`` and for a schema
    that names no type)."""
    if is_inline(schema):
        return None
    alts = drawn_alternatives(schema)
    if alts is not None:
        base = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "title", "description", "default")}
        return _merged(base, alts[1], root)
    types = union_types(schema)
    if types is not None:
        base = {k: v for k, v in schema.items() if k not in ("type", "title", "description", "default")}
        untyped = "type" not in schema
        return [dict(base, type=t, **({AS_JSON: True} if untyped and t in ("object", "array") else {})) for t in types], [None] * len(types)
    return None


#: Marks the object and list options of a field whose schema names no type: RJSF draws a
#: sub-form of any keys there; here it is a text area of JSON (nothing constrains it).
AS_JSON = "x-ff-json"


def options_for(cache: dict, schema: dict, root: dict, inline: bool = False) -> tuple[list, list, list] | None:
    """``(schemas, titles, matchers)`` of a choice field (or of an object's own oneOf),
    computed once per schema object (``cache`` lives as long as the definition)."""
    key = ("inline-options" if inline else "options", id(schema))
    hit = cache.get(key)
    if hit is None:
        opts = (inline_options if inline else option_schemas)(schema, root)
        hit = cache[key] = (schema, None if opts is None else (opts[0], opts[1], [matcher(o, root) for o in opts[0]]))
    return hit[1]


def inline_options(schema: dict, root: dict) -> tuple[list, list] | None:
    """The options of an object's own oneOf/anyOf (see :func:`is_inline`): each option as
    an object of its own properties, without the object's."""
    if not is_inline(schema):
        return None
    return _merged({"type": "object"}, drawn_alternatives(schema)[1], root)


def _merged(base: dict, options: list, root: dict) -> tuple[list, list]:
    merged, titles = [], []
    for opt in options:
        flat = flatten(opt, root) if isinstance(opt, (dict, bool)) else {}
        merged.append(merge_schemas(base, flat))
        titles.append(flat.get("title") if isinstance(flat.get("title"), str) else None)
    return merged, titles
