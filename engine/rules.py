"""Show/hide conditions that the device evaluates too.

``ui:rule`` conditions and the conditions of ``if``/dependency branches are evaluated here
with exactly the semantics of the client module ``condition.js``: the same answers show the
same fields on the phone and on the server. Only a small subset of JSON Schema is allowed
(:data:`CLIENT_KEYWORDS`); lint refuses anything else in a rule. A condition on a field
that has no answer is false (it never shows a SHOW-rule field by accident).
"""

from __future__ import annotations

from typing import Any, Callable

from .ecma import search
from .node import MISSING, Rule

#: The JSON Schema keywords a condition may use (mirrored in ``condition.js``).
CLIENT_KEYWORDS = frozenset({
    "const", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "pattern", "minLength", "maxLength", "minItems", "maxItems", "contains", "not",
    "required", "properties", "allOf", "anyOf", "type", "title", "description", "$comment",
})

RULE_EFFECTS = ("SHOW", "HIDE")


def unsupported_keywords(schema: Any, pointer: str = "") -> list[tuple[str, str]]:
    """(pointer, keyword) of every keyword outside the client subset, however deep."""
    if isinstance(schema, bool):
        return []
    if not isinstance(schema, dict):
        return [(pointer, "(not a schema)")]
    bad = [(f"{pointer}/{k}", k) for k in schema if k not in CLIENT_KEYWORDS]
    for k in ("not", "contains"):
        if k in schema:
            bad += unsupported_keywords(schema[k], f"{pointer}/{k}")
    for k in ("allOf", "anyOf"):
        for i, sub in enumerate(schema.get(k) or []):
            bad += unsupported_keywords(sub, f"{pointer}/{k}/{i}")
    for name, sub in (schema.get("properties") or {}).items():
        bad += unsupported_keywords(sub, f"{pointer}/properties/{name}")
    return bad


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if type(a) is str:  # the common case: a choice compared with a choice
        return type(b) is str and a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_TYPE_TESTS = {
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": lambda v: _is_number(v) and float(v).is_integer(),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def holds(schema: Any, value: Any) -> bool:
    """Whether ``value`` satisfies the condition ``schema`` (client subset semantics)."""
    if value is MISSING:
        return False
    return condition(schema)(value)


_COMPILED: dict[int, tuple[Any, Callable[[Any], bool]]] = {}


def condition(schema: Any) -> Callable[[Any], bool]:
    """``schema`` compiled once into a predicate: a closure per keyword it uses, so that
    evaluating a rule on every validation costs a few calls, not a scan of the subset."""
    hit = _COMPILED.get(id(schema))
    if hit is None or hit[0] is not schema:
        if len(_COMPILED) > 4096:
            _COMPILED.clear()
        hit = _COMPILED[id(schema)] = (schema, _compile(schema))
    return hit[1]


def _compile(s: Any) -> Callable[[Any], bool]:
    if s is True:
        return lambda v: True
    if s is False or not isinstance(s, dict):
        return lambda v: False
    checks: list[Callable[[Any], bool]] = []
    if "type" in s:
        tests = [_TYPE_TESTS.get(t, lambda v: False) for t in (s["type"] if isinstance(s["type"], list) else [s["type"]])]
        checks.append(lambda v: any(t(v) for t in tests))
    if "const" in s:
        const = s["const"]
        checks.append(lambda v: _equal(v, const))
    if "enum" in s:
        options = list(s["enum"]) if isinstance(s["enum"], list) else []
        checks.append(lambda v: any(_equal(v, e) for e in options))
    for kw, fails in (("minimum", lambda v, b: v < b), ("maximum", lambda v, b: v > b),
                      ("exclusiveMinimum", lambda v, b: v <= b), ("exclusiveMaximum", lambda v, b: v >= b)):
        if kw in s:
            checks.append(lambda v, b=s[kw], fails=fails: not (_is_number(v) and fails(v, b)))
    if "pattern" in s:
        checks.append(lambda v, p=s["pattern"]: not isinstance(v, str) or search(p, v))
    for kw, fails in (("minLength", lambda n, b: n < b), ("maxLength", lambda n, b: n > b)):
        if kw in s:
            checks.append(lambda v, b=s[kw], fails=fails: not (isinstance(v, str) and fails(len(v), b)))
    for kw, fails in (("minItems", lambda n, b: n < b), ("maxItems", lambda n, b: n > b)):
        if kw in s:
            checks.append(lambda v, b=s[kw], fails=fails: not (isinstance(v, list) and fails(len(v), b)))
    if "contains" in s:
        inner = condition(s["contains"])
        checks.append(lambda v: not isinstance(v, list) or any(inner(x) for x in v))
    if "required" in s:
        names = list(s["required"])
        checks.append(lambda v: not isinstance(v, dict) or all(k in v for k in names))
    if "properties" in s:
        props = [(name, condition(sub)) for name, sub in (s["properties"] or {}).items()]
        checks.append(lambda v: not isinstance(v, dict) or all(name not in v or ok(v[name]) for name, ok in props))
    if "not" in s:
        negated = condition(s["not"])
        checks.append(lambda v: not negated(v))
    if "allOf" in s:
        parts = [condition(sub) for sub in s["allOf"]]
        checks.append(lambda v: all(p(v) for p in parts))
    if "anyOf" in s:
        parts = [condition(sub) for sub in s["anyOf"]]
        checks.append(lambda v: any(p(v) for p in parts))
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(c(v) for c in checks)


def scope_to_path(scope: str) -> tuple:
    """``#/properties/a/items/properties/b`` -> ``("a", "*", "b")``; ValueError if malformed.

    ``"*"`` stands for "the array item the field with the rule is in".
    """
    if not isinstance(scope, str) or not scope.startswith("#"):
        raise ValueError("a scope starts with “#/properties/”")
    segs = [s for s in scope[1:].split("/") if s != ""]
    path: list[str] = []
    i = 0
    while i < len(segs):
        if segs[i] == "properties" and i + 1 < len(segs):
            path.append(segs[i + 1].replace("~1", "/").replace("~0", "~"))
            i += 2
        elif segs[i] == "items":
            path.append("*")
            i += 1
        else:
            raise ValueError(f"unexpected “{segs[i]}” in scope {scope}")
    return tuple(path)


def parse_rule(raw: Any) -> Rule:
    """A ``ui:rule`` value as a :class:`Rule`; ValueError with the author-facing reason."""
    if not isinstance(raw, dict):
        raise ValueError("ui:rule must be an object with “effect” and “condition”")
    effect = raw.get("effect")
    if effect not in RULE_EFFECTS:
        raise ValueError(f"effect must be one of {', '.join(RULE_EFFECTS)}, not {effect!r}")
    cond = raw.get("condition")
    if not isinstance(cond, dict) or "scope" not in cond or "schema" not in cond:
        raise ValueError("condition must be an object with “scope” and “schema”")
    return Rule(effect=effect, scope=scope_to_path(cond["scope"]), schema=cond["schema"])


def bind_scope(scope: tuple, own_path: tuple) -> tuple:
    """Replace each ``"*"`` of a scope with the matching index of the field's own path."""
    bound: list = []
    own_indexes = [p for p in own_path if isinstance(p, int)]
    k = 0
    for seg in scope:
        if seg == "*":
            bound.append(own_indexes[k] if k < len(own_indexes) else 0)
            k += 1
        else:
            bound.append(seg)
    return tuple(bound)


def rule_shows(rule: Rule, value: Any) -> bool:
    """Whether a field with ``rule`` is shown, given the value at the rule's scope."""
    matched = holds(rule.schema, value)
    return matched if rule.effect == "SHOW" else not matched
